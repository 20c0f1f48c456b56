"""Prover-side reserves helpers (format v2, verifier/reserves.py): the message each wallet signs,
signing a template with local keys, and demo reserves.

A *template* is a reserves document whose wallets may lack "signature". `challenges_for` gives,
for every wallet, the exact text to sign (`solvency-prove reserves-challenge`), so keys stay in
the exchange's custody tools (Bitcoin Core `signmessage`, BIP-322 signers, hardware wallets,
`cast wallet sign`). `sign_reserves` fills in signatures from a keys file, for demos and tests
(`solvency-prove sign-reserves --keys`): JSON `{"keys": ["<64 lowercase hex secret key>", ...]}`;
each wallet is signed by the key whose address, in the wallet's scheme and chain, is the
wallet's address (`prover.wallet_signers.address_for`).

Secret keys never appear in errors, logs or reprs.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from circuits.errors import FormatError, ParameterError
from circuits.group import N
from prover.wallet_signers import address_for, sign_wallet
from verifier import jsonstrict as js
from verifier.ownership.bitcoin import decode_address
from verifier.reserves import (
    U128,
    AssetReserves,
    Reserves,
    Wallet,
    encode_reserves,
    parse_reserves,
    verify_reserves,
    wallet_message,
    wallet_path,
)

__all__ = [
    "FORMS",
    "Challenge",
    "challenges_for",
    "demo_reserves",
    "key_index",
    "keys_to_json",
    "load_keys",
    "make_wallet",
    "sign_reserves",
]

MAX_KEYS_BYTES = 4 * 1024 * 1024
MAX_KEYS = 50_000
#: Wallet forms a test key can take: (scheme, address_for's scheme argument).
FORMS = {
    "bip322-p2wpkh": ("bip322-simple", "bip322-simple"),
    "bip322-p2tr": ("bip322-simple", "bip322-p2tr"),
    "btc-signmessage": ("btc-signmessage", "btc-signmessage"),
    "bip340": ("bip340", "bip340"),
    "eip191": ("eip191", "eip191"),
}
#: ERC-20 contracts of the demo's stablecoins on Ethereum mainnet: (contract, decimals).
DEMO_TOKENS = {
    "USDT": ("0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
    "USDC": ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
}
_BTC_FORMS = ("bip322-p2wpkh", "bip322-p2tr", "btc-signmessage", "bip340")


@dataclass(frozen=True)
class Challenge:
    """What one wallet signs: its JSON path, scheme, address and the message text."""

    path: str
    scheme: str
    address: str
    message: str


def _template(template: bytes | Reserves, source: str) -> Reserves:
    if isinstance(template, Reserves):
        return template
    return parse_reserves(template, source, unsigned_ok=True)


def challenges_for(
    template: bytes | Reserves, source: str = "reserves template"
) -> list[Challenge]:
    """Every wallet's message, in file order."""
    res = _template(template, source)
    return [
        Challenge(wallet_path(name, i), w.scheme, w.address, wallet_message(res, name, w))
        for name, a in res.assets.items()
        for i, w in enumerate(a.wallets)
    ]


def load_keys(data: bytes, source: str) -> list[bytes]:
    """Parse a keys file into a list of 32-byte secret keys; errors never show a key."""
    top = js.load_json(data, source=source, max_bytes=MAX_KEYS_BYTES, max_depth=4)
    try:
        obj = js.as_obj(top, "")
        js.expect_keys(obj, ("keys",), (), "")
        items = js.get_list(obj, "keys", "", MAX_KEYS, min_len=1)
        keys: list[bytes] = []
        seen: set[bytes] = set()
        for i, item in enumerate(items):
            here = js.join("keys", i)
            try:
                sk = js.hex_value(item, here, 32)
            except FormatError:
                raise FormatError(
                    f"{here}: secret key must be 64 lowercase hex characters"
                ) from None
            if not 0 < int.from_bytes(sk, "big") < N:
                raise FormatError(f"{here}: secret key must be in [1, n-1]")
            if sk in seen:
                raise FormatError(f"{here}: the same key is listed twice")
            seen.add(sk)
            keys.append(sk)
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return keys


def keys_to_json(keys: Sequence[bytes]) -> bytes:
    """The keys file of `keys` (secret material: write it with mode 0600)."""
    body = ",\n".join(f'    "{sk.hex()}"' for sk in keys)
    return ('{\n  "keys": [\n' + body + "\n  ]\n}\n").encode("ascii")


def make_wallet(sk: bytes, chain: str, form: str, balance: int, fund: str | None = None) -> Wallet:
    """An unsigned wallet of key `sk` on `chain` in one of FORMS."""
    if form not in FORMS:
        raise ParameterError(f"unknown wallet form {form!r}: one of {', '.join(FORMS)}")
    scheme, how = FORMS[form]
    address, pubkey = address_for(sk, chain, how)
    return Wallet(address, scheme, balance, "", pubkey, fund)


def key_index(keys: Sequence[bytes], chain: str, scheme: str) -> dict[str, bytes]:
    """{address: secret key} of every key in every form of `scheme` on `chain`."""
    hows = [h for s, h in FORMS.values() if s == scheme]
    return {address_for(sk, chain, how)[0]: sk for sk in keys for how in hows}


