"""Both commands' exit codes and messages: a bad snapshot (exit 2, `file:line: reason`, nothing
in the output folder), unsafe or short key files, keygen never overwriting, `--help` of every
subcommand, secrets never printed, and the user key computed alike by both commands."""

from __future__ import annotations

import argparse
import re
import shutil
import stat
from pathlib import Path

import pytest
from solvency_rounds import (
    EXCHANGE_SK,
    MASTER,
    ROUND,
    USERS,
    Round,
    build_round,
    prove,
    shared,
    verify,
    write_secret,
    write_snapshot,
)

from circuits import bip340
from prover.cli import build_parser as prove_parser
from verifier.cli import build_parser as verify_parser
from verifier.ids import user_key_hex

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"
FIXTURE_ASSETS = ["--asset", "BTC:8", "--asset", "USDT:6"]


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "cli", lambda base: build_round(base, mode="per-node"))


def _build_args(snapshot: Path, key: Path, out: Path, *extra: str) -> list[str]:
    return [
        "build", "--snapshot", str(snapshot), "--secret", str(key), "--round", ROUND,
        *FIXTURE_ASSETS, "--height", "8", "--bits", "64", "--workers", "1", "--out", str(out),
        *extra,
    ]  # fmt: skip


BAD_SNAPSHOTS = [
    ("duplicate_id.csv", r"duplicate user id \(duplicate of line 2\)"),
    ("duplicate_nfc.csv", r"duplicate user id"),
    ("negative.csv", r"BTC: negative amount"),
    ("exponent.csv", r"BTC: exponent notation is not allowed"),
    ("overflow_balance.csv", r"BTC: balance is 2\^64 base units or more"),
    ("too_many_decimals.csv", r"BTC: more than 8 decimals"),
    ("missing_column.csv", r"missing column 'USDT'"),
    ("wrong_field_count.csv", r"."),
    ("control_char_id.csv", r"user id contains a control character"),
    ("zero_width_id.csv", r"invisible format character"),
    ("empty.csv", r"."),
    ("header_only.csv", r"."),
    ("many_errors.csv", r"BTC: negative amount"),
]


@pytest.mark.parametrize(("name", "reason"), BAD_SNAPSHOTS, ids=[n for n, _ in BAD_SNAPSHOTS])
def test_bad_snapshot_exit_2_with_file_line_reason(tmp_path: Path, name: str, reason: str) -> None:
    snap = tmp_path / name
    shutil.copyfile(FIXTURES / name, snap)
    key = write_secret(tmp_path / "m.key")
    out = tmp_path / "out"
    out.mkdir()  # an existing empty output folder stays empty
    res = prove(*_build_args(snap, key, out))
    assert res.rc == 2, res.text
    lines = res.stderr.splitlines()
    assert lines[-1] == "nothing was published"
    problems = [ln for ln in lines[:-1] if not ln.startswith("... and ")]
    assert problems
    for ln in problems:
        assert re.fullmatch(rf"{re.escape(str(snap))}:\d+: .+", ln), ln
    assert any(re.search(reason, ln) for ln in problems)
    assert res.stdout == ""
    assert list(out.iterdir()) == []
    assert not (tmp_path / ".out.building").exists()
    if name == "many_errors.csv":
        assert re.fullmatch(r"\.\.\. and \d+ more problems not shown", lines[-2])


