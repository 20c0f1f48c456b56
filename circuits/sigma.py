"""Schnorr-style sigma protocols on Pedersen commitments, made non-interactive with the
transcript (docs/PROTOCOL.md, "Sigma protocols").

Opening:  PK{(v, r): C = v*G + r*H}
  prover   k_v, k_r random;  R = k_v*G + k_r*H
  absorb   dom-sep = OPENING_LABEL, point "C", point "R";  e = challenge "e"
  respond  s_v = k_v + e*v,  s_r = k_r + e*r
  check    s_v*G + s_r*H == R + e*C
  bytes    R (33) || s_v (32) || s_r (32)  = 97 bytes

Value:    PK{(r): C - v*G = r*H}   (C opens to the public value v)
  prover   k random;  R = k*H
  absorb   dom-sep = VALUE_LABEL, point "C", scalar "v", point "R";  e = challenge "e"
  respond  s = k + e*r
  check    s*H == R + e*(C - v*G)
  bytes    R (33) || s (32)  = 65 bytes

The statement (C, and v for the value proof) is absorbed before the challenge. Identity points
are refused as they are absorbed (VerificationError, check="identity"); a failed check raises
VerificationError with check="opening" or "value"; decoding errors are FormatError. Nonces come
from transcript.rng(witness, entropy) with the witness the 32-byte encodings of (v, r) or r.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.generators import pedersen_h
from circuits.group import (
    POINT_BYTES,
    SCALAR_BYTES,
    N,
    Point,
    msm,
    scalar_from_bytes,
    scalar_to_bytes,
)
from circuits.transcript import Entropy, Transcript

__all__ = [
    "OPENING_LABEL",
    "OPENING_PROOF_BYTES",
    "VALUE_LABEL",
    "VALUE_PROOF_BYTES",
    "OpeningProof",
    "ValueProof",
    "prove_opening",
    "prove_value",
    "verify_opening",
    "verify_value",
]

#: Domain separator (label b"dom-sep") of the opening proof.
OPENING_LABEL = b"sigma opening v1"
#: Domain separator (label b"dom-sep") of the value proof.
VALUE_LABEL = b"sigma value v1"
OPENING_PROOF_BYTES = POINT_BYTES + 2 * SCALAR_BYTES
VALUE_PROOF_BYTES = POINT_BYTES + SCALAR_BYTES


def _scalar_field(name: str, k: object) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < N:
        raise FormatError(f"{name} must be a scalar in [0, n)")


def _witness_scalar(name: str, k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < N:
        raise ParameterError(f"{name} must be an integer in [0, n)")
    return k


@dataclass(frozen=True)
class OpeningProof:
    """Proof of knowledge of an opening (v, r) of C. R may be the identity here (verify
    refuses it); s_v and s_r must be in [0, n), else FormatError."""

    R: Point
    s_v: int
    s_r: int

    def __post_init__(self) -> None:
        if not isinstance(self.R, Point):
            raise FormatError("R must be a Point")
        _scalar_field("s_v", self.s_v)
        _scalar_field("s_r", self.s_r)

    def to_bytes(self) -> bytes:
        """R || s_v || s_r (97 bytes)."""
        return self.R.to_bytes() + scalar_to_bytes(self.s_v) + scalar_to_bytes(self.s_r)

    @classmethod
    def from_bytes(cls, data: bytes) -> OpeningProof:
        """Strict: exactly 97 bytes, canonical point and scalars, else FormatError."""
        if not isinstance(data, bytes | bytearray) or len(data) != OPENING_PROOF_BYTES:
            raise FormatError(f"opening proof must be {OPENING_PROOF_BYTES} bytes")
        data = bytes(data)
        R = Point.from_bytes(data[:POINT_BYTES])
        s_v = scalar_from_bytes(data[POINT_BYTES : POINT_BYTES + SCALAR_BYTES])
        s_r = scalar_from_bytes(data[POINT_BYTES + SCALAR_BYTES :])
        return cls(R, s_v, s_r)


@dataclass(frozen=True)
class ValueProof:
    """Proof that C - v*G is a multiple of H known to the prover, i.e. C opens to v."""

    R: Point
    s: int

    def __post_init__(self) -> None:
        if not isinstance(self.R, Point):
            raise FormatError("R must be a Point")
        _scalar_field("s", self.s)

    def to_bytes(self) -> bytes:
        """R || s (65 bytes)."""
        return self.R.to_bytes() + scalar_to_bytes(self.s)

    @classmethod
    def from_bytes(cls, data: bytes) -> ValueProof:
        """Strict: exactly 65 bytes, canonical point and scalar, else FormatError."""
        if not isinstance(data, bytes | bytearray) or len(data) != VALUE_PROOF_BYTES:
            raise FormatError(f"value proof must be {VALUE_PROOF_BYTES} bytes")
        data = bytes(data)
        return cls(Point.from_bytes(data[:POINT_BYTES]), scalar_from_bytes(data[POINT_BYTES:]))


# ------------------------------------------------------------------------------------------
# opening


def _checked_opening(C: Point, v: int, r: int, reason: str) -> tuple[int, int, Point, Point]:
    """The prover's witness (v, r) checked to open C = v*G + r*H, with G and H on C's backend;
    ParameterError(reason) otherwise."""
    v = _witness_scalar("v", v)
    r = _witness_scalar("r", r)
    G = Point.generator(C.backend)
    H = pedersen_h(C.backend)
    if C.is_identity() or msm([v, r], [G, H]) != C:
        raise ParameterError(reason)
    return v, r, G, H


def _opening_statement(transcript: Transcript, C: Point) -> None:
    transcript.append_message(b"dom-sep", OPENING_LABEL)
    transcript.append_point(b"C", C)


def prove_opening(
    C: Point, v: int, r: int, transcript: Transcript, *, entropy: Entropy | None = None
) -> OpeningProof:
    """PK{(v, r): C = v*G + r*H}. ParameterError if (v, r) is not an opening of C."""
    v, r, G, H = _checked_opening(C, v, r, "(v, r) is not an opening of C")
    _opening_statement(transcript, C)
    rng = transcript.rng(scalar_to_bytes(v) + scalar_to_bytes(r), entropy)
    k_v, k_r = rng.scalar(), rng.scalar()
    R = msm([k_v, k_r], [G, H])
    transcript.append_point(b"R", R)
    e = transcript.challenge_scalar(b"e")
    return OpeningProof(R, (k_v + e * v) % N, (k_r + e * r) % N)


def verify_opening(proof: OpeningProof, C: Point, transcript: Transcript) -> None:
    """Check s_v*G + s_r*H == R + e*C; raises VerificationError (never returns False)."""
    if not isinstance(proof, OpeningProof) or not isinstance(C, Point):
        raise ParameterError("verify_opening takes an OpeningProof and a Point")
    _opening_statement(transcript, C)
    transcript.append_point(b"R", proof.R)
    e = transcript.challenge_scalar(b"e")
    lhs = msm([proof.s_v, proof.s_r, N - e], [Point.generator(C.backend), pedersen_h(C.backend), C])
    if lhs != proof.R:
        raise VerificationError("opening proof does not verify", check="opening")


# ------------------------------------------------------------------------------------------
# value


def _value_statement(transcript: Transcript, C: Point, v: int) -> None:
    transcript.append_message(b"dom-sep", VALUE_LABEL)
    transcript.append_point(b"C", C)
    transcript.append_scalar(b"v", v)


def prove_value(
    C: Point, v: int, r: int, transcript: Transcript, *, entropy: Entropy | None = None
) -> ValueProof:
    """PK{(r): C - v*G = r*H}. ParameterError if C != v*G + r*H or v, r outside [0, n)."""
    v, r, _G, H = _checked_opening(C, v, r, "C does not open to v with blinding r")
    _value_statement(transcript, C, v)
    rng = transcript.rng(scalar_to_bytes(r), entropy)
    k = rng.scalar()
    R = H * k
    transcript.append_point(b"R", R)
    e = transcript.challenge_scalar(b"e")
    return ValueProof(R, (k + e * r) % N)


def verify_value(proof: ValueProof, C: Point, v: int, transcript: Transcript) -> None:
    """Check s*H == R + e*(C - v*G); raises VerificationError (never returns False).
    ParameterError if v is not an integer in [0, n)."""
    if not isinstance(proof, ValueProof) or not isinstance(C, Point):
        raise ParameterError("verify_value takes a ValueProof and a Point")
    v = _witness_scalar("v", v)
    _value_statement(transcript, C, v)
    transcript.append_point(b"R", proof.R)
    e = transcript.challenge_scalar(b"e")
    # s*H - e*C + e*v*G == R
    lhs = msm(
        [proof.s, N - e, e * v % N],
        [pedersen_h(C.backend), C, Point.generator(C.backend)],
    )
    if lhs != proof.R:
        raise VerificationError("value proof does not verify", check="value")
