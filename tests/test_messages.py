"""Messages a customer and an operator can act on, with their exit codes: files of the wrong
kind named, insolvency and --expect in the asset's units, key kinds and public keys, renamed
options (old spellings warn), trailing blank CSV lines, the height that fits, --version, the
demo's own options, and progress on a terminal and in a log."""

from __future__ import annotations

import io
import itertools
import json
import os
from pathlib import Path

import pytest
from solvency_rounds import (
    ASSETS,
    EXCHANGE,
    EXCHANGE_SK,
    ROUND,
    USERS,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    prove,
    reserves_doc,
    shared,
    verify,
    write_json,
    write_secret,
    write_snapshot,
)

from circuits import bip340
from prover.progress import Progress
from verifier.version import version_text

ALICE = USERS[0][0]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "messages", lambda base: build_round(base))


@pytest.fixture(scope="session")
def other(tmp_path_factory: pytest.TempPathFactory) -> Round:
    """Another exchange's round: same round id and parameters, other users."""
    users = (("mallory", "1", "1"), ("trent", "2", "2"))
    return shared(tmp_path_factory, "messages-other", lambda base: build_round(base, users=users))


# --- files of the wrong kind -----------------------------------------------------------------


def test_a_proof_given_as_the_statement_and_the_reverse(rnd: Round) -> None:
    proof = rnd.proof_path(ALICE)
    res = verify("statement", str(proof))
    assert (res.rc, res.stderr) == (
        2,
        f"error: {proof}: this is a user's inclusion proof (JSON), not a statement; the "
        "statement is statement.json of the round's folder (or the exchange's site)\n",
    )
    res = verify("inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.statement))
    assert (res.rc, res.stderr) == (
        2,
        f"error: {rnd.statement}: this is a round's statement (statement.json), not an inclusion "
        "proof; your proof is the file users/<your user key>.json the exchange gave you "
        "(`solvency-verify user-key` prints the key)\n",
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "a PNG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"", "an empty file"),
        (b"<!DOCTYPE html><html></html>", "an HTML page"),
        (b'{"exchange": "X", "round": "r", "assets": {}}', "a reserves file"),
        (b"hello", "a text file that is not JSON"),
        (b"[]", "a JSON document whose top level is not an object"),
        (b"42\n", "a JSON document whose top level is not an object"),
        (b"42\nhello\n", "a text file that is not JSON"),
        (b'{"a": 1}\n{"b": 2}\n', "a JSON document of unknown kind"),
    ],
)
def test_files_of_other_kinds_are_named(rnd: Round, tmp_path: Path, data: bytes, kind: str) -> None:
    bad = tmp_path / "file"
    bad.write_bytes(data)
    res = verify("statement", str(bad))
    assert res.rc == 2
    assert res.stderr.startswith(f"error: {bad}: this is {kind}, not a statement; ")
    res = verify("inclusion", "--statement", str(rnd.statement), "--proof", str(bad))
    assert res.rc == 2
    assert res.stderr.startswith(f"error: {bad}: this is {kind}, not an inclusion proof; ")


def test_a_binary_proof_with_a_bad_body_is_still_called_a_proof(rnd: Round, tmp_path: Path) -> None:
    bad = tmp_path / "p.bin"
    bad.write_bytes(b"ZKSP\x09")
    res = verify("inclusion", "--statement", str(rnd.statement), "--proof", str(bad))
    assert res.rc == 2
    assert "this is" not in res.stderr and "truncated" in res.stderr


def test_a_proof_of_another_exchange_fails_root_with_a_hint(rnd: Round, other: Round) -> None:
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", str(other.proof_path("mallory"))
    )
    assert res.rc == 1
    assert res.stdout.endswith(
        "INVALID: check 'root' failed: the path does not lead to the statement's root hash\n"
        "hint: a proof made for another exchange's statement, or for another build of this "
        "round, fails this way: check that the statement is the one published by the exchange "
        "that gave you the proof; if it is, the exchange's proof does not match what it "
        "published\n"
    )


# --- figures in the asset's units ------------------------------------------------------------


