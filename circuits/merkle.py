"""Node formulas of the DAPOL+ sparse Merkle sum tree and the transcripts of its range proofs
(docs/PROTOCOL.md, "Liabilities tree").

    leaf:   C_a = Com(v_a, b_a) per asset a;  h = H("leaf" | round | id | salt)
    padding: C_a = Com(0, r_a) = r_a*H;       h = H("padding" | u8(depth) || u64(index) | salt)
    parent: C_a = C_a(left) + C_a(right);     h = H("node" | C(left) | C(right) | h(left) | h(right))

H is SHA-256 over length-framed fields under a distinct tag, so a node can never pose as a leaf
and no two field sequences collide by concatenation. C(x) is the K commitments of x, each a
33-byte SEC1 point, in asset order. Hashing both children's commitments is the fix of
Maxwell's sum-tree flaw: the parent commitment is always recomputed as the sum of its children.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from circuits.errors import ParameterError
from circuits.group import Point
from circuits.transcript import Transcript

TAG_LEAF = b"zk-solvency/v1/leaf"
TAG_NODE = b"zk-solvency/v1/node"
TAG_PARAMS = b"zk-solvency/v1/params"
TAG_PADDING = b"zk-solvency/v1/padding"

LABEL_ROOT_RANGE = b"zk-solvency/v1/root-range"
LABEL_NODE_RANGE = b"zk-solvency/v1/node-range"
LABEL_PATH_RANGE = b"zk-solvency/v1/path-range"

MIN_HEIGHT = 2
MAX_HEIGHT = 64
MAX_ASSETS = 16
HASH_BYTES = 32


def framed(*fields: bytes) -> bytes:
    """u32_be(len(f)) || f for each field, concatenated: the project's length framing for hash
    and key-derivation inputs (user keys, HKDF info, node hashes)."""
    return b"".join(struct.pack(">I", len(f)) + f for f in fields)


def framed_hash(tag: bytes, *fields: bytes) -> bytes:
    """SHA-256( u32_be(len(tag)) || tag || (u32_be(len(f)) || f for each field) )."""
    return hashlib.sha256(framed(tag, *fields)).digest()


def leaf_hash(round_id: str, user_id: str, salt: bytes) -> bytes:
    """h = H("leaf" | round | id | salt), with `user_id` already NFC-normalised."""
    if len(salt) != 32:
        raise ParameterError("salt must be 32 bytes")
    return framed_hash(TAG_LEAF, round_id.encode(), user_id.encode(), salt)


def padding_hash(depth: int, index: int, salt: bytes) -> bytes:
    """h = H("padding" | u8(depth) || u64(index) | salt): a padding node's hash. The salt is
    secret (users cannot tell padding from a real sibling); given to an auditor, it proves the
    node is padding, since no node or leaf hash can equal it (distinct tags)."""
    if len(salt) != 32:
        raise ParameterError("padding salt must be 32 bytes")
    return framed_hash(TAG_PADDING, struct.pack(">BQ", depth, index), salt)


def commitments_bytes(commitments: Sequence[Point]) -> bytes:
    """C(x): the node's K commitments, 33 bytes each, in asset order."""
    return b"".join(c.to_bytes() for c in commitments)


def node_hash(
    left: Sequence[Point], right: Sequence[Point], h_left: bytes, h_right: bytes
) -> bytes:
    """h = H("node" | C(left) | C(right) | h(left) | h(right))."""
    return framed_hash(TAG_NODE, commitments_bytes(left), commitments_bytes(right), h_left, h_right)


def node_hash_raw(c_left: bytes, c_right: bytes, h_left: bytes, h_right: bytes) -> bytes:
    """node_hash on already encoded C(left), C(right)."""
    return framed_hash(TAG_NODE, c_left, c_right, h_left, h_right)


def add_commitments(left: Sequence[Point], right: Sequence[Point]) -> list[Point]:
    """C_a(parent) = C_a(left) + C_a(right) for each asset a."""
    return [a + b for a, b in zip(left, right, strict=True)]


def params_digest(
    round_id: str,
    height: int,
    bits: int,
    mode: str,
    assets: Sequence[tuple[str, int]],
    generators_digest: str,
) -> bytes:
    """The context every proof of a round is bound to: round, H, n, mode, assets, generators."""
    fields = [round_id.encode(), struct.pack(">III", height, bits, len(assets)), mode.encode()]
    for symbol, decimals in assets:
        fields.append(symbol.encode() + b":" + str(decimals).encode())
    fields.append(bytes.fromhex(generators_digest))
    return framed_hash(TAG_PARAMS, *fields)


def next_pow2(k: int) -> int:
    """Smallest power of two >= k (k >= 1)."""
    return 1 << (k - 1).bit_length()


def root_transcript(context: bytes) -> Transcript:
    """Transcript of the root's range proof: label root-range, then the round context."""
    t = Transcript(LABEL_ROOT_RANGE)
    t.append_message(b"context", context)
    return t


def node_transcript(context: bytes, depth: int, index: int) -> Transcript:
    """Transcript of one node's own range proof (per-node mode): bound to its position."""
    t = Transcript(LABEL_NODE_RANGE)
    t.append_message(b"context", context)
    t.append_u64(b"depth", depth)
    t.append_u64(b"index", index)
    return t


def path_transcript(context: bytes, leaf_index: int) -> Transcript:
    """Transcript of a user's aggregated proof over all siblings of the path (aggregated mode)."""
    t = Transcript(LABEL_PATH_RANGE)
    t.append_message(b"context", context)
    t.append_u64(b"leaf-index", leaf_index)
    return t


def sibling_positions(leaf_index: int, height: int) -> list[tuple[int, int, bool]]:
    """(depth, index, sibling_is_left) of the siblings of a path, bottom-up (depth H .. 1)."""
    out = []
    j = leaf_index
    for depth in range(height, 0, -1):
        out.append((depth, j ^ 1, bool(j & 1)))
        j >>= 1
    return out
