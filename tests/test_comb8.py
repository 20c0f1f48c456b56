"""The 8-bit fixed-base comb of the tree's commitments (native comb8.c through
circuits.pedersen.commit_many / commit_many_affine): equal to `commit` for scalars whose signed
8-bit digits carry through every window, the largest ones, zero on either side; the identity and
bad input are refused as documented. Also the tree's native level sums (zks_add_pairs)."""

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


def test_add_pairs_native_equals_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree's level sums (native zks_add_pairs): the same as affine additions in Python,
    a doubling included; a sum that is the identity and bad points refused."""
    from circuits.errors import FormatError
    from circuits.group import Point
    from prover import tree

    g = Point.generator()
    rng = random.Random(9)
    pts = [g * rng.randrange(1, N) for _ in range(40)] + [g * 5, g * 5, g, g * (N - 2)]
    xy = [tree._xy64(p.affine()) for p in pts]
    pairs = [xy[j] + xy[j + 1] for j in range(0, len(xy), 2)]
    expected = [tree._xy64((pts[j] + pts[j + 1]).affine()) for j in range(0, len(pts), 2)]
    assert tree.native_add_pairs()
    assert tree.add_pairs(pairs) == expected  # native: (5 G) + (5 G) a doubling, G + (-2 G)
    assert native.add_pairs_raw(b"", 0) == b""
    with monkeypatch.context() as m:
        m.setattr(tree, "native_add_pairs", lambda: False)
        assert tree.add_pairs(pairs) == expected  # add_affine_many
        with pytest.raises(FormatError, match="identity"):
            tree.add_pairs([xy[0] + tree._xy64((-pts[0]).affine())])
    with pytest.raises(FormatError, match="identity"):
        tree.add_pairs([xy[0] + tree._xy64((-pts[0]).affine())])
    with pytest.raises(ValueError, match="not on the curve"):
        native.add_pairs_raw(xy[0] + bytes(64), 1)
    with pytest.raises(ValueError, match="does not match the count"):
        native.add_pairs_raw(pairs[0], 2)


def test_comb8_batch_equals_one_by_one() -> None:
    """64 scalars or more advance together in affine coordinates (zks_mul2_comb8's batch):
    the same points as fewer at a time (each its own Jacobian sum) and as Point arithmetic,
    an addition that is a doubling or cancels included (one table twice: k1 A + k2 A)."""
    from circuits.group import Point

    pedersen.commit_many([1], [1])  # the tables exist
    ta, _tb = pedersen._tables
    rng = random.Random(10)
    edge = [1, 127, 128, 255, 256, N - 1, N - 128, (1 << 255) + 0x7F, 0]
    pairs = [(5, 5), (5, 251), (128, 128), (3, 253), (N - 1, 2), (0, 7), (7, 0)]
    pairs += [(a, b) for a in edge for b in edge[:4] if (a + b) % N]  # no identity here
    pairs += [(rng.randrange(N), rng.randrange(N)) for _ in range(2100 - len(pairs))]
    ka = b"".join(a.to_bytes(32, "big") for a, _b in pairs)
    kb = b"".join(b.to_bytes(32, "big") for _a, b in pairs)
    batch = native.mul2_comb8_raw(ta, ta, ka, kb, len(pairs))  # two blocks of 2,048
    assert batch is not None
    for j in range(0, len(pairs), 40):  # fewer than 64 at a time
        m = min(40, len(pairs) - j)
        part = native.mul2_comb8_raw(
            ta, ta, ka[32 * j : 32 * (j + m)], kb[32 * j : 32 * (j + m)], m
        )
        assert part == batch[64 * j : 64 * (j + m)]
    g = Point.generator()
    for j in [*range(60), 2099]:
        a, b = pairs[j]
        assert Point.from_xy64(batch[64 * j : 64 * j + 64]) == g * ((a + b) % N)
    # a sum that is the identity (1 A + (n - 1) A), in a batch: refused as one by one
    ka2 = ka[: 32 * 99] + (1).to_bytes(32, "big")
    kb2 = kb[: 32 * 99] + (N - 1).to_bytes(32, "big")
    assert native.mul2_comb8_raw(ta, ta, ka2, kb2, 100) is None
    with pytest.raises(ValueError):
        native.mul2_comb8_raw(ta, ta, ka[:-32] + N.to_bytes(32, "big"), kb, len(pairs))
