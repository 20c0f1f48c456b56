"""Dishonest provers for the tests that must fail on a mutated verifier: a Bulletproofs range
prover and sigma provers that break the protocol exactly where a weakened check (a weight set
to 1, a value not absorbed) would stop noticing. Written from docs/PROTOCOL.md, independently
of circuits/rangeproof.py's prover, and slow on purpose (plain msm, no folding tricks)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from circuits import rangeproof as rp
from circuits import sigma
from circuits.generators import GENERATORS_DIGEST, g_vec, h_vec, pedersen_h
from circuits.group import N, Point, msm
from circuits.transcript import Transcript


class Scalars:
    """Deterministic scalars for reproducible forgeries (SHA-256 in counter mode)."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.i = 0

    def __call__(self) -> int:
        self.i += 1
        d = hashlib.sha256(self.seed + self.i.to_bytes(8, "big")).digest()
        return int.from_bytes(d, "big") % N or 1


def inner(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(a, b, strict=True)) % N


@dataclass
class Forged:
    """A forged range proof with the prover's view of it: the challenges and the dlogs of T_1,
    T_2 (enough to compute the opening of a commitment solved for after the challenges)."""

    proof: rp.RangeProof
    ch: dict[str, int] = field(default_factory=dict)
    t1: int = 0
    t2: int = 0
    tau1: int = 0
    tau2: int = 0

    def solved_commitment(self, n_bits: int) -> tuple[Point, int, int]:
        """V with z^2*V = t_x*G + t_x_blinding*H - delta*G - x*T_1 - x^2*T_2 (m = 1), the
        commitment a prover who saw the challenges first would claim, and its opening (v, g)."""
        y, z, x = self.ch["y"], self.ch["z"], self.ch["x"]
        zz_inv = pow(z * z % N, -1, N)
        p = self.proof
        v = (p.t_x - rp.delta(y, z, n_bits, 1) - x * self.t1 - x * x % N * self.t2) * zz_inv % N
        g = (p.t_x_blinding - x * self.tau1 - x * x % N * self.tau2) * zz_inv % N
        return msm([v, g], [Point.generator(), pedersen_h()]), v, g


Shift = Callable[[dict[str, int]], int]


def _ipp(
    t: Transcript, Q: Point, G: list[Point], H: list[Point], a: list[int], b: list[int]
) -> tuple[list[Point], list[Point], int, int]:
    """Inner-product argument for P = <a, G> + <b, H> + <a, b>*Q (PROTOCOL.md, dalek's notes)."""
    t.append_message(b"dom-sep", rp.IPP_LABEL)
    t.append_u64(b"n", len(a))
    Ls: list[Point] = []
    Rs: list[Point] = []
    while len(a) > 1:
        h = len(a) // 2
        L = msm([*a[:h], *b[h:], inner(a[:h], b[h:])], [*G[h:], *H[:h], Q])
        R = msm([*a[h:], *b[:h], inner(a[h:], b[:h])], [*G[:h], *H[h:], Q])
        t.append_point(b"L", L)
        t.append_point(b"R", R)
        Ls.append(L)
        Rs.append(R)
        u = t.challenge_scalar(b"u")
        ui = pow(u, -1, N)
        a = [(u * lo + ui * hi) % N for lo, hi in zip(a[:h], a[h:], strict=True)]
        b = [(ui * lo + u * hi) % N for lo, hi in zip(b[:h], b[h:], strict=True)]
        G = [msm([ui, u], [lo, hi]) for lo, hi in zip(G[:h], G[h:], strict=True)]
        H = [msm([u, ui], [lo, hi]) for lo, hi in zip(H[:h], H[h:], strict=True)]
    return Ls, Rs, a[0], b[0]


