"""The prover's working state in an embedded SQLite store (WAL mode): round metadata, users,
every node of the tree with its private opening, and range proofs. Proofs for any user can be
regenerated from it. The store holds balances and blindings: it is private (mode 0600) and is
never published.

The tree phase is checkpointed per subtree: a subtree's nodes and its top node (table `tops`)
are committed together, so a killed build resumes with the subtrees it has not finished.
Workers read their leaves through read-only connections (`read_leaves`), never through the
coordinator's connection.

Indices are stored as 8-byte big-endian blobs (leaf indices reach 2^64 - 1 for H = 64, beyond
SQLite's signed integers) so that byte order is numeric order.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_key BLOB PRIMARY KEY,
    user_id TEXT NOT NULL,
    candidate BLOB NOT NULL,
    leaf_index BLOB,
    balances BLOB NOT NULL,
    proof BLOB
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS users_by_candidate ON users(candidate, user_key);
CREATE INDEX IF NOT EXISTS users_by_leaf ON users(leaf_index);
CREATE TABLE IF NOT EXISTS nodes (
    depth INTEGER NOT NULL,
    idx BLOB NOT NULL,
    hash BLOB NOT NULL,
    commitments BLOB NOT NULL,
    opening BLOB NOT NULL,
    needs_proof INTEGER NOT NULL,
    proof BLOB,
    PRIMARY KEY (depth, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    user_key BLOB PRIMARY KEY,
    sha256 BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tops (
    subtree INTEGER PRIMARY KEY,
    depth INTEGER NOT NULL,
    idx BLOB NOT NULL,
    hash BLOB NOT NULL,
    commitments BLOB NOT NULL,
    opening BLOB NOT NULL
);
"""

#: A node row as stored: (depth, index blob, hash, commitments, opening, needs_proof).
NodeRow = tuple[int, bytes, bytes, bytes, bytes, int]


def ix(i: int) -> bytes:
    """An index as an 8-byte big-endian blob."""
    return struct.pack(">Q", i)


def un_ix(b: bytes) -> int:
    return int(struct.unpack(">Q", b)[0])


