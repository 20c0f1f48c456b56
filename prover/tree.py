"""Building the DAPOL+ sparse Merkle sum tree (docs/PROTOCOL.md, "Liabilities tree").

Leaves arrive in leaf-index order and are folded into the tree by a streaming builder that
keeps at most one pending node per depth: memory is O(H) whatever the number of users, and
every node (real or padding) goes straight to the store with its private opening. A build's
workers build their subtrees (about 2,048 users at most each, choose_top_depth) a level at a
time instead (build_subtree): the same nodes, with batched commitments, derivations and
point additions.

    leaf:    C_a = Com(v_a, b_a), b_a and salt derived from the master secret, the round and id
    padding: C_a = Com(0, r_a), r_a and its hash derived from the node's tree key (a key per
             node, each node's from its parent's, the root's from the master secret and round)
    parent:  C_a = C_a(left) + C_a(right); h = H("node" | C(left) | C(right) | h(left) | h(right))
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from circuits.errors import FormatError, ParameterError
from circuits.generators import pedersen_h
from circuits.group import N, Point, get_backend, msm, native_module, register_fixed_base
from circuits.group.params import P
from circuits.merkle import (
    TAG_NODE,
    TAG_PADDING,
    framed,
    framed_hash,
    leaf_hash,
    node_hash_raw,
    padding_hash,
)
from circuits.pedersen import _commit_many_raw, commit_many, commit_many_affine
from prover.secrets import MasterSecret
from prover.store import NodeRow
from verifier.formats import canonical
from verifier.ids import user_key, validate_round_id

native = native_module()

# Derivation labels (docs/PROTOCOL.md, "Secrets and derivations").
L_POSITION = b"position"
L_LEAF_BLINDING = b"leaf-blinding"
L_LEAF_SALT = b"leaf-salt"
L_PAD_BLINDING = b"pad-blinding"
L_PAD_HASH = b"pad-hash"
L_PROOF_ENTROPY = b"proof-entropy"
L_FINGERPRINT = b"fingerprint"
#: Label of the root's tree key (docs/PROTOCOL.md 6.6), from which every node's key descends.
L_TREE_KEY = b"tree-key"
#: Message of a node key's children derivation: BLAKE2b-512(key = K(d, i), "children").
M_CHILDREN = b"children"
#: Version of the secrets' derivation, recorded in the store: a build or store made with
#: another (v1: padding secrets keyed by the master secret directly) is not resumed.
DERIVATION = "v2-tree-keys"
#: Node keys RoundSecrets.node_key keeps (the chains of the nodes asked recently).
_KEY_CACHE = 1 << 16
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


def child_keys(key: bytes) -> tuple[bytes, bytes]:
    """(K(d + 1, 2i), K(d + 1, 2i + 1)) = BLAKE2b-512(key = K(d, i), "children"), split in two."""
    out = hashlib.blake2b(M_CHILDREN, key=key).digest()
    return out[:32], out[32:]


def keys_below(
    depth: int, index: int, key: bytes, targets: Sequence[tuple[int, int]]
) -> list[bytes]:
    """The tree keys of the nodes `targets` (depth, index), all strictly below node
    (depth, index) whose key is `key`: each of their ancestors' children derived once.
    A target outside that subtree: ParameterError."""
    need: set[tuple[int, int]] = set()
    for d, i in targets:
        if not depth < d <= 64 or i >> (d - depth) != index or i >> d:
            raise ParameterError(f"node ({d}, {i}) is not below node ({depth}, {index})")
        while d > depth + 1:
            d -= 1
            i >>= 1
            if (d, i) in need:
                break
            need.add((d, i))
    keys = {(depth, index): key}
    blake = hashlib.blake2b
    # parents before children (by depth); the subtree's top first
    for d, i in [(depth, index), *sorted(need)] if targets else []:
        out = blake(M_CHILDREN, key=keys[d, i]).digest()
        keys[d + 1, 2 * i] = out[:32]
        keys[d + 1, 2 * i + 1] = out[32:]
    return [keys[t] for t in targets]


def pad_material_from_keys(
    positions: Sequence[tuple[int, int]], keys: Sequence[bytes], assets: int
) -> list[tuple[list[int], bytes]]:
    """[(r_a for each asset, padding hash)] of padding nodes from their tree keys:
    r_a = BLAKE2b-512(key = K, "pad-blinding" || u8(a)) mod n (0 becomes 1),
    pad_salt = BLAKE2b-256(key = K, "pad-hash"), hash = padding_hash(d, i, pad_salt)."""
    blake, sha = hashlib.blake2b, hashlib.sha256
    fb = int.from_bytes
    blindings = [
        [fb(blake(m, key=key).digest(), "big") % N or 1 for key in keys]
        for m in (L_PAD_BLINDING + bytes([a]) for a in range(assets))
    ]
    salts = [blake(L_PAD_HASH, key=key, digest_size=32).digest() for key in keys]
    ph = framed(TAG_PADDING) + b"\0\0\0\x09"
    pack = struct.Struct(">BQ").pack
    hashes = [
        sha(ph + pack(d, i) + b"\0\0\0\x20" + salt).digest()
        for (d, i), salt in zip(positions, salts, strict=True)
    ]
    return [(list(bl), h) for bl, h in zip(zip(*blindings, strict=True), hashes, strict=True)]


def subtree_pads(
    top: tuple[int, int, bytes], leaf_indices: Sequence[int], height: int, assets: int
) -> tuple[list[tuple[int, int]], list[tuple[list[int], bytes]]]:
    """padding_positions(leaf_indices, height, top depth) and their pad_material, from the key
    of the subtree's top node `top` (depth, index, key): the keys derived a level at a time,
    each real node's children once."""
    depth, index, key = top
    shift = height - depth
    if not leaf_indices or any(li >> shift != index for li in leaf_indices):
        raise ParameterError(f"the leaves are not all below node ({depth}, {index})")
    real = np.asarray(leaf_indices, dtype=np.uint64)
    blake = hashlib.blake2b
    cur = [(index, key)]
    levels: list[tuple[list[tuple[int, int]], list[bytes]]] = []
    for d in range(depth + 1, height + 1):
        level = real >> np.uint64(height - d)
        ids = level[np.concatenate(([True], level[1:] != level[:-1]))].tolist()
        nxt: list[tuple[int, bytes]] = []
        pads: list[tuple[int, int]] = []
        keys: list[bytes] = []
        j, n = 0, len(ids)
        for i, k in cur:
            out = blake(M_CHILDREN, key=k).digest()
            for c, ck in ((2 * i, out[:32]), (2 * i + 1, out[32:])):
                if j < n and ids[j] == c:
                    nxt.append((c, ck))
                    j += 1
                else:
                    pads.append((d, c))
                    keys.append(ck)
        levels.append((pads, keys))
        cur = nxt
    positions = [p for pads, _k in reversed(levels) for p in pads]
    keys = [k for _p, ks in reversed(levels) for k in ks]
    return positions, pad_material_from_keys(positions, keys, assets)


