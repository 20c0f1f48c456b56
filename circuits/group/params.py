"""secp256k1 domain parameters and strict scalar encodings (SEC 2, section 2.4.1)."""

from __future__ import annotations

from circuits.errors import FormatError

#: Field prime p = 2^256 - 2^32 - 977.
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
#: Group order n (called q in some papers).
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
#: Curve y^2 = x^3 + B.
B = 7
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

SCALAR_BYTES = 32
POINT_BYTES = 33


def scalar_from_bytes(data: bytes) -> int:
    """Decode a canonical scalar: exactly 32 bytes big-endian, value < n (never reduced)."""
    if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_BYTES:
        raise FormatError(f"scalar must be {SCALAR_BYTES} bytes")
    k = int.from_bytes(data, "big")
    if k >= N:
        raise FormatError("scalar is not canonical (>= group order n)")
    return k


def scalar_to_bytes(k: int) -> bytes:
    """Encode a scalar in [0, n) as 32 bytes big-endian."""
    if not 0 <= k < N:
        raise ValueError("scalar out of range [0, n)")
    return int(k).to_bytes(SCALAR_BYTES, "big")


def scalar_from_bytes_mod_order(data: bytes) -> int:
    """Reduce arbitrary bytes mod n. Only for hash outputs of at least 48 bytes (bias < 2^-128)."""
    return int.from_bytes(data, "big") % N


def sqrt_mod_p(a: int) -> int | None:
    """A square root of a mod p, or None. p = 3 mod 4, so sqrt(a) = a^((p+1)/4)."""
    y = pow(a, (P + 1) // 4, P)
    return y if y * y % P == a % P else None
