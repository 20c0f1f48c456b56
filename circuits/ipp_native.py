"""The range prover's fast path on the optional native accelerator (circuits.group.native): the
vector commitments A and S and the inner-product argument's generators on packed affine buffers,
each round's generator fold in one native call, S and the first round's L and R on shift tables
of the fixed generators (msm_fixed_raw: no doublings). Same mathematics as circuits.rangeproof's
reference path, so the same bytes (tests/test_rangeproof_fast.py); VARIABLE TIME, like the
native msm.

Generators are kept as (factor, base) pairs as in the reference path, G'_i = f_i * P_i: one
round maps the bases to P'_i = P_lo_i + c * P_hi_i with one scalar c for the whole vector (the
ratio f_hi_i / f_lo_i does not depend on i: 1 for G_vec, y^-h for H_vec), so a round costs one
variable-base multiplication per point, in C, results normalized together.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Protocol

from circuits.generators import pedersen_h, vec_xy
from circuits.group import N, Point, get_backend, native_module

native = native_module()

__all__ = [
    "IppProver",
    "NativeIpp",
    "available",
    "blinded_vector_commit",
    "native_scalars",
    "signed_sum",
    "vector_commit",
]

#: Fixed-base tables for the first fold (about 21 kB a generator, 2n/2 = n generators) are
#: built for n <= COMB_MAX_N (45 MB at the limit), on the second proof of that size.
COMB_MAX_N = 2048
_comb_uses: dict[int, int] = {}
_comb: dict[int, bytes] = {}

#: Shift tables of G_vec, H_vec, G and H (2.7 kB a point; 11 MB at the limit) for the
#: multi-scalar multiplications on the fixed generators (S, the first round's L and R) are built
#: for n <= FIXED_MAX_N, on the second proof of that size.
FIXED_MAX_N = 2048
_fixed_uses: dict[int, int] = {}
_fixed: dict[int, _FixedBases] = {}

_ONE = (1).to_bytes(32, "big")
_MINUS_ONE = (N - 1).to_bytes(32, "big")


def available() -> bool:
    """True when the default backend is libsecp256k1 and the native module is loaded."""
    return native is not None and get_backend().name == "libsecp256k1" and native.available()


def native_scalars() -> bool:
    """True when the native module is loaded (the verifier's scalar vectors, any backend)."""
    return native is not None and native.available()


def _point(xy: bytes | None) -> Point:
    """A 64-byte affine encoding (None: the identity) as a Point of the default backend."""
    if xy is None:
        return Point.identity()
    return Point.from_xy64(xy)


def _xy(p: Point) -> bytes:
    aff = p.affine()
    if aff is None:  # pragma: no cover - G is never the identity
        raise ValueError("the identity has no affine encoding")
    return aff[0].to_bytes(32, "big") + aff[1].to_bytes(32, "big")


def _scalars(ks: Sequence[int]) -> bytes:
    return b"".join(k.to_bytes(32, "big") for k in ks)


def signed_sum(bits: Sequence[int]) -> Point:
    """sum_{bit 1} G_vec_i - sum_{bit 0} H_vec_i, i < len(bits): <a_L, G_vec> + <a_R, H_vec>
    for a_L the bits and a_R = a_L - 1, as one native sum (scalars +-1)."""
    nm = len(bits)
    gbuf = vec_xy(b"G", nm)
    hbuf = vec_xy(b"H", nm)
    pts = b"".join(
        gbuf[64 * i : 64 * i + 64] if bit else hbuf[64 * i : 64 * i + 64]
        for i, bit in enumerate(bits)
    )
    sc = b"".join(_ONE if bit else _MINUS_ONE for bit in bits)
    return _point(native.msm_raw(pts, sc, nm))


def vector_commit(s_l: Sequence[int], s_r: Sequence[int]) -> Point:
    """<s_l, G_vec> + <s_r, H_vec> (scalars in [0, n)) as one native msm."""
    nm = len(s_l)
    buf = vec_xy(b"G", nm) + vec_xy(b"H", nm)
    return _point(native.msm_raw(buf, _scalars([*s_l, *s_r]), 2 * nm))


def blinded_vector_commit(s_l: Sequence[int], s_r: Sequence[int], rho: int) -> Point:
    """<s_l, G_vec> + <s_r, H_vec> + rho*H (scalars in [0, n)) as one native msm, on the
    generators' shift tables once they exist (_fixed_bases)."""
    nm = len(s_l)
    sc = _scalars([*s_l, *s_r, rho])
    fixed = _fixed_bases(nm)
    if fixed is not None:
        return _point(native.msm_fixed_raw(fixed.tables, fixed.idx_s, sc, 2 * nm + 1))
    buf = vec_xy(b"G", nm) + vec_xy(b"H", nm) + _xy(pedersen_h())
    return _point(native.msm_raw(buf, sc, 2 * nm + 1))


def _indices(idx: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(idx)}I", *idx)


class _FixedBases:
    """The shift tables of G_vec(n), H_vec(n), G, H (table indices 0..n-1, n..2n-1, 2n, 2n+1)
    and the index lists of S = <s_L, G_vec> + <s_R, H_vec> + rho*H and of the first round's
    L = <., G_hi> + <., H_lo> + k_L*G, R = <., G_lo> + <., H_hi> + k_R*G."""

    def __init__(self, n: int) -> None:
        h = n // 2
        self.g_xy = _xy(Point.generator())
        pts = vec_xy(b"G", n) + vec_xy(b"H", n) + self.g_xy + _xy(pedersen_h())
        self.tables = native.shift_tables(pts, 2 * n + 2)
        self.idx_s = _indices([*range(2 * n), 2 * n + 1])
        self.idx_l = _indices([*range(h, n), *range(n, n + h), 2 * n])
        self.idx_r = _indices([*range(h), *range(n + h, 2 * n), 2 * n])


def _fixed_bases(n: int) -> _FixedBases | None:
    """The shift tables for proofs of size n, once a proof of that size has been made before
    in this process (n <= FIXED_MAX_N); else None."""
    fixed = _fixed.get(n)
    if fixed is None and n <= FIXED_MAX_N:
        uses = _fixed_uses[n] = _fixed_uses.get(n, 0) + 1
        if uses >= 2:
            fixed = _fixed[n] = _FixedBases(n)
    return fixed


def _first_fold_tables(n: int) -> bytes | None:
    """The comb tables of G_vec[n/2:n] and H_vec[n/2:n] (the bases of the first fold's hi
    halves), once a proof of size n has been made before in this process; else None."""
    tables = _comb.get(n)
    if tables is None and n <= COMB_MAX_N:
        uses = _comb_uses[n] = _comb_uses.get(n, 0) + 1
        if uses >= 2:
            h = n // 2
            hi = vec_xy(b"G", n)[64 * h :] + vec_xy(b"H", n)[64 * h :]
            tables = _comb[n] = native.comb_tables(hi, n)
    return tables


def _fold_slow(lo: bytes, hi: bytes, ks: Sequence[int]) -> bytes:
    """lo_i + k_i * hi_i one point at a time (the native fold met an identity: never in
    practice, kept so that no input can make the prover fail)."""
    out = []
    for i, k in enumerate(ks):
        p = _point(lo[64 * i : 64 * i + 64]) + _point(hi[64 * i : 64 * i + 64]) * int(k)
        if p.is_identity():
            raise ValueError("a folded generator is the identity")
        out.append(_xy(p))
    return b"".join(out)


class IppProver(Protocol):
    """An inner-product argument in progress (circuits.rangeproof._ipp_prove): the vectors a, b
    of length n and the generators G_vec, H' as (factor f_i, base P_i), G_i = f_i*P_i."""

    def cross(self, w: int, G: Point) -> tuple[Point, Point]:
        """With lo, hi the halves, c_L = <a_lo, b_hi> and c_R = <a_hi, b_lo>:
        L = <a_lo, G_hi> + <b_hi, H_lo> + c_L*w*G,  R = <a_hi, G_lo> + <b_lo, H_hi> + c_R*w*G."""
        ...

    def fold(self, u: int, u_inv: int) -> None:
        """a' = u*a_lo + u^-1*a_hi,  b' = u^-1*b_lo + u*b_hi, and while the halves hold more
        than one element the generators: G' = u^-1*G_lo + u*G_hi,  H' = u*H_lo + u^-1*H_hi."""
        ...

    def final(self) -> tuple[int, int]:
        """a and b once they hold one element each."""
        ...


class NativeIpp:
    """IppProver for G_vec = g_vec(n), H_vec = h_vec(n), the H factors y^-i (y_inv = y^-1),
    on the native module: a, b and the H factors as packed 32-byte scalars (each round's
    scalars in C), the generator bases as packed 64-byte affine points."""

    def __init__(
        self, a: Sequence[int], b: Sequence[int], h_factors: Sequence[int], y_inv: int
    ) -> None:
        n = self.n = len(a)
        self.a = bytearray(_scalars(a))
        self.b = bytearray(_scalars(b))
        self.hf = bytearray(_scalars(h_factors))
        self.y_inv = y_inv
        self.gP = vec_xy(b"G", n)
        self.hP = vec_xy(b"H", n)
        self.gf = 1  # the factor of every G'_i (uniform: G_vec starts with factors 1)
        self.g_xy = b""
        self.tables = _first_fold_tables(n)  # for the first fold only
        self.fixed = _fixed.get(n)  # for the first round's L and R only

    def cross(self, w: int, G: Point) -> tuple[Point, Point]:
        n = self.n
        cut = 32 * n  # 64 bytes a point, n / 2 points
        gP, hP = self.gP, self.hP
        if not self.g_xy:
            self.g_xy = _xy(G)
        sc_l, sc_r = native.ipp_cross(self.a, self.b, self.hf, n, _scalars([self.gf, w]))
        fixed, self.fixed = self.fixed, None  # the bases are G_vec, H_vec only before a fold
        if fixed is not None and fixed.g_xy == self.g_xy:
            L = native.msm_fixed_raw(fixed.tables, fixed.idx_l, sc_l, n + 1)
            R = native.msm_fixed_raw(fixed.tables, fixed.idx_r, sc_r, n + 1)
        else:
            L = native.msm_raw(gP[cut:] + hP[:cut] + self.g_xy, sc_l, n + 1)
            R = native.msm_raw(gP[:cut] + hP[cut:] + self.g_xy, sc_r, n + 1)
        return _point(L), _point(R)

    def fold(self, u: int, u_inv: int) -> None:
        n = self.n
        h = self.n = n // 2
        native.ipp_fold_scalars(self.a, self.b, self.hf, n, _scalars([u, u_inv]))
        if h == 1:
            return  # the last round: no generators needed after it
        cut = 64 * h
        c_g = u * u % N  # u^2 f_hi / f_lo with f_hi = f_lo
        c_h = u_inv * u_inv % N * pow(self.y_inv, h, N) % N  # u^-2 f_hi_i / f_lo_i = u^-2 y^-h
        lo = self.gP[:cut] + self.hP[:cut]
        hi = self.gP[cut:] + self.hP[cut:]
        ks = [c_g] * h + [c_h] * h
        if self.tables is not None:
            folded = native.fold_comb_raw(lo, self.tables, _scalars(ks), 2 * h)
            self.tables = None
        else:
            folded = native.fold_raw(lo, hi, _scalars(ks), 2 * h)
        if folded is None:
            folded = _fold_slow(lo, hi, ks)
        self.gP, self.hP = folded[:cut], folded[cut:]
        self.gf = u_inv * self.gf % N

    def final(self) -> tuple[int, int]:
        return int.from_bytes(self.a[:32], "big"), int.from_bytes(self.b[:32], "big")