def _expand_scalar(hm: Callable[[bytes], bytes], info: bytes) -> int:
    """RoundSecrets._scalar from the HMAC `hm`: HKDF-Expand's T(1) || T(2) of `info`, mod n
    (0 becomes 1)."""
    t1 = hm(info + b"\x01")
    return int.from_bytes(t1 + hm(t1 + info + b"\x02"), "big") % N or 1


class RoundSecrets:
    """Every per-user and per-padding secret of one round, derived from the master secret with
    HKDF-SHA256 under the round id and the build's `inputs_digest`, so rounds do not link and
    neither do two builds of one round id from different data. Redacted repr; not picklable.

    The derivations are those of `MasterSecret.derive` (prover/secrets.py), computed here from
    the HMAC states keyed once with the master's extracted key: the same bytes, faster.
    Padding secrets come from the nodes' tree keys (node_key): K(0, 0) = derive("tree-key"),
    each node's children's keys from its own (child_keys), so that a subtree's key yields the
    secrets of that subtree and of nothing else (DerivedSecrets)."""

    __slots__ = ("_inputs", "_k", "_keys", "_master", "_prefix", "_prk", "_tree", "round_id")

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
        self._tree = self._derive(L_TREE_KEY)
        self._keys: dict[tuple[int, int], bytes] = {(0, 0): self._tree}

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

    def node_key(self, depth: int, index: int) -> bytes:
        """K(depth, index), the node's tree key: its ancestors' keys derived from the nearest
        one known (the keys of the nodes asked recently are kept, up to _KEY_CACHE)."""
        if not 0 <= depth <= 64 or not 0 <= index < 1 << depth:
            raise ParameterError(f"no node ({depth}, {index})")
        keys = self._keys
        key = keys.get((depth, index))
        if key is not None:
            return key
        path = []
        d, i = depth, index
        while (d, i) not in keys:
            path.append((d, i))
            d, i = d - 1, i >> 1
        key = keys[d, i]
        for d, i in reversed(path):
            left, right = child_keys(key)
            keys[d, i & ~1] = left
            keys[d, i | 1] = right
            key = right if i & 1 else left
        if len(keys) > _KEY_CACHE:
            self._keys = {(0, 0): self._tree}
        return key

    def pad_blindings(self, depth: int, index: int) -> list[int]:
        return self.pad_material([(depth, index)])[0][0]

    def pad_salt(self, depth: int, index: int) -> bytes:
        """The salt of a padding node's hash (given to auditors with the node's opening)."""
        return hashlib.blake2b(L_PAD_HASH, key=self.node_key(depth, index), digest_size=32).digest()

    def pad_hash(self, depth: int, index: int) -> bytes:
        return padding_hash(depth, index, self.pad_salt(depth, index))

    def _hmac(self) -> Callable[[bytes], bytes] | None:
        """HMAC-SHA256(prk, msg) from the keyed states (None without them)."""
        if self._prk is None:
            return None
        inner, outer = self._prk

        def hm(msg: bytes) -> bytes:
            h = inner.copy()
            h.update(msg)
            o = outer.copy()
            o.update(h.digest())
            out: bytes = o.digest()
            return out

        return hm

    def leaf_material(self, uids: Sequence[str]) -> list[tuple[list[int], bytes]]:
        """[(leaf_blindings(uid), leaf_salt(uid))]: the same bytes, fewer Python calls (the
        HKDF-Expand blocks T(1), T(2) of each info string, written out)."""
        hm = self._hmac()
        if hm is None:
            return [(self.leaf_blindings(u), self.leaf_salt(u)) for u in uids]
        pb = framed(L_LEAF_BLINDING) + self._prefix
        ps = framed(L_LEAF_SALT) + self._prefix
        assets = [b"\0\0\0\x01" + bytes([a]) for a in range(self._k)]
        out = []
        for uid in uids:
            u = uid.encode()
            part = struct.pack(">I", len(u)) + u
            blindings = [_expand_scalar(hm, pb + part + a) for a in assets]
            out.append((blindings, hm(ps + part + b"\x01")))
        return out

    def pad_material(self, positions: Sequence[tuple[int, int]]) -> list[tuple[list[int], bytes]]:
        """[(pad_blindings(d, i), pad_hash(d, i))] for (d, i) in positions (pad_material_from_keys:
        the keys of many positions derived together, each ancestor's children once)."""
        if len(positions) < 8:
            keys = [self.node_key(d, i) for d, i in positions]
        else:
            keys = keys_below(0, 0, self._tree, positions)
        return pad_material_from_keys(positions, keys, self._k)

    def subtree_pads(
        self, leaf_indices: Sequence[int], height: int, top_depth: int
    ) -> tuple[list[tuple[int, int]], list[tuple[list[int], bytes]]]:
        """The padding positions of the subtree over these leaves and their material
        (subtree_pads, from node_key of its top)."""
        top = leaf_indices[0] >> (height - top_depth) if leaf_indices else 0
        key = self.node_key(top_depth, top)
        return subtree_pads((top_depth, top, key), leaf_indices, height, self._k)

    def proof_entropy(self, kind: bytes, depth: int, index: int) -> bytes:
        """Entropy for a range proof's blinding RNG: secret-derived, so reruns are
        byte-identical; mixed by the transcript RNG with the transcript and the witness."""
        return self._derive(L_PROOF_ENTROPY, kind, struct.pack(">BQ", depth, index))

    def padding_of(self, derivation: str | None) -> PaddingSecrets:
        """The padding secrets of a round whose store records `derivation` (its `key` metadata):
        these tree keys for DERIVATION, V1Padding for a round built before them (no record);
        FormatError for a version this code does not know."""
        if derivation == DERIVATION:
            return self
        if derivation is None:
            return V1Padding(self)
        raise FormatError(f"unknown secrets derivation {derivation!r} (built by a newer version?)")