def forge_rangeproof(
    n_bits: int,
    a_L: Sequence[int],
    gammas: Sequence[int],
    transcript: Transcript,
    *,
    commitments: Sequence[Point] | None,
    seed: bytes = b"forge",
    a_R: Sequence[int] | None = None,
    A_offset: Point | None = None,
    tx_shift: Shift | None = None,
    txb_shift: int = 0,
    e_shift: int = 0,
) -> Forged:
    """Run the range prover on arbitrary vectors a_L, a_R (bits, or not), absorbing
    `commitments` as the V_j (None: no V at all, as a verifier that forgot them would), with
    optional deviations: A moved by A_offset, t_x moved by tx_shift(challenges) after x,
    t_x_blinding and e_blinding moved by constants. The inner-product argument is always
    honest for the l, r the prover holds."""
    nm = len(a_L)
    m = nm // n_bits
    a_L = [v % N for v in a_L]
    a_R = [(v - 1) % N for v in a_L] if a_R is None else [v % N for v in a_R]
    rnd = Scalars(seed)
    G, H = Point.generator(), pedersen_h()
    Gv, Hv = g_vec(nm), h_vec(nm)
    t = transcript
    t.append_message(b"dom-sep", rp.RANGEPROOF_LABEL)
    t.append_u64(b"n", n_bits)
    t.append_u64(b"m", m)
    t.append_message(b"generators", bytes.fromhex(GENERATORS_DIGEST))
    for V in commitments or ():
        t.append_point(b"V", V)
    alpha, rho, tau1, tau2 = rnd(), rnd(), rnd(), rnd()
    s_L = [rnd() for _ in range(nm)]
    s_R = [rnd() for _ in range(nm)]
    A = msm([alpha, *a_L, *a_R], [H, *Gv, *Hv])
    if A_offset is not None:
        A = A + A_offset
    S = msm([rho, *s_L, *s_R], [H, *Gv, *Hv])
    t.append_point(b"A", A)
    t.append_point(b"S", S)
    ch = {"y": t.challenge_scalar(b"y"), "z": t.challenge_scalar(b"z")}
    y, z = ch["y"], ch["z"]
    yp = [pow(y, i, N) for i in range(nm)]
    l0 = [(v - z) % N for v in a_L]
    r0 = [
        (yp[i] * (a_R[i] + z) + pow(z, 2 + i // n_bits, N) * (1 << (i % n_bits))) % N
        for i in range(nm)
    ]
    r1 = [yp[i] * s_R[i] % N for i in range(nm)]
    t1 = (inner(l0, r1) + inner(s_L, r0)) % N
    t2 = inner(s_L, r1)
    T1 = msm([t1, tau1], [G, H])
    T2 = msm([t2, tau2], [G, H])
    t.append_point(b"T_1", T1)
    t.append_point(b"T_2", T2)
    ch["x"] = x = t.challenge_scalar(b"x")
    l_vec = [(a + b * x) % N for a, b in zip(l0, s_L, strict=True)]
    r_vec = [(a + b * x) % N for a, b in zip(r0, r1, strict=True)]
    t_x = (inner(l_vec, r_vec) + (tx_shift(ch) if tx_shift else 0)) % N
    t_xb = (tau2 * x * x + tau1 * x + txb_shift) % N
    for j, g in enumerate(gammas):
        t_xb = (t_xb + pow(z, 2 + j, N) * g) % N
    e = (alpha + rho * x + e_shift) % N
    t.append_scalar(b"t_x", t_x)
    t.append_scalar(b"t_x_blinding", t_xb)
    t.append_scalar(b"e_blinding", e)
    ch["w"] = w = t.challenge_scalar(b"w")
    y_inv = pow(y, -1, N)
    H_prime = [Hv[i] * pow(y_inv, i, N) for i in range(nm)]
    Ls, Rs, a, b = _ipp(t, G * w, list(Gv), H_prime, l_vec, r_vec)
    proof = rp.RangeProof(A, S, T1, T2, t_x, t_xb, e, tuple(Ls), tuple(Rs), a, b)
    return Forged(proof, ch, t1, t2, tau1, tau2)


def bits(v: int, n_bits: int) -> list[int]:
    return [(v >> i) & 1 for i in range(n_bits)]


# --- sigma proofs ----------------------------------------------------------------------------


def unknown_point(tag: bytes) -> Point:
    """A point nobody knows the discrete log of (a hash-to-curve generator, by its tag)."""
    k = int.from_bytes(hashlib.sha256(tag).digest()[:1], "big") % 64
    return g_vec(64)[k]


def opening_with_commitment_after_challenge(label: bytes, seed: bytes) -> tuple[Point, object]:
    """An opening proof for a C chosen after e (as if C were not absorbed): R has no known
    dlog, so nobody can open C = e^-1 (s_v*G + s_r*H - R)."""
    rnd = Scalars(seed)
    R = unknown_point(seed)
    t = Transcript(label)
    t.append_message(b"dom-sep", sigma.OPENING_LABEL)
    t.append_point(b"R", R)
    e = t.challenge_scalar(b"e")
    s_v, s_r = rnd(), rnd()
    C = msm([s_v, s_r], [Point.generator(), pedersen_h()]) - R
    C = C * pow(e, -1, N)
    return C, sigma.OpeningProof(R, s_v, s_r)


def value_with_commitment_after_challenge(
    label: bytes, v: int, seed: bytes
) -> tuple[Point, object]:
    """A value proof "C opens to v" with C = v*G + e^-1 (s*H - R) chosen after e: C - v*G has
    no known dlog to the base H, so C does not open to v for anybody."""
    rnd = Scalars(seed)
    R = unknown_point(seed)
    t = Transcript(label)
    t.append_message(b"dom-sep", sigma.VALUE_LABEL)
    t.append_scalar(b"v", v)
    t.append_point(b"R", R)
    e = t.challenge_scalar(b"e")
    s = rnd()
    C = Point.generator() * v + (pedersen_h() * s - R) * pow(e, -1, N)
    return C, sigma.ValueProof(R, s)


def value_with_value_after_challenge(
    label: bytes, v0: int, r: int, seed: bytes
) -> tuple[Point, int, object]:
    """C = v0*G + r*H, and a value proof that C opens to v1 = v0 + e^-1 (v chosen after e):
    R = k*H + G carries the G term that e*(v0 - v1)*G cancels."""
    rnd = Scalars(seed)
    G, H = Point.generator(), pedersen_h()
    C = msm([v0, r], [G, H])
    k = rnd()
    R = H * k + G
    t = Transcript(label)
    t.append_message(b"dom-sep", sigma.VALUE_LABEL)
    t.append_point(b"C", C)
    t.append_point(b"R", R)
    e = t.challenge_scalar(b"e")
    v1 = (v0 + pow(e, -1, N)) % N
    return C, v1, sigma.ValueProof(R, (k + e * r) % N)
