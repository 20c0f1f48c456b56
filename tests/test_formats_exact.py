"""Exact errors of the format decoders (verifier.formats, issue 11): every limit tested on both
sides, every refusal with its whole message (file, byte or JSON path, reason), the encoders
checked byte for byte. Synthetic objects only (well-formed, not valid proofs): no prover, fast."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from circuits.bip340 import tagged_hash
from circuits.errors import FormatError
from circuits.generators import GENERATORS_DIGEST
from circuits.group import N, Point
from circuits.merkle import params_digest
from verifier.formats import (
    MAX_AUDIT_HEADER_BYTES,
    MAX_AUDIT_LINE_BYTES,
    MAX_PROOF_BYTES,
    Asset,
    AuditNode,
    InclusionProof,
    Padding,
    Params,
    Root,
    Sibling,
    Statement,
    audit_header,
    balance_bytes,
    canonical,
    check_params,
    describe_params,
    dumps,
    format_units,
    parse_audit_header,
    parse_audit_line,
    parse_inclusion,
    parse_inclusion_binary,
    parse_inclusion_json,
    parse_statement,
    statement_digest,
)

G = Point.generator()
POINTS = [G * (i + 2) for i in range(16)]
SYMBOLS = [f"A{i}" for i in range(16)]


def err(fn: Callable[..., object], *args: Any) -> str:
    """The message of the FormatError `fn(*args)` raises."""
    with pytest.raises(FormatError) as info:
        fn(*args)
    return str(info.value)


def size(bits: int, m: int) -> int:
    """Bytes of a range proof over m values of `bits` bits, from the formula of the spec."""
    return (2 * (bits * m).bit_length() - 2 + 4) * 33 + 5 * 32


def params(
    mode: str = "aggregated",
    height: int = 2,
    bits: int = 8,
    k: int = 1,
    generators: str = GENERATORS_DIGEST,
) -> Params:
    assets = tuple(Asset(SYMBOLS[i] if k > 1 else "BTC", 8 + i % 11) for i in range(k))
    return Params(height, bits, mode, assets, generators)


def proof(p: Params | None = None, uid: str = "alice", index: int = 1) -> InclusionProof:
    p = p or params()
    k = p.k
    path = node = None
    if p.mode == "aggregated":
        path = bytes([7]) * p.path_proof_size()
    else:
        node = tuple(bytes([i + 1]) * p.node_proof_size() for i in range(p.height))
    return InclusionProof(
        "r1",
        p,
        uid,
        index,
        tuple((1 << p.bits) - 1 - i for i in range(k)),
        tuple(N - 1 - i for i in range(k)),
        bytes(range(32)),
        tuple(Sibling(bytes([d]) * 32, tuple(POINTS[:k])) for d in range(p.height)),
        path,
        node,
    )


def statement(p: Params | None = None, version: int = 2, **kw: Any) -> Statement:
    p = p or params()
    root = Root(b"\x11" * 32, tuple(POINTS[: p.k]), b"\x22" * p.node_proof_size())
    return Statement("r1", "2026-11-30T00:00:00Z", p, root, version=version, **kw)


def st_doc(**kw: Any) -> dict[str, Any]:
    return json.loads(statement(**kw).to_bytes())


def parse_st(doc: dict[str, Any]) -> Statement:
    return parse_statement(json.dumps(doc).encode(), "st.json")


def st_err(doc: dict[str, Any]) -> str:
    return err(parse_st, doc)


# --- parameters -----------------------------------------------------------------------------


def test_check_params_limits_on_both_sides() -> None:
    for ok in [(2, 8, "aggregated", 1), (64, 8, "per-node", 1), (64, 128, "per-node", 16)]:
        check_params(*ok)
    # n*m = 65536 exactly is allowed, the next power of two is not; per-node has no path proof
    check_params(64, 64, "aggregated", 16)
    check_params(64, 128, "aggregated", 8)
    check_params(32, 128, "aggregated", 16)
    table = "range proof would exceed the generator table (n*m > 65536)"
    assert err(check_params, 64, 128, "aggregated", 9) == table
    assert err(check_params, 33, 128, "aggregated", 16) == table
    assert err(check_params, 1, 8, "aggregated", 1) == "height 1 outside [2, 64]"
    assert err(check_params, 65, 8, "per-node", 1) == "height 65 outside [2, 64]"
    assert (
        err(check_params, 2, 7, "aggregated", 1) == "range bits 7 not one of (8, 16, 32, 64, 128)"
    )
    assert err(check_params, 2, 8, "Aggregated", 1) == (
        "mode 'Aggregated' not one of ('aggregated', 'per-node')"
    )
    assert err(check_params, 2, 8, "per-node", 0) == "0 assets, expected 1 to 16"
    assert err(check_params, 2, 8, "per-node", 17) == "17 assets, expected 1 to 16"


def test_params_methods() -> None:
    p = Params(3, 16, "aggregated", (Asset("BTC", 8), Asset("ETH", 18), Asset("X", 0)), "ab" * 32)
    assert p.k == 3
    assert p.node_proof_size() == size(16, 4)
    assert p.path_proof_size() == size(16, 16)
    assert p.digest("r1") == params_digest(
        "r1", 3, 16, "aggregated", [("BTC", 8), ("ETH", 18), ("X", 0)], "ab" * 32
    )
    assert p.to_json() == {
        "height": 3,
        "bits": 16,
        "mode": "aggregated",
        "assets": [
            {"symbol": "BTC", "decimals": 8},
            {"symbol": "ETH", "decimals": 18},
            {"symbol": "X", "decimals": 0},
        ],
        "generators": "ab" * 32,
    }
    assert [balance_bytes(b) for b in (8, 16, 32, 64, 128)] == [8, 8, 8, 8, 16]


def test_describe_params() -> None:
    p = params(k=2)
    assert describe_params("r1", p) == (
        "round r1 (height 2, 8-bit ranges, mode aggregated, assets A0:8, A1:9)"
    )
    assert describe_params("r2", replace(p, generators="00" * 32, mode="per-node")) == (
        "round r2 (height 2, 8-bit ranges, mode per-node, assets A0:8, A1:9, other generators)"
    )


def test_format_units_dumps_canonical() -> None:
    assert format_units(1234567890, 8) == "12.34567890"
    assert format_units(5, 8) == "0.00000005"
    assert format_units(1234567, 0) == "1,234,567"
    assert format_units(123456789012, 2) == "1,234,567,890.12"
    obj = {"b": [1, {"z": "é"}], "a": None}
    assert (
        dumps(obj)
        == '{\n  "a": null,\n  "b": [\n    1,\n    {\n      "z": "é"\n    }\n  ]\n}\n'.encode()
    )
    assert canonical(obj) == '{"a":null,"b":[1,{"z":"é"}]}'.encode()


# --- statement ------------------------------------------------------------------------------


def test_statement_encoding_and_round_trip() -> None:
    st2 = statement(exchange="Example", previous=b"\x33" * 32, extra={"prices": {"BTC": 1}})
    doc = json.loads(st2.to_bytes())
    assert doc["format"] == "zk-solvency/statement/v2"
    assert doc["previous"] == "33" * 32
    assert doc["exchange"] == "Example"
    assert doc["prices"] == {"BTC": 1}
    assert doc["root"] == {
        "hash": "11" * 32,
        "commitments": [POINTS[0].to_bytes().hex()],
        "range_proof": "22" * params().node_proof_size(),
    }
    assert parse_statement(st2.to_bytes()) == st2
    st1 = statement(version=1)
    doc1 = json.loads(st1.to_bytes())
    assert doc1["format"] == "zk-solvency/statement/v1"
    assert sorted(doc1) == ["format", "params", "root", "round", "snapshot_time"]
    assert parse_statement(st1.to_bytes()) == st1
    assert sorted(st_doc()) == ["format", "params", "previous", "root", "round", "snapshot_time"]
    assert st_doc()["previous"] is None
    assert parse_st(st_doc()).previous is None
    assert st2.to_bytes() == dumps(st2.to_json())
    digest = tagged_hash("zk-solvency/statement-digest", canonical(st2.to_json()))
    assert statement_digest(st2) == digest == st2.digest()


def test_statement_sections_are_kept_as_raw_json() -> None:
    doc = st_doc()
    sections = {k: {"x": i} for i, k in enumerate(["reserves", "solvency", "prices", "total"])}
    sections |= {"anchor": [1], "signature": "s"}
    doc |= sections
    assert parse_st(doc).extra == sections
    v1 = st_doc(version=1) | {"reserves": 1, "solvency": 2, "signature": 3}
    assert parse_st(v1).extra == {"reserves": 1, "solvency": 2, "signature": 3}
    for key in ("prices", "total", "anchor", "previous"):
        assert (
            st_err(st_doc(version=1) | {key: None}) == f"st.json: (top level): unknown key {key!r}"
        )


def test_statement_format_and_previous() -> None:
    versions = "'zk-solvency/statement/v1' or 'zk-solvency/statement/v2'"
    for bad in ["zk-solvency/statement/v3", 2, None, [], {}]:  # unhashable: no TypeError
        assert st_err(st_doc() | {"format": bad}) == f"st.json: format: expected {versions}"
    doc = st_doc()
    del doc["format"]
    assert st_err(doc) == f"st.json: format: expected {versions}"
    doc = st_doc()
    del doc["previous"]
    assert st_err(doc) == "st.json: (top level): missing key 'previous'"
    assert st_err(st_doc() | {"previous": "33" * 31}) == (
        "st.json: previous: expected 64 hex characters (32 bytes), got 62"
    )
    assert parse_st(st_doc() | {"previous": "33" * 32}).previous == b"\x33" * 32
    assert st_err(st_doc() | {"other": 1}) == "st.json: (top level): unknown key 'other'"
    assert err(parse_statement, b"[]", "st.json") == (
        "st.json: (top level): expected an object, got array"
    )
    assert err(parse_statement, b"{") == (
        "statement.json: line 1 column 2: invalid JSON: "
        "Expecting property name enclosed in double quotes"
    )
    assert err(parse_statement, b"{}") == f"statement.json: format: expected {versions}"


def test_statement_strings_at_and_past_their_limits() -> None:
    assert parse_st(st_doc() | {"round": "r" * 64}).round_id == "r" * 64
    assert st_err(st_doc() | {"round": "r" * 65}) == (
        "st.json: round: string of 65 UTF-8 bytes, expected 1 to 64"
    )
    assert st_err(st_doc() | {"round": ""}) == (
        "st.json: round: string of 0 UTF-8 bytes, expected 1 to 64"
    )
    assert st_err(st_doc() | {"round": "r 1"}) == (
        "st.json: round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"
    )
    assert parse_st(st_doc() | {"snapshot_time": None}).snapshot_time is None
    assert parse_st(st_doc() | {"snapshot_time": "t" * 64}).snapshot_time == "t" * 64
    assert st_err(st_doc() | {"snapshot_time": "t" * 65}) == (
        "st.json: snapshot_time: string of 65 UTF-8 bytes, expected 1 to 64"
    )
    assert st_err(st_doc() | {"snapshot_time": ""}) == (
        "st.json: snapshot_time: string of 0 UTF-8 bytes, expected 1 to 64"
    )
    assert parse_st(st_doc()).exchange is None
    assert parse_st(st_doc() | {"exchange": "e" * 128}).exchange == "e" * 128
    assert st_err(st_doc() | {"exchange": "e" * 129}) == (
        "st.json: exchange: string of 129 UTF-8 bytes, expected 1 to 128"
    )
    assert st_err(st_doc() | {"exchange": ""}) == (
        "st.json: exchange: string of 0 UTF-8 bytes, expected 1 to 128"
    )


def with_params(**changes: Any) -> dict[str, Any]:
    doc = st_doc()
    doc["params"] |= changes
    return doc


def test_statement_params_limits() -> None:
    assert parse_st(with_params(height=64)).params.height == 64
    for h in (1, 65):
        assert st_err(with_params(height=h)) == (
            f"st.json: params.height: integer {h} out of range [2, 64]"
        )
    for b in (0, 129):
        assert st_err(with_params(bits=b)) == (
            f"st.json: params.bits: integer {b} out of range [1, 128]"
        )
    assert st_err(with_params(bits=7)) == (
        "st.json: params: range bits 7 not one of (8, 16, 32, 64, 128)"
    )
    assert st_err(with_params(mode="m" * 17)) == (
        "st.json: params.mode: string of 17 UTF-8 bytes, expected 0 to 16"
    )
    assert st_err(with_params(mode="")) == (
        "st.json: params: mode '' not one of ('aggregated', 'per-node')"
    )
    assert st_err(with_params(generators="ab")) == (
        "st.json: params.generators: expected 64 hex characters (32 bytes), got 2"
    )
    doc = st_doc()
    del doc["params"]["generators"]
    assert st_err(doc) == "st.json: params: missing key 'generators'"
    assert st_err(with_params(extra=1)) == "st.json: params: unknown key 'extra'"
    assert st_err(st_doc() | {"params": []}) == "st.json: params: expected an object, got array"
    doc = with_params(height=64, bits=128)
    doc["params"]["assets"] = [{"symbol": s, "decimals": 0} for s in SYMBOLS[:9]]
    assert st_err(doc) == (
        "st.json: params: range proof would exceed the generator table (n*m > 65536)"
    )


def test_statement_assets_limits() -> None:
    p16 = params(mode="per-node", k=16)
    st16 = statement(p16)
    assert parse_statement(st16.to_bytes()) == st16
    doc = json.loads(st16.to_bytes())
    doc["params"]["assets"].append({"symbol": "Z", "decimals": 0})
    assert st_err(doc) == "st.json: params.assets: array of 17 elements, expected 1 to 16"
    assert st_err(with_params(assets=[])) == (
        "st.json: params.assets: array of 0 elements, expected 1 to 16"
    )
    assert st_err(with_params(assets=["BTC"])) == (
        "st.json: params.assets[0]: expected an object, got string"
    )
    assert st_err(with_params(assets=[{"symbol": "BTC", "decimals": 8, "x": 1}])) == (
        "st.json: params.assets[0]: unknown key 'x'"
    )
    assert st_err(with_params(assets=[{"symbol": "BTC"}])) == (
        "st.json: params.assets[0]: missing key 'decimals'"
    )
    one = {"symbol": "B" * 16, "decimals": 18}
    assert parse_st(with_params(assets=[one])).params.assets == (Asset("B" * 16, 18),)
    assert parse_st(with_params(assets=[one | {"decimals": 0}])).params.assets[0].decimals == 0
    for sym, why in [
        ("B" * 17, "string of 17 UTF-8 bytes, expected 1 to 16"),
        ("", "string of 0 UTF-8 bytes, expected 1 to 16"),
        ("btc", "asset symbol must be 1 to 16 characters of A-Z 0-9"),
    ]:
        assert st_err(with_params(assets=[one | {"symbol": sym}])) == (
            f"st.json: params.assets[0].symbol: {why}"
        )
    for dec in (19, -1):
        assert st_err(with_params(assets=[one | {"decimals": dec}])) == (
            f"st.json: params.assets[0].decimals: integer {dec} out of range [0, 18]"
        )
    twice = [{"symbol": "BTC", "decimals": 8}, {"symbol": "ETH", "decimals": 8}] * 2
    assert st_err(with_params(assets=twice)) == (
        "st.json: params.assets[2].symbol: asset BTC listed twice"
    )


def test_statement_root() -> None:
    def root(**changes: Any) -> dict[str, Any]:
        doc = st_doc()
        doc["root"] |= changes
        return doc

    assert st_err(root(x=1)) == "st.json: root: unknown key 'x'"
    assert st_err(root(hash="11" * 31)) == (
        "st.json: root.hash: expected 64 hex characters (32 bytes), got 62"
    )
    c = POINTS[0].to_bytes().hex()
    assert st_err(root(commitments=[c, c])) == (
        "st.json: root.commitments: array of 2 elements, expected 1 to 1"
    )
    assert st_err(root(commitments=[])) == (
        "st.json: root.commitments: array of 0 elements, expected 1 to 1"
    )
    assert st_err(root(commitments=["04" + c[2:]])) == (
        "st.json: root.commitments[0]: point prefix must be 02 or 03, got 04"
    )
    assert st_err(root(commitments=[c[:-2]])) == (
        "st.json: root.commitments[0]: expected 66 hex characters (33 bytes), got 64"
    )
    n = params().node_proof_size()
    assert st_err(root(range_proof="22" * (n + 1))) == (
        f"st.json: root.range_proof: expected {2 * n} hex characters ({n} bytes), got {2 * n + 2}"
    )
    assert st_err(st_doc() | {"root": None}) == "st.json: root: expected an object, got null"


# --- inclusion proof, JSON -------------------------------------------------------------------


def pj(doc: dict[str, Any], st: Statement | None = None) -> InclusionProof:
    return parse_inclusion_json(json.dumps(doc).encode(), "p.json", st)


def pj_err(doc: dict[str, Any], st: Statement | None = None) -> str:
    return err(pj, doc, st)


def pdoc(p: Params | None = None, **kw: Any) -> dict[str, Any]:
    return json.loads(proof(p, **kw).to_json_bytes())


def test_inclusion_json_round_trip_and_encoding() -> None:
    for p in [params(), params("per-node", 3, 128, 3), params("aggregated", 2, 64, 2)]:
        pr = proof(p)
        data = pr.to_json_bytes()
        assert data == canonical(pr.to_json()) + b"\n"
        assert parse_inclusion(data, "p.json") == pr
        assert parse_inclusion_json(data, "p.json", statement(p)) == pr
    doc = pdoc()
    assert doc["leaf"] == {
        "index": 1,
        "balances": [255],
        "blindings": [(N - 1).to_bytes(32, "big").hex()],
        "salt": bytes(range(32)).hex(),
    }
    assert doc["siblings"][1] == {"hash": "01" * 32, "commitments": [POINTS[0].to_bytes().hex()]}
    assert doc["path_proof"] == "07" * params().path_proof_size() and "node_proofs" not in doc
    node = pdoc(params("per-node"))
    assert "path_proof" not in node and node["node_proofs"][1] == "02" * params().node_proof_size()


def test_inclusion_json_header() -> None:
    assert pj_err(pdoc() | {"format": "zk-solvency/inclusion/v2"}) == (
        "p.json: format: expected 'zk-solvency/inclusion/v1'"
    )
    doc = pdoc()
    del doc["leaf"]
    assert pj_err(doc) == "p.json: (top level): missing key 'leaf'"
    assert pj_err(pdoc() | {"x": 1}) == "p.json: (top level): unknown key 'x'"
    assert pj(pdoc() | {"round": "r" * 64}).round_id == "r" * 64
    assert pj_err(pdoc() | {"round": "r" * 65}) == (
        "p.json: round: string of 65 UTF-8 bytes, expected 1 to 64"
    )
    assert pj_err(pdoc() | {"round": ""}) == (
        "p.json: round: string of 0 UTF-8 bytes, expected 1 to 64"
    )
    assert pj_err(pdoc() | {"round": "r/1"}) == (
        "p.json: round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"
    )
    assert pj_err(pdoc() | {"params": []}) == "p.json: params: expected an object, got array"
    doc = pdoc()
    doc["params"]["height"] = 1
    assert pj_err(doc) == "p.json: params.height: integer 1 out of range [2, 64]"


def test_inclusion_json_user_id() -> None:
    assert pj(pdoc(uid="é" * 128)).user_id == "é" * 128
    assert pj_err(pdoc() | {"user_id": "é" * 128 + "a"}) == (
        "p.json: user_id: string of 257 UTF-8 bytes, expected 1 to 256"
    )
    assert pj_err(pdoc() | {"user_id": ""}) == (
        "p.json: user_id: string of 0 UTF-8 bytes, expected 1 to 256"
    )
    assert pj_err(pdoc() | {"user_id": "e\u0301"}) == (
        "p.json: user_id: user id is not in NFC normal form"
    )
    assert pj_err(pdoc() | {"user_id": " a"}) == (
        "p.json: user_id: user id has leading or trailing whitespace"
    )


def test_proof_of_another_round_or_parameters() -> None:
    st = statement()
    pr = proof()
    assert parse_inclusion(pr.to_json_bytes(), "p.json", st) == pr
    other = replace(pr, round_id="r2")
    want = (
        "this proof is for round r2 (height 2, 8-bit ranges, mode aggregated, assets BTC:8), the "
        "statement for round r1 (height 2, 8-bit ranges, mode aggregated, assets BTC:8): give "
        "the statement of the exchange and round that made the proof"
    )
    assert err(parse_inclusion, other.to_json_bytes(), "p.json", st) == f"p.json: {want}"
    assert err(parse_inclusion, other.to_binary(), "p.bin", st) == f"p.bin: {want}"
    st3 = statement(params(height=3))
    msg = err(parse_inclusion, pr.to_json_bytes(), "p.json", st3)
    assert msg.startswith("p.json: this proof is for round r1 (height 2,")
    assert "the statement for round r1 (height 3," in msg
    msg = err(parse_inclusion, pr.to_binary(), "p.bin", st3)
    assert msg.startswith("p.bin: this proof is for round r1 (height 2,")


def leaf(**changes: Any) -> dict[str, Any]:
    doc = pdoc()
    doc["leaf"] |= changes
    return doc


def test_inclusion_json_leaf_limits() -> None:
    assert pj(leaf(index=3)).leaf_index == 3
    assert pj(leaf(index=0)).leaf_index == 0
    assert pj_err(leaf(index=4)) == "p.json: leaf.index: integer 4 out of range [0, 3]"
    assert pj_err(leaf(index=-1)) == "p.json: leaf.index: integer -1 out of range [0, 3]"
    assert pj(leaf(balances=[0])).balances == (0,)
    assert pj_err(leaf(balances=[256])) == (
        "p.json: leaf.balances[0]: integer 256 out of range [0, 255]"
    )
    assert pj_err(leaf(balances=[-1])) == (
        "p.json: leaf.balances[0]: integer -1 out of range [0, 255]"
    )
    assert pj_err(leaf(balances=[1, 2])) == (
        "p.json: leaf.balances: array of 2 elements, expected 1 to 1"
    )
    assert (
        pj_err(leaf(balances=[])) == "p.json: leaf.balances: array of 0 elements, expected 1 to 1"
    )
    assert pj(leaf(blindings=["00" * 32])).blindings == (0,)
    assert pj_err(leaf(blindings=[N.to_bytes(32, "big").hex()])) == (
        "p.json: leaf.blindings[0]: scalar is not canonical (>= group order n)"
    )
    assert pj_err(leaf(blindings=["00" * 31])) == (
        "p.json: leaf.blindings[0]: expected 64 hex characters (32 bytes), got 62"
    )
    assert pj_err(leaf(blindings=[])) == (
        "p.json: leaf.blindings: array of 0 elements, expected 1 to 1"
    )
    assert pj_err(leaf(blindings=["00" * 32] * 2)) == (
        "p.json: leaf.blindings: array of 2 elements, expected 1 to 1"
    )
    assert pj_err(leaf(salt="00" * 33)) == (
        "p.json: leaf.salt: expected 64 hex characters (32 bytes), got 66"
    )
    assert pj_err(leaf(x=1)) == "p.json: leaf: unknown key 'x'"
    assert pj_err(pdoc() | {"leaf": 1}) == "p.json: leaf: expected an object, got integer"
    # the widest balances: 64-bit in 8 bytes, 128-bit in 16
    for bits in (64, 128):
        doc = pdoc(params(bits=bits))
        top = (1 << bits) - 1
        doc["leaf"]["balances"] = [top]
        assert pj(doc).balances == (top,)
        doc["leaf"]["balances"] = [top + 1]
        assert pj_err(doc) == (
            f"p.json: leaf.balances[0]: integer {top + 1} out of range [0, {top}]"
        )


def test_inclusion_json_siblings_and_proofs() -> None:
    sib = pdoc()["siblings"][0]
    assert pj_err(pdoc() | {"siblings": [sib] * 3}) == (
        "p.json: siblings: array of 3 elements, expected 2 to 2"
    )
    assert pj_err(pdoc() | {"siblings": [sib]}) == (
        "p.json: siblings: array of 1 elements, expected 2 to 2"
    )
    assert pj_err(pdoc() | {"siblings": [sib, "x"]}) == (
        "p.json: siblings[1]: expected an object, got string"
    )
    assert pj_err(pdoc() | {"siblings": [sib, sib | {"x": 1}]}) == (
        "p.json: siblings[1]: unknown key 'x'"
    )
    assert pj_err(pdoc() | {"siblings": [sib, sib | {"hash": "00"}]}) == (
        "p.json: siblings[1].hash: expected 64 hex characters (32 bytes), got 2"
    )
    c = sib["commitments"][0]
    assert pj_err(pdoc() | {"siblings": [sib, sib | {"commitments": [c, c]}]}) == (
        "p.json: siblings[1].commitments: array of 2 elements, expected 1 to 1"
    )
    assert pj_err(pdoc() | {"siblings": [sib, sib | {"commitments": ["02" + "ff" * 32]}]}) == (
        "p.json: siblings[1].commitments[0]: point x-coordinate is not canonical (>= p)"
    )
    agg = "p.json: aggregated mode carries exactly one 'path_proof'"
    doc = pdoc()
    assert pj_err(doc | {"node_proofs": []}) == agg
    del doc["path_proof"]
    assert pj_err(doc) == agg
    n = params().path_proof_size()
    assert pj_err(pdoc() | {"path_proof": "07" * (n - 1)}) == (
        f"p.json: path_proof: expected {2 * n} hex characters ({n} bytes), got {2 * n - 2}"
    )
    per = "p.json: per-node mode carries 'node_proofs', one per sibling"
    doc = pdoc(params("per-node"))
    assert pj_err(doc | {"path_proof": "00"}) == per
    nodes = doc.pop("node_proofs")
    assert pj_err(doc) == per
    assert pj_err(doc | {"node_proofs": nodes[:1]}) == (
        "p.json: node_proofs: array of 1 elements, expected 2 to 2"
    )
    assert pj_err(doc | {"node_proofs": nodes * 2}) == (
        "p.json: node_proofs: array of 4 elements, expected 2 to 2"
    )
    n = params().node_proof_size()
    assert pj_err(doc | {"node_proofs": [nodes[0], nodes[1][2:]]}) == (
        f"p.json: node_proofs[1]: expected {2 * n} hex characters ({n} bytes), got {2 * n - 2}"
    )


# --- inclusion proof, binary -----------------------------------------------------------------


def layout(pr: InclusionProof, **changes: bytes) -> bytes:
    """The binary proof written field by field from docs/PROTOCOL.md, with some fields replaced."""
    parts = fields(pr)
    parts.update(changes)
    return b"".join(parts.values())


def fields(pr: InclusionProof) -> dict[str, bytes]:
    p = pr.params
    width = 16 if p.bits == 128 else 8
    rid, uid = pr.round_id.encode(), pr.user_id.encode()
    return {
        "magic": b"ZKSP",
        "header": bytes([1, ["aggregated", "per-node"].index(p.mode), p.height, p.bits, p.k]),
        "round": bytes([len(rid)]) + rid,
        "user": len(uid).to_bytes(2, "big") + uid,
        "assets": b"".join(
            bytes([len(a.symbol)]) + a.symbol.encode() + bytes([a.decimals]) for a in p.assets
        ),
        "generators": bytes.fromhex(p.generators),
        "index": pr.leaf_index.to_bytes(8, "big"),
        "balances": b"".join(v.to_bytes(width, "big") for v in pr.balances),
        "blindings": b"".join(b.to_bytes(32, "big") for b in pr.blindings),
        "salt": pr.salt,
        "siblings": b"".join(
            s.hash + b"".join(c.to_bytes() for c in s.commitments) for s in pr.siblings
        ),
        "proofs": pr.path_proof or b"".join(pr.node_proofs or ()),
    }


def end(pr: InclusionProof, name: str) -> int:
    """Offset just past field `name` of the unchanged proof."""
    out = 0
    for key, value in fields(pr).items():
        out += len(value)
        if key == name:
            return out
    raise KeyError(name)


def pb_err(data: bytes, st: Statement | None = None) -> str:
    return err(parse_inclusion_binary, data, "p.bin", st)


PR = proof()


def test_binary_layout_is_the_documented_one() -> None:
    for p in [params(), params("per-node", 3, 128, 3), params("aggregated", 5, 64, 2)]:
        pr = proof(p, uid="李雷", index=(1 << p.height) - 1)
        data = pr.to_binary()
        assert data == layout(pr)
        assert parse_inclusion(data, "p.bin") == pr
        assert parse_inclusion_binary(data, "p.bin", statement(p)) == pr


def test_binary_size_limit_on_both_sides() -> None:
    data = PR.to_binary()
    at_limit = data + bytes(MAX_PROOF_BYTES - len(data))
    assert (
        pb_err(at_limit) == f"p.bin: byte {len(data)}: {MAX_PROOF_BYTES - len(data)} trailing bytes"
    )
    assert pb_err(at_limit + b"\0") == (
        f"p.bin: {MAX_PROOF_BYTES + 1} bytes, more than the limit of {MAX_PROOF_BYTES}"
    )
    assert pb_err(data + b"abc") == f"p.bin: byte {len(data)}: 3 trailing bytes"


def test_binary_header() -> None:
    assert pb_err(b"ZKS") == "p.bin: truncated at byte 0 (reading magic)"
    assert pb_err(b"ZKSQ" + PR.to_binary()[4:]) == "p.bin: not a binary inclusion proof (bad magic)"
    assert pb_err(b"ZKSP\x01\x00") == "p.bin: truncated at byte 4 (reading header)"
    h = fields(PR)["header"]
    for version in (0, 2):
        assert pb_err(layout(PR, header=bytes([version]) + h[1:])) == (
            f"p.bin: byte 9: unsupported version {version}"
        )
    assert pb_err(layout(PR, header=h[:1] + b"\x02" + h[2:])) == "p.bin: byte 9: unknown mode 2"
    assert pb_err(layout(PR, header=h[:2] + b"\x01" + h[3:])) == (
        "p.bin: byte 9: height 1 outside [2, 64]"
    )
    assert pb_err(layout(PR, header=h[:4] + b"\x00")) == "p.bin: byte 9: 0 assets, expected 1 to 16"


def test_binary_text_fields() -> None:
    assert pb_err(layout(PR, round=b"\x00")) == (
        "p.bin: byte 10: round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"
    )
    assert pb_err(layout(PR, round=b"\x02r\xff")) == "p.bin: byte 12: text field is not UTF-8"
    assert pb_err(PR.to_binary()[:11]) == "p.bin: truncated at byte 10 (reading round)"
    u = end(PR, "round") + 2
    for n in (0, 257):
        assert pb_err(layout(PR, user=n.to_bytes(2, "big") + b"a" * n)) == (
            f"p.bin: byte {u}: user id length outside [1, 256]"
        )
    assert parse_inclusion_binary(proof(uid="é" * 128).to_binary(), "p.bin").user_id == "é" * 128
    assert pb_err(layout(PR, user=b"\x00\x02e\xcc")) == (
        f"p.bin: byte {u + 2}: text field is not UTF-8"
    )
    assert pb_err(layout(PR, user=b"\x00\x03e\xcc\x81")) == (
        f"p.bin: byte {u + 3}: user_id: user id is not in NFC normal form"
    )
    assert pb_err(PR.to_binary()[: u + 1]) == f"p.bin: truncated at byte {u} (reading user id)"
    a = end(PR, "user")
    assert pb_err(layout(PR, assets=b"\x03btc\x08")) == (
        f"p.bin: byte {a + 4}: asset symbol must be 1 to 16 characters of A-Z 0-9"
    )
    assert pb_err(layout(PR, assets=b"\x03BTC\x13")) == f"p.bin: byte {a + 5}: decimals above 18"
    assert parse_inclusion_binary(layout(PR, assets=b"\x03BTC\x12"), "p.bin").params.assets == (
        Asset("BTC", 18),
    )
    assert pb_err(PR.to_binary()[: a + 4]) == f"p.bin: truncated at byte {a + 4} (reading decimals)"
    p2 = params(k=2)
    pr2 = proof(p2)
    assert pb_err(layout(pr2, assets=b"\x02A0\x08\x02A0\x09")) == (
        f"p.bin: byte {end(pr2, 'assets')}: an asset is listed twice"
    )


def test_binary_numbers_at_and_past_their_limits() -> None:
    i = end(PR, "index")
    assert parse_inclusion_binary(layout(PR, index=(3).to_bytes(8, "big")), "p.bin").leaf_index == 3
    for index in (4, 1 << 63):
        assert pb_err(layout(PR, index=index.to_bytes(8, "big"))) == (
            f"p.bin: byte {i}: leaf index {index} does not fit height 2"
        )
    b = end(PR, "balances")
    assert pb_err(layout(PR, balances=(256).to_bytes(8, "big"))) == (
        f"p.bin: byte {b}: balance 256 not below 2^8"
    )
    for bits in (64, 128):
        pr = proof(params(bits=bits))
        width = bits // 8
        top = (1 << bits) - 1
        assert pr.balances == (top,)
        assert parse_inclusion_binary(pr.to_binary(), "p.bin") == pr
        assert len(fields(pr)["balances"]) == width
    p32 = proof(params(bits=32))
    assert pb_err(layout(p32, balances=(1 << 32).to_bytes(8, "big"))) == (
        f"p.bin: byte {end(p32, 'balances')}: balance {1 << 32} not below 2^32"
    )
    bl = end(PR, "blindings")
    assert pb_err(layout(PR, blindings=N.to_bytes(32, "big"))) == (
        f"p.bin: byte {bl}: scalar is not canonical (>= group order n)"
    )
    assert parse_inclusion_binary(layout(PR, blindings=bytes(32)), "p.bin").blindings == (0,)


def test_binary_points_proofs_and_truncation() -> None:
    s = end(PR, "salt")
    sib = fields(PR)["siblings"]
    bad = sib[:32] + b"\x04" + sib[33:]
    assert pb_err(layout(PR, siblings=bad)) == (
        f"p.bin: byte {s + 65}: point prefix must be 02 or 03, got 04"
    )
    data = PR.to_binary()
    assert pb_err(data[: s + 10]) == f"p.bin: truncated at byte {s} (reading sibling hash)"
    assert (
        pb_err(data[: s + 40]) == f"p.bin: truncated at byte {s + 32} (reading sibling commitment)"
    )
    assert pb_err(data[: s - 1]) == f"p.bin: truncated at byte {s - 32} (reading salt)"
    bl = end(PR, "balances")
    assert pb_err(data[: bl + 1]) == f"p.bin: truncated at byte {bl} (reading blinding)"
    g = end(PR, "assets")
    assert pb_err(data[: g + 1]) == f"p.bin: truncated at byte {g} (reading generators)"
    assert pb_err(data[: g + 33]) == f"p.bin: truncated at byte {g + 32} (reading leaf index)"
    assert pb_err(data[: g + 41]) == f"p.bin: truncated at byte {g + 40} (reading balance)"
    sb = end(PR, "siblings")
    assert pb_err(data[:-1]) == f"p.bin: truncated at byte {sb} (reading path proof)"
    per = proof(params("per-node")).to_binary()
    n = params().node_proof_size()
    assert pb_err(per[:-1]) == f"p.bin: truncated at byte {len(per) - n} (reading node proof)"
    assert pb_err(per + b"\0") == f"p.bin: byte {len(per)}: 1 trailing bytes"


def test_parse_inclusion_dispatches_on_the_magic() -> None:
    assert parse_inclusion(PR.to_binary(), "p") == PR == parse_inclusion(PR.to_json_bytes(), "p")
    assert err(parse_inclusion, b"ZKS", "p") == "p: line 1 column 1: invalid JSON: Expecting value"
    assert err(parse_inclusion, b"ZKSP", "p") == "p: truncated at byte 4 (reading header)"


# --- audit bundle ----------------------------------------------------------------------------


P3 = params(height=3, k=2)


def audit_doc(depth: int = 1, index: int = 1, padding: bool = False) -> dict[str, Any]:
    node = AuditNode(
        depth,
        index,
        b"\x44" * 32,
        tuple(POINTS[:2]),
        None if depth == 0 else b"\x55" * P3.node_proof_size(),
        Padding(b"\x66" * 32, (3, N - 1)) if padding else None,
    )
    line = node.to_json_line()
    assert parse_audit_line(line, P3, "a") == node
    return json.loads(line)


def al(doc: dict[str, Any]) -> AuditNode:
    return parse_audit_line(json.dumps(doc).encode(), P3, "a")


def al_err(doc: dict[str, Any]) -> str:
    return err(al, doc)


def test_audit_line_encoding() -> None:
    node = AuditNode(2, 3, b"\x44" * 32, (POINTS[0],), b"\x01\x02", Padding(b"\x66" * 32, (5,)))
    assert (
        node.to_json_line()
        == canonical(
            {
                "depth": 2,
                "index": 3,
                "hash": "44" * 32,
                "commitments": [POINTS[0].to_bytes().hex()],
                "range_proof": "0102",
                "padding": {"salt": "66" * 32, "blindings": [(5).to_bytes(32, "big").hex()]},
            }
        )
        + b"\n"
    )
    root = AuditNode(0, 0, b"\x44" * 32, (POINTS[0],), None)
    assert json.loads(root.to_json_line()) == {
        "depth": 0,
        "index": 0,
        "hash": "44" * 32,
        "commitments": [POINTS[0].to_bytes().hex()],
    }


def test_audit_line_positions() -> None:
    audit_doc(0, 0)
    audit_doc(3, 7, padding=True)
    assert al_err(audit_doc() | {"depth": 4}) == "a: depth: integer 4 out of range [0, 3]"
    assert al_err(audit_doc() | {"depth": -1}) == "a: depth: integer -1 out of range [0, 3]"
    assert al_err(audit_doc() | {"index": 2}) == "a: index: integer 2 out of range [0, 1]"
    assert al_err(audit_doc() | {"index": -1}) == "a: index: integer -1 out of range [0, 1]"
    assert al_err(audit_doc(0, 0) | {"index": 1}) == "a: index: integer 1 out of range [0, 0]"
    doc = audit_doc()
    del doc["range_proof"]
    assert al_err(doc) == "a: (top level): missing key 'range_proof'"
    assert al_err(audit_doc(0, 0) | {"range_proof": "00"}) == (
        "a: range_proof: the root's proof belongs in the statement"
    )
    n = P3.node_proof_size()
    assert al_err(audit_doc() | {"range_proof": "55" * (n + 1)}) == (
        f"a: range_proof: expected {2 * n} hex characters ({n} bytes), got {2 * n + 2}"
    )
    assert al_err(audit_doc() | {"x": 1}) == "a: (top level): unknown key 'x'"
    assert al_err(audit_doc() | {"hash": "44"}) == (
        "a: hash: expected 64 hex characters (32 bytes), got 2"
    )
    assert al_err(audit_doc() | {"commitments": audit_doc()["commitments"][:1]}) == (
        "a: commitments: array of 1 elements, expected 2 to 2"
    )


def test_audit_line_padding() -> None:
    doc = audit_doc(padding=True)
    pad = doc["padding"]
    assert al(doc).padding == Padding(b"\x66" * 32, (3, N - 1))
    assert al_err(doc | {"padding": {"salt": pad["salt"]}}) == (
        "a: padding: missing key 'blindings'"
    )
    assert al_err(doc | {"padding": pad | {"x": 1}}) == "a: padding: unknown key 'x'"
    assert al_err(doc | {"padding": pad | {"blindings": pad["blindings"][:1]}}) == (
        "a: padding.blindings: array of 1 elements, expected 2 to 2"
    )
    assert al_err(doc | {"padding": pad | {"blindings": pad["blindings"] * 2}}) == (
        "a: padding.blindings: array of 4 elements, expected 2 to 2"
    )
    big = [pad["blindings"][0], N.to_bytes(32, "big").hex()]
    assert al_err(doc | {"padding": pad | {"blindings": big}}) == (
        "a: padding.blindings[1]: scalar is not canonical (>= group order n)"
    )
    assert al_err(doc | {"padding": pad | {"salt": "66" * 31}}) == (
        "a: padding.salt: expected 64 hex characters (32 bytes), got 62"
    )
    assert al_err(doc | {"padding": []}) == "a: padding: expected an object, got array"


def test_audit_line_size_and_depth_limits() -> None:
    line = json.dumps(audit_doc()).encode()
    at_limit = line[:-1] + b" " * (MAX_AUDIT_LINE_BYTES - len(line)) + b"}"
    assert len(at_limit) == MAX_AUDIT_LINE_BYTES
    assert parse_audit_line(at_limit, P3, "a") == al(audit_doc())
    assert err(parse_audit_line, at_limit + b" ", P3, "a") == (
        f"a: {MAX_AUDIT_LINE_BYTES + 1} bytes, more than the limit of {MAX_AUDIT_LINE_BYTES}"
    )
    deep = audit_doc(padding=True)
    deep["padding"]["blindings"] = [[[]], "00"]
    assert al_err(deep) == "a: line 1 column 1: JSON nested deeper than 4".replace(
        "column 1", f"column {json.dumps(deep).index('[[[') + 3}"
    )
    deep["padding"]["blindings"] = [[], "00"]
    assert al_err(deep) == "a: padding.blindings[0]: expected a hex string, got array"


def test_audit_header() -> None:
    st = statement()
    data = audit_header("r1", st.root.hash)
    assert data == (
        b'{"format":"zk-solvency/audit/v2","root":"' + b"11" * 32 + b'","round":"r1"}\n'
    )
    assert parse_audit_header(data, st, "b.json") == 2
    doc = json.loads(data)

    def h_err(d: dict[str, Any]) -> str:
        return err(parse_audit_header, json.dumps(d).encode(), st, "b.json")

    assert h_err(doc | {"format": "zk-solvency/audit/v1"}) == (
        "b.json: format: 'zk-solvency/audit/v1', this verifier reads 'zk-solvency/audit/v2' "
        "(and v1 bundles, which have no bundle.json)"
    )
    assert (
        h_err(doc | {"format": ""}) == "b.json: format: string of 0 UTF-8 bytes, expected 1 to 64"
    )
    assert h_err(doc | {"format": "f" * 65}) == (
        "b.json: format: string of 65 UTF-8 bytes, expected 1 to 64"
    )
    assert h_err(doc | {"round": "r2"}) == (
        "b.json: round: this bundle is for round 'r2', the statement for 'r1'"
    )
    assert h_err(doc | {"round": "r" * 65}) == (
        "b.json: round: string of 65 UTF-8 bytes, expected 1 to 64"
    )
    assert h_err(doc | {"round": ""}) == "b.json: round: string of 0 UTF-8 bytes, expected 1 to 64"
    assert h_err(doc | {"root": "12" * 32}) == (
        "b.json: root: this bundle is of another tree than the statement's"
    )
    assert h_err(doc | {"root": "12"}) == (
        "b.json: root: expected 64 hex characters (32 bytes), got 2"
    )
    assert h_err(doc | {"x": 1}) == "b.json: (top level): unknown key 'x'"
    assert h_err(doc | {"format": [1]}) == "b.json: format: expected a string, got array"
    assert h_err(doc | {"format": [[1]]}).endswith(": JSON nested deeper than 2")
    padded = data[:-2] + b" " * (MAX_AUDIT_HEADER_BYTES - len(data) + 1) + b"}"
    assert len(padded) == MAX_AUDIT_HEADER_BYTES
    assert parse_audit_header(padded, st, "b.json") == 2
    assert err(parse_audit_header, padded + b" ", st, "b.json") == (
        f"b.json: {MAX_AUDIT_HEADER_BYTES + 1} bytes, more than the limit of {MAX_AUDIT_HEADER_BYTES}"
    )


def test_binary_truncated_in_each_length_field() -> None:
    data = PR.to_binary()
    u = end(PR, "round")
    a = end(PR, "user")
    assert pb_err(data[:9]) == "p.bin: truncated at byte 9 (reading round length)"
    assert pb_err(data[: u + 1]) == f"p.bin: truncated at byte {u} (reading user id length)"
    assert pb_err(data[:a]) == f"p.bin: truncated at byte {a} (reading asset length)"
    assert pb_err(data[: a + 2]) == f"p.bin: truncated at byte {a + 1} (reading asset)"


def test_binary_leaf_index_uses_all_64_bits() -> None:
    pr = proof(params(height=64), index=(1 << 64) - 1)
    data = pr.to_binary()
    assert data == layout(pr)
    assert parse_inclusion_binary(data, "p.bin") == pr


def test_top_level_must_be_an_object_everywhere() -> None:
    """The file (and line) is named: nodes.jsonl:3: (top level): expected an object, ..."""
    top = "(top level): expected an object, got array"
    assert err(parse_inclusion_json, b"[]", "p.json") == f"p.json: {top}"
    assert err(parse_audit_line, b"[1]", P3, "nodes.jsonl:3") == f"nodes.jsonl:3: {top}"
    assert err(parse_audit_header, b"[]", statement(), "b.json") == f"b.json: {top}"


def test_lone_surrogates_are_refused_with_their_path() -> None:
    """verifier.jsonstrict: a lone surrogate in any string or key, at any depth, is named by
    its JSON path (the first in document order); a surrogate pair is text."""
    from verifier.jsonstrict import load_json

    tail = "contains a lone surrogate (\\ud800-\\udfff), which is not Unicode text"
    cases = [
        (rb'"\udfff"', f"s: (top level): string {tail}"),
        (rb'{"a": [1, {"b": "x\ud800"}], "c": "\udc00"}', f"s: a[1].b: string {tail}"),
        (rb'{"a": 1, "k\udc00": 2}', f's: ["k\\udc00"]: key {tail}'),
        (rb'[[], {"ok": {"\ud800": 1}}]', f's: [1].ok["\\ud800"]: key {tail}'),
    ]
    for data, want in cases:
        assert err(lambda d=data: load_json(d, source="s", max_bytes=100)) == want
    assert load_json(rb'{"a": ["\ud83d\ude00"]}', source="s", max_bytes=100) == {
        "a": ["\U0001f600"]
    }
