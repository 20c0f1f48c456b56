"""The chain checks of `solvency-verify`: `reserves --eth-rpc` and `statement --eth-rpc
[--anchor-tx]` (options, and what they print). Imported lazily by verifier.cli."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from circuits.errors import FormatError
from verifier.chain.anchor import parse_tx_hash, verify_anchor
from verifier.chain.ethereum import EthNode
from verifier.chain.reserves import ChainMismatchError, check_reserves_on_chain, eth_claims
from verifier.chain.reserves import format_amount as _fmt
from verifier.chain.rpc import DEFAULT_TIMEOUT, JsonRpcClient
from verifier.formats import Statement

Say = Callable[[str], None]

BITCOIN_NOTE = (
    "not checked on chain here (no Bitcoin node): compare each address's balance at the block "
    "with your own node or an explorer (README, 'Checking a Bitcoin wallet by hand')"
)
#: Wallet addresses named in the closing line of an asset (more are counted).
SHOWN_WALLETS = 3


def _wallets_text(addresses: list[str]) -> str:
    shown = ", ".join(addresses[:SHOWN_WALLETS])
    more = len(addresses) - SHOWN_WALLETS
    return shown + (f" and {more} more" if more > 0 else "")


def closing_lines(checked: list[str], unchecked: list[str]) -> list[str]:
    """What the chain checks established, and the hand check left for the rest (this replaces
    the generic hint of verifier.cli.CHAIN_NOTE once --eth-rpc was given)."""
    out = []
    if checked:
        out.append(
            "Checked on chain: " + "; ".join(checked) + ". Each wallet's balance at that "
            "block (read by block hash) is at least its claim; the node is trusted for its "
            "answers."
        )
    if unchecked:
        out.append(
            "Not checked on chain: " + "; ".join(unchecked) + ". Compare each of these "
            "addresses' balance at the listed block with your own node or an explorer (README, "
            "'Checking a Bitcoin wallet by hand')."
        )
    return out


def add_node_arguments(p: argparse.ArgumentParser, *, anchor: bool) -> None:
    g = p.add_argument_group("chain nodes")
    g.add_argument(
        "--eth-rpc",
        action="append",
        default=[],
        metavar="URL",
        help="JSON-RPC URL of an Ethereum node (yours, ideally; an archive node for old "
        "blocks): check block hashes and every wallet's balance at the listed heights"
        + (", and the anchor transaction" if anchor else "")
        + " (repeat for several chains)",
    )
    g.add_argument(
        "--rpc-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on a node request after this long (default {DEFAULT_TIMEOUT:g})",
    )
    if anchor:
        g.add_argument(
            "--anchor-tx",
            default=None,
            metavar="HASH",
            help="the statement's anchor transaction (0x + 64 hex): check it is mined, sent by "
            "the anchor address the statement declares, and carries this statement's digest",
        )


def nodes(args: argparse.Namespace) -> list[EthNode]:
    if args.rpc_timeout <= 0 or args.rpc_timeout > 600:
        raise FormatError("--rpc-timeout: expected seconds in (0, 600]")
    return [EthNode(JsonRpcClient(url, timeout=args.rpc_timeout)) for url in args.eth_rpc]


def reserves_on_chain(st: Statement, eth: list[EthNode], say: Say, data: dict[str, Any]) -> None:
    """Check the statement's Ethereum reserves on `eth`; print one line per asset."""
    claims = eth_claims(st)
    try:
        results = check_reserves_on_chain(claims, eth) if claims else []
    except ChainMismatchError as exc:
        data["chain_findings"] = [
            {"check": f.check, "path": f.path, "message": f.message} for f in exc.findings
        ]
        raise
    by_symbol = {r.symbol: r for r in results}
    addresses = {c.symbol: [w.address for w in c.wallets] for c in claims}
    decimals = {a.symbol: a.decimals for a in st.params.assets}
    out: dict[str, Any] = {}
    checked: list[str] = []
    unchecked: list[str] = []
    for sym, entry in st.extra["reserves"]["assets"].items():
        res = by_symbol.get(sym)
        if res is None:
            say(f"[--] {sym} on {entry.get('chain')}: {BITCOIN_NOTE}")
            listed = [str(w.get("address")) for w in entry.get("wallets", [])]
            out[sym] = {"checked": False, "addresses": listed}
            unchecked.append(
                f"{sym} ({entry.get('chain')}, block {entry.get('block_height')}: "
                f"{_wallets_text(listed)})"
            )
            continue
        d = decimals[sym]
        what = f"token {res.token}" if res.token else "ether"
        say(
            f"[ok] {sym} on chain {res.chain_id} ({what}): block {res.block_height} has the "
            f"listed hash; each of {res.wallets} wallet(s) holds at least its claim (claimed "
            f"{_fmt(res.claimed, d)}, held {_fmt(res.held, d)}, node {res.node})"
        )
        out[sym] = {"checked": True, **res.to_json(), "addresses": addresses[sym]}
        checked.append(
            f"{sym} at block {res.block_height} of chain {res.chain_id} ({res.wallets} "
            f"wallet(s): {_wallets_text(addresses[sym])})"
        )
    data["chain"] = out
    for line in closing_lines(checked, unchecked):
        say(line)


def chain_checks(st: Statement, args: argparse.Namespace, say: Say, data: dict[str, Any]) -> None:
    """What `statement --eth-rpc [--anchor-tx]` adds: reserves on chain, then the anchor."""
    anchor_tx = getattr(args, "anchor_tx", None)
    if not args.eth_rpc:
        if anchor_tx is not None:
            raise FormatError("--anchor-tx needs --eth-rpc URL (a node of the anchor's chain)")
        return
    tx_hash = parse_tx_hash(anchor_tx) if anchor_tx is not None else None
    eth = nodes(args)
    if "reserves" in st.extra:
        reserves_on_chain(st, eth, say, data)
    if tx_hash is not None:
        anchor_id = st.extra.get("anchor", {})
        chain_id = anchor_id.get("chain_id") if isinstance(anchor_id, dict) else None
        node = next((n for n in eth if n.chain_id() == chain_id), eth[0])
        res = verify_anchor(st, node, tx_hash)
        say(res.line())
        data["anchor"] = res.to_json()


def reserves_command(
    st: Statement, args: argparse.Namespace, say: Say, data: dict[str, Any]
) -> None:
    """`solvency-verify reserves`: the signature, the wallet signatures, then the chain."""
    from verifier.reserves import parse_reserves, verify_reserves
    from verifier.solvency import verify_signature

    if not args.eth_rpc:
        raise FormatError("give an Ethereum node: --eth-rpc URL")
    if "reserves" not in st.extra:
        raise FormatError(f"{args.statement}: the statement has no reserves")
    signed_by = verify_signature(st, args.exchange_key)
    if signed_by:
        say(f"[ok] signature: the statement is signed by the exchange key {signed_by}")
    if st.version < 2 or st.exchange is None:
        raise FormatError(f"{args.statement}: v1 reserves name no block hash, chain id or token")
    res = parse_reserves(json.dumps(st.extra["reserves"]).encode(), "statement.json reserves")
    verify_reserves(res, exchange=st.exchange, round_id=st.round_id)
    wallets = sum(len(a.wallets) for a in res.assets.values())
    say(f"[ok] reserves: {wallets} wallet signature(s) verified, each by its listed address")
    reserves_on_chain(st, nodes(args), say, data)
