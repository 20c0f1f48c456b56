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

CDEF = """
int zks_msm(const unsigned char *points, const unsigned char *scalars, size_t n,
            unsigned char *out);
int zks_fold(const unsigned char *lo, const unsigned char *hi, const unsigned char *scalars,
             size_t n, unsigned char *out);
size_t zks_comb_table_bytes(void);
int zks_comb_table(const unsigned char *points, size_t n, unsigned char *out);
int zks_fold_comb(const unsigned char *lo, const unsigned char *tables,
                  const unsigned char *scalars, size_t n, unsigned char *out);
int zks_ipp_scalars(const unsigned char *u_sq, size_t lg, const unsigned char *consts,
                    const unsigned char *wzz, size_t n_bits, size_t m, unsigned char *g_acc,
                    unsigned char *h_acc);
uint64_t zks_rng_scalars(const unsigned char *key, uint64_t counter, size_t count,
                         unsigned char *out);
size_t zks_shift_table_bytes(void);
int zks_shift_tables(const unsigned char *points, size_t n, unsigned char *out);
int zks_msm_fixed(const unsigned char *tables, size_t ntables, const unsigned char *idx,
                  const unsigned char *scalars, size_t n, unsigned char *out);
size_t zks_comb8_table_bytes(void);
int zks_comb8_table(const unsigned char *point, unsigned char *out);
int zks_mul2_comb8(const unsigned char *table_a, const unsigned char *table_b,
                   const unsigned char *ka, const unsigned char *kb, size_t n,
                   unsigned char *out);
"""

#: msm.c, then the files that use its helpers (comb8.c: the tree's commitments).
SOURCES = ("msm.c", "comb8.c")

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
