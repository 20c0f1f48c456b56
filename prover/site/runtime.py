"""The Pyodide runtime of the verify page: the npm package `pyodide` at a pinned version,
fetched once with npm into a cache, checked against the integrity hash npm publishes for it
(`dist.integrity`, SHA-512 of the tarball, kept below), and copied into the site with its
licence. No CDN is ever named in the site."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

#: The pinned npm package and its published integrity (`npm view pyodide@VERSION dist.integrity`).
PYODIDE_VERSION = "314.0.7"
PYODIDE_INTEGRITY = "sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A=="
#: What the page loads (the rest of the package, type definitions and source maps, stays out).
PYODIDE_FILES = (
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",
)
#: Pyodide's licence (named in its package.json); the text ships in prover/site/static.
PYODIDE_LICENSE = "MPL-2.0"
PYODIDE_SOURCE = "https://github.com/pyodide/pyodide"

CACHE_ENV = "ZKSOLVENCY_CACHE"

INSTALL_NPM = (
    "npm is needed once, to fetch the Pyodide runtime the verify page runs on "
    f"(npm package pyodide@{PYODIDE_VERSION}, checked against its published SHA-512): install "
    "Node.js with npm (Debian/Ubuntu: apt-get install -y npm; others: https://nodejs.org), "
    "then run this command again"
)


class PyodideError(Exception):
    """The runtime could not be fetched or does not match its pinned hash."""


def cache_dir() -> Path:
    """$ZKSOLVENCY_CACHE, else $XDG_CACHE_HOME/zk-solvency, else ~/.cache/zk-solvency."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zk-solvency"


def tarball_path() -> Path:
    return cache_dir() / f"pyodide-{PYODIDE_VERSION}" / f"pyodide-{PYODIDE_VERSION}.tgz"


def integrity_of(data: bytes) -> str:
    """npm's integrity string (SRI) of a tarball: sha512-<base64 of the digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _npm_pack(dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise PyodideError(INSTALL_NPM)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        proc = subprocess.run(  # noqa: S603 - fixed arguments, npm found on PATH
            [npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp,
            check=False,
        )
        got = Path(tmp) / f"pyodide-{PYODIDE_VERSION}.tgz"
        if proc.returncode != 0 or not got.is_file():
            why = (proc.stderr or proc.stdout).strip().splitlines()
            raise PyodideError(
                f"npm could not fetch pyodide@{PYODIDE_VERSION}: "
                + (why[-1] if why else f"exit code {proc.returncode}")
            )
        check_integrity(got.read_bytes(), str(got))
        target = dest / got.name
        got.replace(target)
    return target


def check_integrity(data: bytes, source: str) -> None:
    got = integrity_of(data)
    if got != PYODIDE_INTEGRITY:
        raise PyodideError(
            f"{source}: integrity {got} is not the pinned {PYODIDE_INTEGRITY} of "
            f"pyodide@{PYODIDE_VERSION}; delete it and run again"
        )


def fetch() -> bytes:
    """The pinned tarball, from the cache or fetched once with npm; checked every time."""
    path = tarball_path()
    if not path.is_file():
        path = _npm_pack(path.parent)
    data = path.read_bytes()
    check_integrity(data, str(path))
    return data


def install(dest: Path, license_text: str) -> list[str]:
    """Copy the runtime's files into `dest` with its licence and a notice; their names."""
    data = fetch()
    dest.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in PYODIDE_FILES:
            member = tar.getmember(f"package/{name}")
            src = tar.extractfile(member)
            if src is None:
                raise PyodideError(f"pyodide@{PYODIDE_VERSION}: package/{name} is not a file")
            (dest / name).write_bytes(src.read())
            names.append(name)
    (dest / "LICENSE").write_text(license_text, encoding="utf-8")
    (dest / "NOTICE").write_text(
        f"Pyodide {PYODIDE_VERSION}, from the npm package pyodide@{PYODIDE_VERSION}\n"
        f"(integrity {PYODIDE_INTEGRITY}), unmodified; the files {', '.join(PYODIDE_FILES)}.\n"
        f"Licence: {PYODIDE_LICENSE} (the text is in LICENSE beside this file). Source code:\n"
        f"{PYODIDE_SOURCE} (tag {PYODIDE_VERSION}). python_stdlib.zip holds CPython's standard\n"
        "library, under the Python Software Foundation License.\n",
        encoding="utf-8",
    )
    return [*names, "LICENSE", "NOTICE"]


if __name__ == "__main__":  # `python -m prover.site.runtime`: fetch and check once (CI does)
    fetch()
    print(f"pyodide@{PYODIDE_VERSION}: {tarball_path()} ({PYODIDE_INTEGRITY})")
