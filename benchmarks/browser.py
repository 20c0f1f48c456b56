"""`python -m benchmarks browser`: the verify page in Chromium against the command line.

Builds three rounds in a work folder (the demo's, with `--demo-users` users; an aggregated and a
per-node round with H = 32, K = 1, n = 64), makes the site from them, serves it on loopback and
drives Debian's Chromium with Playwright (`pip install -e '.[browser]'`, `apt-get install
chromium`). Measured, as medians over `--repeat` runs:

- page ready: from navigation to the verifier loaded (Pyodide, the bundle, the generator
  table and the statement), in a fresh browser context each time (nothing cached), with the
  time by which Pyodide had started and the verifier was imported;
- verification in the browser of one user's proof of each round: the page's own timing of
  `verifier.web.inclusion` (Python under WebAssembly) and the wall time from the click;
- the same proofs through `solvency-verify inclusion` as a fresh process: on the default
  backend (libsecp256k1, gmpy2, native msm when built) and on the pure-integer one
  (ZKSOLVENCY_BACKEND=python, ZKSOLVENCY_GMPY2=0: what the page runs);
- the site's size.

Results: browser.csv in the results folder (with provenance and one libsecp256k1 scalar
multiplication as the unit).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import (
    load_average,
    print_table,
    provenance,
    unit_scalar_mul_seconds,
    write_csv,
)
from prover.layout import RoundLayout

NAME = "browser"
PURE = {"ZKSOLVENCY_BACKEND": "python", "ZKSOLVENCY_GMPY2": "0"}
#: The page's boot steps (verify.js, window.zkSolvency.steps): seconds from its start to each.
BOOT_STEPS = {"pyodide": "Pyodide started", "imported": "verifier imported"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--demo-users", type=int, default=400, help="users of the demo round")
    parser.add_argument(
        "--work", default=None, help="folder for the rounds and the site (default: a temporary one)"
    )


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _rounds(work: Path, demo_users: int) -> list[tuple[str, Path, str]]:
    """(name, round folder, a user id) of the three rounds, built once per work folder."""
    prove = _bin("solvency-prove")
    demo = work / "demo"
    if not RoundLayout(demo / "round-2026-11").statement.is_file():
        shutil.rmtree(demo, ignore_errors=True)
        _run([prove, "demo", "--users", str(demo_users), "--out", str(demo)])
    demo_user = (demo / "snapshot.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    out = [("demo", demo / "round-2026-11", demo_user)]
    snap = work / "h32.csv"
    snap.write_text("user_id,BTC\nalice,1.5\nbob,0\ncarol,2\n", encoding="utf-8")
    key = work / "master.key"
    if not key.exists():
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
    for mode, rid in (("aggregated", "2026-12"), ("per-node", "2027-01")):
        rdir = work / f"h32-{mode}"
        if not RoundLayout(rdir).statement.is_file():
            shutil.rmtree(rdir, ignore_errors=True)
            _run([prove, "build", "--snapshot", str(snap), "--secret", str(key), "--round", rid,
                  "--asset", "BTC:8", "--height", "32", "--bits", "64", "--mode", mode,
                  "--snapshot-time", f"{rid}-01T00:00:00Z", "--out", str(rdir)])  # fmt: skip
        out.append((f"H=32 K=1 {mode}", rdir, "alice"))
    return out


def _stats(name: str, where: str, values: list[float], unit: float) -> dict[str, Any]:
    med = statistics.median(values)
    return {
        "what": name,
        "where": where,
        "median_s": f"{med:.3f}",
        "min_s": f"{min(values):.3f}",
        "max_s": f"{max(values):.3f}",
        "units": f"{med / unit:,.0f}",
        "runs": len(values),
    }


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(args: argparse.Namespace) -> int:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("needs Playwright: pip install -e '.[browser]' (and apt-get install chromium)")
        return 2
    from prover.site.build import build_site
    from prover.site.local import CHROMIUM, CHROMIUM_ARGS, serve
    from verifier.ids import user_key_hex

    unit = unit_scalar_mul_seconds()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="zks-browser-"))
    work.mkdir(parents=True, exist_ok=True)
    rounds = _rounds(work, args.demo_users)
    site = work / "site"
    build_site([r for _, r, _ in rounds], site)
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    rows: list[dict[str, Any]] = []
    verify = _bin("solvency-verify")
    proofs = {}
    for name, rdir, uid in rounds:
        from verifier.formats import parse_statement

        layout = RoundLayout(rdir)
        rid = parse_statement(layout.statement.read_bytes()).round_id
        proof = layout.user_proof(user_key_hex(rid, uid))
        proofs[name] = (rid, proof, uid)
        argv = [verify, "inclusion", "--statement", str(layout.statement),
                "--proof", str(proof), "--user-id", uid]  # fmt: skip
        for where, env in (("CLI, default backend", {}), ("CLI, pure-integer backend", PURE)):
            times = [_timed(lambda a=argv, e=env: _run(a, e)) for _ in range(args.repeat)]
            rows.append(_stats(f"verify {name}", where, times, unit))
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        ready: list[float] = []
        steps: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(base + "verify.html")
            page.wait_for_function("window.zkSolvency && window.zkSolvency.ready", timeout=600_000)
            ready.append(page.evaluate("window.zkSolvency.readySeconds"))
            for step, at in page.evaluate("window.zkSolvency.steps").items():
                steps.setdefault(step, []).append(at)
            ctx.close()
        rows.append(_stats("page ready (Pyodide and packages)", "Chromium", ready, unit))
        for step, what in BOOT_STEPS.items():
            rows.append(_stats(f"page ready: {what}", "Chromium", steps[step], unit))
        for name, (rid, proof, uid) in proofs.items():
            page = browser.new_page()
            page.goto(base + f"rounds/{rid}/verify.html")
            page.wait_for_function("window.zkSolvency && window.zkSolvency.ready", timeout=600_000)
            inner, wall = [], []
            for _ in range(args.repeat):
                page.evaluate("window.zkSolvency.last = null")
                page.fill("#uid", uid)
                page.set_input_files("#file", str(proof))
                t = time.perf_counter()
                page.click("#check")
                page.wait_for_function(
                    "window.zkSolvency.last !== null && !window.zkSolvency.busy", timeout=600_000
                )
                wall.append(time.perf_counter() - t)
                ans = page.evaluate("window.zkSolvency.last")
                if ans["result"] != "valid":
                    raise SystemExit(
                        f"{name}: the page says {ans['result']}: {ans.get('sentence')}"
                    )
                inner.append(float(ans["seconds"]))
            rows.append(_stats(f"verify {name}", "Chromium (in-page Python)", inner, unit))
            rows.append(_stats(f"verify {name}", "Chromium (click to result)", wall, unit))
            page.close()
        browser.close()
    rows.append({"what": "site size", "where": f"{size / 1e6:.1f} MB", "median_s": "",
                 "min_s": "", "max_s": "", "units": "", "runs": 1})  # fmt: skip
    rows.append({"what": "load average (1 min), at the end", "where": load_average(),
                 "median_s": "", "min_s": "", "max_s": "", "units": "", "runs": 1})  # fmt: skip
    prov = provenance(unit)
    print(
        f"machine: {prov.cpu_model}, {prov.cores} cores, load {load_average()}; "
        f"unit (one libsecp256k1 scalar multiplication) {prov.unit_us:.1f} us"
    )
    print_table(rows, ["what", "where", "median_s", "min_s", "max_s", "units", "runs"])
    path = write_csv(NAME, rows, prov)
    print(f"wrote {path}; work folder {work}")
    return 0
