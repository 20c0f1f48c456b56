"""Reserves v1 (verifier/reserves_v1.py, kept for v1 statements): the challenge, the strict decoder
and verification. The prover's tools write v2 (tests/test_reserves_v2.py).

Adversarial tables: every mutation of a valid reserves file next to the exact error class, the
check (for VerificationError) and the JSON path that the message must start with.
"""

from __future__ import annotations

import copy
import hashlib
import json
import struct
from collections.abc import Callable
from typing import Any

import pytest

from circuits import bip340
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import N
from verifier.reserves_v1 import (
    MAX_RESERVES_BYTES,
    Reserves,
    encode_reserves,
    parse_reserves,
    reserve_challenge,
    verify_reserves,
)

EX = "Demo Exchange"
RND = "2026-11"
SRC = "res.json"
U64 = 1 << 64

SK = {name: hashlib.sha256(name.encode()).digest() for name in ("k1", "k2", "k3", "k4")}
PK = {name: bip340.xonly_pubkey(sk) for name, sk in SK.items()}
CHAINS = {"BTC": ("bitcoin", 870_000), "USDT": ("ethereum", 21_000_000)}


def sig_hex(
    key: str,
    asset: str,
    *,
    exchange: str = EX,
    round_id: str = RND,
    chain: str | None = None,
    height: int | None = None,
    pubkey: bytes | None = None,
) -> str:
    """A signature by SK[key] over the challenge with these fields (defaults: the right ones)."""
    default_chain, default_height = CHAINS[asset]
    msg = reserve_challenge(
        exchange,
        round_id,
        asset,
        chain if chain is not None else default_chain,
        height if height is not None else default_height,
        pubkey if pubkey is not None else PK[key],
    )
    return bip340.sign(SK[key], msg, b"\x00" * 32).hex()


def wallet(key: str, asset: str, balance: int) -> dict[str, Any]:
    return {
        "pubkey": PK[key].hex(),
        "address": f"addr-{key}",
        "balance": balance,
        "signature": sig_hex(key, asset),
    }


# k1 holds both assets: one key may appear under two assets, each signed for its own asset.
BASE: dict[str, Any] = {
    "exchange": EX,
    "round": RND,
    "assets": {
        "BTC": {
            "chain": "bitcoin",
            "block_height": 870_000,
            "wallets": [
                wallet("k1", "BTC", 500_000_000),
                wallet("k2", "BTC", 100_000_000),
                wallet("k3", "BTC", 0),
            ],
        },
        "USDT": {
            "chain": "ethereum",
            "block_height": 21_000_000,
            "wallets": [wallet("k1", "USDT", 10**12), wallet("k4", "USDT", 5)],
        },
    },
}
BASE_TOTALS = {"BTC": 600_000_000, "USDT": 10**12 + 5}


