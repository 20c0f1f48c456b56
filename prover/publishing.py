"""Writing the users' proof files (users/<user key>.json) of a build, in parallel: the users are
cut into ranges of consecutive leaves, so that a chunk's paths are read with one range query
per depth (they share most of their nodes), and each chunk's files are written by a worker.

- local worker processes (forked from the build) read the store through their own read-only
  connections and derive the leaf salts with the round secrets they inherited;
- Dask workers get the chunk's leaf salts from the coordinator (never a key); when they see the
  round folder and the store (a local cluster, a shared disk) they read the rows and write the
  files themselves, else they get the rows too and hand the files back to the coordinator.

Each file's SHA-256 goes to the store (table `files`), and the manifest combines them in
user-key order: the files and the manifest equal a serial run's byte for byte. A file's JSON
text is assembled from the stored bytes (no point is decoded, no dict is encoded: the keys are
written in canonical order) and equals `prover.build.inclusion_proof(...).to_json_bytes()`
(tests/test_publishing.py), and is hashed once.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circuits.errors import ParameterError
from circuits.group import N
from prover import proving
from prover.proving import Pool
from prover.store import Store, StoreReader, ix, range_queries, users_in_range
from prover.tree import RoundSecrets
from verifier.formats import INCLUSION_FORMAT, Params, canonical

#: Users per chunk at most.
CHUNK = 512

#: A user as read from the store: (user_key, user_id, leaf index, path proof).
UserData = tuple[bytes, str, int, bytes | None]
#: One depth's nodes by index blob: [hash, commitments] (and the range proof or None, per-node).
Level = dict[bytes, list[Any]]


@dataclass(frozen=True)
class ChunkData:
    """What a chunk's files are made of, read by the coordinator (for a Dask worker)."""

    users: list[UserData]
    levels: list[Level]  # depth H first, down to depth 1 (read_chunk)
    openings: dict[bytes, bytes]  # the users' leaf openings, by leaf index blob
    salts: list[bytes]  # the users' leaf salts, in the order of `users`


@dataclass(frozen=True)
class PublishTask:
    """Write the proof files of the users with lo <= leaf index < hi into `proofs_dir`.

    - local worker: `store` names the store to read, the salts come from the inherited secrets;
    - Dask worker on a shared disk: `store` and the users' leaf `salts` (in leaf order);
    - Dask worker elsewhere: `data` (rows and salts); it hands the files back."""

    store: str | None
    proofs_dir: str
    params: Params
    round_id: str
    lo: int
    hi: int
    data: ChunkData | None = None
    salts: list[bytes] | None = None


def write_file(path: Path, data: bytes, mode: int = 0o644) -> str:
    """Write `data` to a new file with permissions `mode`; its SHA-256 hex digest."""
    _create(path, data, mode)
    return hashlib.sha256(data).hexdigest()


def _create(path: Path | str, data: bytes, mode: int) -> None:
    """Write `data` to a new file (open, write, close: no buffered file object)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def read_chunk(
    db: Any, params: Params, lo: int, hi: int, salts: Callable[[list[UserData]], list[bytes]]
) -> ChunkData:
    """The rows of the users with lo <= leaf index < hi, the nodes on or beside their paths (one
    range query per depth), the users' leaf openings and their leaf salts (`salts(users)`)."""
    users = users_in_range(db, lo, hi)
    if not users:
        return ChunkData(users, [], {}, [])
    columns = "hash, commitments, proof" if params.mode == "per-node" else "hash, commitments"
    levels: list[Level] = [
        {i: rest for i, *rest in cur}
        for _depth, cur in range_queries(db, lo, hi, params.height, columns)
    ]
    openings = dict(
        db.execute(
            "SELECT idx, opening FROM nodes WHERE depth = ? AND idx >= ? AND idx < ?",
            (params.height, ix(lo), ix(hi)),
        )
    )
    return ChunkData(users, levels, openings, salts(users))


def leaf_salts(secrets: RoundSecrets) -> Callable[[list[UserData]], list[bytes]]:
    """The users' leaf salts, derived from the round secrets."""
    return lambda users: [secrets.leaf_salt(uid) for _k, uid, _li, _p in users]