class _Reads:
    """The reads that the build's workers share with the store (a user, a user's path)."""

    db: sqlite3.Connection

    def get_user(self, user_key: bytes) -> tuple[str, int, bytes, bytes | None] | None:
        row = self.db.execute(
            "SELECT user_id, leaf_index, balances, proof FROM users WHERE user_key = ?",
            (user_key,),
        ).fetchone()
        if row is None:
            return None
        return row[0], un_ix(row[1]), row[2], row[3]

    def users_in_range(self, lo: int, hi: int) -> list[tuple[bytes, str, int, bytes | None]]:
        """(user_key, user_id, leaf index, path proof) with lo <= leaf index < hi, in order."""
        return users_in_range(self.db, lo, hi)

    def openings_in_range(self, lo: int, hi: int, height: int) -> list[dict[bytes, bytes]]:
        """The openings of the nodes on or beside the paths of the leaves in [lo, hi)."""
        return openings_in_range(self.db, lo, hi, height)

    def get_nodes(
        self, positions: list[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[bytes, bytes, bytes, bytes | None]]:
        """get_node for many positions (a user's path) in one query: {(depth, index): row}."""
        return nodes_at(self.db, positions)


class Store(_Reads):
    """A SQLite file holding one round's prover state."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        new = not self.path.exists()
        if new:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        if new:  # before the first table: larger pages insert a tree's rows about 10% faster
            self.db.execute("PRAGMA page_size=16384")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache, whatever the size
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # transactions -----------------------------------------------------------------------
    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    # meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    # users ------------------------------------------------------------------------------
    def add_users(self, rows: Iterable[tuple[bytes, str, bytes, bytes]]) -> None:
        """rows: (user_key, user_id, candidate position blob, balances blob)."""
        self.db.executemany(
            "INSERT INTO users (user_key, user_id, candidate, balances) VALUES (?, ?, ?, ?)", rows
        )

    def users_by_candidate(self) -> Iterator[tuple[bytes, str]]:
        yield from self.db.execute(
            "SELECT user_key, user_id FROM users ORDER BY candidate, user_key"
        )

    def users_with_candidates(self) -> Iterator[tuple[bytes, str, int]]:
        """(user_key, user_id, first candidate) sorted by (candidate, user_key), streamed."""
        for key, uid, cand in self.db.execute(
            "SELECT user_key, user_id, candidate FROM users ORDER BY candidate, user_key"
        ):
            yield key, uid, un_ix(cand)

    def is_candidate(self, pos: int) -> bool:
        """Whether some user's first candidate is `pos`."""
        row = self.db.execute(
            "SELECT 1 FROM users WHERE candidate = ? LIMIT 1", (ix(pos),)
        ).fetchone()
        return row is not None

    def set_leaf_indices_to_candidates(self) -> None:
        self.db.execute("UPDATE users SET leaf_index = candidate")

    def set_leaf_indices(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        """rows: (leaf index blob, user_key)."""
        self.db.executemany("UPDATE users SET leaf_index = ? WHERE user_key = ?", rows)

    def users_by_leaf(
        self, lo: int = 0, hi: int | None = None
    ) -> Iterator[tuple[bytes, str, int, bytes]]:
        """(user_key, user_id, leaf index, balances) with lo <= leaf index < hi, in index order."""
        cur = leaf_range(self.db, "user_key, user_id, leaf_index, balances", lo, hi)
        for key, uid, li, bal in cur:
            yield key, uid, un_ix(li), bal

    def users_without_proof(self, limit: int, after: int = -1) -> list[tuple[bytes, int]]:
        """(user_key, leaf index) of users lacking a path proof, leaf index > `after`, in index
        order (pass the last index seen to page on without rescanning)."""
        rows = self.db.execute(
            "SELECT user_key, leaf_index FROM users WHERE leaf_index >= ? AND proof IS NULL "
            "ORDER BY leaf_index LIMIT ?",
            (ix(after + 1), limit),
        ).fetchall()
        return [(k, un_ix(li)) for k, li in rows]

    def set_user_proofs(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        """rows: (proof, user_key)."""
        self.db.executemany("UPDATE users SET proof = ? WHERE user_key = ?", rows)

    def leaf_boundaries(self, size: int) -> Iterator[tuple[int, int]]:
        """[lo, hi) leaf-index ranges of `size` users each (the last may hold fewer), in order,
        streamed: every user is in exactly one range."""
        lo: int | None = None
        count = 0
        last = 0
        for (li,) in self.db.execute(
            "SELECT leaf_index FROM users WHERE leaf_index IS NOT NULL ORDER BY leaf_index"
        ):
            last = un_ix(li)
            if lo is None:
                lo = last
            count += 1
            if count == size:
                yield lo, last + 1
                lo, count = None, 0
        if lo is not None:
            yield lo, last + 1

    def clear_files(self) -> None:
        self.db.execute("DELETE FROM files")

    def add_files(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        """rows: (user_key, SHA-256 of the user's published proof file)."""
        self.db.executemany("INSERT INTO files (user_key, sha256) VALUES (?, ?)", rows)

    def files(self) -> Iterator[tuple[bytes, bytes]]:
        """(user_key, SHA-256) of the written proof files, in user-key order, streamed."""
        yield from self.db.execute("SELECT user_key, sha256 FROM files ORDER BY user_key")

    def count_users(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def all_user_keys(self) -> Iterator[bytes]:
        for (k,) in self.db.execute("SELECT user_key FROM users ORDER BY user_key"):
            yield k

    # nodes ------------------------------------------------------------------------------
    def add_nodes(self, rows: Iterable[tuple[int, bytes, bytes, bytes, bytes, int]]) -> None:
        """rows: (depth, index blob, hash, commitments, opening, needs_proof)."""
        self.db.executemany(
            "INSERT OR REPLACE INTO nodes (depth, idx, hash, commitments, opening, needs_proof) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def add_tree_rows(self, rows: list[NodeRow]) -> None:
        """New node rows (the tree phase: plain inserts, sorted for B-tree locality)."""
        rows.sort()
        self.db.executemany(
            "INSERT INTO nodes (depth, idx, hash, commitments, opening, needs_proof) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def clear_tree(self) -> None:
        self.db.execute("DELETE FROM nodes")
        self.db.execute("DELETE FROM tops")

    def add_top(
        self, subtree: int, depth: int, index: int, hash_: bytes, cbytes: bytes, opening: bytes
    ) -> None:
        """The top node of a finished subtree (its nodes are committed in the same transaction)."""
        self.db.execute(
            "INSERT INTO tops (subtree, depth, idx, hash, commitments, opening) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (subtree, depth, ix(index), hash_, cbytes, opening),
        )

    def tops(self) -> Iterator[tuple[int, int, bytes, bytes, bytes]]:
        """(depth, index, hash, commitments, opening) of the finished subtrees, in index order."""
        for d, i, h, c, o in self.db.execute(
            "SELECT depth, idx, hash, commitments, opening FROM tops ORDER BY subtree"
        ):
            yield d, un_ix(i), h, c, o

    def done_subtrees(self) -> set[int]:
        return {s for (s,) in self.db.execute("SELECT subtree FROM tops")}

    def occupied_subtrees(self, height: int, top_depth: int) -> Iterator[int]:
        """Indices at `top_depth` of the subtrees holding at least one user, in order."""
        shift = height - top_depth
        for s in range(1 << top_depth):
            lo = s << shift
            hi = (s + 1) << shift
            if hi >> 64:
                row = self.db.execute(
                    "SELECT 1 FROM users WHERE leaf_index >= ? LIMIT 1", (ix(lo),)
                ).fetchone()
            else:
                row = self.db.execute(
                    "SELECT 1 FROM users WHERE leaf_index >= ? AND leaf_index < ? LIMIT 1",
                    (ix(lo), ix(hi)),
                ).fetchone()
            if row is not None:
                yield s

    def get_node(self, depth: int, index: int) -> tuple[bytes, bytes, bytes, bytes | None] | None:
        """(hash, commitments, opening, proof) of one node."""
        row = self.db.execute(
            "SELECT hash, commitments, opening, proof FROM nodes WHERE depth = ? AND idx = ?",
            (depth, ix(index)),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def nodes_without_proof(
        self, limit: int, all_nodes: bool = False, after: tuple[int, int] | None = None
    ) -> list[tuple[int, int, bytes]]:
        """(depth, index, opening) of nodes still lacking a range proof (the root excluded), in
        (depth descending, index) order, after the position `after` (the last one seen)."""
        cond = "" if all_nodes else "needs_proof = 1 AND "
        if after is None:
            rows = self.db.execute(
                f"SELECT depth, idx, opening FROM nodes WHERE {cond}proof IS NULL AND depth > 0 "  # noqa: S608
                "ORDER BY depth DESC, idx LIMIT ?",
                (limit,),
            ).fetchall()
        else:
            d, i = after
            rows = self.db.execute(
                f"SELECT depth, idx, opening FROM nodes WHERE {cond}proof IS NULL AND depth > 0 "  # noqa: S608
                "AND (depth < ? OR (depth = ? AND idx > ?)) ORDER BY depth DESC, idx LIMIT ?",
                (d, d, ix(i), limit),
            ).fetchall()
        return [(d, un_ix(i), op) for d, i, op in rows]

    def set_node_proofs(self, rows: Iterable[tuple[bytes, int, bytes]]) -> None:
        """rows: (proof, depth, index blob)."""
        self.db.executemany("UPDATE nodes SET proof = ? WHERE depth = ? AND idx = ?", rows)

    def level(self, depth: int) -> Iterator[tuple[int, bytes, bytes, bytes | None]]:
        """(index, hash, commitments, proof) of every node at `depth`, in index order."""
        for i, h, c, p in self.db.execute(
            "SELECT idx, hash, commitments, proof FROM nodes WHERE depth = ? ORDER BY idx",
            (depth,),
        ):
            yield un_ix(i), h, c, p

    def count_nodes(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM nodes").fetchone()[0])

    def count_missing_proofs(self, all_nodes: bool = False) -> int:
        cond = "" if all_nodes else "needs_proof = 1 AND "
        return int(
            self.db.execute(
                f"SELECT COUNT(*) FROM nodes WHERE {cond}proof IS NULL AND depth > 0"  # noqa: S608
            ).fetchone()[0]
        )


#: Bytes of one stored balance: 16 (u128), room for 128-bit ranges.
BALANCE_BYTES = 16


def pack_balances(balances: Iterable[int]) -> bytes:
    return b"".join(v.to_bytes(BALANCE_BYTES, "big") for v in balances)


def unpack_balances(raw: bytes) -> tuple[int, ...]:
    return tuple(
        int.from_bytes(raw[i : i + BALANCE_BYTES], "big") for i in range(0, len(raw), BALANCE_BYTES)
    )


# Driven by the VALUES list, one primary-key search per position (a row-value IN would scan).
_NODES_AT = (
    "SELECT n.depth, n.idx, n.hash, n.commitments, n.opening, n.proof FROM (VALUES ",
    ") AS v CROSS JOIN nodes AS n ON n.depth = v.column1 AND n.idx = v.column2",
)


def nodes_at(
    db: sqlite3.Connection, positions: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[bytes, bytes, bytes, bytes | None]]:
    """(hash, commitments, opening, proof) of the nodes at `positions`, one query."""
    if not positions:
        return {}
    args: list[Any] = []
    for depth, index in positions:
        args += (depth, ix(index))
    query = _NODES_AT[0] + ",".join(["(?,?)"] * len(positions)) + _NODES_AT[1]  # placeholders
    rows = db.execute(query, args)
    return {(d, un_ix(i)): (h, c, o, p) for d, i, h, c, o, p in rows}


def leaf_range(db: sqlite3.Connection, columns: str, lo: int, hi: int | None) -> sqlite3.Cursor:
    """SELECT `columns` FROM users with lo <= leaf index < hi (None or 2^64: no bound), in
    index order."""
    if hi is None or hi >> 64:
        return db.execute(
            f"SELECT {columns} FROM users WHERE leaf_index >= ? ORDER BY leaf_index",  # noqa: S608
            (ix(lo),),
        )
    return db.execute(
        f"SELECT {columns} FROM users WHERE leaf_index >= ? AND leaf_index < ? "  # noqa: S608
        "ORDER BY leaf_index",
        (ix(lo), ix(hi)),
    )


def users_in_range(
    db: sqlite3.Connection, lo: int, hi: int
) -> list[tuple[bytes, str, int, bytes | None]]:
    """(user_key, user_id, leaf index, path proof) with lo <= leaf index < hi, in index order."""
    rows = leaf_range(db, "user_key, user_id, leaf_index, proof", lo, hi)
    return [(k, u, un_ix(li), p) for k, u, li, p in rows]


def range_queries(
    db: sqlite3.Connection, lo: int, hi: int, height: int, columns: str
) -> Iterator[tuple[int, sqlite3.Cursor]]:
    """(depth, cursor of (index blob, *columns)) of the nodes on or beside the paths of the
    leaves in [lo, hi), depth `height` first, one range query per depth. For a contiguous range
    of leaves these are about all the nodes in the ranges (ancestors and their siblings), so the
    paths of many users are read with `height` queries."""
    query = f"SELECT idx, {columns} FROM nodes WHERE depth = ? AND idx >= ? AND idx <= ?"  # noqa: S608
    for depth in range(height, 0, -1):
        shift = height - depth
        first = (lo >> shift) & ~1  # the left sibling of the first ancestor
        last = ((hi - 1) >> shift) | 1  # the right sibling of the last one
        yield depth, db.execute(query, (depth, ix(first), ix(last)))


def openings_in_range(
    db: sqlite3.Connection, lo: int, hi: int, height: int
) -> list[dict[bytes, bytes]]:
    """The openings of the nodes on or beside the paths of the leaves in [lo, hi) (the proof
    tasks' witnesses), one {index blob: opening} per depth, depth `height` first: one range
    query per depth."""
    return [dict(cur) for _d, cur in range_queries(db, lo, hi, height, "opening")]


def open_read_only(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only connection of its own to a store (for workers: a connection is never shared
    across a fork)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def read_leaves(
    path: str | os.PathLike[str], lo: int, hi: int | None
) -> Iterator[tuple[str, int, tuple[int, ...]]]:
    """(user id, leaf index, balances) with lo <= leaf index < hi, in index order, through a
    read-only connection of its own (open_read_only)."""
    db = open_read_only(path)
    try:
        for uid, li, bal in leaf_range(db, "user_id, leaf_index, balances", lo, hi):
            yield uid, un_ix(li), unpack_balances(bal)
    finally:
        db.close()


class StoreReader(_Reads):
    """A read-only view of a store for workers (its own connection): users and nodes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.db = open_read_only(path)

    def close(self) -> None:
        self.db.close()
