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
    "NativeVectors",
    "RangeVectors",
    "available",
    "blinded_commit_raw",
    "blinded_vector_commit",
    "native_scalars",
    "scalar_bytes",
    "signed_sum",
    "vector_commit",
]

#: Fixed-base tables for the first two folds (about 21 kB a generator, 3/4 of the 2n: 67 MB at
#: the limit) are built for n <= COMB_MAX_N, on the second proof of that size. With them and
#: the shift tables below, the second round's L and R are taken over the unfolded generators
#: and its generators are made from them directly (NativeIpp): no fold of the first round.
COMB_MAX_N = 2048
_comb_uses: dict[int, int] = {}
_comb: dict[int, _CombBases] = {}

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


def scalar_bytes(ks: Sequence[int]) -> bytes:
    """Scalars in [0, n) as 32 bytes big-endian each, concatenated."""
    return _scalars(ks)


def blinded_vector_commit(s_l: Sequence[int], s_r: Sequence[int], rho: int) -> Point:
    """<s_l, G_vec> + <s_r, H_vec> + rho*H (scalars in [0, n)) as one native msm, on the
    generators' shift tables once they exist (_fixed_bases)."""
    return blinded_commit_raw(_scalars([*s_l, *s_r]), rho, len(s_l))


def blinded_commit_raw(s_raw: bytes, rho: int, nm: int) -> Point:
    """blinded_vector_commit with s_l || s_r as scalar_bytes."""
    sc = s_raw + _scalars([rho])
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
        self.n = n
        self.g_xy = _xy(Point.generator())
        pts = vec_xy(b"G", n) + vec_xy(b"H", n) + self.g_xy + _xy(pedersen_h())
        self.tables = native.shift_tables(pts, 2 * n + 2)
        self.idx_s = _indices([*range(2 * n), 2 * n + 1])
        self.idx_l = _indices([*range(h, n), *range(n, n + h), 2 * n])
        self.idx_r = _indices([*range(h), *range(n + h, 2 * n), 2 * n])
        self._second: tuple[bytes, bytes] | None = None

    def second_round(self) -> tuple[bytes, bytes]:
        """The index lists of the second round's L and R over G_vec, H_vec (q = n/4): L over
        G'_(q+i) = G_(q+i) + c G_(3q+i) and H'_i = H_i + c' H_(2q+i), R over G'_i and
        H'_(q+i), i < q, each vector's terms in the order of sc_outer (coefficient 1, then c)."""
        if self._second is None:
            n = self.n
            q = n // 4
            self._second = (
                _indices(
                    [*range(q, 2 * q), *range(3 * q, 4 * q)]
                    + [n + i for i in (*range(q), *range(2 * q, 3 * q))]
                    + [2 * n]
                ),
                _indices(
                    [*range(q), *range(2 * q, 3 * q)]
                    + [n + i for i in (*range(q, 2 * q), *range(3 * q, 4 * q))]
                    + [2 * n]
                ),
            )
        return self._second


def _fixed_bases(n: int) -> _FixedBases | None:
    """The shift tables for proofs of size n, once a proof of that size has been made before
    in this process (n <= FIXED_MAX_N); else None."""
    fixed = _fixed.get(n)
    if fixed is None and n <= FIXED_MAX_N:
        uses = _fixed_uses[n] = _fixed_uses.get(n, 0) + 1
        if uses >= 2:
            fixed = _fixed[n] = _FixedBases(n)
    return fixed


