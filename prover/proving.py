"""Range-proof generation, in a process pool using every core by default (or on Dask).

A task is plain data (kind, context, position, n, openings, entropy), so it pickles to any
worker; the worker rebuilds the transcript from the context and position, exactly as the
verifier will, and returns the proof bytes. Entropy is secret-derived per position, so the
output is byte-identical for any number or kind of workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from circuits import rangeproof
from circuits.merkle import next_pow2, node_transcript, path_transcript, root_transcript
from circuits.transcript import Transcript


@dataclass(frozen=True)
class ProofTask:
    kind: str  # "root" | "node" | "path"
    context: bytes
    depth: int
    index: int
    bits: int
    values: tuple[int, ...]
    blindings: tuple[int, ...]
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
    """Prove task.values in [0, 2^n), padded to a power of two with the public opening (0, 1),
    whose commitment is H."""
    m = next_pow2(len(task.values))
    pad = m - len(task.values)
    values = list(task.values) + [0] * pad
    blindings = list(task.blindings) + [1] * pad
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


def default_workers() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


class Pool:
    """Runs proof tasks in order: inline for one worker, else a process pool (fork), or a Dask
    client's `map` when given one."""

    def __init__(self, workers: int, dask_client: object | None = None) -> None:
        self.workers = workers
        self.dask = dask_client
        self._ex: Executor | None = None
        if dask_client is None and workers > 1:
            self._ex = ProcessPoolExecutor(workers, mp_context=get_context("fork"))

    def map(self, tasks: Sequence[ProofTask]) -> Iterator[bytes]:
        if self.dask is not None:
            chunk = max(1, len(tasks) // (4 * max(self.workers, 1)))
            batches = [list(tasks[i : i + chunk]) for i in range(0, len(tasks), chunk)]
            futures = self.dask.map(run_batch, batches, pure=False)  # type: ignore[attr-defined]
            for fut in futures:
                yield from fut.result()
            return
        if self._ex is None:
            for t in tasks:
                yield run_task(t)
            return
        chunk = max(1, min(16, len(tasks) // (4 * self.workers)))
        yield from self._ex.map(run_task, tasks, chunksize=chunk)

    def close(self) -> None:
        if self._ex is not None:
            self._ex.shutdown()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def chunks(items: Iterable[ProofTask], size: int) -> Iterator[list[ProofTask]]:
    buf: list[ProofTask] = []
    for it in items:
        buf.append(it)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf
