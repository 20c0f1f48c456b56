"""The group law on both backends against py_ecc as the oracle, msm against naive sums, strict
encodings and an adversarial decoding table (each entry must raise FormatError exactly)."""

from __future__ import annotations

import random

import py_ecc.secp256k1.secp256k1 as oracle
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from circuits.errors import FormatError, ParameterError
from circuits.group import (
    GX,
    GY,
    N,
    P,
    Point,
    msm,
    scalar_from_bytes,
    scalar_to_bytes,
)

BACKENDS = ("libsecp256k1", "python")

scalars = st.integers(min_value=0, max_value=N - 1)
nonzero = st.integers(min_value=1, max_value=N - 1)
any_int = st.integers(min_value=-(2**300), max_value=2**300)


def oracle_bytes(pt: tuple[int, int]) -> bytes | None:
    """py_ecc's point in SEC1 compressed form; py_ecc writes the identity as (0, 0)."""
    x, y = pt
    if (x, y) == (0, 0):
        return None
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def point_bytes(pt: Point) -> bytes | None:
    return None if pt.is_identity() else pt.to_bytes()


def test_parameters_match_oracle() -> None:
    assert (N, P, (GX, GY)) == (oracle.N, oracle.P, oracle.G)


# --- group law against py_ecc ---------------------------------------------------------------


@given(k=scalars)
@example(k=0)
@example(k=1)
@example(k=2)
@example(k=N - 1)
def test_mul_generator_matches_oracle(backend: str, k: int) -> None:
    assert point_bytes(Point.generator() * k) == oracle_bytes(oracle.multiply(oracle.G, k))


@given(k=any_int)
@example(k=N)
@example(k=-1)
def test_mul_reduces_mod_n(backend: str, k: int) -> None:
    assert Point.generator() * k == Point.generator() * (k % N)


@given(a=nonzero, b=nonzero)
@example(a=1, b=1)
@example(a=1, b=N - 1)
def test_add_matches_oracle(backend: str, a: int, b: int) -> None:
    A, B = Point.generator() * a, Point.generator() * b
    expected = oracle_bytes(oracle.add(oracle.multiply(oracle.G, a), oracle.multiply(oracle.G, b)))
    assert point_bytes(A + B) == expected


@given(a=scalars, b=scalars)
@example(a=5, b=5)
@example(a=7, b=N - 7)
@example(a=0, b=3)
def test_scalar_linearity(backend: str, a: int, b: int) -> None:
    G = Point.generator()
    assert G * ((a + b) % N) == G * a + G * b
    assert G * (a * b % N) == (G * a) * b


@given(a=nonzero, b=nonzero, c=nonzero)
@example(a=1, b=1, c=1)
@example(a=1, b=N - 1, c=1)
def test_associativity_commutativity(backend: str, a: int, b: int, c: int) -> None:
    G = Point.generator()
    A, B, C = G * a, G * b, G * c
    assert (A + B) + C == A + (B + C)
    assert point_bytes((A + B) + C) == point_bytes(A + (B + C))
    assert A + B == B + A
    assert A + A == A * 2


@given(a=nonzero, b=nonzero)
def test_negation(backend: str, a: int, b: int) -> None:
    G = Point.generator()
    A, B = G * a, G * b
    ID = Point.identity()
    assert (A + (-A)).is_identity()
    assert A - A == ID
    assert -A == G * (N - a)
    assert A - B == A + (-B)
    x, y = oracle.multiply(oracle.G, a)
    assert (-A).affine() == (x, P - y)
    assert -ID == ID and A + ID == A and ID + A == A and A - ID == A


def test_identity(backend: str) -> None:
    ID = Point.identity()
    assert ID.is_identity() and ID.affine() is None
    assert ID * 5 == ID and (Point.generator() * 0) == ID
    assert repr(ID) == "Point(identity)"


# --- msm against naive sums -----------------------------------------------------------------

