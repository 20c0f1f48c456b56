"""`python -m benchmarks targets`: one row per prover-speed target (issue 12) and a whole-build row,
measured in this run, each with its goal and whether it is met, in targets.csv.

    proof_aggregated_s        one aggregated inclusion proof, H = 32, K = 1 (a range proof of
                              m = 32 values), CPU seconds, one core            goal <= 0.20 s
    rangeproof_m1_prove/verify/batch_units   the 64-bit m = 1 range proof, units
                                                                  goals <= 250 / 60 / 10
    per_node_over_aggregated  per-node mode: CPU of a user's share of node proofs (node proofs per
                              user, counted, x one node proof) over one aggregated proof: <= 1
    tree_users_per_cpu_s      the build's tree phase with the store, users per CPU-second, one
                              process (proofs stubbed)                           goal >= 1,500
    publish_ms_per_user       the build's publishing phase per user on two workers (files written
                              by the workers, in parallel), wall clock; the one-worker CPU in the
                              note; baseline 0.806 ms (one worker, serial)
    build_speedup_2_workers   a whole build (tree, real proofs, publishing) on 2 workers over 1
                              worker, wall clock                                 goal >= 1.8
    dask_speedup_2_workers    the same on a Dask LocalCluster of 2 workers over 1 worker: >= 1.7
    projection_1m_64_workers_h   1,000,000 users, H = 32, K = 1 on 64 Dask workers, hours:
                              users x (coordinator CPU per user outside the path proofs +
                              workers' CPU per user / 64 + the path-proof phase's wall time per
                              user with the workers answering at the rate of 64 workers), the
                              per-user costs the marginal ones between two Dask builds
                              (--projection-users, proofs stubbed on the workers by
                              benchmarks.dask_stub); details in _projection     goal <= 1 h

Times are CPU time (process time; the children's for the worker processes) except the speed-ups,
which are wall-clock ratios: on a machine whose cores are shared with other work they are lower
than on an idle one (see the load column). The unit (one libsecp256k1 variable-base scalar
multiplication) is measured in the same run.

    python -m benchmarks targets [--users 128] [--tree-users 2000] [--repeat 5] [--no-dask]
        [--rows proofs,tree,publish,build,dask,projection] [--projection-users 200,2000]
        [--update-quick] [--proofs-only]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import model, rangeproof
from benchmarks.common import load_average, print_table, provenance, unit_scalar_mul_seconds
from benchmarks.common import write_csv as _write_csv
from benchmarks.rounds import ROUND_ID, SECRET, ProofSampler, make_snapshot

NAME = "targets"
COLUMNS = ("target", "value", "goal", "met", "note")
#: Publishing per user before issue 12 (benchmarks/results/quick, commit d97ca7f, 1,000 users).
PUBLISH_BASELINE_MS = 0.806


#: Users of the builds that warm a process or a Dask worker before the timed builds.
WARM_USERS = 8
#: The row groups of --rows.
GROUPS = ("proofs", "tree", "publish", "build", "dask", "projection")
#: The committed quick reference (--update-quick replaces this run's rows in it).
QUICK = Path(__file__).resolve().parent / "results" / "quick" / "targets.csv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=128, help="users of the whole builds")
    parser.add_argument("--tree-users", type=int, default=2000, help="users of the tree rows")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per proof figure")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask rows")
    parser.add_argument("--no-csv", action="store_true", help="print only, write no CSV")
    parser.add_argument(
        "--rows",
        default=",".join(GROUPS),
        help=f"comma-separated row groups to measure, of {', '.join(GROUPS)} (default: all)",
    )
    parser.add_argument(
        "--projection-users",
        default="200,2000",
        help="the two build sizes whose difference gives the projection's per-user costs",
    )
    parser.add_argument(
        "--proofs-only",
        action="store_true",
        help="only the proof rows (aggregated proof, m = 1 range proof, per-node): print only",
    )
    parser.add_argument(
        "--update-quick",
        action="store_true",
        help="also replace this run's rows (by target) in results/quick/targets.csv",
    )


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@contextlib.contextmanager
def _cpu_phases() -> Iterator[None]:
    """prover.build times its phases with time.perf_counter: make that this process's CPU time
    (exact for a one-worker build, which runs every phase in this process)."""
    from prover import build as b

    class _Clock:
        perf_counter = staticmethod(time.process_time)

    saved = b.time
    b.time = _Clock  # type: ignore[assignment]
    try:
        yield
    finally:
        b.time = saved


def _build(
    tmp: Path, users: int, workers: int, stub: bool, client: Any = None, mode: str = "aggregated"
) -> dict[str, Any]:
    """Build a synthetic round (H = 32, K = 1); phase seconds, wall and CPU seconds, and the
    proofs asked (by kind) when `stub` (then all but one proof are copies of a real one).

    The round folder is left in `tmp` (deleted with it at the end of the run): on a journal-less
    ext4 (this VM's disk), creating a file scans the inode bitmap past every inode freed in the
    last seconds to minutes (ext4's `recently_deleted`), so deleting a build's thousands of
    files would bill their deletion to the next build's publishing."""
    from prover.build import BuildConfig, build
    from prover.secrets import MasterSecret

    snap = tmp / f"s{users}.csv"
    if not snap.exists():
        make_snapshot(snap, users, 1, 64)
    out = tmp / f"out-{users}-{workers}-{'dask' if client else 'local'}-{time.time_ns()}"
    cfg = BuildConfig(
        snapshot=snap,
        round_id=ROUND_ID,
        assets=dict(model.bench_assets(1)),
        out=out,
        height=32,
        bits=64,
        mode=mode,
        workers=workers,
        progress=False,
        dask_client=client,
    )
    sampler = ProofSampler(users, 32, mode, 1)
    cpu0, kids0, wall0 = time.process_time(), _children_cpu(), time.perf_counter()
    with sampler.installed() if stub else contextlib.nullcontext():
        res = build(cfg, MasterSecret(SECRET))
    wall = time.perf_counter() - wall0
    cpu, kids = time.process_time() - cpu0, _children_cpu() - kids0
    return {
        "phases": dict(res.seconds),
        "wall": wall,
        "cpu": cpu,
        "children": kids,
        "asked": dict(sampler.stats.asked),
    }


def _file_ms(tmp: Path, count: int, size: int = 7700) -> float:
    """CPU ms (this process, kernel included) to create one file of `size` bytes, mode 0600,
    in a fresh folder of `tmp`: the part of publishing that is the file system's (the files
    are left for the end of the run, see _build)."""
    folder = tmp / f"files-{time.time_ns()}"
    folder.mkdir()
    data = b"x" * size
    cpu0 = time.process_time()
    for i in range(count):
        fd = os.open(folder / f"{i:064x}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        os.close(fd)
    return (time.process_time() - cpu0) / count * 1e3


def _row(target: str, value: float, goal: str, met: bool, note: str) -> dict[str, Any]:
    print(
        f"  {target}: {value:.4g} (goal {goal}, {'met' if met else 'not met'}; {note})", flush=True
    )
    return {
        "target": target,
        "value": f"{value:.4g}",
        "goal": goal,
        "met": "yes" if met else "no",
        "note": note,
    }


def _dask_builds(tmp: Path, users: int) -> tuple[float, float] | None:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return None
    walls = []
    for n in (1, 2):
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            _build(tmp, min(WARM_USERS, users), n, stub=False, client=client)  # warm the workers
            walls.append(_build(tmp, users, n, stub=False, client=client)["wall"])
    return walls[0], walls[1]


def _workers_cpu(client: Any) -> float:
    """CPU seconds used so far by the Dask workers' processes, summed."""
    return float(sum(client.run(time.process_time).values()))


def _projection(tmp: Path, sizes: tuple[int, int], proof_s: float) -> dict[str, Any] | None:
    """The projection row, from builds on a 2-worker LocalCluster (proofs stubbed on the
    workers, benchmarks.dask_stub) at two sizes, whose differences give the marginal costs per
    user: the coordinator's CPU (phase by phase) and the workers' CPU; and, from a second build
    at each size whose workers answer each proof after 2 x proof_s / 64 seconds of sleep (the
    rate of 64 workers making real proofs), the path-proof phase's wall time. The coordinator
    reads and stores path proofs while the workers prove (prover.build.prove_pipelined), so
    that phase is counted as its measured wall time at that rate; every other phase as the
    coordinator's CPU plus the workers' CPU over 64 (added, ignoring their overlap)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return None
    from benchmarks import dask_stub

    users, workers = 1_000_000, 64
    runs = []
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            preload=["benchmarks.dask_stub"],
        ) as cluster,
        Client(cluster) as client,
    ):
        _build(tmp, sizes[0], 2, stub=False, client=client)  # warm the workers
        for n in sizes:
            w0 = _workers_cpu(client)
            with _cpu_phases():
                r = _build(tmp, n, 2, stub=False, client=client)
            r["workers"] = _workers_cpu(client) - w0
            client.run(dask_stub.set_delay, 2 * proof_s / workers)
            r["paced"] = _build(tmp, n, 2, stub=False, client=client)["phases"]
            client.run(dask_stub.set_delay, 0.0)
            runs.append(r)
    (a, ra), (b, rb) = zip(sizes, runs, strict=True)

    def per_user(key: str, phase: str | None = None) -> float:
        if phase is None:
            return float(rb[key] - ra[key]) / (b - a)
        return float(rb[key].get(phase, 0.0) - ra[key].get(phase, 0.0)) / (b - a)

    coord, work = per_user("cpu"), per_user("workers")
    path_cpu, path_wall = per_user("phases", "path-proofs"), per_user("paced", "path-proofs")
    total = users * (coord - path_cpu + work / workers + path_wall)
    added = users * coord + users * (work + proof_s) / workers
    phases = {k: per_user("phases", k) for k in rb["phases"] if k != "total"}
    top = sorted(phases.items(), key=lambda kv: -kv[1])[:3]
    return _row(
        "projection_1m_64_workers_h",
        total / 3600,
        "<= 1",
        total <= 3600,
        f"marginal per user from {a} and {b} users: coordinator {coord * 1e3:.3f} ms CPU ("
        + ", ".join(f"{k} {v * 1e3:.3f}" for k, v in top)
        + f" ms), workers {work * 1e3:.2f} ms CPU over {workers}; path-proof phase "
        f"{path_wall * 1e3:.2f} ms wall with the workers at the rate of {workers} "
        f"(one proof {proof_s * 1e3:.0f} ms; coordinator and proofs added: "
        f"{(path_cpu + proof_s / workers) * 1e3:.2f} ms); the coordinator's CPU outside that "
        f"phase {(coord - path_cpu) * users / total:.0%} of the time; all added, no overlap: "
        f"{added / 3600:.3f} h",
    )


def _quick_update(rows: list[dict[str, Any]], prov: Any) -> None:
    """Replace the rows of this run's targets in the committed quick reference (the others
    keep their own provenance)."""
    import csv

    mine = {r["target"]: {**r, **prov.row()} for r in rows}
    with QUICK.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        old = list(reader)
    out = [mine.pop(r["target"], r) for r in old] + list(mine.values())
    with QUICK.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(out)
    print(f"updated {QUICK}")


def run(args: argparse.Namespace) -> int:
    want = {"proofs"} if args.proofs_only else set(args.rows.split(","))
    args.no_csv = args.no_csv or args.proofs_only
    if not want <= set(GROUPS):
        raise SystemExit(f"--rows: unknown group(s) {', '.join(sorted(want - set(GROUPS)))}")
    if args.no_dask:
        want -= {"dask", "projection"}
    unit = unit_scalar_mul_seconds(clock="cpu")
    prov = provenance(unit)
    load0 = load_average()
    rows: list[dict[str, Any]] = []
    prove_s = 0.0
    if want & {"proofs", "projection"}:
        m32 = rangeproof.bench_point("libsecp256k1", 64, 32, args.repeat, 4, "cpu")
        prove_s = float(m32["prove_ms"]) / 1e3
    if "proofs" in want:
        m1 = rangeproof.bench_point("libsecp256k1", 64, 1, max(args.repeat, 9), 64, "cpu")
        rows.append(
            _row(
                "proof_aggregated_s",
                prove_s,
                "<= 0.20",
                prove_s <= 0.20,
                f"{m32['prove_units']} units; today 0.37-0.46 s",
            )
        )
        for key, goal in (
            ("prove_units", 250),
            ("verify_units", 60),
            ("batch_units_per_proof", 10),
        ):
            v = float(m1[key])
            rows.append(_row(f"rangeproof_m1_{key}", v, f"<= {goal}", v <= goal, "units"))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        users = args.tree_users
        if "proofs" in want:
            # per-node: node proofs per user, counted by a stubbed per-node build's sampler
            node_s = float(m1["prove_ms"]) / 1e3
            asked = _build(tmp, users, 1, stub=True, mode="per-node")["asked"]
            per_user = asked.get("node", 0) / users
            ratio = per_user * node_s / prove_s
            rows.append(
                _row(
                    "per_node_over_aggregated",
                    ratio,
                    "<= 1",
                    ratio <= 1,
                    f"{per_user:.1f} node proofs per user at {users} users",
                )
            )
        if want & {"tree", "publish"}:
            with _cpu_phases():
                one = _build(tmp, users, 1, stub=True)
        if "tree" in want:
            tree_rate = users / one["phases"]["tree"]
            rows.append(
                _row(
                    "tree_users_per_cpu_s",
                    tree_rate,
                    ">= 1500",
                    tree_rate >= 1500,
                    f"{users} users, store included; today 330-760",
                )
            )
        if "publish" in want:
            pub1 = one["phases"]["publish"] / users * 1e3
            two = _build(tmp, users, 2, stub=True)
            pub2 = two["phases"]["publish"] / users * 1e3
            rows.append(
                _row(
                    "publish_ms_per_user",
                    pub2,
                    f"<= {PUBLISH_BASELINE_MS / 3:.3f}",
                    pub2 <= PUBLISH_BASELINE_MS / 3,
                    f"2 workers {pub2:.3f} ms wall, 1 worker {pub1:.3f} ms CPU; "
                    f"creating a file alone {_file_ms(tmp, users):.3f} ms CPU here; "
                    f"baseline {PUBLISH_BASELINE_MS} ms",
                )
            )
        if "build" in want:
            # warm this process (generator tables, imports): the 1-worker build proves here and
            # the 2-worker build's workers fork from here
            _build(tmp, min(WARM_USERS, args.users), 1, stub=False)
            w1 = _build(tmp, args.users, 1, stub=False)["wall"]
            w2 = _build(tmp, args.users, 2, stub=False)["wall"]
            rows.append(
                _row(
                    "build_speedup_2_workers",
                    w1 / w2,
                    ">= 1.8",
                    w1 / w2 >= 1.8,
                    f"{args.users} users, real proofs: {w1:.1f} s / {w2:.1f} s wall",
                )
            )
        dask = _dask_builds(tmp, args.users) if "dask" in want else None
        if dask is not None:
            d1, d2 = dask
            rows.append(
                _row(
                    "dask_speedup_2_workers",
                    d1 / d2,
                    ">= 1.7",
                    d1 / d2 >= 1.7,
                    f"{args.users} users: {d1:.1f} s / {d2:.1f} s wall",
                )
            )
        if "projection" in want:
            a, b = (int(x) for x in args.projection_users.split(","))
            row = _projection(tmp, (a, b), prove_s)
            if row is not None:
                rows.append(row)
    load1 = load_average()
    for r in rows:
        r["clock"] = "cpu"
        r["load_1min"] = load1
    print(f"unit = {unit * 1e6:.1f} us, 1-minute load {load0} -> {load1}")
    print_table(rows, list(COLUMNS))
    if not args.no_csv:
        print(f"\nwrote {_write_csv(NAME, rows, prov)}")
    if args.update_quick:
        _quick_update(rows, prov)
    return 0
