"""Bitcoin ownership signatures: BIP-322 "simple" (P2WPKH, P2TR key path), legacy `signmessage`
(P2PKH), and a BIP-340 signature by a Taproot output key.

Each function takes the listed address (decoded), the message bytes and the signature as in the
reserves file, derives the address from what was signed, and raises:
`FormatError` for a signature that cannot be decoded (base64, lengths, witness encoding, DER);
`VerificationError` check "reserves-address" when the signing key's address is not the listed
one, check "reserves-signature" when the signature does not verify.

BIP-322 (version 2.0.0 of the BIP): `to_spend` and `to_sign` are the virtual transactions of the
BIP; the witness is checked with the rules the BIP requires of ECDSA (strict DER, low s,
SIGHASH_ALL, compressed key: the P2WPKH standard rules) and BIP-341 key-path rules for Taproot
(SIGHASH_DEFAULT or SIGHASH_ALL, no annex). The simple signature is "smp" + base64(witness);
without the prefix it is read as simple too, as the BIP allows for signatures made before it was
final. Full and proof-of-funds variants and script paths are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from circuits import bip340, ecdsa
from circuits.bip340 import tagged_hash
from circuits.errors import FormatError, VerificationError
from circuits.group import Point
from verifier.ownership.bitcoin import BtcAddress, hash160, script_pubkey

__all__ = [
    "BIP322_TAG",
    "SIGNMESSAGE_MAGIC",
    "TAPROOT_MESSAGE_TAG",
    "bip322_message_hash",
    "bip322_sighash",
    "decode_base64",
    "decode_simple",
    "parse_witness",
    "signmessage_digest",
    "to_spend_txid",
    "verify_bip322_simple",
    "verify_bip340_taproot",
    "verify_signmessage",
]

BIP322_TAG = "BIP0322-signed-message"
SIGNMESSAGE_MAGIC = b"Bitcoin Signed Message:\n"
#: Tag of the 32-byte digest a Taproot output key signs in scheme "bip340" (PROTOCOL 9.2).
TAPROOT_MESSAGE_TAG = "zk-solvency/reserves/v2"
MAX_SIGNATURE_BYTES = 8192
SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
_ADDR = "reserves-address"
_SIG = "reserves-signature"


def _dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _compact(n: int) -> bytes:
    """Bitcoin's CompactSize."""
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def _varstr(b: bytes) -> bytes:
    return _compact(len(b)) + b


def decode_base64(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 alphabet, padding required, canonical re-encoding)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise FormatError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise FormatError(f"{what} is not canonical base64")
    return raw


# --- legacy signmessage (P2PKH) --------------------------------------------------------------


def signmessage_digest(message: bytes) -> bytes:
    """Bitcoin Core's MessageHash: SHA256d(varstr("Bitcoin Signed Message:\\n") || varstr(m))."""
    return _dsha(_varstr(SIGNMESSAGE_MAGIC) + _varstr(message))


def _pubkey_bytes(q: Point, compressed: bool) -> bytes:
    if compressed:
        return q.to_bytes()
    xy = q.affine()
    assert xy is not None  # recover never returns the identity
    return b"\x04" + xy[0].to_bytes(32, "big") + xy[1].to_bytes(32, "big")


def verify_signmessage(
    addr: BtcAddress, message: bytes, signature: str, backend: str | None = None
) -> None:
    """Bitcoin Core `verifymessage`: 65 bytes header || r || s, header = 27 + recid (+4 when the
    key is compressed); the P2PKH address of the recovered key must be the listed one. As in
    Core, s may be high (only 1 <= r, s < n is required)."""
    if addr.kind != "p2pkh":
        raise FormatError("btc-signmessage needs a P2PKH address")
    raw = decode_base64(signature, "signature")
    if len(raw) != 65:
        raise FormatError(f"signmessage signature must be 65 bytes, got {len(raw)}")
    header = raw[0]
    if not 27 <= header <= 34:
        raise VerificationError(f"signmessage header byte {header} not in 27..34", check=_SIG)
    recid = (header - 27) & 3
    compressed = header >= 31
    r = int.from_bytes(raw[1:33], "big")
    s = int.from_bytes(raw[33:65], "big")
    try:
        q = ecdsa.recover(signmessage_digest(message), r, s, recid, backend, low_s=False)
    except VerificationError as exc:
        raise VerificationError(f"signature does not verify ({exc})", check=_SIG) from None
    if hash160(_pubkey_bytes(q, compressed)) != addr.program:
        raise VerificationError(
            "the key recovered from the signature is not this address's key: signed by "
            "another key or over another message",
            check=_SIG,
        )


# --- BIP-322 ---------------------------------------------------------------------------------


