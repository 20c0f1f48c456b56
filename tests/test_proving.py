"""Proof batches (prover.build.prove_pipelined): each batch is handed to the pool before the
previous batch's proofs are awaited and saved, the proofs are saved in batch order with their
own tasks, and the count is every task. Tasks of a map (prover.proving.task_sizes): every
proof once, at most DASK_PROOFS a task, shrinking to one proof at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prover.build import prove_pipelined
from prover.proving import DASK_PROOFS, task_sizes


class _Pool:
    """Records when batches are submitted and when their proofs are taken."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def map(self, tasks: list[Any], last: bool = True) -> Iterator[bytes]:
        self.log.append(f"submit {tasks[0]}" + (" (last)" if last else ""))
        return (f"proof {t}".encode() for t in tasks)


def test_next_batch_is_submitted_before_the_last_is_saved() -> None:
    log: list[str] = []
    saved: list[tuple[list[Any], list[bytes]]] = []

    def save(tasks: list[Any], proofs: list[bytes]) -> None:
        log.append(f"save {tasks[0]}")
        saved.append((tasks, proofs))

    batches = iter([[1, 2], [3], [4, 5, 6]])
    made = prove_pipelined(_Pool(log), batches, save)  # type: ignore[arg-type]
    assert made == 6
    assert log == ["submit 1", "submit 3", "save 1", "submit 4 (last)", "save 3", "save 4"]
    assert saved == [
        ([1, 2], [b"proof 1", b"proof 2"]),
        ([3], [b"proof 3"]),
        ([4, 5, 6], [b"proof 4", b"proof 5", b"proof 6"]),
    ]


def test_no_batches() -> None:
    log: list[str] = []
    assert prove_pipelined(_Pool(log), iter([]), lambda t, p: log.append("save")) == 0  # type: ignore[arg-type]
    assert log == []


def test_task_sizes() -> None:
    assert task_sizes(0, 2) == []
    assert task_sizes(5, 2) == [1, 1, 1, 1, 1]
    assert task_sizes(32, 2) == [8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    # not the last map of a phase: tasks of 16 proofs (at least 8 per worker)
    assert task_sizes(16384, 64, last=False) == [16] * 1024
    assert task_sizes(256, 2, last=False) == [16] * 16
    assert task_sizes(100, 2, last=False) == [6] * 16 + [4]
    for n, workers in ((128, 1), (128, 2), (1000, 3), (16384, 64)):
        sizes = task_sizes(n, workers)
        assert sum(sizes) == n
        assert sizes[0] == DASK_PROOFS and max(sizes) == DASK_PROOFS
        assert sizes == sorted(sizes, reverse=True)  # shrinking
        assert sizes[-1] == 1
        left = n
        for size in sizes:  # never more than a (2 x workers)-th of what is left, but one
            assert size == 1 or size <= left // (2 * workers)
            left -= size
