"""Reserves v2 (docs/PROTOCOL.md 9.1-9.2): wallets proven in each chain's own signature form, the
address derived from what was signed, and funds kept apart from customer coverage.

Format (JSON, decoded by `verifier.jsonstrict`: unknown keys, duplicate keys, floats refused)::

    {"format": "zk-solvency/reserves/v2", "exchange": NAME, "round": ROUND,
     "assets": {SYMBOL: {"chain": CHAIN, ["chain_id": INT,] "block_height": INT,
                         "block_hash": HASH, ["token": ADDRESS | null,] "chain_decimals": INT,
                         "wallets": [{"address": STR, "scheme": SCHEME, ["pubkey": 64 hex,]
                                      "balance": INT, "signature": STR,
                                      ["fund": "insurance" | "protection"]}, ...]}, ...}}

- CHAIN: `bitcoin`, `bitcoin-testnet`, `bitcoin-regtest` or `ethereum`. `chain_id` and `token`
  are required for ethereum (chain id in [1, 2^64); token: the ERC-20 contract in EIP-55 form, or
  null for ether) and refused for bitcoin.
- HASH: the block at `block_height`; bitcoin: 64 lowercase hex digits in display order;
  ethereum: "0x" + 64 lowercase hex digits.
- `chain_decimals`: decimals of the chain's unit: 8 on bitcoin (satoshi), 18 for ether, the
  token's own `decimals()` for an ERC-20 (0..255).
- `balance`: the claim, in the ASSET's base units (the statement's decimals), in [0, 2^128).
- SCHEME, address and signature forms: `verifier.ownership.verify`. `pubkey` only with bip340.
- `fund`: the wallet holds a fund kept apart (an insurance or user-protection fund): listed,
  verified, totalled separately, and never counted as customer coverage.

Every wallet signs the text of `verifier.ownership.message.reserve_message` (exchange, round,
asset, chain, block height and hash, its own address) in its scheme's form.

Errors name the JSON path, e.g. `assets.BTC.wallets[2].address`: `FormatError` for a malformed
file (including malformed addresses and signatures, another chain's address type, a mixed-case
EIP-55 spelling that does not match); `VerificationError` for a well-formed file that does not
verify (checks `reserves-exchange`, `reserves-round`, `reserves-duplicate-wallet`,
`reserves-signature`, `reserves-address`). Totals are below 2^144 (at most 50,000 wallets, each
below 2^128); the solvency section bounds what it accepts (verifier/solvency.py).

This module is part of the verifier: it imports nothing from `prover/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from circuits import bip340
from circuits.errors import FormatError, VerificationError
from verifier import jsonstrict as js
from verifier.ids import validate_asset_symbol, validate_round_id
from verifier.ownership.message import reserve_message
from verifier.ownership.verify import CHAINS, SCHEMES, check_wallet_form, verify_ownership

__all__ = [
    "FUNDS",
    "MAX_RESERVES_BYTES",
    "RESERVES_FORMAT",
    "U128",
    "AssetReserves",
    "Reserves",
    "ReservesTotals",
    "Wallet",
    "check_exchange_and_round",
    "encode_reserves",
    "parse_header",
    "parse_reserves",
    "reserves_to_json",
    "verify_reserves",
    "wallet_message",
    "wallet_path",
]

RESERVES_FORMAT = "zk-solvency/reserves/v2"
#: The kinds of fund a wallet may be marked as (kept apart from customer coverage).
FUNDS = ("insurance", "protection")
MAX_RESERVES_BYTES = 16 * 1024 * 1024
MAX_ASSETS = 256
MAX_WALLETS_PER_ASSET = 50_000
MAX_EXCHANGE_BYTES = 128
MAX_ADDRESS_BYTES = 128
MAX_SIGNATURE_CHARS = 12_000
MAX_CHAIN_DECIMALS = 255
#: Bitcoin's unit is the satoshi.
BITCOIN_DECIMALS = 8
ETHER_DECIMALS = 18
U64 = 1 << 64
#: Balances and each asset's totals are below this bound.
U128 = 1 << 128

_TOP_KEYS = ("format", "exchange", "round", "assets")
_BTC_ASSET_KEYS = ("chain", "block_height", "block_hash", "chain_decimals", "wallets")
_ETH_ASSET_KEYS = (
    "chain",
    "chain_id",
    "block_height",
    "block_hash",
    "token",
    "chain_decimals",
    "wallets",
)
_WALLET_KEYS = ("address", "scheme", "balance")
_WALLET_OPTIONAL = ("pubkey", "signature", "fund")


@dataclass(frozen=True)
class Wallet:
    """One wallet as listed. `signature` is the text of the file ("" only in an unsigned template,
    `parse_reserves(..., unsigned_ok=True)`); `pubkey` is the x-only key (scheme bip340 only);
    `fund` is None for customer coverage, else "insurance" or "protection"."""

    address: str
    scheme: str
    balance: int
    signature: str = ""
    pubkey: bytes | None = None
    fund: str | None = None


@dataclass(frozen=True)
class AssetReserves:
    """The wallets holding one asset on one chain, at one block. `chain_id` and `token` are set
    for ethereum only (`token` None: ether)."""

    asset: str
    chain: str
    block_height: int
    block_hash: str
    chain_decimals: int
    wallets: tuple[Wallet, ...]
    chain_id: int | None = None
    token: str | None = None


@dataclass(frozen=True)
class Reserves:
    """A reserves v2 document: the exchange, the round, the assets in file order."""

    exchange: str
    round_id: str
    assets: dict[str, AssetReserves]


@dataclass(frozen=True)
class ReservesTotals:
    """What `verify_reserves` returns, per asset in file order: `covered` sums the wallets without
    a fund (the only reserves that count towards customer coverage); `funds[asset][kind]` sums the
    wallets of each fund kind present (absent when the asset has none)."""

    covered: dict[str, int]
    funds: dict[str, dict[str, int]] = field(default_factory=dict)


def wallet_path(asset: str, index: int) -> str:
    """The JSON path of a wallet, e.g. `assets.BTC.wallets[2]`."""
    return js.join(js.join(js.join("assets", asset), "wallets"), index)


def wallet_message(res: Reserves, asset: str, wallet: Wallet) -> str:
    """The text this wallet signs (docs/PROTOCOL.md 9.2)."""
    a = res.assets[asset]
    return reserve_message(
        exchange=res.exchange,
        round_id=res.round_id,
        asset=asset,
        chain=a.chain,
        block_height=a.block_height,
        block_hash=a.block_hash,
        address=wallet.address,
        chain_id=a.chain_id,
        token=a.token,
    )


def parse_header(obj: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(exchange, round, assets object) of a reserves document, v1 or v2 (same rules)."""
    exchange = js.get_str(obj, "exchange", "", MAX_EXCHANGE_BYTES, min_len=1)
    round_str = js.get_str(obj, "round", "", 64, min_len=1)
    try:
        round_id = validate_round_id(round_str)
    except FormatError as exc:
        raise FormatError(f"round: {exc}") from None
    assets_obj = js.get_obj(obj, "assets", "")
    if not 1 <= len(assets_obj) <= MAX_ASSETS:
        raise FormatError(f"assets: {len(assets_obj)} assets, expected 1 to {MAX_ASSETS}")
    return exchange, round_id, assets_obj


