"""verifier.chain.transaction and the node-free anchor checks: transactions signed by eth-account
(an independent signer) rebuilt from their raw bytes and from a node's transaction object, hashed
and their sender recovered; every signature Ethereum refuses, every unsupported type and every
contradiction between an anchor and its transaction refused by name."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import rlp as pyrlp  # independent decoder of the signed bytes (builds the node's JSON object)
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as hst

from circuits.errors import FormatError, VerificationError
from circuits.group import N
from verifier.chain.anchor import ANCHOR_TAG, anchor_data, check_signed_anchor, parse_anchor
from verifier.chain.rpc import NodeResponseError
from verifier.chain.transaction import (
    SignedTransaction,
    UnsupportedTransactionError,
    decode_raw,
    from_rpc,
)

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
OTHER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
ACCOUNT = Account.from_key(KEY)
OTHER = Account.from_key(OTHER_KEY)
CHAIN = 31337
DIGEST = bytes(range(32))
ANCHOR = parse_anchor({"chain": "ethereum", "chain_id": CHAIN, "address": ACCOUNT.address})
STORAGE_KEY = "0x" + "11" * 32


def sign(kind: str, *, key: bytes = KEY, **over: Any) -> tuple[bytes, bytes]:
    """(raw, hash) of an anchor-shaped transaction of `kind` signed by eth-account."""
    tx: dict[str, Any] = {
        "nonce": 7,
        "gas": 50_000,
        "to": ACCOUNT.address,
        "value": 0,
        "data": anchor_data(DIGEST),
        "chainId": CHAIN,
    }
    if kind == "legacy":
        tx["gasPrice"] = 10**9
    elif kind == "eip2930":
        tx |= {"type": 1, "gasPrice": 10**9}
        tx["accessList"] = [{"address": OTHER.address, "storageKeys": [STORAGE_KEY]}]
    else:
        tx |= {"type": 2, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
        tx["accessList"] = []
    tx |= over
    signed = Account.sign_transaction(tx, key)
    return bytes(signed.raw_transaction), bytes(signed.hash)


def q(b: bytes) -> str:
    return hex(int.from_bytes(b, "big"))


def node_object(raw: bytes) -> dict[str, Any]:
    """The JSON object a node answers for `raw` (execution-apis schema), built with pyrlp."""
    typed = raw[0] < 0xC0
    f = pyrlp.decode(raw[1:] if typed else raw)
    addr = lambda b: None if b == b"" else "0x" + b.hex()  # noqa: E731
    if not typed:
        nonce, gp, gas, to, value, data, v, r, s = f
        return {
            "type": "0x0", "nonce": q(nonce), "gasPrice": q(gp), "gas": q(gas), "to": addr(to),
            "value": q(value), "input": "0x" + data.hex(), "v": q(v), "r": q(r), "s": q(s),
            "chainId": hex((int.from_bytes(v, "big") - 35) // 2),
        }  # fmt: skip
    obj: dict[str, Any] = {"type": hex(raw[0]), "chainId": q(f[0]), "nonce": q(f[1])}
    if raw[0] == 1:
        obj["gasPrice"] = q(f[2])
        rest = f[3:]
    else:
        obj |= {"maxPriorityFeePerGas": q(f[2]), "maxFeePerGas": q(f[3]), "gasPrice": q(f[3])}
        rest = f[4:]
    gas, to, value, data, access, y, r, s = rest
    obj |= {
        "gas": q(gas), "to": addr(to), "value": q(value), "input": "0x" + data.hex(),
        "accessList": [
            {"address": "0x" + a.hex(), "storageKeys": ["0x" + k.hex() for k in keys]}
            for a, keys in access
        ],
        "v": q(y), "yParity": q(y), "r": q(r), "s": q(s),
    }  # fmt: skip
    return obj


KINDS = ["legacy", "eip2930", "eip1559"]


@pytest.mark.parametrize("kind", KINDS)
def test_raw_bytes_of_eth_account_rebuilt(kind: str) -> None:
    raw, tx_hash = sign(kind)
    tx = decode_raw(raw)
    assert tx.raw() == raw and tx.hash() == tx_hash
    assert tx.chain_id == CHAIN and tx.data == anchor_data(DIGEST)
    assert tx.sender() == bytes.fromhex(ACCOUNT.address[2:])
    check_signed_anchor(ANCHOR, DIGEST, tx, "0x" + tx_hash.hex())


@pytest.mark.parametrize("kind", KINDS)
def test_node_object_rebuilt(kind: str) -> None:
    raw, tx_hash = sign(kind)
    tx = from_rpc(node_object(raw), "node")
    assert tx.raw() == raw and tx.hash() == tx_hash
    assert tx.sender() == bytes.fromhex(ACCOUNT.address[2:])


def test_contract_creation_and_access_lists() -> None:
    raw, tx_hash = sign("eip1559", to="", accessList=[
        {"address": OTHER.address, "storageKeys": [STORAGE_KEY, "0x" + "22" * 32]},
        {"address": ACCOUNT.address, "storageKeys": []},
    ])  # fmt: skip
    tx = decode_raw(raw)
    assert tx.to is None and len(tx.access_list) == 2 and tx.hash() == tx_hash
    assert from_rpc(node_object(raw), "node").hash() == tx_hash
    with pytest.raises(VerificationError, match="a contract creation") as e:
        check_signed_anchor(ANCHOR, DIGEST, tx, "T")
    assert e.value.check == "anchor-data"


def test_pre_eip155_legacy_is_no_anchor() -> None:
    raw, tx_hash = sign("legacy", chainId=None)
    tx = decode_raw(raw)
    assert tx.chain_id is None and tx.v in (27, 28) and tx.hash() == tx_hash
    assert tx.sender() == bytes.fromhex(ACCOUNT.address[2:])
    with pytest.raises(VerificationError, match="without a chain id") as e:
        check_signed_anchor(ANCHOR, DIGEST, tx, "T")
    assert e.value.check == "anchor-chain"


def anchor_failure(tx: SignedTransaction) -> VerificationError:
    with pytest.raises(VerificationError) as e:
        check_signed_anchor(ANCHOR, DIGEST, tx, "T")
    return e.value


def test_anchor_contradictions() -> None:
    e = anchor_failure(decode_raw(sign("eip1559", chainId=1)[0]))
    assert (
        e.check == "anchor-chain"
        and "signed for chain id 1, the statement declares 31337" in str(e)
    )
    e = anchor_failure(decode_raw(sign("eip1559", key=OTHER_KEY)[0]))
    assert e.check == "anchor-sender"
    assert f"signed by {OTHER.address}, not by the anchor address {ACCOUNT.address}" in str(e)
    e = anchor_failure(decode_raw(sign("legacy", to=OTHER.address)[0]))
    assert e.check == "anchor-data" and f"sent to 0x{OTHER.address[2:].lower()}" in str(e)
    other = bytes(32)
    e = anchor_failure(decode_raw(sign("eip2930", data=ANCHOR_TAG + other)[0]))
    assert e.check == "anchor-data" and f"anchors the statement digest {other.hex()}" in str(e)
    e = anchor_failure(decode_raw(sign("eip1559", data=DIGEST)[0]))
    assert e.check == "anchor-data" and "its data is not 'zk-solvency/anchor/v1'" in str(e)


@pytest.mark.parametrize("kind", KINDS)
def test_signatures_ethereum_refuses(kind: str) -> None:
    tx = decode_raw(sign(kind)[0])
    flipped = tx.v ^ 1 if kind != "legacy" else (tx.v - 35 ^ 1) + 35
    high = dataclasses.replace(tx, s=N - tx.s, v=flipped)  # the same point: valid but high s
    cases = [
        (high, "ECDSA s is not low"),
        (dataclasses.replace(tx, r=0), r"ECDSA r is not in \[1, n-1\]"),
        (dataclasses.replace(tx, s=N), r"ECDSA s is not in \[1, n-1\]"),
        (dataclasses.replace(tx, v=2 if kind != "legacy" else 30), "is not 0 or 1|neither 27/28"),
    ]
    for bad, message in cases:
        with pytest.raises(VerificationError, match=message) as e:
            bad.sender()
        assert e.value.check == "tx-signature"
        e2 = anchor_failure(bad)
        assert e2.check == "anchor-signature"


@pytest.mark.parametrize("first", [3, 4, 5, 0x7F])
def test_other_types_are_refused_by_name(first: int) -> None:
    raw = bytes([first]) + pyrlp.encode([b"\x01"] * 12)
    with pytest.raises(UnsupportedTransactionError, match=f"transaction type {first} is not"):
        decode_raw(raw)
    obj = node_object(sign("eip1559")[0]) | {"type": hex(first)}
    with pytest.raises(UnsupportedTransactionError, match=f"transaction type {first} is not"):
        from_rpc(obj, "node")


def test_malformed_raw_transactions() -> None:
    raw = sign("eip1559")[0]
    with pytest.raises(FormatError, match="has 12 fields, not 11"):
        decode_raw(raw[:1] + pyrlp.encode(pyrlp.decode(raw[1:])[:-1]))
    fields = pyrlp.decode(raw[1:])
    fields[5] = b"\x01" * 19
    with pytest.raises(FormatError, match=r"tx\.to: an address is 20 bytes, got 19"):
        decode_raw(raw[:1] + pyrlp.encode(fields), "tx")
    fields = pyrlp.decode(raw[1:])
    fields[1] = b"\x00\x07"
    with pytest.raises(FormatError, match="leading zero byte"):
        decode_raw(raw[:1] + pyrlp.encode(fields))
    with pytest.raises(FormatError, match="empty"):
        decode_raw(b"")
    with pytest.raises(FormatError, match="after the RLP item"):
        decode_raw(raw + b"\x00")


def test_contradictory_node_objects() -> None:
    obj = node_object(sign("eip1559")[0])
    with pytest.raises(
        NodeResponseError,
        match=r"v \(1\) and yParity \(0\) differ|v \(0\) and yParity \(1\) differ",
    ):
        from_rpc(obj | {"yParity": hex(1 - int(obj["v"], 16))}, "node")
    legacy = node_object(sign("legacy")[0])
    with pytest.raises(NodeResponseError, match="chainId 1 is not the chain id signed in v"):
        from_rpc(legacy | {"chainId": "0x1"}, "node")
    with pytest.raises(NodeResponseError, match="missing field 'maxFeePerGas'"):
        from_rpc({k: v for k, v in obj.items() if k != "maxFeePerGas"}, "node")
    with pytest.raises(NodeResponseError, match="expected a hex quantity"):
        from_rpc(obj | {"nonce": "0x07"}, "node")


@settings(max_examples=300, deadline=None)
@given(hst.binary(max_size=300))
def test_random_bytes_only_raise_format_errors(data: bytes) -> None:
    try:
        decode_raw(data)
    except FormatError:  # UnsupportedTransactionError included
        pass


RAW = {kind: sign(kind)[0] for kind in KINDS}


@settings(max_examples=300, deadline=None)
@given(hst.sampled_from(KINDS), hst.data())
def test_one_changed_byte_is_refused_or_changes_the_hash(kind: str, data: hst.DataObject) -> None:
    """Tamper one byte of a signed transaction: it no longer decodes, or it is another
    transaction (another hash), whose recovered sender is not the signer or raises."""
    raw = bytearray(RAW[kind])
    i = data.draw(hst.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(hst.integers(1, 255))
    try:
        tx = decode_raw(bytes(raw))
    except FormatError:
        return
    assert tx.hash() != sign(kind)[1]
    try:
        sender = tx.sender()
    except VerificationError:
        return
    if sender == bytes.fromhex(ACCOUNT.address[2:]):  # only a field outside the signed digest
        assert tx.signing_digest() == decode_raw(RAW[kind]).signing_digest()
