"""End to end through `solvency-prove` and `solvency-verify` (issue 3, "Tests"): both proof
modes, every user's proof in JSON and binary, --user-id, --expect, --json, `statement`,
`export-audit` + `audit`, byte-identical rebuilds, regenerated proofs equal to the published
files, one full run through subprocesses, and a hypothesis property: random small snapshots
give proofs that all verify and leaf openings that sum to the root's opening."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solvency_rounds import (
    ASSETS,
    MASTER,
    PYTHON,
    REPO,
    ROUND,
    USERS,
    Round,
    build_round,
    export_audit,
    prove,
    shared,
    verify,
    write_secret,
    write_snapshot,
)

from circuits.errors import FormatError, VerificationError
from circuits.group import N, Point
from circuits.pedersen import commit
from prover.build import BuildConfig, build
from prover.secrets import MasterSecret
from prover.store import Store, un_ix
from prover.tree import unpack_opening
from verifier.formats import parse_inclusion, parse_statement
from verifier.ids import user_key_hex
from verifier.liabilities import verify_inclusion

INCLUSION_CHECKS = ["round", "params", "user-id", "leaf", "path", "root", "range-proofs"]


@pytest.fixture(scope="session", params=["aggregated", "per-node"])
def rnd(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Round:
    mode = request.param
    return shared(
        tmp_path_factory, f"e2e-{mode}", lambda base: build_round(base, mode=mode, height=4)
    )


def _expect_args(row: tuple[str, ...]) -> list[str]:
    out = []
    for sym, amount in zip(ASSETS, row[1:], strict=True):
        out += ["--expect", f"{sym}={amount}"]
    return out


def test_build_publishes_statement_proofs_manifest(rnd: Round) -> None:
    assert rnd.build.rc == 0
    names = sorted(p.name for p in rnd.dir.iterdir())
    assert names == ["private", "public", "users"]
    files = sorted(p.name for p in (rnd.dir / "users").iterdir())
    assert files == sorted(f"{user_key_hex(ROUND, row[0])}.json" for row in USERS)
    for p in (rnd.dir / "users").iterdir():
        assert p.stat().st_mode & 0o777 == 0o600
    manifest = json.loads((rnd.dir / "private" / "manifest.json").read_bytes())
    assert manifest["counts"]["users"] == len(USERS)
    assert manifest["params"]["mode"] == rnd.mode
    st = parse_statement(rnd.statement.read_bytes(), "statement.json")
    assert (st.round_id, st.params.height, st.params.bits, st.params.mode) == (
        ROUND,
        4,
        32,
        rnd.mode,
    )


def test_every_proof_verifies_with_user_id_and_expect(rnd: Round) -> None:
    for row in USERS:
        res = verify(
            "inclusion",
            "--statement",
            str(rnd.statement),
            "--proof",
            str(rnd.proof_path(row[0])),
            "--user-id",
            row[0],
            *_expect_args(row),
        )
        assert res.rc == 0, res.text
        assert "VALID: your balances are included" in res.stdout
        assert user_key_hex(ROUND, row[0]) in res.stdout
        for check in [*INCLUSION_CHECKS, "expectations"]:
            assert f"[ok] {check}:" in res.stdout


def test_every_binary_proof_verifies_and_decodes_to_the_json_proof(
    rnd: Round, tmp_path: Path
) -> None:
    st = parse_statement(rnd.statement.read_bytes(), "statement.json")
    for i, row in enumerate(USERS):
        out = tmp_path / f"{i}.bin"
        res = prove(
            "proof",
            "--out",
            str(rnd.dir),
            "--secret",
            str(rnd.key),
            "--user",
            row[0],
            "--format",
            "bin",
            "--output",
            str(out),
        )
        assert res.rc == 0, res.text
        data = out.read_bytes()
        assert data[:4] == b"ZKSP"
        json_bytes = rnd.proof_path(row[0]).read_bytes()
        assert len(data) < len(json_bytes) // 2
        assert parse_inclusion(data, "bin") == parse_inclusion(json_bytes, "json")
        verify_inclusion(st, parse_inclusion(data, "bin"), user_id=row[0])
        res = verify(
            "inclusion", "--statement", str(rnd.statement), "--proof", str(out), "--user-id", row[0]
        )
        assert res.rc == 0, res.text


def test_proof_command_regenerates_the_published_bytes(rnd: Round, tmp_path: Path) -> None:
    for i, row in enumerate(USERS):
        published = rnd.proof_path(row[0]).read_bytes()
        out = tmp_path / f"{i}.json"
        res = prove(
            "proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", row[0],
            "--output", str(out),
        )  # fmt: skip
        assert res.rc == 0, res.text
        assert out.read_bytes() == published
        assert out.stat().st_mode & 0o777 == 0o600
    # the support desk may type the id in another normal form (NFD): the same user
    nfd = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", "zoe\u0308")
    assert nfd.rc == 0
    assert nfd.out == rnd.proof_path("zoë").read_bytes()
    # to standard output as well (the default)
    res = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", USERS[0][0])
    assert res.rc == 0
    assert res.out == rnd.proof_path(USERS[0][0]).read_bytes()


def test_proof_command_unknown_user_and_wrong_secret(rnd: Round, tmp_path: Path) -> None:
    res = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", "mallory")
    assert res.rc == 2
    assert "no such user" in res.stderr
    other = write_secret(tmp_path / "other.key", bytes(range(32)))
    res = prove("proof", "--out", str(rnd.dir), "--secret", str(other), "--user", "alice")
    assert res.rc == 2
    assert "not the secret the round was built with" in res.stderr


def test_json_output_parses(rnd: Round) -> None:
    row = USERS[2]
    res = verify(
        "inclusion",
        "--statement",
        str(rnd.statement),
        "--proof",
        str(rnd.proof_path(row[0])),
        "--user-id",
        row[0],
        "--json",
        *_expect_args(row),
    )
    assert res.rc == 0
    doc = json.loads(res.stdout)
    assert doc["result"] == "valid"
    assert doc["checks"] == [*INCLUSION_CHECKS, "expectations"]
    assert doc["user_key"] == user_key_hex(ROUND, row[0])
    assert doc["balances"] == {"BTC": "0.00000001", "USDT": "1000.00"}
    assert doc["statement"]["root_hash"] == rnd.statement_json()["root"]["hash"]
    assert doc["solvency"]["reserves"] is False
    # invalid, as JSON: names the failed check
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof",
        str(rnd.proof_path(row[0])), "--user-id", "alice", "--json",
    )  # fmt: skip
    assert res.rc == 1
    doc = json.loads(res.stdout)
    assert (doc["result"], doc["failed_check"]) == ("invalid", "user-id")
    # bad input, as JSON
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", "/nonexistent", "--json"
    )
    assert res.rc == 2
    assert json.loads(res.stdout)["result"] == "bad-input"


def test_expect_mismatch_and_malformed(rnd: Round) -> None:
    proof = str(rnd.proof_path("alice"))
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", proof, "--expect", "BTC=1.49"
    )
    assert res.rc == 1
    assert "check 'expectations' failed" in res.stdout
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", proof, "--expect", "BTC=1.5"
    )
    assert res.rc == 0
    # (non-ASCII digits in the fraction were accepted: "BTC=1.５" passed as 1.5)
    for bad in (
        "BTC=1.000000001",
        "BTC=1e3",
        "ETH=1",
        "BTC",
        "BTC=-1",
        "BTC=１",
        "BTC=1.５",
        "BTC=1.5 ",
    ):
        res = verify(
            "inclusion", "--statement", str(rnd.statement), "--proof", proof, "--expect", bad
        )
        assert res.rc == 2, bad
        assert "--expect" in res.stderr


def test_statement_command(rnd: Round) -> None:
    res = verify("statement", str(rnd.statement))
    assert res.rc == 0, res.text
    assert "VALID" in res.stdout
    assert rnd.statement_json()["root"]["hash"] in res.stdout
    res = verify("statement", str(rnd.statement), "--json")
    assert res.rc == 0
    assert json.loads(res.stdout)["result"] == "valid"


def test_export_audit_and_audit(rnd: Round, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    res = export_audit(rnd.dir, rnd.key, bundle)
    assert res.rc == 0, res.text
    lines = (bundle / "nodes.jsonl").read_bytes().splitlines()
    res = verify("audit", "--statement", str(rnd.statement), "--bundle", str(bundle), "--json")
    assert res.rc == 0, res.text
    doc = json.loads(res.stdout)
    assert doc["audit"]["nodes"] == len(lines) and doc["audit"]["proofs"] == len(lines) - 1
    assert doc["audit"]["complete"] is True  # audit/v2: every padding node proven
    # exporting again to the same folder is refused
    res = export_audit(rnd.dir, rnd.key, bundle)
    assert res.rc == 2
    # the round's proofs are unchanged by the export (it only adds proofs of other nodes)
    for row in USERS:
        regen = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", row[0])
        assert regen.out == rnd.proof_path(row[0]).read_bytes()

    def audit_of(body: list[bytes]) -> tuple[int, str]:
        bad = tmp_path / f"bad{len(list(tmp_path.iterdir()))}"
        bad.mkdir()
        (bad / "nodes.jsonl").write_bytes(b"\n".join(body) + b"\n")
        r = verify("audit", "--statement", str(rnd.statement), "--bundle", str(bad), "--json")
        return r.rc, json.loads(r.stdout).get("failed_check", "")

    assert audit_of(lines[1:]) == (1, "audit-tree")  # a leaf-level node missing
    assert audit_of([lines[0], *lines]) == (1, "audit-order")  # a node twice
    assert audit_of(lines[:-1]) == (1, "audit-tree")  # no root
    # one node's proof replaced by another's: the proofs are bound to their positions
    a, b = json.loads(lines[0]), json.loads(lines[1])
    a["range_proof"], b["range_proof"] = b["range_proof"], a["range_proof"]
    swapped = [json.dumps(a).encode(), json.dumps(b).encode(), *lines[2:]]
    assert audit_of(swapped) == (1, "range-proofs")
    # this round's bundle against another round's statement: the proofs are bound to the round
    other = build_round(tmp_path / "other", mode=rnd.mode, round_id="2026-12", height=4)
    # is named as such before anything is verified (bad input, exit 2)
    r = verify("audit", "--statement", str(other.statement), "--bundle", str(bundle))
    assert r.rc == 2
    assert r.stderr.startswith(f"error: {bundle / 'nodes.jsonl'}: this bundle's root hash ")
    assert "it is the audit bundle of another round or exchange; give the bundle" in r.stderr
    # a node's hash changed: its parent's hash no longer matches
    c = json.loads(lines[0])
    c["hash"] = ("0" if c["hash"][0] != "0" else "1") + c["hash"][1:]
    # (a padding node's hash is also bound to its padding proof, checked first)
    want = "audit-padding" if "padding" in c else "audit-tree"
    assert audit_of([json.dumps(c).encode(), *lines[1:]]) == (1, want)


TINY = [("alice", "3", "0"), ("bob", "0", "250"), ("zoë", "200", "1"), ("李雷", "1", "1")]
TINY_ASSETS = {"BTC": 0, "USDT": 0}


def test_same_inputs_and_secret_give_byte_identical_outputs(tmp_path: Path) -> None:
    def make(name: str, users: list[tuple[str, str, str]]) -> Round:
        return build_round(
            tmp_path / name, mode="per-node", height=4, bits=8, users=users, assets=TINY_ASSETS
        )

    a, b = make("a", TINY), make("b", TINY)
    assert a.statement.read_bytes() == b.statement.read_bytes()
    for row in TINY:
        assert a.proof_path(row[0]).read_bytes() == b.proof_path(row[0]).read_bytes()
    manifest_a = json.loads((a.dir / "private" / "manifest.json").read_bytes())
    assert manifest_a == json.loads((b.dir / "private" / "manifest.json").read_bytes())
    # the snapshot's line order does not matter either (positions come from the secret)
    c = make("c", list(reversed(TINY)))
    assert c.statement.read_bytes() == a.statement.read_bytes()
    # another secret gives another tree
    (tmp_path / "d").mkdir()
    write_secret(tmp_path / "d" / "master.key", bytes(range(32)))
    d = make("d", TINY)
    assert d.statement_json()["root"]["hash"] != a.statement_json()["root"]["hash"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    return env


def test_full_run_through_subprocesses(tmp_path: Path) -> None:
    """`python -m prover` and `python -m verifier` as separate processes, as users run them."""
    snap = write_snapshot(tmp_path / "s.csv", USERS[:3], ASSETS)
    key = write_secret(tmp_path / "m.key")
    out = tmp_path / "round"

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [PYTHON, *args], capture_output=True, env=_env(), cwd=tmp_path, timeout=120, check=False
        )

    r = run(
        "-m", "prover", "build", "--snapshot", str(snap), "--secret", str(key), "--round", ROUND,
        "--asset", "BTC:8", "--asset", "USDT:2", "--height", "4", "--bits", "32",
        "--mode", "aggregated", "--workers", "1", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode()
    assert b"round 2026-11: 3 users" in r.stdout
    r = run("-m", "verifier", "statement", str(out / "public" / "statement.json"))
    assert r.returncode == 0, r.stdout.decode()
    proof = out / "users" / f"{user_key_hex(ROUND, 'zoë')}.json"
    r = run(
        "-m", "verifier", "inclusion", "--statement", str(out / "public" / "statement.json"),
        "--proof", str(proof), "--user-id", "zoë", "--expect", "USDT=1000",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout.decode()
    assert "VALID" in r.stdout.decode()
    r = run(
        "-m", "prover", "proof", "--out", str(out), "--secret", str(key), "--user", "zoë",
        "--format", "bin",
    )  # fmt: skip
    assert r.returncode == 0
    assert r.stdout[:4] == b"ZKSP"
    (tmp_path / "p.bin").write_bytes(r.stdout)
    r = run(
        "-m", "verifier", "inclusion", "--statement", str(out / "public" / "statement.json"),
        "--proof", str(tmp_path / "p.bin"), "--user-id", "alice",
    )  # fmt: skip
    assert r.returncode == 1
    assert "check 'user-id' failed" in r.stdout.decode()


# --- hypothesis: random small snapshots ----------------------------------------------------

_ids = st.text(alphabet="abcdé李Ω", min_size=1, max_size=6)


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[dict[str, int], list[tuple[str, ...]], str]:
    k = draw(st.integers(1, 2))
    assets = dict(list({"BTC": 0, "USDT": 0}.items())[:k])
    ids = draw(st.lists(_ids, min_size=1, max_size=6, unique=True))
    rows = [(uid, *(str(draw(st.integers(0, 2000))) for _ in range(k))) for uid in ids]
    mode = draw(st.sampled_from(["aggregated", "per-node"]))
    return assets, rows, mode


@settings(max_examples=5, deadline=None)
@given(snapshots())
def test_random_snapshots_verify_and_leaves_sum_to_root(
    case: tuple[dict[str, int], list[tuple[str, ...]], str],
) -> None:
    assets, rows, mode = case
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        snap = write_snapshot(base / "s.csv", rows, assets)
        cfg = BuildConfig(
            snapshot=snap,
            round_id=ROUND,
            assets=assets,
            out=base / "out",
            height=4,
            bits=16,
            mode=mode,
            workers=1,
            progress=False,
        )
        res = build(cfg, MasterSecret(MASTER))
        assert res.users == len(rows)
        st_ = parse_statement(
            (base / "out" / "public" / "statement.json").read_bytes(), "statement"
        )
        for uid, *amounts in rows:
            path = base / "out" / "users" / f"{user_key_hex(ROUND, uid)}.json"
            proof = parse_inclusion(path.read_bytes(), str(path))
            result = verify_inclusion(st_, proof, user_id=uid)
            assert result.balances == tuple(int(a) for a in amounts)

        K = len(assets)
        with Store(base / "out" / "private" / "state.sqlite") as store:
            nodes = {
                (d, un_ix(i)): (cb, unpack_opening(op))
                for d, i, cb, op in store.db.execute(
                    "SELECT depth, idx, commitments, opening FROM nodes"
                )
            }
            leaf_of = {
                uid: un_ix(li)
                for uid, li in store.db.execute("SELECT user_id, leaf_index FROM users")
            }
        # every stored commitment opens to its stored opening
        for cb, (values, blindings) in nodes.values():
            for k in range(K):
                assert Point.from_bytes(cb[33 * k : 33 * k + 33]) == commit(values[k], blindings[k])
        # the users' leaves hold their balances
        for uid, *amounts in rows:
            assert nodes[(4, leaf_of[uid])][1][0] == [int(a) for a in amounts]
        # the childless nodes (users' leaves and padding) sum to the root's opening
        childless = [key for key in nodes if (key[0] + 1, 2 * key[1]) not in nodes]
        root_values, root_blindings = nodes[(0, 0)][1]
        for k in range(K):
            assert sum(nodes[key][1][0][k] for key in childless) == root_values[k]
            assert sum(nodes[key][1][1][k] for key in childless) % N == root_blindings[k] % N
            users_total = sum(int(r[1 + k]) for r in rows)
            assert root_values[k] == users_total
        # padding holds nothing: the real leaves alone sum to the root's values
        real = {(4, li) for li in leaf_of.values()}
        for k in range(K):
            assert sum(nodes[key][1][0][k] for key in real) == root_values[k]


def test_library_errors_are_the_documented_classes(rnd: Round) -> None:
    """The library raises FormatError / VerificationError (never returns False)."""
    st_ = parse_statement(rnd.statement.read_bytes(), "statement.json")
    with pytest.raises(FormatError):
        parse_inclusion(b"{}", "empty")
    proof = parse_inclusion(rnd.proof_path("alice").read_bytes(), "alice")
    with pytest.raises(VerificationError) as exc:
        verify_inclusion(st_, proof, user_id="bob")
    assert exc.value.check == "user-id"
