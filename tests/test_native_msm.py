"""The native (C, variable-time Pippenger) msm against libsecp256k1 one term at a time and against
the python backend: random sizes, zero scalars, n - 1, repeated points, P and -P, sums at
infinity, single terms, invalid input; and the libsecp256k1 backend's msm with and without it."""

from __future__ import annotations

import random

import pytest
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.group import N, P, Point, get_backend, msm, native

pytestmark = pytest.mark.skipif(
    not native.available(),
    reason="native msm module not built (pip install . with a C compiler, or run "
    "python circuits/group/native/build.py) or disabled by ZKSOLVENCY_NATIVE=0",
)

_CTX = GLOBAL_CONTEXT.ctx
G = Point.generator("python")


def xy(pt: Point) -> bytes:
    aff = pt.affine()
    assert aff is not None
    return aff[0].to_bytes(32, "big") + aff[1].to_bytes(32, "big")


def secp_reference(points: list[bytes], scalars: list[int]) -> bytes | None:
    """sum k_i P_i with libsecp256k1: one tweak_mul per term, one combine."""
    terms = []
    for pt, k in zip(points, scalars, strict=True):
        if k % N == 0:
            continue
        key = ffi.new("secp256k1_pubkey *")
        assert lib.secp256k1_ec_pubkey_parse(_CTX, key, b"\x04" + pt, 65)
        assert lib.secp256k1_ec_pubkey_tweak_mul(_CTX, key, (k % N).to_bytes(32, "big"))
        terms.append(key)
    if not terms:
        return None
    out = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_combine(_CTX, out, terms, len(terms)):
        return None
    buf = ffi.new("unsigned char[65]")
    size = ffi.new("size_t *", 65)
    lib.secp256k1_ec_pubkey_serialize(_CTX, buf, size, out, lib.SECP256K1_EC_UNCOMPRESSED)
    return bytes(ffi.buffer(buf, 65))[1:]


def python_reference(points: list[bytes], scalars: list[int]) -> bytes | None:
    pts = [
        Point.from_affine(int.from_bytes(p[:32], "big"), int.from_bytes(p[32:], "big"), "python")
        for p in points
    ]
    r = msm(scalars, pts, "python")
    return None if r.is_identity() else xy(r)


def random_case(rng: random.Random, size: int) -> tuple[list[bytes], list[int]]:
    pool = [G * rng.randrange(1, N) for _ in range(max(1, min(size, 40)))]
    points: list[bytes] = []
    scalars: list[int] = []
    for _ in range(size):
        pt = rng.choice(pool)
        roll = rng.random()
        if roll < 0.1:
            pt = -pt  # P and -P in the same msm
        points.append(xy(pt))
        roll = rng.random()
        if roll < 0.1:
            scalars.append(0)
        elif roll < 0.2:
            scalars.append(N - 1)
        elif roll < 0.3:
            scalars.append(rng.randrange(1, 1 << 16))
        else:
            scalars.append(rng.randrange(N))
    return points, scalars


@pytest.mark.parametrize("seed", range(12))
def test_random_sizes_match_libsecp_and_python(seed: int) -> None:
    rng = random.Random(seed)
    for size in [rng.randrange(0, 301) for _ in range(3)] + [seed]:
        points, scalars = random_case(rng, size)
        expected = secp_reference(points, scalars)
        assert native.msm(points, scalars) == expected
        if size <= 80:
            assert python_reference(points, scalars) == expected


def test_sizes_across_window_widths() -> None:
    rng = random.Random(99)
    for size in (1, 2, 3, 4, 7, 8, 15, 16, 31, 64, 129, 300, 700):
        points, scalars = random_case(rng, size)
        assert native.msm(points, scalars) == secp_reference(points, scalars)


def test_large_distinct_points() -> None:
    rng = random.Random(2024)
    gen = Point.generator("libsecp256k1")
    points = [xy(gen * rng.randrange(1, N)) for _ in range(2500)]
    scalars = [rng.randrange(N) for _ in points]
    assert native.msm(points, scalars) == secp_reference(points, scalars)


def test_empty_and_zero_scalars_give_infinity() -> None:
    assert native.msm([], []) is None
    assert native.msm([xy(G)], [0]) is None
    assert native.msm([xy(G)] * 5, [0] * 5) is None
    assert native.msm([xy(G)], [N]) is None  # reduced mod n


