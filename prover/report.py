"""The public report page: one self-contained HTML file (no external resources) in the spirit
of exchanges' proof-of-reserves pages, made only from a statement that verifies; rendered from
the Jinja2 template prover/site/templates/report.html (autoescaped)."""

from __future__ import annotations

from pathlib import Path

from prover.layout import REPORT_NAME, round_statement
from prover.site.render import environment, round_view
from verifier.formats import Statement
from verifier.inputs import load_statement
from verifier.liabilities import verify_root
from verifier.solvency import SolvencyResult, verify_solvency


def render(st: Statement, solv: SolvencyResult) -> str:
    """The page's HTML. Figures come from the verified statement only."""
    title = f"{st.exchange or 'Exchange'}: proof of solvency, round {st.round_id}"
    return environment().get_template("report.html").render(title=title, r=round_view(st, solv, ""))


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