def test_expect_mismatch_in_asset_units(rnd: Round) -> None:
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path(ALICE)),
        "--expect", "BTC=1.25",
    )  # fmt: skip
    assert res.rc == 1
    assert res.stdout.endswith(
        "INVALID: check 'expectations' failed: BTC: the proof counts 1.50000000 BTC, you expected "
        "1.25000000 BTC (150,000,000 and 125,000,000 base units)\n"
    )


def _build_with_reserves(rnd: Round, tmp: Path, btc: int, *extra: str) -> tuple[Path, object]:
    spec = {
        "BTC": AssetSpec("bitcoin", 870_000, [WalletSpec(1, btc)]),
        "USDT": AssetSpec("ethereum", 21_000_000, [WalletSpec(3, 10**9)]),
    }
    reserves = write_json(tmp / "reserves.json", reserves_doc(EXCHANGE, ROUND, spec))
    out = tmp / "out"
    res = prove(
        "build", "--snapshot", str(rnd.snapshot), "--secret", str(rnd.key), "--round", ROUND,
        "--asset", "BTC:8", "--asset", "USDT:2", "--height", "4", "--bits", "32",
        "--workers", "1", "--out", str(out), "--exchange", EXCHANGE,
        "--reserves", str(reserves), *extra,
    )  # fmt: skip
    return out, res


def test_insolvency_in_asset_units(rnd: Round, tmp_path: Path) -> None:
    # liabilities: 3.75000001 BTC
    out, res = _build_with_reserves(rnd, tmp_path, 375_000_000)
    assert (res.rc, res.stderr) == (  # type: ignore[attr-defined]
        3,
        "insolvent: BTC: liabilities exceed reserves: liabilities 3.75000001 BTC, reserves "
        "3.75000000 BTC, short by 0.00000001 BTC\nnothing was published\n",
    )
    assert not out.exists()


def test_ratio_not_met_in_asset_units(rnd: Round, tmp_path: Path) -> None:
    out, res = _build_with_reserves(rnd, tmp_path, 380_000_000, "--min-ratio", "BTC=102")
    assert (res.rc, res.stderr) == (  # type: ignore[attr-defined]
        3,
        "insolvent: BTC: reserves are below 102% of liabilities: reserves 3.80000000 BTC are "
        "101.33% of liabilities 3.75000001 BTC; 102% needs reserves of at least 3.82500002 BTC "
        "(short by 0.02500002 BTC)\nnothing was published\n",
    )
    assert not out.exists()


# --- keys ------------------------------------------------------------------------------------


def test_keygen_says_which_key_and_pubkey_prints_it(tmp_path: Path) -> None:
    master = tmp_path / "master.key"
    res = prove("keygen", "--out", str(master))
    assert (res.rc, res.stdout) == (
        0,
        f"wrote a new master secret (32 random bytes) to {master} (mode 0600): every blinding, "
        "salt and position of your rounds derives from it; keep it offline and backed up, and "
        "give it to `build --secret`\n",
    )
    signing = tmp_path / "exchange.key"
    res = prove("keygen", "--kind", "signing", "--out", str(signing))
    pub = bip340.xonly_pubkey(signing.read_bytes()).hex()
    assert (res.rc, res.stdout) == (
        0,
        f"wrote a new statement-signing key (BIP-340 secret key) to {signing} (mode 0600): give "
        "it to `build --signing-key`\n"
        f"its public key, which users pin with `solvency-verify --exchange-key`: {pub}\n",
    )
    assert stat_mode(signing) == 0o600
    res = prove("pubkey", "--key", str(signing))
    assert (res.rc, res.stdout) == (0, pub + "\n")
    fixed = write_secret(tmp_path / "fixed.key", EXCHANGE_SK)
    assert (
        prove("pubkey", "--key", str(fixed)).stdout == bip340.xonly_pubkey(EXCHANGE_SK).hex() + "\n"
    )
    loose = write_secret(tmp_path / "loose.key", EXCHANGE_SK, 0o644)
    res = prove("pubkey", "--key", str(loose))
    assert res.rc == 2
    assert res.stderr == (
        f"error: {loose}: secret key file is accessible by group or others (mode 0644; run "
        "chmod 600)\n"
    )
    zero = write_secret(tmp_path / "zero.key", bytes(32))
    res = prove("pubkey", "--key", str(zero))
    assert (res.rc, res.stderr) == (2, f"error: {zero}: secret key is not a valid secret key\n")


