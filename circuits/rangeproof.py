"""Bulletproofs aggregated range proofs on secp256k1 (Bünz et al. 2018, in the notation of
dalek-cryptography/bulletproofs' notes; docs/PROTOCOL.md, "Range proofs").

Statement, for public n (bits) and m (values), commitments V_0..V_(m-1):

    PK{(v_j, gamma_j)_j : V_j = v_j*G + gamma_j*H  and  0 <= v_j < 2^n  for every j}

G is the standard base point, H = pedersen_h(), and the vectors G_vec = g_vec(n*m),
H_vec = h_vec(n*m) come from circuits.generators. Supported sizes: n in {8, 16, 32, 64, 128};
m a power of two in [1, 1024]; n*m <= MAX_GENERATORS = 65536 (so m <= 512 for n = 128).

Notation (dalek): <a, b> is the inner product, a∘b the entrywise product,
k^n = (1, k, ..., k^(n-1)), 2^n the powers of two, 1^n the all-ones vector,
y^-nm = (1, y^-1, ..., y^-(nm-1)), and H'_i = y^-i * H_vec_i.

Prover
  a_L = bits of v_0 || ... || v_(m-1)  (little-endian, n bits each),  a_R = a_L - 1^nm
  A  = <a_L, G_vec> + <a_R, H_vec> + alpha*H          S = <s_L, G_vec> + <s_R, H_vec> + rho*H
  y, z challenges
  l(x) = (a_L - z*1^nm) + s_L*x
  r(x) = y^nm ∘ (a_R + z*1^nm + s_R*x) + sum_j z^(2+j) * (0^(n*j) || 2^n || 0^(n*(m-j-1)))
  t(x) = <l(x), r(x)> = t_0 + t_1*x + t_2*x^2,  T_1 = t_1*G + tau_1*H,  T_2 = t_2*G + tau_2*H
  x challenge
  t_x = t(x),  t_x_blinding = tau_2*x^2 + tau_1*x + sum_j z^(2+j)*gamma_j,
  e_blinding = alpha + rho*x
  w challenge, Q = w*G;  inner-product argument for  P' = <l, G_vec> + <r, H'> + <l, r>*Q
  over log2(nm) rounds (challenges u_k): L_k, R_k, then the final scalars a, b.

Verifier (the single combined check; c is the verifier's own random scalar)
  delta(y, z) = (z - z^2) * <1, y^nm> - sum_j z^(j+3) * <1, 2^n>
  s_i = prod_k u_k^(+1 if bit (lg - 1 - k) of i is set else -1)   (u_k in creation order)
  0 =?  A + x*S + c*x*T_1 + c*x^2*T_2 + sum_k (u_k^2 L_k + u_k^-2 R_k)
        + sum_j c*z^(2+j) * V_j
        + (w*(t_x - a*b) + c*(delta(y, z) - t_x)) * G            [the G terms merged]
        + (-e_blinding - c*t_x_blinding) * H                        [the H terms merged]
        + sum_i (-z - a*s_i) * G_vec_i
        + sum_i (z + y^-i * (z^(2+j(i)) * 2^(i mod n) - b/s_i)) * H_vec_i
  which is  c * (range check) + (inner-product check)  in one multi-scalar multiplication, with
  range check:  t_x*G + t_x_blinding*H = sum_j z^(2+j)*V_j + delta(y, z)*G + x*T_1 + x^2*T_2.
  batch_verify multiplies each proof's check by a random weight and merges the scalars of G,
  H, G_vec_i and H_vec_i across proofs: still one msm.

Fiat-Shamir transcript (labels, in order; the application has absorbed its context first)
  message  b"dom-sep"       = RANGEPROOF_LABEL (b"rangeproof v1")
  u64      b"n", b"m"
  message  b"generators"    = bytes.fromhex(GENERATORS_DIGEST)
  point    b"V"             each V_j, j = 0..m-1      (all public inputs before any challenge)
  point    b"A", b"S";  challenge b"y", b"z"
  point    b"T_1", b"T_2";  challenge b"x"
  scalar   b"t_x", b"t_x_blinding", b"e_blinding";  challenge b"w"
  message  b"dom-sep"       = IPP_LABEL (b"ipp v1");  u64 b"n" = n*m
  per round:  point b"L", point b"R";  challenge b"u"
Identity points are refused as they are absorbed (VerificationError, check="identity").
The prover's blinding randomness comes from transcript.rng(witness, entropy), with the witness
the 32-byte encodings of v_0, gamma_0, v_1, gamma_1, ...; the verifier's random weights come
from transcript.rng(VERIFIER_RNG_WITNESS, entropy) after the replay (not absorbed).

Byte layout (RangeProof.to_bytes; sizes come from the caller's n and m, never from the data)
  A || S || T_1 || T_2                       4 points, 33 bytes each, SEC1 compressed
  t_x || t_x_blinding || e_blinding          3 scalars, 32 bytes each, big-endian, < n
  L_0 || R_0 || L_1 || R_1 || ... || L_(k-1) || R_(k-1)     k = log2(n*m), 2k points
  a || b                                     2 scalars
  total (2k + 4)*33 + 5*32 bytes: 688 for n = 64, m = 1; 754 for n = 128, m = 1.

Errors (chosen so that the class says who is at fault)
  ParameterError     the caller's public parameters: n not in {8,16,32,64,128}, m = len(commitments)
                     not a power of two in [1, 1024], n*m > 65536; prover inputs (value outside
                     [0, 2^n), length mismatch, blinding outside [0, q)). Raised before any
                     allocation or cryptography.
  FormatError        bytes that do not decode (length, non-canonical point or scalar).
  VerificationError  anything about the proof or the commitments: len(L) != len(R) or
                     != log2(n*m) (check="shape", before any allocation), an identity point or
                     commitment (check="identity"), the combined check (check="rangeproof").

Timing: the prover uses Python integers or gmpy2 (variable time) for scalar arithmetic; the
libsecp256k1 backend's scalar multiplications are constant time, except on the fixed-base tables
of G and H; the native fast path (circuits.ipp_native, circuits.group.native) is variable time
throughout (vector commitments, L and R, folds, the V_j, T_1 and T_2, the RNG's reduction mod
n, the scalar vectors l(x), r(x) and those of each inner-product round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits import ipp_native
from circuits.bigint import invert, mpz
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.generators import GENERATORS_DIGEST, MAX_GENERATORS, g_vec, h_vec, pedersen_h
from circuits.group import (
    POINT_BYTES,
    SCALAR_BYTES,
    N,
    Point,
    get_backend,
    msm,
    scalar_from_bytes,
    scalar_to_bytes,
)
from circuits.ipp_native import IppProver, RangeVectors
from circuits.pedersen import commit_many
from circuits.transcript import Entropy, Transcript, TranscriptRng

__all__ = [
    "ALLOWED_BITS",
    "IPP_LABEL",
    "MAX_AGGREGATION",
    "RANGEPROOF_LABEL",
    "VERIFIER_RNG_WITNESS",
    "RangeProof",
    "batch_verify",
    "check_parameters",
    "delta",
    "proof_size",
    "prove",
    "verify",
]

#: Domain separator absorbed (label b"dom-sep") before anything else of a range proof.
RANGEPROOF_LABEL = b"rangeproof v1"
#: Domain separator of the inner-product argument inside a range proof.
IPP_LABEL = b"ipp v1"
#: Witness label of the verifier's random weights (transcript.rng, never absorbed).
VERIFIER_RNG_WITNESS = b"rangeproof v1 verifier weights"
#: Supported bit sizes n.
ALLOWED_BITS = (8, 16, 32, 64, 128)
#: Largest number m of values in one aggregated proof.
MAX_AGGREGATION = 1024

_SCALARS_BEFORE_IPP = 3
_N = mpz(N)
_MPZ_ONE = mpz(1)
_MPZ_ZERO = mpz(0)
_SCALARS_AFTER_IPP = 2


# ------------------------------------------------------------------------------------------
# parameters and sizes


def _log2_exact(k: int) -> int:
    return k.bit_length() - 1


def check_parameters(n_bits: int, m: int) -> int:
    """Validate (n, m) and return lg = log2(n*m). ParameterError before any work."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, int) or n_bits not in ALLOWED_BITS:
        raise ParameterError(f"n_bits must be one of {ALLOWED_BITS}, got {n_bits!r}")
    if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= MAX_AGGREGATION:
        raise ParameterError(f"m must be a power of two in [1, {MAX_AGGREGATION}], got {m!r}")
    if m & (m - 1):
        raise ParameterError(f"m must be a power of two, got {m}")
    if n_bits * m > MAX_GENERATORS:
        raise ParameterError(f"n*m = {n_bits * m} exceeds the generator table ({MAX_GENERATORS})")
    return _log2_exact(n_bits * m)


