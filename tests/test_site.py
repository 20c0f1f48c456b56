"""`solvency-prove site` (issue 9, part 2): the pages show every figure of the verified
statements (per-asset reserves, proven coverage, disclosed ratio, root hash, statement digest,
exchange key, history), the runtime is the pinned Pyodide with its licence, the verifier bundle
is the installed code, nothing private lands in the site (every file scanned, zip members
included), and each bad input gets exit 2 with a clear reason."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from site_rounds import (
    ADA,
    EXCHANGE,
    ROUND_A,
    ROUND_B,
    TIME_B,
    SiteRounds,
    secrets,
    site_rounds,
)
from solvency_rounds import EXCHANGE_PK, prove

from prover.site import runtime
from prover.site.build import bundle, slug_of
from verifier.formats import parse_statement, statement_digest


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> SiteRounds:
    return site_rounds(tmp_path_factory)


class Fields(HTMLParser):
    """Text of the elements with a data-field, per field name, and every link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str | None, list[str]]] = []
        self.fields: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(str(a[key]))
        if tag not in ("meta", "link", "input", "br"):
            self.open.append((tag, a.get("data-field"), []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("meta", "link", "input", "br"):
            return
        t, field, buf = self.open.pop()
        assert t == tag, (t, tag)
        text = "".join(buf)
        for _t, _f, outer in self.open:
            outer.append(text)
        if field:
            self.fields.setdefault(field, []).append(text.strip())

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.open:
            self.open[-1][2].append(data)


def page(path: Path) -> Fields:
    p = Fields()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    assert p.open == []
    return p


def digest_of(path: Path) -> str:
    return statement_digest(parse_statement(path.read_bytes())).hex()


def test_layout_and_public_files_only(made: SiteRounds) -> None:
    site = made.site
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    rounds = [
        f"rounds/{r}/{n}"
        for r in (ROUND_A, ROUND_B)
        for n in ("index.html", "statement.json", "verify.html")
    ]
    pyodide = [
        f"{pkg.folder}/{n}" for pkg in runtime.PACKAGES for n in (*pkg.files, "LICENSE", "NOTICE")
    ]
    assets = [
        "assets/generators-256.bin",
        "assets/site.css",
        "assets/verify.js",
        "assets/zk-solvency.zip",
    ]
    assert files == sorted(
        ["index.html", "site.json", "statement.json", "verify.html", *rounds, *pyodide, *assets]
    )
    for rnd, rid in ((made.a, ROUND_A), (made.b, ROUND_B)):
        assert (site / "rounds" / rid / "statement.json").read_bytes() == rnd.statement.read_bytes()
    assert (site / "statement.json").read_bytes() == made.b.statement.read_bytes()  # the latest
    summary = json.loads((site / "site.json").read_bytes())
    assert summary["latest"] == ROUND_B
    assert [r["round"] for r in summary["rounds"]] == [ROUND_B, ROUND_A]
    assert summary["rounds"][1]["digest"] == digest_of(made.a.statement)
    assert f"latest {ROUND_B}" in made.build_output
    assert "python -m http.server" in made.build_output


def test_index_shows_the_latest_round_and_the_history(made: SiteRounds) -> None:
    p = page(made.site / "index.html")
    assert p.fields["round"] == [ROUND_B]
    assert p.fields["statement-digest"] == [digest_of(made.b.statement)]
    assert p.fields["root-hash"] == [made.b.statement_json()["root"]["hash"]]
    assert p.fields["exchange-key"] == ["not signed"]
    assert p.fields["snapshot-time"] == [TIME_B]
    assert "statement.json" in p.links and "verify.html" in p.links
    text = "".join(p.text)
    assert "No reserves in this statement" in text
    for rnd in (made.a, made.b):  # the history: round, digest, root hash of every round
        assert digest_of(rnd.statement) in text
        assert rnd.statement_json()["root"]["hash"] in text
    assert "BTC at least 120%, USDT at least 100%" in text  # round A's coverage
    assert "liabilities only" in text  # round B's
    for link in p.links:
        assert "//" not in link, link  # no external resource, no CDN


def test_round_page_shows_reserves_coverage_ratio_and_key(made: SiteRounds) -> None:
    html = (made.site / "rounds" / ROUND_A / "index.html").read_text(encoding="utf-8")
    p = page(made.site / "rounds" / ROUND_A / "index.html")
    st = made.a.statement_json()
    assert p.fields["exchange-key"] == [EXCHANGE_PK]
    assert p.fields["statement-digest"] == [digest_of(made.a.statement)]
    assert p.fields["root-hash"] == [st["root"]["hash"]]
    assert p.fields["coverage"] == ["at least 120%", "at least 100%"]
    reserves = {s: v["reserves"] for s, v in st["solvency"].items()}
    assert p.fields["reserves"] == [
        f"{reserves['BTC'] / 1e8:,.8f}",
        f"{reserves['USDT'] / 100:,.2f}",
    ]
    liab = st["solvency"]["USDT"]["disclosed"]["liabilities"]
    assert p.fields["liabilities"][1] == f"{liab / 100:,.2f}"
    assert p.fields["ratio"] == [f"{100 * reserves['USDT'] / liab:.2f}%"]
    assert p.fields["liabilities"][0].startswith("hidden")
    # text from the statement is escaped, never markup
    assert EXCHANGE not in html and "&lt;i&gt;Test&lt;/i&gt;" in html
    assert EXCHANGE in "".join(p.text)


def test_verify_pages_name_their_statement_and_runtime(made: SiteRounds) -> None:
    for where, root in (("", ""), (f"rounds/{ROUND_A}/", "../../")):
        p = page(made.site / where / "verify.html")
        assert f"{root}pyodide/pyodide.js" in p.links and f"{root}assets/verify.js" in p.links
        html = (made.site / where / "verify.html").read_text(encoding="utf-8")
        assert 'data-statement="statement.json"' in html
        assert f'data-table="{root}assets/generators-256.bin"' in html
    notice = (made.site / "pyodide" / "NOTICE").read_text()
    assert runtime.PYODIDE_VERSION in notice and runtime.PYODIDE_INTEGRITY in notice
    assert (
        (made.site / "pyodide" / "LICENSE")
        .read_text()
        .startswith("Mozilla Public License Version 2.0")
    )
    pkg = json.loads((made.site / "pyodide" / "package.json").read_bytes())
    assert (pkg["name"], pkg["version"], pkg["license"]) == (
        "pyodide",
        runtime.PYODIDE_VERSION,
        "MPL-2.0",
    )


def test_the_site_ships_noble_hashes_with_its_licence(made: SiteRounds) -> None:
    noble = runtime.NOBLE_HASHES
    folder = made.site / noble.folder
    pkg = json.loads((folder / "package.json").read_bytes())
    assert (pkg["name"], pkg["version"], pkg["license"]) == (noble.name, noble.version, "MIT")
    assert (folder / "LICENSE").read_text().startswith("The MIT License (MIT)")
    notice = (folder / "NOTICE").read_text()
    assert noble.spec in notice and noble.integrity in notice
    for where, root in (("", ""), (f"rounds/{ROUND_A}/", "../../")):
        html = (made.site / where / "verify.html").read_text(encoding="utf-8")
        assert f'data-hashes="{root}noble-hashes/"' in html
        assert f'data-hashes-label="{noble.spec}"' in html
    # the modules the page imports, and every module they import, are in the folder
    imports = re.compile(r'^import .* from "\./([\w.]+)";$', re.M)
    seen = set()
    for name in (n for n in noble.files if n.endswith(".js")):
        for dep in imports.findall((folder / name).read_text(encoding="utf-8")):
            assert dep in noble.files, (name, dep)
            seen.add(dep)
    assert seen == {"_md.js", "_u64.js", "utils.js"}
    summary = json.loads((made.site / "site.json").read_bytes())
    assert summary["noble_hashes"] == noble.version


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_bundle_is_the_installed_verifier_only(made: SiteRounds) -> None:
    shipped = _members((made.site / "assets" / "zk-solvency.zip").read_bytes())
    sources = {n: b for n, b in shipped.items() if "/__pycache__/" not in n}
    assert sources == _members(bundle())  # the same files for the same code
    names = list(sources)
    tops = {n.split("/")[0] for n in names}
    assert tops == {"circuits", "verifier", "base58", "bech32m"}
    assert "verifier/web.py" in names and "circuits/bigint.py" in names
    assert not [n for n in names if not n.endswith((".py", "py.typed"))]
    assert "circuits/group/backend_secp.py" not in names
    # and each module's bytecode (Pyodide's Python: cpython-314), checked against its source
    pyc = sorted(n for n in shipped if "/__pycache__/" in n)
    assert len(pyc) == len([n for n in names if n.endswith(".py")])
    assert "verifier/__pycache__/web.cpython-314.pyc" in pyc
    flags = {int.from_bytes(shipped[n][4:8], "little") for n in pyc}
    assert flags == {0b11}  # hash-based and checked (PEP 552)


def test_the_standard_library_ships_compiled(made: SiteRounds) -> None:
    summary = json.loads((made.site / "site.json").read_bytes())
    assert summary["bytecode"] is True and "note:" not in made.build_output
    names = list(_members((made.site / "pyodide" / "python_stdlib.zip").read_bytes()))
    assert "json/__init__.pyc" in names and "json/__init__.py" not in names
    assert len([n for n in names if n.endswith(".pyc")]) > 500
    notice = (made.site / "pyodide" / "NOTICE").read_text()
    assert "changed as said below" in notice and "compiled to bytecode" in notice


def test_without_node_the_site_ships_sources(
    made: SiteRounds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"  # the fetched runtime, but no bytecode made before
    for pkg in runtime.PACKAGES:
        cached = runtime.tarball_path(pkg)
        (cache / cached.parent.name).mkdir(parents=True)
        (cache / cached.parent.name / cached.name).symlink_to(cached)
    monkeypatch.setenv(runtime.CACHE_ENV, str(cache))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    out = tmp_path / "s"
    rc, text = _site("--round-dir", str(made.a.dir), "--out", str(out))
    assert rc == 0
    assert "note: node not found: the page compiles its Python modules on every visit" in text
    assert (out / "assets" / "zk-solvency.zip").read_bytes() == bundle()
    names = list(_members((out / "pyodide" / "python_stdlib.zip").read_bytes()))
    assert "json/__init__.py" in names and not [n for n in names if n.endswith(".pyc")]
    assert "unmodified" in (out / "pyodide" / "NOTICE").read_text()


def _all_bytes(path: Path) -> list[tuple[str, bytes]]:
    data = path.read_bytes()
    out = [(str(path), data)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            out += [(f"{path}!{n}", zf.read(n)) for n in zf.namelist()]
    return out


def test_nothing_private_in_the_site(made: SiteRounds) -> None:
    needles = secrets(made)
    assert ADA in needles and "91827364" in needles and len(needles) > 40
    found = []
    for path in sorted(made.site.rglob("*")):
        assert path.name not in ("manifest.json", "state.sqlite", "private", "proofs"), path
        if path.is_file():
            for name, data in _all_bytes(path):
                found += [(name, n) for n in needles if n.encode("utf-8") in data]
    assert found == []


def _site(*argv: str) -> tuple[int, str]:
    out = prove("site", *argv)
    return out.rc, out.text


def test_bad_input(made: SiteRounds, tmp_path: Path) -> None:
    a = str(made.a.dir)
    rc, text = _site("--round-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "s"))
    assert rc == 2 and f"{tmp_path / 'nowhere'}: no public/statement.json" in text
    rc, text = _site("--round-dir", a, "--round-dir", a, "--out", str(tmp_path / "s"))
    assert rc == 2 and f"round {ROUND_A!r} is given twice" in text
    bad = tmp_path / "bad"
    bad.mkdir()
    doc = made.a.statement_json()
    doc["solvency"]["BTC"]["reserves"] += 1
    (bad / "statement.json").write_text(json.dumps(doc))
    rc, text = _site("--round-dir", str(bad), "--out", str(tmp_path / "s"))
    assert rc == 2 and "signature does not verify" in text
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    rc, text = _site("--round-dir", a, "--out", str(other))
    assert rc == 2 and "exists and is not a site made by this command" in text
    assert (other / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "s").exists()


def test_a_site_is_replaced_whole(made: SiteRounds, tmp_path: Path) -> None:
    out = tmp_path / "s"
    assert _site("--round-dir", str(made.b.dir), "--out", str(out))[0] == 0
    assert _site("--round-dir", str(made.a.dir), "--out", str(out))[0] == 0
    assert json.loads((out / "site.json").read_bytes())["latest"] == ROUND_A
    assert not (out / "rounds" / ROUND_B).exists()
    assert not list(tmp_path.glob(".s.*"))


def test_without_npm_the_command_says_what_to_install(
    made: SiteRounds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(runtime.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    rc, text = _site("--round-dir", str(made.a.dir), "--out", str(tmp_path / "s"))
    assert rc == 2
    assert text.strip() == f"error: {runtime.INSTALL_NPM}"
    assert "apt-get install -y npm" in text and f"pyodide@{runtime.PYODIDE_VERSION}" in text
    assert not (tmp_path / "s").exists() and not (tmp_path / ".s.building").exists()


def test_a_cached_runtime_that_does_not_match_is_refused(
    made: SiteRounds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(runtime.CACHE_ENV, str(tmp_path / "cache"))
    tgz = runtime.tarball_path()
    tgz.parent.mkdir(parents=True)
    tgz.write_bytes(b"not the pinned package")
    rc, text = _site("--round-dir", str(made.a.dir), "--out", str(tmp_path / "s"))
    assert rc == 2
    assert f"{tgz}: integrity sha512-" in text
    assert f"is not the pinned {runtime.PYODIDE_INTEGRITY}" in text


def test_round_folder_names() -> None:
    assert slug_of("2026-11") == "2026-11"
    for odd in ("..", "a/b", "round 7", "ü", "-x", "x" * 65):
        slug = slug_of(odd)
        assert slug.startswith("r-") and len(slug) == 18, odd


def test_integrity_is_npm_sri() -> None:
    assert runtime.integrity_of(b"") == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )
    assert os.path.basename(runtime.tarball_path()) == f"pyodide-{runtime.PYODIDE_VERSION}.tgz"
