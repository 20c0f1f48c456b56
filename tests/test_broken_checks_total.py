"""Mutation-campaign tests of verifier/total.py (docs/MUTATION.md, third campaign): the total
ratio's section read on a statement made here (two assets, roots committed with known openings,
a real 128-bit proof), so every stated number, bound and limit can be put at its edge; each
refusal asserts the exact error class, check and message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from circuits import rangeproof
from circuits.errors import FormatError, VerificationError
from circuits.group import Point
from circuits.group.params import N
from circuits.pedersen import commit
from verifier.formats import Asset, Params, Root, Statement
from verifier.total import (
    MAX_PRICE_DECIMALS,
    TOTAL_BITS,
    WRAP_LIMIT,
    Scaling,
    TotalRatio,
    check_scaling,
    parse_price,
    parse_total,
    price_text,
    scaling,
    total_bound,
    total_commitment,
    total_difference,
    total_transcript,
    usd_text,
)

ROUND = "2026-11"


def make(
    decimals: dict[str, int],
    prices: dict[str, str],
    liabilities: dict[str, int],
    reserves: dict[str, int],
    percent: int = 100,
    bits: int = 32,
) -> tuple[Statement, list[int]]:
    """A statement whose `prices` and `total` sections are the verifier's own numbers and whose
    total proof verifies (the roots commit to `liabilities` with blindings 7, 8, ...)."""
    symbols = list(decimals)
    params = Params(
        4, bits, "aggregated", tuple(Asset(s, d) for s, d in decimals.items()), "00" * 32
    )
    blind = [7 + i for i in range(len(symbols))]
    roots = tuple(commit(liabilities[s], r) for s, r in zip(symbols, blind, strict=True))
    sc = scaling([parse_price(prices[s], s) for s in symbols], list(decimals.values()))
    res = [reserves[s] for s in symbols]
    rw = sc.weighted(res)
    bound = total_bound(rw)
    lw = sc.weighted([liabilities[s] for s in symbols])
    t = total_transcript(params.digest(ROUND), symbols, sc, bound, percent)
    proof, _ = rangeproof.prove(
        [bound - percent * lw], [(-percent * sc.weighted(blind)) % N], TOTAL_BITS, t
    )
    extra = {
        "prices": dict(prices),
        "total": {
            "scale": sc.scale,
            "weights": dict(zip(symbols, sc.weights, strict=True)),
            "reserves": rw,
            "bound": bound,
            "min_ratio": percent,
            "proof": proof.to_bytes().hex(),
        },
    }
    st = Statement(ROUND, None, params, Root(bytes(32), roots, b""), "Test Exchange", extra)
    return st, res


def check(st: Statement, reserves: list[int]) -> TotalRatio:
    """parse_total, then its range proof verified as the batch would."""
    result, (proof, points, bits, t) = parse_total(st, reserves)
    rangeproof.verify(proof, points, bits, t)
    return result


def edited(st: Statement, section: str, **fields: Any) -> Statement:
    extra = copy.deepcopy(st.extra)
    extra[section].update(fields)
    return Statement(st.round_id, None, st.params, st.root, st.exchange, extra)


BASE, BASE_RES = make(
    {"BTC": 8, "USDT": 2}, {"BTC": "97000.5", "USDT": "1"}, {"BTC": 10**8, "USDT": 5 * 10**6},
    {"BTC": 2 * 10**8, "USDT": 6 * 10**6}, percent=150,
)  # fmt: skip


def test_the_statement_made_here_verifies() -> None:
    r = check(BASE, BASE_RES)
    assert r.scaling == Scaling(9, (970005, 10**7))
    assert (r.min_ratio, r.weighted_reserves) == (150, 970005 * 2 * 10**8 + 10**7 * 6 * 10**6)
    assert r.prices == {"BTC": "97000.5", "USDT": "1"}
    assert r.asset_reserves_usd == {"BTC": 970005 * 2 * 10**8, "USDT": 10**7 * 6 * 10**6}


@pytest.mark.parametrize(
    ("section", "fields", "message"),
    [
        ("total", {"scale": 10}, "total.scale: the scale is not the verifier's own"),
        ("total", {"weights": {"BTC": 970006, "USDT": 10**7}},
         "total.weights.BTC: the weight is not the verifier's own"),
        ("total", {"reserves": 1},
         "total.reserves: the weighted reserves (sum of weight x reserves) is not the verifier's own"),
        ("total", {"bound": 5},
         "total.bound: the bound min(100 x weighted reserves, 2^128 - 1) is not the verifier's own"),
    ],
)  # fmt: skip
def test_each_stated_number_is_the_verifiers_own(
    section: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(VerificationError) as e:
        parse_total(edited(BASE, section, **fields), BASE_RES)
    assert (str(e.value), e.value.check) == (message, "total")


@pytest.mark.parametrize(
    ("section", "fields", "message"),
    [
        ("total", {"scale": 2 * MAX_PRICE_DECIMALS + 1},
         "total.scale: integer 37 out of range [0, 36]"),
        ("total", {"scale": -1}, "total.scale: integer -1 out of range [0, 36]"),
        ("total", {"weights": {"BTC": 0, "USDT": 10**7}},
         f"total.weights.BTC: integer 0 out of range [1, {WRAP_LIMIT}]"),
        ("total", {"weights": {"BTC": WRAP_LIMIT + 1, "USDT": 10**7}},
         f"total.weights.BTC: integer {WRAP_LIMIT + 1} out of range [1, {WRAP_LIMIT}]"),
        ("total", {"weights": {"BTC": 970005}}, "total.weights: missing key 'USDT'"),
        ("total", {"weights": []}, "total.weights: expected an object, got array"),
        ("total", {"bound": 1 << 128},
         f"total.bound: integer {1 << 128} out of range [0, {(1 << 128) - 1}]"),
        ("total", {"proof": "00"}, "total.proof: expected 1508 hex characters (754 bytes), got 2"),
        ("total", {"extra": 1}, "total: unknown key 'extra'"),
        ("prices", {"ETH": "1"}, "prices: unknown key 'ETH'"),
    ],
)  # fmt: skip
def test_malformed_total_sections(section: str, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_total(edited(BASE, section, **fields), BASE_RES)
    assert str(e.value) == message


def test_reserves_above_the_largest_stated_value_are_a_format_error() -> None:
    # 2^512 itself is allowed by the range and then compared; one more is malformed
    with pytest.raises(VerificationError, match=r"^total.reserves: the weighted"):
        parse_total(edited(BASE, "total", reserves=1 << 512), BASE_RES)
    with pytest.raises(FormatError) as e:
        parse_total(edited(BASE, "total", reserves=(1 << 512) + 1), BASE_RES)
    assert str(e.value) == f"total.reserves: integer {(1 << 512) + 1} out of range [0, {1 << 512}]"


def test_sections_that_are_not_objects() -> None:
    for section, path in (("prices", "prices"), ("total", "total")):
        extra = copy.deepcopy(BASE.extra)
        extra[section] = []
        st = Statement(BASE.round_id, None, BASE.params, BASE.root, BASE.exchange, extra)
        with pytest.raises(FormatError) as e:
            parse_total(st, BASE_RES)
        assert str(e.value) == f"{path}: expected an object, got array"
    extra = copy.deepcopy(BASE.extra)
    del extra["total"]["proof"]
    st = Statement(BASE.round_id, None, BASE.params, BASE.root, BASE.exchange, extra)
    with pytest.raises(FormatError) as e:
        parse_total(st, BASE_RES)
    assert str(e.value) == "total: missing key 'proof'"


def test_a_scaling_that_could_wrap_names_the_prices() -> None:
    st, res = make(
        {"A": 0, "B": 18}, {"A": "1", "B": "1"}, {"A": 1, "B": 1}, {"A": 1, "B": 1}, bits=128
    )
    wide = edited(st, "prices", A="999999999999999." + "9" * 18, B="1." + "0" * 17 + "1")
    with pytest.raises(FormatError) as e:
        parse_total(wide, res)
    assert str(e.value).startswith("prices: the price weights need ")


def test_scale_zero_and_weight_one_are_accepted() -> None:
    """Assets without decimals at whole-dollar prices: E = 0 and a weight of 1."""
    st, res = make({"A": 0, "B": 0}, {"A": "1", "B": "3"}, {"A": 5, "B": 1}, {"A": 6, "B": 1})
    r = check(st, res)
    assert r.scaling == Scaling(0, (1, 3)) and r.weighted_reserves == 9
    assert r.reserves_usd() == "9.00" and r.reserves_usd(cents=False) == "9"


def test_the_bound_is_capped_at_2_128_minus_1() -> None:
    """Reserves worth more than 2^128 / 100 units: c = 2^128 - 1 exactly, and the proof holds."""
    st, res = make({"A": 0}, {"A": "1"}, {"A": 1}, {"A": 1 << 125}, bits=128)
    assert st.extra["total"]["bound"] == (1 << 128) - 1
    check(st, res)
    assert total_bound(1 << 125) == (1 << 128) - 1
    assert total_bound(((1 << 128) - 1) // 100) == ((1 << 128) - 1) // 100 * 100


def test_a_ratio_that_does_not_hold_fails_the_proof() -> None:
    with pytest.raises(VerificationError) as e:
        check(edited(BASE, "total", min_ratio=151), BASE_RES)
    assert e.value.check == "rangeproof"


def test_check_scaling_edges() -> None:
    """P * W * 2^n must stay below 2^254: 254 bits pass, 255 bits (and more) are refused."""
    check_scaling(Scaling(0, ((1 << 254) - 1,)), 0, 1, "p")
    check_scaling(Scaling(0, ((1 << 126) - 1,)), 128, 1, "p")
    for weight in (1 << 254, (1 << 255) + 1, 1 << 256):
        with pytest.raises(FormatError) as e:
            check_scaling(Scaling(0, (weight,)), 0, 1, "p")
        need = weight.bit_length()
        assert str(e.value) == (
            f"p: the price weights need {need} bits (P x sum of weights x 2^0), more than the "
            "254 that keep the total proof sound: give prices with fewer decimals"
        )


def test_weights_and_amounts_must_pair_up() -> None:
    with pytest.raises(ValueError, match="zip"):
        Scaling(0, (1, 2)).weighted([5])
    with pytest.raises(ValueError, match="zip"):
        scaling([(1, 0), (2, 0)], [0])


def test_price_and_usd_texts() -> None:
    assert price_text(15, 1) == "1.5" and price_text(10, 1) == "1" and price_text(7, 0) == "7"
    assert price_text(1005, 3) == "1.005"
    assert usd_text(150, 2, cents=False) == "1.5"
    assert usd_text(100, 2, cents=False) == "1"
    assert usd_text(0, 2, cents=False) == "0"
    assert usd_text(123456, 0) == "123,456.00" and usd_text(1, 5) == "0.00"


def test_display_of_the_result() -> None:
    r = check(BASE, BASE_RES)
    assert r.line() == r.line(signed=True)
    assert "(signed prices)" in r.line() and "(prices stated, unsigned)" in r.line(False)
    js = r.to_json()
    assert js["reserves_usd"] == usd_text(r.weighted_reserves, 9, cents=False)
    assert js["assets_reserves_usd"] == {"BTC": "194001", "USDT": "60000"}
    assert js["min_ratio_percent"] == 150 and js["proven"] is True


def test_total_commitment_and_difference() -> None:
    g = Point.generator()
    s = Scaling(0, (2, 3))
    assert total_commitment(s, [g, g * 5]) == g * 17
    assert total_difference(100, 3, g * 17) == g * (100 - 51)


def test_a_proof_that_does_not_decode_is_named() -> None:
    raw = bytearray(bytes.fromhex(BASE.extra["total"]["proof"]))
    raw[0:33] = b"\x02" + b"\xff" * 32  # x >= p: not a point
    with pytest.raises(FormatError) as e:
        parse_total(edited(BASE, "total", proof=raw.hex()), BASE_RES)
    assert str(e.value) == "total.proof: point x-coordinate is not canonical (>= p)"
