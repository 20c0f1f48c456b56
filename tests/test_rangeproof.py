"""Bulletproofs aggregated range proofs: round trips through bytes over the (n, m) grid, with the
prover's and the verifier's scopes kept apart; both backends; batch verification."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from circuits import rangeproof as rp
from circuits.errors import ParameterError
from circuits.group import N, Point, set_default_backend
from circuits.pedersen import commit
from circuits.transcript import Transcript

LABEL = b"zk-solvency/test/rangeproof"


def seeded(seed: bytes):  # type: ignore[no-untyped-def]
    """A deterministic `entropy` callable (tests only)."""

    def entropy(size: int) -> bytes:
        return hashlib.sha256(b"test-entropy" + seed).digest()[:size]

    return entropy


def values_for(n: int, m: int) -> list[int]:
    """Edge and middle values: 0, 2^n - 1, then a spread."""
    base = [0, (1 << n) - 1, 1, (1 << n) - 2, (1 << (n - 1)), 0x5A5A5A5A5A5A5A5A % (1 << n)]
    return [base[j % len(base)] for j in range(m)]


# -------------------------------------------------------------------------------------------
# the two scopes: only bytes and public inputs cross between them


def prover_scope(
    values: list[int], blindings: list[int], n: int, label: bytes = LABEL
) -> tuple[bytes, list[bytes]]:
    t = Transcript(label)
    t.append_message(b"context", b"round 1")
    proof, commitments = rp.prove(values, blindings, n, t, entropy=seeded(bytes([n, len(values)])))
    return proof.to_bytes(), [V.to_bytes() for V in commitments]


def verifier_scope(
    proof_bytes: bytes, commitment_bytes: list[bytes], n: int, m: int, label: bytes = LABEL
) -> None:
    commitments = [Point.from_bytes(c) for c in commitment_bytes]
    proof = rp.RangeProof.from_bytes(proof_bytes, n, m)
    t = Transcript(label)
    t.append_message(b"context", b"round 1")
    rp.verify(proof, commitments, n, t)


GRID = [(n, m) for n in rp.ALLOWED_BITS for m in (1, 2, 4, 8)]


@pytest.mark.parametrize(("n", "m"), GRID)
def test_round_trip_grid_libsecp(n: int, m: int) -> None:
    set_default_backend("libsecp256k1")
    try:
        values = values_for(n, m)
        blindings = [(0xB11D * (j + 1)) % N for j in range(m)]
        proof_bytes, commitment_bytes = prover_scope(values, blindings, n)
        assert len(proof_bytes) == rp.proof_size(n, m)
        verifier_scope(proof_bytes, commitment_bytes, n, m)
    finally:
        set_default_backend(None)


@pytest.mark.parametrize(("n", "m"), [(8, 1), (64, 1), (16, 4)])
def test_round_trip_python_backend(n: int, m: int) -> None:
    set_default_backend("python")
    try:
        values = values_for(n, m)
        blindings = [7 + j for j in range(m)]
        proof_bytes, commitment_bytes = prover_scope(values, blindings, n)
        verifier_scope(proof_bytes, commitment_bytes, n, m)
    finally:
        set_default_backend(None)


@pytest.mark.parametrize(
    ("prover", "verifier"), [("python", "libsecp256k1"), ("libsecp256k1", "python")]
)
def test_cross_backend(prover: str, verifier: str) -> None:
    n, m = 32, 2
    values, blindings = [3, (1 << 32) - 1], [11, 12]
    set_default_backend(prover)
    try:
        proof_bytes, commitment_bytes = prover_scope(values, blindings, n)
    finally:
        set_default_backend(None)
    set_default_backend(verifier)
    try:
        verifier_scope(proof_bytes, commitment_bytes, n, m)
    finally:
        set_default_backend(None)


def test_both_backends_give_identical_bytes() -> None:
    out = {}
    for name in ("libsecp256k1", "python"):
        set_default_backend(name)
        try:
            out[name] = prover_scope([5, 6], [7, 8], 16)
        finally:
            set_default_backend(None)
    assert out["libsecp256k1"] == out["python"]


def test_commitments_are_pedersen(backend: str) -> None:
    t = Transcript(LABEL)
    _proof, commitments = rp.prove([42, 0], [5, 9], 8, t)
    assert commitments == [commit(42, 5), commit(0, 9)]


def test_prover_and_verifier_transcripts_end_in_the_same_state(backend: str) -> None:
    tp, tv = Transcript(LABEL), Transcript(LABEL)
    proof, commitments = rp.prove([1], [2], 8, tp)
    rp.verify(proof, commitments, 8, tv)
    assert tp.challenge_scalar(b"next") == tv.challenge_scalar(b"next")


@pytest.mark.parametrize("n", rp.ALLOWED_BITS)
def test_extreme_values_accepted(backend: str, n: int) -> None:
    t = Transcript(LABEL)
    proof, commitments = rp.prove([0, (1 << n) - 1], [1, N - 1], n, t)
    rp.verify(proof, commitments, n, Transcript(LABEL))


@settings(max_examples=25)
@given(
    values=st.lists(st.integers(0, 2**16 - 1), min_size=2, max_size=2),
    blindings=st.lists(st.integers(1, N - 1), min_size=2, max_size=2),
)
@example(values=[0, 0], blindings=[1, 1])
@example(values=[2**16 - 1, 2**16 - 1], blindings=[N - 1, N - 1])
def test_random_values_round_trip(values: list[int], blindings: list[int]) -> None:
    proof_bytes, commitment_bytes = prover_scope(values, blindings, 16)
    verifier_scope(proof_bytes, commitment_bytes, 16, 2)


def test_batch_verify_mixed_sizes(backend: str) -> None:
    items = []
    for n, m in [(64, 1), (8, 4), (32, 2), (16, 1), (64, 1)]:
        t = Transcript(LABEL)
        proof, commitments = rp.prove(values_for(n, m), list(range(1, m + 1)), n, t)
        items.append((rp.RangeProof.from_bytes(proof.to_bytes(), n, m), commitments, n))
    rp.batch_verify([(p, c, n, Transcript(LABEL)) for p, c, n in items], entropy=seeded(b"b"))
    rp.batch_verify([(p, c, n, Transcript(LABEL)) for p, c, n in items])  # OS entropy
    rp.batch_verify([])


def test_batch_transcripts_advance_like_single_verification() -> None:
    proof, commitments = rp.prove([9], [10], 64, Transcript(LABEL))
    tb, ts = Transcript(LABEL), Transcript(LABEL)
    rp.batch_verify([(proof, commitments, 64, tb)])
    rp.verify(proof, commitments, 64, ts)
    assert tb.challenge_scalar(b"next") == ts.challenge_scalar(b"next")


def test_proof_size_model() -> None:
    assert rp.proof_size(64, 1) == 688
    for n in rp.ALLOWED_BITS:
        for m in (1, 2, 4, 8, 16, 1024):
            if n * m <= 65536:
                lg = (n * m).bit_length() - 1
                assert rp.proof_size(n, m) == (2 * lg + 4) * 33 + 5 * 32
    with pytest.raises(ParameterError):
        rp.proof_size(64, 3)


def test_delta_closed_form_matches_the_sum() -> None:
    y, z, n, m = 12345, 67890, 8, 4
    sum_y = sum(pow(y, i, N) for i in range(n * m))
    sum_2 = sum(1 << i for i in range(n))
    expected = ((z - z * z) * sum_y - sum(pow(z, j + 3, N) for j in range(m)) * sum_2) % N
    assert rp.delta(y, z, n, m) == expected


def test_128_bit_limits() -> None:
    """n = 128: the generator table allows m <= 512; a value of 2^128 is refused."""
    assert rp.check_parameters(128, 512) == 16
    assert rp.proof_size(128, 1) == 754
    with pytest.raises(ParameterError, match="exceeds the generator table"):
        rp.check_parameters(128, 1024)
    with pytest.raises(ParameterError, match=r"outside \[0, 2\^128\)"):
        rp.prove([1 << 128], [1], 128, Transcript(LABEL))