def sign_reserves(
    template: bytes | Reserves,
    keys: Sequence[bytes],
    *,
    rng: random.Random | None = None,
    source: str = "reserves template",
) -> bytes:
    """Sign every wallet of a template whose key is in `keys`.

    A wallet without a key keeps its existing signature; a wallet with neither is a
    ParameterError naming its path. BIP-340 aux randomness comes from `rng` if given
    (reproducible demos), else is zero (deterministic nonces, as BIP-340 allows). Everything
    else is kept; the output round-trips through `parse_reserves`."""
    res = _template(template, source)
    indexes: dict[tuple[str, str], dict[str, bytes]] = {}
    assets: dict[str, AssetReserves] = {}
    for name, a in res.assets.items():
        wallets: list[Wallet] = []
        for i, w in enumerate(a.wallets):
            index = indexes.get((a.chain, w.scheme))
            if index is None:
                index = indexes[(a.chain, w.scheme)] = key_index(keys, a.chain, w.scheme)
            sk = index.get(w.address)
            if sk is None:
                if not w.signature:
                    raise ParameterError(f"{wallet_path(name, i)}: no secret key for this wallet")
                wallets.append(w)
                continue
            addr = None if a.chain == "ethereum" else decode_address(w.address, a.chain)
            aux = rng.randbytes(32) if rng is not None else bytes(32)
            sig = sign_wallet(sk, addr, w.scheme, wallet_message(res, name, w), aux)
            wallets.append(replace(w, signature=sig))
        assets[name] = replace(a, wallets=tuple(wallets))
    return encode_reserves(Reserves(res.exchange, res.round_id, assets))


def _split(total: int, parts: int, unit: int, rng: random.Random) -> list[int]:
    """`parts` non-negative integers summing to `total`, cut at multiples of `unit` if possible."""
    step = unit if total >= unit * parts * 4 else 1
    cuts = sorted(rng.randrange(0, total // step + 1) * step for _ in range(parts - 1))
    bounds = [0, *cuts, total]
    return [bounds[k + 1] - bounds[k] for k in range(parts)]


def _demo_key(rng: random.Random) -> bytes:
    while True:
        d = rng.getrandbits(256)
        if 0 < d < N:
            return d.to_bytes(32, "big")


def demo_block_hash(chain: str, height: int) -> str:
    """A made-up block hash for demos and tests (a real round takes it from the chain)."""
    h = hashlib.sha256(f"zk-solvency demo block {chain} {height}".encode()).hexdigest()
    return "0x" + h if chain == "ethereum" else h


def demo_asset(
    name: str, decimals: int, height: int, wallets: Sequence[Wallet], chain: str | None = None
) -> AssetReserves:
    """Where a demo asset lives: BTC on bitcoin, ETH as ether, others as ERC-20 tokens (the
    real contracts of USDT and USDC, a made-up contract for other symbols)."""
    if chain is None:
        chain = "bitcoin" if name == "BTC" else "ethereum"
    block_hash = demo_block_hash(chain, height)
    if chain != "ethereum":
        return AssetReserves(name, chain, height, block_hash, 8, tuple(wallets))
    if name == "ETH":
        return AssetReserves(name, chain, height, block_hash, 18, tuple(wallets), 1, None)
    from verifier.ownership.ethereum import checksum_address

    token, chain_decimals = DEMO_TOKENS.get(
        name, (checksum_address(hashlib.sha256(name.encode()).digest()[:20]), decimals)
    )
    return AssetReserves(name, chain, height, block_hash, chain_decimals, tuple(wallets), 1, token)


def demo_reserves(
    exchange: str,
    round_id: str,
    totals: Mapping[str, int],
    decimals: Mapping[str, int],
    rng: random.Random,
    *,
    block_heights: Mapping[str, int] | None = None,
    funds: Mapping[str, tuple[str, int]] | None = None,
) -> tuple[bytes, list[bytes]]:
    """A signed reserves document for a demo round, and its keys.

    Each asset gets wallets with fresh keys from `rng`, their balances summing to totals[asset]
    (split at whole units where the total allows): BTC four, one per bitcoin form (BIP-322 P2WPKH
    and P2TR, signmessage P2PKH, BIP-340 Taproot key); other assets 1 to 4 on ethereum (EIP-191). `funds` adds, per asset, one wallet of a fund kept apart
    ({asset: (kind, balance)}). The document is verified before it is returned."""
    keys: list[bytes] = []
    assets: dict[str, AssetReserves] = {}
    for name, total in totals.items():
        if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total < U128:
            raise ParameterError(f"demo reserves total for {name} must be in [0, 2^128)")
        chain = "bitcoin" if name == "BTC" else "ethereum"
        forms = _BTC_FORMS if chain == "bitcoin" else ("eip191",)
        # bitcoin: one wallet per form, so every bitcoin scheme is shown
        parts = (len(forms) if chain == "bitcoin" else rng.randint(1, 4)) if total > 0 else 1
        balances = _split(total, parts, 10 ** decimals.get(name, 0), rng)
        wallets: list[Wallet] = []
        for k, balance in enumerate(balances):
            sk = _demo_key(rng)
            keys.append(sk)
            wallets.append(make_wallet(sk, chain, forms[k % len(forms)], balance))
        if funds and name in funds:
            kind, balance = funds[name]
            sk = _demo_key(rng)
            keys.append(sk)
            wallets.append(make_wallet(sk, chain, forms[-1], balance, kind))
        height = (block_heights or {}).get(name, rng.randrange(800_000, 900_000))
        assets[name] = demo_asset(name, decimals.get(name, 0), height, wallets, chain)
    signed = sign_reserves(Reserves(exchange, round_id, assets), keys, rng=rng)
    got = verify_reserves(
        parse_reserves(signed, "demo reserves"), exchange=exchange, round_id=round_id
    )
    if got.covered != dict(totals):
        raise ParameterError("demo reserves do not add up to the requested totals")
    return signed, keys