def check_exchange_and_round(
    res_exchange: str, res_round: str, exchange: str, round_id: str
) -> None:
    """VerificationError (`reserves-exchange`, `reserves-round`) unless the reserves are for this
    exchange and round."""
    if res_exchange != exchange:
        raise VerificationError(
            f"exchange: reserves are for exchange {res_exchange!r}, expected {exchange!r}",
            check="reserves-exchange",
        )
    if res_round != round_id:
        raise VerificationError(
            f"round: reserves are for round {res_round!r}, expected {round_id!r}",
            check="reserves-round",
        )


# --- decoding --------------------------------------------------------------------------------


def _block_hash(a: dict[str, Any], path: str, chain: str) -> str:
    text = js.get_str(a, "block_hash", path, 66, min_len=1)
    body = text[2:] if chain == "ethereum" and text.startswith("0x") else text
    prefix_ok = chain != "ethereum" or text.startswith("0x")
    if not prefix_ok or len(body) != 64 or not all(c in "0123456789abcdef" for c in body):
        want = "0x + 64 lowercase hex digits" if chain == "ethereum" else "64 lowercase hex digits"
        raise FormatError(f"{js.join(path, 'block_hash')}: expected {want}")
    return text


def _parse_wallet(value: object, path: str, chain: str, unsigned_ok: bool) -> Wallet:
    w = js.as_obj(value, path)
    js.expect_keys(w, _WALLET_KEYS, _WALLET_OPTIONAL, path)
    address = js.get_str(w, "address", path, MAX_ADDRESS_BYTES, min_len=1)
    scheme = js.get_str(w, "scheme", path, 32, min_len=1)
    if scheme not in SCHEMES:
        raise FormatError(
            f"{js.join(path, 'scheme')}: {scheme!r} is not one of {', '.join(SCHEMES)}"
        )
    pubkey = None
    if "pubkey" in w:
        pubkey = js.get_hex(w, "pubkey", path, bip340.PUBKEY_BYTES)
        if bip340.lift_x(int.from_bytes(pubkey, "big"), "python") is None:
            raise FormatError(
                f"{js.join(path, 'pubkey')}: not the x-coordinate of a secp256k1 point"
            )
    balance = js.get_int(w, "balance", path, 0, U128 - 1)
    signature: str | None = None
    if "signature" in w:
        signature = js.get_str(w, "signature", path, MAX_SIGNATURE_CHARS, min_len=1)
    elif not unsigned_ok:
        raise FormatError(f"{path}: missing key 'signature'")
    fund = None
    if "fund" in w:
        fund = js.get_str(w, "fund", path, 16, min_len=1)
        if fund not in FUNDS:
            raise FormatError(f"{js.join(path, 'fund')}: {fund!r} is not one of {', '.join(FUNDS)}")
    try:
        check_wallet_form(chain, scheme, address, signature, pubkey)
    except FormatError as exc:
        raise FormatError(f"{path}.{exc}") from None
    return Wallet(address, scheme, balance, signature or "", pubkey, fund)


