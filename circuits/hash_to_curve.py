"""RFC 9380 hash-to-curve for suite secp256k1_XMD:SHA-256_SSWU_RO_ (RFC 9380, section 8.7).

    hash_to_curve(msg) = clear_cofactor(map_to_curve(u0) + map_to_curve(u1)),
    (u0, u1) = hash_to_field(msg, 2),

with expand_message_xmd over SHA-256 (section 5.3.1), L = 48, the simplified SWU map onto the
3-isogenous curve E': y^2 = x^3 + A'x + B' (section 6.6.2, Z = -11) followed by the 3-isogeny
E' -> secp256k1 (appendix E.1). The cofactor is 1, so clear_cofactor is the identity map.

Field arithmetic is on gmpy2 integers when installed, else Python ints (circuits.bigint), and
is variable time: it hashes public strings (generator labels), never secrets. `map_to_curve`
returns affine coordinates; `hash_to_curve` builds a `Point` on the requested backend.
"""

from __future__ import annotations

import hashlib

from circuits.bigint import invert, mpz, powmod
from circuits.errors import ParameterError
from circuits.group import P, Point

__all__ = [
    "SUITE_ID",
    "expand_message_xmd",
    "hash_to_curve",
    "hash_to_curve_affine",
    "hash_to_field",
    "map_to_curve",
]

#: The suite this module implements (RFC 9380, section 8.7).
SUITE_ID = b"secp256k1_XMD:SHA-256_SSWU_RO_"

_P = mpz(P)

# --- expand_message_xmd(SHA-256) parameters (section 5.3.1) ---------------------------------
_B_IN_BYTES = 32  # b_in_bytes: SHA-256 output size
_S_IN_BYTES = 64  # s_in_bytes: SHA-256 input block size
_MAX_DST = 255
_OVERSIZE_DST_PREFIX = b"H2C-OVERSIZE-DST-"  # section 5.3.3

# --- hash_to_field parameters (section 5.2; suite: m = 1, L = ceil((256 + 128) / 8) = 48) ---
_L = 48

# --- simplified SWU on E' (section 6.6.2 and 8.7) ---------------------------------------------
_A_ISO = mpz(0x3F8731ABDD661ADCA08A5558F0F5D272E953D363CB6F0E5D405447C01A444533)
_B_ISO = mpz(1771)
_Z = mpz(P - 11)
_SQRT_EXP = (_P + 1) // 4  # p = 3 mod 4: sqrt(a) = a^((p + 1) / 4) when a is a square
# -Z = 11 is a square mod p (Z = -11 and -1 are non-squares), so sqrt(Z * a) = sqrt(-a) * sqrt(11).
_SQRT_11 = powmod(mpz(11), _SQRT_EXP, _P)
# Constants of step 2 and 3 of the straight-line SWU: x1 = (-B'/A')(1 + tv1), or B'/(Z A').
_MINUS_B_OVER_A = (-_B_ISO) * invert(_A_ISO, _P) % _P
_B_OVER_ZA = _B_ISO * invert(_Z * _A_ISO % _P, _P) % _P

# --- 3-isogeny E' -> E (appendix E.1) ---------------------------------------------------------
# x = x_num / x_den, y = y' * y_num / y_den, polynomials in x' with coefficients k_(i, j):
#   x_num = k_(1,3) x'^3 + k_(1,2) x'^2 + k_(1,1) x' + k_(1,0)
#   x_den =          x'^2 + k_(2,1) x' + k_(2,0)
#   y_num = k_(3,3) x'^3 + k_(3,2) x'^2 + k_(3,1) x' + k_(3,0)
#   y_den =          x'^3 + k_(4,2) x'^2 + k_(4,1) x' + k_(4,0)
_K1 = tuple(
    mpz(k)
    for k in (
        0x8E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38DAAAAA8C7,
        0x07D3D4C80BC321D5B9F315CEA7FD44C5D595D2FC0BF63B92DFFF1044F17C6581,
        0x534C328D23F234E6E2A413DECA25CAECE4506144037C40314ECBD0B53D9DD262,
        0x8E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38E38DAAAAA88C,
    )
)
_K2 = tuple(
    mpz(k)
    for k in (
        0xD35771193D94918A9CA34CCBB7B640DD86CD409542F8487D9FE6B745781EB49B,
        0xEDADC6F64383DC1DF7C4B2D51B54225406D36B641F5E41BBC52A56612A8C6D14,
    )
)
_K3 = tuple(
    mpz(k)
    for k in (
        0x4BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684B8E38E23C,
        0xC75E0C32D5CB7C0FA9D0A54B12A0A6D5647AB046D686DA6FDFFC90FC201D71A3,
        0x29A6194691F91A73715209EF6512E576722830A201BE2018A765E85A9ECEE931,
        0x2F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F684BDA12F38E38D84,
    )
)
_K4 = tuple(
    mpz(k)
    for k in (
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFF93B,
        0x7A06534BB8BDB49FD5E9E6632722C2989467C1BFC8E8D978DFB425D2685C2573,
        0x6484AA716545CA2CF3A70C3FA8FE337E0A3D21162F0D6299A7BF8192BFD2A76F,
    )
)

