"""Bytecode for the verify page: Pyodide's standard library and the bundled verifier compiled
once, at site build, by the very Pyodide the site ships (run under Node.js), so the browser does
not compile every module it imports from source on every visit (measured: page ready about
twice as fast; `python -m benchmarks browser`).

- The standard library (`pyodide/python_stdlib.zip`) becomes sourceless: each `X.py` is replaced
  by `X.pyc` (hash-based, unchecked), which zipimport loads as the package's own would be.
- The bundle (`assets/zk-solvency.zip`) keeps every `X.py` and gains `__pycache__/X.<tag>.pyc`
  (hash-based, checked against the source's hash at import: Python recompiles the source
  should they ever differ).

Results are cached by the SHA-256 of their input and the Pyodide version beside the runtime
(`runtime.cache_dir()/bytecode/`). Without Node.js (which npm needs anyway) the site ships the
sources: it works, only slower to start; `compile_zips` then returns None and says why.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from prover.site import runtime

__all__ = ["MODES", "compile_zips"]

#: What `compile_zips` accepts: "stdlib" (sourceless) and "bundle" (sources kept).
MODES = ("stdlib", "bundle")


def _cached(mode: str, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()[:32]
    return runtime.cache_dir() / "bytecode" / f"{mode}-{runtime.PYODIDE_VERSION}-{digest}.zip"


def compile_zips(inputs: dict[str, bytes]) -> tuple[dict[str, bytes] | None, str]:
    """Each zip of `inputs` (mode -> zip bytes) compiled to bytecode, and a note for the build's
    output. (None, why) when Node.js is missing or fails: the caller ships the sources."""
    for mode in inputs:
        if mode not in MODES:
            raise ValueError(f"no bytecode mode {mode!r}")
    paths = {mode: _cached(mode, data) for mode, data in inputs.items()}
    todo = [mode for mode, path in paths.items() if not path.is_file()]
    if todo:
        node = shutil.which("node") or shutil.which("nodejs")
        if node is None:
            return None, "node not found: the page compiles its Python modules on every visit"
        why = _run_node(node, {mode: inputs[mode] for mode in todo}, paths)
        if why is not None:
            return None, why
    return {mode: path.read_bytes() for mode, path in paths.items()}, "modules precompiled"


def _run_node(node: str, inputs: dict[str, bytes], paths: dict[str, Path]) -> str | None:
    """Compile `inputs` with Node.js into their cache files; None, or why it failed."""
    script = resources.files("prover.site").joinpath("static", "compile.mjs").read_bytes()
    with tempfile.TemporaryDirectory(prefix="zks-bytecode-") as tmp:
        work = Path(tmp)
        runtime.install(work / "pyodide", "")  # the pinned runtime, checked, as the site has it
        (work / "compile.mjs").write_bytes(script)
        jobs = []
        for mode, data in inputs.items():
            (work / f"{mode}.in.zip").write_bytes(data)
            jobs.append({"in": str(work / f"{mode}.in.zip"), "out": str(work / f"{mode}.out.zip"),
                         "mode": mode})  # fmt: skip
        (work / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
        try:
            proc = subprocess.run(  # noqa: S603 - fixed arguments, node found on PATH
                [node, str(work / "compile.mjs"), str(work / "pyodide"), str(work / "jobs.json")],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"node could not compile the page's modules ({exc}); shipping sources"
        if proc.returncode != 0:
            lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines()]
            errors = [ln for ln in lines if "Error" in ln and len(ln) < 300]
            why = errors[-1] if errors else f"exit code {proc.returncode}"
            return f"node could not compile the page's modules ({why}); shipping sources"
        for mode in inputs:
            out = work / f"{mode}.out.zip"
            paths[mode].parent.mkdir(parents=True, exist_ok=True)
            tmp_out = paths[mode].with_name(f".{paths[mode].name}.{os.getpid()}.part")
            shutil.copyfile(out, tmp_out)
            tmp_out.replace(paths[mode])
    return None
