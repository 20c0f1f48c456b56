"""Pedersen commitments Com(v, r) = v*G + r*H (docs/PROTOCOL.md, "Pedersen")."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from circuits.errors import VerificationError
from circuits.generators import pedersen_h
from circuits.group import N, Point, get_backend, msm, native_module

native = native_module()

# 8-bit comb tables of G and H for commit_many (built on first use, about 660 kB).
_tables: list[bytes] = []


def commit(value: int, blinding: int, backend: str | None = None) -> Point:
    """Com(v, r) = v*G + r*H. `value` may be negative (it is taken mod n)."""
    return msm([value % N, blinding % N], [Point.generator(backend), pedersen_h(backend)])


def _commit_many_raw(values: Sequence[int], blindings: Sequence[int]) -> bytes | None:
    """x || y (64 bytes each) of the commitments, in one native batch; None when the native
    module is unavailable or some commitment is the identity (VARIABLE TIME)."""
    if len(values) != len(blindings):
        raise ValueError("commit_many needs as many blindings as values")
    if native is None or get_backend().name != "libsecp256k1" or not native.available():
        return None
    if not _tables:
        g, h = Point.generator().affine(), pedersen_h().affine()
        assert g is not None and h is not None
        try:
            for x, y in (g, h):
                _tables.append(native.comb8_table(x.to_bytes(32, "big") + y.to_bytes(32, "big")))
        except RuntimeError:  # a module compiled before comb8
            _tables.clear()
            return None
    out: bytes | None = native.mul2_comb8_raw(
        _tables[0],
        _tables[1],
        b"".join((v % N).to_bytes(32, "big") for v in values),
        b"".join((r % N).to_bytes(32, "big") for r in blindings),
        len(values),
    )
    return out


def commit_many(values: Sequence[int], blindings: Sequence[int]) -> list[Point]:
    """[commit(v, r) for v, r in zip(values, blindings)] on the default backend, in one native
    batch when the native module is available (VARIABLE TIME: for the offline prover).
    Identity results (v = r = 0 mod n) are computed one by one."""
    if not values and not blindings:
        return []
    out = _commit_many_raw(values, blindings)
    if out is not None:
        return [Point.from_xy64(out[64 * i : 64 * i + 64]) for i in range(len(values))]
    return [commit(v, r) for v, r in zip(values, blindings, strict=True)]


def commit_many_affine(
    values: Sequence[int], blindings: Sequence[int]
) -> list[tuple[int, int] | None]:
    """commit_many as affine (x, y) integers (None for the identity), without making points:
    for the tree builder, which only adds and encodes them. The native batch's results are
    not checked to be on the curve here (the build's root self-check covers them)."""
    if not values and not blindings:
        return []
    out = _commit_many_raw(values, blindings)
    if out is None:
        return [commit(v, r).affine() for v, r in zip(values, blindings, strict=True)]
    fb = int.from_bytes
    return [
        (fb(out[i : i + 32], "big"), fb(out[i + 32 : i + 64], "big"))
        for i in range(0, len(out), 64)
    ]


def add(a: Point, b: Point) -> Point:
    """Com(v1, r1) + Com(v2, r2) = Com(v1 + v2, r1 + r2)."""
    return a + b


def subtract(a: Point, b: Point) -> Point:
    """Com(v1, r1) - Com(v2, r2) = Com(v1 - v2, r1 - r2)."""
    return a - b


def open_check(commitment: Point, value: int, blinding: int) -> None:
    """Raise VerificationError unless `commitment` = Com(value, blinding)."""
    expected = commit(value, blinding, commitment.backend)
    if commitment.is_identity() or not hmac.compare_digest(
        expected.to_bytes() if not expected.is_identity() else b"", commitment.to_bytes()
    ):
        raise VerificationError("commitment does not open to the given value", check="opening")