class _CombBases:
    """The comb tables of G_vec[n/4:n] then H_vec[n/4:n] (3n/2 tables: G_i is table i - n/4,
    H_i table n/2 + i) for the generators of the first two folds, with the index lists of the
    first fold (G_(n/2+i), then H_(n/2+i)) and of the second round's generators made from the
    unfolded ones (the three terms i + n/2, i + n/4, i + 3n/4 of G_i, then of H_i)."""

    def __init__(self, n: int) -> None:
        q = n // 4
        self.tables = native.comb_tables(
            vec_xy(b"G", n)[64 * q :] + vec_xy(b"H", n)[64 * q :], 6 * q
        )
        self.idx_first = _indices([*range(q, 3 * q), *range(3 * q + q, 3 * q + 3 * q)])
        self.idx_second = _indices(
            [
                *(k for i in range(q) for k in (i + q, i, i + 2 * q)),
                *(k for i in range(q) for k in (n + i, 3 * q + i, 5 * q + i)),
            ]
        )


def _first_fold_tables(n: int) -> _CombBases | None:
    """The comb tables of the first folds' generators (_CombBases), once a proof of size n
    has been made before in this process; else None."""
    tables = _comb.get(n)
    if tables is None and 4 <= n <= COMB_MAX_N:
        uses = _comb_uses[n] = _comb_uses.get(n, 0) + 1
        if uses >= 2:
            tables = _comb[n] = _CombBases(n)
    return tables


def _second_slow(lo: bytes, q: int, cg: tuple[int, int], ch: tuple[int, int]) -> bytes:
    """The generators after the first two folds one point at a time (comb_sums met an
    identity: never in practice): lo_i + c_0 P_(i + 2q) + c_1 P_(i + q) + c_0 c_1 P_(i + 3q)
    for the P of G_vec(4q) then of H_vec(4q)."""
    out = []
    for i, (label, (c0, c1)) in enumerate(
        (label, c) for label, c in ((b"G", cg), (b"H", ch)) for _ in range(q)
    ):
        v, j = vec_xy(label, 4 * q), i % q
        p = _point(lo[64 * i : 64 * i + 64])
        for k, c in ((j + 2 * q, c0), (j + q, c1), (j + 3 * q, c0 * c1 % N)):
            p = p + _point(v[64 * k : 64 * k + 64]) * int(c)
        if p.is_identity():
            raise ValueError("a folded generator is the identity")
        out.append(_xy(p))
    return b"".join(out)


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


class RangeVectors(Protocol):
    """The range prover's vectors l(x), r(x) (circuits.rangeproof.prove)."""

    def t_coefficients(self) -> tuple[int, int]:
        """t_1 and t_2 of t(x) = <l(x), r(x)> = t_0 + t_1 x + t_2 x^2."""
        ...

    def evaluate(self, x: int) -> int:
        """Keep l = l(x), r = r(x); return t_x = <l, r>."""
        ...

    def prover(self, y_inv: int) -> IppProver:
        """The inner-product argument on l and r, H factors y^-i (after evaluate)."""
        ...


class NativeVectors:
    """RangeVectors in C (zks_range_lr): s_raw = s_L || s_R as scalar_bytes."""

    def __init__(self, values: Sequence[int], n_bits: int, s_raw: bytes, y: int, z: int) -> None:
        self.values = _scalars(values)
        self.n_bits = n_bits
        self.m = len(values)
        self.s_raw = s_raw
        self.yz = _scalars([y, z])
        self.lr = b""

    def t_coefficients(self) -> tuple[int, int]:
        out = native.range_lr(self.values, self.n_bits, self.m, self.s_raw, self.yz)
        return int.from_bytes(out[:32], "big"), int.from_bytes(out[32:], "big")

    def evaluate(self, x: int) -> int:
        self.lr = native.range_lr(
            self.values, self.n_bits, self.m, self.s_raw, self.yz + _scalars([x])
        )
        return int.from_bytes(self.lr[-32:], "big")

    def prover(self, y_inv: int) -> IppProver:
        nm = self.n_bits * self.m
        a, b = self.lr[: 32 * nm], self.lr[32 * nm : 64 * nm]
        return NativeIpp(a, b, native.sc_powers(_scalars([y_inv]), nm), y_inv)


