"""Mutation-campaign tests of verifier/reserves.py (docs/MUTATION.md, third campaign): reserves
v2 documents at the edges of each rule, every refusal with its exact error class, check and
message."""

from __future__ import annotations

import base64
import json

import pytest
from test_reserves_v2 import BASE, EXCHANGE, ROUND, mutated, parse, w

from circuits.errors import FormatError
from verifier.ownership import btcsig
from verifier.reserves import encode_reserves, parse_reserves, verify_reserves


def test_encoded_file_layout() -> None:
    """The reserves file the tools write: two-space indentation, UTF-8 as is, a final newline."""
    doc = json.loads(json.dumps(BASE))
    doc["exchange"] = "Börse Ω"
    res = parse(doc)
    data = encode_reserves(res)
    assert json.loads(data) == doc and data.startswith(b'{\n  "format": ')
    assert data.endswith(b"\n    }\n  }\n}\n")
    assert b'\n  "exchange": "B\xc3\xb6rse \xce\xa9",\n' in data
    assert parse_reserves(data, "again") == res


def _witness(items: list[bytes]) -> str:
    raw = bytes([len(items)]) + b"".join(bytes([len(i)]) + i for i in items)
    return "smp" + base64.b64encode(raw).decode()


def test_a_signature_malformed_inside_is_named_by_its_wallet() -> None:
    """A BIP-322 witness whose DER has a needless zero before r: well-formed base64 and witness
    (the parser accepts it), refused when verified, with the wallet's path."""
    der, key = btcsig.decode_simple(w(BASE, "BTC", 0)["signature"])
    padded = b"\x30" + bytes([der[1] + 1, 0x02, der[3] + 1, 0]) + der[4:]
    doc = mutated(lambda d: w(d, "BTC", 0).update(signature=_witness([padded, key])))
    with pytest.raises(FormatError) as e:
        verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
    assert str(e.value) == "assets.BTC.wallets[0]: ECDSA signature is not strict DER (BIP-66)"


def test_funds_of_one_kind_add_up() -> None:
    doc = mutated(lambda d: w(d, "USDT", 0).update(fund="protection"))
    got = verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
    assert got.covered["USDT"] == 0
    assert got.funds["USDT"] == {"protection": 1_050_000_000}


def _set(asset: str, i: int, value: Any) -> Any:
    return lambda d: d["assets"][asset]["wallets"].__setitem__(i, value)


EXACT: list[tuple[Any, str]] = [
    (_set("BTC", 1, []), "assets.BTC.wallets[1]: expected an object, got array"),
    (lambda d: w(d, "BTC", 1).update(x=1), "assets.BTC.wallets[1]: unknown key 'x'"),
    (lambda d: w(d, "BTC", 1).update(address=5),
     "assets.BTC.wallets[1].address: expected a string, got integer"),
    (lambda d: w(d, "BTC", 1).update(address=""),
     "assets.BTC.wallets[1].address: string of 0 UTF-8 bytes, expected 1 to 128"),
    (lambda d: w(d, "BTC", 1).update(address="1"),
     "assets.BTC.wallets[1].address: bad base58check address (alphabet or checksum)"),
    (lambda d: w(d, "BTC", 1).update(scheme=""),
     "assets.BTC.wallets[1].scheme: string of 0 UTF-8 bytes, expected 1 to 32"),
    (lambda d: w(d, "BTC", 1).update(scheme="b" * 33),
     "assets.BTC.wallets[1].scheme: string of 33 UTF-8 bytes, expected 1 to 32"),
    (lambda d: w(d, "BTC", 1).update(scheme="b"),
     "assets.BTC.wallets[1].scheme: 'b' is not one of bip322-simple, btc-signmessage, eip191, "
     "bip340"),
    (lambda d: w(d, "BTC", 3).update(pubkey="zz"),
     "assets.BTC.wallets[3].pubkey: expected 64 hex characters (32 bytes), got 2"),
    (lambda d: w(d, "ETH", 0).update(signature="A"),
     "assets.ETH.wallets[0].signature: EIP-191 signature must be 0x130 lowercase hex digits"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), EXACT, ids=[m for _, m in EXACT])
def test_exact_messages(change: Any, message: str) -> None:
    with pytest.raises(FormatError) as e:
        parse(mutated(change))
    assert str(e.value) == "reserves.json: " + message
