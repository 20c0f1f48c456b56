"""Pedersen commitments Com(v, r) = v*G + r*H (docs/PROTOCOL.md, "Pedersen")."""

from __future__ import annotations

import hmac

from circuits.errors import VerificationError
from circuits.generators import pedersen_h
from circuits.group import N, Point, msm


def commit(value: int, blinding: int, backend: str | None = None) -> Point:
    """Com(v, r) = v*G + r*H. `value` may be negative (it is taken mod n)."""
    return msm([value % N, blinding % N], [Point.generator(backend), pedersen_h(backend)])


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
