"""End to end on a real anvil chain: wallets funded, an ERC-20 deployed from tests/fixtures/erc20,
blocks mined, a round built whose reserves come from that chain (signed by each wallet with
eth-account), then `solvency-verify statement|reserves --eth-rpc` accepts it and names every
contradiction: claimed more than held, wrong block hash, wrong token, wrong chain id; nodes that
are unreachable, slow or answer garbage exit 2."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.anvil_node import Anvil, misbehaving_node, require_anvil
from tests.chain_rounds import (
    ChainState,
    build_chain_round,
    fund_wallets,
    signed_reserves,
    wallet_address,
)
from tests.solvency_rounds import (
    EXCHANGE,
    EXCHANGE_PK,
    EXCHANGE_SK,
    ROUND,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    reserves_doc,
    verify,
    write_json,
    write_secret,
)
from verifier.cli import CHAIN_NOTE

ETH = 10**18


@dataclass
class Setup:
    anvil: Anvil
    state: ChainState
    round: Round
    base: Path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    anvil = Anvil(require_anvil())
    try:
        state = fund_wallets(
            anvil, [3 * ETH + 123456789123456789, 5 * ETH, 0], [2_000_000_000, 12_345_670_000, 7]
        )
        # later blocks move funds away: claims are checked at the listed height
        # (anvil_setBalance edits the latest state: mine past the listed block first)
        anvil.mine(1)
        anvil.call("anvil_setBalance", [wallet_address(1), "0x0"])
        anvil.mine(2)
        base = tmp_path_factory.mktemp("chain-round")
        rnd = build_chain_round(base, signed_reserves(state, ROUND))
        yield Setup(anvil, state, rnd, base)
    finally:
        anvil.stop()


def variant(s: Setup, name: str, reserves: dict[str, Any]) -> Path:
    """The round's statement with other (re-signed) reserves and no statement signature: what
    `solvency-verify reserves` checks (wallet signatures, then the chain)."""
    doc = s.round.statement_json()
    doc["reserves"] = reserves
    del doc["signature"]
    path = s.base / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def check_reserves(s: Setup, statement: Path, *more: str) -> Any:
    return verify("reserves", "--statement", str(statement), "--eth-rpc", s.anvil.url, *more)


def test_a_round_whose_reserves_are_on_chain_verifies(setup: Setup) -> None:
    res = verify(
        "statement", str(setup.round.statement), "--exchange-key", EXCHANGE_PK,
        "--eth-rpc", setup.anvil.url,
    )  # fmt: skip
    assert res.rc == 0, res.text
    h = setup.state.height
    assert (
        f"[ok] ETH on chain 31337 (ether): block {h} has the listed hash; each of 3" in res.stdout
    )
    assert f"[ok] USDT on chain 31337 (token {setup.state.token}): block {h}" in res.stdout
    assert "claimed 8.12345678, held 8.12345678" in res.stdout
    # the closing lines say what was compared on chain, instead of the generic hint
    assert CHAIN_NOTE not in res.stdout and "Not checked on chain" not in res.stdout
    addresses = ", ".join(wallet_address(i) for i in range(3))
    assert (
        f"Checked on chain: ETH at block {h} of chain 31337 (3 wallet(s): {addresses}); "
        f"USDT at block {h} of chain 31337 (3 wallet(s): {addresses})." in res.stdout
    )
    res = verify("statement", str(setup.round.statement), "--exchange-key", EXCHANGE_PK)
    assert res.rc == 0 and CHAIN_NOTE in res.stdout and "Checked on chain" not in res.stdout
    res = check_reserves(setup, setup.round.statement, "--exchange-key", EXCHANGE_PK, "--json")
    assert res.rc == 0, res.text
    out = json.loads(res.stdout)
    assert out["result"] == "valid"
    assert out["chain"]["USDT"]["held"] == out["chain"]["USDT"]["claimed"] == 14_345_670_007


def test_claimed_more_than_held_names_every_wallet(setup: Setup, tmp_path: Path) -> None:
    reserves = signed_reserves(setup.state, ROUND)
    reserves["assets"]["ETH"]["wallets"][0]["balance"] += 1  # one base unit above rounding down
    reserves["assets"]["USDT"]["wallets"][2]["balance"] = 8
    rnd = build_chain_round(tmp_path, reserves)  # the balances are not in the signed messages
    res = verify(
        "statement", str(rnd.statement), "--exchange-key", EXCHANGE_PK, "--eth-rpc", setup.anvil.url
    )
    assert res.rc == 1, res.text
    assert "INVALID: check 'chain-reserves' failed: 2 reserve claim(s) contradicted" in res.stdout
    assert (
        f"[chain-balance] assets.ETH.wallets[0]: {wallet_address(0)} claims 3.12345679 ETH, "
        "the chain holds 3.12345678" in res.stdout
    )
    assert (
        f"[chain-balance] assets.USDT.wallets[2]: {wallet_address(2)} claims 0.000008" in res.stdout
    )
    assert "Traceback" not in res.text


def test_a_wrong_block_hash(setup: Setup) -> None:
    wrong = ChainState(**{**setup.state.__dict__, "block_hash": "0x" + "ab" * 32})
    res = check_reserves(setup, variant(setup, "wrong-hash", signed_reserves(wrong, ROUND)))
    assert res.rc == 1, res.text
    assert (
        f"[chain-block-hash] assets.ETH.block_hash: block {setup.state.height} has hash {setup.state.block_hash}"
        in res.stdout
    )
    assert "[chain-block-hash] assets.USDT.block_hash" in res.stdout


def test_a_wrong_token(setup: Setup) -> None:
    wrong = ChainState(**{**setup.state.__dict__, "token": wallet_address(7)})
    res = check_reserves(setup, variant(setup, "wrong-token", signed_reserves(wrong, ROUND)))
    assert res.rc == 1, res.text
    assert (
        f"[chain-token] assets.USDT.token: no ERC-20 contract at {wallet_address(7)}" in res.stdout
    )


def test_a_wrong_chain_id(setup: Setup) -> None:
    reserves = signed_reserves(setup.state, ROUND)
    doc = copy.deepcopy(reserves)
    for a in doc["assets"].values():
        a["chain_id"] = 1
    res = check_reserves(setup, variant(setup, "wrong-chain", doc))
    # re-signed? no: the chain id is in the signed message, so the wallet signatures fail first
    assert res.rc == 1 and "reserves-signature" in res.stdout
    # signed for chain 1, checked on a node of chain 31337: another node is needed (exit 2)
    from tests import chain_rounds

    orig = chain_rounds.ANVIL_CHAIN_ID
    chain_rounds.ANVIL_CHAIN_ID = 1
    try:
        doc = signed_reserves(setup.state, ROUND)
    finally:
        chain_rounds.ANVIL_CHAIN_ID = orig
    res = check_reserves(setup, variant(setup, "wrong-chain-signed", doc))
    assert res.rc == 2, res.text
    assert (
        "asset ETH is on chain id 1, but the node" in res.stderr
        and "serves chain id 31337" in res.stderr
    )


#: A reply in the envelope of a node, but uppercase hex: not a quantity.
NOT_A_QUANTITY = b'{"jsonrpc": "2.0", "id": 1, "result": "0x7A69"}'


@pytest.mark.parametrize("mode", ["garbage", "slow"])
def test_a_garbage_or_slow_node(setup: Setup, mode: str) -> None:
    with misbehaving_node(NOT_A_QUANTITY, mode == "slow") as url:
        res = verify(
            "reserves", "--statement", str(setup.round.statement), "--eth-rpc", url,
            "--rpc-timeout", "0.3",
        )  # fmt: skip
    assert res.rc == 2, res.text
    expected = "no complete reply within 0.3 s" if mode == "slow" else "expected a hex quantity"
    assert expected in res.stderr and "Traceback" not in res.text


def test_an_unreachable_node(setup: Setup) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    res = verify(
        "reserves",
        "--statement",
        str(setup.round.statement),
        "--eth-rpc",
        f"http://127.0.0.1:{port}/v3/KEY",
    )
    assert res.rc == 2
    assert f"error: node http://127.0.0.1:{port}: eth_chainId: cannot connect" in res.stderr
    assert "KEY" not in res.text


def test_reserves_needs_a_node(setup: Setup) -> None:
    res = verify("reserves", "--statement", str(setup.round.statement))
    assert res.rc == 2 and "give an Ethereum node: --eth-rpc URL" in res.stderr


def test_bitcoin_wallets_keep_the_hand_check_hint(setup: Setup, tmp_path: Path) -> None:
    """ETH compared on chain, BTC (no Bitcoin node) named with how to check it by hand."""
    reserves = signed_reserves(setup.state, ROUND)
    btc = reserves_doc(EXCHANGE, ROUND, {"BTC": AssetSpec("bitcoin", 800_000, [
        WalletSpec(1, 10**8), WalletSpec(2, 2 * 10**8), WalletSpec(5, 3), WalletSpec(6, 4),
    ])})["assets"]["BTC"]  # fmt: skip
    reserves["assets"] = {"ETH": reserves["assets"]["ETH"], "BTC": btc}
    write_secret(tmp_path / "exchange.key", EXCHANGE_SK)
    rnd = build_round(
        tmp_path, users=[("alice", "1", "0.5"), ("bob", "0.5", "1")], assets={"ETH": 8, "BTC": 8},
        bits=64, extra=(
            "--exchange", EXCHANGE, "--signing-key", str(tmp_path / "exchange.key"),
            "--reserves", str(write_json(tmp_path / "reserves.json", reserves)),
        ),
    )  # fmt: skip
    res = verify(
        "statement", str(rnd.statement), "--exchange-key", EXCHANGE_PK,
        "--eth-rpc", setup.anvil.url, "--json",
    )  # fmt: skip
    assert res.rc == 0, res.text
    out = json.loads(res.stdout)
    listed = [w["address"] for w in btc["wallets"]]
    assert out["chain"]["BTC"] == {"checked": False, "addresses": listed}
    assert out["chain"]["ETH"]["checked"] and len(out["chain"]["ETH"]["addresses"]) == 3
    res = verify(
        "statement", str(rnd.statement), "--exchange-key", EXCHANGE_PK, "--eth-rpc", setup.anvil.url
    )
    assert res.rc == 0, res.text
    h = setup.state.height
    assert f"Checked on chain: ETH at block {h} of chain 31337 (3 wallet(s): " in res.stdout
    assert (
        f"Not checked on chain: BTC (bitcoin, block 800000: {', '.join(listed[:3])} and 1 more)."
        " Compare each of these addresses' balance at the listed block with your own node or an "
        "explorer (README, 'Checking a Bitcoin wallet by hand')." in res.stdout
    )
    assert "[--] BTC on bitcoin: not checked on chain here (no Bitcoin node)" in res.stdout
    assert CHAIN_NOTE not in res.stdout
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "### Checking a Bitcoin wallet by hand" in readme
