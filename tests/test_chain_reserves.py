"""Reserves compared with a real anvil chain: block hashes, ether and ERC-20 balances at the listed
height, rounding down, every contradiction named; and the named errors of unusable nodes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.anvil_node import ANVIL_CHAIN_ID, Anvil, require_anvil
from verifier.chain.ethereum import EthNode
from verifier.chain.reserves import (
    ChainMismatchError,
    check_reserves_on_chain,
    eth_claims,
)
from verifier.chain.rpc import JsonRpcClient, WrongChainError
from verifier.formats import Asset, Params, Root, Statement
from verifier.ownership.ethereum import checksum_address

ETH = 10**18
SIG = "0x" + "11" * 65  # well formed; the chain check does not verify wallet signatures
USDT = 10**6


def wallet(i: int) -> str:
    return checksum_address(bytes([0xA0 + i]) * 20)


@dataclass
class Chain:
    anvil: Anvil
    token: str
    other_token: str
    height: int
    block_hash: str
    held_wei: list[int]
    held_usdt: list[int]


@pytest.fixture(scope="module")
def chain() -> Iterator[Chain]:
    anvil = Anvil(require_anvil())
    try:
        held_wei = [3 * ETH + 123456789123456789, 5 * ETH, 0]
        held_usdt = [1_000 * USDT, 250_500_000, 7]
        token = anvil.deploy_token("Tether Test", "USDT", 6, 10**9 * USDT)
        other = anvil.deploy_token("Other", "OTH", 6, 10**9 * USDT)
        for i, (w, u) in enumerate(zip(held_wei, held_usdt, strict=True)):
            if w:
                anvil.fund(wallet(i), w)
            anvil.transfer_token(token, wallet(i), u)
        anvil.mine(3)
        height, block_hash = anvil.head()
        # after the listed block, the funds move away: the check must read at the height
        anvil.transfer_token(token, wallet(9), 1)
        anvil.mine(2)
        yield Chain(anvil, token, other, height, block_hash, held_wei, held_usdt)
    finally:
        anvil.stop()


def reserves(c: Chain) -> dict[str, Any]:
    """v2 reserves (signatures are not needed by the chain check) claiming what the chain holds,
    ETH at 8 decimals (rounded down from wei) and USDT at 6."""
    return {
        "format": "zk-solvency/reserves/v2",
        "exchange": "Test Exchange",
        "round": "2026-11",
        "assets": {
            "ETH": {
                "chain": "ethereum",
                "chain_id": ANVIL_CHAIN_ID,
                "block_height": c.height,
                "block_hash": c.block_hash,
                "token": None,
                "chain_decimals": 18,
                "wallets": [
                    {
                        "address": wallet(i),
                        "scheme": "eip191",
                        "balance": w // 10**10,
                        "signature": SIG,
                    }
                    for i, w in enumerate(c.held_wei)
                ],
            },
            "USDT": {
                "chain": "ethereum",
                "chain_id": ANVIL_CHAIN_ID,
                "block_height": c.height,
                "block_hash": c.block_hash,
                "token": c.token,
                "chain_decimals": 6,
                "wallets": [
                    {"address": wallet(i), "scheme": "eip191", "balance": u, "signature": SIG}
                    for i, u in enumerate(c.held_usdt)
                ],
            },
        },
    }


def statement(res: dict[str, Any]) -> Statement:
    params = Params(32, 64, "aggregated", (Asset("ETH", 8), Asset("USDT", 6)), "00" * 32)
    return Statement(
        "2026-11", None, params, Root(bytes(32), (), b""), "Test Exchange", {"reserves": res}
    )


def check(c: Chain, res: dict[str, Any], url: str | None = None) -> list[Any]:
    node = EthNode(JsonRpcClient(url or c.anvil.url, timeout=5))
    return check_reserves_on_chain(eth_claims(statement(res)), [node])


def test_reserves_that_the_chain_holds_verify(chain: Chain) -> None:
    results = check(chain, reserves(chain))
    eth, usdt = results
    assert (eth.symbol, eth.wallets, eth.findings) == ("ETH", 3, [])
    assert eth.held == eth.claimed == sum(w // 10**10 for w in chain.held_wei)
    assert usdt.held == usdt.claimed == sum(chain.held_usdt)


def test_one_unit_more_than_rounding_down_gives_is_refused(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["ETH"]["wallets"][0]["balance"] += 1  # 3.12345679 > 3.123456789123... ETH
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    (f,) = info.value.findings
    assert (f.check, f.path) == ("chain-balance", "assets.ETH.wallets[0]")
    assert "claims 3.12345679 ETH, the chain holds 3.12345678" in f.message


def test_every_wallet_claiming_more_than_it_holds_is_named(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["ETH"]["wallets"][2]["balance"] = 1  # holds 0
    res["assets"]["USDT"]["wallets"][0]["balance"] += 1
    res["assets"]["USDT"]["wallets"][2]["balance"] = 8  # holds 7 (the later transfer is ignored)
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    assert info.value.check == "chain-reserves"
    assert [(f.check, f.path) for f in info.value.findings] == [
        ("chain-balance", "assets.ETH.wallets[2]"),
        ("chain-balance", "assets.USDT.wallets[0]"),
        ("chain-balance", "assets.USDT.wallets[2]"),
    ]
    assert "3 reserve claim(s) contradicted by the chain" in str(info.value)


def test_a_wrong_block_hash_is_named_and_balances_are_still_checked(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["USDT"]["block_hash"] = "0x" + "ab" * 32
    res["assets"]["USDT"]["wallets"][1]["balance"] += 1
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    assert [(f.check, f.path) for f in info.value.findings] == [
        ("chain-block-hash", "assets.USDT.block_hash"),
        ("chain-balance", "assets.USDT.wallets[1]"),
    ]
    assert f"has hash {chain.block_hash}" in info.value.findings[0].message


def test_a_block_beyond_the_head(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["ETH"]["block_height"] = chain.height + 1000
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    (f,) = info.value.findings
    assert (f.check, f.path) == ("chain-block-hash", "assets.ETH.block_height")
    assert f"no block {chain.height + 1000}" in f.message


def test_a_wrong_token(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["USDT"]["token"] = wallet(5)  # no contract there
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    (f,) = info.value.findings
    assert (f.check, f.path) == ("chain-token", "assets.USDT.token")
    assert f"no ERC-20 contract at {wallet(5)}" in f.message

    res["assets"]["USDT"]["token"] = chain.other_token  # a real token the wallets do not hold
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    assert [(f.check, f.path) for f in info.value.findings] == [
        ("chain-balance", "assets.USDT.wallets[0]"),
        ("chain-balance", "assets.USDT.wallets[1]"),
        ("chain-balance", "assets.USDT.wallets[2]"),
    ]


def test_wrong_chain_decimals(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["USDT"]["chain_decimals"] = 4
    with pytest.raises(ChainMismatchError) as info:
        check(chain, res)
    assert [(f.check, f.path) for f in info.value.findings] == [
        ("chain-decimals", "assets.USDT.chain_decimals"),
    ]
    assert "has 6 decimals on chain, the reserves say 4" in info.value.findings[0].message


def test_one_wallet_listed_under_two_assets_of_the_same_token(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["USDT2"] = copy.deepcopy(res["assets"]["USDT"])
    st = statement(res)
    st = Statement(
        st.round_id,
        None,
        Params(32, 64, "aggregated", (*st.params.assets, Asset("USDT2", 6)), "00" * 32),
        st.root,
        st.exchange,
        st.extra,
    )
    node = EthNode(JsonRpcClient(chain.anvil.url))
    with pytest.raises(ChainMismatchError) as info:
        check_reserves_on_chain(eth_claims(st), [node])
    assert [(f.check, f.path) for f in info.value.findings] == [
        ("chain-duplicate-wallet", f"assets.USDT2.wallets[{i}]") for i in range(3)
    ]


def test_another_chain_id(chain: Chain) -> None:
    res = reserves(chain)
    res["assets"]["ETH"]["chain_id"] = 1
    with pytest.raises(
        WrongChainError, match=r"asset ETH is on chain id 1, but the node .* serves chain id 31337"
    ):
        check(chain, res)
