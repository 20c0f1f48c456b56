"""cffi (API mode) build of the native msm accelerator, `circuits.group.native._msm`.

Used by setuptools at install time through `setup(cffi_modules=[...])` in setup.py; the
extension is marked optional, so an install without a C compiler still succeeds (the pure
libsecp256k1 path is then used). For a development checkout, build it in place with

    python circuits/group/native/build.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from cffi import FFI

_HERE = Path(__file__).resolve().parent

#: The exported functions, declared once in zks_native.h (its # lines are not for cffi's cdef).
HEADER = "zks_native.h"
CDEF = "\n".join(
    line
    for line in (_HERE / HEADER).read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
)

#: The header, msm.c, then the files that use its helpers (comb8.c: the tree's commitments).
SOURCES = (HEADER, "msm.c", "comb8.c")

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "circuits.group.native._msm",
    "\n".join((_HERE / name).read_text(encoding="utf-8") for name in SOURCES),
    extra_compile_args=os.environ.get("ZKSOLVENCY_NATIVE_CFLAGS", "-O3").split(),
    optional=True,  # a failed compilation only skips the accelerator
)


def build_in_place() -> Path:
    """Compile the module next to this file (for PYTHONPATH checkouts); returns its path."""
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(ffibuilder.compile(tmpdir=tmp, verbose=False))
        target = _HERE / built.name
        target.write_bytes(built.read_bytes())
    return target


if __name__ == "__main__":
    print(build_in_place(), file=sys.stderr)
