"""Mutation-campaign tests of verifier/chain (docs/MUTATION.md, third campaign) without a node:
an in-memory Ethereum node (the JSON answers an execution client gives, built here) serves
blocks, balances, ERC-20 calls, a transaction signed by eth-account, its receipt; every
contradiction is named with its exact check, path and message. The anvil tests
(test_chain_reserves, test_chain_anchor, test_chain_round) cover the same paths on a real chain
but are too slow for the mutation selection."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import pytest
from eth_account import Account
from test_chain_transaction import node_object

from circuits.errors import FormatError, ParameterError, VerificationError
from verifier.chain.anchor import (
    ANCHOR_TAG,
    RECORD_FORMAT,
    AnchorRecord,
    anchor_data,
    anchor_json,
    check_anchor_record,
    parse_anchor,
    parse_anchor_record,
    parse_tx_hash,
    verify_anchor,
)
from verifier.chain.ethereum import (
    BALANCE_OF,
    DECIMALS,
    Block,
    EthNode,
    Receipt,
    Transaction,
    block_ref,
)
from verifier.chain.reserves import (
    ChainMismatchError,
    EthAssetClaim,
    WalletClaim,
    check_asset,
    check_reserves_on_chain,
    eth_claims,
    format_amount,
)
from verifier.chain.rpc import NodeResponseError, NodeRpcError, WrongChainError
from verifier.formats import Asset, Params, Root, Statement, statement_digest
from verifier.ownership.ethereum import keccak256

CHAIN = 31337
HEAD = 120
HEIGHT = 100


def bhash(n: int) -> bytes:
    return keccak256(b"block %d" % n)


def wallet(i: int) -> bytes:
    return bytes([0x10 + i]) * 20


TOKEN = bytes([0xAA]) * 20


def q(n: int) -> str:
    return hex(n)


class FakeClient:
    """The JSON-RPC answers of a node of chain `chain_id` whose blocks 0..HEAD have hashes
    bhash(n); state (balances, token) is the same at every block, answered only for a block
    named by a known hash or a height. `calls` records each (method, params)."""

    label = "fake"

    def __init__(self, chain_id: int = CHAIN) -> None:
        self.chain_id = chain_id
        self.ether: dict[bytes, int] = {}
        self.tokens: dict[bytes, dict[str, Any]] = {}
        self.txs: dict[str, Any] = {}
        self.receipts: dict[str, Any] = {}
        self.blocks: dict[int, bytes] = {n: bhash(n) for n in range(HEAD + 1)}
        self.calls: list[tuple[str, list[Any]]] = []

    def _state(self, ref: Any) -> None:
        if isinstance(ref, dict):
            if bytes.fromhex(ref["blockHash"][2:]) not in self.blocks.values():
                raise NodeRpcError("unknown block")
        elif int(ref, 16) > HEAD:
            raise NodeRpcError("header not found")

    def call(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method == "eth_chainId":
            return q(self.chain_id)
        if method == "eth_blockNumber":
            return q(HEAD)
        if method == "eth_getBlockByNumber":
            n = int(params[0], 16)
            if n not in self.blocks:
                return None
            return {"number": q(n), "hash": "0x" + self.blocks[n].hex(), "timestamp": q(1000 + n)}
        if method == "eth_getBalance":
            self._state(params[1])
            return q(self.ether.get(bytes.fromhex(params[0][2:]), 0))
        if method == "eth_call":
            self._state(params[1])
            token = self.tokens.get(bytes.fromhex(params[0]["to"][2:]))
            data = bytes.fromhex(params[0]["data"][2:])
            if token is None:
                return "0x"
            if data == DECIMALS:
                return token["decimals"]
            assert data[:4] == BALANCE_OF
            raw = token["balances"].get(data[16:], 0)
            return raw if isinstance(raw, str) else "0x" + raw.to_bytes(32, "big").hex()
        if method == "eth_getTransactionByHash":
            return self.txs.get(params[0])
        if method == "eth_getTransactionReceipt":
            return self.receipts.get(params[0])
        raise AssertionError(method)

    def call_many(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        return [self.call(m, p) for m, p in calls]


def node(client: FakeClient) -> EthNode:
    return EthNode(client)  # type: ignore[arg-type]


# --- reserves on chain -------------------------------------------------------------------------


def claim(
    symbol: str = "ETH",
    token: bytes | None = None,
    balances: tuple[int, ...] = (3 * 10**8, 10**8),
    *,
    decimals: int = 8,
    chain_decimals: int = 18,
    block_hash: bytes | None = None,
    height: int = HEIGHT,
    chain_id: int = CHAIN,
    first: int = 0,
) -> EthAssetClaim:
    from verifier.ownership.ethereum import checksum_address

    return EthAssetClaim(
        symbol, decimals, chain_id, height, bhash(height) if block_hash is None else block_hash,
        None if token is None else checksum_address(token), token, chain_decimals,
        tuple(
            WalletClaim(f"assets.{symbol}.wallets[{i}]", checksum_address(wallet(first + i)),
                        wallet(first + i), b)
            for i, b in enumerate(balances)
        ),
    )  # fmt: skip


def funded() -> FakeClient:
    c = FakeClient()
    c.ether = {wallet(0): 3 * 10**18 + 999, wallet(1): 10**18}
    c.tokens[TOKEN] = {
        "decimals": "0x" + (6).to_bytes(32, "big").hex(),
        "balances": {wallet(0): 5_000_000, wallet(1): 7},
    }
    return c


def findings(claims: list[EthAssetClaim], client: FakeClient) -> list[tuple[str, str, str]]:
    with pytest.raises(ChainMismatchError) as e:
        check_reserves_on_chain(claims, [node(client)])
    assert e.value.check == "chain-reserves"
    n = len(e.value.findings)
    assert str(e.value).startswith(f"{n} reserve claim(s) contradicted by the chain:\n  [")
    return [(f.check, f.path, f.message) for f in e.value.findings]


def test_claims_the_chain_holds_verify_at_the_listed_block() -> None:
    c = funded()
    usdt = claim("USDT", TOKEN, (5_000_000, 7), decimals=6, chain_decimals=6)
    eth, tok = check_reserves_on_chain([claim(), usdt], [node(c)])
    assert (eth.symbol, eth.claimed, eth.held, eth.wallets, eth.findings) == (
        "ETH",
        4 * 10**8,
        4 * 10**8,
        2,
        [],
    )
    assert (tok.claimed, tok.held, tok.node, tok.block_hash) == (
        5_000_007,
        5_000_007,
        "fake",
        "0x" + bhash(HEIGHT).hex(),
    )
    assert (eth.chain_id, eth.block_height, eth.token, tok.token) == (
        CHAIN,
        HEIGHT,
        None,
        usdt.token,
    )
    assert tok.to_json() == {
        "chain_id": CHAIN,
        "block_height": HEIGHT,
        "block_hash": "0x" + bhash(HEIGHT).hex(),
        "token": usdt.token,
        "wallets": 2,
        "claimed": 5_000_007,
        "held": 5_000_007,
        "node": "fake",
        "findings": [],
    }
    assert eth.to_json()["held"] == 4 * 10**8 and eth.to_json()["findings"] == []
    ref = {"blockHash": "0x" + bhash(HEIGHT).hex()}
    assert [p[1] for m, p in c.calls if m in ("eth_getBalance", "eth_call")] == [ref] * 5


def test_one_unit_more_than_held_is_named() -> None:
    c = funded()
    got = findings([claim(balances=(3 * 10**8 + 1, 10**8 + 1))], c)
    with pytest.raises(ChainMismatchError) as e:
        check_reserves_on_chain([claim(balances=(3 * 10**8 + 1, 10**8 + 1))], [node(c)])
    assert str(e.value) == (
        "2 reserve claim(s) contradicted by the chain:\n"
        f"  [chain-balance] assets.ETH.wallets[0]: {got[0][2]}\n"
        f"  [chain-balance] assets.ETH.wallets[1]: {got[1][2]}"
    )
    res = check_asset(claim(balances=(3 * 10**8 + 1, 10**8 + 1)), node(c))
    assert res.to_json()["findings"] == [
        f"[chain-balance] assets.ETH.wallets[{i}]: {got[i][2]}" for i in (0, 1)
    ]
    assert got == [
        ("chain-balance", "assets.ETH.wallets[0]",
         f"{claim().wallets[0].address} claims 3.00000001 ETH, the chain holds 3.00000000 at "
         f"block {HEIGHT} ({3 * 10**18 + 999} units of 18 decimals, rounded down)"),
        ("chain-balance", "assets.ETH.wallets[1]",
         f"{claim().wallets[1].address} claims 1.00000001 ETH, the chain holds 1.00000000 at "
         f"block {HEIGHT} ({10**18} units of 18 decimals, rounded down)"),
    ]  # fmt: skip


def test_a_wrong_block_hash_reads_balances_at_the_height() -> None:
    c = funded()
    got = findings([claim(block_hash=bytes(32), balances=(1, 10**8 + 1))], c)
    assert got[0] == (
        "chain-block-hash", "assets.ETH.block_hash",
        f"block {HEIGHT} has hash 0x{bhash(HEIGHT).hex()} on chain {CHAIN}, the reserves say "
        f"0x{bytes(32).hex()}",
    )  # fmt: skip
    assert [(f[0], f[1]) for f in got[1:]] == [("chain-balance", "assets.ETH.wallets[1]")]
    assert [p[1] for m, p in c.calls if m == "eth_getBalance"] == [hex(HEIGHT)] * 2


def test_a_block_past_the_head() -> None:
    assert findings([claim(height=HEAD + 1)], funded()) == [
        ("chain-block-hash", "assets.ETH.block_height",
         f"the node has no block {HEAD + 1} (its head is {HEAD})")
    ]  # fmt: skip


def test_ether_listed_with_other_decimals_is_read_in_wei() -> None:
    got = findings([claim(chain_decimals=6)], funded())
    assert got == [
        ("chain-decimals", "assets.ETH.chain_decimals",
         "ether has 18 decimals, the reserves say 6")
    ]  # fmt: skip


def test_tokens_named_by_their_answers() -> None:
    c = funded()
    usdt = claim("USDT", TOKEN, (5_000_000, 8), decimals=6, chain_decimals=6)
    assert [f[:2] for f in findings([usdt], c)] == [("chain-balance", "assets.USDT.wallets[1]")]
    four = dataclasses.replace(usdt, chain_decimals=4)
    assert findings([four], c) == [
        ("chain-decimals", "assets.USDT.chain_decimals",
         f"token {usdt.token} has 6 decimals on chain, the reserves say 4"),
        ("chain-balance", "assets.USDT.wallets[1]",
         f"{usdt.wallets[1].address} claims 0.000008 USDT, the chain holds 0.000007 at block "
         f"{HEIGHT} (7 units of 6 decimals, rounded down)"),
    ]  # fmt: skip
    none = dataclasses.replace(usdt, token_raw=bytes(20), token="0x" + "00" * 20)
    assert findings([none], c) == [
        ("chain-token", "assets.USDT.token",
         f"no ERC-20 contract at 0x{'00' * 20} on chain {CHAIN} at block {HEIGHT} "
         "(decimals() returned 0 bytes)")
    ]  # fmt: skip
    c.tokens[TOKEN]["decimals"] = "0x" + (256).to_bytes(32, "big").hex()
    assert findings([usdt], c)[0][2].endswith("(decimals() returned 32 bytes)")
    # 255 is read as the token's decimals (not as no contract); so many cannot be converted
    c.tokens[TOKEN]["decimals"] = "0x" + (255).to_bytes(32, "big").hex()
    with pytest.raises(ParameterError) as exc:
        check_reserves_on_chain([usdt], [node(c)])
    assert str(exc.value) == (
        f"assets.USDT.chain_decimals: token {usdt.token} has 255 decimals on chain (the reserves "
        "say 6); this verifier converts token amounts of at most 36 decimals, so it cannot "
        "compare them"
    )
    c.tokens[TOKEN]["decimals"] = "0x" + (36).to_bytes(32, "big").hex()
    assert findings([usdt], c)[0][:2] == ("chain-decimals", "assets.USDT.chain_decimals")
    c.tokens[TOKEN]["decimals"] = "0x" + (6).to_bytes(32, "big").hex()
    c.tokens[TOKEN]["balances"][wallet(1)] = "0x07"
    assert findings([usdt], c) == [
        ("chain-token", "assets.USDT.token",
         f"balanceOf({usdt.wallets[1].address}) of {usdt.token} returned 1 bytes, not 32")
    ]  # fmt: skip


def test_a_wallet_counted_twice_for_one_token() -> None:
    c = funded()
    again = claim("ETH2", balances=(1,), first=1)
    other_token = claim("USDT", TOKEN, (5_000_000,), decimals=6, chain_decimals=6)
    assert findings([claim(), again, other_token], c) == [
        ("chain-duplicate-wallet", "assets.ETH2.wallets[0]",
         f"{again.wallets[0].address} holding ether on chain {CHAIN} is already listed at "
         "assets.ETH.wallets[1]")
    ]  # fmt: skip
    tok2 = claim("USDT2", TOKEN, (1,), decimals=6, chain_decimals=6)
    assert findings([other_token, tok2], c)[0][2].endswith(
        f"holding {other_token.token} on chain {CHAIN} is already listed at assets.USDT.wallets[0]"
    )
    c2 = FakeClient(1)
    c2.ether = {wallet(0): 10**18}
    check_reserves_on_chain([claim(balances=(1,), chain_id=1), claim(balances=(1,))],
                            [node(c2), node(funded())])  # fmt: skip


def test_nodes_of_the_claims_chains() -> None:
    with pytest.raises(FormatError, match=r"^give an Ethereum node \(--eth-rpc URL\)"):
        check_reserves_on_chain([claim()], [])
    with pytest.raises(WrongChainError) as e:
        check_reserves_on_chain([claim(chain_id=5)], [node(funded())])
    assert str(e.value) == (
        "asset ETH is on chain id 5, but the node fake serves chain id 31337: give a node of "
        "chain 5"
    )
    with pytest.raises(WrongChainError) as e:
        check_reserves_on_chain([claim(chain_id=5)], [node(funded()), node(FakeClient(1))])
    assert str(e.value) == "asset ETH is on chain id 5; none of the nodes given serves it"


def test_format_amount() -> None:
    assert format_amount(123456789, 8) == "1.23456789"
    assert format_amount(5, 0) == "5"
    assert format_amount(5, 3) == "0.005"


def _statement(extra: dict[str, Any], version: int = 2) -> Statement:
    params = Params(
        4, 32, "aggregated", (Asset("ETH", 8), Asset("BTC", 8), Asset("USDT", 6)), "00" * 32
    )
    return Statement("2026-11", None, params, Root(bytes(32), (), b""), "X", extra, version)


def test_eth_claims_of_a_statement() -> None:
    from verifier.ownership.ethereum import checksum_address

    w = {"address": checksum_address(wallet(0)), "scheme": "eip191", "balance": 5,
         "signature": "0x" + "11" * 65}  # fmt: skip
    eth = {"chain": "ethereum", "chain_id": CHAIN, "block_height": HEIGHT,
           "block_hash": "0x" + bhash(HEIGHT).hex(), "token": None, "chain_decimals": 18,
           "wallets": [w]}  # fmt: skip
    btc = {"chain": "bitcoin", "block_height": 1, "block_hash": "00" * 32, "chain_decimals": 8,
           "wallets": [{"address": "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs",
                        "scheme": "btc-signmessage", "balance": 1,
                        "signature": base64.b64encode(bytes(65)).decode()}]}  # fmt: skip
    usdt = eth | {"token": checksum_address(TOKEN), "chain_decimals": 6,
                  "wallets": [w | {"address": checksum_address(wallet(1)), "balance": 7}]}  # fmt: skip
    res = {"format": "zk-solvency/reserves/v2", "exchange": "X", "round": "2026-11",
           "assets": {"BTC": btc, "ETH": eth, "USDT": usdt}}  # fmt: skip
    got, tok = eth_claims(_statement({"reserves": res}))
    assert got == claim(balances=(5,), height=HEIGHT)
    assert tok == claim("USDT", TOKEN, (7,), decimals=6, chain_decimals=6, first=1)
    assert (tok.token, tok.token_raw) == (checksum_address(TOKEN), TOKEN)
    with pytest.raises(FormatError, match=r"^statement.json: the statement has no reserves$"):
        eth_claims(_statement({}))
    with pytest.raises(FormatError) as e:
        eth_claims(_statement({"reserves": res}, 1))
    assert str(e.value) == (
        "statement.json: v1 reserves name no block hash, chain id or token: nothing to check "
        "on chain"
    )
    broken = res | {"assets": {"ETH": {"chain": "ethereum"}}}
    with pytest.raises(FormatError) as e:
        eth_claims(_statement({"reserves": broken}))
    assert str(e.value) == "statement.json reserves: assets.ETH: missing key 'chain_id'"
    res["assets"].pop("USDT")
    res["assets"]["SOL"] = res["assets"].pop("ETH")
    with pytest.raises(
        FormatError, match=r"^statement.json: reserves asset SOL is not an asset of the round$"
    ):
        eth_claims(_statement({"reserves": res}))


# --- the anchor on a node ------------------------------------------------------------------------

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
ADDRESS = Account.from_key(KEY).address
OTHER = Account.from_key(bytes.fromhex("59c6995e" + "11" * 28)).address
ANCHORED = _statement(
    {"anchor": {"chain": "ethereum", "chain_id": CHAIN, "address": ADDRESS}, "signature": "s"}
)
MINED_IN = 110


def signed(**over: Any) -> tuple[bytes, str]:
    tx = {"type": 2, "chainId": CHAIN, "nonce": 0, "gas": 30_000, "to": ADDRESS, "value": 0,
          "data": anchor_data(statement_digest(ANCHORED)), "maxFeePerGas": 3 * 10**9,
          "maxPriorityFeePerGas": 10**9, "accessList": []} | over  # fmt: skip
    s = Account.sign_transaction(tx, KEY)
    return bytes(s.raw_transaction), "0x" + bytes(s.hash).hex()


def anchored(raw: bytes, name: str, **lie: Any) -> FakeClient:
    """A node on which `raw` is mined in block MINED_IN with a receipt of status 1; `lie`
    overrides fields of the transaction object."""
    c = FakeClient()
    c.txs[name] = node_object(raw) | {
        "hash": name, "from": ADDRESS.lower(), "blockHash": "0x" + bhash(MINED_IN).hex(),
        "blockNumber": q(MINED_IN),
    } | lie  # fmt: skip
    c.receipts[name] = {"transactionHash": name, "blockHash": "0x" + bhash(MINED_IN).hex(),
                        "blockNumber": q(MINED_IN), "status": "0x1"}  # fmt: skip
    return c


def anchor_error(c: FakeClient, name: str, st: Statement = ANCHORED) -> VerificationError:
    with pytest.raises(VerificationError) as e:
        verify_anchor(st, node(c), bytes.fromhex(name[2:]))
    return e.value


def test_a_mined_anchor_verifies() -> None:
    raw, name = signed()
    r = verify_anchor(ANCHORED, node(anchored(raw, name)), bytes.fromhex(name[2:]))
    assert (r.tx_hash, r.address, r.chain_id, r.block_number, r.block_timestamp) == (
        name,
        ADDRESS,
        CHAIN,
        MINED_IN,
        1000 + MINED_IN,
    )
    assert (r.confirmations, r.digest, r.tx_type) == (
        HEAD - MINED_IN + 1,
        statement_digest(ANCHORED).hex(),
        "EIP-1559",
    )
    assert r.to_json() == {
        "tx": name,
        "address": ADDRESS,
        "chain_id": CHAIN,
        "block_number": MINED_IN,
        "block_timestamp": 1000 + MINED_IN,
        "confirmations": HEAD - MINED_IN + 1,
        "digest": statement_digest(ANCHORED).hex(),
        "type": "EIP-1559",
        "sender_recovered": True,
    }
    assert r.line() == (
        f"[ok] anchor: transaction {name} from {ADDRESS} on chain {CHAIN}, mined in block "
        f"{MINED_IN} ({HEAD - MINED_IN + 1} confirmations, block time {1000 + MINED_IN}), "
        f"carries this statement's digest {statement_digest(ANCHORED).hex()} (the EIP-1559 "
        "transaction rebuilt from the node's answer hashes to the hash asked for; its sender is "
        "recovered from its signature)"
    )


def test_what_a_node_says_is_checked() -> None:
    raw, name = signed()
    h = bytes.fromhex(name[2:])
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, hash="0x" + "42" * 32)), h)
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}): the node answered another transaction, "
        f"0x{'42' * 32}"
    )
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, nonce="0x1")), h)
    from verifier.chain.transaction import from_rpc

    rebuilt = "0x" + from_rpc(node_object(raw) | {"nonce": "0x1"}, "lie").hash().hex()
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}): the transaction the node describes "
        f"hashes to {rebuilt} (keccak256 of its signed encoding), not to the hash asked for: the "
        "node changed a field (data, signature, chain id, ...); ask another node"
    )
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, nonce="0x01")), h)
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}).nonce: expected a hex quantity, got '0x01'"
    )
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, **{"from": OTHER})), h)
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}): the node says the transaction is from "
        f"{OTHER.lower()}, but its signature recovers {ADDRESS}: the node is not to be trusted"
    )
    with pytest.raises(WrongChainError) as e:
        verify_anchor(ANCHORED, node(FakeClient(1)), h)
    assert str(e.value) == (
        f"the statement's anchor is on chain id {CHAIN}, but the node fake serves chain id 1: "
        f"give a node of chain {CHAIN}"
    )


def test_an_anchor_in_the_head_block_has_one_confirmation() -> None:
    raw, name = signed()
    c = anchored(raw, name, blockHash="0x" + bhash(HEAD).hex(), blockNumber=q(HEAD))
    c.receipts[name] |= {"blockHash": "0x" + bhash(HEAD).hex(), "blockNumber": q(HEAD)}
    r = verify_anchor(ANCHORED, node(c), bytes.fromhex(name[2:]))
    assert (r.block_number, r.confirmations) == (HEAD, 1)


def test_anchor_transactions_not_mined_or_failed() -> None:
    raw, name = signed()
    e = anchor_error(FakeClient(), name)
    assert (str(e), e.check) == (f"no transaction {name} on chain {CHAIN} (node fake)", "anchor-tx")
    for lie in ({"blockHash": None}, {"blockNumber": None}):
        e = anchor_error(anchored(raw, name, **lie), name)
        assert (str(e), e.check) == (f"transaction {name} is not mined yet", "anchor-tx")
    c = anchored(raw, name)
    del c.receipts[name]
    e = anchor_error(c, name)
    assert (str(e), e.check) == (f"transaction {name} has no receipt", "anchor-tx")
    c = anchored(raw, name)
    c.receipts[name]["transactionHash"] = "0x" + "42" * 32
    assert str(anchor_error(c, name)) == f"transaction {name} has no receipt"
    c = anchored(raw, name)
    c.receipts[name]["blockHash"] = "0x" + bhash(1).hex()
    e = anchor_error(c, name)
    assert (str(e), e.check) == (f"transaction {name}: its receipt is from another block",
                                 "anchor-tx")  # fmt: skip
    c = anchored(raw, name)
    c.receipts[name]["status"] = "0x0"
    e = anchor_error(c, name)
    assert (str(e), e.check) == (f"transaction {name} failed (receipt status 0)", "anchor-tx")
    c = anchored(raw, name)
    c.blocks[MINED_IN] = bhash(1000)
    e = anchor_error(c, name)
    assert (str(e), e.check) == (
        f"transaction {name}: block {MINED_IN} is not on the node's canonical chain",
        "anchor-tx",
    )
    c = anchored(raw, name)
    del c.blocks[MINED_IN]
    assert anchor_error(c, name).check == "anchor-tx"


def test_the_anchor_of_another_statement_on_a_node() -> None:
    raw, name = signed(data=ANCHOR_TAG + bytes(32))
    e = anchor_error(anchored(raw, name), name)
    assert (str(e), e.check) == (
        f"transaction {name} anchors the statement digest {'00' * 32}, not this statement's "
        f"({statement_digest(ANCHORED).hex()})",
        "anchor-data",
    )


def test_signed_anchors_refused_without_a_node() -> None:
    from verifier.chain.anchor import check_signed_anchor
    from verifier.chain.transaction import decode_raw

    anchor = parse_anchor(ANCHORED.extra["anchor"])
    digest = statement_digest(ANCHORED)
    raw, name = signed()
    with pytest.raises(VerificationError) as e:
        check_signed_anchor(anchor, digest, dataclasses.replace(decode_raw(raw), r=0), name)
    assert (str(e.value), e.value.check) == (
        f"transaction {name}: transaction signature: ECDSA r is not in [1, n-1]",
        "anchor-signature",
    )
    # the tag with a short digest, and 53 bytes without the tag: not "another statement's digest"
    for data in (ANCHOR_TAG + bytes(31), bytes(53)):
        raw, name = signed(data=data)
        with pytest.raises(VerificationError) as e:
            check_signed_anchor(anchor, digest, decode_raw(raw), name)
        assert (str(e.value), e.value.check) == (
            f"transaction {name}: its data is not 'zk-solvency/anchor/v1' followed by this "
            "statement's digest",
            "anchor-data",
        )
    raw, name = signed(to=None)
    with pytest.raises(VerificationError) as e:
        check_signed_anchor(anchor, digest, decode_raw(raw), name)
    assert (str(e.value), e.value.check) == (
        f"transaction {name} is sent to a contract creation, not to the anchor address itself",
        "anchor-data",
    )


def test_a_statement_without_a_signed_anchor() -> None:
    raw, name = signed()
    h = bytes.fromhex(name[2:])
    unsigned = _statement({"anchor": ANCHORED.extra["anchor"]})
    with pytest.raises(FormatError) as e:
        verify_anchor(unsigned, node(anchored(raw, name)), h)
    assert str(e.value) == (
        "statement.json: the statement is not signed, so its anchor address is not the "
        "exchange's word"
    )
    with pytest.raises(FormatError) as e:
        verify_anchor(_statement({"signature": "s"}), node(anchored(raw, name)), h)
    assert str(e.value) == "statement.json: the statement declares no anchor (section 'anchor')"
    bad = _statement({"anchor": {"chain": "bitcoin"}, "signature": "s"})
    with pytest.raises(FormatError, match=r"^statement.json: anchor: missing key 'chain_id'"):
        verify_anchor(bad, node(anchored(raw, name)), h)


# --- the published record -------------------------------------------------------------------------


def test_the_published_record() -> None:
    raw, name = signed()
    record = AnchorRecord(CHAIN, bytes.fromhex(name[2:]), raw)
    data = str(record.to_json()).replace("'", '"').encode()
    assert parse_anchor_record(data, "anchor.json") == record
    r = check_anchor_record(ANCHORED, record)
    assert (r.tx_hash, r.address, r.chain_id, r.tx_type) == (name, ADDRESS, CHAIN, "EIP-1559")
    assert r.digest == statement_digest(ANCHORED).hex()
    with pytest.raises(VerificationError) as e:
        check_anchor_record(ANCHORED, dataclasses.replace(record, chain_id=1))
    assert (str(e.value), e.value.check) == (
        f"anchor.json names chain id 1, the statement declares {CHAIN}",
        "anchor-chain",
    )
    with pytest.raises(VerificationError) as e:
        check_anchor_record(ANCHORED, dataclasses.replace(record, tx_hash=bytes(32)))
    assert e.value.check == "anchor-tx"
    assert str(e.value) == (
        f"anchor.json: the raw transaction hashes to {name}, not to the listed 0x{'00' * 32}"
    )
    other, other_name = signed(nonce=1, to=OTHER)
    with pytest.raises(VerificationError) as e:
        check_anchor_record(ANCHORED, AnchorRecord(CHAIN, keccak256(other), other))
    assert (str(e.value), e.value.check) == (
        f"transaction {other_name} is sent to 0x{OTHER[2:].lower()}, not to the anchor address "
        "itself",
        "anchor-data",
    )
    with pytest.raises(FormatError) as e:
        check_anchor_record(ANCHORED, AnchorRecord(CHAIN, keccak256(b"\x05"), b"\x05"))
    assert str(e.value) == (
        "anchor.json raw: transaction type 5 is not one this verifier rebuilds (legacy, "
        "EIP-2930 type 1, EIP-1559 type 2)"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"format": "zk-solvency/anchor-tx/v2"},
         f"anchor.json.format: expected {RECORD_FORMAT!r}"),
        ({"chain": "bitcoin"}, "anchor.json.chain: expected one of ('ethereum',)"),
        ({"chain_id": 0}, "anchor.json.chain_id: integer 0 out of range [1, 18446744073709551615]"),
        ({"tx": "42" * 32}, "anchor.json.tx: expected 0x followed by hex bytes"),
        ({"tx": "0x" + "42" * 31 + "4"}, "anchor.json.tx: expected 0x followed by hex bytes"),
        ({"tx": "0x" + "42" * 31}, "anchor.json.tx: a transaction hash is 32 bytes"),
        ({"raw": "0x" + "AB" * 4}, "anchor.json.raw: hex must contain only 0-9 and lowercase a-f"),
        ({"more": 1}, "anchor.json: unknown key 'more'"),
        ({"format": 5}, "anchor.json.format: expected a string, got integer"),
        ({"format": ""}, "anchor.json.format: string of 0 UTF-8 bytes, expected 1 to 64"),
        ({"format": "x"}, f"anchor.json.format: expected {RECORD_FORMAT!r}"),
        ({"format": "x" * 65}, "anchor.json.format: string of 65 UTF-8 bytes, expected 1 to 64"),
        ({"chain": 5}, "anchor.json.chain: expected a string, got integer"),
        ({"chain": ""}, "anchor.json.chain: string of 0 UTF-8 bytes, expected 1 to 16"),
        ({"chain": "x"}, "anchor.json.chain: expected one of ('ethereum',)"),
        ({"chain": "x" * 17}, "anchor.json.chain: string of 17 UTF-8 bytes, expected 1 to 16"),
        ({"tx": 5}, "anchor.json.tx: expected a string, got integer"),
        ({"tx": "0x" + "42" * 33}, "anchor.json.tx: string of 68 UTF-8 bytes, expected 4 to 66"),
        ({"raw": "0x"}, "anchor.json.raw: string of 2 UTF-8 bytes, expected 4 to 8194"),
        ({"raw": "0x" + "12" * 4097},
         "anchor.json.raw: string of 8196 UTF-8 bytes, expected 4 to 8194"),
    ],
)  # fmt: skip
def test_malformed_records(edit: dict[str, Any], message: str) -> None:
    import json

    raw, name = signed()
    doc = AnchorRecord(CHAIN, bytes.fromhex(name[2:]), raw).to_json() | edit
    with pytest.raises(FormatError) as e:
        parse_anchor_record(json.dumps(doc).encode(), "anchor.json")
    assert str(e.value) == message


def test_records_that_are_not_json_objects_or_too_long() -> None:
    import json

    raw, name = signed()
    doc = AnchorRecord(CHAIN, bytes.fromhex(name[2:]), raw).to_json()
    for data, message in (
        (b"{", "anchor.json: line 1 column 2: invalid JSON: Expecting property name enclosed in "
               "double quotes"),
        (b"[]", "anchor.json: expected an object, got array"),
        (json.dumps(doc).encode().ljust(16 * 1024 + 1),
         "anchor.json: 16385 bytes, more than the limit of 16384"),
    ):  # fmt: skip
        with pytest.raises(FormatError) as e:
            parse_anchor_record(data, "anchor.json")
        assert str(e.value) == message
    assert parse_anchor_record(json.dumps(doc).encode().ljust(16 * 1024), "anchor.json").raw == raw
    short = doc | {"raw": "0x12"}
    assert parse_anchor_record(json.dumps(short).encode(), "a").raw == b"\x12"


def test_anchor_sections_and_hashes() -> None:
    assert anchor_json(1, ADDRESS) == {"chain": "ethereum", "chain_id": 1, "address": ADDRESS}
    a = parse_anchor(anchor_json(CHAIN, ADDRESS))
    assert (a.chain, a.chain_id, a.raw) == ("ethereum", CHAIN, bytes.fromhex(ADDRESS[2:]))
    with pytest.raises(FormatError) as e:
        parse_anchor({"chain": "bitcoin", "chain_id": 1, "address": ADDRESS}, "anchor")
    assert str(e.value) == "anchor.chain: expected one of ('ethereum',)"
    with pytest.raises(FormatError) as e:
        parse_anchor({"chain": "ethereum", "chain_id": 1, "address": ADDRESS.lower()}, "a")
    assert str(e.value).startswith("a.address: address has no EIP-55 checksum")
    with pytest.raises(FormatError, match=r"^anchor.chain_id: integer 0 out of range"):
        anchor_json(0, ADDRESS)
    assert parse_anchor(anchor_json(2**64 - 1, ADDRESS)).chain_id == 2**64 - 1
    good = anchor_json(1, ADDRESS)
    for value, message in (
        ([], "anchor: expected an object, got array"),
        (good | {"chain": 5}, "anchor.chain: expected a string, got integer"),
        (good | {"chain": ""}, "anchor.chain: string of 0 UTF-8 bytes, expected 1 to 16"),
        (good | {"chain": "x" * 17}, "anchor.chain: string of 17 UTF-8 bytes, expected 1 to 16"),
        (good | {"chain": "x"}, "anchor.chain: expected one of ('ethereum',)"),
        (good | {"chain_id": 2**64},
         "anchor.chain_id: integer 18446744073709551616 out of range [1, 18446744073709551615]"),
        (good | {"address": 5}, "anchor.address: expected a string, got integer"),
        (good | {"address": ""}, "anchor.address: string of 0 UTF-8 bytes, expected 1 to 64"),
        (good | {"address": "x" * 65},
         "anchor.address: string of 65 UTF-8 bytes, expected 1 to 64"),
        (good | {"address": "x"},
         "anchor.address: not an ethereum address (0x followed by 40 hex digits)"),
    ):  # fmt: skip
        with pytest.raises(FormatError) as e:
            parse_anchor(value, "anchor")
        assert str(e.value) == message
    with pytest.raises(FormatError, match=r"^a statement digest is 32 bytes$"):
        anchor_data(bytes(31))
    assert anchor_data(bytes(32)) == b"zk-solvency/anchor/v1" + bytes(32)
    assert parse_tx_hash("0x" + "AB" * 32) == b"\xab" * 32
    with pytest.raises(FormatError) as e:
        parse_tx_hash("0x12")
    assert str(e.value) == "--anchor-tx '0x12': expected 0x followed by 64 hex digits"
    with pytest.raises(FormatError) as e:
        parse_tx_hash("0x" + "zz" * 32)
    assert str(e.value) == "--anchor-tx: hex must contain only 0-9 and lowercase a-f"
    for bad in ("ab" * 33, "0x" + "ab" * 31, "0x" + "ab" * 33):
        with pytest.raises(FormatError) as e:
            parse_tx_hash(bad, "--tx")
        assert str(e.value) == f"--tx {bad!r}: expected 0x followed by 64 hex digits"
    assert block_ref(5, None) == "0x5" and block_ref(5, b"\x01" * 32) == {
        "blockHash": "0x" + "01" * 32
    }


# --- transactions rebuilt from raw bytes and from a node's object ---------------------------------


def _raw_with(raw: bytes, index: int, value: Any) -> bytes:
    """A typed transaction's raw bytes with field `index` replaced (re-encoded, not re-signed)."""
    import rlp as pyrlp

    fields = pyrlp.decode(raw[1:])
    fields[index] = value
    return raw[:1] + pyrlp.encode(fields)


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (7, b"\x01", "tx.accessList: expected a list, got a byte string"),
        (7, [b"\x01"], "tx.accessList[0]: expected a list, got a byte string"),
        (7, [[b"\x01"]], "tx.accessList[0]: expected [address, storageKeys]"),
        (7, [[[b"1"] * 20, []]], "tx.accessList[0].address: expected a byte string, got a list"),
        (7, [[b"\x01" * 19, []]], "tx.accessList[0].address: expected 20 bytes"),
        (7, [[b"\x01" * 20, b"x"]],
         "tx.accessList[0].storageKeys: expected a list, got a byte string"),
        (7, [[b"\x01" * 20, [[b"1"]]]],
         "tx.accessList[0].storageKeys[0]: expected a byte string, got a list"),
        (7, [[b"\x01" * 20, [b"\x01" * 31]]], "tx.accessList[0].storageKeys[0]: expected 32 bytes"),
        (6, [b"1"], "tx.data: expected a byte string, got a list"),
        (5, b"\x01" * 33, "tx.value: an integer of 33 bytes (at most 32)"),
    ],
)  # fmt: skip
def test_raw_fields_refused_by_name(index: int, value: Any, message: str) -> None:
    from test_chain_transaction import sign

    from verifier.chain.transaction import decode_raw

    with pytest.raises(FormatError) as e:
        decode_raw(_raw_with(sign("eip2930")[0], index, value), "tx")
    assert str(e.value) == message