def dump(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def parse(doc: Any) -> Reserves:
    return parse_reserves(dump(doc), SRC)


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def btc_wallet(doc: dict[str, Any], i: int) -> dict[str, Any]:
    w: dict[str, Any] = doc["assets"]["BTC"]["wallets"][i]
    return w


# --- valid files -----------------------------------------------------------------------------


def test_base_verifies(backend: str) -> None:
    res = parse(BASE)
    assert verify_reserves(res, exchange=EX, round_id=RND, backend=backend) == BASE_TOTALS
    assert res.assets["BTC"].wallets[1].pubkey == PK["k2"]
    assert res.assets["USDT"].wallets[0].pubkey == res.assets["BTC"].wallets[0].pubkey


def test_encode_round_trip() -> None:
    res = parse(BASE)
    data = encode_reserves(res)
    assert parse_reserves(data, SRC) == res
    assert encode_reserves(parse_reserves(data, SRC)) == data
    assert list(json.loads(data)) == ["exchange", "round", "assets"]


def test_max_balance_is_allowed() -> None:
    doc = mutated(lambda d: d["assets"]["BTC"].update(wallets=[wallet("k1", "BTC", U64 - 1)]))
    assert verify_reserves(parse(doc), exchange=EX, round_id=RND)["BTC"] == U64 - 1


# --- the challenge ---------------------------------------------------------------------------


def test_challenge_known_answer() -> None:
    def f(s: str) -> bytes:
        raw = s.encode("utf-8")
        return len(raw).to_bytes(2, "big") + raw

    body = f(EX) + f(RND) + f("BTC") + f("bitcoin") + struct.pack(">Q", 870_000) + PK["k1"]
    tag = hashlib.sha256(b"zk-solvency/reserves/v1").digest()
    expected = hashlib.sha256(tag + tag + body).digest()
    assert reserve_challenge(EX, RND, "BTC", "bitcoin", 870_000, PK["k1"]) == expected


def test_challenge_fields_are_framed() -> None:
    a = reserve_challenge("ab", "c", "BTC", "x", 1, PK["k1"])
    b = reserve_challenge("a", "bc", "BTC", "x", 1, PK["k1"])
    assert a != b
    assert reserve_challenge("é", "r", "A", "c", 0, PK["k1"]) != reserve_challenge(
        "e\u0301", "r", "A", "c", 0, PK["k1"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((EX, RND, "BTC", "c", -1, b"\x01" * 32), "block height must be in [0, 2^64)"),
        ((EX, RND, "BTC", "c", U64, b"\x01" * 32), "block height must be in [0, 2^64)"),
        ((EX, RND, "BTC", "c", True, b"\x01" * 32), "block height must be an integer"),
        ((EX, RND, "BTC", "c", 1, b"\x01" * 33), "wallet public key must be 32 bytes"),
        (("x" * 65536, RND, "BTC", "c", 1, b"\x01" * 32), "exchange is longer than 65535"),
    ],
)
def test_challenge_parameter_errors(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        reserve_challenge(*args)
    assert str(info.value).startswith(message)


# --- signatures that must not verify ---------------------------------------------------------

REPLAYS: dict[str, Callable[[], str]] = {
    "another-round": lambda: sig_hex("k2", "BTC", round_id="2026-10"),
    "another-exchange": lambda: sig_hex("k2", "BTC", exchange="Other Exchange"),
    "another-asset": lambda: sig_hex("k2", "USDT", chain="bitcoin", height=870_000),
    "another-chain": lambda: sig_hex("k2", "BTC", chain="bitcoin-testnet"),
    "another-block-height": lambda: sig_hex("k2", "BTC", height=869_999),
    "another-key-signs": lambda: sig_hex("k4", "BTC", pubkey=PK["k2"]),
    "another-key-in-challenge": lambda: sig_hex("k2", "BTC", pubkey=PK["k4"]),
    "own-signature-of-another-wallet": lambda: sig_hex("k1", "BTC"),
    "zero-signature": lambda: "00" * 64,
    "s-equal-to-n": lambda: sig_hex("k2", "BTC")[:64] + f"{N:064x}",
}


@pytest.mark.parametrize("case", sorted(REPLAYS))
def test_signature_replays_are_rejected(case: str, backend: str) -> None:
    doc = mutated(lambda d: btc_wallet(d, 1).update(signature=REPLAYS[case]()))
    res = parse(doc)
    with pytest.raises(VerificationError) as info:
        verify_reserves(res, exchange=EX, round_id=RND, backend=backend)
    assert info.value.check == "reserves-signature"
    assert str(info.value).startswith("assets.BTC.wallets[1]: signature does not verify")


def test_signature_copied_from_another_asset(backend: str) -> None:
    """k1 signed for USDT; its USDT signature put on its BTC entry does not verify."""
    usdt_sig = BASE["assets"]["USDT"]["wallets"][0]["signature"]
    doc = mutated(lambda d: btc_wallet(d, 0).update(signature=usdt_sig))
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(doc), exchange=EX, round_id=RND, backend=backend)
    assert info.value.check == "reserves-signature"
    assert str(info.value).startswith("assets.BTC.wallets[0]: ")


def test_last_rounds_file_with_edited_round(backend: str) -> None:
    old = mutated(lambda d: None)
    for name, a in old["assets"].items():
        for w in a["wallets"]:
            key = next(k for k, pk in PK.items() if pk.hex() == w["pubkey"])
            w["signature"] = sig_hex(key, name, round_id="2026-10")
    old["round"] = "2026-10"
    assert verify_reserves(parse(old), exchange=EX, round_id="2026-10", backend=backend)
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(old), exchange=EX, round_id=RND, backend=backend)
    assert info.value.check == "reserves-round"
    old["round"] = RND
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(old), exchange=EX, round_id=RND, backend=backend)
    assert info.value.check == "reserves-signature"
    assert str(info.value).startswith("assets.BTC.wallets[0]: ")


