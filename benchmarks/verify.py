"""`python -m benchmarks verify`: a user's verification over H x K x n x mode x backend.

Per point a small round is built (on libsecp256k1, untimed; verification cost does not depend
on the number of users) and one user's proof is verified in process as `solvency-verify
inclusion` does it: parse the proof, recompute leaf and path, batch-verify the H+1 (per-node)
or 2 (aggregated) range proofs. Single: median of `--repeat` runs with min and max. Batched:
per proof, when `--batch` users' proofs are checked together with all their range proofs in
one multi-scalar multiplication (what an auditor sampling users does). Method:
benchmarks/rounds.py.
"""

from __future__ import annotations

import argparse

from benchmarks import grid

NAME = "verify"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    grid.add_grid_arguments(parser, NAME)


def run(args: argparse.Namespace) -> int:
    grid.use_results_dir(args)
    return grid.run_grid(args, NAME)
