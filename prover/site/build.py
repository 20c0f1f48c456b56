"""`solvency-prove site`: the static site an exchange publishes, made only from public files.

    SITE/index.html                    the latest round and the history of every round
    SITE/statement.json, verify.html   the latest round's statement and its verify page
                                       (and its anchor.json, when published)
    SITE/rounds/<round>/               index.html, statement.json, verify.html of every round,
                                       anchor.json of an anchored round
    SITE/assets/                       site.css, verify.js, zk-solvency.zip (the installed
                                       verifier and circuits packages, with their bytecode),
                                       generators-<k>.bin
    SITE/pyodide/                      the pinned Pyodide runtime with its licence
    SITE/noble-hashes/                 the pinned @noble/hashes modules (RIPEMD-160, keccak-256,
                                       which Pyodide's core lacks) with their licence
    SITE/site.json                     what the folder holds (rounds, digests, versions)

From each round folder only its public `statement.json` is read, and it must verify (root range proofs,
reserves, solvency proofs, signature), and its public `anchor.json` when there is one, which must
be the statement's anchor transaction (verifier.chain.anchor.check_anchor_record, offline; copied
beside the round's statement.json); no proof, manifest, store or key is ever opened.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import circuits
import verifier
from circuits.errors import FormatError, VerificationError
from circuits.generators import affine_table
from circuits.merkle import next_pow2
from prover.layout import round_statement
from prover.site import bytecode, runtime
from prover.site.render import AnchorView, RoundView, environment, round_view
from verifier.chain.anchor import (
    RECORD_NAME,
    check_anchor_record,
    parse_anchor,
    parse_anchor_record,
)
from verifier.formats import Statement
from verifier.inputs import load_statement, read_bounded
from verifier.liabilities import verify_root
from verifier.solvency import verify_solvency

#: The file that marks a folder as a site made by this command (so it may be replaced).
MARKER = "site.json"
BUNDLE = "zk-solvency.zip"
#: Modules of the bundle that cannot run in a browser and are never imported there.
BUNDLE_EXCLUDE = ("circuits/group/native/", "circuits/group/backend_secp.py")
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
#: Appended to Pyodide's NOTICE when its standard library ships compiled (prover.site.bytecode).
PYC_NOTICE = (
    "Changed: python_stdlib.zip holds the same modules compiled to bytecode by this Pyodide\n"
    "(each .py replaced by its .pyc), so that browsers do not compile them on every visit;\n"
    "the package's own python_stdlib.zip has the sources.\n"
)


class SiteError(Exception):
    """A site cannot be made: the message says why (file and reason)."""


@dataclass
class LoadedRound:
    statement: Statement
    raw: bytes
    view: RoundView
    anchor_raw: bytes | None = None  # public/anchor.json, checked


def slug_of(round_id: str) -> str:
    """The round's folder name: the id itself when it is a plain name, else a hash of it."""
    if _SLUG.fullmatch(round_id) and round_id not in (".", ".."):
        return round_id
    return "r-" + hashlib.sha256(round_id.encode("utf-8")).hexdigest()[:16]


def load_round(folder: Path) -> LoadedRound:
    """Read and verify the round's public statement (ROUND/public/statement.json, or
    statement.json in a copy of public/, or the file itself), the only file that is read."""
    try:
        path = round_statement(folder)
    except FormatError as exc:
        raise SiteError(str(exc)) from None
    st = load_statement(str(path))
    raw = path.read_bytes()  # the bytes just decoded, published as they are
    verify_root(st)
    solv = verify_solvency(st)
    view = round_view(st, solv, slug_of(st.round_id))
    anchor_raw = None
    if "anchor" in st.extra:
        view.anchor, anchor_raw = anchor_view(st, path.parent / RECORD_NAME)
    elif (path.parent / RECORD_NAME).exists():
        raise SiteError(f"{path.parent / RECORD_NAME}: the statement declares no anchor")
    return LoadedRound(st, raw, view, anchor_raw)


def anchor_view(st: Statement, record_path: Path) -> tuple[AnchorView, bytes | None]:
    """The statement's anchor, and its published transaction (anchor.json beside the statement)
    checked offline with the verifier's own function; SiteError when it is not this
    statement's anchor."""
    anchor = parse_anchor(st.extra["anchor"])
    view = AnchorView(anchor.address, anchor.chain_id)
    if not record_path.exists():
        return view, None
    data = read_bounded(record_path, 16 * 1024)
    try:
        ok = check_anchor_record(st, parse_anchor_record(data, str(record_path)))
    except VerificationError as exc:
        raise SiteError(
            f"{record_path}: not this statement's anchor transaction (check '{exc.check}'): {exc}"
        ) from None
    except FormatError as exc:
        raise SiteError(f"{record_path}: {exc}") from None
    view.tx, view.tx_type = ok.tx_hash, ok.tx_type
    view.command = (
        f"solvency-verify statement statement.json --exchange-key {st.extra['signature']['pubkey']} "
        f"--eth-rpc URL --anchor-tx {ok.tx_hash}"
    )
    return view, data


def generator_count(statements: list[Statement]) -> int:
    """The generator pairs the largest range proof of these rounds needs (n * m)."""
    need = 1
    for st in statements:
        p = st.params
        m = next_pow2(p.height * p.k) if p.mode == "aggregated" else next_pow2(p.k)
        need = max(need, p.bits * m)
    return need


