"""Typed Ethereum JSON-RPC calls with every result validated (docs/PROTOCOL.md 9.6).

Calls used: `eth_chainId`, `eth_blockNumber`, `eth_getBlockByNumber(height, false)`,
`eth_getBalance(address, block)`, `eth_call({to: token, data}, block)` for ERC-20 `balanceOf` and
`decimals`, `eth_getTransactionByHash`, `eth_getTransactionReceipt`. A block is named by hash
(EIP-1898 `{"blockHash": ...}`) wherever its hash is known, so balances are read at exactly the
block whose hash was checked.

Results are refused (`NodeResponseError`) unless they are exactly what the specification
allows: quantities `0x` + lowercase hex without leading zeros and below 2^256, data `0x` + an even
number of lowercase hex digits, hashes of 32 bytes, addresses of 20 bytes (either case).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifier.chain.rpc import JsonRpcClient, NodeResponseError, WrongChainError

__all__ = [
    "BALANCE_OF",
    "DECIMALS",
    "Block",
    "EthNode",
    "Receipt",
    "Transaction",
    "block_ref",
    "field_of",
    "hex_address",
    "hex_data",
    "hex_quantity",
]

#: ERC-20 function selectors: keccak256("balanceOf(address)")[:4], keccak256("decimals()")[:4].
BALANCE_OF = bytes.fromhex("70a08231")
DECIMALS = bytes.fromhex("313ce567")

_QUANTITY = re.compile(r"0x(?:0|[1-9a-f][0-9a-f]{0,63})")
_DATA = re.compile(r"0x(?:[0-9a-f]{2})*")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
MAX_DATA_BYTES = 1 << 20


def hex_quantity(value: Any, what: str) -> int:
    """A QUANTITY: "0x" + lowercase hex, no leading zeros ("0x0" for zero), below 2^256."""
    if not isinstance(value, str) or not _QUANTITY.fullmatch(value):
        raise NodeResponseError(f"{what}: expected a hex quantity, got {_show(value)}")
    return int(value, 16)


def hex_data(value: Any, what: str, nbytes: int | None = None) -> bytes:
    """DATA: "0x" + two lowercase hex digits per byte; exactly `nbytes` bytes when given."""
    if (
        not isinstance(value, str)
        or len(value) > 2 + 2 * MAX_DATA_BYTES
        or not _DATA.fullmatch(value)
    ):
        raise NodeResponseError(f"{what}: expected 0x-prefixed hex bytes, got {_show(value)}")
    raw = bytes.fromhex(value[2:])
    if nbytes is not None and len(raw) != nbytes:
        raise NodeResponseError(f"{what}: expected {nbytes} bytes, got {len(raw)}")
    return raw


def hex_address(value: Any, what: str) -> bytes:
    """An address: "0x" + 40 hex digits, in either case (the execution API lets nodes write
    checksummed addresses; the case carries no information here)."""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise NodeResponseError(f"{what}: expected a 20-byte address, got {_show(value)}")
    return bytes.fromhex(value[2:])


def _show(value: Any) -> str:
    s = repr(value)
    return s if len(s) <= 80 else s[:77] + "..."


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NodeResponseError(f"{what}: expected an object, got {_show(value)}")
    return value


def field_of(obj: dict[str, Any], key: str, what: str) -> Any:
    """obj[key]; NodeResponseError naming `what` when the node left it out."""
    if key not in obj:
        raise NodeResponseError(f"{what}: missing field {key!r}")
    return obj[key]


def block_ref(height: int, block_hash: bytes | None) -> Any:
    """The block parameter of a state call: by hash (EIP-1898) when known, else by number."""
    if block_hash is not None:
        return {"blockHash": "0x" + block_hash.hex()}
    return hex(height)


@dataclass(frozen=True)
class Block:
    number: int
    hash: bytes
    timestamp: int


@dataclass(frozen=True)
class Transaction:
    """A node's transaction object: what the node says (`sender` is its `from`, not
    recovered), and the whole object, from which verifier.chain.transaction rebuilds the signed
    transaction."""

    hash: bytes
    sender: bytes
    block_hash: bytes | None
    block_number: int | None
    fields: dict[str, Any]


@dataclass(frozen=True)
class Receipt:
    transaction_hash: bytes
    block_hash: bytes
    block_number: int
    status: int


class EthNode:
    """An Ethereum node behind a `JsonRpcClient`; each method validates what it returns."""

    def __init__(self, client: JsonRpcClient) -> None:
        self.client = client
        self.label = client.label
        self._chain_id: int | None = None

    def chain_id(self) -> int:
        """eth_chainId (EIP-695), asked once."""
        if self._chain_id is None:
            self._chain_id = hex_quantity(
                self.client.call("eth_chainId", []), f"node {self.label}: eth_chainId"
            )
        return self._chain_id

    def require_chain(self, chain_id: int, what: str) -> None:
        """WrongChainError unless the node serves chain `chain_id`."""
        got = self.chain_id()
        if got != chain_id:
            raise WrongChainError(
                f"{what} is on chain id {chain_id}, but the node {self.label} serves chain id "
                f"{got}: give a node of chain {chain_id}"
            )

    def block_number(self) -> int:
        return hex_quantity(
            self.client.call("eth_blockNumber", []), f"node {self.label}: eth_blockNumber"
        )

    def block(self, height: int) -> Block | None:
        """The canonical block at `height` (eth_getBlockByNumber), or None past the head."""
        what = f"node {self.label}: eth_getBlockByNumber({height})"
        raw = self.client.call("eth_getBlockByNumber", [hex(height), False])
        if raw is None:
            return None
        obj = _obj(raw, what)
        number = hex_quantity(field_of(obj, "number", what), f"{what}.number")
        if number != height:
            raise NodeResponseError(f"{what}: the node returned block {number}")
        return Block(
            number,
            hex_data(field_of(obj, "hash", what), f"{what}.hash", 32),
            hex_quantity(field_of(obj, "timestamp", what), f"{what}.timestamp"),
        )

    def balances(self, addresses: Sequence[bytes], ref: Any) -> list[int]:
        """eth_getBalance of each address at block `ref`, in wei (batched)."""
        calls = [("eth_getBalance", ["0x" + a.hex(), ref]) for a in addresses]
        results = self.client.call_many(calls)
        return [
            hex_quantity(r, f"node {self.label}: eth_getBalance(0x{a.hex()})")
            for a, r in zip(addresses, results, strict=True)
        ]

    def erc20_calls(self, token: bytes, data: Sequence[bytes], ref: Any) -> list[bytes]:
        """eth_call of `token` with each calldata at block `ref`: the raw return data."""
        to = "0x" + token.hex()
        calls = [("eth_call", [{"to": to, "data": "0x" + d.hex()}, ref]) for d in data]
        results = self.client.call_many(calls)
        return [
            hex_data(r, f"node {self.label}: eth_call({to}, 0x{d[:4].hex()})")
            for d, r in zip(data, results, strict=True)
        ]

    def transaction(self, tx_hash: bytes) -> Transaction | None:
        """eth_getTransactionByHash, or None when the node knows no such transaction."""
        what = f"node {self.label}: eth_getTransactionByHash"
        raw = self.client.call("eth_getTransactionByHash", ["0x" + tx_hash.hex()])
        if raw is None:
            return None
        obj = _obj(raw, what)
        bh = field_of(obj, "blockHash", what)
        bn = field_of(obj, "blockNumber", what)
        return Transaction(
            hex_data(field_of(obj, "hash", what), f"{what}.hash", 32),
            hex_address(field_of(obj, "from", what), f"{what}.from"),
            None if bh is None else hex_data(bh, f"{what}.blockHash", 32),
            None if bn is None else hex_quantity(bn, f"{what}.blockNumber"),
            obj,
        )

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """eth_getTransactionReceipt, or None when not mined."""
        what = f"node {self.label}: eth_getTransactionReceipt"
        raw = self.client.call("eth_getTransactionReceipt", ["0x" + tx_hash.hex()])
        if raw is None:
            return None
        obj = _obj(raw, what)
        return Receipt(
            hex_data(field_of(obj, "transactionHash", what), f"{what}.transactionHash", 32),
            hex_data(field_of(obj, "blockHash", what), f"{what}.blockHash", 32),
            hex_quantity(field_of(obj, "blockNumber", what), f"{what}.blockNumber"),
            hex_quantity(field_of(obj, "status", what), f"{what}.status"),
        )
