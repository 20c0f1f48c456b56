"""verifier.chain.rlp: the examples of the RLP specification, the `rlp` package (pyrlp, through
eth-account) as an independent encoder and decoder on random items, and every non-canonical
encoding refused by name."""

from __future__ import annotations

import re
from typing import Any

import pytest
import rlp as pyrlp  # the reference implementation (ethereum/pyrlp; test extra only)
from hypothesis import given, settings
from hypothesis import strategies as hst

from circuits.errors import FormatError
from verifier.chain import rlp

LOREM = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit"

# The examples of the RLP page of ethereum.org (developers/docs/data-structures-and-encoding/rlp).
SPEC_VECTORS: list[tuple[Any, str]] = [
    (b"dog", "83646f67"),
    ([b"cat", b"dog"], "c88363617483646f67"),
    (b"", "80"),
    ([], "c0"),
    (rlp.encode_uint(0), "80"),
    (b"\x00", "00"),
    (b"\x0f", "0f"),
    (b"\x04\x00", "820400"),
    (rlp.encode_uint(1024), "820400"),
    ([[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"),
    (LOREM, "b838" + LOREM.hex()),
]


@pytest.mark.parametrize(("item", "hex_"), SPEC_VECTORS)
def test_specification_examples(item: Any, hex_: str) -> None:
    assert rlp.encode(item).hex() == hex_
    assert rlp.decode(bytes.fromhex(hex_)) == item


def test_long_lists_and_long_strings() -> None:
    items = [LOREM] * 5  # payload 290 bytes: 0xf9 + 2 length bytes
    enc = rlp.encode(items)
    assert enc[:3] == bytes([0xF9, 0x01, 0x22])
    assert rlp.decode(enc) == items
    big = bytes(70000)
    assert rlp.encode(big)[:4] == bytes([0xBA, 0x01, 0x11, 0x70])


items = hst.recursive(
    hst.binary(max_size=80),
    lambda children: hst.lists(children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(items)
def test_same_bytes_as_pyrlp(item: Any) -> None:
    enc = rlp.encode(item)
    assert enc == pyrlp.encode(item)
    assert rlp.decode(enc) == item
    assert pyrlp.decode(enc) == item


@settings(max_examples=200, deadline=None)
@given(hst.integers(min_value=0, max_value=2**256 - 1))
def test_integers_as_pyrlp(n: int) -> None:
    assert rlp.encode(rlp.encode_uint(n)) == pyrlp.encode(n)
    assert rlp.decode_uint(rlp.encode_uint(n), "n") == n


@pytest.mark.parametrize(
    ("hex_", "message"),
    [
        ("8100", "single byte below 0x80 with a prefix"),
        ("817f", "single byte below 0x80 with a prefix"),
        ("b80161", "long form for 1 bytes"),
        ("f801c0", "long form for 1 bytes"),
        ("b9003a" + "61" * 58, "length with a leading zero byte"),
        ("83646f", "string runs past the end"),
        ("c583646f67", "list runs past the end"),
        ("c283636174", "an RLP item runs past the end of its list"),
        ("b9", "length runs past the end"),
        ("", "item missing"),
        ("83646f6700", "1 byte(s) after the RLP item"),
        ("c0c0", "1 byte(s) after the RLP item"),
    ],
)
def test_non_canonical_or_truncated_is_refused(hex_: str, message: str) -> None:
    with pytest.raises(FormatError, match=re.escape(message)):
        rlp.decode(bytes.fromhex(hex_), "tx")


def test_depth_and_integer_limits() -> None:
    deep = bytes.fromhex("c0")
    for _ in range(rlp.MAX_DEPTH + 1):
        deep = rlp.encode([rlp.decode(deep)])
    with pytest.raises(FormatError, match="nested deeper than 16"):
        rlp.decode(deep)
    with pytest.raises(FormatError, match="leading zero byte"):
        rlp.decode_uint(b"\x00\x01", "nonce")
    with pytest.raises(FormatError, match="an integer of 33 bytes"):
        rlp.decode_uint(b"\x01" * 33, "value")
    with pytest.raises(FormatError, match="not negative"):
        rlp.encode_uint(-1)
    with pytest.raises(FormatError, match="not int"):
        rlp.encode(5)  # type: ignore[arg-type]