def proof_size(n_bits: int, m: int) -> int:
    """Bytes of a proof: (2*log2(n*m) + 4)*33 + 5*32 (688 for n = 64, m = 1)."""
    lg = check_parameters(n_bits, m)
    return (2 * lg + 4) * POINT_BYTES + (_SCALARS_BEFORE_IPP + _SCALARS_AFTER_IPP) * SCALAR_BYTES


# ------------------------------------------------------------------------------------------
# the proof object


def _check_scalar(name: str, k: object) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < N:
        raise FormatError(f"{name} must be a scalar in [0, n)")


@dataclass(frozen=True)
class RangeProof:
    """An aggregated range proof (field names follow dalek). Points may be the identity here
    (verify refuses them); scalars must be canonical, i.e. in [0, n), else FormatError."""

    A: Point
    S: Point
    T1: Point
    T2: Point
    t_x: int
    t_x_blinding: int
    e_blinding: int
    L: tuple[Point, ...]
    R: tuple[Point, ...]
    a: int
    b: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "L", tuple(self.L))
        object.__setattr__(self, "R", tuple(self.R))
        for name in ("A", "S", "T1", "T2"):
            if not isinstance(getattr(self, name), Point):
                raise FormatError(f"{name} must be a Point")
        for vec in (self.L, self.R):
            for p in vec:
                if not isinstance(p, Point):
                    raise FormatError("L and R must hold Points")
        for name in ("t_x", "t_x_blinding", "e_blinding", "a", "b"):
            _check_scalar(name, getattr(self, name))

    def to_bytes(self) -> bytes:
        """The layout of the module docstring. FormatError if a point is the identity."""
        parts = [self.A.to_bytes(), self.S.to_bytes(), self.T1.to_bytes(), self.T2.to_bytes()]
        parts += [scalar_to_bytes(k) for k in (self.t_x, self.t_x_blinding, self.e_blinding)]
        for L_k, R_k in zip(self.L, self.R, strict=True):
            parts += [L_k.to_bytes(), R_k.to_bytes()]
        parts += [scalar_to_bytes(self.a), scalar_to_bytes(self.b)]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes, n_bits: int, m: int) -> RangeProof:
        """Strict decoding for the caller's (n, m): the exact length is checked before anything
        is decoded; non-canonical points (prefix other than 02/03, x >= p, x not on the curve)
        and scalars >= n raise FormatError. Points are made on the default backend."""
        lg = check_parameters(n_bits, m)
        expected = proof_size(n_bits, m)
        if not isinstance(data, bytes | bytearray):
            raise FormatError("range proof must be bytes")
        if len(data) != expected:
            raise FormatError(
                f"range proof for n={n_bits}, m={m} must be {expected} bytes, got {len(data)}"
            )
        data = bytes(data)
        pos = 0

        def point() -> Point:
            nonlocal pos
            p = Point.from_bytes(data[pos : pos + POINT_BYTES])
            pos += POINT_BYTES
            return p

        def scalar() -> int:
            nonlocal pos
            k = scalar_from_bytes(data[pos : pos + SCALAR_BYTES])
            pos += SCALAR_BYTES
            return k

        A, S, T1, T2 = point(), point(), point(), point()
        t_x, t_x_blinding, e_blinding = scalar(), scalar(), scalar()
        L: list[Point] = []
        R: list[Point] = []
        for _ in range(lg):
            L.append(point())
            R.append(point())
        a, b = scalar(), scalar()
        if pos != expected:  # pragma: no cover - guarded by the length check above
            raise FormatError("range proof layout mismatch")
        return cls(A, S, T1, T2, t_x, t_x_blinding, e_blinding, tuple(L), tuple(R), a, b)