Affine = tuple[int, int]


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """expand_message_xmd with SHA-256 (RFC 9380, section 5.3.1).

    A DST longer than 255 bytes is first replaced by SHA-256("H2C-OVERSIZE-DST-" || DST) as
    section 5.3.3 prescribes. An empty DST (section 3.1: tags MUST have nonzero length),
    len_in_bytes outside [1, 65535] or ell = ceil(len_in_bytes / 32) > 255 raise ParameterError.
    """
    if not isinstance(msg, bytes | bytearray) or not isinstance(dst, bytes | bytearray):
        raise ParameterError("msg and dst must be bytes")
    if not dst:
        raise ParameterError("the domain separation tag must not be empty (RFC 9380, 3.1)")
    if len(dst) > _MAX_DST:
        dst = hashlib.sha256(_OVERSIZE_DST_PREFIX + bytes(dst)).digest()
    if isinstance(len_in_bytes, bool) or not isinstance(len_in_bytes, int):
        raise ParameterError("len_in_bytes must be an integer")
    ell = -(-len_in_bytes // _B_IN_BYTES)
    if not 0 < len_in_bytes <= 0xFFFF or ell > 255:
        raise ParameterError(
            f"expand_message_xmd: len_in_bytes must be in [1, {255 * _B_IN_BYTES}], "
            f"got {len_in_bytes}"
        )
    dst_prime = bytes(dst) + bytes([len(dst)])
    # msg_prime = Z_pad || msg || I2OSP(len_in_bytes, 2) || I2OSP(0, 1) || DST_prime
    msg_prime = (
        bytes(_S_IN_BYTES) + bytes(msg) + len_in_bytes.to_bytes(2, "big") + b"\x00" + dst_prime
    )
    b_0 = hashlib.sha256(msg_prime).digest()
    b_i = hashlib.sha256(b_0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    b0_int = int.from_bytes(b_0, "big")
    for i in range(2, ell + 1):
        # b_i = H(strxor(b_0, b_(i - 1)) || I2OSP(i, 1) || DST_prime)
        mixed = (b0_int ^ int.from_bytes(b_i, "big")).to_bytes(_B_IN_BYTES, "big")
        b_i = hashlib.sha256(mixed + bytes([i]) + dst_prime).digest()
        out.append(b_i)
    return b"".join(out)[:len_in_bytes]


def hash_to_field(msg: bytes, dst: bytes, count: int = 2) -> list[int]:
    """hash_to_field for GF(p), m = 1, L = 48 (RFC 9380, section 5.2).

    u_i = OS2IP(uniform_bytes[48 i : 48 (i + 1)]) mod p, with uniform_bytes from
    expand_message_xmd(msg, DST, 48 * count).
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise ParameterError("hash_to_field: count must be an integer")
    if not 1 <= count <= 255 * _B_IN_BYTES // _L:
        raise ParameterError(f"hash_to_field: count out of range, got {count}")
    uniform = expand_message_xmd(msg, dst, _L * count)
    return [int.from_bytes(uniform[_L * i : _L * (i + 1)], "big") % P for i in range(count)]


def _map_to_iso_curve(u: int) -> tuple[int, int]:
    """Simplified SWU onto E': y^2 = x^3 + A'x + B' (RFC 9380, section 6.6.2).

    Steps as in the section: tv1 = inv0(Z^2 u^4 + Z u^2); x1 = (-B'/A')(1 + tv1), or B'/(Z A')
    when tv1 = 0; x2 = Z u^2 x1. If g(x1) is a square, (x, y) = (x1, sqrt(g(x1))), else
    (x2, sqrt(g(x2))); the sign of y is set so that sgn0(y) = sgn0(u).
    Since g(x2) = Z^3 u^6 g(x1) and p = 3 mod 4, a single exponentiation y1 = g(x1)^((p+1)/4)
    serves both branches: when g(x1) is not a square, y1^2 = -g(x1) and
    sqrt(g(x2)) = Z u^3 sqrt(11) y1.
    """
    zu2 = _Z * u * u % _P
    den = (zu2 * zu2 + zu2) % _P
    if den:
        x1 = _MINUS_B_OVER_A * (1 + invert(den, _P)) % _P
    else:
        x1 = _B_OVER_ZA
    gx1 = (x1 * x1 * x1 + _A_ISO * x1 + _B_ISO) % _P
    y1 = powmod(gx1, _SQRT_EXP, _P)
    if y1 * y1 % _P == gx1:
        x, y = x1, y1
    else:
        x = zu2 * x1 % _P
        y = zu2 * u % _P * _SQRT_11 % _P * y1 % _P  # Z u^3 sqrt(11) y1
    if (u & 1) != (y & 1):  # sgn0 for m = 1 is the parity (section 4.1)
        y = -y % _P
    return x, y


def _add_iso(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int] | None:
    """Affine addition on E' (a = A'); None is the point at infinity."""
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        # tangent: lambda = (3 x^2 + A') / (2 y)
        lam = (3 * x1 * x1 + _A_ISO) * invert(2 * y1, _P) % _P
    else:
        lam = (y2 - y1) * invert(x2 - x1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    y3 = (lam * (x1 - x3) - y1) % _P
    return x3, y3


def _iso_map(pt: tuple[int, int]) -> Affine | None:
    """The 3-isogeny E' -> secp256k1 (RFC 9380, appendix E.1); None if a denominator is 0
    (section 6.6.3: then the result is the identity)."""
    x, y = pt
    x2 = x * x % _P
    x3 = x2 * x % _P
    x_num = (_K1[3] * x3 + _K1[2] * x2 + _K1[1] * x + _K1[0]) % _P
    x_den = (x2 + _K2[1] * x + _K2[0]) % _P
    y_num = (_K3[3] * x3 + _K3[2] * x2 + _K3[1] * x + _K3[0]) % _P
    y_den = (x3 + _K4[2] * x2 + _K4[1] * x + _K4[0]) % _P
    d = x_den * y_den % _P
    if not d:
        return None
    inv = invert(d, _P)  # one inversion for both denominators
    return (
        int(x_num * y_den % _P * inv % _P),
        int(y * y_num % _P * x_den % _P * inv % _P),
    )


def map_to_curve(u: int) -> Affine | None:
    """map_to_curve_simple_swu for secp256k1 (RFC 9380, section 6.6.3): the simplified SWU map
    onto E' (section 6.6.2) followed by the 3-isogeny (appendix E.1). Returns affine (x, y) on
    secp256k1, or None for the identity (which the map cannot reach for u in GF(p), but the
    section's exceptional case is kept)."""
    if not 0 <= u < P:
        raise ParameterError("map_to_curve: u must be a field element in [0, p)")
    return _iso_map(_map_to_iso_curve(mpz(u)))


def hash_to_curve_affine(msg: bytes, dst: bytes) -> Affine | None:
    """hash_to_curve (RFC 9380, section 3) as affine coordinates; None for the identity.

    Q0 + Q1 is computed on E' and mapped once: the isogeny is a group homomorphism, so
    iso_map(Q0' + Q1') = iso_map(Q0') + iso_map(Q1'), and one isogeny evaluation is saved.
    clear_cofactor is the identity map (h = 1, section 8.7).
    """
    u0, u1 = hash_to_field(msg, dst, 2)
    q = _add_iso(_map_to_iso_curve(mpz(u0)), _map_to_iso_curve(mpz(u1)))
    return None if q is None else _iso_map(q)


def hash_to_curve(msg: bytes, dst: bytes, backend: str | None = None) -> Point:
    """hash_to_curve for secp256k1_XMD:SHA-256_SSWU_RO_ (RFC 9380, sections 3 and 8.7), as a
    Point on `backend` (the default backend when None)."""
    aff = hash_to_curve_affine(msg, dst)
    if aff is None:
        return Point.identity(backend)
    return Point.from_affine(aff[0], aff[1], backend)
