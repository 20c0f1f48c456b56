"""Pedersen commitments Com(v, r) = v*G + r*H on both backends."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from circuits.errors import VerificationError
from circuits.generators import pedersen_h
from circuits.group import N, Point
from circuits.pedersen import add, commit, open_check, subtract

values = st.integers(min_value=0, max_value=2**64 - 1)
blindings = st.integers(min_value=0, max_value=N - 1)


def test_definition(backend: str) -> None:
    v, r = 1234, 5678
    assert commit(v, r) == Point.generator() * v + pedersen_h() * r
    assert commit(v, r).backend == backend
    assert commit(1, 0) == Point.generator()
    assert commit(0, 1) == pedersen_h()


@given(v1=values, r1=blindings, v2=values, r2=blindings)
@example(v1=0, r1=0, v2=0, r2=1)
@example(v1=2**64 - 1, r1=N - 1, v2=1, r2=1)
def test_homomorphism(backend: str, v1: int, r1: int, v2: int, r2: int) -> None:
    c1, c2 = commit(v1, r1), commit(v2, r2)
    assert add(c1, c2) == commit(v1 + v2, r1 + r2)
    assert subtract(c1, c2) == commit(v1 - v2, r1 - r2)
    assert subtract(c1, c1).is_identity()


@given(v=values, r=blindings)
def test_negative_value_is_taken_mod_n(backend: str, v: int, r: int) -> None:
    assert commit(-v, r) == commit((N - v) % N, r)


@given(v=values, r=st.integers(min_value=1, max_value=N - 1))
def test_open_check_accepts(backend: str, v: int, r: int) -> None:
    open_check(commit(v, r), v, r)


@given(v=values, r=st.integers(min_value=1, max_value=N - 1), dv=st.integers(1, 2**64))
def test_open_check_rejects(backend: str, v: int, r: int, dv: int) -> None:
    c = commit(v, r)
    for value, blinding in ((v + dv, r), (v, (r + dv) % N), (v - dv, r)):
        with pytest.raises(VerificationError) as exc:
            open_check(c, value, blinding)
        assert exc.type is VerificationError
        assert exc.value.check == "opening"


def test_open_check_rejects_swapped_roles(backend: str) -> None:
    with pytest.raises(VerificationError):
        open_check(commit(5, 7), 7, 5)


def test_open_check_rejects_identity(backend: str) -> None:
    with pytest.raises(VerificationError):
        open_check(Point.identity(), 0, 0)
    with pytest.raises(VerificationError):
        open_check(Point.identity(), 1, 1)


def test_open_check_across_backends() -> None:
    c = commit(42, 99, "libsecp256k1")
    open_check(c.on("python"), 42, 99)
    assert commit(42, 99, "python").to_bytes() == c.to_bytes()
    with pytest.raises(VerificationError):
        open_check(c.on("python"), 43, 99)
