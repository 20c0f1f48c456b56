"""One grid point of the `tree` and `verify` benchmarks: a synthetic round built through the
public `prover.build.build()`, a sample of its range proofs made and timed for real, the
sample users' inclusion proofs verified, sizes checked against the size model, all in a fresh
process so that its peak memory is the point's own.

How a large round is measured without proving every user: `build()` makes every range proof
through `prover.proving.Pool.map` (its one entry point for proofs, whatever the workers).
For the duration of the build, `ProofSampler.installed()` routes that method through a
sampler that proves the root and a sample of the tasks for real, one at a time on one core,
timing each, and answers every other task with the bytes of a real proof of the same shape
(so every artifact has its exact size). Everything else (snapshot validation, commitments,
hashes, subtrees in their worker processes, the store, writing every user's files) runs for
real. The time of all the proofs is then extrapolated: mean sampled time x the exact number of
tasks the build asked for. Outputs of users outside the sample do not verify; the round lives
in a temporary folder that is deleted. (A public hook in BuildConfig for the proof executor
would replace the patch of Pool.map.)

Which tasks are sampled: in aggregated mode every ceil(users/sample)-th user's path proof; in
per-node mode the proofs of every sibling on the paths of ceil(sample/H) users (chosen among
the depth-H tasks, which the build hands over first: the depth-H task j is the sibling of
leaf j^1), so those users' proofs verify.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import model
from benchmarks.common import CLOCKS, measure, peak_rss_mb, unit_scalar_mul_seconds

ROUND_ID = "bench-2026-11-22"
SECRET = hashlib.sha256(b"zk-solvency benchmarks: not a real key").digest()
BACKENDS = ("libsecp256k1", "python")


@dataclass(frozen=True)
class GridPoint:
    users: int
    height: int
    assets: int
    bits: int
    mode: str
    backend: str = "libsecp256k1"
    workers: int = 1

    def label(self) -> str:
        return (
            f"users={self.users} H={self.height} K={self.assets} n={self.bits} {self.mode} "
            f"{self.backend}" + (f" w={self.workers}" if self.workers != 1 else "")
        )

    def invalid(self) -> str | None:
        """Why the protocol refuses this point, or None."""
        if self.users > 1 << (self.height - 1):
            return f"{self.users} users > 2^(H-1) = {1 << (self.height - 1)}"
        from circuits.errors import FormatError
        from verifier.formats import check_params

        try:
            check_params(self.height, self.bits, self.mode, self.assets)
        except FormatError as exc:
            return str(exc)
        return None


@dataclass(frozen=True)
class Plan:
    """What to measure at a point. `repeat` builds are timed (the first one also samples the
    proofs); `sample` range proofs are made for real (0: every one); single verification is
    timed `verify_repeat` times, batched verification over `batch` proofs."""

    point: GridPoint
    repeat: int = 1
    sample: int = 8
    verify_repeat: int = 5
    batch: int = 16
    timed_build: bool = True  # False (verify benchmark): build on libsecp256k1, time nothing
    progress: bool | None = None
    clock: str = "wall"  # of the sampled proofs, the verification and the unit (common.CLOCKS)


# --- synthetic snapshot ------------------------------------------------------------------------


def make_snapshot(path: Path, users: int, assets: int, bits: int, seed: int = 1) -> None:
    """A deterministic snapshot: ids `user-0000001`..., heavy-tailed balances (about a third of
    them zero) in base units of assets with 8 decimals, every total below 2^bits."""
    rng = random.Random(seed)
    cap = max(1, ((1 << bits) - 1) // (2 * users))
    syms = [s for s, _d in model.bench_assets(assets)]
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("user_id," + ",".join(syms) + "\n")
        for i in range(users):
            fields = []
            for _ in syms:
                u = rng.random()
                v = 0 if u < 0.33 else int(cap * ((u - 0.33) / 0.67) ** 4)
                whole, frac = divmod(v, 10**8)
                fields.append(f"{whole}.{frac:08d}" if frac else str(whole))
            f.write(f"user-{i:07d}," + ",".join(fields) + "\n")


# --- the sampling stand-in for the proof workers ------------------------------------------------


@dataclass
class Sample:
    """What the sampler saw: tasks asked per kind, seconds of each real proof per kind."""

    asked: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)
    real_positions: set[tuple[str, int, int]] = field(default_factory=set)
    targets: list[int] = field(default_factory=list)  # leaf indices meant to verify
    wall: float = 0.0  # wall seconds of all real proofs
    cpu: float = 0.0  # CPU seconds of all real proofs


class ProofSampler:
    """Answers the build's range-proof tasks (kind root / node / path): a sample for real, timed
    one by one on this core, every other one with the bytes of a real proof of its kind."""

    def __init__(
        self,
        users: int,
        height: int,
        mode: str,
        sample: int,
        placeholders: dict[str, bytes] | None = None,
        stub_all: bool = False,
        clock: str = "wall",
    ) -> None:
        self.clock = CLOCKS[clock]
        self.users = users
        self.height = height
        self.mode = mode
        self.sample = sample
        self.stub_all = stub_all
        self.placeholders: dict[str, bytes] = dict(placeholders or {})
        self.stats = Sample()
        self._path_seen = 0
        self._leaf_seen = 0
        self._needed: set[tuple[int, int]] = set()
        if mode == "aggregated":
            self._stride = 1 if sample <= 0 else max(1, math.ceil(users / sample))
            self._n_targets = 0
        else:
            n = users if sample <= 0 else max(1, math.ceil(sample / height))
            self._n_targets = min(users, n)
            self._stride = max(1, users // self._n_targets)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Route `prover.proving.Pool.map` (the build's one entry point for range proofs)
        through this sampler for the duration; subtree work keeps its own path."""
        from prover import proving

        original = proving.Pool.map
        sampler = self

        def map_(_pool: Any, tasks: Sequence[Any], last: bool = True) -> Iterator[bytes]:
            for t in tasks:
                yield sampler.task(t)

        proving.Pool.map = map_  # type: ignore[assignment,method-assign]
        try:
            yield
        finally:
            proving.Pool.map = original  # type: ignore[method-assign]

    # sampling -----------------------------------------------------------------------------
    def _real(self, task: Any) -> bytes:
        from prover.proving import run_task

        w0, c0, t0 = time.perf_counter(), time.process_time(), self.clock()
        proof = run_task(task)
        dt = self.clock() - t0
        self.stats.wall += time.perf_counter() - w0
        self.stats.cpu += time.process_time() - c0
        self.stats.seconds.setdefault(task.kind, []).append(dt)
        self.stats.real_positions.add((task.kind, task.depth, task.index))
        self.placeholders.setdefault(task.kind, proof)
        return proof

    def _wanted(self, task: Any) -> bool:
        if task.kind == "root":
            return True
        H = self.height
        if task.kind == "path":
            pick = self._path_seen % self._stride == 0 and (
                self.sample <= 0 or len(self.stats.targets) < self.sample
            )
            self._path_seen += 1
            if pick:
                self.stats.targets.append(task.index)
            return pick
        # per-node: choose target users among the depth-H tasks (task j is leaf j^1's sibling)
        if task.depth == H:
            if self._leaf_seen % self._stride == 0 and len(self.stats.targets) < self._n_targets:
                leaf = task.index ^ 1
                self.stats.targets.append(leaf)
                self._needed.update((d, (leaf >> (H - d)) ^ 1) for d in range(1, H + 1))
            self._leaf_seen += 1
        return self.sample <= 0 or (task.depth, task.index) in self._needed

    def task(self, task: Any) -> bytes:
        self.stats.asked[task.kind] = self.stats.asked.get(task.kind, 0) + 1
        if self.stub_all and task.kind in self.placeholders:
            return self.placeholders[task.kind]
        if self._wanted(task) or task.kind not in self.placeholders:
            return self._real(task)
        return self.placeholders[task.kind]

    def complete_targets(self) -> list[int]:
        """Sampled users whose proofs are entirely real (so they verify)."""
        H = self.height
        real = self.stats.real_positions
        if self.mode == "aggregated":
            return [i for i in self.stats.targets if ("path", H, i) in real]
        return [
            leaf
            for leaf in self.stats.targets
            if all(("node", d, (leaf >> (H - d)) ^ 1) in real for d in range(1, H + 1))
        ]