@pytest.mark.parametrize(
    ("kwargs", "check", "message"),
    [
        (
            {"exchange": "Other Exchange", "round_id": RND},
            "reserves-exchange",
            "exchange: reserves are for exchange 'Demo Exchange', expected 'Other Exchange'",
        ),
        (
            {"exchange": EX, "round_id": "2026-12"},
            "reserves-round",
            "round: reserves are for round '2026-11', expected '2026-12'",
        ),
    ],
)
def test_round_and_exchange_mismatch(kwargs: dict[str, str], check: str, message: str) -> None:
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(BASE), **kwargs)
    assert info.value.check == check
    assert str(info.value) == message


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["assets"]["BTC"]["wallets"].append(copy.deepcopy(btc_wallet(d, 0))),
        lambda d: d["assets"]["BTC"]["wallets"].append(
            dict(btc_wallet(d, 0), balance=7, address="elsewhere")
        ),
    ],
    ids=["identical-entry", "same-key-other-balance"],
)
def test_wallet_listed_twice(change: Callable[[dict[str, Any]], None], backend: str) -> None:
    with pytest.raises(VerificationError) as info:
        verify_reserves(parse(mutated(change)), exchange=EX, round_id=RND, backend=backend)
    assert info.value.check == "reserves-duplicate-wallet"
    assert str(info.value) == (
        "assets.BTC.wallets[3]: wallet key listed twice in asset BTC "
        "(first at assets.BTC.wallets[0])"
    )


def test_total_of_2_64_is_refused() -> None:
    half = 1 << 63
    doc = mutated(
        lambda d: d["assets"]["BTC"].update(
            wallets=[wallet("k1", "BTC", half), wallet("k2", "BTC", half)]
        )
    )
    with pytest.raises(ParameterError) as info:
        verify_reserves(parse(doc), exchange=EX, round_id=RND)
    assert str(info.value) == f"assets.BTC: total reserves {U64} >= 2^64"


def test_unsigned_template_does_not_verify() -> None:
    doc = mutated(lambda d: btc_wallet(d, 2).pop("signature"))
    with pytest.raises(FormatError) as finfo:
        parse(doc)
    assert str(finfo.value) == f"{SRC}: assets.BTC.wallets[2]: missing key 'signature'"
    res = parse_reserves(dump(doc), SRC, unsigned_ok=True)
    with pytest.raises(VerificationError) as info:
        verify_reserves(res, exchange=EX, round_id=RND)
    assert info.value.check == "reserves-signature"
    assert str(info.value) == "assets.BTC.wallets[2]: wallet is not signed"


# --- malformed files -------------------------------------------------------------------------

UPPER_PK = PK["k1"].hex().upper()
NOT_ON_CURVE = "eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34"  # BIP-340 #5
X_GE_P = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30"  # BIP-340 #14
W0 = "assets.BTC.wallets[0]"


