"""Property tests (hypothesis, issue 11 section 1): random byte and field tampering of a signed
statement, of JSON and binary inclusion proofs and of an audit bundle is never accepted
(unless the change decodes to exactly the same object, such as JSON whitespace), and JSON and
binary proofs round-trip through their encoders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_rounds import Audit, audit_round
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solvency_rounds import EXCHANGE_PK, ROUND, Round, shared
from test_solvency import Rounds, solvency_round

from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import N, Point
from circuits.merkle import MAX_HEIGHT, MIN_HEIGHT
from verifier.formats import (
    BITS,
    MODES,
    Asset,
    InclusionProof,
    Params,
    Sibling,
    Statement,
    parse_audit_line,
    parse_inclusion,
    parse_statement,
)
from verifier.liabilities import verify_audit, verify_inclusion, verify_root
from verifier.solvency import verify_solvency

REFUSED = (FormatError, VerificationError, ParameterError)
FEW = settings(max_examples=25, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    def make(base: Path) -> tuple[Round, Round]:
        return solvency_round(base, ROUND, name="a"), solvency_round(base, "2026-12", name="b")

    return Rounds(*shared(tmp_path_factory, "solvency", make))


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    return audit_round(tmp_path_factory)


def check_statement(data: bytes) -> Statement:
    """What `solvency-verify statement --exchange-key` checks."""
    s = parse_statement(data, "statement.json")
    verify_root(s)
    verify_solvency(s, exchange_key=EXCHANGE_PK)
    return s


def refused_or_same(fn: Callable[[], Any], original: Any) -> None:
    """The tampered input is refused with a documented error, or decodes to the original."""
    try:
        got = fn()
    except REFUSED:
        return
    assert got == original, "a tampered input was accepted"


def tamper_byte(data: bytes, draw: st.DataObject) -> bytes:
    pos = draw.draw(st.integers(0, len(data) - 1), label="position")
    new = draw.draw(st.integers(0, 255).filter(lambda b: b != data[pos]), label="byte")
    return data[:pos] + bytes([new]) + data[pos + 1 :]


def leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every JSON path to a scalar (string, number, bool, null) of a document."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in leaves(v, (*path, i))]
    return [path]


def set_at(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


def get_at(doc: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def other_value(old: Any) -> st.SearchStrategy[Any]:
    """A replacement of another value (and often another type) for a JSON scalar."""
    common = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=8))
    if isinstance(old, str) and old:
        flipped = st.integers(0, len(old) - 1).map(
            lambda i: old[:i] + ("0" if old[i] != "0" else "1") + old[i + 1 :]
        )
        return st.one_of(flipped, flipped, common).filter(lambda v: v != old)
    if isinstance(old, int) and not isinstance(old, bool):
        near = st.integers(-3, 3).map(lambda d: old + d)
        return st.one_of(near, near, common).filter(lambda v: v != old)
    return common.filter(lambda v: v != old)


def tamper_field(doc: Any, data: st.DataObject) -> bytes:
    paths = leaves(doc)
    path = data.draw(st.sampled_from(paths), label="field")
    set_at(doc, path, data.draw(other_value(get_at(doc, path)), label="value"))
    return json.dumps(doc, ensure_ascii=False).encode()


# --- statements ------------------------------------------------------------------------------


@FEW
@given(data=st.data())
def test_statement_byte_tampering_is_never_accepted(rounds: Rounds, data: st.DataObject) -> None:
    raw = rounds.a.statement.read_bytes()
    original = check_statement(raw)
    refused_or_same(lambda: check_statement(tamper_byte(raw, data)), original)


@FEW
@given(data=st.data())
def test_statement_field_tampering_is_never_accepted(rounds: Rounds, data: st.DataObject) -> None:
    doc = rounds.a.statement_json()
    original = check_statement(rounds.a.statement.read_bytes())
    refused_or_same(lambda: check_statement(tamper_field(doc, data)), original)


# --- inclusion proofs ------------------------------------------------------------------------

USER = "zoë"


def check_proof(rnd: Round, data: bytes) -> InclusionProof:
    s = parse_statement(rnd.statement.read_bytes(), "statement.json")
    proof = parse_inclusion(data, "proof")
    verify_inclusion(s, proof, user_id=USER)
    return proof


@FEW
@given(data=st.data())
def test_json_proof_byte_tampering_is_never_accepted(audit: Audit, data: st.DataObject) -> None:
    raw = audit.rnd.proof_path(USER).read_bytes()
    original = check_proof(audit.rnd, raw)
    refused_or_same(lambda: check_proof(audit.rnd, tamper_byte(raw, data)), original)


@FEW
@given(data=st.data())
def test_json_proof_field_tampering_is_never_accepted(audit: Audit, data: st.DataObject) -> None:
    doc = audit.rnd.proof_json(USER)
    original = check_proof(audit.rnd, audit.rnd.proof_path(USER).read_bytes())
    refused_or_same(lambda: check_proof(audit.rnd, tamper_field(doc, data)), original)


@FEW
@given(data=st.data())
def test_binary_proof_byte_tampering_is_never_accepted(audit: Audit, data: st.DataObject) -> None:
    original = check_proof(audit.rnd, audit.rnd.proof_path(USER).read_bytes())
    raw = original.to_binary()
    assert check_proof(audit.rnd, raw) == original
    refused_or_same(lambda: check_proof(audit.rnd, tamper_byte(raw, data)), original)


# --- audit bundles ---------------------------------------------------------------------------


def check_bundle(audit: Audit, lines: list[bytes]) -> list[Any]:
    p = audit.statement.params
    nodes = [parse_audit_line(line, p, f"nodes.jsonl:{i}") for i, line in enumerate(lines, 1)]
    levels: dict[int, list[Any]] = {}
    for n in nodes:
        levels.setdefault(n.depth, []).append(n)
    verify_audit(audit.statement, [levels[d] for d in sorted(levels, reverse=True)])
    return nodes


@settings(max_examples=12, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_audit_bundle_byte_tampering_is_never_accepted(audit: Audit, data: st.DataObject) -> None:
    lines = (audit.bundle / "nodes.jsonl").read_bytes().splitlines()
    original = check_bundle(audit, lines)
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    lines[i] = tamper_byte(lines[i], data)
    refused_or_same(lambda: check_bundle(audit, lines), original)


# --- round trips -----------------------------------------------------------------------------

SYMBOLS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8).filter(
    lambda s: s[0].isalpha()
)
POINTS = st.integers(1, N - 1).map(lambda k: Point.generator() * k)


@st.composite
def inclusion_proofs(draw: st.DrawFn) -> InclusionProof:
    """Any well-formed inclusion proof (not a valid one): the encoders' domain."""
    mode = draw(st.sampled_from(MODES))
    height = draw(st.integers(MIN_HEIGHT, min(MAX_HEIGHT, 8)))
    bits = draw(st.sampled_from(BITS))
    symbols = draw(st.lists(SYMBOLS, min_size=1, max_size=3, unique=True))
    assets = tuple(Asset(s, draw(st.integers(0, 18))) for s in symbols)
    params = Params(height, bits, mode, assets, draw(st.binary(min_size=32, max_size=32)).hex())
    k = len(assets)
    uid = draw(st.text(alphabet="abcxyzé李雷0123456789@._-'", min_size=1, max_size=20))
    point = draw(POINTS)  # one point, reused: keeps the strategy fast
    siblings = tuple(
        Sibling(draw(st.binary(min_size=32, max_size=32)), (point,) * k) for _ in range(height)
    )
    path_proof = node_proofs = None
    if mode == "aggregated":
        path_proof = draw(
            st.binary(min_size=params.path_proof_size(), max_size=params.path_proof_size())
        )
    else:
        size = params.node_proof_size()
        node_proofs = tuple(draw(st.binary(min_size=size, max_size=size)) for _ in range(height))
    return InclusionProof(
        draw(st.sampled_from(["2026-11", "r1", "round.7"])),
        params,
        uid,
        draw(st.integers(0, (1 << height) - 1)),
        tuple(draw(st.integers(0, (1 << bits) - 1)) for _ in range(k)),
        tuple(draw(st.integers(0, N - 1)) for _ in range(k)),
        draw(st.binary(min_size=32, max_size=32)),
        siblings,
        path_proof,
        node_proofs,
    )


@settings(max_examples=40, suppress_health_check=list(HealthCheck))
@given(proof=inclusion_proofs())
def test_json_and_binary_proofs_round_trip(proof: InclusionProof) -> None:
    from_json = parse_inclusion(proof.to_json_bytes(), "proof.json")
    assert from_json == proof
    assert parse_inclusion(proof.to_binary(), "proof.bin") == proof
    assert from_json.to_json_bytes() == proof.to_json_bytes()


def test_published_proofs_round_trip(audit: Audit) -> None:
    for uid in audit.rnd.balances:
        raw = audit.rnd.proof_path(uid).read_bytes()
        proof = parse_inclusion(raw, uid)
        assert proof.to_json_bytes() == raw
        binary = proof.to_binary()
        assert parse_inclusion(binary, uid) == proof
        assert parse_inclusion(binary, uid).to_binary() == binary
