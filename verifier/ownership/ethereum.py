"""Ethereum addresses (EIP-55 checksums) and EIP-191 `personal_sign` signatures.

* keccak-256 comes from verifier.ownership.hashes: pycryptodome (`Crypto.Hash.keccak`), imported
  only when first needed, so the verifier imports without any compiled extension; in the browser
  page, the npm package @noble/hashes.
* Addresses: "0x" + 40 hex digits in their EIP-55 mixed-case checksum form, exactly. An address
  whose spelling differs from its checksum form is refused, including all-lowercase and
  all-uppercase spellings (which carry no checksum): one spelling per address keeps the signed
  message and duplicate detection unambiguous, and every wallet and explorer shows EIP-55.
* `personal_sign` (EIP-191 version 0x45): digest = keccak256(b"\\x19Ethereum Signed Message:\\n"
  || decimal(len(message)) || message). Signature: 65 bytes r (32) || s (32) || v (1) with
  v in {27, 28} (what geth, `cast wallet sign`, eth-account and browser wallets return); the
  public key is recovered (circuits.ecdsa, low s required as in EIP-2) and its address,
  keccak256(x || y)[12:], must be the listed one.
"""

from __future__ import annotations

from circuits import ecdsa
from circuits.errors import FormatError, VerificationError
from circuits.group import Point
from verifier.ownership.hashes import keccak256

__all__ = [
    "SIG_BYTES",
    "address_of",
    "checksum_address",
    "eip191_digest",
    "keccak256",
    "parse_address",
    "recover_eip191",
]

SIG_BYTES = 65
_HEX = frozenset("0123456789abcdefABCDEF")


def checksum_address(raw20: bytes) -> str:
    """EIP-55: hex digit i is uppercase iff nibble i of keccak256(lowercase hex) is >= 8."""
    if len(raw20) != 20:
        raise FormatError("an ethereum address is 20 bytes")
    low = raw20.hex()
    h = keccak256(low.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if int(h[i], 16) >= 8 else c for i, c in enumerate(low))


def parse_address(text: str) -> bytes:
    """The 20 bytes of an EIP-55 address; FormatError if malformed or the checksum differs."""
    if not isinstance(text, str) or len(text) != 42 or not text.startswith("0x"):
        raise FormatError("not an ethereum address (0x followed by 40 hex digits)")
    if not set(text[2:]) <= _HEX:
        raise FormatError("not an ethereum address (0x followed by 40 hex digits)")
    raw = bytes.fromhex(text[2:])
    expected = checksum_address(raw)
    if text != expected:
        if text[2:] in (text[2:].lower(), text[2:].upper()):
            raise FormatError(f"address has no EIP-55 checksum: write it as {expected}")
        raise FormatError("EIP-55 checksum mismatch (mixed-case spelling differs)")
    return raw


def address_of(pubkey: Point) -> bytes:
    """keccak256(x || y)[12:]: the 20-byte address of a public key."""
    xy = pubkey.affine()
    if xy is None:
        raise VerificationError("public key is the identity", check="ecdsa")
    return keccak256(xy[0].to_bytes(32, "big") + xy[1].to_bytes(32, "big"))[12:]


def eip191_digest(message: bytes) -> bytes:
    """keccak256("\\x19Ethereum Signed Message:\\n" || len(message) in decimal || message)."""
    prefix = b"\x19Ethereum Signed Message:\n" + str(len(message)).encode("ascii")
    return keccak256(prefix + message)


def recover_eip191(message: bytes, signature: bytes, backend: str | None = None) -> bytes:
    """The 20-byte address that signed `message` with `personal_sign`.

    FormatError for a signature that is not 65 bytes; VerificationError (check "ecdsa") for v not
    27/28, r or s out of range, high s, or no key recoverable."""
    if len(signature) != SIG_BYTES:
        raise FormatError(f"EIP-191 signature must be {SIG_BYTES} bytes, got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28):
        raise VerificationError(f"EIP-191 signature v = {v}, expected 27 or 28", check="ecdsa")
    q = ecdsa.recover(eip191_digest(message), r, s, v - 27, backend)
    return address_of(q)
