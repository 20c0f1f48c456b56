"""One history for everyone: `build --previous` links rounds by the signed statement digest,
`solvency-verify history` checks a set of statements (fork, gap, reordered, another key or
exchange, a replayed round, a tampered link, v1 as the first link only), and every verifier
command prints the statement digest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from solvency_rounds import (
    EXCHANGE,
    EXCHANGE_PK,
    EXCHANGE_SK,
    SMALL_USERS,
    Round,
    build_round,
    resign,
    shared,
    verify,
    write_json,
    write_secret,
)

from circuits import bip340
from verifier.formats import STATEMENT_FORMAT_V1, dumps, parse_statement
from verifier.history import round_order

ROUNDS = ("2026-10", "2026-11", "2026-12")
TIMES = ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
OTHER_SK = bytes(31) + b"\x07"


def _make_history(base: Path) -> list[Round]:
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    rounds: list[Round] = []
    for i, (round_id, when) in enumerate(zip(ROUNDS, TIMES, strict=True)):
        extra = ["--exchange", EXCHANGE, "--signing-key", str(key), "--snapshot-time", when]
        if rounds:
            extra += ["--previous", str(rounds[-1].dir)]  # a round folder, or its statement
        users = SMALL_USERS[: 3 + i]
        rounds.append(build_round(base, round_id=round_id, users=users, extra=extra, name=f"r{i}"))
    return rounds


@pytest.fixture(scope="session")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> list[Round]:
    return shared(tmp_path_factory, "history", _make_history)


def doc_of(rnd: Round) -> dict[str, Any]:
    return rnd.statement_json()


def digest(doc: dict[str, Any]) -> str:
    return parse_statement(dumps(doc), "s").digest().hex()


def as_v1(doc: dict[str, Any]) -> dict[str, Any]:
    v1 = {k: v for k, v in doc.items() if k != "previous"}
    v1["format"] = STATEMENT_FORMAT_V1
    return resign(v1)


def files(tmp: Path, *docs: dict[str, Any]) -> list[str]:
    """Each document in a new file (never one written before in this test)."""
    first = len(list(tmp.glob("s*.json")))
    return [str(write_json(tmp / f"s{first + i}.json", d)) for i, d in enumerate(docs)]


def history(*argv: str) -> Any:
    return verify("history", *argv)


def test_build_links_each_round_to_the_previous(rounds: list[Round]) -> None:
    docs = [doc_of(r) for r in rounds]
    assert docs[0]["previous"] is None
    assert docs[1]["previous"] == digest(docs[0])
    assert docs[2]["previous"] == digest(docs[1])
    for r in rounds:
        assert f"statement digest {digest(doc_of(r))}" in r.build.stdout


def test_history_of_round_folders_is_valid(rounds: list[Round], tmp_path: Path) -> None:
    base = rounds[0].dir.parent
    out = history(str(base), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 0, out.text
    assert "[ok] links: 3 round(s) from 2026-10 to 2026-12" in out.stdout
    assert f"Latest statement digest: {digest(doc_of(rounds[2]))}" in out.stdout
    assert out.stdout.rstrip().endswith(
        "VALID: one history, the same for everyone who was shown these statements."
    )
    # files in any order, given twice, or as statement files: the same history
    paths = [str(r.statement) for r in reversed(rounds)]
    out = history(*paths, str(rounds[1].dir), "--json")
    assert out.rc == 0, out.text
    doc = json.loads(out.stdout)
    assert doc["result"] == "valid"
    assert doc["history"] == [digest(doc_of(r)) for r in rounds]
    assert doc["exchange_key_pinned"] is False
    assert [s["round"] for s in doc["statements"]] == ["2026-10", "2026-11", "2026-11", "2026-12"]
    # a history may start after the exchange's first round: said, and valid
    out = history(str(rounds[1].statement), str(rounds[2].statement))
    assert out.rc == 0, out.text
    assert (
        "starts at round 2026-11, which links to an earlier statement not given here" in out.stdout
    )


def _fails(argv: list[str], check: str, message: str) -> None:
    out = history(*argv)
    assert out.rc == 1, out.text
    assert f"INVALID: check '{check}' failed: " in out.stdout
    assert message in out.stdout, out.stdout


def test_fork_two_statements_for_one_round(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    twin = resign({**c, "snapshot_time": "2026-12-02T00:00:00Z"})  # another statement, same round
    paths = files(tmp_path, a, b, c, twin)
    _fails(
        paths,
        "history-fork",
        f"fork: two statements for round 2026-12: {paths[2]} (digest {digest(c)}) and "
        f"{paths[3]} (digest {digest(twin)})",
    )


def test_fork_two_statements_claim_the_same_previous(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    # round 2026-12 built on 2026-10 directly, beside 2026-11 which also claims 2026-10
    skip = resign({**c, "previous": digest(a)})
    paths = files(tmp_path, a, b, skip)
    _fails(
        paths,
        "history-fork",
        f"fork: round 2026-11 ({paths[1]}) and round 2026-12 ({paths[2]}) both claim the "
        f"previous statement {digest(a)}",
    )


def test_gap_a_link_to_a_statement_not_given(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    paths = files(tmp_path, a, c)
    _fails(
        paths,
        "history-gap",
        f"gap: round 2026-12 ({paths[1]}) links to the previous statement {digest(b)}, which is "
        f"not among the statements given: a round is missing before it, after round 2026-10 "
        f"({paths[0]})",
    )


def test_reordered_links_against_the_rounds(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    c2 = resign({**c, "previous": digest(a)})  # 2026-10 -> 2026-12 -> 2026-11
    b2 = resign({**b, "previous": digest(c2)})
    paths = files(tmp_path, a, b2, c2)
    _fails(
        paths,
        "history-round",
        f"round 2026-11 ({paths[1]}) follows round 2026-12 ({paths[2]}): rounds must strictly "
        "increase along the history",
    )


def test_snapshot_times_must_increase(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    b2 = resign({**b, "snapshot_time": "2026-12-01T00:00:00+00:00"})  # the same instant as c's
    c2 = resign({**c, "previous": digest(b2)})
    paths = files(tmp_path, a, b2, c2)
    _fails(
        paths,
        "history-time",
        f"round 2026-12 ({paths[2]}) has snapshot time 2026-12-01T00:00:00Z, not after "
        f"2026-12-01T00:00:00+00:00 of round 2026-11 ({paths[1]})",
    )
    b3 = resign({**b, "snapshot_time": "yesterday"})
    c3 = resign({**c, "previous": digest(b3)})
    out = history(*files(tmp_path, a, b3, c3))
    assert out.rc == 2
    assert "snapshot_time 'yesterday' is not an RFC 3339 time with a zone" in out.stderr


def test_another_key_or_exchange_breaks_the_history(rounds: list[Round], tmp_path: Path) -> None:
    a, b, _c = (doc_of(r) for r in rounds)
    other = resign(b, OTHER_SK)
    paths = files(tmp_path, a, other)
    other_pk = bip340.xonly_pubkey(OTHER_SK).hex()
    _fails(
        paths,
        "history-key",
        f"round 2026-11 ({paths[1]}) is signed by {other_pk}, round 2026-10 ({paths[0]}) by "
        f"{EXCHANGE_PK}: a history has one signing key",
    )
    unsigned = {k: v for k, v in b.items() if k != "signature"}
    _fails(files(tmp_path, a, unsigned), "history-key", "is signed by no key")
    # with the key pinned, the other key's statement fails its own check first
    out = history(*paths, "--exchange-key", EXCHANGE_PK)
    assert out.rc == 1
    assert (
        f"INVALID: check 'signature' failed: {paths[1]}: the statement is signed by another key"
        in out.stdout
    )
    renamed = resign({**b, "exchange": "Other Exchange"})
    _fails(
        files(tmp_path, a, renamed),
        "history-exchange",
        "is of exchange 'Other Exchange', round 2026-10",
    )


def test_replayed_round(rounds: list[Round], tmp_path: Path) -> None:
    """An old round's statement shown again as the latest link: a fork with the original, and
    a round that goes back when the original is not given."""
    a, b, c = (doc_of(r) for r in rounds)
    replay = resign({**b, "previous": digest(c)})
    _fails(files(tmp_path, a, b, c, replay), "history-fork", "two statements for round 2026-11")
    paths = files(tmp_path, c, replay)
    _fails(paths, "history-round", f"round 2026-11 ({paths[1]}) follows round 2026-12 ({paths[0]})")


def test_tampered_previous_breaks_the_signature(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    tampered = {**c, "previous": digest(a)}  # not signed again
    paths = files(tmp_path, a, b, tampered)
    out = history(*paths)
    assert out.rc == 1
    assert (
        f"INVALID: check 'signature' failed: {paths[2]}: the statement's signature does not verify"
        in out.stdout
    )
    out = verify("statement", paths[2])
    assert (out.rc, "check 'signature' failed" in out.stdout) == (1, True)


def test_restart_in_the_middle(rounds: list[Round], tmp_path: Path) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    restart = resign({**c, "previous": None})
    paths = files(tmp_path, a, b, restart)
    _fails(
        paths,
        "history-link",
        f"round 2026-12 ({paths[2]}) has no previous statement: a history restarts there, after "
        f"round 2026-11 ({paths[1]})",
    )


def test_v1_statement_is_accepted_as_the_first_link_only(
    rounds: list[Round], tmp_path: Path
) -> None:
    a, b, c = (doc_of(r) for r in rounds)
    v1 = as_v1(a)
    b2 = resign({**b, "previous": digest(v1)})
    c2 = resign({**c, "previous": digest(b2)})
    out = history(*files(tmp_path, v1, b2, c2), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 0, out.text
    assert "previous none: a first round (v1 statement)" in out.stdout
    late_v1 = as_v1(c)
    paths = files(tmp_path, a, b, late_v1)
    _fails(
        paths,
        "history-link",
        f"round 2026-12 ({paths[2]}) is a v1 statement (no previous): v1 is accepted as the "
        "first link only",
    )
    # the kept v1 fixture alone is a history of one round
    fixture = Path(__file__).parent / "fixtures" / "v1" / "statement.json"
    out = history(str(fixture))
    assert out.rc == 0, out.text


def test_bad_input_exit_2(rounds: list[Round], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = history(str(empty))
    assert out.rc == 2
    assert f"error: {empty}: no statement in it nor in any of its subfolders" in out.stderr
    out = history(str(rounds[0].proof_path(SMALL_USERS[0][0])))
    assert out.rc == 2
    assert "not a statement" in out.stderr or "inclusion proof" in out.stderr
    out = history(str(tmp_path / "missing.json"))
    assert (out.rc, "cannot read" in out.stderr) == (2, True)


def test_build_refuses_a_previous_that_cannot_come_before(
    rounds: list[Round], tmp_path: Path
) -> None:
    base = tmp_path / "b"
    key = write_secret(tmp_path / "exchange.key", EXCHANGE_SK)
    other = write_secret(tmp_path / "other.key", OTHER_SK)
    prev = str(rounds[1].dir)
    stmt = rounds[1].statement
    cases = [
        (["--round", "2026-11"], "round 2026-11 (this build) follows round 2026-11"),
        (["--snapshot-time", "2026-10-15T00:00:00Z"], "has snapshot time 2026-10-15T00:00:00Z"),
        (["--signing-key", str(other)], "a history has one signing key"),
        (["--exchange", "Other"], "is of exchange 'Other', round 2026-11"),
    ]
    for change, message in cases:
        argv = ["--exchange", EXCHANGE, "--signing-key", str(key)]
        argv += ["--snapshot-time", "2027-01-01T00:00:00Z", "--previous", prev, *change]
        with pytest.raises(RuntimeError) as err:
            build_round(base, round_id="2027-01", extra=argv, name="x")
        assert "exit 2" in str(err.value) and f"error: --previous {stmt}: " in str(err.value)
        assert message in str(err.value), str(err.value)
        assert not (base / "x").exists()
    proof = rounds[1].proof_path(SMALL_USERS[0][0])
    with pytest.raises(RuntimeError, match=r"(?s)exit 2.*inclusion proof"):
        build_round(base, round_id="2027-01", extra=["--previous", str(proof)], name="x")
    tampered = json.loads(stmt.read_bytes())
    tampered["previous"] = None
    bad = write_json(tmp_path / "tampered.json", tampered)
    with pytest.raises(RuntimeError, match="the statement's signature does not verify"):
        build_round(base, round_id="2027-01", extra=["--previous", str(bad)], name="x")
    shutil.rmtree(base, ignore_errors=True)


def test_round_order_is_natural() -> None:
    ids = ["r10", "2026-9", "r9", "2026-10", "2026-09", "2027-1"]
    assert sorted(ids, key=round_order) == ["2026-9", "2026-09", "2026-10", "2027-1", "r9", "r10"]


def test_every_command_prints_the_statement_digest(rounds: list[Round], tmp_path: Path) -> None:
    r = rounds[2]
    d = digest(doc_of(r))
    previous = doc_of(r)["previous"]
    uid = SMALL_USERS[0][0]
    for argv in (
        ["statement", str(r.statement)],
        ["inclusion", "--statement", str(r.statement), "--proof", str(r.proof_path(uid))],
    ):
        out = verify(*argv)
        assert out.rc == 0, out.text
        assert f"Statement digest: {d} (compare it with what others were shown)" in out.stdout
        assert f"Previous statement: {previous}" in out.stdout
        doc = json.loads(verify(*argv, "--json").stdout)
        assert (doc["statement"]["digest"], doc["statement"]["previous"]) == (d, previous)
    out = verify("statement", str(rounds[0].statement))
    assert "Previous statement: none (the exchange's first round)" in out.stdout
