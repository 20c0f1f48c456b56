"""The runtime of the verify page: the npm packages `pyodide` and `@noble/hashes` at pinned
versions, each fetched once with npm into a cache, checked against the integrity hash npm
publishes for it (`dist.integrity`, SHA-512 of the tarball, kept below), and copied into the
site with its licence. No CDN is ever named in the site."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NpmPackage:
    """An npm package the site ships: pinned version, the integrity npm publishes for its tarball
    (`npm view NAME@VERSION dist.integrity`), the files the page loads, its licence."""

    name: str
    version: str
    integrity: str
    files: tuple[str, ...]
    licence: str
    source: str
    #: the folder of the site it goes to
    folder: str
    #: the file of the package holding its licence text (None: given by the caller)
    licence_file: str | None = None
    notes: str = ""

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        """The file `npm pack` writes: the name without its @, / as -, then -VERSION.tgz."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


PYODIDE = NpmPackage(
    name="pyodide",
    version="314.0.7",
    integrity="sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7y2q+SNvi/6V5JEsOlD2R1A==",
    # what the page loads (the rest of the package, type definitions and source maps, stays out)
    files=(
        "pyodide.js",
        "pyodide.mjs",
        "pyodide.asm.mjs",
        "pyodide.asm.wasm",
        "python_stdlib.zip",
        "pyodide-lock.json",
        "package.json",
    ),
    licence="MPL-2.0",  # named in its package.json; the text ships in prover/site/static
    source="https://github.com/pyodide/pyodide",
    folder="pyodide",
    notes="python_stdlib.zip holds CPython's standard library, under the Python Software\n"
    "Foundation License.\n",
)
#: RIPEMD-160 and keccak-256 for the page (Pyodide's core has neither): Paul Miller's audited,
#: pure-JavaScript hashes, as ES modules; only the modules those two need are shipped.
NOBLE_HASHES = NpmPackage(
    name="@noble/hashes",
    version="2.4.0",
    integrity="sha512-X5XaVWZIBCT7HHZGm5I7ZQXDwLG+bGXuSrMQAW+7Zvl87h1kmc1ZB1VSRJcpUfoUrGQp4Fkoxm5kZ+Ms+aW+eA==",
    files=("legacy.js", "sha3.js", "_md.js", "_u64.js", "utils.js", "package.json"),
    licence="MIT",
    source="https://github.com/paulmillr/noble-hashes",
    folder="noble-hashes",
    licence_file="LICENSE",
)
#: Every package the site ships, in the order they are fetched.
PACKAGES = (PYODIDE, NOBLE_HASHES)

#: The names the rest of the code and the tests use for Pyodide.
PYODIDE_VERSION = PYODIDE.version
PYODIDE_INTEGRITY = PYODIDE.integrity
PYODIDE_FILES = PYODIDE.files
PYODIDE_LICENSE = PYODIDE.licence
PYODIDE_SOURCE = PYODIDE.source

CACHE_ENV = "ZKSOLVENCY_CACHE"

INSTALL_NPM = (
    "npm is needed once, to fetch the runtime the verify page runs on (npm packages "
    + " and ".join(p.spec for p in PACKAGES)
    + ", each checked against its published SHA-512): install Node.js with npm (Debian/Ubuntu: "
    "apt-get install -y npm; others: https://nodejs.org), then run this command again"
)


class PyodideError(Exception):
    """A runtime package could not be fetched or does not match its pinned hash."""


