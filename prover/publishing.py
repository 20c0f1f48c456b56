"""Writing the users' proof files (users/<user key>.json) of a build: chunks of users, in user-key
order, on the build's local worker processes, each reading the store through its own read-only
connection and writing its own users' files; the coordinator combines the file digests in
user-key order, so the files and the manifest equal a serial run's byte for byte. With one
worker or a Dask client the chunks run in the coordinator (Dask workers may not share its disk).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover import proving
from prover.proving import Pool
from prover.store import Store, StoreReader
from prover.tree import RoundSecrets
from verifier.formats import Params

#: Users per chunk at most (a chunk's keys travel to its worker: 32 bytes each).
CHUNK = 1024

InclusionProofMaker = Callable[..., Any]  # prover.build.inclusion_proof


@dataclass(frozen=True)
class PublishTask:
    """Write the proof files of `keys` (sorted user keys) into `proofs_dir`."""

    store: str
    proofs_dir: str
    params: Params
    round_id: str
    keys: tuple[bytes, ...]


def write_file(path: Path, data: bytes, mode: int = 0o644) -> str:
    """Write `data` to a new file with permissions `mode`; its SHA-256 hex digest."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def _write_chunk(
    store: Store | StoreReader, secrets: RoundSecrets, task: PublishTask
) -> list[tuple[str, str]]:
    from prover.build import inclusion_proof  # the one assembler of a user's proof

    out = []
    folder = Path(task.proofs_dir)
    for key in task.keys:
        proof = inclusion_proof(store, secrets, task.params, task.round_id, key)
        name = f"{key.hex()}.json"
        out.append((name, write_file(folder / name, proof.to_json_bytes(), 0o600)))
    return out


def run_publish(task: PublishTask) -> tuple[bytes, list[tuple[str, str]]]:
    """In a forked local worker: write the chunk's files; (first key, [(name, digest)])."""
    secrets = proving._inherited
    if secrets is None:
        raise RuntimeError("publish task without secrets (workers must fork from the build)")
    reader = StoreReader(task.store)
    try:
        return task.keys[0], _write_chunk(reader, secrets, task)
    finally:
        reader.close()


def _chunks(keys: Sequence[bytes], size: int) -> Iterator[tuple[bytes, ...]]:
    for i in range(0, len(keys), size):
        yield tuple(keys[i : i + size])


def write_user_proofs(
    pool: Pool,
    store: Store,
    secrets: RoundSecrets,
    params: Params,
    round_id: str,
    proofs_dir: Path,
    advance: Callable[[int], None],
) -> Iterator[tuple[str, str]]:
    """Write every user's proof file; yield (file name, SHA-256 hex) in user-key order.
    `advance(n)` is called as n more files are written."""
    keys = list(store.all_user_keys())
    local = pool.dask is None and pool.workers > 1
    size = max(1, min(CHUNK, -(-len(keys) // (4 * pool.workers))))
    tasks = [
        PublishTask(str(store.path), str(proofs_dir), params, round_id, chunk)
        for chunk in _chunks(keys, size)
    ]
    if not local:
        for task in tasks:
            done = _write_chunk(store, secrets, task)
            advance(len(done))
            yield from done
        return
    results: dict[bytes, list[tuple[str, str]]] = {}
    order = [t.keys[0] for t in tasks]
    nxt = 0
    for first, done in pool.imap_unordered(run_publish, tasks):
        results[first] = done
        advance(len(done))
        while nxt < len(order) and order[nxt] in results:
            yield from results.pop(order[nxt])
            nxt += 1
