"""Building the DAPOL+ sparse Merkle sum tree (docs/PROTOCOL.md, "Liabilities tree").

Leaves arrive in leaf-index order and are folded into the tree by a streaming builder that
keeps at most one pending node per depth: memory is O(H) whatever the number of users, and
every node (real or padding) goes straight to the store with its private opening.

    leaf:    C_a = Com(v_a, b_a), b_a and salt derived from the master secret, the round and id
    padding: C_a = Com(0, r_a), r_a and its hash derived from the secret, the round and position
    parent:  C_a = C_a(left) + C_a(right); h = H("node" | C(left) | C(right) | h(left) | h(right))
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from circuits.errors import ParameterError
from circuits.generators import pedersen_h
from circuits.group import N, Point, msm, register_fixed_base
from circuits.merkle import framed, framed_hash, leaf_hash, node_hash_raw, padding_hash
from circuits.pedersen import commit_many
from prover.secrets import MasterSecret
from verifier.formats import canonical
from verifier.ids import user_key, validate_round_id

# Derivation labels (docs/PROTOCOL.md, "Secrets and derivations").
L_POSITION = b"position"
L_LEAF_BLINDING = b"leaf-blinding"
L_LEAF_SALT = b"leaf-salt"
L_PAD_BLINDING = b"pad-blinding"
L_PAD_HASH = b"pad-hash"
L_PROOF_ENTROPY = b"proof-entropy"
L_FINGERPRINT = b"fingerprint"
#: Label of the key of the snapshot's data digest (prover.snapshot, docs/PROTOCOL.md 6.6).
L_SNAPSHOT_KEY = b"snapshot-digest-key"
#: Tag of the build's inputs digest, a part of every derivation (docs/PROTOCOL.md 6.6).
TAG_INPUTS = b"zk-solvency/v1/inputs"


def inputs_digest(data_digest: bytes, params: dict[str, Any], round_up: bool) -> bytes:
    """inputs = H("inputs" | snapshot data digest | canonical params JSON | u8(round_up)):
    whatever fixes the tree's balances. Every secret of a round is derived under it, so a
    rebuild of the same round id from other data shares no blinding, salt or position with the
    first build (the difference of two roots reveals nothing), and a rebuild from the same
    data is byte-identical (in any line order)."""
    return framed_hash(TAG_INPUTS, data_digest, canonical(params), bytes([bool(round_up)]))


class RoundSecrets:
    """Every per-user and per-padding secret of one round, derived from the master secret with
    HKDF-SHA256 under the round id and the build's `inputs_digest`, so rounds do not link and
    neither do two builds of one round id from different data. Redacted repr; not picklable.

    The derivations are those of `MasterSecret.derive` (prover/secrets.py), computed here from
    the HMAC states keyed once with the master's extracted key: the same bytes, faster,
    which matters when a 1,000,000-user tree derives some 30,000,000 padding secrets."""

    __slots__ = ("_inputs", "_k", "_master", "_prefix", "_prk", "round_id")

    def __init__(self, master: MasterSecret, round_id: str, assets: int, inputs: bytes) -> None:
        if not isinstance(inputs, bytes) or len(inputs) != 32:
            raise ParameterError("the inputs digest must be 32 bytes")
        self._master = master
        self._inputs = inputs
        self.round_id = round_id
        self._k = assets
        prk = getattr(master, "_prk", None)
        self._prk: tuple[Any, Any] | None = None
        if isinstance(prk, bytes) and len(prk) == 32:
            key = prk.ljust(64, b"\0")  # HMAC: a key shorter than the block, zero-padded
            self._prk = (
                hashlib.sha256(bytes(b ^ 0x36 for b in key)),
                hashlib.sha256(bytes(b ^ 0x5C for b in key)),
            )
        self._prefix = framed(validate_round_id(round_id).encode("ascii"), inputs)

    def __repr__(self) -> str:
        return f"RoundSecrets(round={self.round_id!r}, <redacted>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("RoundSecrets can't be pickled")

    def _derive(self, label: bytes, *parts: bytes, length: int = 32) -> bytes:
        """= self._master.derive(label, self.round_id, inputs, *parts, length=length)."""
        pads = self._prk
        if pads is None:
            return self._master.derive(label, self.round_id, self._inputs, *parts, length=length)
        inner, outer = pads
        info = struct.pack(">I", len(label)) + label + self._prefix + framed(*parts)
        out: list[bytes] = []
        block = b""
        i = 1
        while 32 * len(out) < length:
            # HMAC-SHA256(prk, T(i-1) | info | i) from the keyed inner and outer states
            h = inner.copy()
            h.update(block + info + bytes([i]))
            o = outer.copy()
            o.update(h.digest())
            block = o.digest()
            out.append(block)
            i += 1
        return b"".join(out)[:length] if len(out) > 1 or length < 32 else block

    def _scalar(self, label: bytes, *parts: bytes) -> int:
        k = int.from_bytes(self._derive(label, *parts, length=64), "big") % N
        return k or 1

    @property
    def inputs(self) -> bytes:
        """The inputs digest the secrets are derived under (not secret; kept in the store)."""
        return self._inputs

    def fingerprint(self) -> str:
        """A public-safe identifier of (secret, round), to detect a wrong key on resume."""
        return self._derive(L_FINGERPRINT, length=16).hex()

    def candidate(self, uid: str, attempt: int, height: int) -> int:
        raw = self._derive(L_POSITION, uid.encode(), struct.pack(">I", attempt))
        return int.from_bytes(raw, "big") >> (256 - height)

    def leaf_blindings(self, uid: str) -> list[int]:
        return [self._scalar(L_LEAF_BLINDING, uid.encode(), bytes([a])) for a in range(self._k)]

    def leaf_salt(self, uid: str) -> bytes:
        return self._derive(L_LEAF_SALT, uid.encode())

    def pad_blindings(self, depth: int, index: int) -> list[int]:
        pos = struct.pack(">BQ", depth, index)
        return [self._scalar(L_PAD_BLINDING, pos, bytes([a])) for a in range(self._k)]

    def pad_salt(self, depth: int, index: int) -> bytes:
        """The salt of a padding node's hash (given to auditors with the node's opening)."""
        return self._derive(L_PAD_HASH, struct.pack(">BQ", depth, index))

    def pad_hash(self, depth: int, index: int) -> bytes:
        return padding_hash(depth, index, self.pad_salt(depth, index))

    def proof_entropy(self, kind: bytes, depth: int, index: int) -> bytes:
        """Entropy for a range proof's blinding RNG: secret-derived, so reruns are
        byte-identical; mixed by the transcript RNG with the transcript and the witness."""
        return self._derive(L_PROOF_ENTROPY, kind, struct.pack(">BQ", depth, index))


class DerivedSecrets:
    """The secrets one subtree needs and nothing else: leaf blindings and salts of its users,
    blindings and hashes of its padding nodes, derived by the coordinator.

    This is what a Dask worker receives instead of a key. The v1 derivations are keyed by the
    master secret itself (HKDF info = label | round | position), so no narrower key yields them:
    sending a key would hand every worker the secrets of every round. A worker given a
    DerivedSecrets learns the openings of its own subtree's nodes (which it computes anyway)
    and nothing about other subtrees or rounds. Redacted repr; picklable by design."""

    __slots__ = ("_k", "_leaves", "_pads", "round_id")

    def __init__(
        self,
        round_id: str,
        assets: int,
        leaves: dict[str, tuple[list[int], bytes]],
        pads: dict[tuple[int, int], tuple[list[int], bytes]],
    ) -> None:
        self.round_id = round_id
        self._k = assets
        self._leaves = leaves
        self._pads = pads

    def __repr__(self) -> str:
        return f"DerivedSecrets(round={self.round_id!r}, <redacted>)"

    def __getstate__(self) -> tuple[object, ...]:
        return (self.round_id, self._k, self._leaves, self._pads)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.round_id, self._k, self._leaves, self._pads = state  # type: ignore[assignment]

    @classmethod
    def for_subtree(
        cls,
        secrets: RoundSecrets,
        leaves: Sequence[tuple[str, int]],
        height: int,
        top_depth: int,
    ) -> DerivedSecrets:
        """leaves: (user id, leaf index) of one subtree's users, in index order."""
        leaf_part = {
            uid: (secrets.leaf_blindings(uid), secrets.leaf_salt(uid)) for uid, _ in leaves
        }
        pads = {
            (d, i): (secrets.pad_blindings(d, i), secrets.pad_hash(d, i))
            for d, i in padding_positions([li for _, li in leaves], height, top_depth)
        }
        return cls(secrets.round_id, secrets._k, leaf_part, pads)

    def leaf_blindings(self, uid: str) -> list[int]:
        return list(self._leaves[uid][0])

    def leaf_salt(self, uid: str) -> bytes:
        return self._leaves[uid][1]

    def pad_blindings(self, depth: int, index: int) -> list[int]:
        return list(self._pads[depth, index][0])

    def pad_hash(self, depth: int, index: int) -> bytes:
        return self._pads[depth, index][1]


