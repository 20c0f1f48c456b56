"""The statement anchored on chain (docs/PROTOCOL.md 9.7): the signed `anchor` section, the
transaction data, and the check of an anchor transaction on an Ethereum node.

The statement (v2) declares, under its signature, where it will be anchored:

    "anchor": {"chain": "ethereum", "chain_id": N, "address": "0x..." (EIP-55)}

After publishing, the anchor address sends one transaction to itself, value 0, whose data is

    ANCHOR_TAG || statement_digest(statement)       (21 + 32 = 53 bytes)

with ANCHOR_TAG the 21 ASCII bytes "zk-solvency/anchor/v1". Everyone who sees the transaction
sees the same statement digest, with the chain's timestamp.

`verify_anchor` checks, on a node of chain N: the signed transaction rebuilt from the node's
answer (verifier.chain.transaction) hashes to the requested hash, is signed for chain N by the
declared address (recovered from the signature, never taken from the node), is sent to that
address itself with the tag and the digest of THIS statement as data, and is mined with receipt
status 1. `check_anchor_record` makes the same checks, without a node, on the raw signed
transaction that `solvency-prove anchor` publishes (public/anchor.json). Checks: `anchor-tx`
(missing, pending or failed), `anchor-chain`, `anchor-signature`, `anchor-sender`,
`anchor-data`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from circuits.errors import FormatError, VerificationError
from verifier import jsonstrict as js
from verifier.chain.ethereum import EthNode
from verifier.chain.rpc import NodeResponseError
from verifier.chain.transaction import SignedTransaction, from_rpc
from verifier.formats import Statement, statement_digest

__all__ = [
    "ANCHOR_TAG",
    "RECORD_FORMAT",
    "RECORD_NAME",
    "Anchor",
    "AnchorRecord",
    "AnchorResult",
    "RecordCheck",
    "anchor_data",
    "anchor_json",
    "check_anchor_record",
    "check_signed_anchor",
    "parse_anchor",
    "parse_anchor_record",
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


def parse_tx_hash(text: str, option: str = "--anchor-tx") -> bytes:
    """A transaction hash given on the command line: 0x + 64 hex digits."""
    h = text.lower()
    if not h.startswith("0x") or len(h) != 66:
        raise FormatError(f"{option} {text!r}: expected 0x followed by 64 hex digits")
    return js.hex_value(h[2:], option, 32)


@dataclass(frozen=True)
class AnchorResult:
    tx_hash: str
    address: str
    chain_id: int
    block_number: int
    block_timestamp: int
    confirmations: int
    digest: str
    tx_type: str

    def line(self) -> str:
        return (
            f"[ok] anchor: transaction {self.tx_hash} from {self.address} on chain "
            f"{self.chain_id}, mined in block {self.block_number} ({self.confirmations} "
            f"confirmations, block time {self.block_timestamp}), carries this statement's "
            f"digest {self.digest} (the {self.tx_type} transaction rebuilt from the node's "
            "answer hashes to the hash asked for; its sender is recovered from its signature)"
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
            "type": self.tx_type,
            "sender_recovered": True,
        }


def _statement_anchor(st: Statement) -> Anchor:
    """The signed statement's anchor section (FormatError without one or without a signature)."""
    if "anchor" not in st.extra:
        raise FormatError("statement.json: the statement declares no anchor (section 'anchor')")
    if "signature" not in st.extra:
        raise FormatError(
            "statement.json: the statement is not signed, so its anchor address is not the "
            "exchange's word"
        )
    try:
        return parse_anchor(st.extra["anchor"])
    except FormatError as exc:
        raise FormatError(f"statement.json: {exc}") from None