# A small pool of bases with known discrete logs, so repeats are frequent; None is the identity.
# LAMBDA is the secp256k1 endomorphism's eigenvalue: lambda * (x, y) = (beta * x, y), so the
# python backend's GLV split produces coinciding and opposite points inside its buckets.
LAMBDA = 0x5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72
POOL_LOGS = [1, 2, 3, 0xDEADBEEF, N - 1, N - 2, 2**128 + 1, LAMBDA, N - LAMBDA, None]


@given(
    terms=st.lists(
        st.tuples(
            st.one_of(st.just(0), st.just(N), scalars, st.integers(-(2**70), 2**70)),
            st.sampled_from(range(len(POOL_LOGS))),
        ),
        max_size=40,
    )
)
def test_msm_matches_naive_sum(backend: str, terms: list[tuple[int, int]]) -> None:
    G = Point.generator()
    pool = [Point.identity() if d is None else G * d for d in POOL_LOGS]
    ks = [k for k, _ in terms]
    pts = [pool[i] for _, i in terms]
    result = msm(ks, pts)
    naive = Point.identity()
    for k, p in zip(ks, pts, strict=True):
        naive = naive + p * k
    assert result == naive
    log = sum(k * (POOL_LOGS[i] or 0) for k, i in terms) % N
    assert point_bytes(result) == oracle_bytes(oracle.multiply(oracle.G, log))


@pytest.mark.parametrize("size", range(41))
def test_msm_random_sizes(backend: str, size: int) -> None:
    rnd = random.Random(size)
    logs = [rnd.randrange(1, N) for _ in range(size)]
    ks = [rnd.choice([0, 1, N - 1, rnd.randrange(N)]) for _ in range(size)]
    if size >= 3:  # repeated points and an identity among them
        logs[1] = logs[0]
        logs[2] = 0
    G = Point.generator()
    pts = [G * d for d in logs]
    expected = G * (sum(k * d for k, d in zip(ks, logs, strict=True)) % N)
    assert msm(ks, pts) == expected


@pytest.mark.parametrize("size", [130, 300])
def test_msm_large_against_libsecp(size: int) -> None:
    rnd = random.Random(size)
    logs = [rnd.randrange(1, N) for _ in range(size)]
    ks = [rnd.randrange(N) for _ in range(size)]
    ks[0], ks[1], logs[1] = 0, N - 1, logs[2]
    pts = [Point.generator("python") * d for d in logs]
    expected = msm(ks, [p.on("libsecp256k1") for p in pts])
    assert msm(ks, pts).to_bytes() == expected.to_bytes()


@pytest.mark.parametrize("width", range(1, 13))
def test_python_msm_every_window_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from circuits.group import backend_python

    monkeypatch.setattr(backend_python, "_msm_window", lambda terms, bits: width)
    rnd = random.Random(width)
    logs = [rnd.randrange(1, N) for _ in range(9)] + [LAMBDA, N - LAMBDA, 1, 1, N - 1]
    ks = [rnd.randrange(N) for _ in logs[:-1]] + [2**255 + 12345]
    ks[3] = LAMBDA
    pts = [Point.generator("python") * d for d in logs]
    expected = Point.generator("libsecp256k1") * (
        sum(k * d for k, d in zip(ks, logs, strict=True)) % N
    )
    assert msm(ks, pts).to_bytes() == expected.to_bytes()


