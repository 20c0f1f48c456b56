"""Decimal amounts in asset units to integer base units and back, exactly, without floats.

Grammar accepted by `parse_amount` (ASCII only):

    amount   = integer [ "." fraction ]
    integer  = "0" | nonzero-digit { digit }
    fraction = digit { digit }

Decisions, each safer than the alternative:
- rejected: sign ("+", "-", also "-0"), spaces, thousands separators ("," "_" "'"), exponents,
  NaN/Inf, a leading "." (".5") or a trailing "." ("5."), leading zeros ("007"), non-ASCII digits,
  more than `MAX_AMOUNT_CHARS` characters;
- more fractional digits than the asset's decimals: rejected unless `round_up`, which rounds up to
  the next base unit (never down); excess digits that are all zero lose nothing and are accepted.
"""

from __future__ import annotations

import re

from circuits.errors import FormatError, ParameterError

#: Longest amount text accepted: far above any 2^128 balance (39 digits and 18 decimals), and
#: bounds the cost of int().
MAX_AMOUNT_CHARS = 100

#: Largest number of decimals an asset may have (ETH has 18; leave room).
MAX_DECIMALS = 36

_AMOUNT = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
_DIGITS = frozenset("0123456789")


def _check_decimals(decimals: int) -> None:
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise ParameterError("decimals must be an integer")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise ParameterError(f"decimals must be between 0 and {MAX_DECIMALS}")


def _reason(text: str) -> str:
    """Why `text` does not match the grammar, in plain words (checked most specific first)."""
    lowered = text.lower()
    stripped = lowered.lstrip("+-")
    if stripped in ("nan", "inf", "infinity", "snan", "qnan"):
        return "NaN or infinity is not an amount"
    if text.startswith("-"):
        return "negative amount"
    if text.startswith("+"):
        return "a sign '+' is not allowed"
    if any(c.isspace() for c in text):
        return "spaces are not allowed in an amount"
    if any(c in ",_'" for c in text):
        return "thousands separators are not allowed"
    if "e" in lowered and all(c in _DIGITS or c in ".e+-" for c in lowered):
        return "exponent notation is not allowed"
    if not all(c in _DIGITS or c == "." for c in text):
        return "not a decimal number"
    if text.count(".") > 1:
        return "more than one decimal point"
    if text.startswith("."):
        return "missing digits before the decimal point"
    if text.endswith("."):
        return "missing digits after the decimal point"
    if len(text) > 1 and text[0] == "0" and text[1] != ".":
        return "leading zeros are not allowed"
    return "not a decimal number"


def parse_amount(text: str, decimals: int, *, round_up: bool) -> int:
    """Return `text` (in asset units) as an integer number of base units (10^-decimals units).

    Raises FormatError with a plain reason for anything outside the module's grammar, and for
    more than `decimals` significant fractional digits unless `round_up`, which rounds up.
    Raises ParameterError for `decimals` outside 0..MAX_DECIMALS.
    """
    _check_decimals(decimals)
    if not isinstance(text, str):
        raise FormatError("amount must be a string")
    if text == "":
        raise FormatError("empty amount")
    if len(text) > MAX_AMOUNT_CHARS:
        raise FormatError(f"amount is longer than {MAX_AMOUNT_CHARS} characters")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise FormatError(_reason(text))
    whole, fraction = match.group(1), match.group(2) or ""
    kept, excess = fraction[:decimals], fraction[decimals:]
    units = int(whole + kept.ljust(decimals, "0"))
    if excess.strip("0"):
        if not round_up:
            raise FormatError(
                f"more than {decimals} decimals (use --round-up to round up to the next base unit)"
            )
        units += 1
    return units


def format_amount(units: int, decimals: int, *, grouping: bool = False) -> str:
    """Format base units as a decimal in asset units with exactly `decimals` fractional digits.

    format_amount(1234567890000, 8) == "12345.67890000"; with grouping=True, "12,345.67890000".
    A negative value gets a leading "-" (parse_amount rejects it: it is for display only).
    """
    _check_decimals(decimals)
    if isinstance(units, bool) or not isinstance(units, int):
        raise ParameterError("units must be an integer")
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**decimals)
    whole_text = f"{whole:,}" if grouping else str(whole)
    if decimals == 0:
        return sign + whole_text
    return f"{sign}{whole_text}.{fraction:0{decimals}d}"
