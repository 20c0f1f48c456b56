"""The fuzz targets: one function per decoder of untrusted input, taking the raw bytes.

A target decodes its input and, when decoding succeeds, runs what a user of the decoder runs
next (verification, re-encoding) so that crashes past the decoder are found too. The project's
own errors (`SolvencyError`: FormatError, VerificationError, ParameterError, SnapshotError) are
the expected outcome of bad input; any other exception, a hang or a memory blow-up is a bug.
Everything a target runs is imported at the top of this module, so that `python -m fuzz run`
instruments it for coverage.

The inclusion and audit targets check against the statements in `<corpus>/_context/` (written
by `fuzz.seeds`); the corpus root is $ZKSOLVENCY_FUZZ_CORPUS or fuzz/corpus.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from functools import cache

from circuits.errors import SolvencyError
from fuzz import corpus_root
from fuzz.seeds import ASSETS, CONTEXTS
from prover.snapshot import iter_snapshot, validate_snapshot
from verifier.chain.anchor import check_anchor_record, parse_anchor_record
from verifier.chain.transaction import decode_raw
from verifier.formats import Statement, parse_inclusion, parse_statement
from verifier.inputs import audit_levels
from verifier.liabilities import verify_audit, verify_inclusion, verify_root
from verifier.reserves import encode_reserves, parse_reserves, verify_reserves
from verifier.solvency import verify_solvency


@cache
def context(index: int) -> Statement:
    """The seed round's statement: 0 aggregated (signed, with reserves), 1 per-node."""
    path = corpus_root() / "_context" / CONTEXTS[index]
    return parse_statement(path.read_bytes(), str(path))


def _same(a: object, b: object, what: str) -> None:
    if a != b:
        raise AssertionError(f"{what}: decoding the encoding gave another object")


def fuzz_statement(data: bytes) -> None:
    """statement.json: strict decoding, re-encoding, the root's proof, reserves and signature."""
    try:
        st = parse_statement(data, "statement.json")
    except SolvencyError:
        return
    _same(parse_statement(st.to_bytes(), "re-encoded"), st, "statement")
    try:
        verify_root(st)
        verify_solvency(st)
    except SolvencyError:
        return


def fuzz_inclusion(data: bytes) -> None:
    """An inclusion proof, JSON or binary: the first byte picks the statement it is checked
    against (even: the aggregated round, odd: the per-node round)."""
    if not data:
        return
    st = context(data[0] & 1)
    body = data[1:]
    try:
        proof = parse_inclusion(body, "proof", st)
    except SolvencyError:
        return
    _same(parse_inclusion(proof.to_binary(), "binary", st), proof, "binary proof")
    _same(parse_inclusion(proof.to_json_bytes(), "json", st), proof, "JSON proof")
    try:
        verify_inclusion(st, proof, user_id=proof.user_id)
    except SolvencyError:
        return


def fuzz_reserves(data: bytes) -> None:
    """A reserves file: the first byte says whether unsigned wallets (a template) are accepted."""
    if not data:
        return
    try:
        res = parse_reserves(data[1:], "reserves.json", unsigned_ok=bool(data[0] & 1))
    except SolvencyError:
        return
    _same(parse_reserves(encode_reserves(res), "re-encoded", unsigned_ok=True), res, "reserves")
    try:
        verify_reserves(res, exchange=res.exchange, round_id=res.round_id)
    except SolvencyError:
        return


def fuzz_audit(data: bytes) -> None:
    """An audit bundle's nodes.jsonl, checked against the aggregated seed round."""
    st = context(0)
    try:
        verify_audit(st, audit_levels(io.BytesIO(data), st.params, "nodes.jsonl"))
    except SolvencyError:
        return


def fuzz_snapshot(data: bytes) -> None:
    """A snapshot CSV: validation (both passes) and streaming, as `build` reads it."""
    with tempfile.NamedTemporaryFile(prefix="zk-fuzz-", suffix=".csv") as f:
        f.write(data)
        f.flush()
        try:
            summary = validate_snapshot(f.name, ASSETS, bits=32, max_users=8, round_up=False)
            rows = list(iter_snapshot(f.name, ASSETS, round_up=False, bits=32,
                                      expected_sha256=summary.sha256))  # fmt: skip
        except SolvencyError:
            return
    if len(rows) != summary.users:
        raise AssertionError("streaming gave another number of users than validation")


def fuzz_transaction(data: bytes) -> None:
    """A raw signed Ethereum transaction (the RLP decoder of verifier/chain): strict decoding,
    re-encoding to the same bytes, the hash and the recovered sender."""
    try:
        tx = decode_raw(data, "transaction")
    except SolvencyError:
        return
    _same(tx.raw(), data, "transaction")
    tx.hash()
    try:
        tx.sender()
    except SolvencyError:
        return


def fuzz_anchor(data: bytes) -> None:
    """public/anchor.json: strict decoding, then the offline check against the aggregated seed
    round (which declares an anchor): hash, chain, recovered sender, data."""
    try:
        record = parse_anchor_record(data, "anchor.json")
    except SolvencyError:
        return
    fuzz_transaction(record.raw)
    try:
        check_anchor_record(context(0), record)
    except SolvencyError:
        return


TARGETS: dict[str, Callable[[bytes], None]] = {
    "statement": fuzz_statement,
    "inclusion": fuzz_inclusion,
    "reserves": fuzz_reserves,
    "audit": fuzz_audit,
    "snapshot": fuzz_snapshot,
    "anchor": fuzz_anchor,
    "transaction": fuzz_transaction,
}