def chunk_files(task: PublishTask, data: ChunkData) -> Iterator[tuple[bytes, bytes]]:
    """(user_key, file bytes) of the chunk's users: `InclusionProof.to_json_bytes()` of the proof
    that prover.build.inclusion_proof assembles, written as canonical JSON (sorted keys, no
    spaces, UTF-8, then a newline) from the stored bytes."""
    params = task.params
    K, per_node = params.k, params.mode == "per-node"
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    # the keys in sorted order: format, leaf, node_proofs | (params, path_proof), round,
    # siblings, user_id; leaf: balances, blindings, index, salt
    head = '{"format":' + dumps(INCLUSION_FORMAT) + ',"leaf":{"balances":['
    tail_params = ',"params":' + canonical(params.to_json()).decode() + ","
    round_json = dumps(task.round_id)
    for (key, uid, leaf_index, path_proof), salt in zip(data.users, data.salts, strict=True):
        opening = data.openings.get(ix(leaf_index))
        if opening is None:
            raise ParameterError("store is missing the user's leaf")
        siblings = []
        node_proofs = []
        j = leaf_index
        for depth, level in zip(range(params.height, 0, -1), data.levels, strict=True):
            node = level.get((j ^ 1).to_bytes(8, "big"))
            if node is None:
                raise ParameterError(f"store is missing node ({depth}, {j ^ 1})")
            if per_node:
                if node[2] is None:
                    raise ParameterError(f"store is missing the proof of node ({depth}, {j ^ 1})")
                node_proofs.append(node[2].hex())
            comms = node[1].hex()
            if K > 1:  # K 33-byte encodings
                comms = '","'.join(comms[i : i + 66] for i in range(0, len(comms), 66))
            siblings.append(f'{{"commitments":["{comms}"],"hash":"{node[0].hex()}"}}')
            j >>= 1
        balances = ",".join(str(int.from_bytes(opening[48 * k : 48 * k + 16])) for k in range(K))
        blindings = '","'.join(
            (int.from_bytes(opening[48 * k + 16 : 48 * k + 48]) % N).to_bytes(32).hex()
            for k in range(K)
        )
        parts = [
            head,
            balances,
            '],"blindings":["',
            blindings,
            f'"],"index":{leaf_index},"salt":"{salt.hex()}"}}',
        ]
        if per_node:
            parts += [',"node_proofs":["', '","'.join(node_proofs), '"]', tail_params]
        else:
            if path_proof is None:
                raise ParameterError("store is missing the user's path proof")
            parts += [tail_params, '"path_proof":"', path_proof.hex(), '",']
        parts += [
            '"round":',
            round_json,
            ',"siblings":[',
            ",".join(siblings),
            '],"user_id":',
            dumps(uid),
            "}\n",
        ]
        yield key, "".join(parts).encode()


def _write(folder: Path, files: Iterator[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out = []
    for key, raw in files:
        _create(os.path.join(folder, key.hex() + ".json"), raw, 0o600)
        out.append((key, hashlib.sha256(raw).digest()))
    return out


def run_publish(task: PublishTask) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
    """In a worker: write the chunk's files; ([(user_key, sha256)] written, [(user_key, file
    bytes)] left for the coordinator to write)."""
    folder = Path(task.proofs_dir)
    if task.data is not None:  # a Dask worker without the coordinator's disk
        return [], list(chunk_files(task, task.data))
    if task.store is None:
        raise RuntimeError("publish task without a store")
    given = task.salts
    if given is not None:
        salts: Callable[[list[UserData]], list[bytes]] = lambda users: given  # noqa: E731
    elif proving._inherited is not None:
        salts = leaf_salts(proving._inherited)
    else:
        raise RuntimeError("publish task without secrets (workers must fork from the build)")
    reader = StoreReader(task.store)
    try:
        data = read_chunk(reader.db, task.params, task.lo, task.hi, salts)
    finally:
        reader.close()
    return _write(folder, chunk_files(task, data)), []


def _sees(probe: str, store: str) -> bool:
    """On a Dask worker: whether it sees the coordinator's round folder and store."""
    return os.path.exists(probe) and os.access(store, os.R_OK)


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
    users = store.count_users()
    size = max(1, min(CHUNK, -(-users // (4 * pool.workers))))
    ranges = list(store.leaf_boundaries(size))  # a few per worker: small
    store.begin()
    store.clear_files()
    store.commit()
    folder, path = str(proofs_dir), str(store.path)
    salts = leaf_salts(secrets)
    if pool.dask is None and pool.workers == 1:
        for lo, hi in ranges:
            task = PublishTask(None, folder, params, round_id, lo, hi)
            done = _write(
                proofs_dir, chunk_files(task, read_chunk(store.db, params, lo, hi, salts))
            )
            _record(store, done, advance)
    else:
        shared = pool.dask is None
        if pool.dask is not None:
            probe = proofs_dir / f".probe-{os.urandom(8).hex()}"
            probe.touch(0o600)
            try:
                seen = pool.dask.run(_sees, str(probe), path)  # type: ignore[attr-defined]
            finally:
                probe.unlink()
            shared = all(seen.values())

        def tasks() -> Iterator[PublishTask]:
            for lo, hi in ranges:
                if pool.dask is None:
                    yield PublishTask(path, folder, params, round_id, lo, hi)
                elif shared:  # the worker reads the store: only the salts travel
                    given = salts(users_in_range(store.db, lo, hi))
                    yield PublishTask(path, folder, params, round_id, lo, hi, salts=given)
                else:
                    data = read_chunk(store.db, params, lo, hi, salts)
                    yield PublishTask(None, folder, params, round_id, lo, hi, data)

        for done, left in pool.imap_unordered(run_publish, tasks()):
            done += _write(proofs_dir, iter(left))
            _record(store, done, advance)
    for key, digest in store.files():
        yield f"{key.hex()}.json", digest.hex()


def _record(store: Store, done: list[tuple[bytes, bytes]], advance: Callable[[int], None]) -> None:
    store.begin()
    store.add_files(done)
    store.commit()
    advance(len(done))
