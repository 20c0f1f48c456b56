"""The `demo` subcommand's arguments: only the options the demo uses, with the defaults it
really uses, and a clear refusal of build options it has no use for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prover.options import refuse
from verifier.formats import BITS, MODES

#: Build options the demo refuses, with the reason given.
REFUSED = {
    "--asset": "the demo generates its own assets (BTC:8, ETH:8, USDT:6)",
    "--dask-scheduler": "the demo runs on local processes only (--workers)",
    "--snapshot": "the demo generates its own snapshot",
    "--secret": "the demo writes its own master secret",
}


def demo_height(users: int) -> int:
    """The height the demo uses unless --height is given: the smallest that holds the users
    with room (2^H >= 2 x users, plus one level), and at least 8."""
    return max(8, (2 * users - 1).bit_length() + 1)


def add_demo_command(
    sub: Any, parse_round: Callable[[str], str], workers: int, run: Callable[..., int]
) -> None:
    p = sub.add_parser(
        "demo",
        help="a complete round on generated data, verified end to end",
        description="Generate a realistic snapshot and reserves, build the round, "
        "verify every proof and the statement, and print a summary.",
    )
    p.add_argument(
        "--out",
        default=None,
        help="folder for the demo, created (default: ./zk-solvency-demo-<time>)",
    )
    p.add_argument(
        "--users",
        type=int,
        default=400,
        help="number of users (default 400: about a minute on 2 cores)",
    )
    p.add_argument(
        "--seed", type=int, default=2026, help="seed of the generated data (default 2026)"
    )
    p.add_argument(
        "--round", type=parse_round, default="2026-11", help="round id (default 2026-11)"
    )
    p.add_argument(
        "--height",
        type=int,
        default=None,
        help="tree height H (default: max(8, ceil(log2(2 x users)) + 1): 11 for 400 users)",
    )
    p.add_argument("--bits", type=int, choices=BITS, default=64, help="range bits n (default 64)")
    p.add_argument(
        "--mode",
        choices=MODES,
        default="per-node",
        help="per-node (the default): each node's own proof, cheapest to produce; aggregated: "
        "one proof per user over its path, smallest",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=workers,
        help=f"processes (default: all cores, {workers} here)",
    )
    p.add_argument(
        "--snapshot-time",
        default=None,
        help="snapshot time to state (default: today, 00:00:00Z)",
    )
    for opt, reason in REFUSED.items():
        refuse(p, opt, "demo", reason)
    p.set_defaults(func=run)
