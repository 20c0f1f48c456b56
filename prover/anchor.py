"""The statement's on-chain anchor, prover side: the `anchor` section declared at build time
(`--anchor-address`, `--anchor-chain-id`), and `solvency-prove anchor`, which writes the anchor
transaction unsigned, or signs it (eth-account, extra `anchor`) and sends it to a node, or records
a transaction sent by the exchange's own wallet (`--tx`); a sent or recorded transaction is checked
with the verifier's own function and published as ROUND/public/anchor.json (docs/PROTOCOL.md 9.7;
the verifier's side is verifier/chain/anchor.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from circuits.errors import FormatError, ParameterError
from verifier.chain.anchor import (
    RECORD_NAME,
    AnchorRecord,
    anchor_data,
    anchor_json,
    check_anchor_record,
    parse_anchor,
    parse_tx_hash,
)
from verifier.chain.ethereum import EthNode, hex_data, hex_quantity
from verifier.chain.rpc import DEFAULT_TIMEOUT, JsonRpcClient, NodeResponseError
from verifier.formats import statement_digest
from verifier.inputs import load_statement


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("on-chain anchor")
    g.add_argument(
        "--anchor-address",
        default=None,
        metavar="0x...",
        help="declare (signed with the statement) the Ethereum address (EIP-55) that will send "
        "the anchor transaction carrying the statement's digest",
    )
    g.add_argument(
        "--anchor-chain-id",
        type=int,
        default=None,
        metavar="N",
        help="chain id of the anchor transaction (1 for Ethereum mainnet)",
    )


def anchor_section(args: argparse.Namespace) -> dict[str, Any] | None:
    """The statement's `anchor` section from the build options, or None."""
    address, chain_id = args.anchor_address, args.anchor_chain_id
    if address is None and chain_id is None:
        return None
    if address is None or chain_id is None:
        raise ParameterError("--anchor-address and --anchor-chain-id go together")
    if getattr(args, "signing_key", None) is None:
        raise ParameterError(
            "--anchor-address needs --signing-key: the anchor is declared under the "
            "statement's signature"
        )
    try:
        return anchor_json(chain_id, address)
    except FormatError as exc:
        raise FormatError(f"--anchor-address/--anchor-chain-id: {exc}") from None


def unsigned_transaction(statement_path: Path, sender: str) -> dict[str, Any]:
    """The anchor transaction of the statement at `statement_path`, unsigned, in the shape of
    eth_sendTransaction's parameter: from = to = the declared anchor address, value 0, data =
    tag || statement digest, chainId."""
    st = load_statement(str(statement_path))
    if "anchor" not in st.extra:
        raise FormatError(
            f"{statement_path}: the statement declares no anchor (build it with "
            "--anchor-address and --anchor-chain-id)"
        )
    anchor = parse_anchor(st.extra["anchor"])
    if sender != anchor.address:
        raise ParameterError(
            f"--from {sender}: the statement declares the anchor address {anchor.address} "
            "(EIP-55 spelling); only it can anchor this statement"
        )
    return {
        "chainId": hex(anchor.chain_id),
        "from": anchor.address,
        "to": anchor.address,
        "value": "0x0",
        "data": "0x" + anchor_data(statement_digest(st)).hex(),
    }


def send_anchor(
    tx: dict[str, Any], url: str, key_path: str, timeout: float, wait: float
) -> tuple[str, bytes]:
    """Sign `tx` with the key in `key_path` (32 raw bytes, mode 0600) as an EIP-1559 transaction,
    send it to the node at `url`, wait up to `wait` s for its receipt; the transaction hash and
    the raw signed transaction."""
    try:
        from eth_account import Account
    except ImportError:
        raise ParameterError(
            "signing the anchor needs eth-account: pip install 'zk-solvency[anchor]'"
        ) from None
    from prover.secrets import read_secret_file

    key = read_secret_file(key_path, "anchor key")
    if len(key) != 32:
        raise ParameterError(f"{key_path}: an anchor key is exactly 32 bytes")
    account = Account.from_key(key)
    if account.address != tx["from"]:
        raise ParameterError(f"{key_path}: this key's address is not the anchor address")
    client = JsonRpcClient(url, timeout=timeout)
    node = EthNode(client)
    chain_id = int(tx["chainId"], 16)
    node.require_chain(chain_id, "the statement's anchor")
    sender = tx["from"]
    nonce = hex_quantity(
        client.call("eth_getTransactionCount", [sender, "pending"]), "eth_getTransactionCount"
    )
    gas = hex_quantity(
        client.call("eth_estimateGas", [{k: tx[k] for k in ("from", "to", "value", "data")}]),
        "eth_estimateGas",
    )
    latest = client.call("eth_getBlockByNumber", ["latest", False])
    base = hex_quantity(
        latest.get("baseFeePerGas") if isinstance(latest, dict) else None, "baseFeePerGas"
    )
    tip = hex_quantity(client.call("eth_maxPriorityFeePerGas", []), "eth_maxPriorityFeePerGas")
    signed = account.sign_transaction(
        {
            "type": 2,
            "chainId": chain_id,
            "nonce": nonce,
            "to": tx["to"],
            "value": 0,
            "data": tx["data"],
            "gas": gas,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * base + tip,
        }
    )
    raw_bytes = bytes(signed.raw_transaction)
    raw = "0x" + raw_bytes.hex()
    tx_hash = hex_data(client.call("eth_sendRawTransaction", [raw]), "eth_sendRawTransaction", 32)
    name = "0x" + tx_hash.hex()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        receipt = node.receipt(tx_hash)
        if receipt is not None:
            if receipt.status != 1:
                raise ParameterError(f"anchor transaction {name} failed on chain")
            print(f"mined in block {receipt.block_number}", file=sys.stderr)
            break
        time.sleep(0.5)
    else:
        print("sent; not mined yet: check it later with solvency-verify", file=sys.stderr)
    return name, raw_bytes


