"""Pure-Python secp256k1 on gmpy2 integers when installed, else plain ints (circuits.bigint):
Jacobian coordinates, windowed scalar multiplication and a Pippenger (bucket) multi-scalar
multiplication. Variable time: for public data and for provers
whose timing is not observable; the libsecp256k1 backend is the default."""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt
from typing import TypeAlias

from circuits.bigint import invert, mpz
from circuits.errors import FormatError
from circuits.group.params import GX, GY, N, P, sqrt_mod_p

# (X, Y, Z) with x = X/Z^2, y = Y/Z^3; None is the point at infinity.
Jac: TypeAlias = tuple[int, int, int] | None

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


def _add_affine(p1: Jac, x2: int, y2: int) -> Jac:
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


def _to_affine(pt: Jac) -> tuple[int, int] | None:
    if pt is None:
        return None
    X, Y, Z = pt
    if Z == 1:
        return (X, Y)
    zi = invert(Z, _P)
    zi2 = zi * zi % _P
    return (X * zi2 % _P, Y * zi2 * zi % _P)


def _batch_affine(pts: Sequence[Jac]) -> list[tuple[int, int] | None]:
    """Affine forms of many points with one inversion (Montgomery's trick)."""
    idx = [i for i, p in enumerate(pts) if p is not None and p[2] != 1]
    out: list[tuple[int, int] | None] = [None if p is None else (p[0], p[1]) for p in pts]
    if not idx:
        return out
    prefix = []
    acc = _ONE
    for i in idx:
        prefix.append(acc)
        acc = acc * pts[i][2] % _P  # type: ignore[index]
    inv = invert(acc, _P)
    for j in range(len(idx) - 1, -1, -1):
        i = idx[j]
        X, Y, Z = pts[i]  # type: ignore[misc]
        zi = inv * prefix[j] % _P
        inv = inv * Z % _P
        zi2 = zi * zi % _P
        out[i] = (X * zi2 % _P, Y * zi2 * zi % _P)
    return out


# GLV endomorphism (Gallant, Lambert, Vanstone 2001): lambda * (x, y) = (beta * x, y), with
# beta^3 = 1 mod p and lambda^3 = 1 mod n. A scalar k splits as k = k1 + k2 * lambda mod n with
# |k1|, |k2| about sqrt(n), so an msm of m 256-bit terms becomes one of 2m 128-bit terms.
_BETA = mpz(0x7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE)
_LAMBDA = 0x5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72


def _glv_basis() -> tuple[int, int, int, int]:
    """A short basis (a1, b1), (a2, b2) of the lattice {(a, b): a + b * lambda = 0 mod n}, by
    the extended Euclidean algorithm on (n, lambda) (Guide to ECC, algorithm 3.74): every
    remainder satisfies r_i = t_i * lambda mod n, so (r_i, -t_i) lies in the lattice."""
    seq = [(N, 0), (_LAMBDA, 1)]
    bound = isqrt(N)
    while seq[-1][0] >= bound:
        (r0, t0), (r1, t1) = seq[-2], seq[-1]
        q = r0 // r1
        seq.append((r0 - q * r1, t0 - q * t1))
    (r_l, t_l), (r_l1, t_l1) = seq[-2], seq[-1]
    q = r_l // r_l1
    r_l2, t_l2 = r_l - q * r_l1, t_l - q * t_l1
    a1, b1 = r_l1, -t_l1
    a2, b2 = min((r_l, -t_l), (r_l2, -t_l2), key=lambda v: v[0] * v[0] + v[1] * v[1])
    return a1, b1, a2, b2


_A1, _B1, _A2, _B2 = _glv_basis()


def _glv_split(k: int) -> tuple[int, int]:
    """(k1, k2) with k = k1 + k2 * lambda mod n and |k1|, |k2| < 2^129 (for 0 <= k < n).
    The identity holds for any rounding; rounding to nearest keeps the halves short."""
    c1 = (2 * _B2 * k + N) // (2 * N)
    c2 = (-2 * _B1 * k + N) // (2 * N)
    return k - c1 * _A1 - c2 * _A2, -c1 * _B1 - c2 * _B2


def _signed_digits(k: int, c: int, count: int) -> list[int]:
    """k = sum_i d_i 2^(c i) for 0 <= k < 2^(c count - 1), least significant digit first, with
    d_i in [-2^(c-1), 2^(c-1)) except the top digit, which absorbs the last carry and lies in
    [0, 2^(c-1)]: every |d_i| is a bucket index in [0, 2^(c-1)]."""
    full = 1 << c
    half = full >> 1
    mask = full - 1
    out = []
    carry = 0
    for _ in range(count - 1):
        d = (k & mask) + carry
        k >>= c
        if d >= half:
            out.append(d - full)
            carry = 1
        else:
            out.append(d)
            carry = 0
    out.append(k + carry)
    return out


