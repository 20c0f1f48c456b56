"""Rounds whose reserves come from an anvil chain, for the chain tests and benchmarks/chain.py:
wallet keys funded with ether and a test ERC-20, reserves v2 read back from the chain at a block
and signed by each wallet with eth-account (EIP-191 personal_sign, an independent signer), then a
round built through `solvency-prove build --reserves`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.anvil_node import ANVIL_CHAIN_ID, Anvil
from tests.solvency_rounds import (
    EXCHANGE,
    EXCHANGE_SK,
    Round,
    build_round,
    write_json,
    write_secret,
)

ETH_DECIMALS = 8  # the asset's decimals in the snapshot: claims are wei rounded down
USDT_DECIMALS = 6
ASSETS = {"ETH": ETH_DECIMALS, "USDT": USDT_DECIMALS}
#: (user id, ETH, USDT): liabilities well below what the wallets hold.
USERS: tuple[tuple[str, ...], ...] = (
    ("alice", "1.5", "250.75"),
    ("bob", "0", "0"),
    ("zoë", "0.00000001", "1000"),
    ("carol@example.com", "0.25", "12345.67"),
)


def wallet_secret(i: int) -> bytes:
    return hashlib.sha256(b"zk-solvency chain tests: wallet %d" % i).digest()


def wallet_address(i: int) -> str:
    from eth_account import Account

    return str(Account.from_key(wallet_secret(i)).address)


@dataclass
class ChainState:
    """What the chain holds at `height` (wei and token units per wallet index)."""

    token: str
    height: int
    block_hash: str
    wei: list[int]
    usdt: list[int]


def fund_wallets(
    anvil: Anvil, wei: list[int], usdt: list[int], *, transfers: bool = True
) -> ChainState:
    """Give wallet i `wei[i]` wei and `usdt[i]` token units, mine, and note the block. With
    `transfers`, by real transactions; else by anvil_setBalance (fast, for many wallets)."""
    token = anvil.deploy_token("Tether Test", "USDT", USDT_DECIMALS, 10**15)
    for i, (w, u) in enumerate(zip(wei, usdt, strict=True)):
        addr = wallet_address(i)
        if transfers:
            if w:
                anvil.fund(addr, w)
        else:
            anvil.call("anvil_setBalance", [addr, hex(w)])
        if u:
            anvil.transfer_token(token, addr, u)
    anvil.mine(2)
    height, block_hash = anvil.head()
    return ChainState(token, height, block_hash, list(wei), list(usdt))


def signed_reserves(
    state: ChainState, round_id: str, *, exchange: str = EXCHANGE
) -> dict[str, Any]:
    """Reserves v2 claiming exactly what the chain holds (ETH rounded down to 8 decimals), each
    wallet signed with eth-account."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    from verifier.ownership.message import reserve_message

    def asset(symbol: str, token: str | None, decimals: int, claims: list[int]) -> dict[str, Any]:
        wallets = []
        for i, claim in enumerate(claims):
            address = wallet_address(i)
            text = reserve_message(
                exchange=exchange,
                round_id=round_id,
                asset=symbol,
                chain="ethereum",
                block_height=state.height,
                block_hash=state.block_hash,
                address=address,
                chain_id=ANVIL_CHAIN_ID,
                token=token,
            )
            sig = Account.sign_message(encode_defunct(text=text), wallet_secret(i)).signature
            wallets.append(
                {
                    "address": address,
                    "scheme": "eip191",
                    "balance": claim,
                    "signature": "0x" + bytes(sig).hex(),
                }
            )
        return {
            "chain": "ethereum",
            "chain_id": ANVIL_CHAIN_ID,
            "block_height": state.height,
            "block_hash": state.block_hash,
            "token": token,
            "chain_decimals": 18 if token is None else USDT_DECIMALS,
            "wallets": wallets,
        }

    return {
        "format": "zk-solvency/reserves/v2",
        "exchange": exchange,
        "round": round_id,
        "assets": {
            "ETH": asset("ETH", None, 18, [w // 10 ** (18 - ETH_DECIMALS) for w in state.wei]),
            "USDT": asset("USDT", state.token, USDT_DECIMALS, list(state.usdt)),
        },
    }


def build_chain_round(
    base: Path, reserves: dict[str, Any], *, name: str = "round", extra: tuple[str, ...] = ()
) -> Round:
    """A round (4 users, height 4, 64-bit ranges) with these reserves, signed by the exchange."""
    base.mkdir(parents=True, exist_ok=True)
    key = base / "exchange.key"
    if not key.exists():
        write_secret(key, EXCHANGE_SK)
    res_file = write_json(base / f"{name}-reserves.json", reserves)
    return build_round(
        base,
        round_id=reserves["round"],
        users=USERS,
        assets=ASSETS,
        bits=64,
        name=name,
        extra=(
            "--exchange", reserves["exchange"], "--reserves", str(res_file),
            "--signing-key", str(key), *extra,
        ),
    )  # fmt: skip
