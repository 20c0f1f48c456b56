"""A strict JSON loader for untrusted files, and typed accessors whose errors name a JSON path.

`load_json` refuses, with a `FormatError` naming the source, before or while parsing:

- input longer than `max_bytes` (checked before anything else is done with it);
- bytes that are not UTF-8, and a byte order mark;
- nesting deeper than `max_depth` (the top-level container is depth 1), found by a linear scan
  of the brackets *before* the parser runs, so `'[' * 10**6` is refused in bounded time and
  without recursion;
- duplicate keys in an object; floats and exponents (`1.5`, `1e3`, `-0.0`); NaN, Infinity,
  -Infinity; integers of more than `MAX_INT_DIGITS` digits. The parser hooks put a marker in
  place of such a value and the error names its JSON path, e.g.
  `reserves.json: assets.BTC.wallets[0].balance: number 1.5 is not an integer ...` (for a
  duplicate key, the path of the object holding it);
- a lone surrogate (an unpaired `\\ud800`-`\\udfff` escape) in any string or key, anywhere
  in the document, even where no accessor looks: such a string has no UTF-8 encoding, so it
  could not be hashed, signed or printed;
- anything `json` itself rejects (syntax, trailing data, raw control characters in strings),
  reported with its line and column.

The accessors (`get_str`, `get_int`, `get_hex`, `get_list`, `get_obj`, `expect_keys`, `as_obj`)
raise `FormatError("<path>: <reason>")`, where the path is written as in `assets.BTC.wallets[2]`
(`join` builds it; the top level is the empty path, shown as `(top level)`). Callers prefix the
source name. Hex is canonical: lowercase only, exactly two characters per byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, NoReturn

from circuits.errors import FormatError

__all__ = [
    "MAX_INT_DIGITS",
    "as_obj",
    "expect_keys",
    "get_hex",
    "get_int",
    "get_list",
    "get_obj",
    "get_str",
    "hex_value",
    "int_value",
    "join",
    "load_json",
]

#: Longest integer literal accepted (2^256 has 78 digits); longer ones are refused unparsed.
MAX_INT_DIGITS = 80

# A JSON string (possibly unterminated, then it runs to the end) or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_IDENT = re.compile(r"[A-Za-z0-9_-]+")
_HEX = re.compile(r"[0-9a-f]*")
# C0 and C1 control characters and DEL; a lone surrogate is caught by the UTF-8 check.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A \uD800-\uDFFF escape: the only way a surrogate gets into a string decoded from UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


class _Refused:
    """Stands in for a refused value (float, constant, long integer, object with a duplicate
    key) while json parses; `load_json` then reports the first one with its JSON path."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _max_depth_at(text: str, max_depth: int) -> int | None:
    """Offset of the first bracket nested deeper than max_depth, or None (exact, slower)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok == "[" or tok == "{":
            depth += 1
            if depth > max_depth:
                return m.start()
        elif tok == "]" or tok == "}":
            depth -= 1  # unbalanced brackets are left to the parser to report
    return None


def _check_depth(text: str, source: str, max_depth: int) -> None:
    """Refuse nesting deeper than max_depth, without recursion and before parsing.

    Fast pass, at C speed: drop escaped backslashes and escaped quotes (left to right, as a
    JSON string is read), keep what lies outside the remaining quotes, delete all but the
    brackets; then one Python loop over the brackets only. If it finds too deep a nesting,
    the exact scan `_max_depth_at` locates it for the message.
    """
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    outside = "".join(unescaped.split('"')[0::2])
    skeleton = outside.encode("utf-8").translate(None, _NOT_BRACKETS)
    depth = 0
    for b in skeleton:
        if b == 0x5B or b == 0x7B:  # [ {
            depth += 1
            if depth > max_depth:
                break
        else:
            depth -= 1
    else:
        return
    pos = _max_depth_at(text, max_depth)
    where = "" if pos is None else "line {} column {}: ".format(*_line_col(text, pos))
    raise FormatError(f"{source}: {where}JSON nested deeper than {max_depth}")


class _Hooks:
    """json parser hooks that put a `_Refused` marker in place of each refused value and
    remember whether they did, so the tree is walked only when something was refused."""

    def __init__(self) -> None:
        self.refused = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Refused:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                return self._refuse(f"duplicate key {key!r}")
            seen.add(key)
        return out  # not reached

    def number(self, literal: str) -> _Refused:
        return self._refuse(f"number {literal[:40]} is not an integer (floats are not allowed)")

    def constant(self, literal: str) -> _Refused:
        return self._refuse(f"{literal} is not allowed (numbers must be integers)")

    def integer(self, literal: str) -> int | _Refused:
        if len(literal) > MAX_INT_DIGITS and len(literal.lstrip("-")) > MAX_INT_DIGITS:
            return self._refuse(
                f"integer of {len(literal)} characters (at most {MAX_INT_DIGITS} digits)"
            )
        return int(literal)

    def _refuse(self, reason: str) -> _Refused:
        self.refused = True
        return _Refused(reason)


def _find_refused(value: Any) -> tuple[str, _Refused] | None:
    """The first refused value in document order, with its path (iterative, no recursion)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, _Refused):
            return path, v
        if isinstance(v, dict):
            stack.extend((join(path, k), x) for k, x in reversed(v.items()))
        elif isinstance(v, list):
            stack.extend((join(path, i), x) for i, x in reversed(list(enumerate(v))))
    return None


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find_surrogate(value: Any) -> tuple[str, str] | None:
    """(path, what) of the first string or key with a lone surrogate (iterative walk)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            if _has_surrogate(v):
                return path, "string"
        elif isinstance(v, dict):
            for k in v:
                if _has_surrogate(k):
                    return join(path, k), "key"
            stack.extend((join(path, k), x) for k, x in reversed(v.items()))
        elif isinstance(v, list):
            stack.extend((join(path, i), x) for i, x in reversed(list(enumerate(v))))
    return None


def load_json(data: bytes, *, source: str, max_bytes: int, max_depth: int = 32) -> Any:
    """Parse untrusted JSON strictly (see the module docstring); FormatError names `source`."""
    if not isinstance(data, bytes | bytearray):
        raise FormatError(f"{source}: JSON input must be bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise FormatError(f"{source}: {len(data)} bytes, more than the limit of {max_bytes}")
    if data.startswith(b"\xef\xbb\xbf"):
        raise FormatError(f"{source}: line 1 column 1: byte order mark not allowed")
    try:
        text = bytes(data).decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"{source}: line {line}: not UTF-8 (byte offset {exc.start})") from None
    _check_depth(text, source, max_depth)
    hooks = _Hooks()
    try:
        value = json.loads(
            text,
            object_pairs_hook=hooks.pairs,
            parse_float=hooks.number,
            parse_constant=hooks.constant,
            parse_int=hooks.integer,
        )
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{source}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. int digit limits; depth is checked above
        raise FormatError(f"{source}: invalid JSON: {exc}") from None
    found = _find_refused(value) if hooks.refused else None
    if found is not None:
        path, refused = found
        raise FormatError(f"{source}: {path or '(top level)'}: {refused.reason}")
    if _SURROGATE_ESCAPE.search(text):
        bad = _find_surrogate(value)
        if bad is not None:
            path, what = bad
            raise FormatError(
                f"{source}: {path or '(top level)'}: {what} contains a lone surrogate "
                "(\\ud800-\\udfff), which is not Unicode text"
            )
    return value


# --- paths and typed access ------------------------------------------------------------------


def join(path: str, key: str | int) -> str:
    """The path of `key` (an object key or a list index) below `path`: `a.b`, `a[2]`, `a["x.y"]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENT.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _fail(path: str, reason: str) -> NoReturn:
    raise FormatError(f"{path or '(top level)'}: {reason}")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def as_obj(value: object, path: str) -> dict[str, Any]:
    """`value` itself, which must be a JSON object."""
    if not isinstance(value, dict):
        _fail(path, f"expected an object, got {_type_name(value)}")
    return value


def _get(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        _fail(path, f"missing key {key!r}")
    return obj[key]


def expect_keys(
    obj: dict[str, Any], required: Iterable[str], optional: Iterable[str], path: str
) -> None:
    """Every key in `required` is present and no key outside `required` and `optional` is."""
    req = list(required)
    allowed = set(req) | set(optional)
    for key in req:
        if key not in obj:
            _fail(path, f"missing key {key!r}")
    for key in obj:
        if key not in allowed:
            _fail(path, f"unknown key {key!r}")


def get_obj(obj: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """obj[key], which must be a JSON object."""
    return as_obj(_get(obj, key, path), join(path, key))


def get_list(obj: dict[str, Any], key: str, path: str, max_len: int, min_len: int = 0) -> list[Any]:
    """obj[key], which must be an array of min_len to max_len elements."""
    value = _get(obj, key, path)
    here = join(path, key)
    if not isinstance(value, list):
        _fail(here, f"expected an array, got {_type_name(value)}")
    if not min_len <= len(value) <= max_len:
        _fail(here, f"array of {len(value)} elements, expected {min_len} to {max_len}")
    return value


def get_str(obj: dict[str, Any], key: str, path: str, max_len: int, min_len: int = 0) -> str:
    """obj[key], a string of min_len to max_len UTF-8 bytes with no control characters."""
    value = _get(obj, key, path)
    here = join(path, key)
    if not isinstance(value, str):
        _fail(here, f"expected a string, got {_type_name(value)}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        _fail(here, "string contains a lone surrogate (\\ud800-\\udfff)")
    if not min_len <= size <= max_len:
        _fail(here, f"string of {size} UTF-8 bytes, expected {min_len} to {max_len}")
    if _CONTROL.search(value):
        _fail(here, "string contains a control character")
    return value


def get_int(obj: dict[str, Any], key: str, path: str, lo: int, hi: int) -> int:
    """obj[key], an integer with lo <= value <= hi (both inclusive). Booleans are refused."""
    return int_value(_get(obj, key, path), join(path, key), lo, hi)


def get_hex(obj: dict[str, Any], key: str, path: str, nbytes: int) -> bytes:
    """obj[key], exactly 2*nbytes lowercase hex characters (canonical: no prefix, no uppercase)."""
    return hex_value(_get(obj, key, path), join(path, key), nbytes)


def hex_value(value: object, path: str, nbytes: int) -> bytes:
    """`value` itself (e.g. a list element): exactly 2*nbytes lowercase hex characters."""
    if not isinstance(value, str):
        _fail(path, f"expected a hex string, got {_type_name(value)}")
    if len(value) != 2 * nbytes:
        _fail(path, f"expected {2 * nbytes} hex characters ({nbytes} bytes), got {len(value)}")
    if not _HEX.fullmatch(value):
        _fail(path, "hex must contain only 0-9 and lowercase a-f")
    return bytes.fromhex(value)


def int_value(value: object, path: str, lo: int, hi: int) -> int:
    """`value` itself (e.g. a list element): an integer in [lo, hi]; booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"expected an integer, got {_type_name(value)}")
    if not lo <= value <= hi:
        _fail(path, f"integer {value} out of range [{lo}, {hi}]")
    return value
