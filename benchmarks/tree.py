"""`python -m benchmarks tree`: the prover over the grid (users x H x K x n x mode x backend).

Per point: tree build users/s (commitments and hashes: the build's own phase timings, median
of `--repeat` builds with min and max), range proofs per user and for the whole round (a
timed sample, extrapolated to the exact number of proofs the round needs), total prover time,
inclusion-proof bytes (binary and JSON) and statement bytes (checked against the size model),
verification ms of a sampled user's proof (single and batched), and peak memory, every time
also in units of one libsecp256k1 scalar multiplication. Method: benchmarks/rounds.py.
"""

from __future__ import annotations

import argparse

from benchmarks import grid

NAME = "tree"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    grid.add_grid_arguments(parser, NAME)


def run(args: argparse.Namespace) -> int:
    grid.use_results_dir(args)
    return grid.run_grid(args, NAME)