def stat_mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


# --- renamed options -------------------------------------------------------------------------

OUT_WARNING = (
    "warning: --out is deprecated, use --round-dir (here it names an existing round's folder, "
    "an input); the old spelling will be removed in the next release\n"
)


def test_round_dir_and_the_old_out_with_a_warning(rnd: Round, tmp_path: Path) -> None:
    new = prove("proof", "--round-dir", str(rnd.dir), "--secret", str(rnd.key), "--user", ALICE)
    old = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", ALICE)
    assert new.rc == old.rc == 0
    assert new.out == old.out == rnd.proof_path(ALICE).read_bytes()
    assert (new.stderr, old.stderr) == ("", OUT_WARNING)
    res = prove("proof", "--secret", str(rnd.key), "--user", ALICE)
    assert (res.rc, res.stderr) == (
        2,
        "error: --round-dir is required: the round's folder, written by build\n",
    )
    res = prove("report", "--out", str(tmp_path / "nowhere"))
    assert res.rc == 2 and res.stderr.startswith(OUT_WARNING)
    res = prove(
        "export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key),
        "--bundle", str(tmp_path / "b"), "--workers", "1",
    )  # fmt: skip
    assert res.rc == 0 and res.stderr.startswith(OUT_WARNING)


def test_signing_key_and_the_old_exchange_key_with_a_warning(tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / "s.csv", USERS, ASSETS)
    key = write_secret(tmp_path / "master.key")
    signing = write_secret(tmp_path / "exchange.key", EXCHANGE_SK)
    pub = bip340.xonly_pubkey(EXCHANGE_SK).hex()
    for name, option in (("new", "--signing-key"), ("old", "--exchange-key")):
        out = tmp_path / name
        res = prove(
            "build", "--snapshot", str(snapshot), "--secret", str(key), "--round", ROUND,
            "--asset", "BTC:8", "--asset", "USDT:2", "--height", "4", "--bits", "32",
            "--workers", "1", "--out", str(out), option, str(signing),
        )  # fmt: skip
        assert res.rc == 0, res.text
        warning = (
            "warning: --exchange-key is deprecated, use --signing-key (it names the secret key "
            "file that signs the statement; in solvency-verify --exchange-key is the exchange's "
            "public key); the old spelling will be removed in the next release\n"
        )
        assert res.stderr.startswith(warning) == (name == "old")
        assert (
            verify("statement", str(out / "public" / "statement.json"), "--exchange-key", pub).rc
            == 0
        )
    assert (tmp_path / "new" / "public" / "statement.json").read_bytes() == (
        tmp_path / "old" / "public" / "statement.json"
    ).read_bytes()


# --- snapshots -------------------------------------------------------------------------------


def _build(tmp_path: Path, snapshot: Path, height: int = 4) -> object:
    return prove(
        "build", "--snapshot", str(snapshot), "--secret", str(write_secret(tmp_path / "m.key")),
        "--round", ROUND, "--asset", "BTC:8", "--asset", "USDT:2", "--height", str(height),
        "--bits", "32", "--workers", "1", "--out", str(tmp_path / "out"),
    )  # fmt: skip


