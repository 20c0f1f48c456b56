"""Sigma protocols: proof of an opening and proof of a public value, accept and reject tables."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits import sigma
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.generators import pedersen_h
from circuits.group import N, P, Point
from circuits.pedersen import commit
from circuits.transcript import Transcript

LABEL = b"zk-solvency/test/sigma"


def entropy(size: int) -> bytes:
    return hashlib.sha256(b"sigma-test").digest()[:size]


def T(label: bytes = LABEL) -> Transcript:
    return Transcript(label)


# -------------------------------------------------------------------------------------------
# accept


@given(v=st.integers(0, N - 1), r=st.integers(1, N - 1))
def test_opening_round_trip(backend: str, v: int, r: int) -> None:
    C = commit(v, r)
    data = sigma.prove_opening(C, v, r, T()).to_bytes()
    assert len(data) == sigma.OPENING_PROOF_BYTES == 97
    sigma.verify_opening(sigma.OpeningProof.from_bytes(data), Point.from_bytes(C.to_bytes()), T())


@given(v=st.integers(0, 2**64 - 1), r=st.integers(1, N - 1))
def test_value_round_trip(backend: str, v: int, r: int) -> None:
    C = commit(v, r)
    data = sigma.prove_value(C, v, r, T()).to_bytes()
    assert len(data) == sigma.VALUE_PROOF_BYTES == 65
    sigma.verify_value(sigma.ValueProof.from_bytes(data), Point.from_bytes(C.to_bytes()), v, T())


def test_seeded_proofs_are_deterministic_and_backend_independent() -> None:
    out = []
    for name in ("libsecp256k1", "python"):
        C = commit(5, 6, name)
        out.append(
            (
                sigma.prove_opening(C, 5, 6, T(), entropy=entropy).to_bytes(),
                sigma.prove_value(C, 5, 6, T(), entropy=entropy).to_bytes(),
            )
        )
    assert out[0] == out[1]


def test_transcripts_end_in_the_same_state() -> None:
    C = commit(5, 6)
    tp, tv = T(), T()
    sigma.verify_opening(sigma.prove_opening(C, 5, 6, tp), C, tv)
    assert tp.challenge_scalar(b"next") == tv.challenge_scalar(b"next")
    tp, tv = T(), T()
    sigma.verify_value(sigma.prove_value(C, 5, 6, tp), C, 5, tv)
    assert tp.challenge_scalar(b"next") == tv.challenge_scalar(b"next")


# -------------------------------------------------------------------------------------------
# reject: prover parameters


@pytest.mark.parametrize(
    ("v", "r", "C_args"),
    [
        (5, 7, (5, 6)),  # wrong blinding
        (4, 6, (5, 6)),  # wrong value
        (N, 6, (5, 6)),
        (-1, 6, (5, 6)),
        (5, N, (5, 6)),
        (True, 6, (1, 6)),
    ],
)
def test_prover_rejects_non_openings(v: int, r: int, C_args: tuple[int, int]) -> None:
    C = commit(*C_args)
    with pytest.raises(ParameterError):
        sigma.prove_opening(C, v, r, T())
    with pytest.raises(ParameterError):
        sigma.prove_value(C, v, r, T())


def test_prover_rejects_identity() -> None:
    with pytest.raises(ParameterError):
        sigma.prove_opening(Point.identity(), 0, 0, T())
    with pytest.raises(ParameterError):
        sigma.prove_value(Point.identity(), 0, 0, T())


# -------------------------------------------------------------------------------------------
# reject: verification


@pytest.fixture(scope="module")
def opening() -> tuple[sigma.OpeningProof, Point]:
    C = commit(1000, 77)
    return sigma.prove_opening(C, 1000, 77, T(), entropy=entropy), C


@pytest.fixture(scope="module")
def value() -> tuple[sigma.ValueProof, Point]:
    C = commit(1000, 77)
    return sigma.prove_value(C, 1000, 77, T(), entropy=entropy), C


def test_opening_rejects(opening: tuple[sigma.OpeningProof, Point]) -> None:
    proof, C = opening
    G, H = Point.generator(), pedersen_h()
    cases = [
        (proof, C + G, T()),
        (proof, C + H, T()),
        (proof, G, T()),
        (proof, C, T(LABEL + b"-other")),
        (dataclasses.replace(proof, s_v=(proof.s_v + 1) % N), C, T()),
        (dataclasses.replace(proof, s_r=(proof.s_r + 1) % N), C, T()),
        (dataclasses.replace(proof, R=proof.R + G), C, T()),
        (dataclasses.replace(proof, R=-proof.R), C, T()),
    ]
    for p, c, t in cases:
        with pytest.raises(VerificationError) as err:
            sigma.verify_opening(p, c, t)
        assert err.value.check == "opening"


def test_opening_rejects_identity(opening: tuple[sigma.OpeningProof, Point]) -> None:
    proof, C = opening
    for p, c in [(proof, Point.identity()), (dataclasses.replace(proof, R=Point.identity()), C)]:
        with pytest.raises(VerificationError) as err:
            sigma.verify_opening(p, c, T())
        assert err.value.check == "identity"


def test_value_rejects(value: tuple[sigma.ValueProof, Point]) -> None:
    proof, C = value
    G, H = Point.generator(), pedersen_h()
    cases = [
        (proof, C, 1001, T()),
        (proof, C, 999, T()),
        (proof, C, 0, T()),
        (proof, C + G, 1001, T()),  # the right opening of another commitment, old proof
        (proof, C + H, 1000, T()),
        (proof, C, 1000, T(LABEL + b"-other")),
        (dataclasses.replace(proof, s=(proof.s + 1) % N), C, 1000, T()),
        (dataclasses.replace(proof, R=-proof.R), C, 1000, T()),
    ]
    for p, c, v, t in cases:
        with pytest.raises(VerificationError) as err:
            sigma.verify_value(p, c, v, t)
        assert err.value.check == "value"
    with pytest.raises(ParameterError):
        sigma.verify_value(proof, C, N + 1000, T())
    with pytest.raises(ParameterError):
        sigma.verify_value(proof, C, -1, T())


def test_value_rejects_identity(value: tuple[sigma.ValueProof, Point]) -> None:
    proof, C = value
    for p, c in [(proof, Point.identity()), (dataclasses.replace(proof, R=Point.identity()), C)]:
        with pytest.raises(VerificationError) as err:
            sigma.verify_value(p, c, 1000, T())
        assert err.value.check == "identity"


def test_proofs_are_not_interchangeable(
    opening: tuple[sigma.OpeningProof, Point], value: tuple[sigma.ValueProof, Point]
) -> None:
    """A value proof's (R, s) reused as an opening proof's (R, s_v, s_r) fails (other label)."""
    vproof, C = value
    fake = sigma.OpeningProof(vproof.R, 0, vproof.s)
    with pytest.raises(VerificationError):
        sigma.verify_opening(fake, C, T())


# -------------------------------------------------------------------------------------------
# reject: bytes


@pytest.mark.parametrize("cls", [sigma.OpeningProof, sigma.ValueProof])
def test_every_byte_flipped(
    cls: type, opening: tuple[sigma.OpeningProof, Point], value: tuple[sigma.ValueProof, Point]
) -> None:
    proof, C = opening if cls is sigma.OpeningProof else value
    data = proof.to_bytes()
    for i in range(len(data)):
        mutated = bytearray(data)
        mutated[i] ^= 1 << (i % 8)
        try:
            decoded = cls.from_bytes(bytes(mutated))
        except FormatError:
            continue
        with pytest.raises(VerificationError):
            if cls is sigma.OpeningProof:
                sigma.verify_opening(decoded, C, T())
            else:
                sigma.verify_value(decoded, C, 1000, T())


@pytest.mark.parametrize("cls", [sigma.OpeningProof, sigma.ValueProof])
def test_wrong_length_and_non_canonical(
    cls: type, opening: tuple[sigma.OpeningProof, Point], value: tuple[sigma.ValueProof, Point]
) -> None:
    proof = (opening if cls is sigma.OpeningProof else value)[0]
    data = proof.to_bytes()
    bad = [
        data[:-1],
        data + b"\x00",
        b"",
        b"\x04" + data[1:],
        b"\x06" + data[1:],
        b"\x07" + data[1:],
        b"\x00" + data[1:],
        b"\x02" + P.to_bytes(32, "big") + data[33:],
        data[:33] + N.to_bytes(32, "big") + data[65:],
        data[:33] + (2**256 - 1).to_bytes(32, "big") + data[65:],
        data[:-32] + (N + 1).to_bytes(32, "big"),
    ]
    for b in bad:
        with pytest.raises(FormatError):
            cls.from_bytes(b)


def test_scalar_fields_checked_in_objects() -> None:
    R = Point.generator()
    for k in (N, -1, 2**256):
        with pytest.raises(FormatError):
            sigma.OpeningProof(R, k, 0)
        with pytest.raises(FormatError):
            sigma.OpeningProof(R, 0, k)
        with pytest.raises(FormatError):
            sigma.ValueProof(R, k)