def padding_positions(
    leaf_indices: Sequence[int], height: int, top_depth: int
) -> list[tuple[int, int]]:
    """(depth, index) of every padding node that StreamingBuilder(top_depth) makes for these
    leaves (sorted): at each depth below top_depth, the siblings of real nodes that are not
    real themselves."""
    if not leaf_indices:
        return []
    real = np.asarray(leaf_indices, dtype=np.uint64)
    out: list[tuple[int, int]] = []
    one = np.uint64(1)
    for d in range(height, top_depth, -1):
        level = real >> np.uint64(height - d)
        level = level[np.concatenate(([True], level[1:] != level[:-1]))]
        sib = level ^ one
        pads = sib[~np.isin(sib, level, assume_unique=True)]
        out.extend((d, int(i)) for i in pads)
    return out


def assign_positions(
    users: Iterable[tuple[bytes, str]], secrets: RoundSecrets, height: int
) -> Iterator[tuple[bytes, int]]:
    """Leaf index of each user. `users` must come sorted by (first candidate, user key); a user
    whose candidate is taken tries the next candidate, so the result depends only on the set
    of users and the secret, never on their order in the snapshot."""
    taken: set[int] = set()
    for key, uid in users:
        attempt = 0
        while True:
            pos = secrets.candidate(uid, attempt, height)
            if pos not in taken:
                break
            attempt += 1
        taken.add(pos)
        yield key, pos


