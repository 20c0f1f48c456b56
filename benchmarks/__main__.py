"""`python -m benchmarks <subcommand>`: one subcommand per benchmark.

To add one (e.g. `tree`, `verify`, `all`), write a module with `add_arguments(parser)` and
`run(args) -> int` and register it in SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from benchmarks import rangeproof


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


#: name -> subcommand. Planned: "tree", "verify", "all".
SUBCOMMANDS: dict[str, Subcommand] = {
    "rangeproof": Subcommand.from_module(
        rangeproof, "Bulletproofs prove / verify / batch-verify over the (n, m) grid"
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for name, cmd in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run)
    args = parser.parse_args(argv)
    result: int = args._run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
