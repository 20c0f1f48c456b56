"""Pure-Python secp256k1 on gmpy2: Jacobian coordinates, windowed scalar multiplication and a
Pippenger (bucket) multi-scalar multiplication. Variable time: for public data and for provers
whose timing is not observable; the libsecp256k1 backend is the default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import gmpy2
from gmpy2 import mpz

from circuits.errors import FormatError
from circuits.group.params import GX, GY, N, P, sqrt_mod_p

# (X, Y, Z) with x = X/Z^2, y = Y/Z^3; None is the point at infinity.
Jac: TypeAlias = tuple[mpz, mpz, mpz] | None

_P = mpz(P)
_ONE = mpz(1)


def _double(pt: Jac) -> Jac:
    if pt is None:
        return None
    X, Y, Z = pt
    if not Y:
        return None
    # dbl-2009-l (a = 0)
    A = X * X % _P
    B_ = Y * Y % _P
    C = B_ * B_ % _P
    D = 2 * ((X + B_) ** 2 - A - C) % _P
    E = 3 * A % _P
    X3 = (E * E - 2 * D) % _P
    Y3 = (E * (D - X3) - 8 * C) % _P
    Z3 = 2 * Y * Z % _P
    return (X3, Y3, Z3)


def _add(p1: Jac, p2: Jac) -> Jac:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    X1, Y1, Z1 = p1
    X2, Y2, Z2 = p2
    # add-2007-bl
    Z1Z1 = Z1 * Z1 % _P
    Z2Z2 = Z2 * Z2 % _P
    U1 = X1 * Z2Z2 % _P
    U2 = X2 * Z1Z1 % _P
    S1 = Y1 * Z2 * Z2Z2 % _P
    S2 = Y2 * Z1 * Z1Z1 % _P
    H = (U2 - U1) % _P
    r = 2 * (S2 - S1) % _P
    if not H:
        return _double(p1) if not r else None
    I_ = 4 * H * H % _P
    J = H * I_ % _P
    V = U1 * I_ % _P
    X3 = (r * r - J - 2 * V) % _P
    Y3 = (r * (V - X3) - 2 * S1 * J) % _P
    Z3 = ((Z1 + Z2) ** 2 - Z1Z1 - Z2Z2) * H % _P
    return (X3, Y3, Z3)


def _add_affine(p1: Jac, x2: mpz, y2: mpz) -> Jac:
    """p1 + (x2, y2) with the second point affine (madd-2007-bl)."""
    if p1 is None:
        return (x2, y2, _ONE)
    X1, Y1, Z1 = p1
    Z1Z1 = Z1 * Z1 % _P
    U2 = x2 * Z1Z1 % _P
    S2 = y2 * Z1 * Z1Z1 % _P
    H = (U2 - X1) % _P
    r = 2 * (S2 - Y1) % _P
    if not H:
        return _double(p1) if not r else None
    HH = H * H % _P
    I_ = 4 * HH
    J = H * I_ % _P
    V = X1 * I_ % _P
    X3 = (r * r - J - 2 * V) % _P
    Y3 = (r * (V - X3) - 2 * Y1 * J) % _P
    Z3 = ((Z1 + H) ** 2 - Z1Z1 - HH) % _P
    return (X3, Y3, Z3)


def _to_affine(pt: Jac) -> tuple[mpz, mpz] | None:
    if pt is None:
        return None
    X, Y, Z = pt
    if Z == 1:
        return (X, Y)
    zi = gmpy2.invert(Z, _P)
    zi2 = zi * zi % _P
    return (X * zi2 % _P, Y * zi2 * zi % _P)


def _batch_affine(pts: Sequence[Jac]) -> list[tuple[mpz, mpz] | None]:
    """Affine forms of many points with one inversion (Montgomery's trick)."""
    idx = [i for i, p in enumerate(pts) if p is not None and p[2] != 1]
    out: list[tuple[mpz, mpz] | None] = [
        None if p is None else (p[0], p[1]) for p in pts
    ]
    if not idx:
        return out
    prefix = []
    acc = _ONE
    for i in idx:
        prefix.append(acc)
        acc = acc * pts[i][2] % _P  # type: ignore[index]
    inv = gmpy2.invert(acc, _P)
    for j in range(len(idx) - 1, -1, -1):
        i = idx[j]
        X, Y, Z = pts[i]  # type: ignore[misc]
        zi = inv * prefix[j] % _P
        inv = inv * Z % _P
        zi2 = zi * zi % _P
        out[i] = (X * zi2 % _P, Y * zi2 * zi % _P)
    return out


class PythonBackend:
    """gmpy2 implementation. Native values are Jacobian triples or None (the identity)."""

    name = "python"

    def generator(self) -> Jac:
        return (mpz(GX), mpz(GY), _ONE)

    def decode(self, x: int, odd: bool) -> Jac:
        y = sqrt_mod_p((x * x * x + 7) % P)
        if y is None:
            raise FormatError("x-coordinate is not on secp256k1")
        if (y & 1) != odd:
            y = P - y
        return (mpz(x), mpz(y), _ONE)

    def encode(self, v: Jac) -> bytes:
        aff = _to_affine(v)
        if aff is None:
            raise FormatError("the identity has no encoding")
        x, y = aff
        return bytes([2 + (int(y) & 1)]) + int(x).to_bytes(32, "big")

    def affine(self, v: Jac) -> tuple[int, int] | None:
        aff = _to_affine(v)
        return None if aff is None else (int(aff[0]), int(aff[1]))

    def add(self, a: Jac, b: Jac) -> Jac:
        return _add(a, b)

    def neg(self, a: Jac) -> Jac:
        if a is None:
            return None
        return (a[0], (-a[1]) % _P, a[2])

    def eq(self, a: Jac, b: Jac) -> bool:
        if a is None or b is None:
            return a is None and b is None
        X1, Y1, Z1 = a
        X2, Y2, Z2 = b
        Z1Z1 = Z1 * Z1 % _P
        Z2Z2 = Z2 * Z2 % _P
        if (X1 * Z2Z2 - X2 * Z1Z1) % _P:
            return False
        return not (Y1 * Z2 * Z2Z2 - Y2 * Z1 * Z1Z1) % _P

    def mul(self, a: Jac, k: int) -> Jac:
        k %= N
        if a is None or k == 0:
            return None
        # 4-bit fixed window over a small table of affine multiples
        table: list[Jac] = [None, a]
        for _ in range(14):
            table.append(_add(table[-1], a))
        aff = _batch_affine(table)
        acc: Jac = None
        for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -4, -4):
            for _ in range(4):
                acc = _double(acc)
            d = (k >> shift) & 15
            if d:
                pa = aff[d]
                acc = _add_affine(acc, pa[0], pa[1]) if pa is not None else acc
        return acc

    def msm(self, scalars: Sequence[int], points: Sequence[Jac]) -> Jac:
        pairs = [(k % N, p) for k, p in zip(scalars, points, strict=True)]
        pairs = [(k, p) for k, p in pairs if k and p is not None]
        if not pairs:
            return None
        if len(pairs) < 4:
            acc: Jac = None
            for k, p in pairs:
                acc = _add(acc, self.mul(p, k))
            return acc
        ks = [k for k, _ in pairs]
        affs = _batch_affine([p for _, p in pairs])
        c = max(2, min(12, len(pairs).bit_length() - 3))
        mask = (1 << c) - 1
        nwin = (256 + c - 1) // c
        total: Jac = None
        for w in range(nwin - 1, -1, -1):
            for _ in range(c):
                total = _double(total)
            shift = w * c
            buckets: list[Jac] = [None] * (mask + 1)
            for k, aff in zip(ks, affs, strict=True):
                d = (k >> shift) & mask
                if d:
                    assert aff is not None
                    buckets[d] = _add_affine(buckets[d], aff[0], aff[1])
            running: Jac = None
            window: Jac = None
            for d in range(mask, 0, -1):
                running = _add(running, buckets[d])
                window = _add(window, running)
            total = _add(total, window)
        return total

    def register_fixed_base(self, v: Jac) -> None:
        """No precomputation in this backend (kept for interface parity)."""

    def hashable(self, v: Jac) -> bytes:
        aff = _to_affine(v)
        if aff is None:
            return b"\x00"
        return int(aff[0]).to_bytes(32, "big") + int(aff[1]).to_bytes(32, "big")