def bip322_message_hash(message: bytes) -> bytes:
    """message_hash = TaggedHash("BIP0322-signed-message", m)."""
    return tagged_hash(BIP322_TAG, message)


def _to_spend(message: bytes, spk: bytes) -> bytes:
    """Serialisation (no witness) of `to_spend`."""
    return (
        struct.pack("<i", 0)
        + b"\x01"
        + b"\x00" * 32
        + b"\xff\xff\xff\xff"
        + _varstr(b"\x00\x20" + bip322_message_hash(message))
        + struct.pack("<I", 0)
        + b"\x01"
        + struct.pack("<q", 0)
        + _varstr(spk)
        + struct.pack("<I", 0)
    )


def to_spend_txid(message: bytes, spk: bytes) -> bytes:
    """txid of `to_spend` (internal byte order; explorers show it reversed)."""
    return _dsha(_to_spend(message, spk))


def to_sign_txid(message: bytes, spk: bytes) -> bytes:
    """txid of `to_sign` (no witness), internal byte order."""
    tx = (
        struct.pack("<i", 0)
        + b"\x01"
        + to_spend_txid(message, spk)
        + struct.pack("<I", 0)
        + b"\x00"
        + struct.pack("<I", 0)
        + b"\x01"
        + struct.pack("<q", 0)
        + _varstr(b"\x6a")
        + struct.pack("<I", 0)
    )
    return _dsha(tx)


def bip322_sighash(addr: BtcAddress, message: bytes, hash_type: int) -> bytes:
    """The digest the key signs in `to_sign`: BIP-143 for P2WPKH (SIGHASH_ALL), BIP-341 key path
    for P2TR (SIGHASH_DEFAULT or SIGHASH_ALL). One input (to_spend:0, amount 0, nSequence 0), one
    output (0, OP_RETURN), nVersion 0, nLockTime 0."""
    spk = script_pubkey(addr)
    outpoint = to_spend_txid(message, spk) + struct.pack("<I", 0)
    sequence = struct.pack("<I", 0)
    output = struct.pack("<q", 0) + _varstr(b"\x6a")
    amount = struct.pack("<q", 0)
    if addr.kind == "p2wpkh":
        script_code = _varstr(b"\x76\xa9\x14" + addr.program + b"\x88\xac")
        preimage = (
            struct.pack("<i", 0)
            + _dsha(outpoint)
            + _dsha(sequence)
            + outpoint
            + script_code
            + amount
            + sequence
            + _dsha(output)
            + struct.pack("<I", 0)
            + struct.pack("<I", hash_type)
        )
        return _dsha(preimage)
    if addr.kind == "p2tr":
        msg = (
            b"\x00"
            + bytes([hash_type])
            + struct.pack("<i", 0)
            + struct.pack("<I", 0)
            + _sha(outpoint)
            + _sha(amount)
            + _sha(_varstr(spk))
            + _sha(sequence)
            + _sha(output)
            + b"\x00"
            + struct.pack("<I", 0)
        )
        return tagged_hash("TapSighash", msg)
    raise FormatError("BIP-322 simple signatures need a P2WPKH or P2TR address")


