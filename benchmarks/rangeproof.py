"""Range-proof benchmark: prove, verify and batch-verify times over the (n, m) grid.

Grid: n in {8, 16, 32, 64} x m in {1, 2, 4, 8, 16}, on both backends. For each point: prove ms,
verify ms, verify ms per proof amortised over a batch of 64 proofs (one msm), proof bytes
(checked against the size model proof_size(n, m)), and each time also in units (one
libsecp256k1 scalar multiplication, measured in the same run). Setup (generators, the proofs to
verify) is outside the timed region; every run uses a fresh transcript.

    python -m benchmarks rangeproof [--backend libsecp256k1|python|all] [--bits 64 ...]
                                    [--m 1 ...] [--repeat R] [--batch B] [--quick]
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.common import measure, print_table, provenance, unit_scalar_mul_seconds, write_csv

NAME = "rangeproof"
#: The columns of the printed table and of the summary's range-proof table.
TABLE_COLUMNS = (
    "backend",
    "n",
    "m",
    "proof_bytes",
    "prove_ms",
    "prove_units",
    "verify_ms",
    "verify_units",
    "batch_ms_per_proof",
    "batch_units_per_proof",
)
BITS = (8, 16, 32, 64, 128)
AGGREGATION = (1, 2, 4, 8, 16)
BACKENDS = ("libsecp256k1", "python")
LABEL = b"zk-solvency/benchmarks/rangeproof"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", choices=(*BACKENDS, "all"), default="all", help="group backend(s)"
    )
    parser.add_argument("--bits", type=int, nargs="+", choices=BITS, help="range sizes n")
    parser.add_argument("--m", type=int, nargs="+", help="aggregation sizes m (powers of two)")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per figure")
    parser.add_argument("--batch", type=int, default=64, help="proofs per batch (default 64)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="n = 64, m in {1, 2}, 3 runs, batch of 16: a smoke test, not a result",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time (default) or this process's CPU time (steadier on a shared machine)",
    )
    parser.add_argument("--no-csv", action="store_true", help="print only, write no CSV")


def _values(n: int, m: int) -> list[int]:
    return [((0x9E3779B97F4A7C15 * (j + 1)) >> 3) % (1 << n) for j in range(m)]


def bench_point(
    backend: str, n: int, m: int, repeat: int, batch: int, clock: str = "wall"
) -> dict[str, Any]:
    """One grid point. The unit is re-measured just before and after the point's timings and
    averaged, so that load from other processes drifting during a long run moves the unit
    and the times together."""
    from circuits import rangeproof as rp
    from circuits.generators import g_vec, h_vec
    from circuits.group import Point, set_default_backend
    from circuits.transcript import Transcript

    unit_before = unit_scalar_mul_seconds(501, clock)
    set_default_backend(backend)
    try:
        g_vec(n * m)
        h_vec(n * m)  # generators derived outside the timed region
        values = _values(n, m)
        blindings = [1000 + j for j in range(m)]

        def do_prove() -> None:
            rp.prove(values, blindings, n, Transcript(LABEL))

        prove_t = measure(do_prove, repeat, clock=clock)
        # The proofs to verify are made on libsecp256k1 (faster; not what is timed) and
        # decoded on the backend under test.
        set_default_backend("libsecp256k1")
        made = [
            rp.prove(values, [b + i for b in blindings], n, Transcript(LABEL)) for i in range(batch)
        ]
        set_default_backend(backend)
        proofs = [
            (
                rp.RangeProof.from_bytes(p.to_bytes(), n, m),
                [Point.from_bytes(V.to_bytes()) for V in cs],
            )
            for p, cs in made
        ]
        proof, commitments = proofs[0]
        size = len(proof.to_bytes())
        if size != rp.proof_size(n, m):
            raise AssertionError(f"size model mismatch: {size} != {rp.proof_size(n, m)}")

        def do_verify() -> None:
            rp.verify(proof, commitments, n, Transcript(LABEL))

        verify_t = measure(do_verify, repeat, clock=clock)

        def do_batch() -> None:
            rp.batch_verify([(p, c, n, Transcript(LABEL)) for p, c in proofs])

        batch_t = measure(do_batch, max(1, repeat // 4), clock=clock)
    finally:
        set_default_backend(None)
    unit = (unit_before + unit_scalar_mul_seconds(501, clock)) / 2
    per_proof = batch_t.median / batch
    return {
        "backend": backend,
        "clock": clock,
        "n": n,
        "m": m,
        "proof_bytes": size,
        "prove_ms": f"{prove_t.median * 1e3:.2f}",
        "prove_ms_min": f"{prove_t.low * 1e3:.2f}",
        "prove_ms_max": f"{prove_t.high * 1e3:.2f}",
        "prove_units": f"{prove_t.median / unit:.0f}",
        "verify_ms": f"{verify_t.median * 1e3:.2f}",
        "verify_ms_min": f"{verify_t.low * 1e3:.2f}",
        "verify_ms_max": f"{verify_t.high * 1e3:.2f}",
        "verify_units": f"{verify_t.median / unit:.0f}",
        "batch_size": batch,
        "batch_ms_per_proof": f"{per_proof * 1e3:.3f}",
        "batch_units_per_proof": f"{per_proof / unit:.1f}",
        "runs": repeat,
        "unit_us_local": f"{unit * 1e6:.2f}",
    }


def run(args: argparse.Namespace) -> int:
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    bits = tuple(args.bits) if args.bits else ((64,) if args.quick else BITS)
    ms = tuple(args.m) if args.m else ((1, 2) if args.quick else AGGREGATION)
    repeat = args.repeat or (3 if args.quick else 9)
    batch = 16 if args.quick and args.batch == 64 else args.batch
    for m in ms:
        if m < 1 or m & (m - 1):
            raise SystemExit(f"--m: {m} is not a power of two")
    unit = unit_scalar_mul_seconds(clock=args.clock)
    prov = provenance(unit)
    print(
        f"unit = one libsecp256k1 scalar multiplication = {unit * 1e6:.1f} us "
        f"({prov.cpu_model}, {prov.cores} cores, Python {prov.python}, {prov.git_commit[:12]}"
        f"{' dirty' if prov.git_dirty else ''}); units per row use the unit re-measured "
        f"around that row (unit_us_local); clock: {args.clock}"
    )
    rows = []
    for backend in backends:
        for n in bits:
            for m in ms:
                rows.append(bench_point(backend, n, m, repeat, batch, args.clock))
                r = rows[-1]
                print(
                    f"  {backend:12} n={n:2} m={m:2}: prove {r['prove_ms']} ms, "
                    f"verify {r['verify_ms']} ms, batch {r['batch_ms_per_proof']} ms/proof",
                    flush=True,
                )
    print()
    print_table(rows, list(TABLE_COLUMNS))
    if not args.no_csv and not args.quick:
        print(f"\nwrote {write_csv(NAME, rows, prov)}")
    return 0