# ------------------------------------------------------------------------------------------
# scalar helpers


def _powers(base: int, count: int) -> list[int]:
    """(1, base, base^2, ..., base^(count-1)) mod n."""
    out = [1] * count
    acc = 1
    for i in range(1, count):
        acc = acc * base % N
        out[i] = acc
    return out


def _inv(k: int) -> int:
    """k^-1 mod q for k != 0 mod q (gmpy2's invert when installed: ~15x faster than pow)."""
    return int(invert(k, N))


def _inner_mpz(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(a, b, strict=True)) % _N


def _geometric_sum(k: int, count: int) -> int:
    """1 + k + ... + k^(count-1) mod q, as (k^count - 1)/(k - 1) when k != 1."""
    if k % N == 1:
        return count % N
    return (pow(k, count, N) - 1) * _inv(k - 1) % N


def delta(y: int, z: int, n_bits: int, m: int) -> int:
    """delta(y, z) = (z - z^2) * <1, y^(n*m)> - sum_{j=0}^{m-1} z^(j+3) * <1, 2^n>  (mod q)."""
    sum_y = _geometric_sum(y, n_bits * m)
    sum_2 = (1 << n_bits) - 1
    zz = z * z % N
    sum_z = _geometric_sum(z, m) * zz % N * z % N  # sum_j z^(j+3)
    return ((z - zz) * sum_y - sum_z * sum_2) % N


def _append_statement(
    transcript: Transcript, n_bits: int, m: int, commitments: Sequence[Point]
) -> None:
    """Every public input before the first challenge (Frozen Heart)."""
    transcript.append_message(b"dom-sep", RANGEPROOF_LABEL)
    transcript.append_u64(b"n", n_bits)
    transcript.append_u64(b"m", m)
    transcript.append_message(b"generators", bytes.fromhex(GENERATORS_DIGEST))
    for V in commitments:
        transcript.append_point(b"V", V)


