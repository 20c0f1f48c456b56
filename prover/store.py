"""The prover's working state in an embedded SQLite store (WAL mode): round metadata, users,
every node of the tree with its private opening, and range proofs. Proofs for any user can be
regenerated from it. The store holds balances and blindings: it is private (mode 0600) and is
never published.

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
"""


def ix(i: int) -> bytes:
    """An index as an 8-byte big-endian blob."""
    return struct.pack(">Q", i)


def un_ix(b: bytes) -> int:
    return int(struct.unpack(">Q", b)[0])


class Store:
    """A SQLite file holding one round's prover state."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        new = not self.path.exists()
        if new:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
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

    def set_leaf_indices(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        """rows: (leaf index blob, user_key)."""
        self.db.executemany("UPDATE users SET leaf_index = ? WHERE user_key = ?", rows)

    def users_by_leaf(
        self, lo: int = 0, hi: int | None = None
    ) -> Iterator[tuple[bytes, str, int, bytes]]:
        """(user_key, user_id, leaf index, balances) with lo <= leaf index < hi, in index order."""
        if hi is None:
            cur = self.db.execute(
                "SELECT user_key, user_id, leaf_index, balances FROM users "
                "WHERE leaf_index >= ? ORDER BY leaf_index",
                (ix(lo),),
            )
        else:
            cur = self.db.execute(
                "SELECT user_key, user_id, leaf_index, balances FROM users "
                "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                (ix(lo), ix(hi)),
            )
        for key, uid, li, bal in cur:
            yield key, uid, un_ix(li), bal

    def get_user(self, user_key: bytes) -> tuple[str, int, bytes, bytes | None] | None:
        row = self.db.execute(
            "SELECT user_id, leaf_index, balances, proof FROM users WHERE user_key = ?",
            (user_key,),
        ).fetchone()
        if row is None:
            return None
        return row[0], un_ix(row[1]), row[2], row[3]

    def users_without_proof(self, limit: int) -> list[tuple[bytes, int]]:
        rows = self.db.execute(
            "SELECT user_key, leaf_index FROM users WHERE proof IS NULL ORDER BY leaf_index LIMIT ?",
            (limit,),
        ).fetchall()
        return [(k, un_ix(li)) for k, li in rows]

    def set_user_proofs(self, rows: Iterable[tuple[bytes, bytes]]) -> None:
        """rows: (proof, user_key)."""
        self.db.executemany("UPDATE users SET proof = ? WHERE user_key = ?", rows)

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

    def get_node(self, depth: int, index: int) -> tuple[bytes, bytes, bytes, bytes | None] | None:
        """(hash, commitments, opening, proof) of one node."""
        row = self.db.execute(
            "SELECT hash, commitments, opening, proof FROM nodes WHERE depth = ? AND idx = ?",
            (depth, ix(index)),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def nodes_without_proof(
        self, limit: int, all_nodes: bool = False
    ) -> list[tuple[int, int, bytes]]:
        """(depth, index, opening) of nodes still lacking a range proof (the root excluded)."""
        cond = "" if all_nodes else "needs_proof = 1 AND "
        rows = self.db.execute(
            f"SELECT depth, idx, opening FROM nodes WHERE {cond}proof IS NULL AND depth > 0 "  # noqa: S608
            "ORDER BY depth DESC, idx LIMIT ?",
            (limit,),
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
