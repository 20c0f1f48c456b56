"""The project's nothing-up-my-sleeve generators: H and the Bulletproofs vectors G_i, H_i
(docs/PROTOCOL.md, "Generators").

    H   = hash_to_curve("H", DST)
    G_i = hash_to_curve("G" || u32_be(i), DST),  H_i = hash_to_curve("H" || u32_be(i), DST)

with RFC 9380 suite secp256k1_XMD:SHA-256_SSWU_RO_ and DST = GENERATORS_DST, so nobody knows a
discrete logarithm between any two of them (nor to the base point G). The table holds
MAX_GENERATORS pairs; its SHA-256 digest (`table_digest`) is pinned as GENERATORS_DIGEST and
named in every statement; PREFIX_DIGESTS pins table_digest(count) for every power of two, so
a verifier may take a prefix's points from a published table (`affine_table`,
`load_affine_table`: the browser page does) instead of hashing them to the curve itself.

Points are derived lazily and cached: the affine coordinates once per process (backend
independent), then a Point per backend. Caches only ever grow by appending the next entries;
entries are deterministic, so concurrent extension is harmless, and the lock is held only for
the append itself (never across a derivation, so a fork cannot inherit it mid-computation).
"""

from __future__ import annotations

import hashlib
import struct
import threading

from circuits.errors import FormatError, ParameterError
from circuits.group import P, Point, get_backend, register_fixed_base
from circuits.hash_to_curve import hash_to_curve_affine

__all__ = [
    "GENERATORS_DIGEST",
    "GENERATORS_DST",
    "MAX_GENERATORS",
    "PREFIX_DIGESTS",
    "affine_table",
    "g_vec",
    "h_vec",
    "load_affine_table",
    "pedersen_h",
    "table_digest",
    "vec_xy",
]

#: Domain separation tag of every generator (RFC 9380, section 3.1).
GENERATORS_DST = b"zk-solvency/v1/generators/secp256k1_XMD:SHA-256_SSWU_RO_"

#: Table size: Bulletproofs aggregate at most n * m = 64 * 1024 bits (n = 64, m = 1024).
MAX_GENERATORS = 64 * 1024

#: hex(table_digest(MAX_GENERATORS)): SHA-256 of H, G_0, H_0, G_1, H_1, ... (33 bytes each).
GENERATORS_DIGEST = "f497d58e1f0ef1d03574ccded58115209d54afb679c3242d6b901efbb116e9e5"

#: hex(table_digest(count)) for every power of two up to MAX_GENERATORS (the last is
#: GENERATORS_DIGEST): what a published prefix of the table is checked against.
PREFIX_DIGESTS: dict[int, str] = {
    1: "c37fd420ac563ae702a7553180847fbb65e320ff3570279425c5fa855b056a7c",
    2: "9d0d149cde288b68d0a385e78c6ebc3afa4e41810333f4ce8cb0a27e8fe07e02",
    4: "26dc1ee9aca86a7c8c7ffd8f375b564937df36586a698d5c24d500cb0b94906e",
    8: "530d568cf448d6e65fccc1bb0f5c3a16fe9f770867e672ce7b10932e73557171",
    16: "0ca4c4c55bf9e44e4cbb631445b780379ddd40d00ea8f25bb35df3c874b25473",
    32: "8551bfd1a6205e39354def16d61e15100a2a50fd760c92129886d272c2639484",
    64: "a9f4baef3f26c527acef8aeb3ca5ed041e63df06462ba48e2089ee1f41270951",
    128: "51e1de9dce325442c8f5ae25fd338be40d8f1b49db14666d7b8efd7038e145db",
    256: "926f41c062b5d71b50eb2c00ca22256c83d9671242ad4940be7787900b99f47e",
    512: "9cafe450c22c0caf0bfcb0db68828a444615f6b76b5396bbc6082f2ccfeb2320",
    1024: "abddb64a0d9558e6f39ab6d3174ff27c86ebd4c72ad211a343f2395c05790de9",
    2048: "f115723f0a0df95c657d89c2f15fcece998edcd884d6d8e99caf6d2a1efa6b61",
    4096: "09a07279e8b4ac972b055f8120271bfbfde9dcc41d22bbac6eab4096ec17baf7",
    8192: "4bf7e058ebfccf277160d6a2b4e32d42476c04afd895493a236de92e80b3a23c",
    16384: "51735e1d4bca1c98e38a6dd121c2da49f8c4f8b8f779121f7dfb33d2cabd4d59",
    32768: "c2084d2a95cfe282d6bd079e804a8703c91800381f693f19d0ede6fc9cced815",
    65536: "f497d58e1f0ef1d03574ccded58115209d54afb679c3242d6b901efbb116e9e5",
}