def test_legacy_chain_id_from_v() -> None:
    from verifier.chain.transaction import SignedTransaction, decode_raw

    base = SignedTransaction(0, None, 1, 2, 0, 0, 3, None, 0, b"", (), 27, 1, 1)
    for v, chain_id in ((27, None), (28, None), (0, None), (30, None), (34, None), (35, 0),
                        (36, 0), (37, 1), (38, 1)):  # fmt: skip
        tx = dataclasses.replace(base, v=v)
        assert decode_raw(tx.raw()).chain_id == chain_id, v


def _node_error(obj: dict[str, Any]) -> str:
    from verifier.chain.transaction import from_rpc

    with pytest.raises(NodeResponseError) as e:
        from_rpc(obj, "node")
    return str(e.value)


def test_node_objects_refused_by_name() -> None:
    from test_chain_transaction import OTHER, sign

    from verifier.chain.transaction import UnsupportedTransactionError, from_rpc

    obj = node_object(sign("eip2930")[0])
    for al, message in (
        ("x", "node.accessList: expected a list"),
        (["x"], "node.accessList[0]: expected {address, storageKeys}"),
        ([{"address": OTHER.address}], "node.accessList[0]: expected {address, storageKeys}"),
        ([{"address": OTHER.address, "storageKeys": [], "x": 1}],
         "node.accessList[0]: expected {address, storageKeys}"),
        ([{"address": OTHER.address, "storageKeys": "x"}],
         "node.accessList[0].storageKeys: expected a list"),
        ([{"address": "0x12", "storageKeys": []}],
         "node.accessList[0].address: expected a 20-byte address, got '0x12'"),
        ([{"address": OTHER.address, "storageKeys": ["0x" + "11" * 31]}],
         "node.accessList[0].storageKeys: expected 32 bytes, got 31"),
        ([{"address": OTHER.address, "storageKeys": ["11"]}],
         "node.accessList[0].storageKeys: expected 0x-prefixed hex bytes, got '11'"),
    ):  # fmt: skip
        assert _node_error(obj | {"accessList": al}) == message
    for key in ("type", "to", "input", "nonce", "gasPrice", "chainId", "accessList"):
        assert _node_error({k: v for k, v in obj.items() if k != key}) == (
            f"node: missing field {key!r}"
        )
    for key, value, message in (
        ("type", "0x02x", "node.type: expected a hex quantity, got '0x02x'"),
        ("to", "0x12", "node.to: expected a 20-byte address, got '0x12'"),
        ("input", "0x1", "node.input: expected 0x-prefixed hex bytes, got '0x1'"),
        ("gasPrice", "0x01", "node.gasPrice: expected a hex quantity, got '0x01'"),
        ("chainId", "0x01", "node.chainId: expected a hex quantity, got '0x01'"),
        ("yParity", "0x00", "node.yParity: expected a hex quantity, got '0x00'"),
    ):
        assert _node_error(obj | {key: value}) == message
    legacy = node_object(sign("legacy")[0])
    assert _node_error(legacy | {"chainId": "0x01"}) == (
        "node.chainId: expected a hex quantity, got '0x01'"
    )
    assert _node_error(legacy | {"gasPrice": "0x01"}) == (
        "node.gasPrice: expected a hex quantity, got '0x01'"
    )
    assert _node_error({k: v for k, v in legacy.items() if k != "gasPrice"}) == (
        "node: missing field 'gasPrice'"
    )
    eip1559 = node_object(sign("eip1559")[0])
    assert _node_error(eip1559 | {"maxPriorityFeePerGas": "0x01"}) == (
        "node.maxPriorityFeePerGas: expected a hex quantity, got '0x01'"
    )
    with pytest.raises(UnsupportedTransactionError) as e:
        from_rpc(eip1559 | {"type": "0x3"}, "node")
    assert str(e.value) == (
        "node: transaction type 3 is not one this verifier rebuilds (legacy, EIP-2930 type 1, "
        "EIP-1559 type 2)"
    )