def test_total_of_2_to_the_n_or_more_is_refused_before_building(tmp_path: Path) -> None:
    """Each balance fits 16 bits but their sum does not: the root could not be range-proven.
    Refused as bad input before anything is built (it failed at the root's proof, leaving a
    staging folder, with a message about 'value 0')."""
    snap = write_snapshot(tmp_path / "s.csv", [("a", "60000"), ("b", "60000")], {"BTC": 0})
    key = write_secret(tmp_path / "m.key")
    res = prove(
        "build", "--snapshot", str(snap), "--secret", str(key), "--round", ROUND,
        "--asset", "BTC:0", "--height", "4", "--bits", "16", "--workers", "1",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert res.rc == 2
    assert (
        f"{snap}: the total of BTC is 2^16 base units or more, beyond 16-bit range proofs: use "
        "--bits 128, or fewer decimals for the asset (--asset SYMBOL:DECIMALS) with --round-up"
    ) in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.key", "s.csv"]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602])
def test_key_file_readable_or_writable_by_others_exit_2(tmp_path: Path, mode: int) -> None:
    snap = shutil.copyfile(FIXTURES / "ok.csv", tmp_path / "ok.csv")
    key = write_secret(tmp_path / "m.key", mode=mode)
    assert stat.S_IMODE(key.stat().st_mode) == mode
    res = prove(*_build_args(Path(snap), key, tmp_path / "out"))
    assert res.rc == 2
    assert f"{key}: master secret file is accessible by group or others" in res.stderr
    assert not (tmp_path / "out").exists()
    assert MASTER.hex() not in res.text


def test_short_or_missing_key_exit_2(tmp_path: Path) -> None:
    snap = Path(shutil.copyfile(FIXTURES / "ok.csv", tmp_path / "ok.csv"))
    short = write_secret(tmp_path / "short.key", MASTER[:31])
    res = prove(*_build_args(snap, short, tmp_path / "out"))
    assert res.rc == 2
    assert "master secret is 31 bytes, at least 32 are needed" in res.stderr
    res = prove(*_build_args(snap, tmp_path / "missing.key", tmp_path / "out"))
    assert res.rc == 2
    assert "master secret file not found" in res.stderr
    assert not (tmp_path / "out").exists()


def test_output_folder_not_empty_exit_2(tmp_path: Path) -> None:
    snap = Path(shutil.copyfile(FIXTURES / "ok.csv", tmp_path / "ok.csv"))
    key = write_secret(tmp_path / "m.key")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = prove(*_build_args(snap, key, out))
    assert res.rc == 2
    assert "output folder exists and is not empty" in res.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_keygen_writes_0600_and_refuses_overwrite(tmp_path: Path) -> None:
    key = tmp_path / "master.key"
    res = prove("keygen", "--out", str(key))
    assert res.rc == 0
    data = key.read_bytes()
    assert len(data) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert data.hex() not in res.text
    res = prove("keygen", "--out", str(key))
    assert res.rc == 2
    assert "file exists, refusing to overwrite" in res.stderr
    assert key.read_bytes() == data
    # nor through a symlink
    link = tmp_path / "link.key"
    link.symlink_to(tmp_path / "elsewhere.key")
    res = prove("keygen", "--out", str(link))
    assert res.rc == 2
    assert not (tmp_path / "elsewhere.key").exists()


def test_unwritable_paths_exit_2_without_a_traceback(rnd: Round, tmp_path: Path) -> None:
    """keygen or `proof --output` in a missing folder: bad input (it was a traceback)."""
    res = prove("keygen", "--out", str(tmp_path / "missing" / "m.key"))
    assert res.rc == 2
    assert f"{tmp_path / 'missing' / 'm.key'}: can't create the key file" in res.stderr
    assert "Traceback" not in res.text
    target = tmp_path / "missing" / "p.json"
    res = prove("proof", "--round-dir", str(rnd.dir), "--secret", str(rnd.key), "--user", "alice",
                "--output", str(target))  # fmt: skip
    assert res.rc == 2
    assert res.stderr == f"error: {target}: No such file or directory\n"


def test_proof_output_is_private_from_the_start(rnd: Round, tmp_path: Path) -> None:
    """An existing world-readable file is made 0600 before the proof is written into it."""
    target = tmp_path / "p.json"
    target.write_text("old")
    target.chmod(0o644)
    res = prove("proof", "--round-dir", str(rnd.dir), "--secret", str(rnd.key), "--user", "alice",
                "--output", str(target))  # fmt: skip
    assert res.rc == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == rnd.proof_path("alice").read_bytes()


TEXT_OPTIONS = [
    ("--snapshot-time", "x" * 65, "string of 65 UTF-8 bytes, expected 1 to 64"),
    ("--snapshot-time", "2026-11-01\tT00", "string contains a control character"),
    ("--snapshot-time", "", "string of 0 UTF-8 bytes"),
    ("--exchange", "E" * 129, "string of 129 UTF-8 bytes, expected 1 to 128"),
    ("--exchange", "Ex\nchange", "string contains a control character"),
]


@pytest.mark.parametrize(("option", "value", "reason"), TEXT_OPTIONS)
def test_statement_text_the_verifier_would_refuse_exit_2(
    tmp_path: Path, option: str, value: str, reason: str
) -> None:
    """The build published statements that its own verifier could not decode (a snapshot time
    over 64 bytes, an exchange name over 128, control characters): now refused up front."""
    snap = Path(shutil.copyfile(FIXTURES / "ok.csv", tmp_path / "ok.csv"))
    key = write_secret(tmp_path / "m.key")
    res = prove(*_build_args(snap, key, tmp_path / "out", option, value))
    assert res.rc == 2
    assert res.stderr.startswith(f"error: {option}: ") and reason in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.key", "ok.csv"]


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("no subcommands")


PROVE_SUBCOMMANDS = _subcommands(prove_parser())
VERIFY_SUBCOMMANDS = _subcommands(verify_parser())


def test_subcommand_lists() -> None:
    assert set(PROVE_SUBCOMMANDS) == {
        "keygen", "user-key", "build", "proof", "export-audit", "demo",
        "reserves-challenge", "sign-reserves", "report", "pubkey", "anchor", "site",
    }  # fmt: skip
    assert set(VERIFY_SUBCOMMANDS) == {
        "inclusion", "statement", "audit", "history", "user-key", "reserves",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("command", "sub"),
    [("prove", s) for s in [None, *PROVE_SUBCOMMANDS]]
    + [("verify", s) for s in [None, *VERIFY_SUBCOMMANDS]],
)
def test_help_of_every_subcommand_exits_0(command: str, sub: str | None) -> None:
    run = prove if command == "prove" else verify
    res = run(*([sub] if sub else []), "--help")
    assert res.rc == 0
    prog = "solvency-prove" if command == "prove" else "solvency-verify"
    assert res.stdout.startswith(f"usage: {prog}{' ' + sub if sub else ''}")


def test_usage_errors_exit_2() -> None:
    assert prove().rc == 2
    assert verify().rc == 2
    assert prove("build").rc == 2
    assert verify("inclusion", "--statement", "x").rc == 2
    assert prove("user-key", "--round", "bad round!", "alice").rc == 2


def _secret_forms(secret: bytes) -> list[str]:
    import base64

    return [
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode(),
        repr(secret)[2:-1],
    ]


def test_secrets_never_printed(rnd: Round, tmp_path: Path) -> None:
    outputs: list[str] = [rnd.build.text]
    outputs.append(prove("user-key", "--round", ROUND, "alice").text)
    outputs.append(
        prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", "alice",
              "--output", str(tmp_path / "p.json")).text
    )  # fmt: skip
    outputs.append(
        prove("export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key),
              "--bundle", str(tmp_path / "bundle"), "--workers", "1").text
    )  # fmt: skip
    outputs.append(
        prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", "nobody").text
    )
    wrong = write_secret(tmp_path / "wrong.key", EXCHANGE_SK)
    outputs.append(
        prove("proof", "--out", str(rnd.dir), "--secret", str(wrong), "--user", "alice").text
    )
    loose = write_secret(tmp_path / "loose.key", mode=0o644)
    outputs.append(
        prove("proof", "--out", str(rnd.dir), "--secret", str(loose), "--user", "alice").text
    )
    for uid in ("alice", "bob"):
        outputs.append(
            verify("inclusion", "--statement", str(rnd.statement), "--proof",
                   str(rnd.proof_path(uid)), "--json").text
        )  # fmt: skip
    outputs.append(verify("statement", str(rnd.statement)).text)
    outputs.append(
        verify(
            "audit", "--statement", str(rnd.statement), "--bundle", str(tmp_path / "bundle")
        ).text
    )
    text = "\n".join(outputs)
    assert "VALID" in text
    for secret in (MASTER, EXCHANGE_SK):
        for form in _secret_forms(secret):
            assert form not in text
    # nor in any published file
    for path in [
        rnd.statement,
        rnd.dir / "private" / "manifest.json",
        *(rnd.dir / "users").iterdir(),
    ]:
        assert MASTER.hex() not in path.read_text()