_Affine = tuple[int, int]

_lock = threading.Lock()
# Backend-independent affine coordinates, by label prefix b"G" / b"H".
_affine: dict[bytes, list[_Affine]] = {b"G": [], b"H": []}
_h_affine: list[_Affine] = []  # zero or one entry: the Pedersen H
# Points per backend name: {"G": [...], "H": [...]} and the Pedersen H.
_points: dict[str, dict[bytes, list[Point]]] = {}
_h_points: dict[str, Point] = {}
# 64-byte affine encodings x || y, concatenated, by label prefix (for the native accelerator).
_xy: dict[bytes, bytes] = {b"G": b"", b"H": b""}


def _derive(msg: bytes) -> _Affine:
    """hash_to_curve(msg, GENERATORS_DST) as affine coordinates."""
    aff = hash_to_curve_affine(msg, GENERATORS_DST)
    if aff is None:  # probability 2^-256; the pinned digest shows it does not happen
        raise ParameterError(f"generator {msg!r} hashed to the identity")
    return aff


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int):
        raise ParameterError("generator count must be an integer")
    if not 0 <= count <= MAX_GENERATORS:
        raise ParameterError(
            f"generator count {count} outside [0, {MAX_GENERATORS}] (n*m is at most "
            f"{MAX_GENERATORS})"
        )


def _affine_vec(kind: bytes, count: int) -> list[_Affine]:
    """The first `count` affine points of the vector `kind`, derived on demand."""
    cache = _affine[kind]
    start = len(cache)
    if start < count:
        fresh = [_derive(kind + struct.pack(">I", i)) for i in range(start, count)]
        with _lock:
            have = len(cache)  # another thread may have appended meanwhile (same values)
            cache.extend(fresh[have - start :])
    return cache[:count]


def _point_vec(kind: bytes, count: int, backend: str | None) -> list[Point]:
    _check_count(count)
    name = get_backend(backend).name
    cache = _points.setdefault(name, {b"G": [], b"H": []})[kind]
    start = len(cache)
    if start < count:
        affs = _affine_vec(kind, count)
        fresh = [Point.from_affine(x, y, name) for x, y in affs[start:count]]
        with _lock:
            have = len(cache)
            cache.extend(fresh[have - start :])
    return cache[:count]


def _pedersen_h_affine() -> _Affine:
    if not _h_affine:
        aff = _derive(b"H")
        with _lock:
            if not _h_affine:
                _h_affine.append(aff)
    return _h_affine[0]


def pedersen_h(backend: str | None = None) -> Point:
    """H = hash_to_curve("H", GENERATORS_DST): the blinding generator of Com(v, r) = v*G + r*H."""
    name = get_backend(backend).name
    pt = _h_points.get(name)
    if pt is None:
        x, y = _pedersen_h_affine()
        fresh = Point.from_affine(x, y, name)
        with _lock:
            pt = _h_points.get(name)
            if pt is None:
                pt = _h_points[name] = fresh
                register_fixed_base(pt)  # H is in every commitment: worth a fixed-base table
    return pt


def g_vec(count: int, backend: str | None = None) -> list[Point]:
    """[G_0, ..., G_(count-1)], G_i = hash_to_curve("G" || u32_be(i), GENERATORS_DST).

    ParameterError, before any work, if count is outside [0, MAX_GENERATORS].
    """
    return _point_vec(b"G", count, backend)


def h_vec(count: int, backend: str | None = None) -> list[Point]:
    """[H_0, ..., H_(count-1)], H_i = hash_to_curve("H" || u32_be(i), GENERATORS_DST).

    ParameterError, before any work, if count is outside [0, MAX_GENERATORS].
    """
    return _point_vec(b"H", count, backend)


