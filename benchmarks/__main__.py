"""`python -m benchmarks <subcommand>`: one subcommand per benchmark.

    rangeproof   Bulletproofs over the (n, m) grid
    tree         the prover over users x H x K x n x mode x backend
    verify       a user's verification over H x K x n x mode x backend
    all          rangeproof, tree and verify of a preset, then SUMMARY.md and the plots
    model        exact artifact sizes from the size model (e.g. extrapolated to 2^32 users)
    targets      one row per prover-speed target and a whole-build row, with goals
    report       SUMMARY.md and plots again from a results folder's CSV files
    chain        statement verification with and without --eth-rpc (anvil), over wallet counts
    browser      the verify page in Chromium (page ready, verification) against the CLI

Every subcommand takes `--results DIR` (default benchmarks/results, or
benchmarks/results/<preset> for the grids). To add one, write a module with
`add_arguments(parser)` and `run(args) -> int` and register it in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from benchmarks import browser, chain, model, rangeproof, report, suite, targets, tree, verify
from benchmarks.common import set_results_dir


class Subcommand:
    """A benchmark subcommand: its help line, argument setup and entry point."""

    def __init__(
        self,
        help: str,
        add_arguments: Callable[[argparse.ArgumentParser], None],
        run: Callable[[argparse.Namespace], int],
    ) -> None:
        self.help = help
        self.add_arguments = add_arguments
        self.run = run

    @classmethod
    def from_module(cls, module: ModuleType, help: str) -> Subcommand:
        return cls(help, module.add_arguments, module.run)


#: name -> subcommand.
SUBCOMMANDS: dict[str, Subcommand] = {
    "rangeproof": Subcommand.from_module(
        rangeproof, "Bulletproofs prove / verify / batch-verify over the (n, m) grid"
    ),
    "tree": Subcommand.from_module(
        tree, "the prover: tree build, range proofs, sizes, verification, memory over the grid"
    ),
    "verify": Subcommand.from_module(
        verify, "a user's verification (single and batched) over H, K, n, mode, backend"
    ),
    "all": Subcommand.from_module(
        suite, "rangeproof, tree and verify of a preset, then SUMMARY.md and the plots"
    ),
    "model": Subcommand.from_module(
        model, "exact artifact sizes from the size model, extrapolated to any number of users"
    ),
    "targets": Subcommand.from_module(
        targets, "one row per prover-speed target (issue 12) and a whole-build row, with goals"
    ),
    "report": Subcommand.from_module(
        report, "SUMMARY.md and the plots again from a results folder's CSV files"
    ),
    "chain": Subcommand.from_module(
        chain, "statement verification with and without --eth-rpc over the wallet count (anvil)"
    ),
    "browser": Subcommand.from_module(
        browser, "the verify page in Chromium: page ready, verification, against the CLI"
    ),
}


#: subcommands whose default results folder depends on the preset (they apply --results).
GRID_COMMANDS = ("tree", "verify", "all")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for name, cmd in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        if "--results" not in p._option_string_actions:
            p.add_argument("--results", metavar="DIR", help="folder for CSV, summary and plots")
        p.set_defaults(_run=cmd.run)
    args = parser.parse_args(argv)
    if args.results and args.command not in GRID_COMMANDS:
        set_results_dir(args.results)
    result: int = args._run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