# --- one point, measured -----------------------------------------------------------------------

_INDEX = re.compile(rb'"index": ?(\d+)')


def find_proofs(proofs_dir: Path, leaves: Sequence[int], k: int) -> dict[int, bytes]:
    """The JSON proofs of the users at `leaves` (read the leaf index near each file's start)."""
    want = set(leaves)
    found: dict[int, bytes] = {}
    head = 600 + 160 * k
    for path in sorted(proofs_dir.iterdir()):
        with path.open("rb") as f:
            m = _INDEX.search(f.read(head))
        if m is not None and int(m.group(1)) in want:
            found[int(m.group(1))] = path.read_bytes()
            if len(found) == len(want):
                break
    return found


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _build(plan: Plan, snapshot: Path, out: Path, sampler: ProofSampler) -> dict[str, float]:
    """Build the round; its phase seconds (wall), with "cpu" the build's CPU seconds and
    "total" / "cpu" less the sampler's real proofs (those are extrapolated separately)."""
    from prover.build import BuildConfig, build
    from prover.secrets import MasterSecret

    p = plan.point
    cfg = BuildConfig(
        snapshot=snapshot,
        round_id=ROUND_ID,
        assets=dict(model.bench_assets(p.assets)),
        out=out,
        height=p.height,
        bits=p.bits,
        mode=p.mode,
        workers=p.workers,
        progress=plan.progress,
    )
    cpu0 = _cpu_seconds()
    with sampler.installed():
        result = build(cfg, MasterSecret(SECRET))
    seconds = dict(result.seconds)
    seconds["cpu"] = _cpu_seconds() - cpu0
    seconds["share"] = seconds["cpu"] / seconds["total"]  # of one core, proofs included
    seconds["total"] -= sampler.stats.wall
    seconds["cpu"] -= sampler.stats.cpu
    return seconds