def test_demo_runs_end_to_end_without_printing_secrets(tmp_path: Path) -> None:
    """`solvency-prove demo`: snapshot, keys, signed reserves, build with a ratio and a
    disclosure, every proof verified, report page; secrets stay in their files."""
    out = tmp_path / "demo"
    res = prove("demo", "--users", "5", "--out", str(out), "--workers", "1", "--height", "4")
    assert res.rc == 0, res.text
    assert "every proof and the statement verified" in res.stdout
    # the closing hint is the full safe command: the user's own id and the pinned key
    hint = res.stdout.splitlines()[-2].split()
    assert hint[:2] == ["solvency-verify", "inclusion"]
    pub = bip340.xonly_pubkey((out / "exchange.key").read_bytes()).hex()
    assert hint[hint.index("--exchange-key") + 1] == pub
    assert "--user-id" in hint and "statement digest: " in res.stdout
    for name in ("master.key", "exchange.key"):
        secret = (out / name).read_bytes()
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
        for form in _secret_forms(secret):
            assert form not in res.text
    round_dir = out / "round-2026-11"
    assert (round_dir / "public" / "report.html").is_file()
    pub = bip340.xonly_pubkey((out / "exchange.key").read_bytes()).hex()
    check = verify("statement", str(round_dir / "public" / "statement.json"), "--exchange-key", pub)
    assert check.rc == 0, check.text
    assert "ratio >= 102%: proven" in check.stdout
    assert "total reserve ratio >= 100% in USD: proven" in check.stdout


