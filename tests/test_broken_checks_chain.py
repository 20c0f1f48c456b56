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
from verifier.chain.ethereum import BALANCE_OF, DECIMALS, EthNode, block_ref
from verifier.chain.reserves import (
    ChainMismatchError,
    EthAssetClaim,
    WalletClaim,
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
    assert eth.to_json()["held"] == 4 * 10**8 and eth.to_json()["findings"] == []
    ref = {"blockHash": "0x" + bhash(HEIGHT).hex()}
    assert [p[1] for m, p in c.calls if m in ("eth_getBalance", "eth_call")] == [ref] * 5


def test_one_unit_more_than_held_is_named() -> None:
    c = funded()
    got = findings([claim(balances=(3 * 10**8 + 1, 10**8 + 1))], c)
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
    params = Params(4, 32, "aggregated", (Asset("ETH", 8), Asset("BTC", 8)), "00" * 32)
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
    res = {"format": "zk-solvency/reserves/v2", "exchange": "X", "round": "2026-11",
           "assets": {"BTC": btc, "ETH": eth}}  # fmt: skip
    (got,) = eth_claims(_statement({"reserves": res}))
    assert got == claim(balances=(5,), height=HEIGHT)
    with pytest.raises(FormatError, match=r"^statement.json: the statement has no reserves$"):
        eth_claims(_statement({}))
    with pytest.raises(FormatError, match=r"^statement.json: v1 reserves name no block hash"):
        eth_claims(_statement({"reserves": res}, 1))
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
    assert r.to_json()["sender_recovered"] is True and f"mined in block {MINED_IN}" in r.line()


def test_what_a_node_says_is_checked() -> None:
    raw, name = signed()
    h = bytes.fromhex(name[2:])
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, hash="0x" + "42" * 32)), h)
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}): the node answered another transaction, "
        f"0x{'42' * 32}"
    )
    with pytest.raises(NodeResponseError, match=r"hashes to 0x[0-9a-f]{64} \(keccak256 of its"):
        verify_anchor(ANCHORED, node(anchored(raw, name, nonce="0x1")), h)
    with pytest.raises(NodeResponseError) as e:
        verify_anchor(ANCHORED, node(anchored(raw, name, **{"from": OTHER})), h)
    assert str(e.value) == (
        f"node fake: eth_getTransactionByHash({name}): the node says the transaction is from "
        f"{OTHER.lower()}, but its signature recovers {ADDRESS}: the node is not to be trusted"
    )
    with pytest.raises(WrongChainError):
        verify_anchor(ANCHORED, node(FakeClient(1)), h)


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
    assert e.check == "anchor-data" and "anchors the statement digest " + "00" * 32 in str(e)


def test_a_statement_without_a_signed_anchor() -> None:
    raw, name = signed()
    h = bytes.fromhex(name[2:])
    unsigned = _statement({"anchor": ANCHORED.extra["anchor"]})
    with pytest.raises(FormatError, match=r"^statement.json: the statement is not signed, so"):
        verify_anchor(unsigned, node(anchored(raw, name)), h)
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
    other, _ = signed(nonce=1, to=OTHER)
    with pytest.raises(VerificationError) as e:
        check_anchor_record(ANCHORED, AnchorRecord(CHAIN, keccak256(other), other))
    assert e.value.check == "anchor-data"


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
    ],
)  # fmt: skip
def test_malformed_records(edit: dict[str, Any], message: str) -> None:
    import json

    raw, name = signed()
    doc = AnchorRecord(CHAIN, bytes.fromhex(name[2:]), raw).to_json() | edit
    with pytest.raises(FormatError) as e:
        parse_anchor_record(json.dumps(doc).encode(), "anchor.json")
    assert str(e.value) == message


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
    with pytest.raises(FormatError, match=r"^a statement digest is 32 bytes$"):
        anchor_data(bytes(31))
    assert anchor_data(bytes(32)) == b"zk-solvency/anchor/v1" + bytes(32)
    assert parse_tx_hash("0x" + "AB" * 32) == b"\xab" * 32
    for bad in ("ab" * 33, "0x" + "ab" * 31, "0x" + "ab" * 33):
        with pytest.raises(FormatError) as e:
            parse_tx_hash(bad, "--tx")
        assert str(e.value) == f"--tx {bad!r}: expected 0x followed by 64 hex digits"
    assert block_ref(5, None) == "0x5" and block_ref(5, b"\x01" * 32) == {
        "blockHash": "0x" + "01" * 32
    }