def _verify_batched(statement: Any, blobs: Sequence[bytes]) -> None:
    """`len(blobs)` users' proofs checked as an auditor would: each parsed and its path
    recomputed by verify_inclusion, every range proof of all of them in one batch_verify."""
    from circuits import rangeproof
    from verifier.formats import parse_inclusion
    from verifier.liabilities import verify_inclusion

    collected: list[Any] = []
    original = rangeproof.batch_verify

    def collect(items: Sequence[Any], **_kw: Any) -> None:
        collected.extend(items)

    rangeproof.batch_verify = collect
    try:
        for blob in blobs:
            verify_inclusion(statement, parse_inclusion(blob, "proof"))
    finally:
        rangeproof.batch_verify = original
    original(collected)


def measure_point(plan: Plan) -> dict[str, Any]:
    """Measure one point (in the calling process); the row of the CSV."""
    from circuits.group import set_default_backend
    from verifier.formats import parse_inclusion, parse_statement
    from verifier.liabilities import verify_inclusion

    p = plan.point
    unit_before = unit_scalar_mul_seconds(501, plan.clock)
    build_backend = p.backend if plan.timed_build else "libsecp256k1"
    tmp = Path(tempfile.mkdtemp(prefix="zk-bench-"))
    row: dict[str, Any] = {**asdict(p)}
    try:
        snapshot = tmp / "snapshot.csv"
        make_snapshot(snapshot, p.users, p.assets, p.bits)
        rss_base = peak_rss_mb()
        set_default_backend(build_backend)
        sampler = ProofSampler(p.users, p.height, p.mode, plan.sample, clock=plan.clock)
        runs = [_build(plan, snapshot, tmp / "out", sampler)]
        for r in range(1, plan.repeat if plan.timed_build else 1):
            again = ProofSampler(p.users, p.height, p.mode, plan.sample, sampler.placeholders, True)
            runs.append(_build(plan, snapshot, tmp / f"out{r}", again))
            shutil.rmtree(tmp / f"out{r}")
        rss_build = peak_rss_mb()
        rss_children = peak_rss_mb(resource.RUSAGE_CHILDREN)
        set_default_backend(None)

        # sizes --------------------------------------------------------------------------
        out = tmp / "out"
        statement_bytes = (out / "public" / "statement.json").read_bytes()
        targets = sampler.complete_targets()
        blobs = find_proofs(out / "users", targets, p.assets)
        if not blobs:
            raise RuntimeError("no sampled user has a complete proof: the sampling needs updating")
        shape = model.Shape(p.height, p.bits, p.mode, model.bench_assets(p.assets), ROUND_ID)
        first = parse_inclusion(next(iter(blobs.values())), "proof")
        json_b = len(next(iter(blobs.values())))
        bin_b = len(first.to_binary())
        model_ok = (
            json_b
            == model.inclusion_json_bytes(shape, first.user_id, first.leaf_index, first.balances)
            and bin_b == model.inclusion_binary_bytes(shape, first.user_id)
            and len(statement_bytes) == model.statement_json_bytes(shape)
        )

        # verification ---------------------------------------------------------------------
        set_default_backend(p.backend)
        statement = parse_statement(statement_bytes)
        data = list(blobs.values())
        single = measure(
            lambda: verify_inclusion(statement, parse_inclusion(data[0], "proof")),
            plan.verify_repeat,
            clock=plan.clock,
        )
        batch = [data[i % len(data)] for i in range(plan.batch)]
        batched = measure(
            lambda: _verify_batched(statement, batch),
            max(1, plan.verify_repeat // 2),
            clock=plan.clock,
        )
        set_default_backend(None)
        unit = (unit_before + unit_scalar_mul_seconds(501, plan.clock)) / 2

        # figures ---------------------------------------------------------------------------
        kind = "path" if p.mode == "aggregated" else "node"
        sampled = sampler.stats.seconds.get(kind, [])
        asked = sampler.stats.asked.get(kind, 0)
        root_s = sum(sampler.stats.seconds.get("root", [0.0]))
        proofs_all = root_s + (statistics.fmean(sampled) * asked if sampled else 0.0)
        per_user = proofs_all / p.users

        def med(key: str) -> float:
            vals = [r.get(key, math.nan) for r in runs]
            return statistics.median(vals)

        tree_s = [r.get("tree", math.nan) for r in runs]
        pre_tree = ("validate", "ingest", "positions", "tree")
        build_s = [sum(r.get(k, 0.0) for k in pre_tree) for r in runs]
        rest_s = med("cpu" if plan.clock == "cpu" else "total")  # the build less its proofs
        total_prover = rest_s + proofs_all / max(1, p.workers)
        share = max(med("share"), 1e-6)  # CPU time can read 0 on a tiny round
        tree_s = [max(t, 1e-9) for t in tree_s]
        build_s = [max(t, 1e-9) for t in build_s]
        phases = ";".join(
            f"{k}={med(k):.3f}"
            for k in runs[0]
            if k not in ("total", "cpu", "share") and not math.isnan(med(k))
        )
        row.update(
            {
                "clock": plan.clock,
                "builds_timed": len(runs) if plan.timed_build else 0,
                "tree_users_per_s": f"{p.users / statistics.median(tree_s):.0f}",
                "tree_users_per_s_min": f"{p.users / max(tree_s):.0f}",
                "tree_users_per_s_max": f"{p.users / min(tree_s):.0f}",
                "tree_units_per_user": f"{statistics.median(tree_s) / p.users / unit:.1f}",
                "build_users_per_s": f"{p.users / statistics.median(build_s):.0f}",
                "build_cpu_share": f"{share:.2f}",
                "tree_users_per_cpu_s": f"{p.users / (statistics.median(tree_s) * share):.0f}",
                "proofs_made": asked + sampler.stats.asked.get("root", 0),
                "proofs_timed": len(sampled) + len(sampler.stats.seconds.get("root", [])),
                "proofs_extrapolated": "yes" if len(sampled) < asked else "no",
                "proof_ms": f"{statistics.median(sampled) * 1e3:.1f}" if sampled else "",
                "proof_ms_min": f"{min(sampled) * 1e3:.1f}" if sampled else "",
                "proof_ms_max": f"{max(sampled) * 1e3:.1f}" if sampled else "",
                "proof_s_per_user": f"{per_user:.4f}",
                "proof_units_per_user": f"{per_user / unit:.0f}",
                "proofs_all_core_s": f"{proofs_all:.1f}",
                "total_prover_s": f"{total_prover:.3f}",
                "total_prover_units_per_user": f"{total_prover / p.users / unit:.0f}",
                "phases_s": phases,
                "inclusion_bin_bytes": bin_b,
                "inclusion_json_bytes": json_b,
                "statement_bytes": len(statement_bytes),
                "model_ok": int(model_ok),
                "verify_ms": single.ms(),
                "verify_ms_min": f"{single.low * 1e3:.2f}",
                "verify_ms_max": f"{single.high * 1e3:.2f}",
                "verify_units": f"{single.median / unit:.0f}",
                "verify_runs": single.runs,
                "batch_size": plan.batch,
                "verify_batch_ms_per_proof": f"{batched.median / plan.batch * 1e3:.2f}",
                "verify_batch_units_per_proof": f"{batched.median / plan.batch / unit:.0f}",
                "peak_rss_mb": f"{rss_build:.0f}",
                "base_rss_mb": f"{rss_base:.0f}",
                "children_peak_rss_mb": f"{rss_children:.0f}",
                "unit_us_local": f"{unit * 1e6:.2f}",
                "load_1min": f"{os.getloadavg()[0]:.2f}",
            }
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return row


# --- in a fresh process ----------------------------------------------------------------------


def _child(plan: Plan, conn: Any) -> None:
    try:
        conn.send(("ok", measure_point(plan)))
    except KeyboardInterrupt:
        pass
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def measure_isolated(plan: Plan) -> dict[str, Any]:
    """measure_point in a freshly spawned interpreter (peak memory is then the point's own).
    Ctrl-C stops the child and propagates KeyboardInterrupt."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(plan, child), daemon=False)
    proc.start()
    child.close()
    try:
        status, payload = parent.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(f"the benchmark process died (exit code {proc.exitcode})") from None
    except KeyboardInterrupt:
        proc.terminate()
        proc.join()
        raise
    proc.join()
    if status != "ok":
        raise RuntimeError(f"{plan.point.label()} failed:\n{payload}")
    result: dict[str, Any] = payload
    return result
