"""The installed version and the formats this code reads, for `--version` of both commands."""

from __future__ import annotations

import argparse
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from verifier.cliargs import CallbackAction
from verifier.formats import INCLUSION_FORMAT, STATEMENT_FORMATS


def version_text(prog: str) -> str:
    """E.g. `solvency-verify 0.1.0 (reads zk-solvency/statement/v1, ..., zk-solvency/inclusion/v1)`."""
    try:
        number = version("zk-solvency")
    except PackageNotFoundError:  # run from a source tree that is not installed
        number = "(not installed)"
    formats = ", ".join([*STATEMENT_FORMATS, INCLUSION_FORMAT])
    return f"{prog} {number} (reads {formats})"


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """`--version`: print `version_text(prog)` as is (argparse's own action re-wraps it)."""

    def show(p: argparse.ArgumentParser, _ns: argparse.Namespace, _v: Any, _opt: str) -> None:
        print(version_text(p.prog))
        p.exit()

    parser.add_argument(
        "--version",
        action=CallbackAction,
        callback=show,
        nargs=0,
        default=argparse.SUPPRESS,
        help="print the version and the formats it reads, then exit",
    )
