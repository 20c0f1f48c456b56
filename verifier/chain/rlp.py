"""Recursive Length Prefix (RLP, Ethereum Yellow Paper appendix B): a strict encoder and decoder
of byte strings and lists, and the canonical integer encoding, for signed transactions.

    bytes b, len 1, b[0] < 0x80      b
    bytes b, len <= 55               0x80 + len || b
    bytes b, len > 55                0xb7 + len(L) || L || b     (L = len big-endian, no leading 0)
    list, payload p, len <= 55       0xc0 + len || p             (p = the items' encodings)
    list, payload p, len > 55        0xf7 + len(L) || L || p

An integer is its big-endian bytes without leading zeros (0 is the empty string). `decode`
accepts exactly the encodings `encode` produces (one encoding per value): a single byte below
0x80 written with a prefix, a long form for 55 bytes or fewer, a length with a leading zero, a
length past the end and trailing bytes are refused (FormatError).
"""

from __future__ import annotations

from typing import Union

from circuits.errors import FormatError

__all__ = ["Item", "decode", "decode_uint", "encode", "encode_uint"]

#: An RLP item: a byte string or a list of items.
Item = Union[bytes, list["Item"]]  # noqa: UP007 (a recursive alias needs the string form)

#: Nesting limit of `decode` (a transaction nests 3 deep; access lists 4).
MAX_DEPTH = 16


def encode_uint(value: int) -> bytes:
    """The canonical byte string of a non-negative integer: big-endian, no leading zero byte."""
    if value < 0:
        raise FormatError("RLP integers are not negative")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def decode_uint(data: bytes, what: str, max_bytes: int = 32) -> int:
    """The integer of a canonical byte string (at most `max_bytes`, no leading zero byte)."""
    if len(data) > max_bytes:
        raise FormatError(f"{what}: an integer of {len(data)} bytes (at most {max_bytes})")
    if data[:1] == b"\x00":
        raise FormatError(f"{what}: an integer with a leading zero byte (not canonical)")
    return int.from_bytes(data, "big")


def _prefix(length: int, short: int) -> bytes:
    if length <= 55:
        return bytes([short + length])
    size = encode_uint(length)
    return bytes([short + 55 + len(size)]) + size


def encode(item: Item) -> bytes:
    """The RLP encoding of a byte string or a (nested) list of them."""
    if isinstance(item, bytes | bytearray):
        if len(item) == 1 and item[0] < 0x80:
            return bytes(item)
        return _prefix(len(item), 0x80) + bytes(item)
    if isinstance(item, list):
        payload = b"".join(encode(x) for x in item)
        return _prefix(len(payload), 0xC0) + payload
    raise FormatError(f"RLP encodes bytes and lists, not {type(item).__name__}")


def decode(data: bytes, what: str = "RLP") -> Item:
    """The one item `data` encodes, strictly (module docstring); FormatError names `what`."""
    item, end = _decode_at(bytes(data), 0, what, 0)
    if end != len(data):
        raise FormatError(f"{what}: {len(data) - end} byte(s) after the RLP item")
    return item


def _length(data: bytes, pos: int, size: int, what: str) -> int:
    raw = data[pos : pos + size]
    if len(raw) != size:
        raise FormatError(f"{what}: RLP length runs past the end")
    if raw[0] == 0:
        raise FormatError(f"{what}: RLP length with a leading zero byte (not canonical)")
    length = int.from_bytes(raw, "big")
    if length <= 55:
        raise FormatError(f"{what}: RLP long form for {length} bytes (not canonical)")
    return length


def _span(data: bytes, pos: int, short: int, what: str, kind: str) -> tuple[int, int]:
    """(start, end) of the payload whose prefix byte at `pos` has short form base `short`."""
    b = data[pos]
    if b <= short + 55:
        start, length = pos + 1, b - short
    else:
        size = b - short - 55
        start, length = pos + 1 + size, _length(data, pos + 1, size, what)
    if start + length > len(data):
        raise FormatError(f"{what}: RLP {kind} runs past the end")
    return start, start + length


def _decode_at(data: bytes, pos: int, what: str, depth: int) -> tuple[Item, int]:
    if depth > MAX_DEPTH:
        raise FormatError(f"{what}: RLP nested deeper than {MAX_DEPTH}")
    if pos >= len(data):
        raise FormatError(f"{what}: RLP item missing (end of data)")
    b = data[pos]
    if b < 0x80:
        return data[pos : pos + 1], pos + 1
    if b < 0xC0:  # a byte string
        start, end = _span(data, pos, 0x80, what, "string")
        value = data[start:end]
        if len(value) == 1 and value[0] < 0x80:
            raise FormatError(f"{what}: RLP single byte below 0x80 with a prefix (not canonical)")
        return value, end
    start, end = _span(data, pos, 0xC0, what, "list")
    items: list[Item] = []
    at = start
    while at < end:
        item, at = _decode_at(data, at, what, depth + 1)
        if at > end:
            raise FormatError(f"{what}: an RLP item runs past the end of its list")
        items.append(item)
    return items, end