def _parse_asset(name: str, value: object, path: str, unsigned_ok: bool) -> AssetReserves:
    try:
        validate_asset_symbol(name)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    a = js.as_obj(value, path)
    chain = js.get_str(a, "chain", path, 32, min_len=1)
    if chain not in CHAINS:
        raise FormatError(f"{js.join(path, 'chain')}: {chain!r} is not one of {', '.join(CHAINS)}")
    is_eth = chain == "ethereum"
    js.expect_keys(a, _ETH_ASSET_KEYS if is_eth else _BTC_ASSET_KEYS, (), path)
    height = js.get_int(a, "block_height", path, 0, U64 - 1)
    block_hash = _block_hash(a, path, chain)
    decimals = js.get_int(a, "chain_decimals", path, 0, MAX_CHAIN_DECIMALS)
    chain_id = token = None
    if is_eth:
        chain_id = js.get_int(a, "chain_id", path, 1, U64 - 1)
        if a["token"] is not None:
            from verifier.ownership.ethereum import parse_address

            token = js.get_str(a, "token", path, 42, min_len=1)
            try:
                parse_address(token)
            except FormatError as exc:
                raise FormatError(f"{js.join(path, 'token')}: {exc}") from None
        elif decimals != ETHER_DECIMALS:
            raise FormatError(
                f"{js.join(path, 'chain_decimals')}: ether has {ETHER_DECIMALS} decimals, not {decimals}"
            )
    elif decimals != BITCOIN_DECIMALS:
        raise FormatError(
            f"{js.join(path, 'chain_decimals')}: bitcoin has {BITCOIN_DECIMALS} decimals, not {decimals}"
        )
    items = js.get_list(a, "wallets", path, MAX_WALLETS_PER_ASSET, min_len=1)
    wallets_path = js.join(path, "wallets")
    wallets = tuple(
        _parse_wallet(item, js.join(wallets_path, i), chain, unsigned_ok)
        for i, item in enumerate(items)
    )
    return AssetReserves(name, chain, height, block_hash, decimals, wallets, chain_id, token)


