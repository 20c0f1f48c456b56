"""Reserves format v1 (kept for v1 statements): the reserves file, the BIP-340 challenge, verification.

Format (JSON, decoded by `verifier.jsonstrict`; unknown keys and duplicate keys are refused)::

    {"exchange": NAME, "round": ROUND,
     "assets": {ASSET: {"chain": CHAIN, "block_height": H,
                        "wallets": [{"pubkey": 64 hex, "address": STR,
                                     "balance": INT, "signature": 128 hex}, ...]}, ...}}

- NAME: 1..128 UTF-8 bytes, no control characters. ROUND: a round id (`verifier.ids`).
  ASSET: an asset symbol (`verifier.ids`). CHAIN: 1..64 UTF-8 bytes, no control characters.
- H: integer, 0 <= H < 2^64. balance: integer base units, 0 <= balance < 2^64 (JSON integers only:
  no floats, no exponents, no strings, no booleans).
- pubkey: the 32-byte BIP-340 x-only key, lowercase hex, the x-coordinate of a curve point.
  signature: the 64-byte BIP-340 signature, lowercase hex. Hex is canonical: lowercase only.
- address: an informational string (0..256 bytes). Neither the address nor the balance is signed:
  the signature proves control of the key for this exchange, round, asset, chain and block height;
  the balance at that height is a claim to be checked against the chain.

Each wallet key signs (BIP-340) the 32-byte challenge

    TaggedHash("zk-solvency/reserves/v1", F(exchange) || F(round) || F(asset) || F(chain)
               || uint64_be(block_height) || pubkey32),    F(s) = u16_be(len(utf8(s))) || utf8(s)

so a signature cannot be replayed for another exchange, round, asset, chain, height or key.

One key may appear under several assets (each asset is signed separately: the asset is in the
challenge), but at most once within an asset. The total of each asset is below 2^64.

Errors name the JSON path, e.g. `assets.BTC.wallets[2].balance`:
`FormatError` for a malformed file; `VerificationError` (checks `reserves-exchange`,
`reserves-round`, `reserves-duplicate-wallet`, `reserves-signature`) for a well-formed file that
does not verify; `ParameterError` for an asset total of 2^64 or more.

This module is part of the verifier: it imports nothing from `prover/`.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from circuits import bip340
from circuits.errors import FormatError, ParameterError, VerificationError
from verifier import jsonstrict as js
from verifier.ids import validate_asset_symbol
from verifier.reserves import (
    MAX_RESERVES_BYTES,
    MAX_WALLETS_PER_ASSET,
    check_exchange_and_round,
    parse_header,
    wallet_path,
)

__all__ = [
    "CHALLENGE_TAG",
    "MAX_RESERVES_BYTES",
    "AssetReserves",
    "Reserves",
    "Wallet",
    "encode_reserves",
    "parse_reserves",
    "reserve_challenge",
    "verify_reserves",
    "wallet_path",
]

#: BIP-340 tag of the reserve challenge.
CHALLENGE_TAG = "zk-solvency/reserves/v1"
MAX_CHAIN_BYTES = 64
MAX_ADDRESS_BYTES = 256
#: Balances, block heights and each asset's total are below this bound.
U64 = 1 << 64

_TOP_KEYS = ("exchange", "round", "assets")
_ASSET_KEYS = ("chain", "block_height", "wallets")
_WALLET_KEYS = ("pubkey", "address", "balance", "signature")


@dataclass(frozen=True)
class Wallet:
    """One wallet: x-only key, informational address, claimed balance, BIP-340 signature.

    `signature` is empty only in an unsigned template (`parse_reserves(..., unsigned_ok=True)`).
    """

    pubkey: bytes
    address: str
    balance: int
    signature: bytes


@dataclass(frozen=True)
class AssetReserves:
    """The wallets holding one asset on one chain, at one block height."""

    asset: str
    chain: str
    block_height: int
    wallets: tuple[Wallet, ...]


@dataclass(frozen=True)
class Reserves:
    """A reserves file: the exchange, the round, the assets in file order."""

    exchange: str
    round_id: str
    assets: dict[str, AssetReserves]


# --- the challenge ---------------------------------------------------------------------------


def _field(name: str, s: str) -> bytes:
    """F(s) = u16_be(len(utf8(s))) || utf8(s)."""
    try:
        raw = s.encode("utf-8")
    except UnicodeEncodeError:
        raise ParameterError(f"{name} is not encodable as UTF-8") from None
    if len(raw) > 0xFFFF:
        raise ParameterError(f"{name} is longer than 65535 UTF-8 bytes")
    return struct.pack(">H", len(raw)) + raw


def reserve_challenge(
    exchange: str, round_id: str, asset: str, chain: str, block_height: int, pubkey32: bytes
) -> bytes:
    """The 32-byte message a wallet key signs (formula in the module docstring)."""
    if isinstance(block_height, bool) or not isinstance(block_height, int):
        raise ParameterError("block height must be an integer")
    if not 0 <= block_height < U64:
        raise ParameterError("block height must be in [0, 2^64)")
    if not isinstance(pubkey32, bytes | bytearray) or len(pubkey32) != bip340.PUBKEY_BYTES:
        raise ParameterError("wallet public key must be 32 bytes (BIP-340 x-only)")
    msg = (
        _field("exchange", exchange)
        + _field("round", round_id)
        + _field("asset", asset)
        + _field("chain", chain)
        + struct.pack(">Q", block_height)
        + bytes(pubkey32)
    )
    return bip340.tagged_hash(CHALLENGE_TAG, msg)


# --- decoding --------------------------------------------------------------------------------


def _parse_wallet(value: object, path: str, unsigned_ok: bool) -> Wallet:
    w = js.as_obj(value, path)
    js.expect_keys(w, _WALLET_KEYS[:3], _WALLET_KEYS[3:], path)
    pubkey = js.get_hex(w, "pubkey", path, bip340.PUBKEY_BYTES)
    if bip340.lift_x(int.from_bytes(pubkey, "big"), "python") is None:
        raise FormatError(f"{js.join(path, 'pubkey')}: not the x-coordinate of a secp256k1 point")
    address = js.get_str(w, "address", path, MAX_ADDRESS_BYTES)
    balance = js.get_int(w, "balance", path, 0, U64 - 1)
    if "signature" in w:
        signature = js.get_hex(w, "signature", path, bip340.SIG_BYTES)
    elif unsigned_ok:
        signature = b""
    else:
        raise FormatError(f"{path}: missing key 'signature'")
    return Wallet(pubkey=pubkey, address=address, balance=balance, signature=signature)


def _parse_asset(name: str, value: object, path: str, unsigned_ok: bool) -> AssetReserves:
    try:
        validate_asset_symbol(name)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    a = js.as_obj(value, path)
    js.expect_keys(a, _ASSET_KEYS, (), path)
    chain = js.get_str(a, "chain", path, MAX_CHAIN_BYTES, min_len=1)
    height = js.get_int(a, "block_height", path, 0, U64 - 1)
    items = js.get_list(a, "wallets", path, MAX_WALLETS_PER_ASSET, min_len=1)
    wallets_path = js.join(path, "wallets")
    wallets = tuple(
        _parse_wallet(item, js.join(wallets_path, i), unsigned_ok) for i, item in enumerate(items)
    )
    return AssetReserves(asset=name, chain=chain, block_height=height, wallets=wallets)


def parse_reserves(data: bytes, source: str, *, unsigned_ok: bool = False) -> Reserves:
    """Decode a reserves file strictly; FormatError "<source>: <JSON path>: <reason>".

    `unsigned_ok=True` accepts wallets without "signature" (the prover's templates); such a file
    never passes `verify_reserves`.
    """
    top = js.load_json(data, source=source, max_bytes=MAX_RESERVES_BYTES, max_depth=8)
    try:
        obj = js.as_obj(top, "")
        js.expect_keys(obj, _TOP_KEYS, (), "")
        exchange, round_id, assets_obj = parse_header(obj)
        assets = {
            name: _parse_asset(name, value, js.join("assets", name), unsigned_ok)
            for name, value in assets_obj.items()
        }
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return Reserves(exchange=exchange, round_id=round_id, assets=assets)


def encode_reserves(res: Reserves) -> bytes:
    """The reserves file of `res`: keys in the documented order, assets and wallets in order,
    two-space indentation, ASCII only, a final newline. Unsigned wallets omit "signature"."""
    assets: dict[str, Any] = {}
    for name, a in res.assets.items():
        wallets: list[dict[str, Any]] = []
        for w in a.wallets:
            entry: dict[str, Any] = {
                "pubkey": w.pubkey.hex(),
                "address": w.address,
                "balance": w.balance,
            }
            if w.signature:
                entry["signature"] = w.signature.hex()
            wallets.append(entry)
        assets[name] = {"chain": a.chain, "block_height": a.block_height, "wallets": wallets}
    doc = {"exchange": res.exchange, "round": res.round_id, "assets": assets}
    return (json.dumps(doc, indent=2, ensure_ascii=True) + "\n").encode("ascii")


# --- verification ----------------------------------------------------------------------------


def verify_reserves(
    res: Reserves, *, exchange: str, round_id: str, backend: str | None = None
) -> dict[str, int]:
    """Check every wallet of `res` and return the total balance per asset (file order).

    Raises VerificationError naming the JSON path for: an exchange or round other than expected
    (checks `reserves-exchange`, `reserves-round`), a key listed twice within one asset
    (`reserves-duplicate-wallet`), a missing or invalid signature (`reserves-signature`); and
    ParameterError for an asset total of 2^64 or more.
    """
    check_exchange_and_round(res.exchange, res.round_id, exchange, round_id)
    totals: dict[str, int] = {}
    for name, a in res.assets.items():
        seen: dict[bytes, int] = {}
        total = 0
        for i, w in enumerate(a.wallets):
            path = wallet_path(name, i)
            first = seen.setdefault(w.pubkey, i)
            if first != i:
                raise VerificationError(
                    f"{path}: wallet key listed twice in asset {name} "
                    f"(first at {wallet_path(name, first)})",
                    check="reserves-duplicate-wallet",
                )
            if len(w.signature) != bip340.SIG_BYTES:
                raise VerificationError(f"{path}: wallet is not signed", check="reserves-signature")
            msg = reserve_challenge(
                res.exchange, res.round_id, name, a.chain, a.block_height, w.pubkey
            )
            try:
                bip340.verify(w.pubkey, msg, w.signature, backend)
            except (VerificationError, FormatError):
                raise VerificationError(
                    f"{path}: signature does not verify for this key, exchange, round, asset "
                    f"{name}, chain and block height {a.block_height}",
                    check="reserves-signature",
                ) from None
            total += w.balance
        if total >= U64:
            raise ParameterError(f"{js.join('assets', name)}: total reserves {total} >= 2^64")
        totals[name] = total
    return totals
