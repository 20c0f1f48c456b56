"""The statement anchored on chain (docs/PROTOCOL.md 9.7): the signed `anchor` section, the
transaction data, and the check of an anchor transaction on an Ethereum node.

The statement (v2) declares, under its signature, where it will be anchored:

    "anchor": {"chain": "ethereum", "chain_id": N, "address": "0x..." (EIP-55)}

After publishing, the anchor address sends one transaction to itself, value 0, whose data is

    ANCHOR_TAG || statement_digest(statement)       (21 + 32 = 53 bytes)

with ANCHOR_TAG the 21 ASCII bytes "zk-solvency/anchor/v1". Everyone who sees the transaction
sees the same statement digest, with the chain's timestamp.

`verify_anchor` checks, on a node of chain N: the transaction exists and is mined with receipt
status 1, was sent from the declared address to itself on chain N, and its data is the tag and
the digest of THIS statement. Checks: `anchor-tx` (missing, pending or failed), `anchor-sender`,
`anchor-chain`, `anchor-data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from circuits.errors import FormatError, VerificationError
from verifier import jsonstrict as js
from verifier.chain.ethereum import EthNode
from verifier.formats import Statement, statement_digest

__all__ = [
    "ANCHOR_TAG",
    "Anchor",
    "AnchorResult",
    "anchor_data",
    "anchor_json",
    "parse_anchor",
    "parse_tx_hash",
    "verify_anchor",
]

#: The bytes before the statement digest in an anchor transaction's data.
ANCHOR_TAG = b"zk-solvency/anchor/v1"
ANCHOR_CHAINS = ("ethereum",)


@dataclass(frozen=True)
class Anchor:
    chain: str
    chain_id: int
    address: str  # EIP-55
    raw: bytes  # 20 bytes


def anchor_data(digest: bytes) -> bytes:
    """The anchor transaction's data: ANCHOR_TAG || the 32-byte statement digest."""
    if len(digest) != 32:
        raise FormatError("a statement digest is 32 bytes")
    return ANCHOR_TAG + digest


def anchor_json(chain_id: int, address: str) -> dict[str, Any]:
    """The statement's `anchor` section (the address is checked: EIP-55)."""
    a = parse_anchor({"chain": "ethereum", "chain_id": chain_id, "address": address}, "anchor")
    return {"chain": a.chain, "chain_id": a.chain_id, "address": a.address}


def parse_anchor(value: Any, path: str = "anchor") -> Anchor:
    """Decode an `anchor` section strictly; FormatError names the JSON path."""
    from verifier.ownership.ethereum import parse_address

    obj = js.as_obj(value, path)
    js.expect_keys(obj, ["chain", "chain_id", "address"], [], path)
    chain = js.get_str(obj, "chain", path, 16, 1)
    if chain not in ANCHOR_CHAINS:
        raise FormatError(f"{js.join(path, 'chain')}: expected one of {ANCHOR_CHAINS}")
    chain_id = js.get_int(obj, "chain_id", path, 1, (1 << 64) - 1)
    address = js.get_str(obj, "address", path, 64, 1)
    try:
        raw = parse_address(address)
    except FormatError as exc:
        raise FormatError(f"{js.join(path, 'address')}: {exc}") from None
    return Anchor(chain, chain_id, address, raw)


def parse_tx_hash(text: str) -> bytes:
    """A transaction hash given on the command line: 0x + 64 hex digits."""
    h = text.lower()
    if not h.startswith("0x") or len(h) != 66:
        raise FormatError(f"--anchor-tx {text!r}: expected 0x followed by 64 hex digits")
    return js.hex_value(h[2:], "--anchor-tx", 32)


@dataclass(frozen=True)
class AnchorResult:
    tx_hash: str
    address: str
    chain_id: int
    block_number: int
    block_timestamp: int
    confirmations: int
    digest: str

    def line(self) -> str:
        return (
            f"[ok] anchor: transaction {self.tx_hash} from {self.address} on chain "
            f"{self.chain_id}, mined in block {self.block_number} ({self.confirmations} "
            f"confirmations, block time {self.block_timestamp}), carries this statement's "
            f"digest {self.digest}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tx": self.tx_hash,
            "address": self.address,
            "chain_id": self.chain_id,
            "block_number": self.block_number,
            "block_timestamp": self.block_timestamp,
            "confirmations": self.confirmations,
            "digest": self.digest,
        }