@pytest.mark.parametrize("ending", ["\n\n", "\r\n\r\n", "\n\n\n"])
def test_trailing_blank_lines_are_accepted(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "s.csv"
    write_snapshot(path, USERS, ASSETS)
    path.write_bytes(path.read_bytes().rstrip(b"\n") + ending.encode())
    res = _build(tmp_path, path)
    assert res.rc == 0, res.text  # type: ignore[attr-defined]


def test_a_blank_line_inside_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user_id,BTC,USDT\nalice,1,1\n\nbob,1,1\n\n", encoding="utf-8")
    res = _build(tmp_path, path)
    assert (res.rc, res.stderr) == (  # type: ignore[attr-defined]
        2,
        f"{path}:3: empty line\nnothing was published\n",
    )


def test_too_many_users_names_the_height_that_fits(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    rows = [(f"user{i}", "1", "1") for i in range(5)]
    write_snapshot(path, rows, ASSETS)
    res = _build(tmp_path, path, height=3)
    assert (res.rc, res.stderr) == (  # type: ignore[attr-defined]
        2,
        f"{path}:6: 5 users, more than the 4 a tree of height 3 holds (2^H >= 2 x users): use "
        "--height 4 or more\nnothing was published\n",
    )


# --- --version, demo options -----------------------------------------------------------------


def test_version_of_both_commands() -> None:
    for run, prog in ((verify, "solvency-verify"), (prove, "solvency-prove")):
        res = run("--version")
        assert (res.rc, res.stdout) == (0, version_text(prog) + "\n")
        assert res.stdout.startswith(f"{prog} ")
        assert "zk-solvency/statement/v1" in res.stdout


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        ("--asset", "the demo generates its own assets (BTC:8, ETH:8, USDT:6)"),
        ("--dask-scheduler", "the demo runs on local processes only (--workers)"),
    ],
)
def test_demo_refuses_options_it_would_ignore(option: str, reason: str) -> None:
    res = prove("demo", option, "x")
    assert res.rc == 2
    assert res.stderr.endswith(
        f"solvency-prove demo: error: {option} is not an option of demo: {reason}\n"
    )


def test_demo_help_shows_the_defaults_it_uses() -> None:
    text = " ".join(prove("demo", "--help").stdout.split())
    assert "per-node (the default)" in text
    assert "tree height H (default: max(8, ceil(log2(2 x users)) + 1): 11 for 400 users)" in text
    assert "range bits n (default 64)" in text
    assert "--asset" not in text and "--dask-scheduler" not in text


# --- progress --------------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_has_a_time_remaining_estimate() -> None:
    stream = _Tty()
    bar = Progress("node proofs", 20, None, stream)
    for _ in range(20):
        bar.advance()
    bar.close()
    text = stream.getvalue()
    assert "node proofs: 100%" in text and "20/20 [" in text and "<00:00" in text


def test_progress_in_a_log_is_a_line_per_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    clock = itertools.chain([0.0, 70.0, 70.0, 200.0], itertools.repeat(200.0))
    monkeypatch.setattr("prover.progress.time.monotonic", lambda: next(clock))
    bar = Progress("tree", 4, None, stream)
    bar.advance()  # t = 70 s: a line, 3 left at 70 s each
    bar.advance(3)  # done: no progress line
    bar.close()
    lines = [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()]
    assert lines == [
        "tree: 4 to do",
        "tree: 1 of 4 (25%), about 3 min 30 s left",
        "tree: 4 done in 3 min 20 s",
    ]
    quiet = io.StringIO()
    off = Progress("tree", 4, False, quiet)
    off.advance(4)
    off.close()
    assert quiet.getvalue() == ""


def test_a_build_logs_its_phases(tmp_path: Path) -> None:
    res = _build(tmp_path, write_snapshot(tmp_path / "s.csv", USERS, ASSETS))
    phases = [line.split(" ", 1)[1] for line in res.stderr.splitlines()]  # type: ignore[attr-defined]
    assert phases[0] == "tree: 6 to do"
    assert phases[-1].startswith("writing proofs: 6 done in ")
    assert (
        json.loads((tmp_path / "out" / "public" / "statement.json").read_bytes())["round"] == ROUND
    )


def test_exchange_key_of_the_verifier_is_a_public_key_not_a_file(rnd: Round) -> None:
    res = verify("statement", str(rnd.statement), "--exchange-key", str(rnd.key))
    assert (res.rc, res.stderr) == (
        2,
        f"error: --exchange-key '{rnd.key}' is a file: give the exchange's public key (64 hex, "
        "BIP-340 x-only), as shown on its report page (`solvency-prove pubkey --key FILE` prints "
        "it from the signing key file)\n",
    )
    res = verify("statement", str(rnd.statement), "--exchange-key", "ABC")
    assert (res.rc, res.stderr) == (
        2,
        "error: --exchange-key: expected the exchange's public key, 64 lowercase hex characters "
        "(BIP-340 x-only), got 3 characters\n",
    )
    assert res.stdout == ""  # refused before anything is read or printed