def _batch_invert(vals: list[int]) -> list[int]:
    """Inverses mod p of nonzero values with one inversion (Montgomery's trick)."""
    prefix = []
    acc = _ONE
    for v in vals:
        prefix.append(acc)
        acc = acc * v % _P
    inv = invert(acc, _P)
    out: list[int] = [_ONE] * len(vals)
    for i in range(len(vals) - 1, -1, -1):
        out[i] = inv * prefix[i] % _P
        inv = inv * vals[i] % _P
    return out


def _sum_lists_affine(lists: list[list[tuple[int, int]]]) -> list[tuple[int, int] | None]:
    """The sum of each list of affine points (None for an empty sum), all lists together:
    pairwise levels of affine additions, x3 = l^2 - x1 - x2, y3 = l(x1 - x3) - y1 with
    l = (y2 - y1) / (x2 - x1), and one batched inversion per level."""
    while any(len(lst) > 1 for lst in lists):
        nxt: list[list[tuple[int, int]]] = []
        todo: list[tuple[int, tuple[int, int], tuple[int, int]]] = []
        for i, lst in enumerate(lists):
            keep = [lst[-1]] if len(lst) & 1 else []
            for j in range(0, len(lst) - 1, 2):
                a, b = lst[j], lst[j + 1]
                if a[0] != b[0]:
                    todo.append((i, a, b))
                elif (a[1] + b[1]) % _P:  # a = b: a doubling (rare), through Jacobian
                    dbl = _to_affine(_double((a[0], a[1], _ONE)))
                    if dbl is not None:
                        keep.append(dbl)
                # else a = -b: the pair cancels
            nxt.append(keep)
        invs = _batch_invert([(b[0] - a[0]) % _P for _, a, b in todo])
        for (i, (x1, y1), (x2, y2)), inv in zip(todo, invs, strict=True):
            lam = (y2 - y1) * inv % _P
            x3 = (lam * lam - x1 - x2) % _P
            nxt[i].append((x3, (lam * (x1 - x3) - y1) % _P))
        lists = nxt
    return [lst[0] if lst else None for lst in lists]


def _msm_window(terms: int, bits: int) -> int:
    """Window width minimising the estimated cost of the bucket method with signed digits:
    ceil((bits + 1) / c) windows, each with `terms` affine additions into the buckets (one
    unit each), the running sum over 2^(c-1) buckets (a mixed and a full addition, about 4
    units per bucket) and a fixed part (doublings, batched inversions, about 40 units).
    Measured optima (128-bit GLV halves): c = 4, 5, 6, 7, 8-9 for 8, 32, 130, 512, 2048 points."""
    best_c, best_cost = 1, float("inf")
    for c in range(1, 17):
        cost = -(-(bits + 1) // c) * (terms + 4 * (1 << (c - 1)) + 40)
        if cost < best_cost:
            best_c, best_cost = c, cost
    return best_c


class PythonBackend:
    """Pure-Python implementation. Native values are Jacobian triples or None (the identity)."""

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

    def decode_xy(self, x: int, y: int) -> Jac:
        """(x, y), already checked to be on the curve by the caller."""
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
        affs = _batch_affine([p for _, p in pairs])
        # Split every term with the endomorphism, fold signs into the points:
        # k * (x, y) = |k1| * (x, +-y) + |k2| * (beta x, +-y).
        ks: list[int] = []
        xs: list[int] = []
        ys: list[int] = []
        for (k, _), aff in zip(pairs, affs, strict=True):
            if aff is None:  # pairs hold no identity; kept for the type checker
                continue
            x, y = aff
            k1, k2 = _glv_split(k)
            for kk, xx in ((k1, x), (k2, _BETA * x % _P)):
                if kk:
                    ks.append(abs(kk))
                    xs.append(xx)
                    ys.append(y if kk > 0 else _P - y)
        if not ks:
            return None
        bits = max(k.bit_length() for k in ks)
        c = _msm_window(len(ks), bits)
        nwin = -(-(bits + 1) // c)  # one more bit for the final carry of the signed digits
        digits = [_signed_digits(k, c, nwin) for k in ks]
        neg_ys = [_P - y for y in ys]
        half = 1 << (c - 1)
        total: Jac = None
        for w in range(nwin - 1, -1, -1):
            for _ in range(c):
                total = _double(total)
            members: list[list[tuple[int, int]]] = [[] for _ in range(half + 1)]
            for j, ds in enumerate(digits):
                d = ds[w]
                if d > 0:
                    members[d].append((xs[j], ys[j]))
                elif d < 0:
                    members[-d].append((xs[j], neg_ys[j]))
            buckets = _sum_lists_affine(members)
            # sum_d d * bucket[d] as a running sum from the top bucket down
            running: Jac = None
            window: Jac = None
            for d in range(half, 0, -1):
                b = buckets[d]
                if b is not None:
                    running = _add_affine(running, b[0], b[1])
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
