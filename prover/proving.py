"""Parallel work of a build, in a process pool using every core by default (or on Dask):
subtrees of the liabilities tree and range proofs.

A proof task is plain data (kind, context, position, n, openings as stored, entropy), so it
pickles to any worker; the worker rebuilds the transcript from the context and position, exactly as the
verifier will, and returns the proof bytes. Entropy is secret-derived per position, so the
output is byte-identical for any number or kind of workers.

A subtree task names the leaves under one node at the split depth. Local workers (forked from
the coordinator) read those leaves from the store and derive the secrets themselves with the
round secrets they inherited at the fork; nothing secret is pickled. A Dask worker instead gets
the leaves, their blindings and salts, and the tree key of its subtree's top node, from which it
derives its padding nodes' secrets and nothing else (see DerivedSecrets). Either way the worker returns the subtree's node rows and its top
node, and the coordinator commits them and joins the tops into the root.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TypeVar

from circuits import rangeproof
from circuits.merkle import next_pow2, node_transcript, path_transcript, root_transcript
from circuits.transcript import Transcript
from prover.store import NodeRow, read_leaves
from prover.tree import DerivedSecrets, RoundSecrets, build_subtree, unpack_opening

T = TypeVar("T")
R = TypeVar("R")

#: Proofs per task at most (Pool.map): a Dask task costs its scheduler about a millisecond.
DASK_PROOFS = 16
#: Tasks of DASK_PROOFS proofs per worker in a batch of proofs (prover.build.proof_batch).
TASKS_PER_WORKER = 8

# The round secrets of the build in progress, set by the coordinator before its worker
# processes fork, so that they inherit them without any pickling (RoundSecrets refuses it).
_inherited: RoundSecrets | None = None


@dataclass(frozen=True)
class ProofTask:
    """`openings`: the openings of the values to prove, as stored (prover.tree.pack_opening:
    48 bytes each, a 16-byte value then a 32-byte blinding), so that a task pickles as a few
    byte strings and the worker, not the coordinator, turns them into integers."""

    kind: str  # "root" | "node" | "path"
    context: bytes
    depth: int
    index: int
    bits: int
    openings: bytes
    entropy: bytes


def task_transcript(kind: str, context: bytes, depth: int, index: int) -> Transcript:
    if kind == "root":
        return root_transcript(context)
    if kind == "node":
        return node_transcript(context, depth, index)
    if kind == "path":
        return path_transcript(context, index)
    raise ValueError(f"unknown proof kind {kind}")


def run_task(task: ProofTask) -> bytes:
    """Prove the task's values in [0, 2^n), padded to a power of two with the public opening
    (0, 1), whose commitment is H."""
    values, blindings = unpack_opening(task.openings)
    pad = next_pow2(len(values)) - len(values)
    values += [0] * pad
    blindings += [1] * pad
    entropy = task.entropy
    proof, _ = rangeproof.prove(
        values,
        blindings,
        task.bits,
        task_transcript(task.kind, task.context, task.depth, task.index),
        entropy=lambda n: (entropy * (n // len(entropy) + 1))[:n],
    )
    return proof.to_bytes()


def run_batch(tasks: Sequence[ProofTask]) -> list[bytes]:
    return [run_task(t) for t in tasks]


def task_sizes(n: int, workers: int, last: bool = True) -> list[int]:
    """How Pool.map cuts n proofs into tasks, in order: at most DASK_PROOFS proofs a task and at
    least TASKS_PER_WORKER tasks per worker (unless a task would hold less than one proof). For
    the `last` map of a phase (guided self-scheduling), each task also holds at most a
    (2 x workers)-th of the proofs not yet handed out, so the tasks shrink to one proof at the
    end and the workers finish within about one proof of each other (a task of 16 proofs takes
    2-3 s at H = 32); the other maps keep the fewer, larger tasks (each task costs the Dask
    scheduler and client a few milliseconds of the coordinator's CPU), as the next map's tasks
    follow them."""
    w = max(1, workers)
    size = max(1, min(DASK_PROOFS, n // (TASKS_PER_WORKER * w)))
    sizes = []
    left = n
    while left > 0:
        if last:
            size = max(1, min(DASK_PROOFS, left // (2 * w)))
        sizes.append(min(size, left))
        left -= sizes[-1]
    return sizes


@dataclass(frozen=True)
class SubtreeTask:
    """The subtree under node (top_depth, subtree). Local: `store` names the store to read the
    leaves from and the worker uses its inherited secrets. Dask: `leaves` and `secrets` come
    with the task."""

    subtree: int
    top_depth: int
    height: int
    assets: int
    store: str | None = None
    leaves: tuple[tuple[str, int, tuple[int, ...]], ...] | None = None
    secrets: DerivedSecrets | None = None


@dataclass(frozen=True)
class SubtreeResult:
    subtree: int
    leaves: int
    rows: list[NodeRow]  # every node below the top, with its opening
    top: tuple[int, int, bytes, bytes, bytes]  # (depth, index, hash, commitments, opening)


def run_subtree(task: SubtreeTask) -> SubtreeResult:
    """Build one subtree (build_subtree): the same nodes as the serial StreamingBuilder."""
    secrets: RoundSecrets | DerivedSecrets | None = task.secrets
    if secrets is None:
        secrets = _inherited
    if secrets is None:
        raise RuntimeError("subtree task without secrets (workers must fork from the build)")
    shift = task.height - task.top_depth
    if task.leaves is not None:
        leaves: Iterable[tuple[str, int, tuple[int, ...]]] = task.leaves
    elif task.store is not None:
        leaves = read_leaves(task.store, task.subtree << shift, (task.subtree + 1) << shift)
    else:
        raise RuntimeError("subtree task without leaves")
    leaves = list(leaves)
    rows, top = build_subtree(secrets, task.height, task.assets, task.top_depth, leaves)
    if top[0] != task.top_depth or top[1] != task.subtree:
        raise RuntimeError("subtree task produced a node outside its subtree")
    return SubtreeResult(task.subtree, len(leaves), rows, top)


def _die_with_parent() -> None:
    """A worker process is killed when the build that forked it dies (SIGKILL included), so a
    killed build leaves no orphans behind (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


def default_workers() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


class Pool:
    """Runs tasks: inline for one worker, else a process pool (fork), or a Dask client when
    given one. `secrets`, when given, are inherited by the forked workers (subtree tasks)."""

    def __init__(
        self,
        workers: int,
        dask_client: object | None = None,
        secrets: RoundSecrets | None = None,
    ) -> None:
        global _inherited
        if secrets is not None:
            _inherited = secrets  # before any worker forks
        self._owns_secrets = secrets is not None
        self.workers = max(1, workers)
        self.dask = dask_client
        self._ex: ProcessPoolExecutor | None = None
        if dask_client is not None:
            try:
                nthreads = dask_client.nthreads()  # type: ignore[attr-defined]
                self.workers = max(1, sum(nthreads.values()))
            except Exception:  # noqa: S110  # an older client: keep the given count
                pass
        elif self.workers > 1:
            self._ex = ProcessPoolExecutor(
                self.workers, mp_context=get_context("fork"), initializer=_die_with_parent
            )

    def imap_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], window: int | None = None
    ) -> Iterator[R]:
        """fn over items with at most `window` (default 2 per worker) in flight, results in
        completion order: memory stays bounded whatever the number of items."""
        if self.dask is None and self._ex is None:
            for it in items:
                yield fn(it)
            return
        limit = window or 2 * self.workers
        source = iter(items)
        pending: set[Any] = set()
        if self.dask is not None:
            from distributed import wait as dask_wait

            client: Any = self.dask
            submit: Callable[[T], Any] = lambda it: client.submit(fn, it, pure=False)  # noqa: E731

            def wait_some(fs: set[Any]) -> tuple[set[Any], set[Any]]:
                res = dask_wait(list(fs), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
                return set(res.done), set(res.not_done)
        else:
            ex = self._ex
            assert ex is not None
            submit = lambda it: ex.submit(fn, it)  # noqa: E731

            def wait_some(fs: set[Any]) -> tuple[set[Any], set[Any]]:
                done, not_done = wait(fs, return_when=FIRST_COMPLETED)
                return set(done), set(not_done)

        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                try:
                    pending.add(submit(next(source)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            done, pending = wait_some(pending)
            for fut in done:
                yield fut.result()

    def map(self, tasks: Sequence[ProofTask], last: bool = True) -> Iterator[bytes]:
        """The tasks' proofs, in order. On Dask or processes the tasks are submitted when map is
        called, so a caller can prepare its next batch while these are proven; `last`: no map
        follows this one in the phase (task_sizes)."""
        if self.dask is None and self._ex is None:
            return (run_task(t) for t in tasks)
        batches, i = [], 0
        for size in task_sizes(len(tasks), self.workers, last):
            batches.append(list(tasks[i : i + size]))
            i += size
        if self.dask is not None:
            futures = self.dask.map(run_batch, batches, pure=False)  # type: ignore[attr-defined]
        else:
            ex = self._ex
            assert ex is not None
            futures = [ex.submit(run_batch, b) for b in batches]
        return (proof for fut in futures for proof in fut.result())

    def close(self) -> None:
        global _inherited
        if self._ex is not None:
            self._ex.shutdown(cancel_futures=True)
        if self._owns_secrets:
            _inherited = None

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