def _read_compact(raw: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(raw):
        raise FormatError("witness ends inside a length")
    first = raw[pos]
    if first < 0xFD:
        return first, pos + 1
    size = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    if pos + 1 + size > len(raw):
        raise FormatError("witness ends inside a length")
    n = int.from_bytes(raw[pos + 1 : pos + 1 + size], "little")
    if n < {2: 0xFD, 4: 0x10000, 8: 0x100000000}[size]:
        raise FormatError("witness length is not minimally encoded")
    return n, pos + 1 + size


def parse_witness(raw: bytes) -> list[bytes]:
    """A consensus-encoded witness stack: CompactSize count, then CompactSize-prefixed items."""
    count, pos = _read_compact(raw, 0)
    if count > len(raw):
        raise FormatError("witness item count exceeds its size")
    items = []
    for _ in range(count):
        n, pos = _read_compact(raw, pos)
        if pos + n > len(raw):
            raise FormatError("witness item runs past the end")
        items.append(raw[pos : pos + n])
        pos += n
    if pos != len(raw):
        raise FormatError(f"{len(raw) - pos} bytes after the witness stack")
    return items


def decode_simple(signature: str) -> list[bytes]:
    """The witness stack of a BIP-322 simple signature ("smp" + base64, or base64 alone)."""
    if signature.startswith(("ful", "pof")):
        raise FormatError(
            "only BIP-322 simple signatures are accepted (prefix 'smp'), not full or proof-of-funds"
        )
    body = signature[3:] if signature.startswith("smp") else signature
    raw = decode_base64(body, "BIP-322 signature")
    if not raw:
        raise FormatError("BIP-322 signature is empty")
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise FormatError(f"BIP-322 signature longer than {MAX_SIGNATURE_BYTES} bytes")
    return parse_witness(raw)


def _der_rs(sig: bytes) -> tuple[int, int]:
    """(r, s) of a strict DER signature followed by its hash-type byte (BIP-66
    IsValidSignatureEncoding)."""
    n = len(sig)
    ok = 9 <= n <= 73 and sig[0] == 0x30 and sig[1] == n - 3
    if ok:
        len_r = sig[3]
        ok = 5 + len_r < n
        if ok:
            len_s = sig[5 + len_r]
            ok = (
                len_r + len_s + 7 == n
                and sig[2] == 0x02
                and len_r != 0
                and not sig[4] & 0x80
                and not (len_r > 1 and sig[4] == 0 and not sig[5] & 0x80)
                and sig[len_r + 4] == 0x02
                and len_s != 0
                and not sig[len_r + 6] & 0x80
                and not (len_s > 1 and sig[len_r + 6] == 0 and not sig[len_r + 7] & 0x80)
            )
    if not ok:
        raise FormatError("ECDSA signature is not strict DER (BIP-66)")
    len_r = sig[3]
    r = int.from_bytes(sig[4 : 4 + len_r], "big")
    s = int.from_bytes(sig[6 + len_r : n - 1], "big")
    return r, s


def verify_bip322_simple(
    addr: BtcAddress, message: bytes, signature: str, backend: str | None = None
) -> None:
    """BIP-322 simple verification for a P2WPKH or P2TR (key path) address."""
    witness = decode_simple(signature)
    if addr.kind == "p2wpkh":
        if len(witness) != 2:
            raise VerificationError(
                f"P2WPKH witness has {len(witness)} items, expected 2 (signature, key)",
                check=_SIG,
            )
        sig, key = witness
        if len(key) != 33 or key[0] not in (2, 3):
            raise VerificationError("P2WPKH witness key is not a compressed key", check=_SIG)
        if hash160(key) != addr.program:
            raise VerificationError(
                "the witness key is not this address's key (HASH160 differs)", check=_ADDR
            )
        if not sig:
            raise VerificationError("P2WPKH witness signature is empty", check=_SIG)
        if sig[-1] != SIGHASH_ALL:
            raise VerificationError("signature hash type is not SIGHASH_ALL", check=_SIG)
        r, s = _der_rs(sig)
        try:
            q = Point.from_bytes(key, backend)
        except FormatError:
            raise VerificationError("P2WPKH witness key is not a curve point", check=_SIG) from None
        try:
            ecdsa.verify(q, bip322_sighash(addr, message, SIGHASH_ALL), r, s)
        except VerificationError as exc:
            raise VerificationError(
                f"BIP-322 signature does not verify for this address and message ({exc})",
                check=_SIG,
            ) from None
        return
    if addr.kind == "p2tr":
        if len(witness) != 1:
            raise VerificationError(
                f"P2TR witness has {len(witness)} items: only key-path signatures (1 item, "
                "no annex) are accepted",
                check=_SIG,
            )
        sig = witness[0]
        if len(sig) == 64:
            hash_type = SIGHASH_DEFAULT
        elif len(sig) == 65 and sig[64] == SIGHASH_ALL:
            hash_type, sig = SIGHASH_ALL, sig[:64]
        else:
            raise VerificationError(
                "Taproot signature must be 64 bytes, or 65 ending in SIGHASH_ALL", check=_SIG
            )
        try:
            bip340.verify(addr.program, bip322_sighash(addr, message, hash_type), sig, backend)
        except VerificationError as exc:
            raise VerificationError(
                f"BIP-322 signature does not verify for this address and message ({exc})",
                check=_SIG,
            ) from None
        return
    raise FormatError("bip322-simple needs a P2WPKH or P2TR address")


# --- BIP-340 by the Taproot output key -------------------------------------------------------


def taproot_message_digest(message: bytes) -> bytes:
    """TaggedHash("zk-solvency/reserves/v2", message): what scheme "bip340" signs."""
    return tagged_hash(TAPROOT_MESSAGE_TAG, message)


def verify_bip340_taproot(
    addr: BtcAddress, pubkey: bytes, message: bytes, signature: bytes, backend: str | None = None
) -> None:
    """The x-only key must be the P2TR address's output key; BIP-340 over the tagged message."""
    if addr.kind != "p2tr":
        raise FormatError("bip340 needs a P2TR address (the key is its Taproot output key)")
    if pubkey != addr.program:
        raise VerificationError("the key is not this P2TR address's output key", check=_ADDR)
    try:
        bip340.verify(pubkey, taproot_message_digest(message), signature, backend)
    except VerificationError as exc:
        raise VerificationError(
            f"signature does not verify for this key and message ({exc})", check=_SIG
        ) from None
