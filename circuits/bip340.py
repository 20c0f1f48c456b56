"""BIP-340 Schnorr signatures on secp256k1: tagged hashes, x-only keys, signing and verification.

The procedures follow BIP-340 ("Schnorr Signatures for secp256k1") section by section, in its
names: `lift_x`, `has_even_y`, `bytes(P)` = the 32-byte x-coordinate of P. They run on either group
backend of `circuits.group`; on the libsecp256k1 backend signing and verification call
libsecp256k1's own `secp256k1_schnorrsig_sign32` / `secp256k1_schnorrsig_verify`, which the tests
check against the same vectors and against the generic code (identical results).

Messages are exactly 32 bytes (every message this project signs is a tagged hash).
`verify` never returns False: it returns None or raises `VerificationError` (check="bip340");
inputs of the wrong type or length raise `FormatError`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from circuits.errors import FormatError, VerificationError
from circuits.group import N, P, Point, get_backend, msm, sqrt_mod_p

__all__ = [
    "MSG_BYTES",
    "PUBKEY_BYTES",
    "SECKEY_BYTES",
    "SIG_BYTES",
    "lift_x",
    "sign",
    "tagged_hash",
    "verify",
    "xonly_pubkey",
]

SECKEY_BYTES = 32
PUBKEY_BYTES = 32
MSG_BYTES = 32
AUX_BYTES = 32
SIG_BYTES = 64

_CHECK = "bip340"
_LIBSECP = "libsecp256k1"


def tagged_hash(tag: str, msg: bytes) -> bytes:
    """hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x), with tag as UTF-8."""
    tag_hash = hashlib.sha256(tag.encode("utf-8")).digest()
    return hashlib.sha256(tag_hash + tag_hash + bytes(msg)).digest()


def _need_bytes(name: str, value: object, size: int) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise FormatError(f"BIP-340 {name} must be bytes, got {type(value).__name__}")
    if len(value) != size:
        raise FormatError(f"BIP-340 {name} must be {size} bytes, got {len(value)}")
    return bytes(value)


def _x_bytes(pt: Point) -> bytes:
    """bytes(P): the 32-byte big-endian x-coordinate of a point other than infinity."""
    xy = pt.affine()
    if xy is None:
        raise ValueError("bytes(P) of the point at infinity")
    return xy[0].to_bytes(32, "big")


def _has_even_y(pt: Point) -> bool:
    xy = pt.affine()
    if xy is None:
        raise ValueError("has_even_y of the point at infinity")
    return xy[1] % 2 == 0


def lift_x(x: int, backend: str | None = None) -> Point | None:
    """The point with x-coordinate x and even y, or None if x >= p or x is not on the curve."""
    if not 0 <= x < P:
        return None
    y = sqrt_mod_p((pow(x, 3, P) + 7) % P)
    if y is None:
        return None
    return Point.from_affine(x, y if y % 2 == 0 else P - y, backend)


def _seckey_int(seckey: bytes) -> int:
    d = int.from_bytes(_need_bytes("secret key", seckey, SECKEY_BYTES), "big")
    if not 0 < d < N:
        # The value itself never appears in the message.
        raise FormatError("BIP-340 secret key must be in [1, n-1]")
    return d


# --- libsecp256k1 paths ----------------------------------------------------------------------


def _lib() -> tuple[Any, Any, Any]:
    from coincurve._libsecp256k1 import ffi, lib
    from coincurve.context import GLOBAL_CONTEXT

    return ffi, lib, GLOBAL_CONTEXT.ctx


def _wipe(ffi: Any, obj: Any) -> None:
    size = ffi.sizeof(obj[0])
    ffi.memmove(obj, b"\x00" * size, size)


def _sign_lib(seckey: bytes, msg: bytes, aux: bytes) -> bytes:
    ffi, lib, ctx = _lib()
    keypair = ffi.new("secp256k1_keypair *")
    try:
        if not lib.secp256k1_keypair_create(ctx, keypair, seckey):
            raise FormatError("BIP-340 secret key must be in [1, n-1]")
        sig = ffi.new("unsigned char[64]")
        if not lib.secp256k1_schnorrsig_sign32(ctx, sig, msg, keypair, aux):
            raise VerificationError("libsecp256k1 refused to sign", check=_CHECK)
        return bytes(ffi.buffer(sig, SIG_BYTES))
    finally:
        _wipe(ffi, keypair)


def _xonly_lib(seckey: bytes) -> bytes:
    ffi, lib, ctx = _lib()
    keypair = ffi.new("secp256k1_keypair *")
    try:
        if not lib.secp256k1_keypair_create(ctx, keypair, seckey):
            raise FormatError("BIP-340 secret key must be in [1, n-1]")
        xonly = ffi.new("secp256k1_xonly_pubkey *")
        lib.secp256k1_keypair_xonly_pub(ctx, xonly, ffi.NULL, keypair)
        out = ffi.new("unsigned char[32]")
        lib.secp256k1_xonly_pubkey_serialize(ctx, out, xonly)
        return bytes(ffi.buffer(out, PUBKEY_BYTES))
    finally:
        _wipe(ffi, keypair)


def _verify_lib(pubkey: bytes, msg: bytes, sig: bytes) -> None:
    ffi, lib, ctx = _lib()
    xonly = ffi.new("secp256k1_xonly_pubkey *")
    if not lib.secp256k1_xonly_pubkey_parse(ctx, xonly, pubkey):
        raise VerificationError("BIP-340 public key is not the x-coordinate of a point", _CHECK)
    if not lib.secp256k1_schnorrsig_verify(ctx, sig, msg, len(msg), xonly):
        raise VerificationError("BIP-340 signature does not verify", check=_CHECK)


# --- the specification on circuits.group -----------------------------------------------------


def _xonly_group(d0: int, backend: str | None) -> bytes:
    return _x_bytes(Point.generator(backend) * d0)


def _sign_group(seckey: bytes, msg: bytes, aux: bytes, backend: str | None) -> bytes:
    """BIP-340 "Default Signing", step by step."""
    G = Point.generator(backend)
    d0 = _seckey_int(seckey)
    P_ = G * d0
    d = d0 if _has_even_y(P_) else N - d0
    t = (d ^ int.from_bytes(tagged_hash("BIP0340/aux", aux), "big")).to_bytes(32, "big")
    p_bytes = _x_bytes(P_)
    rand = tagged_hash("BIP0340/nonce", t + p_bytes + msg)
    k0 = int.from_bytes(rand, "big") % N
    if k0 == 0:
        raise VerificationError("BIP-340 nonce is zero (probability 2^-256)", check=_CHECK)
    R = G * k0
    k = k0 if _has_even_y(R) else N - k0
    r_bytes = _x_bytes(R)
    e = int.from_bytes(tagged_hash("BIP0340/challenge", r_bytes + p_bytes + msg), "big") % N
    return r_bytes + ((k + e * d) % N).to_bytes(32, "big")


def _verify_group(pubkey: bytes, msg: bytes, sig: bytes, backend: str | None) -> None:
    """BIP-340 "Verification", step by step; raises VerificationError naming the failed step."""
    P_ = lift_x(int.from_bytes(pubkey, "big"), backend)
    if P_ is None:
        raise VerificationError("BIP-340 public key is not the x-coordinate of a point", _CHECK)
    r = int.from_bytes(sig[:32], "big")
    if r >= P:
        raise VerificationError("BIP-340 signature r is not below p", check=_CHECK)
    s = int.from_bytes(sig[32:], "big")
    if s >= N:
        raise VerificationError("BIP-340 signature s is not below n", check=_CHECK)
    e = int.from_bytes(tagged_hash("BIP0340/challenge", sig[:32] + pubkey + msg), "big") % N
    # R = s*G - e*P
    R = msm([s, (N - e) % N], [Point.generator(backend), P_])
    xy = R.affine()
    if xy is None:
        raise VerificationError("BIP-340 signature does not verify (R is infinity)", _CHECK)
    if xy[1] % 2 != 0:
        raise VerificationError("BIP-340 signature does not verify (R has odd y)", _CHECK)
    if xy[0] != r:
        raise VerificationError("BIP-340 signature does not verify (x(R) != r)", _CHECK)


# --- public API ------------------------------------------------------------------------------


def xonly_pubkey(seckey: bytes, backend: str | None = None) -> bytes:
    """bytes(d'*G): the 32-byte x-only public key of a 32-byte secret key in [1, n-1]."""
    d0 = _seckey_int(seckey)
    if get_backend(backend).name == _LIBSECP:
        return _xonly_lib(bytes(seckey))
    return _xonly_group(d0, backend)


def sign(seckey: bytes, msg: bytes, aux_rand: bytes, backend: str | None = None) -> bytes:
    """The 64-byte BIP-340 signature of a 32-byte message, nonce derived from `aux_rand`.

    `aux_rand` should be 32 fresh random bytes (BIP-340 recommends it; all zeros is still safe
    against nonce reuse but not against side channels). The result is verified before return.
    """
    sk = _need_bytes("secret key", seckey, SECKEY_BYTES)
    m = _need_bytes("message", msg, MSG_BYTES)
    a = _need_bytes("aux_rand", aux_rand, AUX_BYTES)
    _seckey_int(sk)
    if get_backend(backend).name == _LIBSECP:
        sig = _sign_lib(sk, m, a)
    else:
        sig = _sign_group(sk, m, a, backend)
    verify(xonly_pubkey(sk, backend), m, sig, backend)
    return sig


def verify(pubkey: bytes, msg: bytes, sig: bytes, backend: str | None = None) -> None:
    """Verify a BIP-340 signature; None if valid, else VerificationError (check="bip340").

    FormatError if pubkey is not 32 bytes, msg not 32 bytes or sig not 64 bytes. Everything that
    BIP-340 itself rejects (x not on the curve, r >= p, s >= n, R infinite, odd y(R), x(R) != r)
    is a VerificationError.
    """
    pk = _need_bytes("public key", pubkey, PUBKEY_BYTES)
    m = _need_bytes("message", msg, MSG_BYTES)
    sg = _need_bytes("signature", sig, SIG_BYTES)
    if get_backend(backend).name == _LIBSECP:
        _verify_lib(pk, m, sg)
    else:
        _verify_group(pk, m, sg, backend)