@pytest.mark.parametrize("kind", ["legacy", "eip2930", "eip1559"])
def test_a_node_object_gives_the_transaction_of_the_raw_bytes(kind: str) -> None:
    from test_chain_transaction import sign

    from verifier.chain.transaction import decode_raw, from_rpc

    raw = sign(kind)[0]
    obj = node_object(raw)
    assert from_rpc(obj, "node") == decode_raw(raw)
    if kind != "legacy":  # yParity is optional: v is the parity then
        without = {k: v for k, v in obj.items() if k != "yParity"}
        assert from_rpc(without, "node") == decode_raw(raw)


#: The fields of each kind in signed order: (name, largest integer in bytes; 0: not an integer).
_FIELDS = {
    "legacy": [("nonce", 8), ("gasPrice", 32), ("gas", 8), ("to", 0), ("value", 32),
               ("data", 0), ("v", 32), ("r", 32), ("s", 32)],
    "eip2930": [("chainId", 32), ("nonce", 8), ("fee", 32), ("gas", 8), ("to", 0),
                ("value", 32), ("data", 0), ("accessList", 0), ("yParity", 32), ("r", 32),
                ("s", 32)],
    "eip1559": [("chainId", 32), ("nonce", 8), ("fee", 32), ("fee", 32), ("gas", 8), ("to", 0),
                ("value", 32), ("data", 0), ("accessList", 0), ("yParity", 32), ("r", 32),
                ("s", 32)],
}  # fmt: skip


