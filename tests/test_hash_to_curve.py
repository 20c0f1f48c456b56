"""RFC 9380 hash-to-curve, suite secp256k1_XMD:SHA-256_SSWU_RO_: the standard's vectors
(appendix J.8.1, tests/vectors/) on both backends, and the edges of expand_message_xmd.

Oversize DSTs (> 255 bytes) are handled as RFC 9380 section 5.3.3 prescribes (hashed to
SHA-256("H2C-OVERSIZE-DST-" || DST)), not rejected; an empty DST is rejected.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from circuits.bigint import mpz
from circuits.errors import ParameterError
from circuits.group import P, Point
from circuits.hash_to_curve import (
    expand_message_xmd,
    hash_to_curve,
    hash_to_field,
    map_to_curve,
)

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "hash_to_curve_secp256k1_sswu_ro.json").read_text()
)
DST = VECTORS["dst"].encode()
CASES: list[dict[str, Any]] = VECTORS["vectors"]


def test_vector_file_is_the_suite() -> None:
    assert VECTORS["ciphersuite"] == "secp256k1_XMD:SHA-256_SSWU_RO_"
    assert len(CASES) == 5


@pytest.mark.parametrize("case", CASES, ids=[c["msg"][:8] or "empty" for c in CASES])
def test_hash_to_field_vectors(case: dict[str, Any]) -> None:
    assert hash_to_field(case["msg"].encode(), DST, 2) == [int(u, 16) for u in case["u"]]


@pytest.mark.parametrize("case", CASES, ids=[c["msg"][:8] or "empty" for c in CASES])
def test_hash_to_curve_vectors(case: dict[str, Any], backend: str) -> None:
    pt = hash_to_curve(case["msg"].encode(), DST)
    assert pt.backend == backend
    expected = (int(case["P"]["x"], 16), int(case["P"]["y"], 16))
    assert pt.affine() == expected
    assert pt == Point.from_affine(*expected, backend=backend)


@pytest.mark.parametrize("case", CASES[:2], ids=["empty", "abc"])
def test_sum_of_two_maps(case: dict[str, Any], backend: str) -> None:
    """hash_to_curve adds on E' and maps once; it must equal map(u0) + map(u1) on E."""
    u0, u1 = hash_to_field(case["msg"].encode(), DST, 2)
    q0, q1 = map_to_curve(u0), map_to_curve(u1)
    assert q0 is not None and q1 is not None
    total = Point.from_affine(*q0, backend=backend) + Point.from_affine(*q1, backend=backend)
    assert total == hash_to_curve(case["msg"].encode(), DST, backend)


def test_backends_agree() -> None:
    for msg in (b"", b"x", b"zk-solvency"):
        a = hash_to_curve(msg, b"test-dst", "libsecp256k1")
        b = hash_to_curve(msg, b"test-dst", "python")
        assert a.to_bytes() == b.to_bytes()


# --- expand_message_xmd (RFC 9380, section 5.3.1) -------------------------------------------


def test_expand_message_xmd_known_answer() -> None:
    # RFC 9380 appendix K.1, expand_message_xmd(SHA-256), msg = "", len_in_bytes = 0x20
    out = expand_message_xmd(b"", b"QUUX-V01-CS02-with-expander-SHA256-128", 0x20)
    assert out.hex() == "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"


@pytest.mark.parametrize("length", [1, 31, 32, 33, 48, 96, 255, 256, 255 * 32])
def test_expand_message_xmd_lengths(length: int) -> None:
    assert len(expand_message_xmd(b"msg", b"dst", length)) == length


def test_expand_message_xmd_binds_length() -> None:
    """The requested length is hashed in: a shorter output is not a prefix of a longer one."""
    assert expand_message_xmd(b"m", b"d", 64)[:32] != expand_message_xmd(b"m", b"d", 32)


@pytest.mark.parametrize("length", [0, -1, 255 * 32 + 1, 65535, 65536, 32.0, True, "32"])
def test_expand_message_xmd_rejects_length(length: int) -> None:
    with pytest.raises(ParameterError):
        expand_message_xmd(b"msg", b"dst", length)


def test_expand_message_xmd_rejects_empty_dst() -> None:
    with pytest.raises(ParameterError):
        expand_message_xmd(b"msg", b"", 32)


def test_expand_message_xmd_rejects_non_bytes() -> None:
    with pytest.raises(ParameterError):
        expand_message_xmd("msg", b"dst", 32)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        expand_message_xmd(b"msg", "dst", 32)  # type: ignore[arg-type]


def test_oversize_dst_is_hashed() -> None:
    """RFC 9380 section 5.3.3: a DST over 255 bytes becomes SHA-256("H2C-OVERSIZE-DST-" || DST)."""
    long_dst = b"D" * 256
    short = hashlib.sha256(b"H2C-OVERSIZE-DST-" + long_dst).digest()
    assert expand_message_xmd(b"abc", long_dst, 96) == expand_message_xmd(b"abc", short, 96)
    assert hash_to_curve(b"abc", long_dst) == hash_to_curve(b"abc", short)


def test_dst_of_255_bytes_is_used_as_is() -> None:
    dst = b"D" * 255
    hashed = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()
    assert expand_message_xmd(b"abc", dst, 32) != expand_message_xmd(b"abc", hashed, 32)


def test_dst_separates() -> None:
    assert hash_to_curve(b"abc", b"dst-1") != hash_to_curve(b"abc", b"dst-2")
    assert hash_to_curve(b"abc", b"dst") != hash_to_curve(b"abd", b"dst")