IDS = ["alice", "zoë", "zoe\u0308", "李雷", "carol@example.com", "o'brien", "a b"]


def test_user_key_of_both_commands_agree(rnd: Round) -> None:
    for uid in IDS:
        for round_id in (ROUND, "2027-01"):
            p = prove("user-key", "--round", round_id, uid)
            v = verify("user-key", "--round", round_id, uid)
            assert p.rc == v.rc == 0
            assert p.stdout == v.stdout == user_key_hex(round_id, uid) + "\n"
    # NFC and NFD spellings are one id
    assert (
        prove("user-key", "--round", ROUND, "zoë").stdout
        == prove("user-key", "--round", ROUND, "zoe\u0308").stdout
    )
    # the key names the user's proof file
    for row in USERS:
        key = prove("user-key", "--round", ROUND, row[0]).stdout.strip()
        assert (rnd.dir / "users" / f"{key}.json").is_file()
    # --json of the verifier
    v = verify("user-key", "--round", ROUND, "alice", "--json")
    assert '"user_key": "' + user_key_hex(ROUND, "alice") + '"' in v.stdout
    # invalid ids and rounds: both commands say bad input
    for uid in ("a\u200bb", "tab\there", " lead", ""):
        assert prove("user-key", "--round", ROUND, uid).rc == 2
        assert verify("user-key", "--round", ROUND, uid).rc == 2
    assert prove("user-key", "--round", "no spaces", "alice").rc == 2
    assert verify("user-key", "--round", "no spaces", "alice").rc == 2
