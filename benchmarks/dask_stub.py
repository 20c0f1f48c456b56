"""A Dask worker preload for the projection row of `python -m benchmarks targets`: the worker's
range proofs (prover.proving.run_task / run_batch) return the bytes of one real proof of the
same shape, made once per shape, so a build on a LocalCluster measures every cost of a round
but the proofs' arithmetic (timed separately). With `set_delay(s)` (Client.run), each proof
is answered after s seconds of sleep (no CPU): two workers then deliver proofs at the rate of
more workers making real ones. Benchmarks only: never in a real build."""

from __future__ import annotations

import time
from typing import Any

_made: dict[tuple[str, int, int], bytes] = {}
_delay = [0.0]


def set_delay(seconds: float) -> None:
    """Answer each later proof after `seconds` of sleep (0: at once)."""
    _delay[0] = seconds


def dask_setup(worker: Any) -> None:
    """Called by distributed in each worker process before it runs any task."""
    from prover import proving

    real = proving.run_task

    def run_task(task: Any) -> bytes:
        shape = (task.kind, task.bits, len(task.openings))
        proof = _made.get(shape)
        if proof is None:
            proof = _made[shape] = real(task)
        if _delay[0]:
            time.sleep(_delay[0])
        return proof

    proving.run_task = run_task
    proving.run_batch = lambda tasks: [run_task(t) for t in tasks]