def bumped_positions(
    users: Iterable[tuple[bytes, str, int]],
    secrets: RoundSecrets,
    height: int,
    is_first_candidate: Callable[[int], bool],
) -> Iterator[tuple[bytes, int]]:
    """`assign_positions` in bounded memory: `users` are (user key, id, first candidate) sorted
    by (candidate, user key), and only the users whose leaf is NOT their first candidate are
    yielded (every other user sits at its first candidate). `is_first_candidate(p)` says whether
    p is any user's first candidate (an indexed store lookup).

    Every position taken so far is either the first candidate of a user already seen (all of
    them are taken: a user leaves its first candidate only because it is taken) or a position
    reached by a retry, which are kept here: about users^2 / 2^(H+1) of them (some 120 for
    1,000,000 users at H = 32), instead of a set of every user's position."""
    retried: set[int] = set()
    previous: int | None = None
    for key, uid, cand in users:
        bumped = cand == previous or cand in retried
        previous = cand
        if not bumped:
            continue
        attempt = 1
        while True:
            pos = secrets.candidate(uid, attempt, height)
            if pos not in retried and not (pos <= cand and is_first_candidate(pos)):
                break
            attempt += 1
        retried.add(pos)
        yield key, pos


@dataclass(slots=True)
class Node:
    """A node with its private opening (values and blindings per asset)."""

    depth: int
    index: int
    hash: bytes
    commitments: list[Point]
    cbytes: bytes
    values: list[int]
    blindings: list[int]
    padding: bool = False

    def opening(self) -> bytes:
        return pack_opening(self.values, self.blindings)