class PaddingSecrets(Protocol):
    """What the audit export needs of a padding node: its hash's salt, its blindings, its hash."""

    def pad_salt(self, depth: int, index: int) -> bytes: ...

    def pad_blindings(self, depth: int, index: int) -> list[int]: ...

    def pad_hash(self, depth: int, index: int) -> bytes: ...


class V1Padding:
    """Padding secrets as builds made them before tree keys (docs/PROTOCOL.md 6.6, the v1
    derivation): r_a = derive("pad-blinding", round, inputs, pos(d, i), u8(a), length=64) mod n
    (0 becomes 1), pad_salt = derive("pad-hash", round, inputs, pos(d, i)). Kept so that the
    rounds built then can still be exported for an audit."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: RoundSecrets) -> None:
        self._secrets = secrets

    def __repr__(self) -> str:
        return f"V1Padding({self._secrets!r})"

    def pad_salt(self, depth: int, index: int) -> bytes:
        return self._secrets._derive(L_PAD_HASH, struct.pack(">BQ", depth, index))

    def pad_blindings(self, depth: int, index: int) -> list[int]:
        pos = struct.pack(">BQ", depth, index)
        return [
            self._secrets._scalar(L_PAD_BLINDING, pos, bytes([a])) for a in range(self._secrets._k)
        ]

    def pad_hash(self, depth: int, index: int) -> bytes:
        return padding_hash(depth, index, self.pad_salt(depth, index))


class DerivedSecrets:
    """The secrets one subtree needs and nothing else: the leaf blindings and salts of its users
    (derived by the coordinator) and the tree key of its top node, from which the worker
    derives its padding nodes' secrets (keys_below).

    This is what a Dask worker receives instead of the master secret: the top's key yields the
    keys of the nodes below it and nothing else (each key is a PRF output of its parent's, so
    no key above or beside it can be computed from it). A worker given a DerivedSecrets learns
    the openings of its own subtree's nodes (which it computes anyway) and nothing about other
    subtrees or rounds. Redacted repr; picklable by design."""

    __slots__ = ("_k", "_leaves", "_top", "round_id")

    def __init__(
        self,
        round_id: str,
        assets: int,
        leaves: dict[str, tuple[list[int], bytes]],
        top: tuple[int, int, bytes],
    ) -> None:
        self.round_id = round_id
        self._k = assets
        self._leaves = leaves
        self._top = top  # (depth, index, K(depth, index))

    def __repr__(self) -> str:
        return f"DerivedSecrets(round={self.round_id!r}, <redacted>)"

    def __getstate__(self) -> tuple[object, ...]:
        return (self.round_id, self._k, self._leaves, self._top)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        self.round_id, self._k, self._leaves, self._top = state  # type: ignore[assignment]

    @classmethod
    def for_subtree(
        cls,
        secrets: RoundSecrets,
        leaves: Sequence[tuple[str, int]],
        height: int,
        top_depth: int,
    ) -> DerivedSecrets:
        """leaves: (user id, leaf index) of one subtree's users (all under one node at
        `top_depth`), in index order."""
        tops = {li >> (height - top_depth) for _uid, li in leaves}
        if len(tops) != 1:
            raise ParameterError("a subtree's leaves must be under one node at its top depth")
        (top,) = tops
        uids = [uid for uid, _ in leaves]
        leaf_part = dict(zip(uids, secrets.leaf_material(uids), strict=True))
        return cls(
            secrets.round_id,
            secrets._k,
            leaf_part,
            (top_depth, top, secrets.node_key(top_depth, top)),
        )

    def leaf_material(self, uids: Sequence[str]) -> list[tuple[list[int], bytes]]:
        return [self._leaves[u] for u in uids]

    def pad_material(self, positions: Sequence[tuple[int, int]]) -> list[tuple[list[int], bytes]]:
        """As RoundSecrets.pad_material, for positions below the subtree's top only
        (ParameterError otherwise)."""
        keys = keys_below(*self._top, positions)
        return pad_material_from_keys(positions, keys, self._k)

    def subtree_pads(
        self, leaf_indices: Sequence[int], height: int, top_depth: int
    ) -> tuple[list[tuple[int, int]], list[tuple[list[int], bytes]]]:
        """As RoundSecrets.subtree_pads, for this subtree only (ParameterError otherwise)."""
        if top_depth != self._top[0]:
            raise ParameterError(f"these secrets are those of a subtree at depth {self._top[0]}")
        return subtree_pads(self._top, leaf_indices, height, self._k)

    def leaf_blindings(self, uid: str) -> list[int]:
        return list(self._leaves[uid][0])

    def leaf_salt(self, uid: str) -> bytes:
        return self._leaves[uid][1]

    def pad_blindings(self, depth: int, index: int) -> list[int]:
        return self.pad_material([(depth, index)])[0][0]

    def pad_hash(self, depth: int, index: int) -> bytes:
        return self.pad_material([(depth, index)])[0][1]


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


#: A node of build_subtree: (index, hash, commitments bytes, K points as 64-byte x || y,
#: values, blindings).
_Level = tuple[int, bytes, bytes, list[bytes], list[int], list[int]]


def _xy64(pt: tuple[int, int] | None) -> bytes:
    """An affine point as 64 bytes x || y (the identity has no encoding: FormatError)."""
    if pt is None:
        raise FormatError("the identity has no encoding")  # as Point.to_bytes would
    return pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big")


def _compressed(pt: bytes) -> bytes:
    """The 33-byte compressed encoding of a point given as 64 bytes x || y."""
    return (b"\x03" if pt[63] & 1 else b"\x02") + pt[:32]


def _encode(pts: list[bytes]) -> bytes:
    return b"".join(map(_compressed, pts))


def _encode_one(pts: list[bytes]) -> bytes:
    """_encode for one asset."""
    pt = pts[0]
    return (b"\x03" if pt[63] & 1 else b"\x02") + pt[:32]


def _pack_one(values: list[int], blindings: list[int]) -> bytes:
    """pack_opening for one asset."""
    return values[0].to_bytes(16, "big") + blindings[0].to_bytes(32, "big")


def add_affine_many(
    pairs: Sequence[tuple[tuple[int, int], tuple[int, int]]],
) -> list[tuple[int, int]]:
    """[a + b for a, b in pairs] in affine coordinates with one field inversion for all
    (Montgomery's batch inversion). a = +-b (a doubling, or the identity) goes through Point
    arithmetic (which refuses to encode the identity: FormatError)."""
    n = len(pairs)
    dxs = [(b[0] - a[0]) % P for a, b in pairs]
    prefix = [0] * n
    acc = 1
    for j, d in enumerate(dxs):
        prefix[j] = acc
        if d:
            acc = acc * d % P
    inv = pow(acc, -1, P)
    out: list[tuple[int, int]] = [(0, 0)] * n
    for j in range(n - 1, -1, -1):
        d = dxs[j]
        (x1, y1), (x2, y2) = pairs[j]
        if not d:
            s = Point.from_affine(x1, y1) + Point.from_affine(x2, y2)
            out[j] = Point.from_bytes(s.to_bytes()).affine()  # type: ignore[assignment]
            continue
        lam = (y2 - y1) * (inv * prefix[j]) % P
        inv = inv * d % P
        x3 = (lam * lam - x1 - x2) % P
        out[j] = (x3, (lam * (x1 - x3) - y1) % P)
    return out


def add_pairs(pairs: Sequence[bytes]) -> list[bytes]:
    """a + b for each pair a || b of points given as 64-byte x || y (128 bytes a pair), as
    64-byte x || y: one native batch (native add_pairs_raw) or add_affine_many. A sum that is
    the identity: FormatError."""
    if native_add_pairs():
        out = native.add_pairs_raw(b"".join(pairs), len(pairs))
        if out is None:
            raise FormatError("the identity has no encoding")  # as Point.to_bytes would
        return [out[j : j + 64] for j in range(0, len(out), 64)]
    fb = int.from_bytes
    ints = [
        ((fb(p[:32], "big"), fb(p[32:64], "big")), (fb(p[64:96], "big"), fb(p[96:], "big")))
        for p in pairs
    ]
    return list(map(_xy64, add_affine_many(ints)))


def native_add_pairs() -> bool:
    """Whether add_pairs takes the native batch (the module is there, enabled, recent, and the
    backend is libsecp256k1, as for the commitments)."""
    return (
        native is not None and native.add_pairs_available() and get_backend().name == "libsecp256k1"
    )


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused (and restored as it was): building a subtree makes
    some 100 tuples and lists per user, none in a reference cycle, which the collector would
    otherwise scan again and again (15% of build_subtree's time, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def build_subtree(
    secrets: RoundSecrets | DerivedSecrets,
    height: int,
    assets: int,
    top_depth: int,
    leaves: Sequence[tuple[str, int, Sequence[int]]],
) -> tuple[list[NodeRow], tuple[int, int, bytes, bytes, bytes]]:
    """The node rows (node_row) of the subtree over `leaves` (user id, leaf index, balances;
    increasing indices, all under one node at `top_depth`), in the store's order, and its top
    node (depth, index, hash, commitments, opening): the nodes StreamingBuilder(top_depth)
    makes, computed a level at a time, with the garbage collector paused. Leaf and padding
    commitments are one native batch; a parent's commitments are its children's sums, added
    in affine coordinates with one inversion per level (add_pairs)."""
    K, H = assets, height
    if not leaves:
        raise ValueError("a subtree needs at least one leaf")
    positions, pad_mat = secrets.subtree_pads([li for _u, li, _b in leaves], H, top_depth)
    leaf_mat = secrets.leaf_material([uid for uid, _li, _b in leaves])
    values: list[int] = []
    blindings: list[int] = []
    for (_uid, _li, bal), (bl, _salt) in zip(leaves, leaf_mat, strict=True):
        values += bal
        blindings += bl
    for bl, _hash in pad_mat:
        values += [0] * K
        blindings += bl
    raw = _commit_many_raw(values, blindings)
    if raw is None:  # no native module (or an identity, refused below)
        raw = b"".join(map(_xy64, commit_many_affine(values, blindings)))
    pts = [raw[j : j + 64] for j in range(0, len(raw), 64)]
    pack, encode = (_pack_one, _encode_one) if K == 1 else (pack_opening, _encode)
    round_id = secrets.round_id
    real: list[_Level] = []
    for j, ((uid, li, bal), (bl, salt)) in enumerate(zip(leaves, leaf_mat, strict=True)):
        ps = pts[j * K : (j + 1) * K]
        h = leaf_hash(round_id, uid, salt)
        real.append((li, h, encode(ps), ps, list(bal), bl))
    pads: dict[int, list[_Level]] = {}
    base = len(leaves) * K
    zeros = [0] * K
    for j, ((d, i), (bl, h)) in enumerate(zip(positions, pad_mat, strict=True)):
        ps = pts[base + j * K : base + (j + 1) * K]
        pads.setdefault(d, []).append((i, h, encode(ps), ps, zeros, bl))
    levels: list[list[NodeRow]] = []
    node_prefix = framed(TAG_NODE)
    lc = struct.pack(">I", 33 * K)
    lh = struct.pack(">I", 32)
    sha = hashlib.sha256
    pack_ix = struct.Struct(">Q").pack
    join = bytes.__add__
    for d in range(H, top_depth, -1):
        # Real nodes in index order; each without a real sibling takes the next padding node
        # of the level (the padding nodes are exactly those siblings, in the same order).
        level_pads = iter(pads.get(d, ()))
        rows: list[NodeRow] = []
        pairs: list[tuple[_Level, _Level]] = []
        j, n = 0, len(real)
        while j < n:
            node = real[j]
            i = node[0]
            if not i & 1 and j + 1 < n and real[j + 1][0] == i + 1:
                right = real[j + 1]
                rows.append((d, pack_ix(i), node[1], node[2], pack(node[4], node[5]), 1))
                rows.append((d, pack_ix(i + 1), right[1], right[2], pack(right[4], right[5]), 1))
                pairs.append((node, right))
                j += 2
                continue
            pad = next(level_pads, None)
            if pad is None or pad[0] != i ^ 1:
                raise RuntimeError("a level of the subtree is not made of sibling pairs")
            real_row = (d, pack_ix(i), node[1], node[2], pack(node[4], node[5]), 0)
            pad_row = (d, pack_ix(i ^ 1), pad[1], pad[2], pack(pad[4], pad[5]), 1)
            if i & 1:
                rows += (pad_row, real_row)
                pairs.append((pad, node))
            else:
                rows += (real_row, pad_row)
                pairs.append((node, pad))
            j += 1
        if next(level_pads, None) is not None:
            raise RuntimeError("a level of the subtree is not made of sibling pairs")
        levels.append(rows)
        sums = add_pairs([pt for left, right in pairs for pt in map(join, left[3], right[3])])
        real = []
        for j, (left, right) in enumerate(pairs):
            ps = sums[j * K : (j + 1) * K]
            # node_hash_raw(left C, right C, left h, right h), framed inline
            h = sha(
                node_prefix + lc + left[2] + lc + right[2] + lh + left[1] + lh + right[1]
            ).digest()
            real.append(
                (
                    left[0] >> 1,
                    h,
                    encode(ps),
                    ps,
                    [a + b for a, b in zip(left[4], right[4], strict=True)],
                    [(a + b) % N for a, b in zip(left[5], right[5], strict=True)],
                )
            )
    (top,) = real
    rows = [row for level_rows in reversed(levels) for row in level_rows]  # in store order
    return rows, (top_depth, top[0], top[1], top[2], pack_opening(top[4], top[5]))


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
