"""`solvency-prove report`: one self-contained HTML page (no http(s) resources, no scripts, no
stylesheet links), parsed with html.parser, every figure checked against the statement:
reserves per asset, liabilities or "hidden", ratio, root hash, round, snapshot time, wallet
balances and block heights, the signing key; text from the reserves file is escaped."""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from solvency_rounds import (
    ASSETS,
    EXCHANGE_PK,
    EXCHANGE_SK,
    ROUND,
    SMALL_USERS,
    SNAPSHOT_TIME,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    prove,
    reserves_doc,
    shared,
    totals_of,
    verify,
    write_json,
    write_secret,
)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
USERS = SMALL_USERS
NASTY_EXCHANGE = 'Test <b>Exchange</b> & "Co"'


class Page(HTMLParser):
    """Collects every tag and attribute, and the text of elements marked with data-field,
    data-asset, data-ratio or data-fund, and of the wallets cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.fields: dict[str, list[str]] = {}
        self.rows: dict[str, dict[str, str]] = {}
        self.current_row: str | None = None
        self.title = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in VOID:
            if tag == "br":
                for _t, _a, buf in self.stack:
                    buf.append("\n")
            return
        if tag == "tr" and a.get("data-asset"):
            self.current_row = a["data-asset"]
            self.rows[self.current_row] = {}
        self.stack.append((tag, a, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        t, a, buf = self.stack.pop()
        assert t == tag, (t, tag)
        text = "".join(buf)
        for _t, _a, outer in self.stack:
            outer.append(text)
        if tag == "title":
            self.title = text
        for key in ("data-field", "data-ratio", "data-fund"):
            if a.get(key):
                self.fields.setdefault(f"{key}:{a[key]}", []).append(text)
        if self.current_row is not None and tag == "td":
            name = a.get("data-field") or a.get("class") or "first"
            self.rows[self.current_row][name] = text
        if tag == "tr":
            self.current_row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    assert page.stack == []
    return page


def units(value: int, decimals: int) -> str:
    """An independent formatting of base units: Decimal, thousands separators."""
    return f"{Decimal(value).scaleb(-decimals):,.{decimals}f}"


def assert_self_contained(html: str, page: Page) -> None:
    low = html.lower()
    assert "http://" not in low and "https://" not in low
    assert "url(" not in low and "@import" not in low
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed", "img", "base"), tag
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert "//" not in (value or ""), (tag, name, value)


def _make_report(base: Path) -> Round:
    totals = totals_of(USERS, ASSETS)
    spec = {
        "BTC": AssetSpec(
            "bitcoin",
            870_123,
            [
                WalletSpec(1, totals["BTC"]),
                WalletSpec(2, 12_345_678_901),
                WalletSpec(4, 7 * 10**8, fund="insurance"),
            ],
        ),
        "USDT": AssetSpec("ethereum", 21_000_000, [WalletSpec(3, totals["USDT"] * 3 // 2)]),
    }
    res = write_json(base / "reserves.json", reserves_doc(NASTY_EXCHANGE, ROUND, spec))
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    rnd = build_round(
        base, users=USERS,
        extra=["--exchange", NASTY_EXCHANGE, "--reserves", str(res), "--min-ratio", "BTC=102",
               "--disclose", "USDT", "--exchange-key", str(key)],
    )  # fmt: skip
    out = prove("report", "--out", str(rnd.dir))
    assert out.rc == 0, out.text
    assert out.stdout.strip() == f"wrote {rnd.dir / 'public' / 'report.html'}"
    return rnd


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "report", _make_report)


def test_report_is_self_contained(rnd: Round) -> None:
    html = (rnd.dir / "public" / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    page = parse(html)
    assert_self_contained(html, page)
    # text from the reserves file is escaped, never markup (addresses are validated per chain,
    # so the exchange name is the free text that reaches the page)
    assert NASTY_EXCHANGE not in html
    assert not any(tag == "script" for tag, _ in page.tags)
    assert NASTY_EXCHANGE in page.title


def test_report_figures_match_the_statement(rnd: Round) -> None:
    st: dict[str, Any] = json.loads(rnd.statement.read_bytes())
    page = parse((rnd.dir / "public" / "report.html").read_text(encoding="utf-8"))
    assert page.title == f"{NASTY_EXCHANGE}: proof of solvency, round {ROUND}"
    assert page.fields["data-field:round"] == [ROUND]
    assert page.fields["data-field:snapshot-time"] == [SNAPSHOT_TIME]
    assert page.fields["data-field:root-hash"] == [st["root"]["hash"]]
    assert page.fields["data-field:exchange-key"] == [EXCHANGE_PK]
    assert st["signature"]["pubkey"] == EXCHANGE_PK
    decimals = {a["symbol"]: a["decimals"] for a in st["params"]["assets"]}
    assert sorted(page.rows) == sorted(decimals)
    for sym, dec in decimals.items():
        row = page.rows[sym]
        sol = st["solvency"][sym]
        res = st["reserves"]["assets"][sym]
        assert row["first"] == sym
        assert row["reserves"] == units(sol["reserves"], dec)
        covered = [w for w in res["wallets"] if "fund" not in w]
        assert sol["reserves"] == sum(w["balance"] for w in covered)
        if "disclosed" in sol:
            liab = sol["disclosed"]["liabilities"]
            assert row["liabilities"] == units(liab, dec)
            ratio = f"{Decimal(100 * sol['reserves']) / Decimal(liab):.2f}%"
            assert row["ratio"] == ratio
            assert page.fields[f"data-ratio:{sym}"] == [f"{sym} {ratio}"]
        else:
            assert row["liabilities"] == "hidden"
            assert row["ratio"] == f"at least {sol['min_ratio']}% (proven)"
        wallet_lines = row["wallets"].split("\n")
        want = [f"{w['address']}: {units(w['balance'], dec)}" for w in covered]
        want.append(f"{res['chain']}, block {res['block_height']:,}")
        assert wallet_lines == want
    assert page.rows["BTC"]["liabilities"] == "hidden"
    assert page.rows["USDT"]["liabilities"] == units(totals_of(USERS, ASSETS)["USDT"], 2)
    assert page.rows["BTC"]["ratio"] == "at least 102% (proven)"
    assert "870,123" in page.rows["BTC"]["wallets"]
    assert "123.45678901" in page.rows["BTC"]["wallets"]
    text = "".join(page.text)
    assert f"solvency-verify user-key --round {ROUND}" in text
    assert f"--exchange-key {EXCHANGE_PK}" in text
    assert "claims about the chain at the stated block height" in text
    # the insurance fund is listed apart and not counted in the BTC reserves
    fund = st["reserves"]["assets"]["BTC"]["wallets"][2]
    assert fund["fund"] == "insurance"
    assert fund["address"] not in page.rows["BTC"]["wallets"]
    assert page.fields["data-fund:BTC:insurance"] == [units(7 * 10**8, 8)]
    assert fund["address"] in text


def test_report_without_ratio_or_disclosure_and_without_reserves(tmp_path: Path) -> None:
    totals = totals_of(USERS, ASSETS)
    spec = {
        "BTC": AssetSpec("bitcoin", 1, [WalletSpec(1, totals["BTC"])]),
        "USDT": AssetSpec("ethereum", 2, [WalletSpec(3, totals["USDT"] + 1)]),
    }
    res = write_json(tmp_path / "reserves.json", reserves_doc("Plain", ROUND, spec))
    rnd = build_round(tmp_path, users=USERS, extra=["--exchange", "Plain", "--reserves", str(res)])
    assert prove("report", "--out", str(rnd.dir)).rc == 0
    html = (rnd.dir / "public" / "report.html").read_text(encoding="utf-8")
    page = parse(html)
    assert_self_contained(html, page)
    for sym in ASSETS:
        assert page.rows[sym]["liabilities"] == "hidden"
        assert page.rows[sym]["ratio"] == "at least 100% (proven)"
    assert page.rows["USDT"]["reserves"] == units(totals["USDT"] + 1, 2)
    assert page.rows["USDT"]["wallets"].split("\n")[-1] == "ethereum, block 2"
    assert "This statement is not signed." in "".join(page.text)
    # liabilities only: no rows of assets, a plain sentence instead
    plain = build_round(tmp_path / "plain")
    assert prove("report", "--out", str(plain.dir)).rc == 0
    page = parse((plain.dir / "public" / "report.html").read_text(encoding="utf-8"))
    assert page.rows == {}
    assert "No reserves in this statement: liabilities only." in "".join(page.text)
    assert page.fields["data-field:root-hash"] == [plain.statement_json()["root"]["hash"]]


def test_report_refuses_a_statement_that_does_not_verify(rnd: Round, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    doc = json.loads(rnd.statement.read_bytes())
    doc["solvency"]["BTC"]["reserves"] += 1
    (bad / "statement.json").write_text(json.dumps(doc))
    out = prove("report", "--out", str(bad))
    assert out.rc == 2
    assert "error: the statement's signature does not verify" in out.stderr
    assert not (bad / "report.html").exists()
    del doc["signature"]
    (bad / "statement.json").write_text(json.dumps(doc))
    out = prove("report", "--out", str(bad))
    assert out.rc == 2
    assert "is not the sum of the signed wallets" in out.stderr
    assert not (bad / "report.html").exists()
    out = prove("report", "--out", str(tmp_path / "nowhere"))
    assert out.rc == 2
    assert f"error: {tmp_path / 'nowhere'}: no public/statement.json" in out.stderr


def test_public_folder_holds_only_public_files(rnd: Round) -> None:
    """The round folder keeps public, per-user and private outputs apart (prover.layout):
    public/ holds the statement and the report page and nothing of any user; users/ and
    private/ are closed to others; the manifest (user count) and the store sit in private/."""
    assert sorted(p.name for p in rnd.dir.iterdir()) == ["private", "public", "users"]
    public = sorted(str(p.relative_to(rnd.dir)) for p in (rnd.dir / "public").rglob("*"))
    assert public == ["public/report.html", "public/statement.json"]
    assert sorted(p.name for p in (rnd.dir / "private").iterdir()) == [
        "manifest.json",
        "state.sqlite",
    ]
    for folder in ("users", "private"):
        assert (rnd.dir / folder).stat().st_mode & 0o077 == 0
    assert (rnd.dir / "private" / "manifest.json").stat().st_mode & 0o077 == 0
    private: list[str] = []
    for uid, *_amounts in USERS:
        proof = rnd.proof_json(uid)
        assert proof["user_id"] == uid
        private += [uid, json.dumps(uid)[1:-1], rnd.proof_path(uid).stem, proof["leaf"]["salt"]]
        private += proof["leaf"]["blindings"]
    for path in (rnd.dir / "public").iterdir():
        text = path.read_text(encoding="utf-8")
        leaked = [p for p in private if p in text]
        assert not leaked, (path.name, leaked)


def test_verifier_lists_funds_apart(rnd: Round) -> None:
    """`solvency-verify statement`: the insurance fund is verified, listed apart and not counted,
    in the text and in --json."""
    out = verify("statement", str(rnd.statement))
    assert out.rc == 0, out.text
    assert (
        "BTC: insurance fund 7.00000000: signed, kept apart (not counted as customer coverage)"
        in (out.stdout)
    )
    out = verify("statement", str(rnd.statement), "--json")
    doc = json.loads(out.stdout)
    btc = doc["solvency"]["assets"]["BTC"]
    assert btc["funds"] == {"insurance": 7 * 10**8}
    st = json.loads(rnd.statement.read_bytes())
    assert btc["reserves"] == st["solvency"]["BTC"]["reserves"]