def set_w0(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: btc_wallet(d, 0).update(fields)


RANGE = f"out of range [0, {U64 - 1}]"

# (id, mutation of the document, expected message after "res.json: ")
MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("balance-negative", set_w0(balance=-1), f"{W0}.balance: integer -1 {RANGE}"),
    ("balance-2^64", set_w0(balance=U64), f"{W0}.balance: integer {U64} {RANGE}"),
    ("balance-bool", set_w0(balance=True), f"{W0}.balance: expected an integer, got boolean"),
    ("balance-string", set_w0(balance="100"), f"{W0}.balance: expected an integer, got string"),
    ("balance-null", set_w0(balance=None), f"{W0}.balance: expected an integer, got null"),
    ("balance-float", set_w0(balance=1.5), f"{W0}.balance: number 1.5 is not an integer"),
    ("balance-nan", set_w0(balance=float("nan")), f"{W0}.balance: NaN is not allowed"),
    ("balance-inf", set_w0(balance=float("inf")), f"{W0}.balance: Infinity is not allowed"),
    (
        "height-negative",
        lambda d: d["assets"]["BTC"].update(block_height=-1),
        f"assets.BTC.block_height: integer -1 {RANGE}",
    ),
    (
        "height-2^64",
        lambda d: d["assets"]["BTC"].update(block_height=U64),
        f"assets.BTC.block_height: integer {U64} {RANGE}",
    ),
    (
        "height-string",
        lambda d: d["assets"]["BTC"].update(block_height="870000"),
        "assets.BTC.block_height: expected an integer, got string",
    ),
    (
        "pubkey-uppercase",
        set_w0(pubkey=UPPER_PK),
        f"{W0}.pubkey: hex must contain only 0-9 and lowercase a-f",
    ),
    (
        "pubkey-odd-length",
        set_w0(pubkey=PK["k1"].hex()[:63]),
        f"{W0}.pubkey: expected 64 hex characters (32 bytes), got 63",
    ),
    (
        "pubkey-sec1-compressed",
        set_w0(pubkey="02" + PK["k1"].hex()),
        f"{W0}.pubkey: expected 64 hex characters (32 bytes), got 66",
    ),
    (
        "pubkey-0x",
        set_w0(pubkey="0x" + PK["k1"].hex()[2:]),
        f"{W0}.pubkey: hex must contain only 0-9 and lowercase a-f",
    ),
    (
        "pubkey-not-on-curve",
        set_w0(pubkey=NOT_ON_CURVE),
        f"{W0}.pubkey: not the x-coordinate of a secp256k1 point",
    ),
    (
        "pubkey-x-ge-p",
        set_w0(pubkey=X_GE_P),
        f"{W0}.pubkey: not the x-coordinate of a secp256k1 point",
    ),
    ("pubkey-int", set_w0(pubkey=5), f"{W0}.pubkey: expected a hex string, got integer"),
    (
        "signature-uppercase",
        lambda d: btc_wallet(d, 0).update(signature=btc_wallet(d, 0)["signature"].upper()),
        f"{W0}.signature: hex must contain only 0-9 and lowercase a-f",
    ),
    (
        "signature-short",
        lambda d: btc_wallet(d, 0).update(signature=btc_wallet(d, 0)["signature"][:127]),
        f"{W0}.signature: expected 128 hex characters (64 bytes), got 127",
    ),
    (
        "signature-long",
        lambda d: btc_wallet(d, 0).update(signature=btc_wallet(d, 0)["signature"] + "00"),
        f"{W0}.signature: expected 128 hex characters (64 bytes), got 130",
    ),
    (
        "unknown-top-key",
        lambda d: d.update(note="x"),
        "(top level): unknown key 'note'",
    ),
    (
        "unknown-asset-key",
        lambda d: d["assets"]["BTC"].update(decimals=8),
        "assets.BTC: unknown key 'decimals'",
    ),
    ("unknown-wallet-key", set_w0(memo="hi"), f"{W0}: unknown key 'memo'"),
    ("missing-round", lambda d: d.pop("round"), "(top level): missing key 'round'"),
    (
        "missing-chain",
        lambda d: d["assets"]["BTC"].pop("chain"),
        "assets.BTC: missing key 'chain'",
    ),
    ("missing-balance", lambda d: btc_wallet(d, 0).pop("balance"), f"{W0}: missing key 'balance'"),
    (
        "asset-lowercase",
        lambda d: d["assets"].update(btc=d["assets"].pop("BTC")),
        "assets.btc: asset symbol must be 1 to 16 characters of A-Z 0-9",
    ),
    (
        "round-bad-characters",
        lambda d: d.update(round="2026/11"),
        "round: round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -",
    ),
    ("round-int", lambda d: d.update(round=202611), "round: expected a string, got integer"),
    ("exchange-empty", lambda d: d.update(exchange=""), "exchange: string of 0 UTF-8 bytes"),
    (
        "exchange-control",
        lambda d: d.update(exchange="Demo\x1b[31m"),
        "exchange: string contains a control character",
    ),
    (
        "address-too-long",
        set_w0(address="a" * 257),
        f"{W0}.address: string of 257 UTF-8 bytes, expected 0 to 256",
    ),
    (
        "no-wallets",
        lambda d: d["assets"]["BTC"].update(wallets=[]),
        "assets.BTC.wallets: array of 0 elements",
    ),
    ("no-assets", lambda d: d.update(assets={}), "assets: 0 assets, expected 1 to 256"),
    (
        "wallet-not-object",
        lambda d: d["assets"]["BTC"]["wallets"].insert(0, "k1"),
        f"{W0}: expected an object, got string",
    ),
    (
        "wallets-object",
        lambda d: d["assets"]["BTC"].update(wallets={"0": btc_wallet(d, 0)}),
        "assets.BTC.wallets: expected an array, got object",
    ),
    (
        "deep-nesting",
        set_w0(address=[[[[[[[[[["x"]]]]]]]]]]),
        "line 1 column",  # the bracket scan refuses it before parsing
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [(c, m) for _, c, m in MALFORMED], ids=[i for i, _, _ in MALFORMED]
)
def test_malformed(change: Callable[[dict[str, Any]], None], message: str) -> None:
    with pytest.raises(FormatError) as info:
        parse(mutated(change))
    assert str(info.value).startswith(f"{SRC}: {message}")


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1
    return data.replace(old, new, 1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda b: _replace_once(
                b, b'"balance": 500000000', b'"balance": 5, "balance": 500000000'
            ),
            f"{W0}: duplicate key 'balance'",
        ),
        (
            lambda b: _replace_once(
                b, b'"round": "2026-11"', b'"round": "2026-10", "round": "2026-11"'
            ),
            "(top level): duplicate key 'round'",
        ),
        (
            lambda b: _replace_once(b, b'"USDT": {', b'"BTC": {"chain": "x"}, "USDT": {'),
            "assets: duplicate key 'BTC'",
        ),
        (
            lambda b: _replace_once(b, b'"balance": 500000000', b'"balance": 5e8'),
            f"{W0}.balance: number 5e8 is not an integer",
        ),
        (
            lambda b: _replace_once(b, b'"balance": 500000000', b'"balance": 500000000.0'),
            f"{W0}.balance: number 500000000.0 is not an integer",
        ),
        (
            lambda b: _replace_once(b, b'"balance": 500000000', b'"balance": -Infinity'),
            f"{W0}.balance: -Infinity is not allowed",
        ),
        (lambda b: b + b"\n{}", "line 2 column 1: invalid JSON: Extra data"),
        (lambda b: b"\xef\xbb\xbf" + b, "line 1 column 1: byte order mark"),
        (lambda b: _replace_once(b, b"addr-k1", b"addr-\xff"), "line 1: not UTF-8"),
        (lambda b: b"[" * 100_000, "line 1 column 9: JSON nested deeper than 8"),
        (lambda b: b"[]", "(top level): expected an object, got array"),
        (
            lambda b: b + b" " * MAX_RESERVES_BYTES,
            "",  # the size message is checked below
        ),
    ],
    ids=[
        "dup-balance",
        "dup-round",
        "dup-asset",
        "exponent",
        "float",
        "minus-infinity",
        "trailing-data",
        "bom",
        "not-utf8",
        "depth-bomb",
        "top-level-array",
        "too-large",
    ],
)
def test_malformed_bytes(edit: Callable[[bytes], bytes], message: str) -> None:
    data = edit(dump(BASE))
    with pytest.raises(FormatError) as info:
        parse_reserves(data, SRC)
    text = str(info.value)
    assert text.startswith(f"{SRC}: {message}")
    if not message:
        assert text == f"{SRC}: {len(data)} bytes, more than the limit of {MAX_RESERVES_BYTES}"


