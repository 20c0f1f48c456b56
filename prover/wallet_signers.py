"""Wallet keys for demos and tests: the addresses of a secret key on each chain, and signatures in
every reserves v2 scheme (BIP-322 simple, Bitcoin Core signmessage, BIP-340 by a Taproot output
key, EIP-191 personal_sign).

ECDSA nonces are RFC 6979 (HMAC-SHA256, no extra data), as libsecp256k1, Bitcoin Core and
eth-account do, so the tests can compare our signatures with theirs byte for byte; s is made low.
Taproot keys follow BIP-86 (key-path only): output key Q = P + TaggedHash("TapTweak", x(P))*G
with P the even-y internal key. Real custody keys never pass through here: exchanges sign the
text printed by `solvency-prove reserves-challenge` with their own tools.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator

from circuits import bip340
from circuits.errors import FormatError, ParameterError
from circuits.group import N, Point
from verifier.ownership import btcsig
from verifier.ownership.bitcoin import (
    BtcAddress,
    encode_p2pkh,
    encode_p2tr,
    encode_p2wpkh,
    hash160,
)
from verifier.ownership.ethereum import address_of, checksum_address, eip191_digest

__all__ = [
    "address_for",
    "ecdsa_sign",
    "rfc6979_nonces",
    "sign_wallet",
    "taproot_output_seckey",
]


def _seckey(sk: bytes) -> int:
    if len(sk) != 32:
        raise ParameterError("a wallet secret key is 32 bytes")
    d = int.from_bytes(sk, "big")
    if not 0 < d < N:
        raise ParameterError("a wallet secret key must be in [1, n-1]")
    return d


def rfc6979_nonces(d: int, digest: bytes) -> Iterator[int]:
    """RFC 6979 3.2 with HMAC-SHA256 (qlen = hlen = 256): the candidate nonces k, in order."""
    x = d.to_bytes(32, "big")
    h = (int.from_bytes(digest, "big") % N).to_bytes(32, "big")
    V, K = b"\x01" * 32, b"\x00" * 32
    K = hmac.new(K, V + b"\x00" + x + h, hashlib.sha256).digest()
    V = hmac.new(K, V, hashlib.sha256).digest()
    K = hmac.new(K, V + b"\x01" + x + h, hashlib.sha256).digest()
    V = hmac.new(K, V, hashlib.sha256).digest()
    while True:
        V = hmac.new(K, V, hashlib.sha256).digest()
        k = int.from_bytes(V, "big")
        if 0 < k < N:
            yield k
        K = hmac.new(K, V + b"\x00", hashlib.sha256).digest()
        V = hmac.new(K, V, hashlib.sha256).digest()


def ecdsa_sign(sk: bytes, digest: bytes) -> tuple[int, int, int]:
    """(r, s, recid) with s <= n/2; recid bit 0 = parity of y(R) (after the low-s flip), bit 1 =
    x(R) >= n."""
    d = _seckey(sk)
    z = int.from_bytes(digest, "big") % N
    for k in rfc6979_nonces(d, digest):
        xy = (Point.generator() * k).affine()
        assert xy is not None
        r = xy[0] % N
        if r == 0:
            continue
        s = pow(k, -1, N) * (z + r * d) % N
        if s == 0:
            continue
        recid = (xy[1] & 1) | (2 if xy[0] >= N else 0)
        if s > N // 2:
            s, recid = N - s, recid ^ 1
        return r, s, recid
    raise AssertionError("unreachable")  # pragma: no cover


def _pubkey(sk: bytes) -> Point:
    return Point.generator() * _seckey(sk)


def taproot_output_seckey(sk: bytes) -> bytes:
    """BIP-86: the secret key of the output key Q = P + t*G, t = TaggedHash("TapTweak", x(P))."""
    d = _seckey(sk)
    xy = (Point.generator() * d).affine()
    assert xy is not None
    if xy[1] & 1:
        d = N - d
    t = int.from_bytes(bip340.tagged_hash("TapTweak", xy[0].to_bytes(32, "big")), "big")
    if t >= N:
        raise ParameterError("taproot tweak out of range (probability 2^-128)")
    dq = (d + t) % N
    if dq == 0:
        raise ParameterError("taproot tweaked key is zero")
    return dq.to_bytes(32, "big")


def address_for(sk: bytes, chain: str, scheme: str) -> tuple[str, bytes | None]:
    """(address, pubkey for scheme bip340 else None) of a secret key for a chain and scheme:
    P2WPKH for bip322-simple, P2PKH (compressed key) for btc-signmessage, P2TR (BIP-86 output
    key) for bip340, EIP-55 for eip191. `scheme` "bip322-p2tr" gives the P2TR address with
    bip322-simple."""
    if scheme == "eip191":
        return checksum_address(address_of(_pubkey(sk))), None
    if scheme == "bip322-simple":
        return encode_p2wpkh(hash160(_pubkey(sk).to_bytes()), chain), None
    if scheme == "btc-signmessage":
        return encode_p2pkh(hash160(_pubkey(sk).to_bytes()), chain), None
    if scheme in ("bip340", "bip322-p2tr"):
        q = bip340.xonly_pubkey(taproot_output_seckey(sk))
        return encode_p2tr(q, chain), (q if scheme == "bip340" else None)
    raise ParameterError(f"unknown scheme {scheme!r}")


def _der(r: int, s: int) -> bytes:
    def part(v: int) -> bytes:
        raw = v.to_bytes(32, "big").lstrip(b"\x00") or b"\x00"
        if raw[0] & 0x80:
            raw = b"\x00" + raw
        return b"\x02" + bytes([len(raw)]) + raw

    body = part(r) + part(s)
    return b"\x30" + bytes([len(body)]) + body


def _witness(items: list[bytes]) -> bytes:
    out = bytes([len(items)])
    for it in items:
        if len(it) >= 0xFD:
            raise ParameterError("witness item too long for this signer")
        out += bytes([len(it)]) + it
    return out


def sign_wallet(
    sk: bytes,
    address: BtcAddress | None,
    scheme: str,
    message: str,
    aux: bytes = bytes(32),
) -> str:
    """The signature text of `message` in `scheme` by `sk` (address decoded for bitcoin schemes;
    None for eip191)."""
    msg = message.encode("utf-8")
    if scheme == "eip191":
        r, s, recid = ecdsa_sign(sk, eip191_digest(msg))
        return "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([27 + recid])).hex()
    if address is None:
        raise FormatError(f"scheme {scheme} needs a bitcoin address")
    if scheme == "btc-signmessage":
        r, s, recid = ecdsa_sign(sk, btcsig.signmessage_digest(msg))
        raw = bytes([31 + recid]) + r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return base64.b64encode(raw).decode("ascii")
    if scheme == "bip340":
        dq = taproot_output_seckey(sk)
        return bip340.sign(dq, btcsig.taproot_message_digest(msg), aux).hex()
    if scheme == "bip322-simple":
        if address.kind == "p2wpkh":
            digest = btcsig.bip322_sighash(address, msg, btcsig.SIGHASH_ALL)
            r, s, _ = ecdsa_sign(sk, digest)
            witness = _witness([_der(r, s) + b"\x01", _pubkey(sk).to_bytes()])
        elif address.kind == "p2tr":
            digest = btcsig.bip322_sighash(address, msg, btcsig.SIGHASH_DEFAULT)
            witness = _witness([bip340.sign(taproot_output_seckey(sk), digest, aux)])
        else:
            raise FormatError("bip322-simple needs a P2WPKH or P2TR address")
        return "smp" + base64.b64encode(witness).decode("ascii")
    raise ParameterError(f"unknown scheme {scheme!r}")
