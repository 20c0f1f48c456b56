"""Mutation-campaign tests of verifier/ownership (docs/MUTATION.md, third campaign): forged and
malformed wallet signatures of every scheme, each refused with its exact error class, check and
message."""

from __future__ import annotations

import hashlib

import pytest

from circuits.errors import FormatError
from verifier.ownership import btcsig

DER_ERROR = "ECDSA signature is not strict DER (BIP-66)"


def der(r: bytes, s: bytes, *, hash_type: bytes = b"\x01") -> bytes:
    """DER of the given integer bytes as written (no normalisation), then the hash type."""
    body = b"\x02" + bytes([len(r)]) + r + b"\x02" + bytes([len(s)]) + s
    return b"\x30" + bytes([len(body)]) + body + hash_type


R = b"\x11" * 32
S = b"\x22" * 32


@pytest.mark.parametrize(
    ("sig", "rs"),
    [
        (der(R, S), (int.from_bytes(R, "big"), int.from_bytes(S, "big"))),
        (der(b"\x01", b"\x02"), (1, 2)),  # 9 bytes, the shortest
        (der(b"\x00\x80" + b"\x00" * 31, b"\x00\xff" + b"\x00" * 31),  # 73 bytes, the longest
         (0x80 << 248, 0xFF << 248)),
        (der(b"\x00\x80", b"\x7f"), (0x80, 0x7F)),  # a needed leading zero
    ],
)  # fmt: skip
def test_strict_der_accepted(sig: bytes, rs: tuple[int, int]) -> None:
    assert btcsig._der_rs(sig) == rs


def _edit(sig: bytes, at: int, value: int) -> bytes:
    out = bytearray(sig)
    out[at] = value
    return bytes(out)


GOOD = der(R, S)


@pytest.mark.parametrize(
    "sig",
    [
        der(b"\x01", b""),  # 8 bytes
        der(b"\x00\x80" + b"\x00" * 31, b"\x00\x80" + b"\x00" * 32),  # 74 bytes, else strict
        _edit(GOOD, 0, 0x31),  # not a sequence
        _edit(GOOD, 1, GOOD[1] + 1),  # sequence length past the end
        _edit(GOOD, 1, GOOD[1] - 1),
        _edit(GOOD, 2, 0x03),  # r not an integer
        _edit(GOOD, 3, 0x40),  # r's length runs past the end
        _edit(GOOD, 3, 31),  # lengths do not add up
        der(b"", S + b"\x01"),  # empty r
        der(b"\x80" + R[1:], S),  # negative r
        der(b"\x00\x11" + R[2:], S),  # r with a needless leading zero
        _edit(GOOD, 4 + 32, 0x03),  # s not an integer
        der(R, b"", hash_type=b"\x01\x01"),  # empty s (lengths still add up)
        der(R, b"\x80" + S[1:]),  # negative s
        der(R, b"\x00\x22" + S[2:]),  # s with a needless leading zero
    ],
)
def test_non_strict_der_refused(sig: bytes) -> None:
    with pytest.raises(FormatError) as e:
        btcsig._der_rs(sig)
    assert str(e.value) == DER_ERROR


def test_compact_sizes() -> None:
    """Bitcoin's CompactSize at each boundary (signmessage digests of messages over 252 bytes
    use the 0xfd form: a reserve message of a long exchange name)."""
    assert btcsig._compact(0xFC) == b"\xfc"
    assert btcsig._compact(0xFD) == b"\xfd\xfd\x00"
    assert btcsig._compact(0xFFFF) == b"\xfd\xff\xff"
    assert btcsig._compact(0x10000) == b"\xfe\x00\x00\x01\x00"
    assert btcsig._compact(0xFFFFFFFF) == b"\xfe\xff\xff\xff\xff"
    assert btcsig._compact(0x100000000) == b"\xff" + (1 << 32).to_bytes(8, "little")


@pytest.mark.parametrize("size", [0, 252, 253, 300, 0xFFFF, 0x10000])
def test_signmessage_digest_by_hand(size: int) -> None:
    """Bitcoin Core's MessageHash written out independently of btcsig._varstr."""
    msg = bytes([0x61]) * size
    if size < 0xFD:
        length = bytes([size])
    elif size <= 0xFFFF:
        length = b"\xfd" + size.to_bytes(2, "little")
    else:
        length = b"\xfe" + size.to_bytes(4, "little")
    pre = b"\x18Bitcoin Signed Message:\n" + length + msg
    assert btcsig.signmessage_digest(msg) == hashlib.sha256(hashlib.sha256(pre).digest()).digest()