def pack_opening(values: list[int], blindings: list[int]) -> bytes:
    """K x (u64 value... as 16 bytes for sums, then 32-byte blinding)."""
    return b"".join(
        v.to_bytes(16, "big") + b.to_bytes(32, "big")
        for v, b in zip(values, blindings, strict=True)
    )


def unpack_opening(raw: bytes) -> tuple[list[int], list[int]]:
    values, blindings = [], []
    for off in range(0, len(raw), 48):
        values.append(int.from_bytes(raw[off : off + 16], "big"))
        blindings.append(int.from_bytes(raw[off + 16 : off + 48], "big"))
    return values, blindings


class TreeMaker:
    """Node constructors for one round (from the round's secrets, or a subtree's share)."""

    def __init__(self, secrets: RoundSecrets | DerivedSecrets, height: int, assets: int) -> None:
        self.secrets = secrets
        self.height = height
        self.k = assets
        self.G = Point.generator()
        self.H = pedersen_h()
        register_fixed_base(self.G)
        register_fixed_base(self.H)
        self._ready: dict[Any, tuple[list[Point], list[int]]] = {}

    def _commit(self, values: list[int], blindings: list[int]) -> list[Point]:
        G, H = self.G, self.H
        return [msm([v, b], [G, H]) for v, b in zip(values, blindings, strict=True)]

    def prepare(
        self, leaves: Sequence[tuple[str, int, Sequence[int]]], pads: Sequence[tuple[int, int]]
    ) -> None:
        """Derive the blindings and compute the commitments of these leaves (uid, index,
        balances) and padding positions (depth, index) in one batch (circuits.pedersen.
        commit_many); leaf() and padding() then take them from here (once each)."""
        values: list[int] = []
        blindings: list[int] = []
        owners: list[tuple[Any, list[int]]] = []
        for uid, _index, balances in leaves:
            bl = self.secrets.leaf_blindings(uid)
            values += balances
            blindings += bl
            owners.append((uid, bl))
        for depth, index in pads:
            bl = self.secrets.pad_blindings(depth, index)
            values += [0] * self.k
            blindings += bl
            owners.append(((depth, index), bl))
        cs = commit_many(values, blindings)
        k = self.k
        for j, (key, bl) in enumerate(owners):
            self._ready[key] = (cs[j * k : (j + 1) * k], bl)

    def _commitments(
        self, key: Any, values: list[int], blindings: Callable[[], list[int]]
    ) -> tuple[list[Point], list[int]]:
        ready = self._ready.pop(key, None)
        if ready is not None:
            return ready
        bl = blindings()
        return self._commit(values, bl), bl

    def leaf(self, uid: str, index: int, balances: list[int]) -> Node:
        cs, blindings = self._commitments(uid, balances, lambda: self.secrets.leaf_blindings(uid))
        h = leaf_hash(self.secrets.round_id, uid, self.secrets.leaf_salt(uid))
        return Node(
            self.height, index, h, cs, b"".join(c.to_bytes() for c in cs), list(balances), blindings
        )

    def padding(self, depth: int, index: int) -> Node:
        values = [0] * self.k
        cs, blindings = self._commitments(
            (depth, index), values, lambda: self.secrets.pad_blindings(depth, index)
        )
        h = self.secrets.pad_hash(depth, index)
        return Node(
            depth, index, h, cs, b"".join(c.to_bytes() for c in cs), values, blindings, True
        )

    def parent(self, left: Node, right: Node) -> Node:
        cs = [a + b for a, b in zip(left.commitments, right.commitments, strict=True)]
        h = node_hash_raw(left.cbytes, right.cbytes, left.hash, right.hash)
        return Node(
            left.depth - 1,
            left.index >> 1,
            h,
            cs,
            b"".join(c.to_bytes() for c in cs),
            [a + b for a, b in zip(left.values, right.values, strict=True)],
            [(a + b) % N for a, b in zip(left.blindings, right.blindings, strict=True)],
        )


