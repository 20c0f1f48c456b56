"""Statement formats v1 and v2: v1 statements keep verifying, v2 adds `previous`, and the
statement digest (docs/PROTOCOL.md 8.3) names exactly one statement."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from circuits import bip340
from circuits.errors import FormatError, VerificationError
from verifier.formats import (
    STATEMENT_DIGEST_TAG,
    STATEMENT_FORMAT,
    STATEMENT_FORMAT_V1,
    STATEMENT_FORMAT_V2,
    canonical,
    parse_inclusion,
    parse_statement,
    statement_digest,
)
from verifier.liabilities import verify_inclusion
from verifier.solvency import signed_message, verify_solvency

V1 = Path(__file__).parent / "fixtures" / "v1"
V1_KEY = "819a4e4bdb6ac7df6c964e35d1182e22eb64c0060db2959c892313942df88782"
#: Frozen: the digest of tests/fixtures/v1/statement.json under the definition of 8.3.
V1_DIGEST = "a7789255f1fb51b4467eac75a1af4b4113f7018e4faadbe28689b4645de8a7dd"


def v1_doc() -> dict:
    return json.loads((V1 / "statement.json").read_bytes())


def load(doc: dict) -> object:
    return parse_statement(json.dumps(doc).encode(), "statement.json")


def test_prover_writes_v2() -> None:
    assert STATEMENT_FORMAT == STATEMENT_FORMAT_V2 == "zk-solvency/statement/v2"


def test_v1_statement_and_proof_keep_verifying() -> None:
    st = parse_statement((V1 / "statement.json").read_bytes())
    assert st.version == 1 and st.previous is None
    assert st.to_json()["format"] == STATEMENT_FORMAT_V1
    assert "previous" not in st.to_json()
    res = verify_solvency(st, exchange_key=V1_KEY)
    assert res.signed_by == V1_KEY
    assert [a.symbol for a in res.assets] == ["BTC", "ETH", "USDT"]
    proof = parse_inclusion((V1 / "proof.json").read_bytes(), "proof.json")
    inc = verify_inclusion(st, proof, user_id="user00003@example.com")
    assert list(inc.balances) == [842193, 49991069, 83084779]


def test_statement_digest_is_frozen_and_defined_by_the_spec() -> None:
    st = parse_statement((V1 / "statement.json").read_bytes())
    assert statement_digest(st).hex() == V1_DIGEST == st.digest().hex()
    # The definition: TaggedHash(tag, canonical JSON of the whole statement, signature included).
    assert statement_digest(st) == bip340.tagged_hash(STATEMENT_DIGEST_TAG, canonical(v1_doc()))


def test_digest_ignores_whitespace_but_not_content() -> None:
    doc = v1_doc()
    pretty = parse_statement(json.dumps(doc, indent=7).encode())
    assert pretty.digest().hex() == V1_DIGEST
    doc["snapshot_time"] = "2026-10-01T00:00:01Z"
    assert parse_statement(json.dumps(doc).encode()).digest().hex() != V1_DIGEST
    doc = v1_doc()
    doc["signature"]["sig"] = "00" + doc["signature"]["sig"][2:]
    assert parse_statement(json.dumps(doc).encode()).digest().hex() != V1_DIGEST


def test_v2_requires_previous_and_v1_refuses_it() -> None:
    doc = v1_doc()
    doc["format"] = STATEMENT_FORMAT_V2
    with pytest.raises(FormatError, match=r"statement.json: \(top level\): missing key 'previous'"):
        load(doc)
    doc = v1_doc()
    doc["previous"] = None
    with pytest.raises(FormatError, match=r"unknown key 'previous'"):
        load(doc)


@pytest.mark.parametrize("key", ["prices", "total", "anchor"])
def test_v2_sections_are_not_v1_keys(key: str) -> None:
    doc = v1_doc()
    doc[key] = {}
    with pytest.raises(FormatError, match=rf"unknown key '{key}'"):
        load(doc)


@pytest.mark.parametrize("fmt", ["zk-solvency/statement/v3", "zk-solvency/inclusion/v1", 2, None])
def test_unknown_format_names_the_versions_read(fmt: object) -> None:
    doc = v1_doc()
    doc["format"] = fmt
    with pytest.raises(FormatError, match=r"format: expected 'zk-solvency/statement/v1' or "):
        load(doc)


@pytest.mark.parametrize("bad", ["ab" * 31, "AB" * 32, "zz" * 32, 5])
def test_previous_is_null_or_a_digest(bad: object) -> None:
    doc = v1_doc()
    doc["format"] = STATEMENT_FORMAT_V2
    doc["previous"] = bad
    with pytest.raises(FormatError, match=r"previous"):
        load(doc)


def test_v2_round_trip_with_previous() -> None:
    doc = v1_doc()
    doc["format"] = STATEMENT_FORMAT_V2
    doc["previous"] = V1_DIGEST
    st = load(doc)
    assert st.version == 2 and st.previous == bytes.fromhex(V1_DIGEST)
    assert parse_statement(st.to_bytes()) == st
    assert dataclasses.replace(st, previous=None).digest() != st.digest()


def test_a_v1_signature_does_not_sign_the_v2_reading() -> None:
    """Relabelling a signed v1 statement as v2 (with any `previous`) breaks its signature: the
    signature's tag is the format string, and `previous` is signed."""
    doc = v1_doc()
    doc["format"] = STATEMENT_FORMAT_V2
    doc["previous"] = None
    st = load(doc)
    with pytest.raises(VerificationError, match="signature does not verify") as exc:
        verify_solvency(st, exchange_key=V1_KEY)
    assert exc.value.check == "signature"
    v1 = parse_statement((V1 / "statement.json").read_bytes())
    assert signed_message(st.to_json()) != signed_message(v1.to_json())
