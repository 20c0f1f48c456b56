"""The grid of the `tree` and `verify` benchmarks: presets, the parameters one by one, the run
loop (a fresh process per point, each row written as soon as it is measured, Ctrl-C keeps
the rows already written)."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks.common import (
    RESULTS_DIR,
    Bar,
    CsvStream,
    load_average,
    parse_list,
    provenance,
    results_dir,
    set_results_dir,
    unit_scalar_mul_seconds,
)
from benchmarks.rounds import BACKENDS, GridPoint, Plan, measure_isolated, measure_point

MODES = ("aggregated", "per-node")

#: preset -> benchmark -> parameters. "full" is the published grid; "quick" finishes in under
#: three minutes on two cores (all subcommands together).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "quick": {
        "tree": {
            "users": "1000",
            "height": "32",
            "assets": "1",
            "bits": "64",
            "mode": "aggregated,per-node",
            "backend": "libsecp256k1",
            "repeat": 2,
            "sample": 4,
            "batch": 8,
        },
        "verify": {
            "users": "64",
            "height": "16,32",
            "assets": "1,4",
            "bits": "64",
            "mode": "aggregated,per-node",
            "backend": "libsecp256k1",
            "repeat": 5,
            "sample": 1,
            "batch": 8,
        },
    },
    "full": {
        "tree": {
            "users": "1000,10000",
            "height": "16,32,64",
            "assets": "1,4,16",
            "bits": "32,64,128",
            "mode": "aggregated,per-node",
            "backend": "libsecp256k1",
            "repeat": 3,
            "sample": 16,
            "batch": 16,
        },
        "verify": {
            "users": "64",
            "height": "16,32,64",
            "assets": "1,4,16",
            "bits": "32,64,128",
            "mode": "aggregated,per-node",
            "backend": "libsecp256k1,python",
            "repeat": 9,
            "sample": 1,
            "batch": 16,
        },
    },
}

POINT_COLUMNS = ("users", "height", "assets", "bits", "mode", "backend", "workers", "clock")
BUILD_COLUMNS = (
    "builds_timed",
    "tree_users_per_s",
    "tree_users_per_s_min",
    "tree_users_per_s_max",
    "tree_units_per_user",
    "build_users_per_s",
    "build_cpu_share",
    "tree_users_per_cpu_s",
    "proofs_made",
    "proofs_timed",
    "proofs_extrapolated",
    "proof_ms",
    "proof_ms_min",
    "proof_ms_max",
    "proof_s_per_user",
    "proof_units_per_user",
    "proofs_all_core_s",
    "total_prover_s",
    "total_prover_units_per_user",
    "phases_s",
)
SIZE_COLUMNS = ("inclusion_bin_bytes", "inclusion_json_bytes", "statement_bytes", "model_ok")
VERIFY_COLUMNS = (
    "verify_ms",
    "verify_ms_min",
    "verify_ms_max",
    "verify_units",
    "verify_runs",
    "batch_size",
    "verify_batch_ms_per_proof",
    "verify_batch_units_per_proof",
)
MEMORY_COLUMNS = ("peak_rss_mb", "base_rss_mb", "children_peak_rss_mb")
META_COLUMNS = ("unit_us_local", "load_1min")

COLUMNS = {
    "tree": (
        *POINT_COLUMNS,
        *BUILD_COLUMNS,
        *SIZE_COLUMNS,
        *VERIFY_COLUMNS,
        *MEMORY_COLUMNS,
        *META_COLUMNS,
    ),
    "verify": (*POINT_COLUMNS, *SIZE_COLUMNS, *VERIFY_COLUMNS, *META_COLUMNS),
}


def add_grid_arguments(parser: argparse.ArgumentParser, which: str) -> None:
    q = PRESETS["quick"][which]
    parser.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default="quick",
        help="a named grid (default quick); the options below override it one by one",
    )
    parser.add_argument("--users", help=f"users per round, e.g. 1000,10000 (quick: {q['users']})")
    parser.add_argument("--height", help=f"tree heights H, e.g. 16,32,64 (quick: {q['height']})")
    parser.add_argument("--assets", help=f"asset counts K, e.g. 1,4,16 (quick: {q['assets']})")
    parser.add_argument("--bits", help=f"range bits n, e.g. 32,64 (quick: {q['bits']})")
    parser.add_argument("--mode", help="proof modes: aggregated,per-node (quick: both)")
    parser.add_argument("--backend", help=f"group backends: {','.join(BACKENDS)}")
    parser.add_argument("--repeat", type=int, help="timed runs per figure (medians and spread)")
    parser.add_argument("--workers", type=int, default=1, help="BuildConfig.workers (default 1)")
    parser.add_argument(
        "--sample",
        type=int,
        help="range proofs made for real per point, the rest extrapolated (0: all of them)",
    )
    parser.add_argument("--batch", type=int, help="inclusion proofs per batched verification")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="clock of the sampled proofs, the verification and the unit: wall (default) or "
        "cpu (this process's CPU time, steadier on a shared machine); build phases are wall",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="measure in this process (faster start; peak memory then covers the whole run)",
    )


def setting(args: argparse.Namespace, which: str, name: str) -> Any:
    value = getattr(args, name, None)
    return PRESETS[args.preset][which][name] if value is None else value


def use_results_dir(args: argparse.Namespace) -> None:
    """--results DIR, else benchmarks/results/<preset>."""
    set_results_dir(args.results or RESULTS_DIR / args.preset)


def points(args: argparse.Namespace, which: str) -> list[GridPoint]:
    def ints(name: str) -> list[int]:
        return [int(v) for v in parse_list(str(setting(args, which, name)))]

    def strs(name: str, allowed: Sequence[str]) -> list[str]:
        vals = [str(v) for v in parse_list(str(setting(args, which, name)), str)]
        for v in vals:
            if v not in allowed:
                raise SystemExit(f"--{name}: {v!r} is not one of {', '.join(allowed)}")
        return vals

    out = []
    for users, h, k, bits, mode, backend in itertools.product(
        ints("users"),
        ints("height"),
        ints("assets"),
        ints("bits"),
        strs("mode", MODES),
        strs("backend", BACKENDS),
    ):
        if which == "verify":
            users = min(users, 1 << (h - 1))  # a small round; verification ignores its size
        p = GridPoint(users, h, k, bits, mode, backend, args.workers)
        why = p.invalid()
        if why is not None:
            print(f"  skipped {p.label()}: {why}", file=sys.stderr)
            continue
        out.append(p)
    return out


def run_grid(args: argparse.Namespace, which: str, report: bool = True) -> int:
    """Measure every point of the grid; write `<which>.csv` row by row; then (unless `report`
    is false) SUMMARY.md and the plots."""
    pts = points(args, which)
    if not pts:
        raise SystemExit("no valid grid point")
    repeat = int(setting(args, which, "repeat"))
    sample = int(setting(args, which, "sample"))
    batch = int(setting(args, which, "batch"))
    unit = unit_scalar_mul_seconds(clock=args.clock)
    prov = provenance(unit)
    print(
        f"{which}: {len(pts)} points; unit = one libsecp256k1 scalar multiplication = "
        f"{unit * 1e6:.1f} us ({prov.cpu_model}, {prov.cores} cores, load {load_average()}, "
        f"Python {prov.python}, {prov.git_commit[:12]}{' dirty' if prov.git_dirty else ''})",
        flush=True,
    )
    cols = COLUMNS[which]
    bar = Bar(which, len(pts))
    rc = 0
    with CsvStream(which, cols, prov) as out:
        try:
            for p in pts:
                bar.show(p.label())
                plan = Plan(
                    p,
                    repeat=repeat if which == "tree" else 1,
                    sample=sample,
                    verify_repeat=repeat if which == "verify" else max(3, repeat),
                    batch=batch,
                    timed_build=which == "tree",
                    progress=False if args.in_process else None,
                    clock=args.clock,
                )
                row = measure_point(plan) if args.in_process else measure_isolated(plan)
                out.write({c: row.get(c, "") for c in cols})
                bar.advance()
                bar.show("done")
                bar.close()  # ends the progress line; the row's summary follows
                print(describe(row, which), flush=True)
        except KeyboardInterrupt:
            bar.close()
            print(f"\ninterrupted: {len(out.rows)} rows kept in {out.path}", flush=True)
            rc = 130
        else:
            print(f"wrote {out.path}")
    if report:
        from benchmarks.report import write_report

        write_report(results_dir())
    return rc


def describe(row: dict[str, Any], which: str) -> str:
    head = (
        f"  users={row['users']} H={row['height']} K={row['assets']} n={row['bits']} "
        f"{row['mode']} {row['backend']}:"
    )
    sizes = (
        f" proof {row['inclusion_bin_bytes']} B bin / {row['inclusion_json_bytes']} B json,"
        f" verify {row['verify_ms']} ms (batched {row['verify_batch_ms_per_proof']} ms/proof)"
    )
    if which == "verify":
        return head + sizes
    return (
        head
        + f" tree {row['tree_users_per_s']} users/s, proofs {row['proof_s_per_user']} s/user"
        + f" ({'extrapolated from ' + str(row['proofs_timed']) if row['proofs_extrapolated'] == 'yes' else 'all made'}),"
        + f" total {row['total_prover_s']} s,"
        + sizes
        + f", peak {row['peak_rss_mb']} MB"
    )