@given(k=scalars)
@example(k=0)
@example(k=1)
@example(k=N - 1)
@example(k=LAMBDA)
@example(k=N // 2)
def test_glv_split(k: int) -> None:
    from circuits.group.backend_python import _glv_split

    k1, k2 = _glv_split(k)
    assert (k1 + k2 * LAMBDA - k) % N == 0
    assert abs(k1).bit_length() <= 129 and abs(k2).bit_length() <= 129


@given(c=st.integers(1, 16), k=st.integers(0, 2**130 - 1))
@example(c=1, k=1)
@example(c=2, k=2**129 - 1)
@example(c=4, k=2**129 - 1)
def test_signed_digits(c: int, k: int) -> None:
    from circuits.group.backend_python import _signed_digits

    count = -(-(k.bit_length() + 1) // c)
    digits = _signed_digits(k, c, count)
    assert len(digits) == count
    assert sum(d << (c * i) for i, d in enumerate(digits)) == k
    assert all(abs(d) <= 1 << (c - 1) for d in digits)


@given(log=nonzero, k=scalars)
def test_msm_cancelling_terms(backend: str, log: int, k: int) -> None:
    A = Point.generator() * log
    assert msm([k, N - k], [A, A]).is_identity()
    assert msm([k, k], [A, -A]).is_identity()


def test_msm_length_mismatch(backend: str) -> None:
    with pytest.raises(ParameterError):
        msm([1, 2], [Point.generator()])


def test_msm_empty(backend: str) -> None:
    result = msm([], [])
    assert result.is_identity() and result.backend == backend


# --- both backends, byte for byte -----------------------------------------------------------


@given(a=nonzero, b=nonzero, ks=st.lists(scalars, min_size=0, max_size=12))
@example(a=1, b=N - 1, ks=[])
@example(a=5, b=5, ks=[1, 2])
def test_backends_identical_bytes(a: int, b: int, ks: list[int]) -> None:
    out = []
    for name in BACKENDS:
        G = Point.generator(name)
        A, B = G * a, G * b
        pts = [A * (i + 1) + B for i in range(len(ks))]
        m = msm(ks, pts)
        out.append(
            (
                A.to_bytes(),
                point_bytes(A + B),
                point_bytes(A - B),
                point_bytes(m),
                [point_bytes(p) for p in pts],
                A.affine(),
            )
        )
    assert out[0] == out[1]


def test_cross_backend_operands() -> None:
    a = Point.generator("libsecp256k1") * 12345
    b = Point.generator("python") * 67890
    assert (a + b).backend == "libsecp256k1" and (b + a).backend == "python"
    assert (a + b).to_bytes() == (b + a).to_bytes()
    assert a.on("python") == a and a.on("python").backend == "python"


# --- encodings ------------------------------------------------------------------------------


@given(k=nonzero)
@example(k=1)
@example(k=N - 1)
def test_point_round_trip(backend: str, k: int) -> None:
    A = Point.generator() * k
    data = A.to_bytes()
    assert len(data) == 33 and data[0] in (2, 3)
    assert Point.from_bytes(data) == A
    assert Point.from_bytes(data).to_bytes() == data
    for name in BACKENDS:
        assert Point.from_bytes(data, name).to_bytes() == data
    x, y = A.affine()  # type: ignore[misc]
    assert Point.from_affine(x, y) == A
    assert hash(Point.from_bytes(data)) == hash(A)


@given(k=scalars)
@example(k=0)
@example(k=N - 1)
def test_scalar_round_trip(k: int) -> None:
    data = scalar_to_bytes(k)
    assert len(data) == 32
    assert scalar_from_bytes(data) == k
    assert scalar_from_bytes(bytearray(data)) == k


def _g_bytes() -> bytes:
    return bytes([2 + (GY & 1)]) + GX.to_bytes(32, "big")


G_COMPRESSED = _g_bytes()
G_UNCOMPRESSED = b"\x04" + GX.to_bytes(32, "big") + GY.to_bytes(32, "big")
X_NO_POINT = 5  # 5^3 + 7 is not a square mod p (checked in test_x_no_point_has_no_point)

BAD_POINTS = {
    "length 0": b"",
    "length 32": G_COMPRESSED[:32],
    "length 34": G_COMPRESSED + b"\x00",
    "length 65 uncompressed": G_UNCOMPRESSED,
    "prefix 00": b"\x00" + G_COMPRESSED[1:],
    "all zero": bytes(33),
    "prefix 01": b"\x01" + G_COMPRESSED[1:],
    "prefix 04": b"\x04" + G_COMPRESSED[1:],
    "prefix 05": b"\x05" + G_COMPRESSED[1:],
    "prefix 06 hybrid": b"\x06" + G_COMPRESSED[1:],
    "prefix 07 hybrid": b"\x07" + G_COMPRESSED[1:],
    "prefix ff": b"\xff" + G_COMPRESSED[1:],
    "x = p (02)": b"\x02" + P.to_bytes(32, "big"),
    "x = p (03)": b"\x03" + P.to_bytes(32, "big"),
    "x = p + 1 (x - p = 1 is on the curve)": b"\x02" + (P + 1).to_bytes(32, "big"),
    "x = 2^256 - 1": b"\x03" + b"\xff" * 32,
    "x with no point (02)": b"\x02" + X_NO_POINT.to_bytes(32, "big"),
    "x with no point (03)": b"\x03" + X_NO_POINT.to_bytes(32, "big"),
    "x = 0, no point": b"\x02" + bytes(32),
}


def test_x_no_point_has_no_point() -> None:
    for x in (X_NO_POINT, 0):
        assert pow((x**3 + 7) % P, (P - 1) // 2, P) == P - 1
    # x = 1 does have a point: p + 1 must be refused for being >= p, not for its residue
    assert pow(8, (P - 1) // 2, P) == 1


@pytest.mark.parametrize("data", BAD_POINTS.values(), ids=BAD_POINTS.keys())
def test_point_decoding_rejects(backend: str, data: bytes) -> None:
    with pytest.raises(FormatError) as exc:
        Point.from_bytes(data)
    assert exc.type is FormatError


@pytest.mark.parametrize("data", ["02" + "00" * 32, None, 5, [2] * 33], ids=str)
def test_point_decoding_rejects_non_bytes(backend: str, data: object) -> None:
    with pytest.raises(FormatError) as exc:
        Point.from_bytes(data)  # type: ignore[arg-type]
    assert exc.type is FormatError


@pytest.mark.parametrize(
    "xy",
    [(GX, GY + 1), (GX, P - GY + 1), (GX, GY + P), (P, 0), (-1, 0), (0, 0), (X_NO_POINT, 1)],
    ids=str,
)
def test_from_affine_rejects_off_curve(backend: str, xy: tuple[int, int]) -> None:
    with pytest.raises(FormatError) as exc:
        Point.from_affine(*xy)
    assert exc.type is FormatError


def test_identity_has_no_encoding(backend: str) -> None:
    with pytest.raises(FormatError) as exc:
        Point.identity().to_bytes()
    assert exc.type is FormatError
    with pytest.raises(FormatError):
        (Point.generator() * N).to_bytes()


def test_valid_decodings_accepted(backend: str) -> None:
    assert Point.from_bytes(G_COMPRESSED) == Point.generator()
    assert Point.from_bytes(bytearray(G_COMPRESSED)) == Point.generator()
    flipped = bytes([G_COMPRESSED[0] ^ 1]) + G_COMPRESSED[1:]
    assert Point.from_bytes(flipped) == -Point.generator()
    assert Point.from_bytes(b"\x02" + (1).to_bytes(32, "big")).affine()[0] == 1  # type: ignore[index]


BAD_SCALARS = {
    "n": N.to_bytes(32, "big"),
    "n + 1": (N + 1).to_bytes(32, "big"),
    "2^256 - 1": b"\xff" * 32,
    "31 bytes": b"\x01" * 31,
    "33 bytes": b"\x00" + (1).to_bytes(32, "big"),
    "empty": b"",
}


@pytest.mark.parametrize("data", BAD_SCALARS.values(), ids=BAD_SCALARS.keys())
def test_scalar_decoding_rejects(data: bytes) -> None:
    with pytest.raises(FormatError) as exc:
        scalar_from_bytes(data)
    assert exc.type is FormatError


@pytest.mark.parametrize("data", ["00" * 32, None, 7], ids=str)
def test_scalar_decoding_rejects_non_bytes(data: object) -> None:
    with pytest.raises(FormatError) as exc:
        scalar_from_bytes(data)  # type: ignore[arg-type]
    assert exc.type is FormatError


def test_scalar_edges_accepted() -> None:
    assert scalar_from_bytes((N - 1).to_bytes(32, "big")) == N - 1
    assert scalar_from_bytes(bytes(32)) == 0