def verify_anchor(st: Statement, node: EthNode, tx_hash: bytes) -> AnchorResult:
    """Check the anchor transaction `tx_hash` of statement `st` on `node` (module docstring).

    The statement's signature covers its `anchor` section: verify the statement (and pin the
    exchange key) before trusting the address. FormatError: no or malformed anchor section;
    WrongChainError: the node serves another chain; VerificationError: the checks above."""
    if "anchor" not in st.extra:
        raise FormatError("statement.json: the statement declares no anchor (section 'anchor')")
    if "signature" not in st.extra:
        raise FormatError(
            "statement.json: the statement is not signed, so its anchor address is not the "
            "exchange's word"
        )
    try:
        anchor = parse_anchor(st.extra["anchor"])
    except FormatError as exc:
        raise FormatError(f"statement.json: {exc}") from None
    node.require_chain(anchor.chain_id, "the statement's anchor")
    name = "0x" + tx_hash.hex()
    tx = node.transaction(tx_hash)
    if tx is None:
        raise VerificationError(
            f"no transaction {name} on chain {anchor.chain_id} (node {node.label})",
            check="anchor-tx",
        )
    if tx.hash != tx_hash:
        raise VerificationError(
            f"the node returned another transaction for {name}", check="anchor-tx"
        )
    if tx.block_hash is None or tx.block_number is None:
        raise VerificationError(f"transaction {name} is not mined yet", check="anchor-tx")
    receipt = node.receipt(tx_hash)
    if receipt is None or receipt.transaction_hash != tx_hash:
        raise VerificationError(f"transaction {name} has no receipt", check="anchor-tx")
    if receipt.block_hash != tx.block_hash:
        raise VerificationError(
            f"transaction {name}: its receipt is from another block", check="anchor-tx"
        )
    if receipt.status != 1:
        raise VerificationError(
            f"transaction {name} failed (receipt status {receipt.status})", check="anchor-tx"
        )
    if tx.chain_id is not None and tx.chain_id != anchor.chain_id:
        raise VerificationError(
            f"transaction {name} is signed for chain id {tx.chain_id}, the statement declares "
            f"{anchor.chain_id}",
            check="anchor-chain",
        )
    if tx.sender != anchor.raw:
        raise VerificationError(
            f"transaction {name} was sent from 0x{tx.sender.hex()}, not from the anchor address "
            f"{anchor.address} that the statement declares",
            check="anchor-sender",
        )
    if tx.to != anchor.raw:
        shown = "a contract creation" if tx.to is None else f"0x{tx.to.hex()}"
        raise VerificationError(
            f"transaction {name} is sent to {shown}, not to the anchor address itself",
            check="anchor-data",
        )
    digest = statement_digest(st)
    if tx.input != anchor_data(digest):
        if len(tx.input) == len(ANCHOR_TAG) + 32 and tx.input.startswith(ANCHOR_TAG):
            raise VerificationError(
                f"transaction {name} anchors the statement digest "
                f"{tx.input[len(ANCHOR_TAG) :].hex()}, not this statement's ({digest.hex()})",
                check="anchor-data",
            )
        raise VerificationError(
            f"transaction {name}: its data is not {ANCHOR_TAG.decode()!r} followed by this "
            "statement's digest",
            check="anchor-data",
        )
    block = node.block(tx.block_number)
    if block is None or block.hash != tx.block_hash:
        raise VerificationError(
            f"transaction {name}: block {tx.block_number} is not on the node's canonical chain",
            check="anchor-tx",
        )
    head = node.block_number()
    return AnchorResult(
        name,
        anchor.address,
        anchor.chain_id,
        tx.block_number,
        block.timestamp,
        max(head - tx.block_number + 1, 1),
        digest.hex(),
    )