@pytest.mark.parametrize("kind", ["legacy", "eip2930", "eip1559"])
def test_every_raw_field_is_named_and_bounded(kind: str) -> None:
    import rlp as pyrlp
    from test_chain_transaction import sign

    from verifier.chain.transaction import decode_raw

    raw = sign(kind)[0]
    typed = kind != "legacy"

    def with_field(i: int, value: Any) -> bytes:
        fields = pyrlp.decode(raw[1:] if typed else raw)
        fields[i] = value
        return raw[:1] * typed + pyrlp.encode(fields)

    def refused(data: bytes) -> str:
        with pytest.raises(FormatError) as e:
            decode_raw(data, "tx")
        return str(e.value)

    for i, (name, size) in enumerate(_FIELDS[kind]):
        if name in ("to", "data"):
            assert (
                refused(with_field(i, [b"1"])) == f"tx.{name}: expected a byte string, got a list"
            )
        if name == "to":
            assert refused(with_field(i, b"\x01" * 21)) == "tx.to: an address is 20 bytes, got 21"
        if not size:
            continue
        assert refused(with_field(i, [b"1"])) == f"tx.{name}: expected a byte string, got a list"
        assert refused(with_field(i, b"\x01" * (size + 1))) == (
            f"tx.{name}: an integer of {size + 1} bytes (at most {size})"
        )
        assert refused(with_field(i, b"\x00\x01")) == (
            f"tx.{name}: an integer with a leading zero byte (not canonical)"
        )
        decode_raw(with_field(i, b"\x01" * size), "tx")  # the largest accepted