Sink = Callable[[Node, bool], None]  # (node, needs_proof)


class StreamingBuilder:
    """Folds leaves (in increasing index order) into the tree down to `top_depth`, calling
    `sink(node, needs_proof)` once for every node created (leaves, padding, parents) except the
    top-level nodes, which are returned by `finish()` for the caller to place.

    A node needs its own range proof when its sibling is real (users below it): it then appears
    on some user's path as a sibling. Padding never has users, so a real node whose sibling is
    padding is nobody's sibling."""

    def __init__(self, maker: TreeMaker, sink: Sink, top_depth: int = 0) -> None:
        self.m = maker
        self.sink = sink
        self.top = top_depth
        self.pending: dict[int, Node] = {}
        self.tops: list[Node] = []
        self.last_index = -1

    def _combine(self, left: Node, right: Node) -> Node:
        both_real = not left.padding and not right.padding
        self.sink(left, both_real or left.padding)
        self.sink(right, both_real or right.padding)
        return self.m.parent(left, right)

    def _push(self, node: Node) -> None:
        while node.depth > self.top:
            d = node.depth
            if node.index & 1 == 0:
                self.pending[d] = node  # a left child waits for its right sibling
                return
            left = self.pending.pop(d, None)
            if left is None:
                left = self.m.padding(d, node.index ^ 1)
            node = self._combine(left, node)
        self.tops.append(node)

    def _flush(self, next_leaf: int | None) -> None:
        H = self.m.height
        for d in range(H, self.top, -1):
            p = self.pending.get(d)
            if p is None:
                continue
            if next_leaf is not None and (next_leaf >> (H - d + 1)) == (p.index >> 1):
                continue  # the right sibling may still arrive
            del self.pending[d]
            right = self.m.padding(d, p.index ^ 1)
            self._push(self._combine(p, right))

    def add_leaf(self, node: Node) -> None:
        if node.index <= self.last_index:
            raise ValueError("leaves must arrive in strictly increasing index order")
        self.last_index = node.index
        self._flush(node.index)
        self._push(node)

    def finish(self) -> list[Node]:
        self._flush(None)
        return self.tops


def merge_tops(maker: TreeMaker, tops: list[Node], top_depth: int, sink: Sink) -> Node:
    """Join subtree roots at `top_depth` (from any number of workers) into the root, padding the
    empty subtrees that a path needs: the same nodes the serial builder makes."""
    builder = StreamingBuilder(maker, sink, 0)
    for node in sorted(tops, key=lambda n: n.index):
        builder._flush(node.index << (maker.height - top_depth))
        builder._push(node)
    (root,) = builder.finish()
    return root


def node_row(node: Node, needs_proof: bool) -> tuple[int, bytes, bytes, bytes, bytes, int]:
    """The store's row of a node: (depth, index blob, hash, commitments, opening, needs_proof)."""
    return (
        node.depth,
        struct.pack(">Q", node.index),
        node.hash,
        node.cbytes,
        node.opening(),
        int(needs_proof),
    )


def node_from_parts(depth: int, index: int, hash_: bytes, cbytes: bytes, opening: bytes) -> Node:
    """A (non-padding) node rebuilt from its stored parts."""
    values, blindings = unpack_opening(opening)
    cs = [Point.from_bytes(cbytes[off : off + 33]) for off in range(0, len(cbytes), 33)]
    return Node(depth, index, hash_, cs, cbytes, values, blindings)


def choose_top_depth(users: int, workers: int, height: int) -> int:
    """Depth at which the tree is split into subtrees (by the top bits of the leaf index): at
    least 8 subtrees per worker, and about 2,048 users or fewer per subtree so that a worker's
    result (some 25 node rows per user at H = 32) stays small. Any choice gives the same tree."""
    want = max(8 * max(1, workers), -(-max(1, users) // 2048))
    return max(1, min(height - 1, (want - 1).bit_length()))


def derive_user_key(round_id: str, uid: str) -> bytes:
    return user_key(round_id, uid)
