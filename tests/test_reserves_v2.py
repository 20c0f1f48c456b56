"""Reserves v2 (verifier/reserves.py): the strict parser, the signed message, verification of every
scheme, funds kept apart, and a table of malformed and non-verifying documents, each with the
exact error it must raise."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from circuits.errors import FormatError, ParameterError, VerificationError
from prover.reserves_tools import (
    challenges_for,
    demo_reserves,
    keys_to_json,
    load_keys,
    sign_reserves,
)
from prover.wallet_signers import address_for, sign_wallet
from verifier.ownership.bitcoin import decode_address
from verifier.reserves import (
    RESERVES_FORMAT,
    Reserves,
    ReservesTotals,
    encode_reserves,
    parse_reserves,
    verify_reserves,
    wallet_message,
)

EXCHANGE = "Test Exchange"
ROUND = "2026-11"
BTC_HASH = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
ETH_HASH = "0x" + "ab" * 32
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"


def key(i: int) -> bytes:
    return bytes([i]) * 32


#: (asset, key index, scheme for address_for, balance, fund)
WALLETS: dict[str, list[tuple[int, str, int, str | None]]] = {
    "BTC": [
        (1, "bip322-simple", 150_000_000, None),
        (2, "bip322-p2tr", 20_000_000, None),
        (3, "btc-signmessage", 5_000_000, None),
        (4, "bip340", 7_000_000, "insurance"),
    ],
    "ETH": [(5, "eip191", 25 * 10**18 + 1, None)],
    "USDT": [(6, "eip191", 1_000_000_000, None), (7, "eip191", 50_000_000, "protection")],
}
ASSETS: dict[str, dict[str, Any]] = {
    "BTC": {"chain": "bitcoin", "block_height": 870_000, "block_hash": BTC_HASH,
            "chain_decimals": 8},
    "ETH": {"chain": "ethereum", "chain_id": 1, "block_height": 21_000_000,
            "block_hash": ETH_HASH, "token": None, "chain_decimals": 18},
    "USDT": {"chain": "ethereum", "chain_id": 1, "block_height": 21_000_000,
             "block_hash": ETH_HASH, "token": USDT, "chain_decimals": 6},
}  # fmt: skip


def _sign_all(doc: dict[str, Any]) -> dict[str, Any]:
    """Sign every wallet of a template in place (test keys looked up by address)."""
    res = parse_reserves(json.dumps(doc).encode(), "template", unsigned_ok=True)
    for name, a in res.assets.items():
        for i, w in enumerate(a.wallets):
            k = KEYS_BY_ADDRESS[w.address]
            addr = None if a.chain == "ethereum" else decode_address(w.address, a.chain)
            doc["assets"][name]["wallets"][i]["signature"] = sign_wallet(
                k, addr, w.scheme, wallet_message(res, name, w)
            )
    return doc


KEYS_BY_ADDRESS: dict[str, bytes] = {}


def base_doc() -> dict[str, Any]:
    assets: dict[str, Any] = {}
    for name, spec in ASSETS.items():
        wallets = []
        for idx, how, balance, fund in WALLETS[name]:
            address, pubkey = address_for(key(idx), spec["chain"], how)
            KEYS_BY_ADDRESS[address] = key(idx)
            w: dict[str, Any] = {
                "address": address,
                "scheme": "bip322-simple" if how == "bip322-p2tr" else how,
            }
            if pubkey is not None:
                w["pubkey"] = pubkey.hex()
            w["balance"] = balance
            if fund:
                w["fund"] = fund
            wallets.append(w)
        assets[name] = {**spec, "wallets": wallets}
    doc = {"format": RESERVES_FORMAT, "exchange": EXCHANGE, "round": ROUND, "assets": assets}
    return _sign_all(doc)


BASE = base_doc()


def parse(doc: Any) -> Reserves:
    return parse_reserves(json.dumps(doc).encode(), "reserves.json")


def mutated(change: Callable[[dict[str, Any]], None], resign: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return _sign_all(doc) if resign else doc


def w(doc: dict[str, Any], asset: str, i: int) -> dict[str, Any]:
    wallet: dict[str, Any] = doc["assets"][asset]["wallets"][i]
    return wallet


@pytest.mark.parametrize("backend", ["python", "libsecp256k1"])
def test_base_verifies_with_funds_apart(backend: str) -> None:
    got = verify_reserves(parse(BASE), exchange=EXCHANGE, round_id=ROUND, backend=backend)
    assert got == ReservesTotals(
        covered={"BTC": 175_000_000, "ETH": 25 * 10**18 + 1, "USDT": 1_000_000_000},
        funds={"BTC": {"insurance": 7_000_000}, "USDT": {"protection": 50_000_000}},
    )


def test_encode_round_trip() -> None:
    res = parse(BASE)
    assert parse_reserves(encode_reserves(res), "again") == res
    assert json.loads(encode_reserves(res)) == BASE


def test_message_bytes() -> None:
    """The exact text of docs/PROTOCOL.md 9.2, for a bitcoin and an ERC-20 wallet."""
    res = parse(BASE)
    btc = res.assets["BTC"].wallets[0]
    assert wallet_message(res, "BTC", btc) == (
        "zk-solvency proof of reserves v2\n"
        "exchange: Test Exchange\n"
        "round: 2026-11\n"
        "asset: BTC\n"
        "chain: bitcoin\n"
        "block height: 870000\n"
        f"block hash: {BTC_HASH}\n"
        f"address: {btc.address}"
    )
    usdt = res.assets["USDT"].wallets[0]
    assert wallet_message(res, "USDT", usdt) == (
        "zk-solvency proof of reserves v2\n"
        "exchange: Test Exchange\n"
        "round: 2026-11\n"
        "asset: USDT\n"
        "chain: ethereum\n"
        "chain id: 1\n"
        f"token: {USDT}\n"
        "block height: 21000000\n"
        f"block hash: {ETH_HASH}\n"
        f"address: {usdt.address}"
    )
    assert "token: ether\n" in wallet_message(res, "ETH", res.assets["ETH"].wallets[0])


def test_max_balance_and_totals() -> None:
    doc = mutated(lambda d: w(d, "ETH", 0).update(balance=(1 << 128) - 1))
    assert (
        verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND).covered["ETH"]
        == (1 << 128) - 1
    )

    def two_big(d: dict[str, Any]) -> None:
        w(d, "USDT", 0)["balance"] = (1 << 128) - 1
        extra = copy.deepcopy(w(d, "ETH", 0))
        d["assets"]["USDT"]["wallets"].append(extra)
        extra["balance"] = 1

    got = verify_reserves(parse(mutated(two_big, resign=True)), exchange=EXCHANGE, round_id=ROUND)
    assert got.covered["USDT"] == 1 << 128  # exact; the solvency section bounds what it accepts


# --- what a signature binds -----------------------------------------------------------------

REPLAYS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("block height", lambda d: d["assets"]["BTC"].update(block_height=870_001)),
    ("block hash", lambda d: d["assets"]["BTC"].update(block_hash="00" * 31 + "01")),
    ("asset renamed", lambda d: d["assets"].update(XBT=d["assets"].pop("BTC"))),
    ("chain", lambda d: d["assets"]["ETH"].update(chain_id=5)),
]


@pytest.mark.parametrize("wallet_index", [0, 1, 2, 3])
@pytest.mark.parametrize(("name", "change"), REPLAYS[:3], ids=[r[0] for r in REPLAYS[:3]])
def test_bitcoin_signature_binds(
    name: str, change: Callable[[dict[str, Any]], None], wallet_index: int
) -> None:
    """Each bitcoin scheme's signature stops verifying when anything it names changes."""
    doc = mutated(change)
    asset = "XBT" if "XBT" in doc["assets"] else "BTC"
    doc["assets"][asset]["wallets"] = [doc["assets"][asset]["wallets"][wallet_index]]
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-signature"
    assert f"assets.{asset}.wallets[0]" in str(info.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["assets"]["ETH"].update(chain_id=5),
        lambda d: d["assets"]["ETH"].update(block_hash="0x" + "cd" * 32),
        lambda d: d["assets"]["USDT"].update(token="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        lambda d: d["assets"]["USDT"].update(token=None, chain_decimals=18),
    ],
)
def test_ethereum_signature_binds(change: Callable[[dict[str, Any]], None]) -> None:
    with pytest.raises(VerificationError, match="another key or over another message") as info:
        verify_reserves(parse(mutated(change)), exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-signature"


def test_signed_for_another_exchange_or_round() -> None:
    for field, value in (("exchange", "Other Exchange"), ("round", "2026-12")):
        doc = mutated(lambda d, f=field, v=value: d.update({f: v}))  # type: ignore[misc]
        with pytest.raises(VerificationError) as info:
            verify_reserves(parse(doc), exchange=doc["exchange"], round_id=doc["round"])
        assert info.value.check == "reserves-signature"
        check = "reserves-exchange" if field == "exchange" else "reserves-round"
        with pytest.raises(VerificationError) as info:
            verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
        assert info.value.check == check


@pytest.mark.parametrize(
    ("src", "dst", "check"),
    [
        (("BTC", 0), ("BTC", 1), "reserves-signature"),  # p2wpkh witness over a p2tr address
        (("BTC", 2), ("BTC", 0), "reserves-signature"),  # another signmessage
        (("USDT", 1), ("USDT", 0), "reserves-signature"),
    ],
)
def test_signature_moved_to_another_wallet(
    src: tuple[str, int], dst: tuple[str, int], check: str
) -> None:
    def move(d: dict[str, Any]) -> None:
        w(d, *dst)["signature"] = w(d, *src)["signature"]
        w(d, *dst)["scheme"] = w(d, *src)["scheme"]

    try:
        res = parse(mutated(move))
    except FormatError:
        return  # the scheme does not fit that address type: refused as malformed
    with pytest.raises(VerificationError) as info:
        verify_reserves(res, exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == check


def test_p2wpkh_witness_of_another_key_is_an_address_error() -> None:
    """A valid BIP-322 witness by another key, listed under this address: reserves-address."""
    other, _ = address_for(key(9), "bitcoin", "bip322-simple")
    KEYS_BY_ADDRESS[other] = key(9)

    def swap(d: dict[str, Any]) -> None:
        real = w(d, "BTC", 0)["address"]
        w(d, "BTC", 0)["address"] = other
        _sign_all(d)
        w(d, "BTC", 0)["address"] = real

    with pytest.raises(VerificationError, match="HASH160 differs") as info:
        verify_reserves(parse(mutated(swap)), exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-address"


def test_bip340_key_not_the_address_key() -> None:
    _, pk = address_for(key(9), "bitcoin", "bip340")
    assert pk is not None
    doc = mutated(lambda d: w(d, "BTC", 3).update(pubkey=pk.hex()))
    with pytest.raises(VerificationError, match="output key") as info:
        verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-address"


def test_wallet_listed_twice() -> None:
    doc = mutated(lambda d: d["assets"]["BTC"]["wallets"].append(copy.deepcopy(w(d, "BTC", 1))))
    with pytest.raises(
        VerificationError, match=r"wallets\[4\]: address listed twice .*wallets\[1\]"
    ) as info:
        verify_reserves(parse(doc), exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-duplicate-wallet"


def test_unsigned_template() -> None:
    doc = mutated(lambda d: w(d, "ETH", 0).pop("signature"))
    with pytest.raises(FormatError, match=r"assets\.ETH\.wallets\[0\]: missing key 'signature'"):
        parse(doc)
    res = parse_reserves(json.dumps(doc).encode(), "t", unsigned_ok=True)
    with pytest.raises(VerificationError, match="not signed") as info:
        verify_reserves(res, exchange=EXCHANGE, round_id=ROUND)
    assert info.value.check == "reserves-signature"


# --- malformed documents ---------------------------------------------------------------------


def set_w(asset: str, i: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: w(d, asset, i).update(fields)


def set_a(asset: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["assets"][asset].update(fields)


MALFORMED: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (lambda d: d.pop("format"), "missing key 'format': a v1 reserves file?"),
    (lambda d: d.update(format="zk-solvency/reserves/v1"), "format: expected 'zk-solvency/reserves/v2'"),
    (lambda d: d.update(extra=1), "unknown key 'extra'"),
    (lambda d: d.update(assets={}), "assets: 0 assets"),
    (lambda d: d.update(exchange="a\nb"), "exchange: string contains a control character"),
    (lambda d: d.update(exchange="a\u2028b"), "exchange contains a line break"),
    (set_a("BTC", chain="litecoin"), "assets.BTC.chain: 'litecoin' is not one of"),
    (set_a("BTC", chain_id=1), "assets.BTC: unknown key 'chain_id'"),
    (lambda d: d["assets"]["ETH"].pop("token"), "assets.ETH: missing key 'token'"),
    (lambda d: d["assets"]["ETH"].pop("chain_id"), "assets.ETH: missing key 'chain_id'"),
    (set_a("ETH", chain_id=0), "assets.ETH.chain_id"),
    (set_a("ETH", chain_id="1"), "assets.ETH.chain_id"),
    (set_a("BTC", block_height=-1), "assets.BTC.block_height"),
    (set_a("BTC", block_height=1 << 64), "assets.BTC.block_height"),
    (set_a("BTC", block_hash=BTC_HASH.upper()), "assets.BTC.block_hash: expected 64 lowercase hex"),
    (set_a("BTC", block_hash="0x" + BTC_HASH), "assets.BTC.block_hash: expected 64 lowercase hex"),
    (set_a("ETH", block_hash=ETH_HASH[2:]), "assets.ETH.block_hash: expected 0x + 64 lowercase"),
    (set_a("ETH", block_hash=ETH_HASH[:-2]), "assets.ETH.block_hash: expected 0x + 64 lowercase"),
    (set_a("BTC", chain_decimals=18), "assets.BTC.chain_decimals: bitcoin has 8 decimals"),
    (set_a("ETH", chain_decimals=6), "assets.ETH.chain_decimals: ether has 18 decimals"),
    (set_a("USDT", chain_decimals=256), "assets.USDT.chain_decimals"),
    (set_a("USDT", token=USDT.lower()), "assets.USDT.token: address has no EIP-55 checksum"),
    (set_a("USDT", token=USDT[:-1] + "C"), "assets.USDT.token: EIP-55 checksum mismatch"),
    (set_a("BTC", wallets=[]), "assets.BTC.wallets"),
    (set_w("BTC", 0, balance=1.0), "assets.BTC.wallets[0].balance"),
    (set_w("BTC", 0, balance=-1), "assets.BTC.wallets[0].balance"),
    (set_w("BTC", 0, balance=1 << 128), "assets.BTC.wallets[0].balance"),
    (set_w("BTC", 0, balance="1"), "assets.BTC.wallets[0].balance"),
    (set_w("BTC", 0, fund="reserve"), "assets.BTC.wallets[0].fund: 'reserve' is not one of"),
    (set_w("BTC", 0, scheme="ecdsa"), "assets.BTC.wallets[0].scheme: 'ecdsa' is not one of"),
    (set_w("BTC", 0, scheme="eip191"), "assets.BTC.wallets[0].scheme: eip191 is for ethereum"),
    (set_w("ETH", 0, scheme="bip340"), "assets.ETH.wallets[0].pubkey: required with scheme bip340"),
    (set_w("BTC", 0, pubkey="00" * 32), "assets.BTC.wallets[0].pubkey: not the x-coordinate"),
    (set_w("BTC", 0, pubkey="79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"), "assets.BTC.wallets[0].pubkey: only scheme bip340"),
    (lambda d: w(d, "BTC", 3).pop("pubkey"), "assets.BTC.wallets[3].pubkey: required with scheme bip340"),
    (set_w("BTC", 0, scheme="btc-signmessage"),
     "assets.BTC.wallets[0].address: scheme btc-signmessage needs a P2PKH address, this is a P2WPKH"),
    (set_w("BTC", 2, scheme="bip322-simple"),
     "assets.BTC.wallets[2].address: scheme bip322-simple needs a P2WPKH or P2TR address"),
    (lambda d: w(d, "BTC", 0).update(address=w(d, "ETH", 0)["address"]),
     "assets.BTC.wallets[0].address: an ethereum address, not a bitcoin address"),
    (lambda d: w(d, "ETH", 0).update(address=w(d, "BTC", 0)["address"]),
     "assets.ETH.wallets[0].address: not an ethereum address"),
    (lambda d: w(d, "ETH", 0).update(address=w(d, "ETH", 0)["address"].lower()),
     "assets.ETH.wallets[0].address: address has no EIP-55 checksum"),
    (lambda d: w(d, "ETH", 0).update(address=w(d, "ETH", 0)["address"].swapcase().replace("0X", "0x")),
     "assets.ETH.wallets[0].address: EIP-55 checksum mismatch"),
    (lambda d: w(d, "BTC", 0).update(address=w(d, "BTC", 0)["address"].upper()),
     "assets.BTC.wallets[0].address: bech32 address must be lowercase"),
    (lambda d: w(d, "BTC", 0).update(address=w(d, "BTC", 0)["address"].replace("bc1", "tb1")),
     "assets.BTC.wallets[0].address: address is for another network"),
    (lambda d: w(d, "BTC", 0).update(address=w(d, "BTC", 0)["address"][:-1] + "q"),
     "assets.BTC.wallets[0].address: bad bech32"),
    (lambda d: w(d, "BTC", 2).update(address="3B5fQsEXEaV8v6U3ejYc8XaKXAkyQj2MjV"),
     "assets.BTC.wallets[2].address: P2SH addresses are not supported"),
    (set_w("BTC", 0, signature="smp!!"), "assets.BTC.wallets[0].signature: BIP-322 signature is not valid base64"),
    (set_w("BTC", 0, signature="fulAAAA"), "assets.BTC.wallets[0].signature: only BIP-322 simple"),
    (set_w("BTC", 2, signature="AAAA"), "assets.BTC.wallets[2].signature: signmessage signature is 3 bytes"),
    (set_w("BTC", 3, signature="AB" * 64), "assets.BTC.wallets[3].signature: BIP-340 signature must be 128 lowercase hex"),
    (set_w("ETH", 0, signature="0x00"), "assets.ETH.wallets[0].signature: EIP-191 signature must be 0x130"),
    (set_w("ETH", 0, signature=""), "assets.ETH.wallets[0].signature: string of 0 UTF-8 bytes"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed(change: Callable[[dict[str, Any]], None], message: str) -> None:
    with pytest.raises(FormatError) as info:
        parse(mutated(change))
    assert str(info.value).startswith("reserves.json: ")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format": "zk-solvency/reserves/v2", "format": "x"}', "duplicate key"),
        (b"[]", "expected an object"),
        (b"\xff", "UTF-8"),
    ],
)
def test_malformed_bytes(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_reserves(data, "reserves.json")


# --- the prover's tools ----------------------------------------------------------------------


def unsigned_template() -> bytes:
    doc = copy.deepcopy(BASE)
    for a in doc["assets"].values():
        for wallet in a["wallets"]:
            del wallet["signature"]
    return json.dumps(doc).encode()


ALL_KEYS = [key(i) for i in range(1, 8)]


def test_challenges_for_template() -> None:
    got = challenges_for(unsigned_template())
    res = parse(BASE)
    assert [c.path for c in got] == [
        f"assets.{n}.wallets[{i}]" for n, a in res.assets.items() for i in range(len(a.wallets))
    ]
    assert [c.message for c in got] == [
        wallet_message(res, n, wl) for n, a in res.assets.items() for wl in a.wallets
    ]
    assert got[4].scheme == "eip191" and got[4].address == w(BASE, "ETH", 0)["address"]


def test_sign_reserves_with_keys_file(backend: str) -> None:
    keys = load_keys(keys_to_json(ALL_KEYS), "keys.json")
    assert keys == ALL_KEYS
    signed = sign_reserves(unsigned_template(), keys, rng=random.Random(1))
    res = parse_reserves(signed, "signed.json")
    got = verify_reserves(res, exchange=EXCHANGE, round_id=ROUND, backend=backend)
    assert got == verify_reserves(parse(BASE), exchange=EXCHANGE, round_id=ROUND)
    assert signed == sign_reserves(unsigned_template(), keys, rng=random.Random(1))
    # ECDSA schemes are deterministic (RFC 6979): the same signatures as the test's own signer
    for name, i in (("BTC", 0), ("BTC", 2), ("ETH", 0), ("USDT", 1)):
        assert w(json.loads(signed), name, i)["signature"] == w(BASE, name, i)["signature"]


def test_sign_reserves_missing_key() -> None:
    with pytest.raises(ParameterError) as info:
        sign_reserves(unsigned_template(), [key(1)])
    assert str(info.value) == "assets.BTC.wallets[1]: no secret key for this wallet"


def test_sign_reserves_keeps_existing_signatures() -> None:
    doc = json.loads(unsigned_template())
    w(doc, "BTC", 1)["signature"] = w(BASE, "BTC", 1)["signature"]
    signed = sign_reserves(json.dumps(doc).encode(), [k for k in ALL_KEYS if k != key(2)])
    assert verify_reserves(parse_reserves(signed, "s"), exchange=EXCHANGE, round_id=ROUND)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"keys": ["' + key(0xAB).hex().upper().encode() + b'"]}', "keys[0]: secret key must be"),
        (b'{"keys": ["' + key(0xAB).hex()[:63].encode() + b'"]}', "keys[0]: secret key must be"),
        (b'{"keys": ["' + b"00" * 32 + b'"]}', "keys[0]: secret key must be in [1, n-1]"),
        (b'{"keys": ["' + b"ff" * 32 + b'"]}', "keys[0]: secret key must be in [1, n-1]"),
        (b'{"keys": []}', "keys: array of 0 elements"),
        (b'{"keys": ["' + key(0xAB).hex().encode() + b'"], "x": 1}', "(top level): unknown key"),
        (
            b'{"keys": ["' + key(0xAB).hex().encode() + b'", "' + key(0xAB).hex().encode() + b'"]}',
            "keys[1]: the same key is listed twice",
        ),
    ],
    ids=["uppercase", "short", "zero", "above-n", "empty", "unknown-key", "twice"],
)
def test_load_keys_errors_never_show_a_key(data: bytes, message: str) -> None:
    with pytest.raises(FormatError) as info:
        load_keys(data, "keys.json")
    text = str(info.value)
    assert text.startswith(f"keys.json: {message}")
    assert key(0xAB).hex()[:16] not in text.lower()


def test_demo_reserves_mix_schemes_and_funds(backend: str) -> None:
    totals = {"BTC": 12_345_678_901, "USDT": 10**15, "ETH": 0, "XMAX": (1 << 128) - 1}
    decimals = {"BTC": 8, "USDT": 6, "ETH": 18, "XMAX": 18}
    rng = random.Random(7)
    data, keys = demo_reserves(
        EXCHANGE, ROUND, totals, decimals, rng, funds={"BTC": ("insurance", 5 * 10**8)}
    )
    res = parse_reserves(data, "demo.json")
    got = verify_reserves(res, exchange=EXCHANGE, round_id=ROUND, backend=backend)
    assert got.covered == totals and got.funds == {"BTC": {"insurance": 5 * 10**8}}
    assert res.assets["USDT"].token == "0xdAC17F958D2ee523a2206206994597C13D831ec7"
    assert res.assets["ETH"].token is None and res.assets["ETH"].chain_id == 1
    btc = res.assets["BTC"].wallets
    kinds = [(wl.scheme, wl.address[:4] if wl.address.startswith("bc1") else "1...") for wl in btc]
    assert kinds == [
        ("bip322-simple", "bc1q"),
        ("bip322-simple", "bc1p"),
        ("btc-signmessage", "1..."),
        ("bip340", "bc1p"),
        ("bip340", "bc1p"),
    ]
    assert [wl.fund for wl in btc] == [None, None, None, None, "insurance"]
    assert {wl.scheme for wl in res.assets["USDT"].wallets} == {"eip191"}
    assert len(keys) == sum(len(a.wallets) for a in res.assets.values())
    again, _ = demo_reserves(
        EXCHANGE, ROUND, totals, decimals, random.Random(7), funds={"BTC": ("insurance", 5 * 10**8)}
    )
    assert again == data  # a seeded rng gives a byte-identical file
