"""The strict JSON loader and its typed accessors: each refusal with its exact error and where."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import FormatError
from verifier import jsonstrict as js


def load(data: bytes, max_bytes: int = 1 << 20, max_depth: int = 32) -> Any:
    return js.load_json(data, source="in.json", max_bytes=max_bytes, max_depth=max_depth)


def refused(data: bytes, match: str, **kw: int) -> str:
    with pytest.raises(FormatError, match=match) as info:
        load(data, **kw)
    msg = str(info.value)
    assert msg.startswith("in.json: ")
    return msg


def test_valid_document() -> None:
    doc = load(b'{"a": [1, -2, "x", true, null, {"b": {}}], "c": 18446744073709551615}\n')
    assert doc == {"a": [1, -2, "x", True, None, {"b": {}}], "c": 2**64 - 1}


# --- refusals of load_json -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'{"a": 1, "a": 2}', "in.json: (top level): duplicate key 'a'"),
        (b'{"a": {"b": [{"k": 1, "k": 1}]}}', "in.json: a.b[0]: duplicate key 'k'"),
        (b'{"x": {}, "x": {}}', "in.json: (top level): duplicate key 'x'"),
    ],
)
def test_duplicate_keys(data: bytes, where: str) -> None:
    assert refused(data, "duplicate key") == where


@pytest.mark.parametrize("num", ["1.5", "1e3", "1E3", "-0.0", "0.0", "2e-1", "10.0"])
def test_floats(num: str) -> None:
    msg = refused(b'{"w": [0, ' + num.encode() + b"]}", "not an integer")
    assert msg.startswith("in.json: w[1]: number " + num)


@pytest.mark.parametrize("const", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity(const: str) -> None:
    msg = refused(b'{"v": ' + const.encode() + b"}", "is not allowed")
    assert msg == f"in.json: v: {const} is not allowed (numbers must be integers)"


def test_long_integers() -> None:
    assert load(b"9" * js.MAX_INT_DIGITS) == int("9" * js.MAX_INT_DIGITS)
    refused(b"[" + b"9" * (js.MAX_INT_DIGITS + 1) + b"]", r"in.json: \[0\]: integer of 81")
    refused(b"[" + b"9" * 100_000 + b"]", "integer of 100000 characters")


@pytest.mark.parametrize(
    ("bomb", "column"),
    [
        (b"[" * 100_000, 33),
        (b'{"a":' * 100_000, 161),
        (b"[" * 100_000 + b"]" * 100_000, 33),
        (b"[{" * 50_000, 33),
        (b'[{"a":' * 50_000, 97),
    ],
    ids=["open-arrays", "open-objects", "balanced", "mixed", "mixed-keys"],
)
def test_depth_bombs(bomb: bytes, column: int) -> None:
    start = time.perf_counter()
    msg = refused(bomb, "nested deeper than 32", max_bytes=1 << 21)
    assert msg == f"in.json: line 1 column {column}: JSON nested deeper than 32"
    assert time.perf_counter() - start < 1.0


def test_depth_limit_is_exact() -> None:
    assert load(b"[" * 32 + b"]" * 32) is not None
    refused(b"[" * 33 + b"]" * 33, "nested deeper than 32")
    assert load(b'{"a": {"b": 1}}', max_depth=2) == {"a": {"b": 1}}
    refused(b'{"a": {"b": []}}', "nested deeper than 2", max_depth=2)


def test_brackets_inside_strings_do_not_count() -> None:
    text = b'{"s": "[[[[{{{{ \\" [[[[ \\\\"}'
    assert load(text, max_depth=1) == {"s": '[[[[{{{{ " [[[[ \\'}


def test_huge_input_refused_before_parsing() -> None:
    data = b"[" + b"1," * 600_000 + b"1]"
    start = time.perf_counter()
    msg = refused(data, "more than the limit", max_bytes=1 << 20)
    assert msg == f"in.json: {len(data)} bytes, more than the limit of {1 << 20}"
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b'{"a": "\xff"}', "line 1: not UTF-8"),
        (b'{\n"a":\n "\xc3\x28"}', "line 3: not UTF-8"),
        (b'\xef\xbb\xbf{"a": 1}', "byte order mark"),
        (b'{"a": 1}\n{"b": 2}', "line 2 column 1: invalid JSON: Extra data"),
        (b'{\n  "a": \n}', "line 3 column 1: invalid JSON"),
        (b'{"a": "tab\there"}', "line 1 column 11: invalid JSON: Invalid control character"),
        (b"", "line 1 column 1: invalid JSON"),
        (b'["unterminated', "invalid JSON"),
        (b"[1, 2", "invalid JSON"),
        (b"[1]]", "invalid JSON: Extra data"),
    ],
)
def test_syntax_and_encoding(data: bytes, match: str) -> None:
    refused(data, match)


def test_input_must_be_bytes() -> None:
    with pytest.raises(FormatError, match="must be bytes"):
        js.load_json('{"a": 1}', source="in.json", max_bytes=100)  # type: ignore[arg-type]


# --- accessors -------------------------------------------------------------------------------

DOC: dict[str, Any] = {
    "n": 5,
    "t": True,
    "s": "abc",
    "h": "00ff",
    "l": [1, 2],
    "o": {"k": 1},
    "z": None,
}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: js.get_int(DOC, "t", "top", 0, 9), "top.t: expected an integer, got boolean"),
        (lambda: js.get_int(DOC, "s", "top", 0, 9), "top.s: expected an integer, got string"),
        (lambda: js.get_int(DOC, "z", "top", 0, 9), "top.z: expected an integer, got null"),
        (lambda: js.get_int(DOC, "n", "top", 0, 4), "top.n: integer 5 out of range [0, 4]"),
        (lambda: js.get_int(DOC, "n", "top", 6, 9), "top.n: integer 5 out of range [6, 9]"),
        (lambda: js.get_int(DOC, "q", "top", 0, 9), "top: missing key 'q'"),
        (lambda: js.get_str(DOC, "n", "", 9), "n: expected a string, got integer"),
        (lambda: js.get_str(DOC, "s", "", 2), "s: string of 3 UTF-8 bytes, expected 0 to 2"),
        (lambda: js.get_str(DOC, "s", "", 9, min_len=4), "s: string of 3 UTF-8 bytes"),
        (lambda: js.get_str({"s": "a\x00"}, "s", "", 9), "s: string contains a control char"),
        (lambda: js.get_str({"s": "a\x85"}, "s", "", 9), "s: string contains a control char"),
        (lambda: js.get_str({"s": "\ud800"}, "s", "", 9), "s: string contains a lone surrogate"),
        (lambda: js.get_hex(DOC, "h", "p", 3), "p.h: expected 6 hex characters (3 bytes), got 4"),
        (lambda: js.get_hex({"h": "00F"}, "h", "p", 2), "p.h: expected 4 hex characters"),
        (lambda: js.get_hex({"h": "00FF"}, "h", "p", 2), "p.h: hex must contain only 0-9 and lo"),
        (lambda: js.get_hex({"h": "0x00"}, "h", "p", 2), "p.h: hex must contain only"),
        (lambda: js.get_hex({"h": "00 f"}, "h", "p", 2), "p.h: hex must contain only"),
        (lambda: js.get_hex(DOC, "n", "p", 2), "p.n: expected a hex string, got integer"),
        (lambda: js.get_list(DOC, "o", "x", 9), "x.o: expected an array, got object"),
        (lambda: js.get_list(DOC, "l", "x", 1), "x.l: array of 2 elements, expected 0 to 1"),
        (lambda: js.get_list(DOC, "l", "x", 9, min_len=3), "x.l: array of 2 elements"),
        (lambda: js.get_obj(DOC, "l", "x[3]"), "x[3].l: expected an object, got array"),
        (lambda: js.as_obj([1], ""), "(top level): expected an object, got array"),
        (lambda: js.expect_keys(DOC, ["n", "q"], [], "a"), "a: missing key 'q'"),
        (lambda: js.expect_keys(DOC, ["n"], ["t", "s", "h", "l", "o"], "a"), "a: unknown key 'z'"),
    ],
)
def test_accessor_errors(call: Any, message: str) -> None:
    with pytest.raises(FormatError) as info:
        call()
    assert str(info.value).startswith(message)


def test_accessor_values() -> None:
    assert js.get_int(DOC, "n", "", 5, 5) == 5
    assert js.get_str(DOC, "s", "", 3, min_len=3) == "abc"
    assert js.get_str({"s": "é"}, "s", "", 2) == "é"  # length in UTF-8 bytes
    assert js.get_hex(DOC, "h", "", 2) == b"\x00\xff"
    assert js.get_list(DOC, "l", "", 2, min_len=2) == [1, 2]
    assert js.get_obj(DOC, "o", "") == {"k": 1}
    js.expect_keys(DOC, ["n", "t", "s", "h", "l", "o", "z"], [], "")


def test_join() -> None:
    assert js.join("", "assets") == "assets"
    assert js.join("assets", "BTC") == "assets.BTC"
    assert js.join("assets.BTC.wallets", 2) == "assets.BTC.wallets[2]"
    assert js.join("a", "x.y") == 'a["x.y"]'
    assert js.join("", "") == '[""]'


# --- the depth pre-scan agrees with the real nesting -----------------------------------------

_TRICKY = st.text(alphabet='[]{}"\\ab\n\u00e9', max_size=8)
_JSON = st.recursive(
    st.integers(-5, 5) | st.booleans() | st.none() | _TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=30,
)


def _depth(v: Any) -> int:
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    return 0


@given(doc=_JSON, limit=st.integers(1, 6), ascii_only=st.booleans())
def test_depth_check_matches_nesting(doc: Any, limit: int, ascii_only: bool) -> None:
    data = json.dumps(doc, ensure_ascii=ascii_only).encode()
    if _depth(doc) <= limit:
        assert load(data, max_depth=limit) == doc
    else:
        msg = refused(data, f"nested deeper than {limit}", max_depth=limit)
        assert msg.startswith("in.json: line 1 column ")


# --- exact texts and positions (mutation campaign, session 4) --------------------------------


def exact(data: bytes | bytearray, **kw: int) -> str:
    """The whole message of the FormatError `load_json` raises for `data`."""
    with pytest.raises(FormatError) as info:
        js.load_json(data, source="in.json", max_bytes=kw.pop("max_bytes", 1 << 20), **kw)
    return str(info.value)


@pytest.mark.parametrize(
    ("data", "limit", "where"),
    [
        # newlines before and after the bracket: line and column of the bracket itself
        (b'{\n  "a": [\n    [\n      [1]\n    ]\n  ]\n}\n', 3, "line 4 column 7: "),
        (b"[\n[\n]\n,\n[[\n\n]]]\n", 2, "line 5 column 2: "),
        # a newline as the very first character
        (b"\n[[[1]]]", 2, "line 2 column 3: "),
        # an escaped backslash just before a closing quote: the string ends there
        (b'["\\\\", [[1]]]', 2, "line 1 column 9: "),
        (b'{"k\\\\": "\\\\\\"[", "v": [[1]]}', 2, "line 1 column 24: "),
        # objects and arrays closed before the deep one
        (b'[{}, {}, {"a": [[1]]}]', 3, "line 1 column 17: "),
        (b"[[[], [[]]]]", 3, "line 1 column 8: "),
        # a backslash outside any string: the fast pass and the exact scan disagree (the
        # document is not JSON); the refusal stands, without a position
        (b'[\\"[[[', 3, ""),
    ],
)
def test_depth_error_names_the_bracket(data: bytes, limit: int, where: str) -> None:
    assert exact(data, max_depth=limit) == f"in.json: {where}JSON nested deeper than {limit}"


def test_default_depth_limit_is_32() -> None:
    assert js.load_json(b"[" * 32 + b"]" * 32, source="in.json", max_bytes=100) is not None
    with pytest.raises(FormatError) as info:
        js.load_json(b"[" * 33 + b"]" * 33, source="in.json", max_bytes=100)
    assert str(info.value) == "in.json: line 1 column 33: JSON nested deeper than 32"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1.5", "(top level): number 1.5 is not an integer (floats are not allowed)"),
        (b"[1.5, 2.5]", "[0]: number 1.5 is not an integer (floats are not allowed)"),
        (b'{"x": 1e2, "y": 2.5}', "x: number 1e2 is not an integer (floats are not allowed)"),
        (
            b'{"a": [1, {"b": -0.0}], "c": NaN}',
            "a[1].b: number -0.0 is not an integer (floats are not allowed)",
        ),
        (
            b'[[1, 2], [3, {"k": Infinity}]]',
            "[1][1].k: Infinity is not allowed (numbers must be integers)",
        ),
        # a float literal is cut at 40 characters in the message
        (
            b"[0." + b"1" * 43 + b"]",
            "[0]: number 0." + "1" * 38 + " is not an integer (floats are not allowed)",
        ),
        (b'{"a": {"b": 1, "b": 2}}', "a: duplicate key 'b'"),
        (
            b"[-" + b"9" * 81 + b"]",
            "[0]: integer of 82 characters (at most 80 digits)",
        ),
    ],
)
def test_refused_values_exact(data: bytes, message: str) -> None:
    assert exact(data) == f"in.json: {message}"


def test_integer_digit_limit_counts_digits_not_the_sign() -> None:
    assert js.load_json(b"[-" + b"9" * 80 + b"]", source="s", max_bytes=100) == [-(10**80 - 1)]
    assert js.load_json(b"[" + b"9" * 80 + b"]", source="s", max_bytes=100) == [10**80 - 1]
    assert js.load_json(b'{"a": [], "b": {}}', source="s", max_bytes=100) == {"a": [], "b": {}}


def test_load_json_input_errors_exact() -> None:
    with pytest.raises(FormatError) as info:
        js.load_json('{"a": 1}', source="in.json", max_bytes=100)  # type: ignore[arg-type]
    assert str(info.value) == "in.json: JSON input must be bytes, got str"
    assert js.load_json(bytearray(b'{"a": 1}'), source="in.json", max_bytes=8) == {"a": 1}
    assert exact(b'{"a": 1}', max_bytes=7) == "in.json: 8 bytes, more than the limit of 7"
    assert exact(b'\xef\xbb\xbf{"a": 1}') == "in.json: line 1 column 1: byte order mark not allowed"
    assert exact(b'{\n"a":\n "\xc3\x28"}') == "in.json: line 3: not UTF-8 (byte offset 9)"
    assert exact(b"\xff") == "in.json: line 1: not UTF-8 (byte offset 0)"
    assert exact(b'["\xff",\n1]\n') == "in.json: line 1: not UTF-8 (byte offset 2)"
    assert exact(b'\n["\xff"]') == "in.json: line 2: not UTF-8 (byte offset 3)"
    assert exact(b'{"a": 1}\n{"b": 2}') == "in.json: line 2 column 1: invalid JSON: Extra data"
    assert exact(b"[1,\n 2,\n ]") == ("in.json: line 3 column 2: invalid JSON: Expecting value")


def test_type_names_in_messages() -> None:
    for value, name in [
        (None, "null"),
        (True, "boolean"),
        (False, "boolean"),
        ("1", "string"),
        ([1], "array"),
        ({"a": 1}, "object"),
        (1.5, "float"),
        (b"1", "bytes"),
    ]:
        with pytest.raises(FormatError) as info:
            js.int_value(value, "p", 0, 9)
        assert str(info.value) == f"p: expected an integer, got {name}"
    with pytest.raises(FormatError) as info:
        js.hex_value(7, "", 1)
    assert str(info.value) == "(top level): expected a hex string, got integer"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: js.get_str(DOC, "s", "", 9, min_len=4),
            "s: string of 3 UTF-8 bytes, expected 4 to 9",
        ),
        (lambda: js.get_str({"s": "é"}, "s", "", 1), "s: string of 2 UTF-8 bytes, expected 0 to 1"),
        (lambda: js.get_str({"s": "a\x00"}, "s", "", 9), "s: string contains a control character"),
        (lambda: js.get_str({"s": "\x7f"}, "s", "", 9), "s: string contains a control character"),
        (lambda: js.get_str({"s": "\x9f"}, "s", "", 9), "s: string contains a control character"),
        (
            lambda: js.get_str({"s": "\ud800"}, "s", "a", 9),
            "a.s: string contains a lone surrogate (\\ud800-\\udfff)",
        ),
        (lambda: js.get_str({}, "s", "a", 9), "a: missing key 's'"),
        (
            lambda: js.get_hex({"h": "00F"}, "h", "p", 2),
            "p.h: expected 4 hex characters (2 bytes), got 3",
        ),
        (
            lambda: js.get_hex({"h": "00FF"}, "h", "p", 2),
            "p.h: hex must contain only 0-9 and lowercase a-f",
        ),
        (
            lambda: js.get_hex({"h": "0g"}, "h", "p", 1),
            "p.h: hex must contain only 0-9 and lowercase a-f",
        ),
        (lambda: js.get_hex({}, "h", "p", 1), "p: missing key 'h'"),
        (
            lambda: js.get_list(DOC, "l", "x", 9, min_len=3),
            "x.l: array of 2 elements, expected 3 to 9",
        ),
        (lambda: js.get_list(DOC, "l", "", 1), "l: array of 2 elements, expected 0 to 1"),
        (lambda: js.get_list(DOC, "q", "x", 1), "x: missing key 'q'"),
        (lambda: js.get_list(DOC, "n", "", 1), "n: expected an array, got integer"),
        (lambda: js.get_obj(DOC, "l", ""), "l: expected an object, got array"),
        (lambda: js.get_obj(DOC, "q", "x"), "x: missing key 'q'"),
        (lambda: js.get_int(DOC, "n", "", -1, 4), "n: integer 5 out of range [-1, 4]"),
        (lambda: js.get_int(DOC, "q", "", 0, 4), "(top level): missing key 'q'"),
        (lambda: js.as_obj("x", "p[1]"), "p[1]: expected an object, got string"),
        (lambda: js.expect_keys({"a": 1}, ["a", "b"], [], ""), "(top level): missing key 'b'"),
        (lambda: js.expect_keys({"a": 1, "c": 2}, ["a"], ["b"], "o"), "o: unknown key 'c'"),
        (lambda: js.expect_keys({"c": 2}, ["a"], ["c"], "o"), "o: missing key 'a'"),
    ],
)
def test_accessor_errors_exact(call: Any, message: str) -> None:
    with pytest.raises(FormatError) as info:
        call()
    assert str(info.value) == message


def test_accessor_edges_accepted() -> None:
    assert js.get_str({"s": ""}, "s", "", 5) == ""
    assert js.get_str({"s": "ab"}, "s", "", 2, min_len=2) == "ab"
    assert js.get_str({"s": "\xa0~"}, "s", "", 9) == "\xa0~"
    assert js.get_list({"l": []}, "l", "", 5) == []
    assert js.get_list({"l": [1]}, "l", "", 1, min_len=1) == [1]
    assert js.get_hex({"h": ""}, "h", "", 0) == b""
    assert js.get_hex({"h": "0123456789abcdef"}, "h", "", 8) == bytes.fromhex("0123456789abcdef")
    assert js.get_int({"i": -3}, "i", "", -3, -3) == -3
    assert js.get_int({"i": 0}, "i", "", 0, 0) == 0
    assert js.get_obj({"o": {}}, "o", "") == {}
    js.expect_keys({"a": 1, "b": 2}, ["a"], ["b"], "")
    js.expect_keys({}, [], ["b"], "")
    js.expect_keys({"a": 1}, iter(["a"]), iter([]), "")


def test_parser_errors_other_than_syntax_are_format_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """What json itself raises besides a syntax error (a ValueError such as an integer digit
    limit, or its own RecursionError for a caller that allows deep nesting) is a FormatError
    naming the source. Simulated: really nesting that deep can overflow a thread's C stack."""
    for exc in (ValueError("Exceeds the limit"), RecursionError("maximum recursion depth")):

        def boom(*args: object, exc: Exception = exc, **kw: object) -> None:
            raise exc

        monkeypatch.setattr(js.json, "loads", boom)
        assert exact(b"[1]") == f"in.json: invalid JSON: {exc}"