def _witness_bytes(values: Sequence[int], blindings: Sequence[int]) -> bytes:
    return b"".join(
        scalar_to_bytes(v) + scalar_to_bytes(g) for v, g in zip(values, blindings, strict=True)
    )


# ------------------------------------------------------------------------------------------
# prover


def _check_inputs(values: Sequence[int], blindings: Sequence[int], n_bits: int) -> int:
    m = len(values)
    if len(blindings) != m:
        raise ParameterError(f"{m} values but {len(blindings)} blindings")
    check_parameters(n_bits, m)
    bound = 1 << n_bits
    for j, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < bound:
            raise ParameterError(f"value {j} is outside [0, 2^{n_bits})")
    for j, g in enumerate(blindings):
        if isinstance(g, bool) or not isinstance(g, int) or not 0 <= g < N:
            raise ParameterError(f"blinding {j} is outside [0, q)")
    return m


def prove(
    values: Sequence[int],
    blindings: Sequence[int],
    n_bits: int,
    transcript: Transcript,
    *,
    entropy: Entropy | None = None,
) -> tuple[RangeProof, list[Point]]:
    """Prove 0 <= v_j < 2^n for V_j = v_j*G + gamma_j*H; return the proof and the V_j.

    The transcript is advanced exactly as `verify` will replay it. ParameterError for bad
    (n, m), a value outside [0, 2^n), a blinding outside [0, q), or len(values) !=
    len(blindings); also for a commitment that is the identity (v_j = gamma_j = 0).
    """
    m = _check_inputs(values, blindings, n_bits)
    nm = n_bits * m
    G = Point.generator()
    H = pedersen_h()
    fast = ipp_native.available()
    G_vec = [] if fast else g_vec(nm)  # the fast path reads them as packed buffers
    H_vec = [] if fast else h_vec(nm)

    if fast:
        commitments = commit_many(values, blindings)  # one native batch
    else:
        commitments = [msm([v, g], [G, H]) for v, g in zip(values, blindings, strict=True)]
    for j, V in enumerate(commitments):
        if V.is_identity():
            raise ParameterError(f"commitment {j} is the identity (value and blinding zero)")
    _append_statement(transcript, n_bits, m, commitments)
    rng: TranscriptRng = transcript.rng(_witness_bytes(values, blindings), entropy)

    # a_L: the bits; a_R = a_L - 1.
    a_L = [(v >> i) & 1 for v in values for i in range(n_bits)]
    alpha = rng.scalar()
    # A = <a_L, G_vec> + <a_R, H_vec> + alpha*H. a_L is 0/1 and a_R = a_L - 1 is -1/0, so
    # <a_L, G_vec> + <a_R, H_vec> = sum_{bit 1} G_i - sum_{bit 0} H_i: a signed sum of points
    # (additions only; an msm would spend one multiplication on each +-1).
    if fast:
        A = ipp_native.signed_sum(a_L) + msm([alpha], [H])
    else:
        A = msm([alpha], [H])
        for bit, G_i, H_i in zip(a_L, G_vec, H_vec, strict=True):
            A = A + G_i if bit else A - H_i

    s_L = rng.scalars(nm)
    s_R = rng.scalars(nm)
    rho = rng.scalar()
    s_raw = b""
    if fast:
        s_raw = ipp_native.scalar_bytes([*s_L, *s_R])
        S = ipp_native.blinded_commit_raw(s_raw, rho, nm)
    else:
        S = msm([rho, *s_L, *s_R], [H, *G_vec, *H_vec])

    transcript.append_point(b"A", A)
    transcript.append_point(b"S", S)
    # Scalar vectors on circuits.bigint.mpz from here on (gmpy2's: ~2.5x faster than int at
    # 256 bits; int itself without gmpy2), or in C on the fast path: the same values, so the
    # same bytes.
    y = mpz(transcript.challenge_scalar(b"y"))
    z = mpz(transcript.challenge_scalar(b"z"))
    vectors: RangeVectors
    if fast:
        vectors = ipp_native.NativeVectors(values, n_bits, s_raw, y, z)
    else:
        vectors = _Vectors(a_L, n_bits, s_L, s_R, y, z, G_vec, H_vec)
    t1, t2 = vectors.t_coefficients()
    tau1 = rng.scalar()
    tau2 = rng.scalar()
    if fast:
        T1, T2 = commit_many([int(t1), int(t2)], [tau1, tau2])  # one native batch
    else:
        T1 = msm([int(t1), tau1], [G, H])
        T2 = msm([int(t2), tau2], [G, H])
    transcript.append_point(b"T_1", T1)
    transcript.append_point(b"T_2", T2)
    x = mpz(transcript.challenge_scalar(b"x"))

    t_x = vectors.evaluate(x)
    z_pows = _powers(z, m + 2)  # z^0 .. z^(m+1)
    t_x_blinding = (tau2 * x % _N * x + tau1 * x) % _N
    for j in range(m):
        t_x_blinding = (t_x_blinding + z_pows[j + 2] * blindings[j]) % _N
    t_x_blinding = int(t_x_blinding)
    e_blinding = int((alpha + rho * x) % _N)
    transcript.append_scalar(b"t_x", t_x)
    transcript.append_scalar(b"t_x_blinding", t_x_blinding)
    transcript.append_scalar(b"e_blinding", e_blinding)
    w = mpz(transcript.challenge_scalar(b"w"))

    y_inv = mpz(_inv(int(y)))
    L, R, a, b = _ipp_prove(transcript, w, G, vectors.prover(y_inv), nm)
    proof = RangeProof(A, S, T1, T2, t_x, t_x_blinding, e_blinding, tuple(L), tuple(R), a, b)
    return proof, commitments


