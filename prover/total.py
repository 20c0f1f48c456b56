"""The prover's side of the total reserve ratio in USD (formulas in verifier/total.py): the
prices file, the check that the total holds before anything is built, and the statement's
`prices` and `total` sections."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from circuits.errors import FormatError, ParameterError
from circuits.group import N
from verifier import jsonstrict as js
from verifier.inputs import read_bounded
from verifier.total import (
    MAX_TOTAL_PERCENT,
    MIN_TOTAL_PERCENT,
    TOTAL_BITS,
    Scaling,
    check_scaling,
    parse_price,
    price_text,
    scaling,
    total_bound,
    total_transcript,
    usd_text,
)

#: Largest prices file accepted.
MAX_PRICES_BYTES = 64 * 1024


@dataclass(frozen=True)
class TotalConfig:
    """Parsed prices (p_a, f_a) and decimals d_a in asset order, and the ratio P to prove (100
    by default)."""

    prices: tuple[tuple[int, int], ...]
    decimals: tuple[int, ...]
    percent: int

    def scaling(self) -> Scaling:
        return scaling(list(self.prices), list(self.decimals))


def add_total_arguments(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--prices",
        default=None,
        metavar="FILE",
        help='USD price of one whole unit of each asset (JSON {"BTC": "97000.5", ...}, decimal '
        "strings): prove the total reserve ratio in USD, signed with the statement",
    )
    g.add_argument(
        "--min-total-ratio",
        type=int,
        default=None,
        metavar="PERCENT",
        help=f"with --prices: prove total reserves >= PERCENT%% of total liabilities in USD "
        f"({MIN_TOTAL_PERCENT} to {MAX_TOTAL_PERCENT}; default {MIN_TOTAL_PERCENT})",
    )


def load_prices(path: str, symbols: list[str]) -> tuple[tuple[int, int], ...]:
    """The prices file: a JSON object with exactly one decimal string per asset of the round.
    Trailing fraction zeros are accepted here ("1.00") and written canonically ("1")."""
    data = read_bounded(path, MAX_PRICES_BYTES)
    doc = js.as_obj(js.load_json(data, source=path, max_bytes=MAX_PRICES_BYTES, max_depth=2), "")
    try:
        js.expect_keys(doc, symbols, [], "")
        return tuple(parse_price(doc[s], s, canonical=False) for s in symbols)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def total_config(
    prices: str | None, percent: int | None, assets: dict[str, int]
) -> TotalConfig | None:
    """--prices and --min-total-ratio, checked (ParameterError / FormatError, exit 2)."""
    if prices is None:
        if percent is not None:
            raise ParameterError("--min-total-ratio needs --prices")
        return None
    p = MIN_TOTAL_PERCENT if percent is None else percent
    if not MIN_TOTAL_PERCENT <= p <= MAX_TOTAL_PERCENT:
        raise ParameterError(
            f"--min-total-ratio {p}: percent must be in [{MIN_TOTAL_PERCENT}, {MAX_TOTAL_PERCENT}]"
        )
    return TotalConfig(load_prices(prices, list(assets)), tuple(assets.values()), p)


def precheck_total(tc: TotalConfig, liabilities: list[int], reserves: list[int], bits: int) -> None:
    """Before building: the scaling cannot wrap (FormatError), the total holds (InsolventError,
    exit 3), and it fits the 128-bit proof (ParameterError)."""
    from prover.solvency import InsolventError

    sc = tc.scaling()
    check_scaling(sc, bits, tc.percent, "--prices")
    lw, rw = sc.weighted(liabilities), sc.weighted(reserves)
    if tc.percent * lw > 100 * rw:
        raise InsolventError(
            f"total: reserves are below {tc.percent}% of liabilities in USD: reserves "
            f"{usd_text(rw, sc.scale)} USD are {100 * rw / lw:.2f}% of liabilities "
            f"{usd_text(lw, sc.scale)} USD"
        )
    if tc.percent * lw > total_bound(rw):
        raise ParameterError(
            f"total: {tc.percent}% of the liabilities in USD times 10^{sc.scale} does not fit "
            f"{TOTAL_BITS} bits: give prices with fewer decimals"
        )


def total_sections(
    tc: TotalConfig,
    context: bytes,
    symbols: list[str],
    liabilities: list[int],
    blindings: list[int],
    reserves: list[int],
    prove: Any,
) -> dict[str, Any]:
    """The `prices` and `total` sections. `prove(transcript, value, blinding)` makes the range
    proof (128 bits) of E_tot = Com(c - P*L_w, -P*r_w)."""
    sc = tc.scaling()
    rw = sc.weighted(reserves)
    bound = total_bound(rw)
    value = bound - tc.percent * sc.weighted(liabilities)
    blinding = -tc.percent * sc.weighted(blindings) % N
    t = total_transcript(context, symbols, sc, bound, tc.percent)
    proof: bytes = prove(t, value, blinding)
    return {
        "prices": {s: price_text(*p) for s, p in zip(symbols, tc.prices, strict=True)},
        "total": {
            "scale": sc.scale,
            "weights": dict(zip(symbols, sc.weights, strict=True)),
            "reserves": rw,
            "bound": bound,
            "min_ratio": tc.percent,
            "proof": proof.hex(),
        },
    }