def cache_dir() -> Path:
    """$ZKSOLVENCY_CACHE, else $XDG_CACHE_HOME/zk-solvency, else ~/.cache/zk-solvency."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zk-solvency"


def tarball_path(pkg: NpmPackage = PYODIDE) -> Path:
    return cache_dir() / f"{pkg.tarball_name[: -len('.tgz')]}" / pkg.tarball_name


def integrity_of(data: bytes) -> str:
    """npm's integrity string (SRI) of a tarball: sha512-<base64 of the digest>."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _npm_pack(pkg: NpmPackage, dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise PyodideError(INSTALL_NPM)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        proc = subprocess.run(  # noqa: S603 - fixed arguments, npm found on PATH
            [npm, "pack", pkg.spec, "--silent", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp,
            check=False,
        )
        got = Path(tmp) / pkg.tarball_name
        if proc.returncode != 0 or not got.is_file():
            why = (proc.stderr or proc.stdout).strip().splitlines()
            raise PyodideError(
                f"npm could not fetch {pkg.spec}: "
                + (why[-1] if why else f"exit code {proc.returncode}")
            )
        check_integrity(got.read_bytes(), str(got), pkg)
        target = dest / got.name
        got.replace(target)
    return target


def check_integrity(data: bytes, source: str, pkg: NpmPackage = PYODIDE) -> None:
    got = integrity_of(data)
    if got != pkg.integrity:
        raise PyodideError(
            f"{source}: integrity {got} is not the pinned {pkg.integrity} of "
            f"{pkg.spec}; delete it and run again"
        )


def fetch(pkg: NpmPackage = PYODIDE) -> bytes:
    """The pinned tarball, from the cache or fetched once with npm; checked every time."""
    path = tarball_path(pkg)
    if not path.is_file():
        path = _npm_pack(pkg, path.parent)
    data = path.read_bytes()
    check_integrity(data, str(path), pkg)
    return data


def install(dest: Path, license_text: str | None = None, pkg: NpmPackage = PYODIDE) -> list[str]:
    """Copy the package's files into `dest` with its licence (`license_text`, or the package's
    own licence file) and a notice; their names."""
    data = fetch(pkg)
    dest.mkdir(parents=True, exist_ok=True)
    names: list[str] = []

    def member(tar: tarfile.TarFile, name: str) -> bytes:
        src = tar.extractfile(tar.getmember(f"package/{name}"))
        if src is None:
            raise PyodideError(f"{pkg.spec}: package/{name} is not a file")
        return src.read()

    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in pkg.files:
            (dest / name).write_bytes(member(tar, name))
            names.append(name)
        if license_text is None:
            if pkg.licence_file is None:
                raise PyodideError(f"{pkg.spec}: no licence text")
            license_text = member(tar, pkg.licence_file).decode("utf-8")
    (dest / "LICENSE").write_text(license_text, encoding="utf-8")
    write_notice(dest, pkg)
    return [*names, "LICENSE", "NOTICE"]


def write_notice(dest: Path, pkg: NpmPackage, changed: str = "") -> None:
    """dest/NOTICE: where the files come from, their licence, and `changed`: what the site
    changed in them (nothing, when empty)."""
    how = "changed as said below" if changed else "unmodified"
    (dest / "NOTICE").write_text(
        f"{pkg.spec}, from the npm registry (integrity {pkg.integrity}), {how};\n"
        f"the files {', '.join(pkg.files)}.\n"
        f"Licence: {pkg.licence} (the text is in LICENSE beside this file). Source code:\n"
        f"{pkg.source} (tag {pkg.version}).\n" + pkg.notes + changed,
        encoding="utf-8",
    )


def _stdlib_bytes() -> bytes:
    with tarfile.open(fileobj=io.BytesIO(fetch(PYODIDE)), mode="r:gz") as tar:
        src = tar.extractfile("package/python_stdlib.zip")
        if src is None:
            raise PyodideError(f"{PYODIDE.spec}: package/python_stdlib.zip is not a file")
        return src.read()


if __name__ == "__main__":  # `python -m prover.site.runtime`: fetch and check once (CI does)
    from prover.site import bytecode

    for package in PACKAGES:
        fetch(package)
        print(f"{package.spec}: {tarball_path(package)} ({package.integrity})")
    # the standard library's bytecode (prover.site.bytecode), made once per machine
    print("python_stdlib.zip:", bytecode.compile_zips({"stdlib": _stdlib_bytes()})[1])