# --- exact texts, field lengths and the file's layout (mutation campaign, session 4) ---------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((EX, RND, "BTC", "c", 1.0, PK["k1"]), "block height must be an integer"),
        (
            (EX, RND, "BTC", "c", 1, PK["k1"][:31]),
            "wallet public key must be 32 bytes (BIP-340 x-only)",
        ),
        (
            (EX, RND, "BTC", "c", 1, PK["k1"].hex()),
            "wallet public key must be 32 bytes (BIP-340 x-only)",
        ),
        (("\ud800", RND, "BTC", "c", 1, PK["k1"]), "exchange is not encodable as UTF-8"),
        ((EX, "\udc00", "BTC", "c", 1, PK["k1"]), "round is not encodable as UTF-8"),
        ((EX, RND, "\ud800", "c", 1, PK["k1"]), "asset is not encodable as UTF-8"),
        ((EX, RND, "BTC", "\ud800", 1, PK["k1"]), "chain is not encodable as UTF-8"),
        ((EX, "r" * 65536, "BTC", "c", 1, PK["k1"]), "round is longer than 65535 UTF-8 bytes"),
        ((EX, RND, "é" * 32768, "c", 1, PK["k1"]), "asset is longer than 65535 UTF-8 bytes"),
        ((EX, RND, "BTC", "c" * 65536, 1, PK["k1"]), "chain is longer than 65535 UTF-8 bytes"),
    ],
)
def test_challenge_parameter_errors_exact(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        reserve_challenge(*args)
    assert str(info.value) == message


def test_challenge_field_of_65535_bytes() -> None:
    """F(s) takes up to 65535 UTF-8 bytes; its length is an unsigned 16-bit prefix."""
    long = "c" * 65535
    body = (
        b"\x00\x02ex"
        + b"\x00\x01r"
        + b"\x00\x03BTC"
        + b"\xff\xff"
        + long.encode()
        + (U64 - 1).to_bytes(8, "big")
        + PK["k1"]
    )
    tag = hashlib.sha256(b"zk-solvency/reserves/v1").digest()
    expected = hashlib.sha256(tag + tag + body).digest()
    assert reserve_challenge("ex", "r", "BTC", long, U64 - 1, bytearray(PK["k1"])) == expected
    mid = "é" * 20000  # 40000 bytes: above 2^15
    body = b"\x00\x02ex\x00\x01r\x00\x01A" + (40000).to_bytes(2, "big") + mid.encode()
    body += (0).to_bytes(8, "big") + PK["k2"]
    assert (
        reserve_challenge("ex", "r", "A", mid, 0, PK["k2"])
        == hashlib.sha256(tag + tag + body).digest()
    )


def test_encode_layout_exact() -> None:
    """Two-space indentation, keys in the documented order, ASCII only (\\u escapes), a final
    newline; an unsigned wallet has no "signature"."""

    def one_unsigned_wallet(d: dict[str, Any]) -> None:
        d["exchange"] = "Börse"
        del d["assets"]["USDT"]
        d["assets"]["BTC"]["wallets"] = [
            {"pubkey": PK["k1"].hex(), "address": "adr-é", "balance": 7}
        ]

    res = parse_reserves(dump(mutated(one_unsigned_wallet)), SRC, unsigned_ok=True)
    want = (
        "{\n"
        '  "exchange": "B\\u00f6rse",\n'
        f'  "round": "{RND}",\n'
        '  "assets": {\n'
        '    "BTC": {\n'
        '      "chain": "bitcoin",\n'
        '      "block_height": 870000,\n'
        '      "wallets": [\n'
        "        {\n"
        f'          "pubkey": "{PK["k1"].hex()}",\n'
        '          "address": "adr-\\u00e9",\n'
        '          "balance": 7\n'
        "        }\n"
        "      ]\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    assert encode_reserves(res) == want.encode("ascii")
    assert parse_reserves(encode_reserves(res), SRC, unsigned_ok=True) == res


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["assets"].update(BTC=[1]), "assets.BTC: expected an object, got array"),
        (
            lambda d: d["assets"]["BTC"].update(chain=""),
            "assets.BTC.chain: string of 0 UTF-8 bytes, expected 1 to 64",
        ),
        (
            lambda d: d["assets"]["BTC"].update(chain="c" * 65),
            "assets.BTC.chain: string of 65 UTF-8 bytes, expected 1 to 64",
        ),
        (
            lambda d: d["assets"]["BTC"].update(chain=1),
            "assets.BTC.chain: expected a string, got integer",
        ),
        (
            lambda d: d["assets"]["BTC"].update(block_height=U64),
            f"assets.BTC.block_height: integer {U64} out of range [0, {U64 - 1}]",
        ),
        (
            lambda d: d["assets"]["BTC"].update(wallets=[]),
            "assets.BTC.wallets: array of 0 elements, expected 1 to 50000",
        ),
        (lambda d: d.update(extra=1), "(top level): unknown key 'extra'"),
        (lambda d: d.pop("assets"), "(top level): missing key 'assets'"),
    ],
)
def test_asset_errors_exact(change: Callable[[dict[str, Any]], None], message: str) -> None:
    with pytest.raises(FormatError) as info:
        parse(mutated(change))
    assert str(info.value) == f"{SRC}: {message}"


def test_shortest_chain_and_parsed_fields() -> None:
    doc = mutated(lambda d: d["assets"]["BTC"].update(chain="x"))
    res = parse_reserves(dump(doc), SRC)
    assert res.assets["BTC"].chain == "x"
    assert [(a.asset, a.chain, a.block_height) for a in res.assets.values()] == [
        ("BTC", "x", 870_000),
        ("USDT", "ethereum", 21_000_000),
    ]
    template = mutated(lambda d: btc_wallet(d, 0).pop("signature"))
    w0 = parse_reserves(dump(template), SRC, unsigned_ok=True).assets["BTC"].wallets[0]
    assert w0.signature == b"" and w0.balance == 500_000_000 and w0.address == "addr-k1"
