"""The public report page: one self-contained HTML file (no external resources) in the spirit
of exchanges' proof-of-reserves pages, made only from a statement that verifies."""

from __future__ import annotations

from html import escape
from pathlib import Path

from prover.layout import REPORT_NAME, round_statement
from verifier.formats import Statement
from verifier.inputs import load_statement
from verifier.liabilities import verify_root
from verifier.solvency import SolvencyResult, verify_solvency

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:64rem;
color:#1b1f24;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}.sub{color:#57606a;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border-bottom:1px solid #d0d7de;
padding:.45rem .6rem;text-align:right;vertical-align:top}th:first-child,td:first-child,th:last-child,td:last-child{text-align:left}
th{background:#f6f8fa}.ok{color:#1a7f37;font-weight:600}.mono{font-family:ui-monospace,monospace;
font-size:.85rem;word-break:break-all}.box{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;
padding:.8rem 1rem;margin:1rem 0}code{font-family:ui-monospace,monospace;font-size:.85rem}
.wallets{font-size:.85rem;text-align:left}
"""


def _fmt(units: int, decimals: int) -> str:
    whole, frac = divmod(units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")


def render(st: Statement, solv: SolvencyResult) -> str:
    """The page's HTML. Figures come from the verified statement only."""
    e = escape
    title = f"{st.exchange or 'Exchange'}: proof of solvency, round {st.round_id}"
    rows = []
    ratios = []
    fund_rows: list[str] = []
    for a in solv.assets:
        liab = (
            _fmt(a.disclosed_liabilities, a.decimals)
            if a.disclosed_liabilities is not None
            else "hidden"
        )
        if a.disclosed_liabilities:
            ratio = f"{100 * a.reserves / a.disclosed_liabilities:.2f}%"
            ratios.append((a.symbol, ratio))
        elif a.min_ratio is not None:
            ratio = f"at least {a.min_ratio}% (proven)"
        else:
            ratio = "at least 100% (proven)"
        wallets = "<br>".join(
            f"<span class='mono'>{e(w['address'])}</span>: {e(_fmt(w['balance'], a.decimals))}"
            for w in a.wallets
            if "fund" not in w
        )
        for kind, total in a.funds.items():
            kept = "<br>".join(
                f"<span class='mono'>{e(w['address'])}</span>: {e(_fmt(w['balance'], a.decimals))}"
                for w in a.wallets
                if w.get("fund") == kind
            )
            fund_rows.append(
                f"<tr><td>{e(a.symbol)}</td><td>{e(kind)} fund</td>"
                f"<td data-fund='{e(a.symbol)}:{e(kind)}'>{e(_fmt(total, a.decimals))}</td>"
                f"<td class='wallets'>{kept}</td></tr>"
            )
        rows.append(
            f"<tr data-asset='{e(a.symbol)}'><td>{e(a.symbol)}</td>"
            f"<td data-field='reserves'>{e(_fmt(a.reserves, a.decimals))}</td>"
            f"<td data-field='liabilities'>{e(liab)}</td>"
            f"<td data-field='ratio'>{e(ratio)}</td>"
            f"<td class='wallets'>{wallets}<br>{e(a.chain)}, block {a.block_height:,}</td></tr>"
        )
    if not solv.has_reserves:
        rows.append(
            "<tr><td colspan='5'>No reserves in this statement: liabilities only.</td></tr>"
        )
    ratio_html = (
        "<p>Reserve ratio of the disclosed assets: "
        + ", ".join(f"<b data-ratio='{e(s)}'>{e(s)} {e(r)}</b>" for s, r in ratios)
        + "</p>"
        if ratios
        else ""
    )
    total_html = ""
    if solv.total is not None:
        t = solv.total
        prices = ", ".join(
            f"<span data-price='{e(sym)}'>{e(sym)} {e(price)}</span>"
            for sym, price in t.prices.items()
        )
        total_html = (
            f"<div class='box'><p class='total'>Total reserves: <b data-field='total-reserves-usd'>"
            f"{e(t.reserves_usd())} USD</b> &middot; total reserve ratio "
            f"<b data-field='total-ratio'>at least {t.min_ratio}% (proven)</b></p>"
            f"<p>Proven in zero knowledge over the price-weighted sum of all assets, without "
            f"disclosing liabilities. Prices in USD per unit, signed with the statement: {prices}."
            f"</p></div>"
        )
    funds_html = (
        "<h2>Funds kept apart</h2><p>Wallets the exchange marks as an insurance or user-protection "
        "fund: signed for this round like the others, but <b>not counted</b> in the reserves "
        "above (they do not cover customer balances).</p><table><thead><tr><th>Asset</th>"
        "<th>Fund</th><th>Total</th><th>Wallets</th></tr></thead><tbody>"
        + "".join(fund_rows)
        + "</tbody></table>"
        if fund_rows
        else ""
    )
    p = st.params
    signed = (
        f"<p>Signed by the exchange key <span class='mono' data-field='exchange-key'>"
        f"{e(solv.signed_by)}</span> (BIP-340).</p>"
        if solv.signed_by
        else "<p>This statement is not signed.</p>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(title)}</title><style>{CSS}</style></head>
<body>
<h1>{e(title)}</h1>
<p class="sub">Snapshot time: <span data-field="snapshot-time">{e(st.snapshot_time or "not stated")}</span>
 &middot; round <span data-field="round">{e(st.round_id)}</span></p>
<p class="ok">Every figure below comes from a statement that verifies: liabilities are committed in a
Merkle sum tree with every node proven non-negative, and per asset the reserves are proven to cover them,
without disclosing any user's balance or the number of users.</p>
{total_html}{ratio_html}
<table><thead><tr><th>Asset</th><th>Reserves</th><th>Liabilities</th><th>Reserve ratio</th>
<th>Wallets (signed for this round)</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
{funds_html}
<p>Wallet balances are claims about the chain at the stated block height: the signatures prove control
of the keys for this round; check the balances against a node or an explorer.</p>
<div class="box"><p>Liabilities root hash: <span class="mono" data-field="root-hash">{st.root.hash.hex()}</span></p>
<p>Tree height {p.height} (room for {2**p.height:,} accounts), {p.bits}-bit range proofs, mode {e(p.mode)};
generator table <span class="mono">{e(p.generators)}</span></p>{signed}</div>
<h2>Check that your balance is included</h2>
<ol><li>Your proof file is named by your hashed id for this round. Compute it yourself:<br>
<code>solvency-verify user-key --round {e(st.round_id)} "your user id"</code></li>
<li>Download <code>statement.json</code> from this page's site and your proof file from your account.</li>
<li>Run <code>solvency-verify inclusion --statement statement.json --proof YOUR-HASHED-ID.json
--user-id "your user id"{" --exchange-key " + e(solv.signed_by) if solv.signed_by else ""}</code></li></ol>
<p>The verifier recomputes your leaf from your balances, every parent on your path as the sum and hash of
its children, checks that the path ends at the root above, and that every sibling on it is proven
non-negative, so no fake negative account can cancel yours.</p>
</body></html>
"""


def write_report(out: Path) -> Path:
    """Verify the round's public statement (OUT/public/statement.json, prover.layout) and write
    report.html beside it, in the public folder."""
    path = round_statement(out)
    st = load_statement(str(path))
    verify_root(st)
    solv = verify_solvency(st)
    target = path.parent / REPORT_NAME
    tmp = path.parent / f".{REPORT_NAME}.tmp"
    tmp.write_text(render(st, solv), encoding="utf-8")
    tmp.replace(target)
    return target
