"""User ids, round ids and asset symbols: the one normalisation shared by prover and verifier.

A user id is NFC-normalised UTF-8 of 1..256 bytes with no control, invisible format, separator,
surrogate, unassigned or private-use character and no leading or trailing whitespace
(docs/PROTOCOL.md, "User ids"). Ids equal after normalisation are the same user.

The user key, the "hashed client id" a user can compute for themselves, is

    user_key = SHA-256( u32_be(len(tag))   || tag
                     || u32_be(len(round)) || round_utf8
                     || u32_be(len(id))    || id_utf8 )

with tag = b"zk-solvency/v1/user-key", round the validated round id and id the normalised user id.
Every field is length-framed, so no two (round, id) pairs share an encoding.

This module is part of the verifier: it imports nothing from `prover/`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from circuits.errors import FormatError
from circuits.merkle import framed

#: Longest user id, in UTF-8 bytes after NFC normalisation.
MAX_USER_ID_BYTES = 256

#: Domain separation tag of the user key.
USER_KEY_TAG = b"zk-solvency/v1/user-key"

_ROUND_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_ASSET_SYMBOL = re.compile(r"[A-Z0-9]{1,16}")

#: Unicode general categories an id may not contain, with the words used in errors.
_FORBIDDEN_CATEGORIES: dict[str, str] = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a surrogate code point",
    "Cn": "an unassigned code point",
    "Co": "a private-use character",
}


def normalise_user_id(raw: str) -> str:
    """Return the NFC form of `raw`, or raise FormatError with a plain reason.

    Rejected: the empty id; any character of category Cc (controls, including tab and newline),
    Cf (zero-width space and joiners, BOM, bidi controls, soft hyphen, ...), Zl, Zp, Cs, Cn or Co;
    leading or trailing whitespace (invisible in most displays, so two ids would look equal);
    more than 256 UTF-8 bytes after normalisation. Spaces inside an id are allowed.

    Reasons name the code point and its 1-based position, never the id itself. "Unassigned"
    follows the running Python's Unicode database (`unicodedata.unidata_version`).
    """
    if not isinstance(raw, str):
        raise FormatError("user id must be a string")
    if raw == "":
        raise FormatError("user id is empty")
    # Categories first: normalize() accepts lone surrogates but encode() would not.
    for position, char in enumerate(raw, start=1):
        category = unicodedata.category(char)
        what = _FORBIDDEN_CATEGORIES.get(category)
        if what is not None:
            raise FormatError(f"user id contains {what} (U+{ord(char):04X}) at position {position}")
    normalised = unicodedata.normalize("NFC", raw)
    if normalised[0].isspace() or normalised[-1].isspace():
        raise FormatError("user id has leading or trailing whitespace")
    size = len(normalised.encode("utf-8"))
    if size > MAX_USER_ID_BYTES:
        raise FormatError(
            f"user id is {size} bytes in UTF-8, more than the maximum {MAX_USER_ID_BYTES}"
        )
    return normalised


def validate_round_id(s: str) -> str:
    """Return `s` if it is 1..64 characters of [A-Za-z0-9._:-]; raise FormatError otherwise."""
    if not isinstance(s, str) or _ROUND_ID.fullmatch(s) is None:
        raise FormatError("round id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -")
    return s


def validate_asset_symbol(s: str) -> str:
    """Return `s` if it is 1..16 characters of [A-Z0-9]; raise FormatError otherwise."""
    if not isinstance(s, str) or _ASSET_SYMBOL.fullmatch(s) is None:
        raise FormatError("asset symbol must be 1 to 16 characters of A-Z 0-9")
    return s


def user_key(round_id: str, user_id: str) -> bytes:
    """The 32-byte user key of `user_id` in round `round_id` (formula in the module docstring).

    The id is normalised here, so NFC and NFD spellings of one id give the same key.
    """
    round_bytes = validate_round_id(round_id).encode("ascii")
    id_bytes = normalise_user_id(user_id).encode("utf-8")
    return hashlib.sha256(framed(USER_KEY_TAG, round_bytes, id_bytes)).digest()


def user_key_hex(round_id: str, user_id: str) -> str:
    """The user key as 64 lowercase hex digits, as shown to users and used in proof file names."""
    return user_key(round_id, user_id).hex()