def test_single_terms() -> None:
    for k in (1, 2, 3, N - 1, N - 2, (N - 1) // 2, 1 << 255, 0xFFFFFFFF):
        assert native.msm([xy(G)], [k]) == xy(G * k)


def test_cancellations_at_infinity() -> None:
    rng = random.Random(5)
    A = G * rng.randrange(1, N)
    B = G * rng.randrange(1, N)
    k = rng.randrange(1, N)
    # P and -P with the same scalar
    assert native.msm([xy(A), xy(-A)], [k, k]) is None
    # the same point with k and n - k
    assert native.msm([xy(A), xy(A)], [k, N - k]) is None
    # a larger sum at infinity: sum k_i A_i - (sum k_i a_i) G with A_i = a_i G
    a = [rng.randrange(1, N) for _ in range(40)]
    ks = [rng.randrange(N) for _ in range(40)]
    pts = [xy(G * ai) for ai in a] + [xy(G)]
    scal = [*ks, (-sum(x * y for x, y in zip(a, ks, strict=True))) % N]
    assert native.msm(pts, scal) is None
    # and the same with B thrown in: the result is exactly kb * B
    kb = rng.randrange(1, N)
    assert native.msm([*pts, xy(B)], [*scal, kb]) == xy(B * kb)


def test_doublings_inside_buckets() -> None:
    # repeated points with repeated scalars put equal points into one bucket
    A = G * 12345
    for count in (2, 3, 4, 17, 64):
        assert native.msm([xy(A)] * count, [7] * count) == xy(A * (7 * count))
        assert native.msm([xy(A)] * count, [N - 1] * count) == xy(A * ((N - 1) * count))


def test_rejects_invalid_input() -> None:
    good = xy(G)
    off_curve = good[:32] + ((int.from_bytes(good[32:], "big") + 1) % P).to_bytes(32, "big")
    with pytest.raises(ValueError):
        native.msm([off_curve], [1])
    not_canonical = (P + 1).to_bytes(32, "big") + good[32:]
    with pytest.raises(ValueError):
        native.msm([not_canonical], [1])
    with pytest.raises(ValueError):
        native.msm_raw(good, N.to_bytes(32, "big"), 1)  # scalar not below n
    with pytest.raises(ValueError):
        native.msm_raw(good, b"\x00" * 32, 2)  # buffers do not match the count
    with pytest.raises(ValueError):
        native.msm([good[:63]], [1])


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(1, 2**32), st.integers(0, N - 1), st.booleans()),
        min_size=0,
        max_size=40,
    )
)
def test_property_matches_libsecp(data: list[tuple[int, int, bool]]) -> None:
    points = [xy(-(G * a) if neg else G * a) for a, _, neg in data]
    scalars = [k for _, k, _ in data]
    assert native.msm(points, scalars) == secp_reference(points, scalars)


def test_backend_msm_identical_with_and_without_native(monkeypatch: pytest.MonkeyPatch) -> None:
    be = get_backend("libsecp256k1")
    rng = random.Random(11)
    for size in (0, 1, 11, 12, 13, 100, 300):
        base = [Point.generator("libsecp256k1") * rng.randrange(1, N) for _ in range(size)]
        pts = base + base[: size // 3] + [-p for p in base[: size // 5]]
        ks = [rng.choice([0, 1, N - 1, rng.randrange(N)]) for _ in pts]
        with_native = msm(ks, pts, "libsecp256k1")
        monkeypatch.setattr(type(be), "NATIVE_MSM_THRESHOLD", 10**9)
        without = msm(ks, pts, "libsecp256k1")
        monkeypatch.undo()
        on_python = msm(ks, pts, "python")
        assert with_native == without
        assert with_native.is_identity() == on_python.is_identity()
        if not with_native.is_identity():
            assert with_native.to_bytes() == without.to_bytes() == on_python.to_bytes()
    # a sum at infinity through the backend
    twenty = [Point.generator("libsecp256k1") * rng.randrange(1, N) for _ in range(20)]
    ks = [rng.randrange(N) for _ in twenty]
    assert msm(ks + ks, twenty + [-p for p in twenty], "libsecp256k1").is_identity()


def test_backend_xy_cache_overflow(monkeypatch: pytest.MonkeyPatch) -> None:
    be = get_backend("libsecp256k1")
    monkeypatch.setattr(type(be), "XY_CACHE_LIMIT", 40)
    rng = random.Random(12)
    gen = Point.generator("libsecp256k1")
    pts = [gen * rng.randrange(1, N) for _ in range(30)]
    for _ in range(4):
        ks = [rng.randrange(N) for _ in pts]
        expected = msm(ks, [p.on("python") for p in pts], "python")
        assert msm(ks, pts, "libsecp256k1").to_bytes() == expected.to_bytes()
        assert len(be._xy_cache) <= 40  # type: ignore[attr-defined]
