"""`python -m benchmarks all`: the range-proof grid, the targets, the prover grid and the verifier
grid of a preset, then the summary (SUMMARY.md) and the plots, all in one results folder.

The grid options (--users, --height, ...) apply to `tree`; `verify` uses the same heights,
assets, bits, modes and backends with its own small round. `rangeproof` runs n = 64 and
m in {1, 2} (quick) or its own full grid (full) on the chosen backends.
"""

from __future__ import annotations

import argparse
import copy

from benchmarks import grid, rangeproof, report, targets
from benchmarks.common import parse_list, results_dir

NAME = "all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    grid.add_grid_arguments(parser, "tree")
    parser.add_argument(
        "--skip",
        default="",
        help="subcommands to leave out, e.g. rangeproof or targets,tree,verify",
    )


def rangeproof_argv(args: argparse.Namespace) -> list[str]:
    """The `rangeproof` options for this preset (its own parser, so its defaults apply)."""
    backends = parse_list(args.backend, str) if args.backend else ["libsecp256k1", "python"]
    argv = ["--backend", backends[0] if len(backends) == 1 else "all"]
    if args.bits:
        argv += ["--bits", *(str(b) for b in parse_list(args.bits))]
    if args.preset == "quick":
        argv += ["--m", "1", "2", "--batch", "16", "--repeat", str(args.repeat or 3)]
        if not args.bits:
            argv += ["--bits", "64"]
    elif args.repeat:
        argv += ["--repeat", str(args.repeat)]
    if args.clock != "wall":
        argv += ["--clock", args.clock]
    return argv


def run(args: argparse.Namespace) -> int:
    grid.use_results_dir(args)
    skip = set(parse_list(args.skip, str)) if args.skip else set()
    rc = 0
    if "rangeproof" not in skip:
        p = argparse.ArgumentParser(prog="rangeproof")
        rangeproof.add_arguments(p)
        rp_args = p.parse_args(rangeproof_argv(args))
        print(f"== rangeproof {' '.join(rangeproof_argv(args))}", flush=True)
        try:
            rc = rangeproof.run(rp_args) or rc
        except KeyboardInterrupt:
            print("\ninterrupted", flush=True)
            return 130
    if "targets" not in skip:
        argv = (
            ["--users", "16", "--tree-users", "1000", "--repeat", "3"]
            if args.preset == "quick"
            else []
        )
        p = argparse.ArgumentParser(prog="targets")
        targets.add_arguments(p)
        print(f"== targets {' '.join(argv)}", flush=True)
        rc = targets.run(p.parse_args(argv)) or rc
    for which in ("tree", "verify"):
        if which in skip:
            continue
        sub = copy.copy(args)
        if which == "verify":
            sub.users = None  # verify's own small round
            sub.repeat = None
            sub.sample = None
            sub.batch = None
        print(f"== {which}", flush=True)
        code = grid.run_grid(sub, which, report=False)
        if code == 130:
            report.write_report(results_dir())
            return code
        rc = code or rc
    report.write_report(results_dir())
    print(f"summary: {results_dir() / 'SUMMARY.md'}")
    return rc