def bundle() -> bytes:
    """A zip of the installed `circuits` and `verifier` packages and of the pure-Python address
    codecs they import (`base58`, `bech32m`), sources only, byte for byte the same for the same
    code."""
    import base58
    import bech32m

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        # base58 and bech32m: the pure-Python address codecs verifier.ownership imports
        for pkg in (circuits, verifier, base58, bech32m):
            root = Path(pkg.__file__ or "").resolve().parent
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root.parent).as_posix()
                if not path.is_file() or "__pycache__" in rel:
                    continue
                if not (rel.endswith(".py") or rel.endswith("py.typed")):
                    continue
                if rel.startswith(BUNDLE_EXCLUDE):
                    continue
                info = zipfile.ZipInfo(rel, _ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def _static(name: str) -> bytes:
    return resources.files("prover.site").joinpath("static", name).read_bytes()


def _order(rounds: list[LoadedRound]) -> list[LoadedRound]:
    seen: dict[str, str] = {}
    for r in rounds:
        if r.view.round_id in seen:
            raise SiteError(f"round {r.view.round_id!r} is given twice")
        seen[r.view.round_id] = r.view.slug
    slugs = [r.view.slug for r in rounds]
    if len(set(slugs)) != len(slugs):
        raise SiteError("two rounds have the same folder name; rename one round")
    return sorted(rounds, key=lambda r: (r.view.snapshot_time or "", r.view.round_id))


def _prepare_out(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise SiteError(
            f"{out}: exists and is not a site made by this command; choose another --out"
        )
    tmp = out.parent / f".{out.name}.building"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def build_site(round_dirs: list[Path], out: Path) -> dict[str, Any]:
    """Verify every round's statement and write the site to `out` (replaced at once, by one
    rename, when complete). Returns the site's summary (what site.json holds)."""
    if not round_dirs:
        raise SiteError("give at least one --round-dir")
    try:
        rounds = _order([load_round(Path(d)) for d in round_dirs])
    except FormatError as exc:
        raise SiteError(str(exc)) from None
    latest = rounds[-1]
    count = generator_count([r.statement for r in rounds])
    table_name = f"generators-{count}.bin"
    tmp = _prepare_out(out)
    try:
        pyodide_files = runtime.install(tmp / "pyodide", _static("MPL-2.0.txt").decode("utf-8"))
        noble = runtime.NOBLE_HASHES
        noble_files = runtime.install(tmp / noble.folder, pkg=noble)
    except runtime.PyodideError as exc:
        shutil.rmtree(tmp)
        raise SiteError(str(exc)) from None
    assets = tmp / "assets"
    assets.mkdir()
    for name in ("site.css", "verify.js"):
        (assets / name).write_bytes(_static(name))
    stdlib = tmp / "pyodide" / "python_stdlib.zip"
    sources = {"stdlib": stdlib.read_bytes(), "bundle": bundle()}
    compiled, bytecode_note = bytecode.compile_zips(sources)
    if compiled is not None:
        stdlib.write_bytes(compiled["stdlib"])
        runtime.write_notice(tmp / "pyodide", runtime.PYODIDE, PYC_NOTICE)
    (assets / BUNDLE).write_bytes((compiled or sources)["bundle"])
    (assets / table_name).write_bytes(affine_table(count))

    env = environment()
    history = [r.view for r in reversed(rounds)]
    by_digest = {r.view.digest: r.view for r in rounds}
    common = {
        "history": history,
        "latest": latest.view,
        "by_digest": by_digest,
        "table": table_name,
        "bundle": BUNDLE,
        "pyodide_version": runtime.PYODIDE_VERSION,
        "hashes_folder": runtime.NOBLE_HASHES.folder,
        "hashes_label": runtime.NOBLE_HASHES.spec,
    }

    def page(path: Path, template: str, root: str, **extra: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        html = env.get_template(template).render(root=root, **common, **extra)
        path.write_text(html, encoding="utf-8")

    page(tmp / "index.html", "index.html", "", r=latest.view, here="")
    (tmp / "statement.json").write_bytes(latest.raw)
    if latest.anchor_raw is not None:
        (tmp / RECORD_NAME).write_bytes(latest.anchor_raw)
    page(tmp / "verify.html", "verify.html", "", r=latest.view, here="")
    for rnd in rounds:
        folder = tmp / "rounds" / rnd.view.slug
        here = f"rounds/{rnd.view.slug}/"
        page(folder / "index.html", "round.html", "../../", r=rnd.view, here=here)
        page(folder / "verify.html", "verify.html", "../../", r=rnd.view, here=here)
        (folder / "statement.json").write_bytes(rnd.raw)
        if rnd.anchor_raw is not None:
            (folder / RECORD_NAME).write_bytes(rnd.anchor_raw)
    summary = {
        "format": "zk-solvency/site/v1",
        "latest": latest.view.round_id,
        "rounds": [
            {
                "round": r.view.round_id,
                "folder": f"rounds/{r.view.slug}/",
                "digest": r.view.digest,
                **({"anchor_tx": r.view.anchor.tx} if r.view.anchor and r.view.anchor.tx else {}),
            }
            for r in reversed(rounds)
        ],
        "pyodide": runtime.PYODIDE_VERSION,
        "pyodide_files": pyodide_files,
        "noble_hashes": runtime.NOBLE_HASHES.version,
        "noble_hashes_files": noble_files,
        "generators": count,
        "bytecode": compiled is not None,
        "bytecode_note": bytecode_note,
    }
    (tmp / MARKER).write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if out.exists():
        old = out.parent / f".{out.name}.old"
        if old.exists():
            shutil.rmtree(old)
        out.replace(old)
        tmp.replace(out)
        shutil.rmtree(old)
    else:
        tmp.replace(out)
    return summary
