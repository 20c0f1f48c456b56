"""The proven total reserve ratio in USD (issue 10, part 5): a round built with `--prices` and
`--min-total-ratio` verifies and leads its report with the total; tampered prices (signature), a
lowered price, a missing price, a proof for another ratio or round, a total that does not hold
(exit 3, nothing published), scalings that could wrap, and malformed prices files. Each failure
asserts the exact error class and, for a VerificationError, its check."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from solvency_rounds import (
    ASSETS,
    EXCHANGE,
    EXCHANGE_PK,
    EXCHANGE_SK,
    OTHER_ROUND,
    ROUND,
    SMALL_USERS,
    AssetSpec,
    Round,
    WalletSpec,
    asset_args,
    build_round,
    default_reserves_spec,
    prove,
    reserves_doc,
    shared,
    totals_of,
    verify,
    write_json,
    write_secret,
    write_snapshot,
)

from circuits.errors import FormatError, VerificationError
from verifier.formats import dumps, parse_statement
from verifier.solvency import verify_solvency
from verifier.total import Scaling, check_scaling, parse_price, scaling, usd_text

USERS = SMALL_USERS
TOTALS = totals_of(USERS, ASSETS)
PRICES = {"BTC": "97000.50", "USDT": "1.00"}  # written canonically: "97000.5", "1"
SPEC = default_reserves_spec(TOTALS)  # BTC at 120%, USDT at 110%
RESERVES = {s: sum(w.balance for w in a.wallets) for s, a in SPEC.items()}


def usd(amounts: dict[str, int]) -> Fraction:
    return sum(
        (Fraction(PRICES[s]) * amounts[s] / 10 ** ASSETS[s] for s in ASSETS), start=Fraction(0)
    )


#: The exact total ratio (between 110% and 120%): 115 is proven, 118 is not met.
RATIO = 100 * usd(RESERVES) / usd(TOTALS)


def total_round(base: Path, round_id: str, name: str, percent: int = 115) -> Round:
    base.mkdir(parents=True, exist_ok=True)
    res = write_json(base / f"reserves-{round_id}.json", reserves_doc(EXCHANGE, round_id, SPEC))
    prices = write_json(base / "prices.json", PRICES)
    extra = [
        "--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(prices),
        "--min-total-ratio", str(percent), "--min-ratio", "BTC=102",
        "--exchange-key", str(write_secret(base / "exchange.key", EXCHANGE_SK)),
    ]  # fmt: skip
    return build_round(base, round_id=round_id, extra=extra, name=name, users=USERS)


@pytest.fixture(scope="session")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Round, Round]:
    def make(base: Path) -> tuple[Round, Round]:
        return total_round(base, ROUND, "a"), total_round(base, OTHER_ROUND, "b")

    return shared(tmp_path_factory, "total", make)


def unsigned(rnd: Round) -> dict[str, Any]:
    doc = rnd.statement_json()
    del doc["signature"]
    return doc


def check_of(doc: dict[str, Any], exchange_key: str | None = None) -> None:
    verify_solvency(parse_statement(dumps(doc), "statement.json"), exchange_key=exchange_key)


def assert_check(check: str, doc: dict[str, Any], key: str | None = None) -> None:
    with pytest.raises(VerificationError) as exc:
        check_of(doc, key)
    assert exc.value.check == check, str(exc.value)


# --- positive --------------------------------------------------------------------------------


def test_total_ratio_is_proven_and_leads_the_report(rounds: tuple[Round, Round]) -> None:
    assert 115 < RATIO < 118
    a = rounds[0]
    doc = a.statement_json()
    assert doc["prices"] == {"BTC": "97000.5", "USDT": "1"}
    # E = max(1 + 8, 0 + 2) = 9; w_BTC = 970005, w_USDT = 1 * 10^(9 - 2)
    assert doc["total"]["scale"] == 9
    assert doc["total"]["weights"] == {"BTC": 970005, "USDT": 10**7}
    assert doc["total"]["min_ratio"] == 115
    assert len(bytes.fromhex(doc["total"]["proof"])) == 754  # one 128-bit range proof
    res = verify_solvency(parse_statement(a.statement.read_bytes(), "s"), exchange_key=EXCHANGE_PK)
    assert res.total is not None
    reserves_usd = usd(RESERVES)
    assert Fraction(res.total.reserves_usd(cents=False)) == reserves_usd
    cents = f"{int(reserves_usd * 100) // 100:,}.{int(reserves_usd * 100) % 100:02d}"
    line = (
        f"Total reserves: {cents} USD (signed prices); total reserve ratio >= 115% in USD: proven"
    )
    assert res.lines()[1] == line
    assert res.lines()[2].startswith("BTC: reserves")
    js = res.to_json()["total"]
    assert (js["min_ratio_percent"], js["scale"], js["proven"]) == (115, 9, True)
    assert Fraction(js["reserves_usd"]) == reserves_usd
    assert js["prices"] == {"BTC": "97000.5", "USDT": "1"}
    out = verify("statement", str(a.statement), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 0, out.text
    assert out.stdout.index(line) < out.stdout.index("BTC: reserves")
    res = verify_solvency(parse_statement(dumps(unsigned(a)), "s"))
    assert res.lines()[0] == line.replace("signed prices", "prices stated, unsigned")


def test_default_ratio_is_100_percent(tmp_path: Path) -> None:
    """--prices alone proves the total solvency (P = 100)."""
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, SPEC))
    prices = write_json(tmp_path / "p.json", PRICES)
    extra = ["--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(prices)]
    rnd = build_round(tmp_path, extra=extra, users=USERS)
    assert rnd.statement_json()["total"]["min_ratio"] == 100
    check_of(rnd.statement_json())


# --- tampering -------------------------------------------------------------------------------


def test_tampered_prices_break_the_signature(rounds: tuple[Round, Round]) -> None:
    doc = rounds[0].statement_json()
    doc["prices"]["BTC"] = "98000"
    assert_check("signature", doc, EXCHANGE_PK)


def _restate(doc: dict[str, Any], prices: dict[str, str]) -> None:
    """Change the prices and rewrite every stated number as the verifier computes it, so that
    only the proof can tell."""
    sc = scaling([parse_price(prices[s], s) for s in ASSETS], list(ASSETS.values()))
    doc["prices"] = prices
    t = doc["total"]
    t["scale"] = sc.scale
    t["weights"] = dict(zip(ASSETS, sc.weights, strict=True))
    t["reserves"] = sc.weighted([RESERVES[s] for s in ASSETS])
    t["bound"] = min(100 * t["reserves"], (1 << 128) - 1)


def test_a_lowered_price_is_refused(rounds: tuple[Round, Round]) -> None:
    doc = unsigned(rounds[0])
    doc["prices"]["USDT"] = "0.9"
    assert_check("total", doc)  # the stated weights are not the verifier's
    doc = unsigned(rounds[0])
    _restate(doc, {"BTC": "97000.5", "USDT": "0.9"})
    assert_check("total", doc)  # every number restated: the proof does not verify


def test_a_missing_or_extra_price_is_refused(rounds: tuple[Round, Round]) -> None:
    doc = unsigned(rounds[0])
    del doc["prices"]["USDT"]
    with pytest.raises(FormatError, match=r"prices: missing key 'USDT'"):
        check_of(doc)
    doc = unsigned(rounds[0])
    doc["prices"]["ETH"] = "3500"
    with pytest.raises(FormatError, match=r"prices: unknown key 'ETH'"):
        check_of(doc)
    doc = unsigned(rounds[0])
    del doc["total"]
    with pytest.raises(FormatError, match="'prices' and 'total' go together"):
        check_of(doc)


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (97000.5, r"prices.BTC: number 97000.5 is not an integer \(floats are not allowed\)"),
        (97000, "prices.BTC: a price is a decimal string"),
        ("97000.50", "not canonical"),
        ("-1", "not a plain decimal"),
        ("1e5", "not a plain decimal"),
        ("0", "above zero"),
        ("0.000", "not canonical"),
        ("1" * 16, "more than 15 digits"),
        ("0." + "1" * 19, "more than 18 digits"),
        ("٣", "not a plain decimal"),
    ],
)
def test_malformed_prices_in_the_statement(
    rounds: tuple[Round, Round], price: object, reason: str
) -> None:
    doc = unsigned(rounds[0])
    doc["prices"]["BTC"] = price
    with pytest.raises(FormatError, match=reason):
        check_of(doc)


def test_a_proof_for_another_ratio_or_round_is_refused(rounds: tuple[Round, Round]) -> None:
    doc = unsigned(rounds[0])
    doc["total"]["min_ratio"] = 116
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["min_ratio"] = 100  # a weaker claim with the proof of 115%
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["proof"] = rounds[1].statement_json()["total"]["proof"]
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["bound"] -= 1
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["reserves"] += 1
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["scale"] = 10
    assert_check("total", doc)
    doc = unsigned(rounds[0])
    doc["total"]["min_ratio"] = 99
    with pytest.raises(FormatError, match=r"total.min_ratio"):
        check_of(doc)


def test_prices_without_reserves_are_refused(rounds: tuple[Round, Round]) -> None:
    doc = unsigned(rounds[0])
    for key in ("reserves", "solvency"):
        del doc[key]
    with pytest.raises(FormatError, match="'prices' and 'total' need 'reserves'"):
        check_of(doc)


def test_the_cli_names_the_total_check(rounds: tuple[Round, Round], tmp_path: Path) -> None:
    doc = unsigned(rounds[0])
    _restate(doc, {"BTC": "90000", "USDT": "1"})
    path = tmp_path / "s.json"
    path.write_bytes(dumps(doc))
    out = verify("statement", str(path), "--json")
    assert out.rc == 1, out.text
    assert json.loads(out.stdout)["failed_check"] == "total"


# --- overflow of the scaling --------------------------------------------------------------------


def test_scaling_that_could_wrap_is_refused() -> None:
    # a 0-decimal asset at 10^15 - 1 USD with 18 price decimals beside an 18-decimal one: E = 36
    prices = [
        parse_price("999999999999999." + "9" * 18, "A"),
        parse_price("1." + "0" * 17 + "1", "B"),
    ]
    sc = scaling(prices, [0, 18])
    assert sc.scale == 36 and sc.weights[0] > 10**50
    with pytest.raises(FormatError, match=r"prices: the price weights need \d+ bits"):
        check_scaling(sc, 128, 100, "prices")
    check_scaling(Scaling(0, ((1 << 100) - 1,)), 128, 100, "ok")  # 2^100 * 2^7 * 2^128 < 2^254
    with pytest.raises(FormatError):
        check_scaling(Scaling(0, (1 << 120,)), 128, 10_000, "x")


def test_usd_text() -> None:
    assert usd_text(123456789, 3) == "123,456.78"
    assert usd_text(123456789, 3, cents=False) == "123456.789"
    assert usd_text(5, 0) == "5.00"
    assert usd_text(0, 4, cents=False) == "0"


def _build(tmp_path: Path, extra: list[str], *, assets: dict[str, int] = ASSETS, bits: int = 32,
           users: Any = USERS) -> Any:  # fmt: skip
    snap = write_snapshot(tmp_path / "s.csv", users, assets)
    key = write_secret(tmp_path / "m.key")
    return prove(
        "build", "--snapshot", str(snap), "--secret", str(key), "--round", ROUND,
        *asset_args(assets), "--height", "4", "--bits", str(bits), "--workers", "1",
        "--out", str(tmp_path / "out"), *extra,
    )  # fmt: skip


def test_prover_refuses_a_scaling_that_could_wrap(tmp_path: Path) -> None:
    assets = {"A": 0, "ETH": 18}
    users = [("u", "1", "1")]
    spec = {
        "A": AssetSpec("ethereum", 1, [WalletSpec(1, 2)]),
        "ETH": AssetSpec("ethereum", 1, [WalletSpec(2, 2 * 10**18)]),
    }
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, spec))
    prices = write_json(
        tmp_path / "p.json", {"A": "999999999999999." + "9" * 18, "ETH": "1." + "0" * 17 + "1"}
    )
    out = _build(
        tmp_path, ["--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(prices)],
        assets=assets, bits=128, users=users,
    )  # fmt: skip
    assert out.rc == 2, out.text
    assert "error: --prices: the price weights need" in out.stderr
    assert "give prices with fewer decimals" in out.stderr
    assert not (tmp_path / "out").exists()


# --- the prover ------------------------------------------------------------------------------


def test_a_total_that_does_not_hold_exits_3(tmp_path: Path) -> None:
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, SPEC))
    prices = write_json(tmp_path / "p.json", PRICES)
    base = ["--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(prices)]
    out = _build(tmp_path, [*base, "--min-total-ratio", "118"])
    assert out.rc == 3, out.text
    ratio = f"{float(RATIO):.2f}%"
    assert (
        "insolvent: total: reserves are below 118% of liabilities in USD: reserves "
        f"{usd_text(int(usd(RESERVES) * 10**9), 9)} USD are {ratio} of liabilities "
        f"{usd_text(int(usd(TOTALS) * 10**9), 9)} USD"
    ) in out.stderr
    assert "nothing was published" in out.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / ".out.building").exists()


@pytest.mark.parametrize(
    ("prices", "args", "message"),
    [
        ({"BTC": 97000.5, "USDT": "1"}, [], "floats are not allowed"),
        ({"BTC": 97000, "USDT": "1"}, [], "p.json: BTC: a price is a decimal string"),
        ({"BTC": "97000.5"}, [], "p.json: (top level): missing key 'USDT'"),
        ({"BTC": "1", "USDT": "1", "ETH": "1"}, [], "p.json: (top level): unknown key 'ETH'"),
        ({"BTC": "1,5", "USDT": "1"}, [], "p.json: BTC: not a plain decimal"),
        (PRICES, ["--min-total-ratio", "99"], "percent must be in [100, 10000]"),
    ],
)
def test_bad_prices_exit_2(
    tmp_path: Path, prices: dict[str, Any], args: list[str], message: str
) -> None:
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, SPEC))
    path = write_json(tmp_path / "p.json", prices)
    out = _build(
        tmp_path, ["--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(path), *args]
    )
    assert out.rc == 2, out.text
    assert message in out.stderr
    assert not (tmp_path / "out").exists()


def test_total_options_need_their_companions(tmp_path: Path) -> None:
    out = _build(tmp_path, ["--min-total-ratio", "110"])
    assert out.rc == 2 and "need --reserves" in out.stderr
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, SPEC))
    out = _build(
        tmp_path, ["--exchange", EXCHANGE, "--reserves", str(res), "--min-total-ratio", "110"]
    )
    assert out.rc == 2 and "--min-total-ratio needs --prices" in out.stderr


def test_report_leads_with_the_total(rounds: tuple[Round, Round], tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "round"
    shutil.copytree(rounds[0].dir, folder)
    out = prove("report", "--out", str(folder))
    assert out.rc == 0, out.text
    html = (folder / "public" / "report.html").read_text(encoding="utf-8")
    res = verify_solvency(parse_statement(rounds[0].statement.read_bytes(), "s"))
    assert res.total is not None
    total = f"<b data-field='total-reserves-usd'>{res.total.reserves_usd()} USD</b>"
    assert total in html
    assert "<b data-field='total-ratio'>at least 115% (proven)</b>" in html
    assert "<span data-price='BTC'>BTC 97000.5</span>" in html
    assert html.index(total) < html.index("<tr data-asset='BTC'>")