class _Vectors:
    """The reference RangeVectors on integers:  l(x) = l0 + l1 x,  r(x) = r0 + r1 x  with
    l0 = a_L - z, l1 = s_L, r0 = y^nm o (a_R + z) + (z^(2+j) 2^k)_i, r1 = y^nm o s_R."""

    def __init__(
        self,
        a_L: list[int],
        n_bits: int,
        s_L: list[int],
        s_R: list[int],
        y: int,
        z: int,
        G_vec: Sequence[Point],
        H_vec: Sequence[Point],
    ) -> None:
        nm = len(a_L)
        self.y_pows = y_pows = _powers(y, nm)
        z_pows = _powers(z, nm // n_bits + 2)  # z^0 .. z^(m+1)
        two_pows = _powers(2, n_bits)
        self.l0 = [(bit - z) % _N for bit in a_L]
        self.l1 = [mpz(k) for k in s_L]
        self.r0 = [_MPZ_ZERO] * nm
        self.r1 = [_MPZ_ZERO] * nm
        for i, s_R_i in enumerate(s_R):
            j, k = divmod(i, n_bits)
            self.r0[i] = (y_pows[i] * (a_L[i] - 1 + z) + z_pows[j + 2] * two_pows[k]) % _N
            self.r1[i] = y_pows[i] * s_R_i % _N
        self.G_vec, self.H_vec = G_vec, H_vec
        self.l: list[int] = []
        self.r: list[int] = []

    def t_coefficients(self) -> tuple[int, int]:
        t1 = (_inner_mpz(self.l0, self.r1) + _inner_mpz(self.l1, self.r0)) % _N
        return t1, _inner_mpz(self.l1, self.r1)

    def evaluate(self, x: int) -> int:
        self.l = [(a + b * x) % _N for a, b in zip(self.l0, self.l1, strict=True)]
        self.r = [(a + b * x) % _N for a, b in zip(self.r0, self.r1, strict=True)]
        return int(_inner_mpz(self.l, self.r))

    def prover(self, y_inv: int) -> IppProver:
        h_factors = _powers(y_inv, len(self.l))
        return _PointIpp(self.l, self.r, self.G_vec, self.H_vec, h_factors, self.y_pows)


class _PointIpp:
    """The reference IppProver: a, b as integers, the generators as Point objects (any
    backend)."""

    def __init__(
        self,
        a: list[int],
        b: list[int],
        G_vec: Sequence[Point],
        H_vec: Sequence[Point],
        h_factors: list[int],
        h_factors_inv: list[int],
    ) -> None:
        n = len(G_vec)
        self.a = list(a)
        self.b = list(b)
        self.gP = list(G_vec)
        self.hP = list(H_vec)
        self.gf = [1] * n
        self.gf_inv = [1] * n
        self.hf = list(h_factors)
        self.hf_inv = list(h_factors_inv)

    def cross(self, w: int, G: Point) -> tuple[Point, Point]:
        a, b = self.a, self.b
        h = len(a) // 2
        a_lo, a_hi, b_lo, b_hi = a[:h], a[h:], b[:h], b[h:]
        k_L = _inner_mpz(a_lo, b_hi) * w % _N
        k_R = _inner_mpz(a_hi, b_lo) * w % _N
        gP, hP, gf, hf = self.gP, self.hP, self.gf, self.hf
        L = msm(
            [
                *(int(x * f % N) for x, f in zip(a_lo, gf[h:], strict=True)),
                *(int(x * f % N) for x, f in zip(b_hi, hf[:h], strict=True)),
                int(k_L),
            ],
            [*gP[h:], *hP[:h], G],
        )
        R = msm(
            [
                *(int(x * f % N) for x, f in zip(a_hi, gf[:h], strict=True)),
                *(int(x * f % N) for x, f in zip(b_lo, hf[h:], strict=True)),
                int(k_R),
            ],
            [*gP[:h], *hP[h:], G],
        )
        return L, R

    def fold(self, u: int, u_inv: int) -> None:
        h = len(self.a) // 2
        a_lo, a_hi, b_lo, b_hi = self.a[:h], self.a[h:], self.b[:h], self.b[h:]
        self.a = [(u * lo + u_inv * hi) % _N for lo, hi in zip(a_lo, a_hi, strict=True)]
        self.b = [(u_inv * lo + u * hi) % _N for lo, hi in zip(b_lo, b_hi, strict=True)]
        if h == 1:
            return  # the last round: no generators needed after it
        u2 = u * u % N
        u2_inv = u_inv * u_inv % N
        gf, gf_inv, hf, hf_inv = self.gf, self.gf_inv, self.hf, self.hf_inv
        self.gP = [
            lo + hi * int(u2 * fh % N * fli % N)
            for lo, hi, fh, fli in zip(self.gP[:h], self.gP[h:], gf[h:], gf_inv[:h], strict=True)
        ]
        self.hP = [
            lo + hi * int(u2_inv * fh % N * fli % N)
            for lo, hi, fh, fli in zip(self.hP[:h], self.hP[h:], hf[h:], hf_inv[:h], strict=True)
        ]
        self.gf = [u_inv * f % N for f in gf[:h]]
        self.gf_inv = [u * f % N for f in gf_inv[:h]]
        self.hf = [u * f % N for f in hf[:h]]
        self.hf_inv = [u_inv * f % N for f in hf_inv[:h]]

    def final(self) -> tuple[int, int]:
        return int(self.a[0]), int(self.b[0])


def _ipp_prove(
    transcript: Transcript, w: int, G: Point, ipp: IppProver, n: int
) -> tuple[list[Point], list[Point], int, int]:
    """Inner-product argument for P = <a, G_vec> + <b, H'> + <a, b>*Q, Q = w*G, H'_i = f_i*H_i,
    with a, b of length n held by `ipp`.

    Each round (n' = half the length, lo/hi the halves, u the round challenge):
      c_L = <a_lo, b_hi>,  c_R = <a_hi, b_lo>
      L = <a_lo, G_hi> + <b_hi, H_lo> + c_L*Q,   R = <a_hi, G_lo> + <b_lo, H_hi> + c_R*Q
      a' = u*a_lo + u^-1*a_hi,  b' = u^-1*b_lo + u*b_hi
      G' = u^-1*G_lo + u*G_hi,  H' = u*H_lo + u^-1*H_hi
    `ipp` holds the generators as (factor f_i, base P_i) with G_i = f_i*P_i, so one fold costs
    one scalar multiplication per point:  G'_i = (u^-1 f_lo) * (P_lo + (u^2 f_hi / f_lo) * P_hi)
    (IppProver). The last round needs no fold of the generators.
    """
    transcript.append_message(b"dom-sep", IPP_LABEL)
    transcript.append_u64(b"n", n)
    L_out: list[Point] = []
    R_out: list[Point] = []
    while n > 1:
        L, R = ipp.cross(w, G)
        transcript.append_point(b"L", L)
        transcript.append_point(b"R", R)
        L_out.append(L)
        R_out.append(R)
        u = mpz(transcript.challenge_scalar(b"u"))
        ipp.fold(u, mpz(_inv(int(u))))
        n //= 2
    a, b = ipp.final()
    return L_out, R_out, a, b


# ------------------------------------------------------------------------------------------
# verifier


def _batch_invert(values: list[int]) -> list[int]:
    """Inverses mod q of nonzero values with one modular inversion (Montgomery's trick)."""
    prefix = [1] * len(values)
    acc = 1
    for i, v in enumerate(values):
        prefix[i] = acc
        acc = acc * v % N
    inv = _inv(acc)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = inv * prefix[i] % N
        inv = inv * values[i] % N
    return out


@dataclass
class _Terms:
    """One proof's check: scalars of G, H, G_vec, H_vec (by index) and of its own points. With
    the native module, G_vec's and H_vec's scalars are left to it: `vec_args` holds its inputs
    (circuits.group.native.ipp_scalars) and g_vec, h_vec are empty."""

    g: int
    h: int
    g_vec: list[int]
    h_vec: list[int]
    scalars: list[int]
    points: list[Point]
    nm: int
    vec_args: tuple[bytes, bytes, bytes, int, int] | None = None


def _check_shape(proof: RangeProof, commitments: Sequence[Point], n_bits: int) -> int:
    """Parameters (ParameterError) then the proof's shape (VerificationError), before any
    allocation; returns lg = log2(n*m)."""
    if not isinstance(proof, RangeProof):
        raise ParameterError("proof must be a RangeProof")
    m = len(commitments)
    lg = check_parameters(n_bits, m)
    if len(proof.L) != lg or len(proof.R) != lg:
        raise VerificationError(
            f"inner-product argument has {len(proof.L)} L and {len(proof.R)} R points, "
            f"expected log2(n*m) = {lg}",
            check="shape",
        )
    for V in commitments:
        if not isinstance(V, Point):
            raise ParameterError("commitments must be Points")
    return lg


def _replay(
    proof: RangeProof,
    commitments: Sequence[Point],
    n_bits: int,
    transcript: Transcript,
    batched: bool,
    entropy: Entropy | None,
) -> _Terms:
    """Replay the transcript, recompute every challenge and return the scalars of the combined
    check (see the module docstring), times a random weight when `batched` (else times 1)."""
    m = len(commitments)
    nm = n_bits * m
    lg = _log2_exact(nm)
    _append_statement(transcript, n_bits, m, commitments)
    transcript.append_point(b"A", proof.A)
    transcript.append_point(b"S", proof.S)
    y = transcript.challenge_scalar(b"y")
    z = transcript.challenge_scalar(b"z")
    transcript.append_point(b"T_1", proof.T1)
    transcript.append_point(b"T_2", proof.T2)
    x = transcript.challenge_scalar(b"x")
    transcript.append_scalar(b"t_x", proof.t_x)
    transcript.append_scalar(b"t_x_blinding", proof.t_x_blinding)
    transcript.append_scalar(b"e_blinding", proof.e_blinding)
    w = transcript.challenge_scalar(b"w")
    transcript.append_message(b"dom-sep", IPP_LABEL)
    transcript.append_u64(b"n", nm)
    us: list[int] = []
    for L_k, R_k in zip(proof.L, proof.R, strict=True):
        transcript.append_point(b"L", L_k)
        transcript.append_point(b"R", R_k)
        us.append(transcript.challenge_scalar(b"u"))
    vrng = transcript.rng(VERIFIER_RNG_WITNESS, entropy)
    c = vrng.scalar()
    weight = vrng.scalar() if batched else 1  # bound to this proof's transcript and entropy

    # s_i = prod_k u_k^(+-1): s_0 = prod u_k^-1, then s_i = s_(i - 2^j) * u_(lg-1-j)^2 where
    # 2^j is the highest power of two <= i.
    # Scalar arithmetic on gmpy2.mpz (about 2.5x faster than int at 256 bits); the scalars
    # are turned back into int before the msm.
    u_invs_int = _batch_invert([*us, y])
    y_inv = mpz(u_invs_int.pop())
    u_invs = [mpz(ui) for ui in u_invs_int]
    all_inv = _MPZ_ONE
    for ui in u_invs:
        all_inv = all_inv * ui % _N
    u_sq = [mpz(u) * u % _N for u in us]
    u_inv_sq = [ui * ui % _N for ui in u_invs]
    z = mpz(z)
    weight = mpz(weight)
    a, b = proof.a, proof.b
    zz = z * z % _N
    z_pows = _powers(z, m)
    wz = weight * z % _N
    wa = weight * a % _N
    wb = weight * b % _N
    g_sc: list[int] = []
    h_sc: list[int] = []
    vec_args = None
    if ipp_native.native_scalars():
        # the same scalars of G_vec_i, H_vec_i as below, in C (circuits.group.native)
        vec_args = (
            _scalar_bytes(u_sq),
            _scalar_bytes([all_inv, y_inv, wz, wa, wb]),
            _scalar_bytes([weight * zz % _N * zp % _N for zp in z_pows]),
            n_bits,
            m,
        )
    else:
        s = [_MPZ_ZERO] * nm
        s[0] = all_inv
        for i in range(1, nm):
            j = i.bit_length() - 1
            s[i] = s[i - (1 << j)] * u_sq[lg - 1 - j] % _N
        # 1/s_i = s_(nm-1-i) (the exponent signs are complemented)
        g_sc = [(-wz - wa * s_i) % _N for s_i in s]
        # H_vec_i: z + y^-i * (z^(2+j) * 2^k - b * s_(nm-1-i)),  i = j*n + k
        s_rev = s[::-1]
        y_inv_i = _MPZ_ONE
        i = 0
        for j in range(m):
            wzzj = weight * zz % _N * z_pows[j] % _N
            for k in range(n_bits):
                h_sc.append((wz + y_inv_i * ((wzzj << k) - wb * s_rev[i])) % _N)
                y_inv_i = y_inv_i * y_inv % _N
                i += 1
    wc = weight * c % _N
    g_scalar = (
        weight * w % _N * (proof.t_x - a * b) + wc * (delta(y, int(z), n_bits, m) - proof.t_x)
    ) % _N
    h_scalar = (-weight * proof.e_blinding - wc * proof.t_x_blinding) % _N
    scalars = [weight, weight * x % _N, wc * x % _N, wc * x % _N * x % _N]
    points = [proof.A, proof.S, proof.T1, proof.T2]
    scalars += [weight * q % _N for q in u_sq]
    points += list(proof.L)
    scalars += [weight * q % _N for q in u_inv_sq]
    points += list(proof.R)
    wczz = wc * zz % _N
    scalars += [wczz * zp % _N for zp in z_pows]
    points += list(commitments)
    return _Terms(g_scalar, h_scalar, g_sc, h_sc, scalars, points, nm, vec_args)


def _scalar_bytes(ks: Sequence[int]) -> bytes:
    return b"".join(int(k).to_bytes(32, "big") for k in ks)


def _final_msm(terms: Sequence[_Terms], backend: str) -> Point:
    width = max(t.nm for t in terms)
    g_tot = [0] * width
    h_tot = [0] * width
    g_sum = 0
    h_sum = 0
    scalars: list[int] = []
    points: list[Point] = []
    g_acc: bytearray | None = None
    h_acc = bytearray(32 * width)
    for t in terms:
        g_sum += t.g
        h_sum += t.h
        if t.vec_args is not None:
            if g_acc is None:
                g_acc = bytearray(32 * width)
            ipp_native.native.ipp_scalars(g_acc, h_acc, *t.vec_args)
        for i, (gs, hs) in enumerate(zip(t.g_vec, t.h_vec, strict=True)):
            g_tot[i] += gs
            h_tot[i] += hs
        scalars += [int(k) for k in t.scalars]
        points += t.points
    if g_acc is not None:
        for i in range(width):
            g_tot[i] += int.from_bytes(g_acc[32 * i : 32 * i + 32], "big")
            h_tot[i] += int.from_bytes(h_acc[32 * i : 32 * i + 32], "big")
    scalars += [int(g_sum % N), int(h_sum % N)]
    points += [Point.generator(backend), pedersen_h(backend)]
    scalars += [int(k % N) for k in g_tot]
    points += g_vec(width, backend)
    scalars += [int(k % N) for k in h_tot]
    points += h_vec(width, backend)
    return msm(scalars, points, backend)


def verify(
    proof: RangeProof, commitments: Sequence[Point], n_bits: int, transcript: Transcript
) -> None:
    """Check `proof` for V_j = commitments[j] with n = n_bits, m = len(commitments).

    Raises (never returns False): ParameterError for bad (n, m); VerificationError with
    check "shape" (len(L), len(R) != log2(n*m)), "identity" (an identity point or
    commitment) or "rangeproof" (the combined check). The transcript is advanced as the
    prover advanced it. Runs on the default backend.
    """
    _check_shape(proof, commitments, n_bits)
    backend = get_backend().name
    terms = _replay(proof, commitments, n_bits, transcript, False, None)
    if not _final_msm([terms], backend).is_identity():
        raise VerificationError("range proof does not verify", check="rangeproof")


def batch_verify(
    items: Sequence[tuple[RangeProof, Sequence[Point], int, Transcript]],
    *,
    entropy: Entropy | None = None,
) -> None:
    """Verify many proofs (any mix of n and m) with one msm: each proof's combined check is
    multiplied by its own random weight and the scalars of G, H, G_vec_i, H_vec_i are merged.

    On failure, the proofs are re-checked one by one (on copies of the transcripts as they
    were) and the VerificationError names the index of the first bad one. Shape, parameter
    and identity errors are raised at once, prefixed with the index.
    """
    if not items:
        return
    backend = get_backend().name
    for idx, (proof, commitments, n_bits, _t) in enumerate(items):
        try:
            _check_shape(proof, commitments, n_bits)
        except VerificationError as e:
            raise VerificationError(f"proof {idx}: {e}", check=e.check) from e
        except ParameterError as e:
            raise ParameterError(f"proof {idx}: {e}") from e
    saved = [t.clone() for _p, _c, _n, t in items]
    terms: list[_Terms] = []
    for idx, (proof, commitments, n_bits, transcript) in enumerate(items):
        try:
            terms.append(_replay(proof, commitments, n_bits, transcript, True, entropy))
        except VerificationError as e:
            raise VerificationError(f"proof {idx}: {e}", check=e.check) from e
    if _final_msm(terms, backend).is_identity():
        return
    for idx, ((proof, commitments, n_bits, _t), t0) in enumerate(zip(items, saved, strict=True)):
        try:
            verify(proof, commitments, n_bits, t0)
        except VerificationError as e:
            raise VerificationError(f"proof {idx}: {e}", check=e.check) from e
    raise VerificationError("batch of range proofs does not verify", check="rangeproof")