def check_signed_anchor(anchor: Anchor, digest: bytes, tx: SignedTransaction, name: str) -> None:
    """The checks of a signed anchor transaction that need no node (PROTOCOL 9.7.1): signed for
    the anchor's chain (check `anchor-chain`), by the anchor address, recovered from the
    signature (`anchor-sender`; a signature Ethereum refuses: `anchor-signature`), sent to that
    address with data ANCHOR_TAG || `digest` (`anchor-data`)."""
    if tx.chain_id is None:
        raise VerificationError(
            f"transaction {name} is a legacy transaction without a chain id (no EIP-155): it "
            f"is valid on every chain, so it anchors nothing on chain {anchor.chain_id}",
            check="anchor-chain",
        )
    if tx.chain_id != anchor.chain_id:
        raise VerificationError(
            f"transaction {name} is signed for chain id {tx.chain_id}, the statement declares "
            f"{anchor.chain_id}",
            check="anchor-chain",
        )
    try:
        sender = tx.sender()
    except VerificationError as exc:
        raise VerificationError(f"transaction {name}: {exc}", check="anchor-signature") from None
    if sender != anchor.raw:
        from verifier.ownership.ethereum import checksum_address

        raise VerificationError(
            f"transaction {name} was signed by {checksum_address(sender)}, not by the anchor address "
            f"{anchor.address} that the statement declares",
            check="anchor-sender",
        )
    if tx.to != anchor.raw:
        shown = "a contract creation" if tx.to is None else f"0x{tx.to.hex()}"
        raise VerificationError(
            f"transaction {name} is sent to {shown}, not to the anchor address itself",
            check="anchor-data",
        )
    if tx.data != anchor_data(digest):
        if len(tx.data) == len(ANCHOR_TAG) + 32 and tx.data.startswith(ANCHOR_TAG):
            raise VerificationError(
                f"transaction {name} anchors the statement digest "
                f"{tx.data[len(ANCHOR_TAG) :].hex()}, not this statement's ({digest.hex()})",
                check="anchor-data",
            )
        raise VerificationError(
            f"transaction {name}: its data is not {ANCHOR_TAG.decode()!r} followed by this "
            "statement's digest",
            check="anchor-data",
        )


def verify_anchor(st: Statement, node: EthNode, tx_hash: bytes) -> AnchorResult:
    """Check the anchor transaction `tx_hash` of statement `st` on `node` (module docstring).

    The statement's signature covers its `anchor` section: verify the statement (and pin the
    exchange key) before trusting the address. The node's transaction object is rebuilt into
    the signed transaction, whose keccak256 must be `tx_hash` (so the node cannot change its data
    or signature), and the sender is recovered from the signature, never read from the node.
    FormatError: no or malformed anchor section; NodeError (exit 2): the node serves another
    chain, or answers a transaction that is not the one asked for; UnsupportedTransactionError:
    a type this verifier does not rebuild; VerificationError: the checks above."""
    anchor = _statement_anchor(st)
    node.require_chain(anchor.chain_id, "the statement's anchor")
    name = "0x" + tx_hash.hex()
    got = node.transaction(tx_hash)
    if got is None:
        raise VerificationError(
            f"no transaction {name} on chain {anchor.chain_id} (node {node.label})",
            check="anchor-tx",
        )
    what = f"node {node.label}: eth_getTransactionByHash({name})"
    if got.hash != tx_hash:
        raise NodeResponseError(
            f"{what}: the node answered another transaction, 0x{got.hash.hex()}"
        )
    tx = from_rpc(got.fields, what)
    rebuilt = tx.hash()
    if rebuilt != tx_hash:
        raise NodeResponseError(
            f"{what}: the transaction the node describes hashes to 0x{rebuilt.hex()} "
            "(keccak256 of its signed encoding), not to the hash asked for: the node changed "
            "a field (data, signature, chain id, ...); ask another node"
        )
    digest = statement_digest(st)
    check_signed_anchor(anchor, digest, tx, name)
    if got.sender != anchor.raw:
        raise NodeResponseError(
            f"{what}: the node says the transaction is from 0x{got.sender.hex()}, but its "
            f"signature recovers {anchor.address}: the node is not to be trusted"
        )
    if got.block_hash is None or got.block_number is None:
        raise VerificationError(f"transaction {name} is not mined yet", check="anchor-tx")
    receipt = node.receipt(tx_hash)
    if receipt is None or receipt.transaction_hash != tx_hash:
        raise VerificationError(f"transaction {name} has no receipt", check="anchor-tx")
    if receipt.block_hash != got.block_hash:
        raise VerificationError(
            f"transaction {name}: its receipt is from another block", check="anchor-tx"
        )
    if receipt.status != 1:
        raise VerificationError(
            f"transaction {name} failed (receipt status {receipt.status})", check="anchor-tx"
        )
    block = node.block(got.block_number)
    if block is None or block.hash != got.block_hash:
        raise VerificationError(
            f"transaction {name}: block {got.block_number} is not on the node's canonical chain",
            check="anchor-tx",
        )
    head = node.block_number()
    return AnchorResult(
        name,
        anchor.address,
        anchor.chain_id,
        got.block_number,
        block.timestamp,
        max(head - got.block_number + 1, 1),
        digest.hex(),
        tx.type_name,
    )


