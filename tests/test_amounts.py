"""Exact decimal amounts (prover/amounts.py): accepted forms, rejections, round up, round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circuits.errors import FormatError, ParameterError
from prover.amounts import MAX_AMOUNT_CHARS, format_amount, parse_amount

ACCEPTED = [
    ("0", 8, 0),
    ("0.0", 8, 0),
    ("123", 8, 12_300_000_000),
    ("123.45", 8, 12_345_000_000),
    ("0.5", 8, 50_000_000),
    ("0.00000001", 8, 1),
    ("1.10000000", 8, 110_000_000),
    ("1.100000000000", 8, 110_000_000),  # excess zeros lose nothing: accepted
    ("18446744073709551615", 0, 2**64 - 1),
    ("7", 0, 7),
    ("7.000", 0, 7),
    ("1.000000000000000001", 18, 10**18 + 1),
]


@pytest.mark.parametrize(("text", "decimals", "units"), ACCEPTED)
def test_accepted(text: str, decimals: int, units: int) -> None:
    assert parse_amount(text, decimals, round_up=False) == units
    assert parse_amount(text, decimals, round_up=True) == units


# Each rejected text next to the exact reason (decimals = 8, round_up = False).
REJECTED = [
    ("", "empty amount"),
    ("-1", "negative amount"),
    ("-0", "negative amount"),
    ("-0.0", "negative amount"),
    ("+1", "a sign '+' is not allowed"),
    (" 1", "spaces are not allowed in an amount"),
    ("1 ", "spaces are not allowed in an amount"),
    ("1 000", "spaces are not allowed in an amount"),
    ("1\u00a0000", "spaces are not allowed in an amount"),
    ("1,000", "thousands separators are not allowed"),
    ("1_000", "thousands separators are not allowed"),
    ("1'000", "thousands separators are not allowed"),
    ("1e5", "exponent notation is not allowed"),
    ("1E5", "exponent notation is not allowed"),
    ("1.5e-3", "exponent notation is not allowed"),
    ("2E+10", "exponent notation is not allowed"),
    ("NaN", "NaN or infinity is not an amount"),
    ("nan", "NaN or infinity is not an amount"),
    ("inf", "NaN or infinity is not an amount"),
    ("-Infinity", "NaN or infinity is not an amount"),
    ("+inf", "NaN or infinity is not an amount"),
    ("sNaN", "NaN or infinity is not an amount"),
    (".5", "missing digits before the decimal point"),
    ("5.", "missing digits after the decimal point"),
    (".", "missing digits before the decimal point"),
    ("1.2.3", "more than one decimal point"),
    ("007", "leading zeros are not allowed"),
    ("00", "leading zeros are not allowed"),
    ("00.5", "leading zeros are not allowed"),
    ("0x10", "not a decimal number"),
    ("abc", "not a decimal number"),
    ("١٢٣", "not a decimal number"),  # Arabic-Indic digits: int() would take them
    ("１２３", "not a decimal number"),  # fullwidth digits
    ("1/2", "not a decimal number"),
    ("$5", "not a decimal number"),
    ("0.000000001", "more than 8 decimals (use --round-up to round up to the next base unit)"),
    ("1.123456789", "more than 8 decimals (use --round-up to round up to the next base unit)"),
    ("1" * (MAX_AMOUNT_CHARS + 1), f"amount is longer than {MAX_AMOUNT_CHARS} characters"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_rejected(text: str, reason: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_amount(text, 8, round_up=False)
    assert str(info.value) == reason


def test_excess_precision_with_zero_decimals() -> None:
    with pytest.raises(FormatError) as info:
        parse_amount("1.5", 0, round_up=False)
    assert (
        str(info.value) == "more than 0 decimals (use --round-up to round up to the next base unit)"
    )


ROUNDED_UP = [
    ("0.000000001", 8, 1),
    ("1.123456781", 8, 112_345_679),
    ("1.123456789", 8, 112_345_679),
    ("1.12345678000000000001", 8, 112_345_679),
    ("0.99999999999", 8, 100_000_000),
    ("1.5", 0, 2),
    ("0.1", 0, 1),
]


@pytest.mark.parametrize(("text", "decimals", "units"), ROUNDED_UP)
def test_round_up_rounds_up_never_down(text: str, decimals: int, units: int) -> None:
    assert parse_amount(text, decimals, round_up=True) == units


def test_round_up_does_not_accept_other_errors() -> None:
    with pytest.raises(FormatError) as info:
        parse_amount("-0.000000001", 8, round_up=True)
    assert str(info.value) == "negative amount"


@pytest.mark.parametrize("decimals", [-1, 37, True])
def test_bad_decimals(decimals: int) -> None:
    with pytest.raises(ParameterError):
        parse_amount("1", decimals, round_up=False)
    with pytest.raises(ParameterError):
        format_amount(1, decimals)


def test_not_a_string() -> None:
    with pytest.raises(FormatError):
        parse_amount(1.5, 8, round_up=False)  # type: ignore[arg-type]


FORMATTED = [
    (1_234_567_890_000, 8, False, "12345.67890000"),
    (1_234_567_890_000, 8, True, "12,345.67890000"),
    (0, 8, False, "0.00000000"),
    (1, 8, False, "0.00000001"),
    (12_345, 0, False, "12345"),
    (1_234_567, 0, True, "1,234,567"),
    (-150, 2, False, "-1.50"),
    (2**64 - 1, 0, True, "18,446,744,073,709,551,615"),
]


@pytest.mark.parametrize(("units", "decimals", "grouping", "text"), FORMATTED)
def test_format(units: int, decimals: int, grouping: bool, text: str) -> None:
    assert format_amount(units, decimals, grouping=grouping) == text


def test_format_rejects_non_integers() -> None:
    with pytest.raises(ParameterError):
        format_amount(1.5, 8)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=2**80), st.integers(min_value=0, max_value=36))
def test_round_trip(units: int, decimals: int) -> None:
    text = format_amount(units, decimals)
    assert parse_amount(text, decimals, round_up=False) == units
    assert parse_amount(text, decimals, round_up=True) == units


@given(st.integers(min_value=0, max_value=2**64), st.integers(min_value=0, max_value=12))
def test_grouped_text_is_rejected_when_it_has_separators(units: int, decimals: int) -> None:
    text = format_amount(units, decimals, grouping=True)
    if "," in text:
        with pytest.raises(FormatError):
            parse_amount(text, decimals, round_up=False)
    else:
        assert parse_amount(text, decimals, round_up=False) == units


@given(
    st.integers(min_value=0, max_value=10**30),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=0, max_value=8),
)
def test_round_up_is_the_ceiling(numerator: int, extra: int, decimals: int) -> None:
    # The text has decimals + extra fractional digits; the result is ceil(value * 10^decimals).
    places = decimals + extra
    text = format_amount(numerator, places)
    expected = -(-numerator // 10**extra)
    assert parse_amount(text, decimals, round_up=True) == expected