def parse_reserves(data: bytes, source: str, *, unsigned_ok: bool = False) -> Reserves:
    """Decode a reserves v2 document strictly; FormatError "<source>: <JSON path>: <reason>".

    `unsigned_ok=True` accepts wallets without "signature" (templates to be signed); such a
    document never passes `verify_reserves`."""
    top = js.load_json(data, source=source, max_bytes=MAX_RESERVES_BYTES, max_depth=8)
    try:
        obj = js.as_obj(top, "")
        if "format" not in obj and "assets" in obj:
            raise FormatError(
                f"missing key 'format': a v1 reserves file? v2 statements need format {RESERVES_FORMAT!r}"
            )
        js.expect_keys(obj, _TOP_KEYS, (), "")
        fmt = js.get_str(obj, "format", "", 64, min_len=1)
        if fmt != RESERVES_FORMAT:
            raise FormatError(f"format: expected {RESERVES_FORMAT!r}, got {fmt!r}")
        exchange, round_id, assets_obj = parse_header(obj)
        assets = {
            name: _parse_asset(name, value, js.join("assets", name), unsigned_ok)
            for name, value in assets_obj.items()
        }
        for name in assets:
            # The message must be writable (no line breaks in the exchange name).
            wallet_message(Reserves(exchange, round_id, assets), name, assets[name].wallets[0])
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return Reserves(exchange, round_id, assets)


def reserves_to_json(res: Reserves) -> dict[str, Any]:
    """The document of `res`, keys in the documented order; unsigned wallets omit "signature"."""
    assets: dict[str, Any] = {}
    for name, a in res.assets.items():
        wallets: list[dict[str, Any]] = []
        for w in a.wallets:
            entry: dict[str, Any] = {"address": w.address, "scheme": w.scheme}
            if w.pubkey is not None:
                entry["pubkey"] = w.pubkey.hex()
            entry["balance"] = w.balance
            if w.signature:
                entry["signature"] = w.signature
            if w.fund is not None:
                entry["fund"] = w.fund
            wallets.append(entry)
        doc: dict[str, Any] = {"chain": a.chain}
        if a.chain_id is not None:
            doc["chain_id"] = a.chain_id
        doc["block_height"] = a.block_height
        doc["block_hash"] = a.block_hash
        if a.chain == "ethereum":
            doc["token"] = a.token
        doc["chain_decimals"] = a.chain_decimals
        doc["wallets"] = wallets
        assets[name] = doc
    return {
        "format": RESERVES_FORMAT,
        "exchange": res.exchange,
        "round": res.round_id,
        "assets": assets,
    }


def encode_reserves(res: Reserves) -> bytes:
    """The reserves file of `res`: two-space indentation, UTF-8, a final newline."""
    return (json.dumps(reserves_to_json(res), indent=2, ensure_ascii=False) + "\n").encode()


# --- verification ----------------------------------------------------------------------------


def verify_reserves(
    res: Reserves, *, exchange: str, round_id: str, backend: str | None = None
) -> ReservesTotals:
    """Check every wallet of `res`; return the covered and fund totals per asset (file order).

    Raises VerificationError naming the JSON path: an exchange or round other than expected
    (`reserves-exchange`, `reserves-round`), an address listed twice within one asset
    (`reserves-duplicate-wallet`), a missing or invalid signature or one by another key
    (`reserves-signature`), a valid signature whose key is not the address's (`reserves-address`).
    Totals are exact (below 2^144: at most 50,000 wallets below 2^128)."""
    check_exchange_and_round(res.exchange, res.round_id, exchange, round_id)
    covered: dict[str, int] = {}
    funds: dict[str, dict[str, int]] = {}
    for name, a in res.assets.items():
        seen: dict[str, int] = {}
        total = 0
        kept: dict[str, int] = {}
        for i, w in enumerate(a.wallets):
            path = wallet_path(name, i)
            # Addresses are parsed in their one accepted spelling: equal wallets have equal text.
            first = seen.setdefault(w.address, i)
            if first != i:
                raise VerificationError(
                    f"{path}: address listed twice in asset {name} "
                    f"(first at {wallet_path(name, first)})",
                    check="reserves-duplicate-wallet",
                )
            if not w.signature:
                raise VerificationError(f"{path}: wallet is not signed", check="reserves-signature")
            try:
                verify_ownership(
                    a.chain,
                    w.scheme,
                    w.address,
                    wallet_message(res, name, w),
                    w.signature,
                    w.pubkey,
                    backend,
                )
            except VerificationError as exc:
                raise VerificationError(f"{path}: {exc}", check=exc.check) from None
            except FormatError as exc:
                raise FormatError(f"{path}: {exc}") from None
            if w.fund is None:
                total += w.balance
            else:
                kept[w.fund] = kept.get(w.fund, 0) + w.balance
        covered[name] = total
        if kept:
            funds[name] = kept
    return ReservesTotals(covered, funds)