def test_raw_transactions_that_are_not_lists() -> None:
    from verifier.chain.transaction import SignedTransaction, decode_raw

    for raw, message in (
        (b"", "transaction: empty"),
        (b"\xc0", "transaction: a legacy (EIP-155) transaction has 9 fields, not 0"),
        (b"\x02\x80", "transaction: expected a list, got a byte string"),
        (b"\x02\x81", "transaction: RLP string runs past the end"),
    ):
        with pytest.raises(FormatError) as e:
            decode_raw(raw)
        assert str(e.value) == message
    # a typed transaction signed for chain id 0 keeps it (not the "no chain id" of legacy)
    zero = SignedTransaction(2, 0, 1, 0, 2, 3, 4, None, 0, b"", (), 0, 1, 1)
    assert decode_raw(zero.raw()).chain_id == 0 and zero.raw()[:3] == b"\x02\xcc\x80"


# --- what a node answers, checked field by field ----------------------------------------------


class Answers:
    """A client that answers each method with a fixed value (one per call in call_many)."""

    label = "fake"

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any]] = []

    def call(self, method: str, params: Any) -> Any:
        self.calls.append((method, params))
        return self.answers[method]

    def call_many(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        return [self.call(m, p) for m, p in calls]


def _answer_error(method: str, answer: Any, ask: Any) -> str:
    with pytest.raises(NodeResponseError) as e:
        ask(node(Answers(**{method: answer})))  # type: ignore[arg-type]
    return str(e.value)


def test_node_answers_named_field_by_field() -> None:
    h = bhash(7)
    hh = "0x" + h.hex()
    block = {"number": q(5), "hash": hh, "timestamp": q(9)}
    tx = {"hash": hh, "from": "0x" + "ab" * 20, "blockHash": hh, "blockNumber": q(5)}
    receipt = {"transactionHash": hh, "blockHash": hh, "blockNumber": q(5), "status": "0x1"}
    n = node(Answers(eth_getBlockByNumber=block, eth_getTransactionByHash=tx,
                     eth_getTransactionReceipt=receipt))  # fmt: skip
    assert n.block(5) == Block(5, h, 9)
    assert n.receipt(h) == Receipt(h, h, 5, 1)
    assert n.transaction(h) == Transaction(h, bytes([0xAB]) * 20, h, 5, tx)
    blk = "node fake: eth_getBlockByNumber(5)"
    for answer, message in (
        ([], f"{blk}: expected an object, got []"),
        ({"hash": hh}, f"{blk}: missing field 'number'"),
        (block | {"number": "5"}, f"{blk}.number: expected a hex quantity, got '5'"),
        ({"number": q(5)}, f"{blk}: missing field 'hash'"),
        (block | {"hash": hh[:-2]}, f"{blk}.hash: expected 32 bytes, got 31"),
        ({"number": q(5), "hash": hh}, f"{blk}: missing field 'timestamp'"),
        (block | {"timestamp": "9"}, f"{blk}.timestamp: expected a hex quantity, got '9'"),
    ):
        assert _answer_error("eth_getBlockByNumber", answer, lambda n: n.block(5)) == message
    txw = "node fake: eth_getTransactionByHash"
    for answer, message in (
        ("x", f"{txw}: expected an object, got 'x'"),
        ({k: v for k, v in tx.items() if k != "blockHash"}, f"{txw}: missing field 'blockHash'"),
        ({k: v for k, v in tx.items() if k != "blockNumber"},
         f"{txw}: missing field 'blockNumber'"),
        ({k: v for k, v in tx.items() if k != "hash"}, f"{txw}: missing field 'hash'"),
        (tx | {"hash": hh[:-2]}, f"{txw}.hash: expected 32 bytes, got 31"),
        (tx | {"hash": 5}, f"{txw}.hash: expected 0x-prefixed hex bytes, got 5"),
        ({k: v for k, v in tx.items() if k != "from"}, f"{txw}: missing field 'from'"),
        (tx | {"from": "0x12"}, f"{txw}.from: expected a 20-byte address, got '0x12'"),
        (tx | {"blockHash": hh[:-2]}, f"{txw}.blockHash: expected 32 bytes, got 31"),
        (tx | {"blockHash": 5}, f"{txw}.blockHash: expected 0x-prefixed hex bytes, got 5"),
        (tx | {"blockNumber": "5"}, f"{txw}.blockNumber: expected a hex quantity, got '5'"),
    ):  # fmt: skip
        got = _answer_error("eth_getTransactionByHash", answer, lambda n: n.transaction(h))
        assert got == message
    rw = "node fake: eth_getTransactionReceipt"
    for answer, message in (
        (1, f"{rw}: expected an object, got 1"),
        ({}, f"{rw}: missing field 'transactionHash'"),
        (receipt | {"transactionHash": hh[:-2]}, f"{rw}.transactionHash: expected 32 bytes, got 31"),
        (receipt | {"transactionHash": 5},
         f"{rw}.transactionHash: expected 0x-prefixed hex bytes, got 5"),
        ({"transactionHash": hh}, f"{rw}: missing field 'blockHash'"),
        (receipt | {"blockHash": hh[:-2]}, f"{rw}.blockHash: expected 32 bytes, got 31"),
        (receipt | {"blockHash": 5}, f"{rw}.blockHash: expected 0x-prefixed hex bytes, got 5"),
        ({"transactionHash": hh, "blockHash": hh}, f"{rw}: missing field 'blockNumber'"),
        (receipt | {"blockNumber": "5"}, f"{rw}.blockNumber: expected a hex quantity, got '5'"),
        ({k: v for k, v in receipt.items() if k != "status"}, f"{rw}: missing field 'status'"),
        (receipt | {"status": "1"}, f"{rw}.status: expected a hex quantity, got '1'"),
    ):  # fmt: skip
        assert _answer_error("eth_getTransactionReceipt", answer, lambda n: n.receipt(h)) == message
    assert _answer_error("eth_chainId", "1", lambda n: n.chain_id()) == (
        "node fake: eth_chainId: expected a hex quantity, got '1'"
    )
    assert _answer_error("eth_blockNumber", "1", lambda n: n.block_number()) == (
        "node fake: eth_blockNumber: expected a hex quantity, got '1'"
    )
    assert _answer_error("eth_getBalance", "1", lambda n: n.balances([wallet(0)], "0x5")) == (
        f"node fake: eth_getBalance(0x{wallet(0).hex()}): expected a hex quantity, got '1'"
    )
    assert (
        _answer_error(
            "eth_call", "1", lambda n: n.erc20_calls(TOKEN, [BALANCE_OF + bytes(32)], "0x5")
        )
        == f"node fake: eth_call(0x{TOKEN.hex()}, 0x70a08231): expected 0x-prefixed hex bytes, got '1'"
    )


def test_the_requests_a_node_receives() -> None:
    c = Answers(eth_blockNumber="0x0", eth_getBlockByNumber=None, eth_getBalance="0x0",
                eth_call="0x")  # fmt: skip
    n = node(c)  # type: ignore[arg-type]
    n.block_number()
    assert n.block(5) is None
    n.balances([wallet(0)], "0x5")
    n.erc20_calls(TOKEN, [DECIMALS], {"blockHash": "0x" + bhash(1).hex()})
    assert c.calls == [
        ("eth_blockNumber", []),
        ("eth_getBlockByNumber", ["0x5", False]),
        ("eth_getBalance", ["0x" + wallet(0).hex(), "0x5"]),
        ("eth_call", [{"to": "0x" + TOKEN.hex(), "data": "0x313ce567"},
                      {"blockHash": "0x" + bhash(1).hex()}]),
    ]  # fmt: skip


def test_long_answers_are_cut_in_messages_and_data_has_a_limit() -> None:
    from verifier.chain.ethereum import MAX_DATA_BYTES, hex_data, hex_quantity

    with pytest.raises(NodeResponseError) as e:
        hex_quantity("x" * 78, "w")
    assert str(e.value) == "w: expected a hex quantity, got '" + "x" * 78 + "'"
    with pytest.raises(NodeResponseError) as e:
        hex_quantity("x" * 79, "w")
    assert str(e.value) == "w: expected a hex quantity, got '" + "x" * 76 + "..."
    top = "0x" + "ab" * MAX_DATA_BYTES
    assert len(hex_data(top, "w")) == MAX_DATA_BYTES
    with pytest.raises(NodeResponseError) as e:
        hex_data(top + "ab", "w")
    assert str(e.value) == "w: expected 0x-prefixed hex bytes, got '0xabababab" + "ab" * 33 + "..."


def test_rlp_edges_and_messages() -> None:
    from verifier.chain import rlp

    with pytest.raises(FormatError) as e:
        rlp.encode_uint(-1)
    assert str(e.value) == "RLP integers are not negative"
    assert rlp.decode(b"\x81\x80") == b"\x80"  # 0x80 itself takes a prefix
    assert rlp.decode(b"\xb8\x38" + b"a" * 56) == b"a" * 56  # the shortest long form
    for data, message in (
        (b"\x81", "RLP: RLP string runs past the end"),
        (b"\x81\x7f", "RLP: RLP single byte below 0x80 with a prefix (not canonical)"),
        (b"\xb8\x37" + b"a" * 55, "RLP: RLP long form for 55 bytes (not canonical)"),
        (b"\xf8\x37" + b"\x01" * 55, "RLP: RLP long form for 55 bytes (not canonical)"),
        (b"\xb9\x00\x40" + b"a" * 64, "RLP: RLP length with a leading zero byte (not canonical)"),
        (b"\xc2\x01", "RLP: RLP list runs past the end"),
        (b"\xc2\x81\x01", "RLP: RLP single byte below 0x80 with a prefix (not canonical)"),
    ):
        with pytest.raises(FormatError) as e:
            rlp.decode(data)
        assert str(e.value) == message


# --- the commands: reserves --eth-rpc, statement --eth-rpc [--anchor-tx] --------------------------

SIGNING_KEY = bytes([9]) * 32


def _reserves_statement(*, signed: bool = True, version: int = 2) -> Statement:
    """A statement carrying test_reserves_v2's signed reserves (BTC, ETH, USDT on chain 1 at
    block 21,000,000), signed by SIGNING_KEY."""
    from test_reserves_v2 import BASE, EXCHANGE, ROUND

    from circuits import bip340
    from verifier.solvency import signed_message

    params = Params(4, 32, "aggregated", (Asset("BTC", 8), Asset("ETH", 18), Asset("USDT", 6)),
                    "00" * 32)  # fmt: skip
    st = Statement(ROUND, None, params, Root(bytes(32), (), b""), EXCHANGE,
                   {"reserves": BASE}, version)  # fmt: skip
    if signed:
        sig = bip340.sign(SIGNING_KEY, signed_message(st.to_json()), bytes(32))
        st.extra["signature"] = {"pubkey": bip340.xonly_pubkey(SIGNING_KEY).hex(), "sig": sig.hex()}
    return st


def _mainnet_node(extra_wei: int = 0) -> FakeClient:
    """Chain 1 holding exactly what test_reserves_v2's ETH and USDT wallets claim."""
    from test_reserves_v2 import BASE, ETH_HASH, USDT

    from verifier.ownership.ethereum import parse_address

    c = FakeClient(1)
    c.blocks[21_000_000] = bytes.fromhex(ETH_HASH[2:])
    (eth,) = BASE["assets"]["ETH"]["wallets"]
    c.ether = {parse_address(eth["address"]): eth["balance"] + extra_wei}
    c.tokens[parse_address(USDT)] = {
        "decimals": "0x" + (6).to_bytes(32, "big").hex(),
        "balances": {parse_address(w["address"]): w["balance"]
                     for w in BASE["assets"]["USDT"]["wallets"]},
    }  # fmt: skip
    return c


def _args(**kw: Any) -> Any:
    import argparse

    base = {"eth_rpc": ["http://node.example:8545"], "rpc_timeout": 5.0, "anchor_tx": None,
            "statement": "st.json", "exchange_key": None}  # fmt: skip
    return argparse.Namespace(**(base | kw))


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The fake client each node URL gets (verifier.chain.commands builds its nodes from URLs)."""
    from verifier.chain import commands

    made: dict[str, Any] = {}

    def client(url: str, *, timeout: float) -> Any:
        made.setdefault("timeouts", []).append(timeout)
        return made[url]

    monkeypatch.setattr(commands, "JsonRpcClient", client)
    return made


def test_wallet_lists_and_closing_lines() -> None:
    from verifier.chain.commands import _wallets_text, closing_lines

    assert _wallets_text(["a"]) == "a"
    assert _wallets_text(["a", "b", "c"]) == "a, b, c"
    assert _wallets_text(["a", "b", "c", "d"]) == "a, b, c and 1 more"
    assert _wallets_text(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert closing_lines([], []) == []
    checked = (
        "Checked on chain: A; B. Each wallet's balance at that block (read by block hash) is at "
        "least its claim; the node is trusted for its answers."
    )
    unchecked = (
        "Not checked on chain: C. Compare each of these addresses' balance at the listed block "
        "with your own node or an explorer (README, 'Checking a Bitcoin wallet by hand')."
    )
    assert closing_lines(["A", "B"], ["C"]) == [checked, unchecked]
    assert closing_lines(["A", "B"], []) == [checked]
    assert closing_lines([], ["C"]) == [unchecked]


def test_node_options() -> None:
    import argparse

    from verifier.chain.commands import add_node_arguments

    p = argparse.ArgumentParser()
    add_node_arguments(p, anchor=True)
    a = p.parse_args([])
    assert (a.eth_rpc, a.rpc_timeout, a.anchor_tx) == ([], 20.0, None)
    a = p.parse_args(["--eth-rpc", "u1", "--eth-rpc", "u2", "--rpc-timeout", "1.5",
                      "--anchor-tx", "0x1"])  # fmt: skip
    assert (a.eth_rpc, a.rpc_timeout, a.anchor_tx) == (["u1", "u2"], 1.5, "0x1")
    helps = {x.dest: (x.metavar, x.help) for x in p._actions}
    assert helps["eth_rpc"] == ("URL", (
        "JSON-RPC URL of an Ethereum node (yours, ideally; an archive node for old blocks): "
        "check block hashes and every wallet's balance at the listed heights, and the anchor "
        "transaction (repeat for several chains)"
    ))  # fmt: skip
    assert helps["rpc_timeout"] == (
        "SECONDS",
        "give up on a node request after this long (default 20)",
    )
    assert helps["anchor_tx"] == ("HASH", (
        "the statement's anchor transaction (0x + 64 hex): check it is mined, sent by the "
        "anchor address the statement declares, and carries this statement's digest"
    ))  # fmt: skip
    assert [g.title for g in p._action_groups][-1] == "chain nodes"
    q2 = argparse.ArgumentParser()
    add_node_arguments(q2, anchor=False)
    assert not hasattr(q2.parse_args([]), "anchor_tx")
    assert {x.dest: x.help for x in q2._actions}["eth_rpc"] == (
        "JSON-RPC URL of an Ethereum node (yours, ideally; an archive node for old blocks): "
        "check block hashes and every wallet's balance at the listed heights (repeat for "
        "several chains)"
    )


def test_node_timeouts(clients: dict[str, Any]) -> None:
    from verifier.chain.commands import nodes

    clients["http://a"] = FakeClient()
    clients["http://b"] = FakeClient(1)
    for bad in (0.0, -1.0, 600.5):
        with pytest.raises(FormatError) as e:
            nodes(_args(rpc_timeout=bad))
        assert str(e.value) == "--rpc-timeout: expected seconds in (0, 600]"
    got = nodes(_args(eth_rpc=["http://a", "http://b"], rpc_timeout=600.0))
    assert [n.client for n in got] == [clients["http://a"], clients["http://b"]]
    assert nodes(_args(eth_rpc=[], rpc_timeout=0.001)) == []
    assert clients["timeouts"] == [600.0, 600.0]


def test_reserves_command_prints_each_asset(clients: dict[str, Any]) -> None:
    from test_reserves_v2 import BASE, USDT

    from circuits import bip340
    from verifier.chain.commands import BITCOIN_NOTE, reserves_command

    clients["http://node.example:8545"] = _mainnet_node()
    said: list[str] = []
    data: dict[str, Any] = {}
    reserves_command(_reserves_statement(), _args(), said.append, data)
    btc = [w["address"] for w in BASE["assets"]["BTC"]["wallets"]]
    (eth,) = [w["address"] for w in BASE["assets"]["ETH"]["wallets"]]
    usdt = [w["address"] for w in BASE["assets"]["USDT"]["wallets"]]
    block = "0x" + "ab" * 32
    assert said == [
        "[ok] signature: the statement is signed by the exchange key "
        + bip340.xonly_pubkey(SIGNING_KEY).hex(),
        "[ok] reserves: 7 wallet signature(s) verified, each by its listed address",
        f"[--] BTC on bitcoin: {BITCOIN_NOTE}",
        "[ok] ETH on chain 1 (ether): block 21000000 has the listed hash; each of 1 wallet(s) "
        "holds at least its claim (claimed 25.000000000000000001, held 25.000000000000000001, "
        "node fake)",
        f"[ok] USDT on chain 1 (token {USDT}): block 21000000 has the listed hash; each of 2 "
        "wallet(s) holds at least its claim (claimed 1050.000000, held 1050.000000, node fake)",
        f"Checked on chain: ETH at block 21000000 of chain 1 (1 wallet(s): {eth}); USDT at block "
        f"21000000 of chain 1 (2 wallet(s): {usdt[0]}, {usdt[1]}). Each wallet's balance at "
        "that block (read by block hash) is at least its claim; the node is trusted for its "
        "answers.",
        f"Not checked on chain: BTC (bitcoin, block 870000: {btc[0]}, {btc[1]}, {btc[2]} and 1 "
        "more). Compare each of these addresses' balance at the listed block with your own node "
        "or an explorer (README, 'Checking a Bitcoin wallet by hand').",
    ]
    eth_json = {"chain_id": 1, "block_height": 21_000_000, "block_hash": block, "token": None,
                "wallets": 1, "claimed": 25 * 10**18 + 1, "held": 25 * 10**18 + 1,
                "node": "fake", "findings": []}  # fmt: skip
    assert data == {
        "chain": {
            "BTC": {"checked": False, "addresses": btc},
            "ETH": {"checked": True, **eth_json, "addresses": [eth]},
            "USDT": {"checked": True, **eth_json, "token": USDT, "wallets": 2,
                     "claimed": 1_050_000_000, "held": 1_050_000_000, "addresses": usdt},
        }
    }  # fmt: skip


def test_reserves_command_refusals(clients: dict[str, Any]) -> None:
    from verifier.chain.commands import reserves_command

    clients["http://node.example:8545"] = _mainnet_node(extra_wei=-1)
    data: dict[str, Any] = {}
    with pytest.raises(ChainMismatchError) as e:
        reserves_command(_reserves_statement(signed=False), _args(), lambda s: None, data)
    (finding,) = e.value.findings
    assert data == {"chain_findings": [
        {"check": "chain-balance", "path": "assets.ETH.wallets[0]", "message": finding.message}
    ]}  # fmt: skip
    for st, args, message in (
        (_reserves_statement(), _args(eth_rpc=[]), "give an Ethereum node: --eth-rpc URL"),
        (_statement({}), _args(), "st.json: the statement has no reserves"),
        (_reserves_statement(version=1, signed=False), _args(),
         "st.json: v1 reserves name no block hash, chain id or token"),
        (dataclasses.replace(_reserves_statement(signed=False), exchange=None), _args(),
         "st.json: v1 reserves name no block hash, chain id or token"),
    ):  # fmt: skip
        with pytest.raises(FormatError) as e2:
            reserves_command(st, args, lambda s: None, {})
        assert str(e2.value) == message


def test_statement_chain_checks(clients: dict[str, Any]) -> None:
    from verifier.chain.commands import chain_checks

    said: list[str] = []
    data: dict[str, Any] = {}
    chain_checks(ANCHORED, _args(eth_rpc=[]), said.append, data)
    assert (said, data) == ([], {})
    with pytest.raises(FormatError) as e:
        chain_checks(ANCHORED, _args(eth_rpc=[], anchor_tx="0x12"), said.append, data)
    assert str(e.value) == "--anchor-tx needs --eth-rpc URL (a node of the anchor's chain)"
    with pytest.raises(FormatError) as e:
        chain_checks(ANCHORED, _args(anchor_tx="0x12"), said.append, data)
    assert str(e.value) == "--anchor-tx '0x12': expected 0x followed by 64 hex digits"
    raw, name = signed()
    clients["http://other"] = FakeClient(1)
    clients["http://this"] = anchored(raw, name)
    args = _args(eth_rpc=["http://other", "http://this"], anchor_tx=name.upper().replace("X", "x"))
    chain_checks(ANCHORED, args, said.append, data)  # the anchor's chain's node is chosen
    r = verify_anchor(ANCHORED, node(anchored(raw, name)), bytes.fromhex(name[2:]))
    assert (said, data) == ([r.line()], {"anchor": r.to_json()})
    # a statement with reserves and no anchor transaction: the reserves only
    clients["http://node.example:8545"] = _mainnet_node()
    said.clear()
    data.clear()
    chain_checks(_reserves_statement(), _args(), said.append, data)
    assert said[0].startswith("[--] BTC on bitcoin: ") and len(said) == 5 and "chain" in data
    # an anchor section that is not an object names no chain: the first node is asked
    odd = _statement({"anchor": [], "signature": "s"})
    clients["http://this"] = anchored(raw, name)
    with pytest.raises(FormatError) as e:
        chain_checks(odd, _args(eth_rpc=["http://this"], anchor_tx=name), said.append, data)
    assert str(e.value) == "statement.json: anchor: expected an object, got array"


def test_commands_pinned_key_malformed_reserves_and_anchor_nodes(clients: dict[str, Any]) -> None:
    from test_reserves_v2 import BASE

    from circuits import bip340
    from verifier.chain.commands import chain_checks, closing_lines, reserves_command

    assert closing_lines([], ["C", "D"])[0].startswith("Not checked on chain: C; D. Compare")
    clients["http://node.example:8545"] = _mainnet_node()
    st = _reserves_statement()
    other = bip340.xonly_pubkey(bytes([8]) * 32).hex()
    with pytest.raises(VerificationError) as e:
        reserves_command(st, _args(exchange_key=other), lambda s: None, {})
    assert (str(e.value), e.value.check) == (
        "the statement is signed by another key than the one you pinned",
        "signature",
    )
    mine = bip340.xonly_pubkey(SIGNING_KEY).hex()
    said: list[str] = []
    reserves_command(st, _args(exchange_key=mine), said.append, {})
    assert said[0] == f"[ok] signature: the statement is signed by the exchange key {mine}"
    broken = _reserves_statement(signed=False)
    broken.extra["reserves"] = BASE | {"exchange": 5}
    with pytest.raises(FormatError) as e2:
        reserves_command(broken, _args(), lambda s: None, {})
    assert str(e2.value) == "statement.json reserves: exchange: expected a string, got integer"
    # `reserves` has no --anchor-tx option: chain_checks reads it as absent
    import argparse

    chain_checks(ANCHORED, argparse.Namespace(eth_rpc=[], rpc_timeout=5.0), said.append, {})
    # no node of the anchor's chain among several: the first is asked, and named wrong
    _raw, name = signed()
    clients["http://one"] = FakeClient(1)
    clients["http://two"] = FakeClient(5)
    with pytest.raises(WrongChainError) as e3:
        chain_checks(ANCHORED, _args(eth_rpc=["http://one", "http://two"], anchor_tx=name),
                     said.append, {})  # fmt: skip
    assert str(e3.value) == (
        f"the statement's anchor is on chain id {CHAIN}, but the node fake serves chain id 1: "
        f"give a node of chain {CHAIN}"
    )


def test_rlp_encodes_a_single_byte_of_0x80_or_more_with_a_prefix() -> None:
    from verifier.chain import rlp

    assert (rlp.encode(b"\x80"), rlp.encode(b"\x7f"), rlp.encode(b"")) == (
        b"\x81\x80",
        b"\x7f",
        b"\x80",
    )
    assert rlp.decode(b"\xb8\x38" + b"a" * 56) == b"a" * 56  # the shortest long form