# --- hash_to_field and map_to_curve edges ---------------------------------------------------


@pytest.mark.parametrize("count", [0, -1, 171, 2.0, True, "2"])
def test_hash_to_field_rejects_count(count: int) -> None:
    with pytest.raises(ParameterError):
        hash_to_field(b"msg", DST, count)


def test_hash_to_field_elements_are_reduced() -> None:
    us = hash_to_field(b"many", DST, 170)
    assert len(us) == 170
    assert all(0 <= u < P for u in us)


@pytest.mark.parametrize("u", [0, 1, P - 1, 2, (P - 1) // 2])
def test_map_to_curve_edge_inputs(u: int, backend: str) -> None:
    """u = 0 is the exceptional case of section 6.6.2 (tv1 = 0); every output is on the curve
    (from_affine checks the equation) and has sgn0(y) = sgn0(u) on E' before the isogeny."""
    q = map_to_curve(u)
    assert q is not None
    Point.from_affine(*q, backend=backend)


def test_map_to_curve_sign_follows_u() -> None:
    """u and -u map to inverse points (sgn0(y) follows sgn0(u), the isogeny keeps negation)."""
    u = 0x1234567890ABCDEF
    a, b = map_to_curve(u), map_to_curve(P - u)
    assert a is not None and b is not None
    assert a[0] == b[0] and (a[1] + b[1]) % P == 0


@pytest.mark.parametrize("u", [-1, P, P + 1])
def test_map_to_curve_rejects_non_field_elements(u: int) -> None:
    with pytest.raises(ParameterError):
        map_to_curve(u)


def test_map_to_curve_refuses_a_non_field_element_exactly() -> None:
    for u in (P, -1):
        with pytest.raises(ParameterError) as exc:
            map_to_curve(u)
        assert str(exc.value) == "map_to_curve: u must be a field element in [0, p)"


@pytest.mark.parametrize("name", ["python", "libsecp256k1"])
def test_hash_to_curve_answers_on_the_backend_asked(name: str) -> None:
    other = "libsecp256k1" if name == "python" else "python"
    pt = hash_to_curve(b"abc", DST, name)
    assert pt.backend == name
    assert pt.to_bytes() == hash_to_curve(b"abc", DST, other).to_bytes()


def test_the_iso_curve_addition_doubles_and_cancels() -> None:
    """The two branches of E' addition that hashed inputs never reach (Q0 = Q1, Q0 = -Q1),
    checked through the isogeny, a group homomorphism: iso_map(Q + Q) = 2 iso_map(Q)."""
    import circuits.hash_to_curve as h2c

    for u in (1, 5, P - 3):
        q = h2c._map_to_iso_curve(mpz(u))
        pt = Point.from_affine(*h2c._iso_map(q))  # type: ignore[misc]
        doubled = h2c._add_iso(q, q)
        assert doubled is not None
        assert Point.from_affine(*h2c._iso_map(doubled)) == pt + pt  # type: ignore[misc]
        assert h2c._add_iso(q, (q[0], (-q[1]) % P)) is None


def test_inputs_that_cancel_hash_to_the_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """u1 = -u0 maps to -Q0 (SSWU takes y's sign from u), so Q0 + Q1 is the identity: the
    affine form says None and the point form the identity, on the backend asked."""
    import circuits.hash_to_curve as h2c

    monkeypatch.setattr(h2c, "hash_to_field", lambda msg, dst, count=2: [7, P - 7])
    assert h2c.hash_to_curve_affine(b"x", DST) is None
    for name in ("python", "libsecp256k1"):
        ident = hash_to_curve(b"x", DST, name)
        assert ident.is_identity() and ident.backend == name


def test_hash_to_field_count_exact() -> None:
    assert len(hash_to_field(b"abc", DST)) == 2  # the default: two field elements
    assert hash_to_field(b"abc", DST, 1) == [
        int.from_bytes(expand_message_xmd(b"abc", DST, 48), "big") % P
    ]
    for bad, message in (
        (True, "hash_to_field: count must be an integer"),
        (2.0, "hash_to_field: count must be an integer"),
        (0, "hash_to_field: count out of range, got 0"),
        (171, "hash_to_field: count out of range, got 171"),
    ):
        with pytest.raises(ParameterError) as exc:
            hash_to_field(b"abc", DST, bad)  # type: ignore[arg-type]
        assert str(exc.value) == message


@pytest.mark.parametrize(
    ("msg", "dst", "length", "message"),
    [
        ("msg", b"dst", 32, "msg and dst must be bytes"),
        (b"msg", "dst", 32, "msg and dst must be bytes"),
        (b"msg", b"", 32, "the domain separation tag must not be empty (RFC 9380, 3.1)"),
        (b"msg", b"dst", 32.0, "len_in_bytes must be an integer"),
        (b"msg", b"dst", True, "len_in_bytes must be an integer"),
        (b"msg", b"dst", 0, "expand_message_xmd: len_in_bytes must be in [1, 8160], got 0"),
        (b"msg", b"dst", 8161, "expand_message_xmd: len_in_bytes must be in [1, 8160], got 8161"),
    ],
)
def test_expand_message_xmd_errors_exact(msg: Any, dst: Any, length: Any, message: str) -> None:
    with pytest.raises(ParameterError) as exc:
        expand_message_xmd(msg, dst, length)
    assert str(exc.value) == message


def test_expand_message_xmd_takes_bytearrays() -> None:
    assert expand_message_xmd(bytearray(b"abc"), bytearray(b"dst"), 96) == expand_message_xmd(
        b"abc", b"dst", 96
    )