def fetch_sent(tx_text: str, url: str, timeout: float, chain_id: int) -> bytes:
    """The raw signed transaction `tx_text` (0x + 64 hex), rebuilt from a node's answer with the
    verifier's own code (verifier.chain.transaction) and checked to hash to it."""
    from verifier.chain.transaction import from_rpc

    tx_hash = parse_tx_hash(tx_text, "--tx")
    node = EthNode(JsonRpcClient(url, timeout=timeout))
    node.require_chain(chain_id, "the statement's anchor")
    got = node.transaction(tx_hash)
    if got is None:
        raise ParameterError(f"--tx {tx_text}: the node {node.label} knows no such transaction")
    what = f"node {node.label}: eth_getTransactionByHash({tx_text})"
    signed = from_rpc(got.fields, what)
    if signed.hash() != tx_hash:
        raise NodeResponseError(f"{what}: the transaction it describes does not hash to {tx_text}")
    return signed.raw()


def record_anchor(public: Path, statement_path: Path, chain_id: int, raw: bytes) -> Path:
    """Check the signed anchor transaction `raw` with the verifier's `check_anchor_record` (hash,
    chain, recovered sender, data) and write it as public/anchor.json (PROTOCOL 9.7.2)."""
    from verifier.ownership.ethereum import keccak256

    record = AnchorRecord(chain_id, keccak256(raw), raw)
    check_anchor_record(load_statement(str(statement_path)), record)
    path = public / RECORD_NAME
    path.write_text(json.dumps(record.to_json(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return path


def cmd_anchor(args: argparse.Namespace) -> int:
    from prover.layout import RoundLayout

    layout = RoundLayout(Path(args.round_dir))
    tx = unsigned_transaction(layout.statement, args.sender)
    chain_id = int(tx["chainId"], 16)
    if args.tx is not None:
        if args.key is not None or args.eth_rpc is None:
            raise ParameterError(
                "--tx records a transaction already sent: give it with --eth-rpc URL (a node "
                "that knows it) and without --key"
            )
        raw = fetch_sent(args.tx, args.eth_rpc, args.rpc_timeout, chain_id)
        record_anchor(layout.public, layout.statement, chain_id, raw)
        print(args.tx.lower())
        return 0
    if args.key is not None or args.eth_rpc is not None:
        if args.key is None or args.eth_rpc is None:
            raise ParameterError("sending the anchor needs both --eth-rpc URL and --key FILE")
        name, raw = send_anchor(tx, args.eth_rpc, args.key, args.rpc_timeout, args.wait)
        record_anchor(layout.public, layout.statement, chain_id, raw)
        print(name)
        return 0
    text = json.dumps(tx, indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_anchor_command(sub: Any) -> None:
    p = sub.add_parser(
        "anchor",
        help="write or send the transaction anchoring the statement on Ethereum",
        description="Write the anchor transaction of a round's statement (from = to = the "
        "anchor address the statement declares, value 0, data = 'zk-solvency/anchor/v1' || "
        "the 32-byte statement digest) as JSON for your wallet to sign; or, with --eth-rpc and "
        "--key, sign it and send it, and print its hash; or, with --eth-rpc and --tx, record a "
        "transaction your wallet sent. A sent or recorded transaction is checked (hash, chain, "
        "sender recovered from its signature, data) and written to public/anchor.json, which "
        "the site shows.",
    )
    p.add_argument(
        "--round-dir", required=True, help="the round's output folder (reads public/statement.json)"
    )
    p.add_argument(
        "--from",
        dest="sender",
        required=True,
        metavar="0x...",
        help="the anchor address (EIP-55), as declared in the statement",
    )
    p.add_argument(
        "--output", default=None, help="file for the unsigned transaction (default: stdout)"
    )
    p.add_argument("--eth-rpc", default=None, metavar="URL", help="send through this node")
    p.add_argument(
        "--key",
        default=None,
        metavar="FILE",
        help="the anchor address's secret key: 32 raw bytes, mode 0600 (needs extra 'anchor')",
    )
    p.add_argument(
        "--tx",
        default=None,
        metavar="HASH",
        help="record the anchor transaction your wallet already sent (0x + 64 hex; needs "
        "--eth-rpc): rebuilt from the node's answer, checked, written to public/anchor.json",
    )
    p.add_argument("--rpc-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    p.add_argument(
        "--wait", type=float, default=120.0, metavar="SECONDS", help="wait this long for mining"
    )
    p.set_defaults(func=cmd_anchor)
