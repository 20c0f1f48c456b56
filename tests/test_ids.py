"""User ids, round ids, asset symbols and the user key (verifier/ids.py)."""

from __future__ import annotations

import hashlib
import struct
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import FormatError
from verifier.ids import (
    MAX_USER_ID_BYTES,
    USER_KEY_TAG,
    normalise_user_id,
    user_key,
    user_key_hex,
    validate_asset_symbol,
    validate_round_id,
)

# Ids that are valid and worth keeping valid: non-ASCII, inner spaces, punctuation.
VALID_IDS = [
    "alice",
    "alice@example.com",
    "Jane Doe",
    "Zoë",
    "Jürgen Müller",
    "用户12345",
    "مستخدم",
    "😀 whale",
    "a" * MAX_USER_ID_BYTES,
    "é" * (MAX_USER_ID_BYTES // 2),
]


@pytest.mark.parametrize("raw", VALID_IDS)
def test_valid_ids_are_kept(raw: str) -> None:
    assert normalise_user_id(raw) == unicodedata.normalize("NFC", raw)


# Each rejected id next to the exact reason.
REJECTED_IDS = [
    ("", "user id is empty"),
    ("bob\x00", "user id contains a control character (U+0000) at position 4"),
    ("bo\tb", "user id contains a control character (U+0009) at position 3"),
    ("bob\n", "user id contains a control character (U+000A) at position 4"),
    ("bob\r", "user id contains a control character (U+000D) at position 4"),
    ("\x7fbob", "user id contains a control character (U+007F) at position 1"),
    ("bob\x85", "user id contains a control character (U+0085) at position 4"),
    ("b\u200bob", "user id contains an invisible format character (U+200B) at position 2"),
    ("b\u200cob", "user id contains an invisible format character (U+200C) at position 2"),
    ("b\u200dob", "user id contains an invisible format character (U+200D) at position 2"),
    ("\ufeffbob", "user id contains an invisible format character (U+FEFF) at position 1"),
    ("bob\u202e", "user id contains an invisible format character (U+202E) at position 4"),
    ("b\u2066ob", "user id contains an invisible format character (U+2066) at position 2"),
    ("b\u00adob", "user id contains an invisible format character (U+00AD) at position 2"),
    ("b\u2060ob", "user id contains an invisible format character (U+2060) at position 2"),
    ("bob\u2028", "user id contains a line separator (U+2028) at position 4"),
    ("bob\u2029", "user id contains a paragraph separator (U+2029) at position 4"),
    ("bob\ud800", "user id contains a surrogate code point (U+D800) at position 4"),
    ("bob\U000e0001", "user id contains an invisible format character (U+E0001) at position 4"),
    ("bob\u0378", "user id contains an unassigned code point (U+0378) at position 4"),
    ("bob\ue000", "user id contains a private-use character (U+E000) at position 4"),
    ("bob\U000f0000", "user id contains a private-use character (U+F0000) at position 4"),
    (" bob", "user id has leading or trailing whitespace"),
    ("bob ", "user id has leading or trailing whitespace"),
    ("\u00a0bob", "user id has leading or trailing whitespace"),
    ("bob\u3000", "user id has leading or trailing whitespace"),
    (" ", "user id has leading or trailing whitespace"),
    ("a" * 257, "user id is 257 bytes in UTF-8, more than the maximum 256"),
    ("é" * 129, "user id is 258 bytes in UTF-8, more than the maximum 256"),
    # 129 decomposed e + combining acute: 387 bytes as given, 258 after NFC.
    ("e\u0301" * 129, "user id is 258 bytes in UTF-8, more than the maximum 256"),
]


@pytest.mark.parametrize(("raw", "reason"), REJECTED_IDS)
def test_rejected_ids(raw: str, reason: str) -> None:
    with pytest.raises(FormatError) as info:
        normalise_user_id(raw)
    assert str(info.value) == reason


def test_length_is_counted_after_normalisation() -> None:
    # 128 decomposed é are 384 bytes as given but 256 after NFC: accepted.
    assert normalise_user_id("e\u0301" * 128) == "é" * 128


def test_not_a_string() -> None:
    with pytest.raises(FormatError):
        normalise_user_id(b"bob")  # type: ignore[arg-type]


def test_reasons_never_echo_the_id() -> None:
    secret_looking = "customer-8731\u200b"
    with pytest.raises(FormatError) as info:
        normalise_user_id(secret_looking)
    assert "customer" not in str(info.value)


def _acceptable(text: str) -> bool:
    try:
        normalise_user_id(text)
    except FormatError:
        return False
    return True


ids = st.text(min_size=1, max_size=40).filter(_acceptable)


@given(ids)
def test_normalisation_is_idempotent(raw: str) -> None:
    once = normalise_user_id(raw)
    assert normalise_user_id(once) == once


@given(ids)
def test_nfc_and_nfd_give_the_same_key(raw: str) -> None:
    nfd = unicodedata.normalize("NFD", raw)
    nfc = unicodedata.normalize("NFC", raw)
    if _acceptable(nfd):  # NFD may grow past 256 bytes only for huge ids; not at max_size=40
        assert user_key("2026-11", nfd) == user_key("2026-11", nfc) == user_key("2026-11", raw)


def test_composed_and_decomposed_spelling_share_a_key() -> None:
    assert user_key("r1", "Zo\u00eb") == user_key("r1", "Zoe\u0308")
    assert user_key("r1", "Zo\u00eb") != user_key("r1", "Zoe")


def test_user_key_formula() -> None:
    """SHA256(u32(len tag) || tag || u32(len round) || round || u32(len id) || id)."""
    round_id, user = "2026-11", "Zoë"
    id_bytes = user.encode("utf-8")
    expected = hashlib.sha256(
        struct.pack(">I", len(USER_KEY_TAG))
        + USER_KEY_TAG
        + struct.pack(">I", len(round_id))
        + round_id.encode()
        + struct.pack(">I", len(id_bytes))
        + id_bytes
    ).digest()
    assert USER_KEY_TAG == b"zk-solvency/v1/user-key"
    assert user_key(round_id, user) == expected
    assert len(expected) == 32
    assert user_key_hex(round_id, user) == expected.hex()


def test_user_key_frozen_vector() -> None:
    # Computed once from the formula above; must never change (users compute it themselves).
    assert (
        user_key_hex("2026-11", "alice@example.com")
        == hashlib.sha256(
            b"\x00\x00\x00\x17zk-solvency/v1/user-key"
            b"\x00\x00\x00\x072026-11"
            b"\x00\x00\x00\x11alice@example.com"
        ).hexdigest()
    )


def test_user_key_framing_separates_round_and_id() -> None:
    # Without length framing "r1" + "2x" and "r12" + "x" would hash the same bytes.
    assert user_key("r1", "2x") != user_key("r12", "x")


def test_user_key_depends_on_round() -> None:
    assert user_key("2026-10", "alice") != user_key("2026-11", "alice")


def test_user_key_validates_inputs() -> None:
    with pytest.raises(FormatError, match="round id"):
        user_key("bad round", "alice")
    with pytest.raises(FormatError, match="user id is empty"):
        user_key("r1", "")


@pytest.mark.parametrize("good", ["1", "2026-11", "round_7.a:b", "A" * 64])
def test_valid_round_ids(good: str) -> None:
    assert validate_round_id(good) == good


@pytest.mark.parametrize(
    "bad", ["", "A" * 65, "2026 11", "2026/11", "2026-11\n", "ronda-ñ", "r1\x00", "２０２６"]
)
def test_rejected_round_ids(bad: str) -> None:
    with pytest.raises(FormatError) as info:
        validate_round_id(bad)
    assert str(info.value) == "round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"


@pytest.mark.parametrize("good", ["BTC", "USDT", "1INCH", "A", "A" * 16])
def test_valid_asset_symbols(good: str) -> None:
    assert validate_asset_symbol(good) == good


@pytest.mark.parametrize("bad", ["", "btc", "A" * 17, "BTC-E", "BTC\n", " BTC", "ÉTH", "BTC.B"])
def test_rejected_asset_symbols(bad: str) -> None:
    with pytest.raises(FormatError) as info:
        validate_asset_symbol(bad)
    assert str(info.value) == "asset symbol must be 1 to 16 characters of A-Z 0-9"


@pytest.mark.parametrize("raw", [b"alice", 7, None])
def test_a_user_id_that_is_not_a_string_is_named(raw: object) -> None:
    with pytest.raises(FormatError) as info:
        normalise_user_id(raw)  # type: ignore[arg-type]
    assert str(info.value) == "user id must be a string"
