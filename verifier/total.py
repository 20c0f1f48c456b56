"""The proven total reserve ratio in USD (docs/PROTOCOL.md 9.5): USD prices, their exact integer
weights, the price-weighted combination of the root commitments, and its one range proof.

Prices are decimal strings, USD per whole unit of each asset. Written p_a / 10^f_a (p_a an
integer, f_a its fraction digits) and with d_a the asset's decimals, one base unit is worth
p_a / 10^(f_a + d_a) USD. With the common scale

    E   = max_a (f_a + d_a)                 (0 <= E <= 36)
    w_a = p_a * 10^(E - f_a - d_a)          (an integer: USD per base unit, times 10^E)

sum_a w_a * X_a is exactly 10^E times the USD value of the amounts X_a. With the root
commitments C_a = Com(L_a, r_a) and the covered reserves R_a (signed wallets, funds apart):

    C_tot = sum_a w_a * C_a = Com(L_w, r_w),   L_w = sum_a w_a L_a,  r_w = sum_a w_a r_a
    R_w   = sum_a w_a * R_a                    (10^E x the USD value of the reserves)
    c     = min(100 * R_w, 2^128 - 1)
    E_tot = c*G - P*C_tot = Com(c - P*L_w, -P*r_w)     range proof (128 bits, m = 1)

which proves P * L_w <= c <= 100 * R_w: the reserves are at least P% of the liabilities in USD
(P = 100 when no higher ratio is asked; 100 <= P <= 10000).

Why nothing wraps mod q: each L_a < 2^n (the root's range proof), so 0 <= P*L_w < P*W*2^n with
W = sum_a w_a. The verifier refuses prices for which P*W*2^n >= 2^254 (`check_scaling`); then a
negative c - P*L_w is the scalar q + (c - P*L_w) > q - 2^254 > 2^254, never in [0, 2^128). For
example BTC (8 decimals) at "97000.5" and ETH (18) at "3500.25": E = 20, W < 2^57, and with
n = 128 and P = 10000, P*W*2^n < 2^199.

The verifier computes E, the weights, R_w, c and C_tot itself from the signed prices, the
checked reserves and the root; it never reads a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from circuits import rangeproof
from circuits.errors import FormatError, VerificationError
from circuits.group import Point, msm
from circuits.transcript import Transcript
from verifier import jsonstrict as js
from verifier.formats import Statement

__all__ = [
    "LABEL_TOTAL",
    "MAX_PRICE_DECIMALS",
    "MAX_PRICE_DIGITS",
    "MAX_TOTAL_PERCENT",
    "MIN_TOTAL_PERCENT",
    "TOTAL_BITS",
    "WRAP_LIMIT",
    "Scaling",
    "TotalRatio",
    "check_scaling",
    "parse_price",
    "parse_total",
    "price_text",
    "scaling",
    "total_bound",
    "total_commitment",
    "total_difference",
    "total_transcript",
    "usd_text",
]

#: Transcript label of the total-ratio proof.
LABEL_TOTAL = b"zk-solvency/v1/total"
#: Range bits of the total-ratio proof (whatever the tree's n).
TOTAL_BITS = 128
#: The ratio P is in percent: at least 100 (the total solvency), at most 10000.
MIN_TOTAL_PERCENT = 100
MAX_TOTAL_PERCENT = 10_000
#: Most digits before the decimal point of a price (prices below 10^15 USD per unit).
MAX_PRICE_DIGITS = 15
#: Most digits after the decimal point of a price.
MAX_PRICE_DECIMALS = 18
#: P * W * 2^n must stay below this bound (q > 2^255 leaves room for 2^128 above it).
WRAP_LIMIT = 1 << 254

_PRICE = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")


def parse_price(text: object, path: str, *, canonical: bool = True) -> tuple[int, int]:
    """A price as (p, f): the integer of its digits and its number of fraction digits.

    Accepted: a JSON string of ASCII digits, `0` or a non-zero digit first, an optional `.` and
    1 to 18 fraction digits; at most 15 digits before the point; above zero. With `canonical`
    (the statement), the fraction may not end in 0 ("1.50" is written "1.5", "2.0" is "2"),
    so each price has one spelling. FormatError names `path` and the reason."""
    if not isinstance(text, str):
        raise FormatError(f'{path}: a price is a decimal string such as "97000.5"')
    m = _PRICE.fullmatch(text) if text.isascii() else None
    if m is None:
        raise FormatError(
            f"{path}: not a plain decimal (digits, at most one '.', no sign, exponent or spaces)"
        )
    whole, frac = m.group(1), m.group(2) or ""
    if len(whole) > MAX_PRICE_DIGITS:
        raise FormatError(f"{path}: more than {MAX_PRICE_DIGITS} digits before the decimal point")
    if len(frac) > MAX_PRICE_DECIMALS:
        raise FormatError(f"{path}: more than {MAX_PRICE_DECIMALS} digits after the decimal point")
    if canonical and frac.endswith("0"):
        raise FormatError(f"{path}: not canonical (a trailing zero after the decimal point)")
    frac = frac.rstrip("0")
    p = int(whole + frac)
    if p == 0:
        raise FormatError(f"{path}: a price must be above zero")
    return p, len(frac)


def price_text(p: int, f: int) -> str:
    """The canonical spelling of p / 10^f (no trailing fraction zero)."""
    whole, frac = divmod(p, 10**f)
    return str(whole) + (f".{frac:0{f}d}".rstrip("0").rstrip(".") if f else "")


@dataclass(frozen=True)
class Scaling:
    """E and the weights w_a (asset order): w_a = USD per base unit of asset a, times 10^E."""

    scale: int
    weights: tuple[int, ...]

    def weighted(self, amounts: tuple[int, ...] | list[int]) -> int:
        """sum_a w_a * X_a (10^E x the USD value of the amounts)."""
        return sum(w * x for w, x in zip(self.weights, amounts, strict=True))


def scaling(prices: list[tuple[int, int]], decimals: list[int]) -> Scaling:
    """E = max_a (f_a + d_a), w_a = p_a * 10^(E - f_a - d_a), from parsed prices (p_a, f_a)."""
    scale = max(f + d for (_p, f), d in zip(prices, decimals, strict=True))
    return Scaling(
        scale,
        tuple(p * 10 ** (scale - f - d) for (p, f), d in zip(prices, decimals, strict=True)),
    )


def check_scaling(s: Scaling, bits: int, percent: int, what: str) -> None:
    """FormatError unless P * W * 2^n < 2^254 (W = sum of the weights): no wrap mod q."""
    need = (percent * sum(s.weights) << bits).bit_length()
    if need > WRAP_LIMIT.bit_length() - 1:
        raise FormatError(
            f"{what}: the price weights need {need} bits (P x sum of weights x 2^{bits}), more "
            f"than the 254 that keep the total proof sound: give prices with fewer decimals"
        )


def total_bound(weighted_reserves: int) -> int:
    """c = min(100 * R_w, 2^128 - 1)."""
    return min(100 * weighted_reserves, (1 << TOTAL_BITS) - 1)


def total_commitment(s: Scaling, roots: tuple[Point, ...] | list[Point]) -> Point:
    """C_tot = sum_a w_a * C_a (weights below q: check_scaling ran first)."""
    return msm(list(s.weights), list(roots))


def total_difference(bound: int, percent: int, combined: Point) -> Point:
    """E_tot = c*G - P*C_tot."""
    return Point.generator() * bound - combined * percent


def total_transcript(
    context: bytes, symbols: list[str], s: Scaling, bound: int, percent: int
) -> Transcript:
    """Transcript of the total-ratio proof (docs/PROTOCOL.md 9.5)."""
    t = Transcript(LABEL_TOTAL)
    t.append_message(b"context", context)
    t.append_u64(b"scale", s.scale)
    for sym, w in zip(symbols, s.weights, strict=True):
        t.append_message(b"asset", sym.encode())
        t.append_message(b"weight", w.to_bytes(32, "big"))
    t.append_message(b"bound", bound.to_bytes(16, "big"))
    t.append_u64(b"percent", percent)
    return t


def usd_text(value: int, scale: int, *, cents: bool = True) -> str:
    """value / 10^scale USD: with `cents`, rounded down to the cent with thousands separators
    ("12,345.67"); else exact, no separators, no trailing fraction zero."""
    if cents:
        whole, frac = divmod(value // 10 ** max(scale - 2, 0) * 10 ** max(2 - scale, 0), 100)
        return f"{whole:,}.{frac:02d}"
    return price_text(value, scale) if value else "0"


@dataclass
class TotalRatio:
    """The verified total: prices (canonical strings), E, weights, R_w, P."""

    prices: dict[str, str]
    scaling: Scaling
    weighted_reserves: int
    min_ratio: int
    asset_reserves_usd: dict[str, int]

    def reserves_usd(self, *, cents: bool = True) -> str:
        return usd_text(self.weighted_reserves, self.scaling.scale, cents=cents)

    def line(self, signed: bool = True) -> str:
        """The report's first line; `signed` says whether the statement (prices included) is
        signed by the exchange key."""
        prices = "signed prices" if signed else "prices stated, unsigned"
        return (
            f"Total reserves: {self.reserves_usd()} USD ({prices}); total reserve ratio "
            f">= {self.min_ratio}% in USD: proven"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "reserves_usd": self.reserves_usd(cents=False),
            "min_ratio_percent": self.min_ratio,
            "prices": dict(self.prices),
            "scale": self.scaling.scale,
            "assets_reserves_usd": {
                sym: usd_text(v, self.scaling.scale, cents=False)
                for sym, v in self.asset_reserves_usd.items()
            },
            "proven": True,
        }


def total_mismatch(path: str, what: str) -> VerificationError:
    return VerificationError(f"{path}: {what} is not the verifier's own", check="total")


def parse_total(
    st: Statement, reserves: list[int]
) -> tuple[TotalRatio, tuple[rangeproof.RangeProof, list[Point], int, Transcript]]:
    """Read the `prices` and `total` sections of a statement whose per-asset `reserves` (asset
    order, covered wallets only) are already checked; recompute E, the weights, R_w, c and
    E_tot, and return the result with the batch item of its range proof (not yet verified).

    FormatError: malformed sections, a missing or extra price, prices whose weights could wrap.
    VerificationError (check `total`): a stated scale, weight, reserves or bound other than the
    verifier's own."""
    p = st.params
    symbols = [a.symbol for a in p.assets]
    prices_obj = js.as_obj(st.extra["prices"], "prices")
    js.expect_keys(prices_obj, symbols, [], "prices")
    parsed = [parse_price(prices_obj[s], js.join("prices", s)) for s in symbols]
    sc = scaling(parsed, [a.decimals for a in p.assets])
    total = js.as_obj(st.extra["total"], "total")
    js.expect_keys(
        total, ["scale", "weights", "reserves", "bound", "min_ratio", "proof"], [], "total"
    )
    percent = js.get_int(total, "min_ratio", "total", MIN_TOTAL_PERCENT, MAX_TOTAL_PERCENT)
    check_scaling(sc, p.bits, percent, "prices")
    if js.get_int(total, "scale", "total", 0, 2 * MAX_PRICE_DECIMALS) != sc.scale:
        raise total_mismatch("total.scale", "the scale")
    weights = js.get_obj(total, "weights", "total")
    js.expect_keys(weights, symbols, [], "total.weights")
    for sym, w in zip(symbols, sc.weights, strict=True):
        if js.get_int(weights, sym, "total.weights", 1, WRAP_LIMIT) != w:
            raise total_mismatch(js.join("total.weights", sym), "the weight")
    rw = sc.weighted(reserves)
    if js.get_int(total, "reserves", "total", 0, 1 << 512) != rw:
        raise total_mismatch("total.reserves", "the weighted reserves (sum of weight x reserves)")
    bound = total_bound(rw)
    if js.get_int(total, "bound", "total", 0, (1 << TOTAL_BITS) - 1) != bound:
        raise total_mismatch("total.bound", "the bound min(100 x weighted reserves, 2^128 - 1)")
    raw = js.get_hex(total, "proof", "total", rangeproof.proof_size(TOTAL_BITS, 1))
    try:
        proof = rangeproof.RangeProof.from_bytes(raw, TOTAL_BITS, 1)
    except FormatError as exc:
        raise FormatError(f"total.proof: {exc}") from None
    diff = total_difference(bound, percent, total_commitment(sc, st.root.commitments))
    t = total_transcript(p.digest(st.round_id), symbols, sc, bound, percent)
    result = TotalRatio(
        {s: price_text(*pp) for s, pp in zip(symbols, parsed, strict=True)},
        sc,
        rw,
        percent,
        {s: w * r for s, w, r in zip(symbols, sc.weights, reserves, strict=True)},
    )
    return result, (proof, [diff], TOTAL_BITS, t)
