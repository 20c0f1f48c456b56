"""What the browser page (verify.html, under Pyodide) calls: `solvency-verify inclusion` run on
the bytes of the statement and of the customer's proof file, and the user key of an id, each
answered as a JSON string for the page's script; and `use_hashes`, through which the page hands
over the RIPEMD-160 and keccak-256 of the npm package @noble/hashes (Pyodide's core has neither).

The page runs this very package: the verdict, the check list and the error are those of
`solvency-verify inclusion --json` on the same files (`cli.execute`). Nothing here raises: any
failure comes back as one plain sentence. No compiled extension is needed (circuits.bigint falls
back to Python integers; the group backend is the pure-Python one).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from circuits import bigint
from circuits.errors import SolvencyError, VerificationError
from circuits.generators import load_affine_table
from circuits.group import set_default_backend
from verifier.cli import CHECK_TEXT, execute
from verifier.formats import MAX_PROOF_BYTES, parse_inclusion, parse_statement, statement_digest
from verifier.ids import user_key_hex
from verifier.ownership import hashes

__all__ = ["inclusion", "start", "use_hashes", "user_key"]

#: Name under which the page's statement is handed to the command (its messages cite it).
STATEMENT_NAME = "statement.json"


def _bytes(data: Any) -> bytes:
    """bytes from bytes-like data, or from the page's Uint8Array (a Pyodide JsProxy)."""
    to_bytes = getattr(data, "to_bytes", None)
    if callable(to_bytes) and not isinstance(data, int):
        return bytes(to_bytes())
    return bytes(data)


def _answer(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False)


def _sentence(exc: BaseException) -> str:
    """One plain sentence for an error: its message, first line only, ending with a full stop."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if text.endswith((".", "?", "!")) else text + "."


def _hex_provider(fn: Callable[[str], Any], name: str, label: str) -> hashes.Provider:
    """A hash provider from a function of hex strings (strings cross Pyodide's JS/Python border
    as they are, with no buffer to convert or free)."""

    def digest(data: bytes) -> bytes:
        out = fn(data.hex())
        try:
            return bytes.fromhex(out) if isinstance(out, str) else b""
        except ValueError:
            return b""  # refused by verifier.ownership.hashes: not a digest of the right size

    digest.__name__ = f"{name} of {label}"
    return digest


def use_hashes(
    ripemd160_hex: Callable[[str], Any], keccak256_hex: Callable[[str], Any], label: str
) -> str:
    """Install the page's RIPEMD-160 and keccak-256 (each a function from the hex of the data to
    the hex of its digest) for the ownership checks; `label` names them (e.g. "@noble/hashes
    2.4.0"). Answers where each hash now comes from."""
    hashes.provide("ripemd160", _hex_provider(ripemd160_hex, "ripemd160", label), label)
    hashes.provide("keccak256", _hex_provider(keccak256_hex, "keccak256", label), label)
    return _answer({name: hashes.source(name) for name in hashes.DIGEST_BYTES})


def start(table: Any = None, backend: str = "python") -> str:
    """Prepare the verifier: the group backend, and the generator table the site publishes
    (checked against the pinned digests by circuits.generators.load_affine_table)."""
    set_default_backend(backend)
    count = load_affine_table(_bytes(table)) if table is not None else 0
    return _answer(
        {
            "python": sys.version.split()[0],
            "gmpy2": bigint.GMPY2,
            "backend": backend,
            "generators": count,
            "max_proof_bytes": MAX_PROOF_BYTES,
            "hashes": {name: hashes.source(name) for name in hashes.DIGEST_BYTES},
            # the standard library loaded from bytecode (the site precompiles it for the page)
            "stdlib_bytecode": (json.__file__ or "").endswith(".pyc"),
        }
    )


def user_key(round_id: str, user_id: str) -> str:
    """{"key": the 64-hex user key of `user_id` for the round} or {"error": a sentence}."""
    try:
        return _answer({"key": user_key_hex(round_id, user_id)})
    except SolvencyError as exc:
        return _answer({"error": _sentence(exc)})


def _safe_name(name: str) -> str:
    """The customer's file name as the command's messages cite it (a plain file name)."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    base = "".join(c for c in base if c.isprintable())
    return "proof-file" if base in ("", ".", "..") else base[:120]


def inclusion(statement: Any, proof: Any, proof_name: str, user_id: str) -> str:
    """Check `proof` against `statement` for `user_id`, as `solvency-verify inclusion --json
    --user-id ID` does. The answer: `cli` (the object --json prints), `result`, `sentence`
    (one plain sentence), `checks` (passed: [name, meaning]), `failed` ([name, meaning] or
    None), `solvency` (lines), `statement_digest`, `round`, `user_id` (those the proof is made
    for, when it decodes), `seconds`."""
    began = time.perf_counter()
    statement, proof = _bytes(statement), _bytes(proof)
    name = _safe_name(proof_name)
    out: dict[str, Any] = {"round": None, "user_id": None, "statement_digest": None}
    try:
        st = parse_statement(statement, STATEMENT_NAME)
        out["statement_digest"] = statement_digest(st).hex()
        out["round"] = st.round_id
    except SolvencyError:
        pass  # the command below says what is wrong with it
    try:
        pr = parse_inclusion(proof, name)
        out["round"], out["user_id"] = pr.round_id, pr.user_id
    except SolvencyError:
        pass  # the command says what the file is
    previous = os.getcwd()
    try:
        with tempfile.TemporaryDirectory() as work:
            os.chdir(work)  # the command's messages then cite the file names only
            try:
                # the customer's file keeps its name; the page's statement steps aside if the
                # customer picked a file called statement.json too
                st_name = (
                    STATEMENT_NAME if name != STATEMENT_NAME else "published-" + STATEMENT_NAME
                )
                with open(st_name, "wb") as f:
                    f.write(statement)
                with open(name, "wb") as f:
                    f.write(proof)
                argv = ["inclusion", "--statement", st_name, "--proof", name, "--json"]
                report, valid, error = execute([*argv, f"--user-id={user_id}"])
            finally:
                os.chdir(previous)
    except (Exception, SystemExit) as exc:  # the page shows a sentence, never a traceback
        out.update(result="error", sentence=f"The page could not check this file: {exc!r}.")
        out["seconds"] = time.perf_counter() - began
        return _answer(out)
    doc = report.json_doc(valid, error)
    checks = list(doc.get("checks", []))
    failed = None
    if isinstance(error, VerificationError):
        failed = [error.check, CHECK_TEXT.get(error.check, error.check)]
    out.update(
        cli=doc,
        result=doc["result"],
        checks=[[c, CHECK_TEXT.get(c, c)] for c in checks],
        failed=failed,
        solvency=report.solvency,
        sentence=_sentence(error) if error is not None else None,
        seconds=time.perf_counter() - began,
    )
    return _answer(out)
