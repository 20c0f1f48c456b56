"""The 8-bit fixed-base comb of the tree's commitments (native comb8.c through
circuits.pedersen.commit_many / commit_many_affine): equal to `commit` for scalars whose signed
8-bit digits carry through every window, the largest ones, zero on either side; the identity and
bad input are refused as documented."""

from __future__ import annotations

import random

import pytest

from circuits import pedersen
from circuits.group import N, native_module

native = native_module()
pytestmark = pytest.mark.skipif(
    native is None or not native.available(), reason="native module not built"
)


def test_comb8_equals_commit() -> None:
    rng = random.Random(8)
    edge = [0, 1, 127, 128, 255, 256, 0x80 * 0x0101010101, (1 << 255) + 0x7F, N - 1, N - 128]
    edge += [int.from_bytes(b"\x80" * 32, "big") % N, int.from_bytes(b"\xff" * 31, "big")]
    values = edge + [rng.randrange(1 << 64) for _ in range(20)] + [0] * 12
    blindings = [1] + edge[1:] + [rng.randrange(1, N) for _ in range(32)]
    blindings = blindings[: len(values)]
    assert pedersen.commit_many(values, blindings) == [
        pedersen.commit(v, r) for v, r in zip(values, blindings, strict=True)
    ]
    assert pedersen.commit_many_affine(values, blindings) == [
        pedersen.commit(v, r).affine() for v, r in zip(values, blindings, strict=True)
    ]


def test_comb8_identity_and_bad_input() -> None:
    pedersen.commit_many([1], [1])  # the tables exist
    ta, tb = pedersen._tables
    zero = bytes(32)
    assert native.mul2_comb8_raw(ta, tb, zero, zero, 1) is None  # 0 G + 0 H: the identity
    assert pedersen.commit_many_affine([0, 5], [0, 7])[0] is None
    with pytest.raises(ValueError):
        native.mul2_comb8_raw(ta, tb, N.to_bytes(32, "big"), zero, 1)  # not < n
    with pytest.raises(ValueError):
        native.mul2_comb8_raw(ta[:-1], tb, zero, zero, 1)
    with pytest.raises(ValueError):
        native.comb8_table(bytes(64))  # not a point
