"""Prover-side reserves helpers: the challenges to sign, signing a template, demo reserves.

A *template* is a reserves file (format in `verifier.reserves_v1`) whose wallets may lack
"signature". `challenges_for` lists what each wallet key must sign (for
`solvency-prove reserves-challenge`), so keys can stay in a hardware wallet or any BIP-340 signer;
`sign_reserves` fills in the signatures from a keys file (`solvency-prove sign-reserves --keys`),
for demos and tests. Keys file: JSON `{"keys": ["<64 lowercase hex secret key>", ...]}`.

Secret keys never appear in errors, logs or reprs.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping

from circuits import bip340
from circuits.errors import FormatError, ParameterError
from circuits.group import N
from verifier import jsonstrict as js
from verifier.reserves_v1 import (
    U64,
    AssetReserves,
    Reserves,
    Wallet,
    encode_reserves,
    parse_reserves,
    reserve_challenge,
    verify_reserves,
    wallet_path,
)

__all__ = [
    "challenges_for",
    "demo_reserves",
    "keys_to_json",
    "load_keys",
    "sign_reserves",
]

MAX_KEYS_BYTES = 4 * 1024 * 1024
MAX_KEYS = 50_000

# Chain names used by the demo for well-known assets; others get "<asset>-chain".
_DEMO_CHAINS = {"BTC": "bitcoin", "ETH": "ethereum", "USDT": "ethereum", "USDC": "ethereum"}


def _template(template: bytes | Reserves, source: str) -> Reserves:
    if isinstance(template, Reserves):
        return template
    return parse_reserves(template, source, unsigned_ok=True)


def challenges_for(
    template: bytes | Reserves, source: str = "reserves template"
) -> list[tuple[str, str]]:
    """(JSON path of the wallet, challenge hex) for every wallet, in file order.

    The wallet at that path (its "pubkey") signs the 32-byte challenge with BIP-340.
    """
    res = _template(template, source)
    out: list[tuple[str, str]] = []
    for name, a in res.assets.items():
        for i, w in enumerate(a.wallets):
            msg = reserve_challenge(
                res.exchange, res.round_id, name, a.chain, a.block_height, w.pubkey
            )
            out.append((wallet_path(name, i), msg.hex()))
    return out


def load_keys(data: bytes, source: str) -> dict[str, bytes]:
    """Parse a keys file into {x-only pubkey hex: secret key}; errors never show a key."""
    top = js.load_json(data, source=source, max_bytes=MAX_KEYS_BYTES, max_depth=4)
    try:
        obj = js.as_obj(top, "")
        js.expect_keys(obj, ("keys",), (), "")
        items = js.get_list(obj, "keys", "", MAX_KEYS, min_len=1)
        keys: dict[str, bytes] = {}
        for i, _ in enumerate(items):
            here = js.join("keys", i)
            holder = {"key": items[i]}
            try:
                sk = js.get_hex(holder, "key", here, bip340.SECKEY_BYTES)
            except FormatError:
                raise FormatError(
                    f"{here}: secret key must be 64 lowercase hex characters"
                ) from None
            try:
                pk = bip340.xonly_pubkey(sk).hex()
            except FormatError as exc:
                raise FormatError(f"{here}: {exc}") from None
            if pk in keys:
                raise FormatError(f"{here}: the same key is listed twice")
            keys[pk] = sk
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return keys


def keys_to_json(keys: Mapping[str, bytes]) -> bytes:
    """The keys file of `keys` (secret material: write it with mode 0600)."""
    body = ",\n".join(f'    "{sk.hex()}"' for sk in keys.values())
    return ('{\n  "keys": [\n' + body + "\n  ]\n}\n").encode("ascii")


def sign_reserves(
    template_bytes: bytes | Reserves,
    keys: Mapping[str, bytes],
    *,
    rng: random.Random | None = None,
    source: str = "reserves template",
    backend: str | None = None,
) -> bytes:
    """Sign every wallet of a template whose key is in `keys` ({pubkey hex: secret key}).

    A wallet without a key keeps its existing signature; a wallet with neither is a
    ParameterError naming its path. aux_rand comes from `rng` if given (reproducible demos),
    else from the OS. Wallet order and every other field are kept; the output is
    `encode_reserves` of the result, so it round-trips through `parse_reserves`.
    """
    res = _template(template_bytes, source)
    assets: dict[str, AssetReserves] = {}
    for name, a in res.assets.items():
        wallets: list[Wallet] = []
        for i, w in enumerate(a.wallets):
            sk = keys.get(w.pubkey.hex())
            if sk is None:
                if not w.signature:
                    raise ParameterError(f"{wallet_path(name, i)}: no secret key for this wallet")
                wallets.append(w)
                continue
            msg = reserve_challenge(
                res.exchange, res.round_id, name, a.chain, a.block_height, w.pubkey
            )
            aux = rng.randbytes(32) if rng is not None else secrets.token_bytes(32)
            sig = bip340.sign(sk, msg, aux, backend)
            wallets.append(Wallet(w.pubkey, w.address, w.balance, sig))
        assets[name] = AssetReserves(name, a.chain, a.block_height, tuple(wallets))
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


def demo_reserves(
    exchange: str,
    round_id: str,
    totals: Mapping[str, int],
    decimals: Mapping[str, int],
    rng: random.Random,
    *,
    block_heights: Mapping[str, int] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """A signed reserves file for a demo round, and its keys {pubkey hex: secret key}.

    Each asset gets 1 to 3 wallets with fresh keys from `rng`; their balances sum to
    totals[asset] (split at whole units of 10^decimals[asset] where the total allows).
    The file is verified before it is returned.
    """
    keys: dict[str, bytes] = {}
    assets: dict[str, AssetReserves] = {}
    for name, total in totals.items():
        if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total < U64:
            raise ParameterError(f"demo reserves total for {name} must be in [0, 2^64)")
        parts = rng.randint(1, 3) if total > 0 else 1
        unit = 10 ** decimals.get(name, 0)
        balances = _split(total, parts, unit, rng)
        wallets: list[Wallet] = []
        for balance in balances:
            sk = _demo_key(rng)
            pk = bip340.xonly_pubkey(sk)
            keys[pk.hex()] = sk
            wallets.append(Wallet(pk, f"demo-{name.lower()}-{pk.hex()[:16]}", balance, b""))
        height = (block_heights or {}).get(name, rng.randrange(800_000, 900_000))
        chain = _DEMO_CHAINS.get(name, f"{name.lower()}-chain")
        assets[name] = AssetReserves(name, chain, height, tuple(wallets))
    template = Reserves(exchange, round_id, assets)
    signed = sign_reserves(template, keys, rng=rng)
    check = parse_reserves(signed, "demo reserves")
    got = verify_reserves(check, exchange=exchange, round_id=round_id)
    if got != dict(totals):
        raise ParameterError("demo reserves do not add up to the requested totals")
    return signed, keys
