"""Mutation-campaign tests of verifier/reserves.py (docs/MUTATION.md, third campaign): reserves
v2 documents at the edges of each rule, every refusal with its exact error class, check and
message."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from test_reserves_v2 import BASE, EXCHANGE, ROUND, USDT, mutated, parse, w

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
    (lambda d: w(d, "BTC", 1).update(fund=5),
     "assets.BTC.wallets[1].fund: expected a string, got integer"),
    (lambda d: w(d, "BTC", 1).update(fund=""),
     "assets.BTC.wallets[1].fund: string of 0 UTF-8 bytes, expected 1 to 16"),
    (lambda d: w(d, "BTC", 1).update(fund="i" * 17),
     "assets.BTC.wallets[1].fund: string of 17 UTF-8 bytes, expected 1 to 16"),
    (lambda d: w(d, "BTC", 1).update(fund="i"),
     "assets.BTC.wallets[1].fund: 'i' is not one of insurance, protection"),
    (lambda d: d.update(round="r" * 65),
     "round: string of 65 UTF-8 bytes, expected 1 to 64"),
    (lambda d: d.update(exchange=5),
     'exchange: expected a string, got integer'),
    (lambda d: d.update(exchange="e"*129),
     'exchange: string of 129 UTF-8 bytes, expected 1 to 128'),
    (lambda d: d.update(round="2026/11"),
     'round: round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -'),
    (lambda d: d.update(round=5),
     'round: expected a string, got integer'),
    (lambda d: d.update(assets={f"A{i}": d["assets"]["BTC"] for i in range(257)}),
     'assets: 257 assets, expected 1 to 256'),
    (lambda d: d.update(assets=[]),
     'assets: expected an object, got array'),
    (lambda d: d["assets"].update({"b-c": d["assets"]["BTC"]}),
     'assets.b-c: asset symbol must be 1 to 16 characters of A-Z 0-9'),
    (lambda d: d["assets"].update(BTC=[]),
     'assets.BTC: expected an object, got array'),
    (lambda d: d["assets"]["BTC"].update(chain=5),
     'assets.BTC.chain: expected a string, got integer'),
    (lambda d: d["assets"]["BTC"].update(chain="c"*33),
     'assets.BTC.chain: string of 33 UTF-8 bytes, expected 1 to 32'),
    (lambda d: d["assets"]["BTC"].update(chain="x"),
     "assets.BTC.chain: 'x' is not one of bitcoin, bitcoin-testnet, bitcoin-regtest, ethereum"),
    (lambda d: d["assets"]["BTC"].pop("block_hash"),
     "assets.BTC: missing key 'block_hash'"),
    (lambda d: d["assets"]["BTC"].update(block_height=-1),
     'assets.BTC.block_height: integer -1 out of range [0, 18446744073709551615]'),
    (lambda d: d["assets"]["BTC"].update(block_height=1<<64),
     'assets.BTC.block_height: integer 18446744073709551616 out of range [0, 18446744073709551615]'),
    (lambda d: d["assets"]["BTC"].update(block_hash="A"*64),
     'assets.BTC.block_hash: expected 64 lowercase hex digits'),
    (lambda d: d["assets"]["ETH"].update(block_hash="ab"*32),
     'assets.ETH.block_hash: expected 0x + 64 lowercase hex digits'),
    (lambda d: d["assets"]["ETH"].update(block_hash="0x"+"ab"*32+"a"),
     'assets.ETH.block_hash: string of 67 UTF-8 bytes, expected 1 to 66'),
    (lambda d: d["assets"]["BTC"].update(block_hash="a"*63),
     'assets.BTC.block_hash: expected 64 lowercase hex digits'),
    (lambda d: d["assets"]["BTC"].update(block_hash=""),
     'assets.BTC.block_hash: string of 0 UTF-8 bytes, expected 1 to 66'),
    (lambda d: d["assets"]["USDT"].update(chain_decimals=256),
     'assets.USDT.chain_decimals: integer 256 out of range [0, 255]'),
    (lambda d: d["assets"]["USDT"].update(chain_decimals=-1),
     'assets.USDT.chain_decimals: integer -1 out of range [0, 255]'),
    (lambda d: d["assets"]["BTC"].update(chain_decimals=7),
     'assets.BTC.chain_decimals: bitcoin has 8 decimals, not 7'),
    (lambda d: d["assets"]["ETH"].update(chain_decimals=17),
     'assets.ETH.chain_decimals: ether has 18 decimals, not 17'),
    (lambda d: d["assets"]["ETH"].update(chain_id=0),
     'assets.ETH.chain_id: integer 0 out of range [1, 18446744073709551615]'),
    (lambda d: d["assets"]["ETH"].update(chain_id=1<<64),
     'assets.ETH.chain_id: integer 18446744073709551616 out of range [1, 18446744073709551615]'),
    (lambda d: d["assets"]["USDT"].update(token=5),
     'assets.USDT.token: expected a string, got integer'),
    (lambda d: d["assets"]["USDT"].update(token=USDT+"0"),
     'assets.USDT.token: string of 43 UTF-8 bytes, expected 1 to 42'),
    (lambda d: d["assets"]["USDT"].update(token="0x12"),
     'assets.USDT.token: not an ethereum address (0x followed by 40 hex digits)'),
    (lambda d: d["assets"]["BTC"].update(wallets=[]),
     'assets.BTC.wallets: array of 0 elements, expected 1 to 50000'),
    (lambda d: d["assets"]["BTC"].update(wallets={}),
     'assets.BTC.wallets: expected an array, got object'),
    (lambda d: w(d,"BTC",0).update(balance=-1),
     'assets.BTC.wallets[0].balance: integer -1 out of range [0, 340282366920938463463374607431768211455]'),
    (lambda d: w(d,"BTC",0).update(balance=1<<128),
     'assets.BTC.wallets[0].balance: integer 340282366920938463463374607431768211456 out of range [0, 340282366920938463463374607431768211455]'),
    (lambda d: w(d,"BTC",0).update(signature="a"*12001),
     'assets.BTC.wallets[0].signature: string of 12001 UTF-8 bytes, expected 1 to 12000'),
    (lambda d: d.pop("format"),
     "missing key 'format': a v1 reserves file? v2 statements need format 'zk-solvency/reserves/v2'"),
    (lambda d: d.update(format="x"),
     "format: expected 'zk-solvency/reserves/v2', got 'x'"),
    (lambda d: d.update(format=5),
     'format: expected a string, got integer'),
    (lambda d: d.update(format="f"*65),
     'format: string of 65 UTF-8 bytes, expected 1 to 64'),
    (lambda d: (d.pop("format"), d.pop("assets")),
     "(top level): missing key 'format'"),
    (lambda d: d.update(exchange="a\u2028b"),
     'exchange contains a line break'),
    (lambda d: w(d,"BTC",0).update(address="a"*129),
     'assets.BTC.wallets[0].address: string of 129 UTF-8 bytes, expected 1 to 128'),

    (lambda d: d["assets"]["BTC"].update(block_hash="X" * 64),
     "assets.BTC.block_hash: expected 64 lowercase hex digits"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), EXACT, ids=[m for _, m in EXACT])
def test_exact_messages(change: Any, message: str) -> None:
    with pytest.raises(FormatError) as e:
        parse(mutated(change))
    assert str(e.value) == "reserves.json: " + message


ACCEPTED: list[Any] = [
    lambda d: d["assets"]["BTC"].update(block_height=0),
    lambda d: d["assets"]["BTC"].update(block_height=(1 << 64) - 1),
    lambda d: d["assets"]["ETH"].update(chain_id=(1 << 64) - 1),
    lambda d: d["assets"]["USDT"].update(chain_decimals=0),
    lambda d: d["assets"]["USDT"].update(chain_decimals=255),
    lambda d: d.update(exchange="e" * 128),
    lambda d: d.update(round="r" * 64),
    lambda d: d.update(assets={f"A{i}": d["assets"]["BTC"] for i in range(256)}),
    lambda d: w(d, "BTC", 0).update(balance=0),
]


@pytest.mark.parametrize("change", ACCEPTED)
def test_edges_that_parse(change: Any) -> None:
    parse(mutated(change))


def test_each_asset_knows_its_symbol() -> None:
    res = parse(BASE)
    assert [(name, a.asset, a.chain) for name, a in res.assets.items()] == [
        ("BTC", "BTC", "bitcoin"), ("ETH", "ETH", "ethereum"), ("USDT", "USDT", "ethereum")
    ]  # fmt: skip


def test_nesting_limit() -> None:
    """Eight levels of JSON are read (then judged), nine are refused before anything else."""

    def doc(levels: int) -> bytes:
        inner = "[" * (levels - 1) + "1" + "]" * (levels - 1)
        return ('{"format": "zk-solvency/reserves/v2", "x": ' + inner + "}").encode()

    with pytest.raises(FormatError) as e:
        parse_reserves(doc(8), "r.json")
    assert str(e.value) == "r.json: (top level): missing key 'exchange'"
    with pytest.raises(FormatError) as e:
        parse_reserves(doc(9), "r.json")
    assert str(e.value) == "r.json: line 1 column 51: JSON nested deeper than 8"


def test_a_top_level_that_is_not_an_object() -> None:
    with pytest.raises(FormatError) as e:
        parse_reserves(b"[]", "r.json")
    assert str(e.value) == "r.json: (top level): expected an object, got array"
