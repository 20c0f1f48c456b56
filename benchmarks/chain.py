"""`python -m benchmarks chain`: statement verification with and without `--eth-rpc`, over the
number of reserve wallets, on a local anvil node.

Per wallet count W: an anvil node is started (tests/anvil_node.py: from .tools/npm, $ZKSOLVENCY_ANVIL
or PATH), W wallets get ether (anvil_setBalance) and test-ERC-20 tokens (real transfers), a block
is mined, and a small round is built (4 users, height 4, 32-bit ranges; untimed) whose reserves
list the W wallets under ETH and under USDT (2W EIP-191 signatures, made with eth-account). Then
`solvency-verify statement S` is run in process `--repeat` times without and with `--eth-rpc`
(the whole command: parse, root proof, signatures of the statement and of every wallet,
solvency proofs; with the node, also the block hashes, `decimals()` and the 2W balances read in
JSON-RPC batches of 100), and with `--eth-rpc --anchor-tx T` (the round declares an anchor, sent
untimed with `solvency-prove anchor`: also the anchor transaction rebuilt, hashed, its sender
recovered, its receipt and block). Also `solvency-verify reserves` (signatures and chain only).

Medians with min and max, in ms and in units (one libsecp256k1 variable-base scalar
multiplication, measured in the same run). Rows go to <results>/chain.csv with provenance.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CsvStream,
    load_average,
    measure,
    parse_list,
    print_table,
    provenance,
    set_results_dir,
    unit_scalar_mul_seconds,
)

NAME = "chain"
COLUMNS = (
    "wallets",
    "command",
    "eth_rpc",
    "anchor_tx",
    "median_ms",
    "min_ms",
    "max_ms",
    "units",
    "runs",
    "load_1min",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wallets", type=parse_list, default=[10, 1000], help="wallet counts (default 10,1000)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per point (default 5)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")


def _quiet(argv: list[str]) -> int:
    from verifier.cli import main as verify_main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return verify_main(argv)


def _round(anvil: Any, wallets: int, base: Path) -> tuple[Path, str]:
    """The round's statement (with an anchor declared) and its anchor transaction's hash."""
    from tests.anvil_node import ANVIL_CHAIN_ID, DEV_ACCOUNT, DEV_KEY
    from tests.chain_rounds import build_chain_round, fund_wallets, signed_reserves
    from tests.solvency_rounds import ROUND, prove, write_secret

    wei = [2 * 10**18 + i for i in range(wallets)]
    usdt = [20_000_000_000 + i for i in range(wallets)]  # 20,000 USDT each: above the liabilities
    state = fund_wallets(anvil, wei, usdt, transfers=False)
    anchor = ("--anchor-address", DEV_ACCOUNT, "--anchor-chain-id", str(ANVIL_CHAIN_ID))
    rnd = build_chain_round(base, signed_reserves(state, ROUND), extra=anchor)
    key = write_secret(base / "anchor.key", DEV_KEY)
    sent = prove(
        "anchor", "--round-dir", str(rnd.dir), "--from", DEV_ACCOUNT,
        "--eth-rpc", anvil.url, "--key", str(key),
    )  # fmt: skip
    if sent.rc != 0:
        raise SystemExit(f"the anchor was not sent: {sent.text}")
    return rnd.statement, sent.stdout.strip()


def run(args: argparse.Namespace) -> int:
    from tests.anvil_node import Anvil, find_anvil

    if args.results:
        set_results_dir(args.results)
    binary = find_anvil()
    if binary is None:
        print("anvil not found: npm install --prefix .tools/npm @foundry-rs/anvil@1.7.1")
        return 2
    unit = unit_scalar_mul_seconds(clock=args.clock)
    prov = provenance(unit)
    with CsvStream(NAME, COLUMNS, prov) as out:
        for wallets in args.wallets:
            anvil = Anvil(binary)
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    path, tx = _round(anvil, wallets, Path(tmp))
                    st, url = str(path), anvil.url
                    points = [
                        ("statement", False, False, ["statement", st]),
                        ("statement", True, False, ["statement", st, "--eth-rpc", url]),
                        (
                            "statement",
                            True,
                            True,
                            ["statement", st, "--eth-rpc", url, "--anchor-tx", tx],
                        ),
                        (
                            "reserves",
                            True,
                            False,
                            ["reserves", "--statement", st, "--eth-rpc", url],
                        ),
                    ]
                    for command, rpc, anchored, argv in points:
                        if _quiet(argv) != 0:
                            raise SystemExit(f"{argv[0]} did not verify")
                        t = measure(lambda argv=argv: _quiet(argv), args.repeat, clock=args.clock)
                        out.write(
                            {
                                "wallets": wallets,
                                "command": command,
                                "eth_rpc": int(rpc),
                                "anchor_tx": int(anchored),
                                "median_ms": f"{t.median * 1e3:.1f}",
                                "min_ms": f"{t.low * 1e3:.1f}",
                                "max_ms": f"{t.high * 1e3:.1f}",
                                "units": f"{t.median / unit:.0f}",
                                "runs": t.runs,
                                "load_1min": load_average(),
                            }
                        )
            finally:
                anvil.stop()
    print(f"unit (one libsecp256k1 scalar multiplication): {unit * 1e6:.1f} us")
    print_table(out.rows, COLUMNS)
    print(f"wrote {out.path}")
    return 0