def _encode(aff: _Affine) -> bytes:
    """SEC1 compressed encoding, byte for byte what Point.to_bytes() gives."""
    x, y = aff
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def vec_xy(kind: bytes, count: int) -> bytes:
    """The first `count` points of G_vec (kind b"G") or H_vec (b"H") as one buffer of 64-byte
    affine encodings x || y (32 bytes big-endian each), the native accelerator's input."""
    _check_count(count)
    if kind not in _xy:
        raise ParameterError("generator vector kind must be b'G' or b'H'")
    buf = _xy[kind]
    if len(buf) < 64 * count:
        affs = _affine_vec(kind, count)
        fresh = b"".join(x.to_bytes(32, "big") + y.to_bytes(32, "big") for x, y in affs)
        with _lock:
            if len(_xy[kind]) < len(fresh):
                _xy[kind] = fresh
        buf = fresh
    return buf[: 64 * count]


def table_digest(count: int = MAX_GENERATORS) -> bytes:
    """SHA-256(H || G_0 || H_0 || G_1 || H_1 || ... || G_(count-1) || H_(count-1)), each point
    33 bytes SEC1 compressed. Backend independent (computed from the affine coordinates)."""
    _check_count(count)
    h = hashlib.sha256(_encode(_pedersen_h_affine()))
    for g_i, h_i in zip(_affine_vec(b"G", count), _affine_vec(b"H", count), strict=True):
        h.update(_encode(g_i))
        h.update(_encode(h_i))
    return h.digest()


_COORD = 32


def affine_table(count: int) -> bytes:
    """The first `count` pairs of the table with their coordinates, for a verifier that should
    not derive them (a browser: hash to curve is most of an aggregated proof's verification):
    H, G_0, H_0, ..., G_(count-1), H_(count-1), each as x || y (32 bytes each, big-endian)."""
    if count not in PREFIX_DIGESTS:
        raise ParameterError(
            f"table prefix of {count} pairs: must be a power of two up to {MAX_GENERATORS}"
        )
    pts = [_pedersen_h_affine()]
    for g_i, h_i in zip(_affine_vec(b"G", count), _affine_vec(b"H", count), strict=True):
        pts += [g_i, h_i]
    return b"".join(x.to_bytes(_COORD, "big") + y.to_bytes(_COORD, "big") for x, y in pts)


def load_affine_table(data: bytes) -> int:
    """Take the points of `affine_table(count)` bytes instead of deriving them; returns count.

    Checked before anything is kept: count is a power of two up to MAX_GENERATORS, every
    (x, y) is a point of secp256k1, and SHA-256 of their encodings is PREFIX_DIGESTS[count]
    (the digests pinned in this module), so the points are the ones hash to curve gives.
    FormatError otherwise.
    """
    if not isinstance(data, bytes | bytearray) or len(data) % (2 * _COORD):
        raise FormatError("generator table: not a whole number of 64-byte points")
    count, odd = divmod(len(data) // (2 * _COORD) - 1, 2)
    if odd or count not in PREFIX_DIGESTS:
        raise FormatError("generator table: the number of pairs must be a power of two")
    pts: list[_Affine] = []
    h = hashlib.sha256()
    for off in range(0, len(data), 2 * _COORD):
        x = int.from_bytes(data[off : off + _COORD], "big")
        y = int.from_bytes(data[off + _COORD : off + 2 * _COORD], "big")
        if not (x < P and y < P and (y * y - x * x * x - 7) % P == 0):
            raise FormatError(
                f"generator table: entry {off // (2 * _COORD)} is not a point of secp256k1"
            )
        pts.append((x, y))
        h.update(_encode((x, y)))
    if h.hexdigest() != PREFIX_DIGESTS[count]:
        raise FormatError(f"generator table: its digest is not the pinned digest of {count} pairs")
    with _lock:
        if not _h_affine:
            _h_affine.append(pts[0])
        for kind, first in ((b"G", 1), (b"H", 2)):
            cache = _affine[kind]
            if len(cache) < count:
                cache.extend(pts[first + 2 * len(cache) :: 2])
    return count