class NativeIpp:
    """IppProver for G_vec = g_vec(n), H_vec = h_vec(n), the H factors y^-i (y_inv = y^-1),
    on the native module: a, b and the H factors as packed 32-byte scalars (each round's
    scalars in C), the generator bases as packed 64-byte affine points."""

    def __init__(self, a: bytes, b: bytes, h_factors: bytes, y_inv: int) -> None:
        n = self.n = len(a) // 32
        self.a = bytearray(a)
        self.b = bytearray(b)
        self.hf = bytearray(h_factors)
        self.y_inv = y_inv
        self.gP = vec_xy(b"G", n)
        self.hP = vec_xy(b"H", n)
        self.gf = 1  # the factor of every G'_i (uniform: G_vec starts with factors 1)
        self.g_xy = b""
        self.comb = _first_fold_tables(n)  # the first folds' generators
        self.fixed = _fixed.get(n)  # the first round's L and R (and the second's)
        # with both: (c_g, c_h) of the first fold, whose generators are not made (the second
        # round runs on G_vec and H_vec, the second fold makes its generators from them)
        self.pending: tuple[int, int] | None = None

    def cross(self, w: int, G: Point) -> tuple[Point, Point]:
        n = self.n
        cut = 32 * n  # 64 bytes a point, n / 2 points
        gP, hP = self.gP, self.hP
        if not self.g_xy:
            self.g_xy = _xy(G)
        sc_l, sc_r = native.ipp_cross(self.a, self.b, self.hf, n, _scalars([self.gf, w]))
        fixed = self.fixed  # G_vec, H_vec: until the generators are folded
        if fixed is not None and fixed.g_xy == self.g_xy and self.pending is not None:
            # the second round over G_vec, H_vec (q = n/2): G'_i = P_i + c_g P_(i + 2q),
            # H'_i = P_i + c_h P_(i + 2q), each vector's scalars times 1, then c
            q = n // 2
            coefs = (_scalars([1, self.pending[0]]), _scalars([1, self.pending[1]]))
            idx_l, idx_r = fixed.second_round()
            L, R = (
                native.msm_fixed_raw(
                    fixed.tables,
                    idx,
                    native.sc_outer(sc, q, coefs[0], 2)
                    + native.sc_outer(sc[32 * q :], q, coefs[1], 2)
                    + sc[64 * q :],
                    2 * n + 1,
                )
                for idx, sc in ((idx_l, sc_l), (idx_r, sc_r))
            )
        elif fixed is not None and fixed.g_xy == self.g_xy:
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
        self.gf = u_inv * self.gf % N
        comb = self.comb
        if comb is not None and self.fixed is not None and self.pending is None:
            self.pending = (c_g, c_h)  # the first fold: its generators are not made
            return
        self.comb = self.fixed = None
        lo = self.gP[:cut] + self.hP[:cut]
        if comb is not None and self.pending is not None:  # the first two folds at once
            c_g0, c_h0 = self.pending
            self.pending = None
            ks = (
                _scalars([c_g0, c_g, c_g0 * c_g % N]) * h
                + _scalars([c_h0, c_h, c_h0 * c_h % N]) * h
            )
            folded = native.comb_sums(lo, comb.tables, comb.idx_second, ks, 3, 2 * h)
            if folded is None:
                folded = _second_slow(lo, h, (c_g0, c_g), (c_h0, c_h))
        else:
            hi = self.gP[cut:] + self.hP[cut:]
            ks = _scalars([c_g]) * h + _scalars([c_h]) * h
            if comb is not None:
                folded = native.comb_sums(lo, comb.tables, comb.idx_first, ks, 1, 2 * h)
            else:
                folded = native.fold_raw(lo, hi, ks, 2 * h)
            if folded is None:
                folded = _fold_slow(lo, hi, [c_g] * h + [c_h] * h)
        self.gP, self.hP = folded[:cut], folded[cut:]

    def final(self) -> tuple[int, int]:
        return int.from_bytes(self.a[:32], "big"), int.from_bytes(self.b[:32], "big")