# --- the published record of the anchor transaction (public/anchor.json) ----------------------

#: `format` of public/anchor.json.
RECORD_FORMAT = "zk-solvency/anchor-tx/v1"
RECORD_NAME = "anchor.json"
#: Largest raw transaction accepted in a record (an anchor transaction is about 170 bytes).
MAX_RAW_TX = 4096


@dataclass(frozen=True)
class AnchorRecord:
    """public/anchor.json: the anchor transaction's chain id, hash and signed bytes."""

    chain_id: int
    tx_hash: bytes
    raw: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "chain": "ethereum",
            "chain_id": self.chain_id,
            "tx": "0x" + self.tx_hash.hex(),
            "raw": "0x" + self.raw.hex(),
        }


def _prefixed_hex(obj: dict[str, Any], key: str, path: str, max_bytes: int) -> bytes:
    text = js.get_str(obj, key, path, 2 + 2 * max_bytes, 4)
    if not text.startswith("0x") or len(text) % 2:
        raise FormatError(f"{js.join(path, key)}: expected 0x followed by hex bytes")
    return js.hex_value(text[2:], js.join(path, key), (len(text) - 2) // 2)


def parse_anchor_record(data: bytes, source: str) -> AnchorRecord:
    """Decode public/anchor.json strictly; FormatError names `source` and the JSON path."""
    obj = js.as_obj(js.load_json(data, source=source, max_bytes=16 * 1024), source)
    js.expect_keys(obj, ["format", "chain", "chain_id", "tx", "raw"], [], source)
    fmt = js.get_str(obj, "format", source, 64, 1)
    if fmt != RECORD_FORMAT:
        raise FormatError(f"{js.join(source, 'format')}: expected {RECORD_FORMAT!r}")
    if js.get_str(obj, "chain", source, 16, 1) not in ANCHOR_CHAINS:
        raise FormatError(f"{js.join(source, 'chain')}: expected one of {ANCHOR_CHAINS}")
    chain_id = js.get_int(obj, "chain_id", source, 1, (1 << 64) - 1)
    tx_hash = _prefixed_hex(obj, "tx", source, 32)
    if len(tx_hash) != 32:
        raise FormatError(f"{js.join(source, 'tx')}: a transaction hash is 32 bytes")
    return AnchorRecord(chain_id, tx_hash, _prefixed_hex(obj, "raw", source, MAX_RAW_TX))


@dataclass(frozen=True)
class RecordCheck:
    """What `check_anchor_record` established, without a node."""

    tx_hash: str
    address: str
    chain_id: int
    digest: str
    tx_type: str


def check_anchor_record(st: Statement, record: AnchorRecord) -> RecordCheck:
    """Check, without a node, the published anchor transaction of statement `st`: the raw bytes
    decode strictly (verifier.chain.transaction.decode_raw), keccak256(raw) is the listed hash
    (check `anchor-tx`), the record's chain id is the statement's (`anchor-chain`), and
    `check_signed_anchor` holds. Whether it is mined needs a node: `verify_anchor`."""
    from verifier.chain.transaction import decode_raw
    from verifier.ownership.ethereum import keccak256

    anchor = _statement_anchor(st)
    name = "0x" + record.tx_hash.hex()
    if record.chain_id != anchor.chain_id:
        raise VerificationError(
            f"anchor.json names chain id {record.chain_id}, the statement declares "
            f"{anchor.chain_id}",
            check="anchor-chain",
        )
    tx = decode_raw(record.raw, "anchor.json raw")
    if keccak256(record.raw) != record.tx_hash:
        raise VerificationError(
            f"anchor.json: the raw transaction hashes to 0x{keccak256(record.raw).hex()}, not "
            f"to the listed {name}",
            check="anchor-tx",
        )
    digest = statement_digest(st)
    check_signed_anchor(anchor, digest, tx, name)
    return RecordCheck(name, anchor.address, anchor.chain_id, digest.hex(), tx.type_name)
