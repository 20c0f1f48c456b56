"""Fiat-Shamir transcript: determinism, framing, clones, challenges, the blinding RNG."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import ParameterError, VerificationError
from circuits.group import N, Point
from circuits.transcript import Transcript, TranscriptRng


def fixed_entropy(seed: bytes) -> object:
    def entropy(size: int) -> bytes:
        return (seed * size)[:size]

    return entropy


def run(label: bytes, messages: list[tuple[bytes, bytes]]) -> bytes:
    t = Transcript(label)
    for lab, data in messages:
        t.append_message(lab, data)
    return t.challenge_bytes(b"c")


@given(
    label=st.binary(max_size=40),
    messages=st.lists(st.tuples(st.binary(max_size=16), st.binary(max_size=64)), max_size=6),
)
def test_deterministic(label: bytes, messages: list[tuple[bytes, bytes]]) -> None:
    assert run(label, messages) == run(label, messages)


def test_challenge_depends_on_everything() -> None:
    base = run(b"proto", [(b"a", b"1"), (b"b", b"2")])
    assert run(b"proto2", [(b"a", b"1"), (b"b", b"2")]) != base
    assert run(b"proto", [(b"a", b"1"), (b"b", b"3")]) != base
    assert run(b"proto", [(b"a", b"1"), (b"c", b"2")]) != base
    assert run(b"proto", [(b"b", b"2"), (b"a", b"1")]) != base
    assert run(b"proto", [(b"a", b"1")]) != base


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([(b"l", b"ab"), (b"l", b"c")], [(b"l", b"a"), (b"l", b"bc")]),
        ([(b"ab", b"c")], [(b"a", b"bc")]),
        ([(b"l", b"abc")], [(b"l", b"ab"), (b"l", b"c")]),
        ([(b"l", b"")], []),
        ([(b"", b"l")], [(b"l", b"")]),
    ],
    ids=["data split", "label/data boundary", "one vs two messages", "empty message", "swap"],
)
def test_framing_separates(
    first: list[tuple[bytes, bytes]], second: list[tuple[bytes, bytes]]
) -> None:
    assert run(b"p", first) != run(b"p", second)


def test_label_must_be_bytes() -> None:
    with pytest.raises(ParameterError):
        Transcript("proto")  # type: ignore[arg-type]


def test_clone_is_independent() -> None:
    t = Transcript(b"p")
    t.append_message(b"m", b"1")
    c = t.clone()
    assert c.clone().challenge_bytes(b"x") == t.clone().challenge_bytes(b"x")
    c.append_message(b"m", b"2")
    t_clone_view = t.clone().challenge_bytes(b"x")
    assert c.challenge_bytes(b"x") != t_clone_view
    # the original is unaffected by what happened to the clone
    t.append_message(b"m", b"2")
    fresh = Transcript(b"p")
    fresh.append_message(b"m", b"1")
    fresh.append_message(b"m", b"2")
    assert t.challenge_bytes(b"x") == fresh.challenge_bytes(b"x")


def test_successive_challenges_differ() -> None:
    t = Transcript(b"p")
    a = t.challenge_scalar(b"y")
    b = t.challenge_scalar(b"y")
    assert a != b


@given(data=st.binary(max_size=64))
def test_challenge_scalar_in_range(data: bytes) -> None:
    t = Transcript(b"p")
    t.append_message(b"d", data)
    for _ in range(3):
        c = t.challenge_scalar(b"c")
        assert 1 <= c < N


@pytest.mark.parametrize("size", [0, 1, 31, 32, 33, 64, 100])
def test_challenge_bytes_length(size: int) -> None:
    assert len(Transcript(b"p").challenge_bytes(b"c", size)) == size


def test_append_u64_and_scalar() -> None:
    t = Transcript(b"p")
    t.append_u64(b"n", 0)
    t.append_u64(b"n", 2**64 - 1)
    t.append_scalar(b"k", N - 1)
    for bad in (-1, 2**64):
        with pytest.raises(ParameterError):
            t.append_u64(b"n", bad)


def test_append_point_refuses_identity(backend: str) -> None:
    t = Transcript(b"p")
    t.append_point(b"A", Point.generator())
    with pytest.raises(VerificationError) as exc:
        t.append_point(b"S", Point.identity())
    assert exc.type is VerificationError
    assert exc.value.check == "identity"


def test_append_point_same_on_both_backends() -> None:
    out = []
    for name in ("libsecp256k1", "python"):
        t = Transcript(b"p")
        t.append_point(b"A", Point.generator(name) * 99)
        out.append(t.challenge_scalar(b"c"))
    assert out[0] == out[1]


# --- the blinding RNG -----------------------------------------------------------------------


def test_rng_deterministic_with_injected_entropy() -> None:
    t = Transcript(b"p")
    a = t.rng(b"witness", fixed_entropy(b"\x01"))  # type: ignore[arg-type]
    b = t.rng(b"witness", fixed_entropy(b"\x01"))  # type: ignore[arg-type]
    assert a.random_bytes(100) == b.random_bytes(100)
    assert a.scalar() == b.scalar()


def test_rng_differs_with_witness_entropy_and_transcript() -> None:
    t = Transcript(b"p")
    base = t.rng(b"w1", fixed_entropy(b"\x01")).random_bytes(32)  # type: ignore[arg-type]
    assert t.rng(b"w2", fixed_entropy(b"\x01")).random_bytes(32) != base  # type: ignore[arg-type]
    assert t.rng(b"w1", fixed_entropy(b"\x02")).random_bytes(32) != base  # type: ignore[arg-type]
    t.append_message(b"m", b"x")
    assert t.rng(b"w1", fixed_entropy(b"\x01")).random_bytes(32) != base  # type: ignore[arg-type]


def test_rng_uses_os_entropy_by_default() -> None:
    t = Transcript(b"p")
    assert t.rng(b"w").random_bytes(32) != t.rng(b"w").random_bytes(32)


def test_rng_does_not_change_transcript() -> None:
    t = Transcript(b"p")
    before = t.clone().challenge_bytes(b"c")
    t.rng(b"w").scalar()
    assert t.challenge_bytes(b"c") == before


def test_rng_stream_advances_and_scalars_in_range() -> None:
    rng = Transcript(b"p").rng(b"w", fixed_entropy(b"\x03"))  # type: ignore[arg-type]
    first, second = rng.random_bytes(32), rng.random_bytes(32)
    assert first != second
    ks = [rng.scalar() for _ in range(20)]
    assert all(1 <= k < N for k in ks) and len(set(ks)) == 20


def test_rng_repr_hides_secrets() -> None:
    witness = b"super-secret-witness"
    rng = Transcript(b"p").rng(witness, fixed_entropy(b"\x04"))  # type: ignore[arg-type]
    text = repr(rng) + str(rng)
    assert "secret>" in text
    assert witness.hex() not in text and "super-secret" not in text
    assert not hasattr(rng, "__dict__")  # slots only: vars() cannot dump the key


def test_rng_cannot_be_pickled_or_copied() -> None:
    rng = Transcript(b"p").rng(b"w", fixed_entropy(b"\x05"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pickle.dumps(rng)
    with pytest.raises(TypeError):
        copy.copy(rng)
    assert isinstance(rng, TranscriptRng)
