"""Optional native accelerator: a variable-time Pippenger multi-scalar multiplication and the
generator fold of inner-product arguments on secp256k1, written in C (msm.c), compiled with cffi
at install time (build.py).

`available()` tells whether the compiled module could be loaded; ZKSOLVENCY_NATIVE=0 turns it
off. VARIABLE TIME: the running time depends on the scalars, so use it only for public data
(verification) or for a prover whose timing cannot be observed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from circuits.group.params import N

__all__ = [
    "NATIVE_ENV",
    "available",
    "comb8_table",
    "comb8_table_bytes",
    "comb_sums",
    "comb_table_bytes",
    "comb_tables",
    "fold_comb_raw",
    "fold_raw",
    "ipp_cross",
    "ipp_fold_scalars",
    "ipp_scalars",
    "msm",
    "msm_fixed_raw",
    "msm_raw",
    "mul2_comb8_raw",
    "range_lr",
    "rng_scalars",
    "sc_outer",
    "sc_powers",
    "shift_table_bytes",
    "shift_tables",
]

NATIVE_ENV = "ZKSOLVENCY_NATIVE"

_lib: Any = None
_ffi: Any = None
_loaded = False


def _load() -> Any:
    global _lib, _ffi, _loaded
    if not _loaded:
        _loaded = True
        if os.environ.get(NATIVE_ENV, "1").strip().lower() not in ("0", "false", "no", "off"):
            try:
                from circuits.group.native import _msm  # type: ignore[attr-defined]
            except ImportError:
                pass
            else:
                _lib, _ffi = _msm.lib, _msm.ffi
    return _lib


def available() -> bool:
    """True when the compiled module is present and not disabled by ZKSOLVENCY_NATIVE=0."""
    return _load() is not None


def msm(points64: Sequence[bytes], scalars: Sequence[int]) -> bytes | None:
    """sum_i scalars[i] * points[i] as 64 bytes x || y (big-endian affine), None for the
    identity. Points are 64-byte affine encodings of curve points; scalars are reduced mod n.
    Raises RuntimeError if the module is unavailable, ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if len(points64) != len(scalars):
        raise ValueError("msm needs as many scalars as points")
    count = len(points64)
    pbuf = b"".join(points64)
    if len(pbuf) != 64 * count:
        raise ValueError("every point must be 64 bytes (x || y)")
    sbuf = b"".join((k % N).to_bytes(32, "big") for k in scalars)
    return msm_raw(pbuf, sbuf, count)


def msm_raw(points: bytes, scalars: bytes, count: int) -> bytes | None:
    """The same on packed buffers: `count` points of 64 bytes (x || y) and `count` scalars of
    32 bytes big-endian, each < n. Raises ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if count < 0 or len(points) != 64 * count or len(scalars) != 32 * count:
        raise ValueError("msm buffers do not match the count")
    out = _ffi.new("unsigned char[64]")
    rc = lib.zks_msm(points, scalars, count, out)
    if rc == 1:
        return bytes(_ffi.buffer(out, 64))
    if rc == 0:
        return None
    if rc == -1:
        raise MemoryError("native msm: allocation failed")
    raise ValueError("native msm: a point is not on secp256k1 or a scalar is not below n")


def fold_raw(lo: bytes, hi: bytes, scalars: bytes, count: int) -> bytes | None:
    """out_i = lo_i + k_i * hi_i for `count` points (64 bytes x || y each) and scalars (32 bytes
    big-endian, < n), as one buffer of 64-byte points; None when some out_i is the identity
    (the caller then takes its slow path). VARIABLE TIME. Raises RuntimeError if the module is
    unavailable, ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if count < 0 or len(lo) != 64 * count or len(hi) != 64 * count or len(scalars) != 32 * count:
        raise ValueError("fold buffers do not match the count")
    out = _ffi.new("unsigned char[]", 64 * count + 1)
    return _fold_result(lib.zks_fold(lo, hi, scalars, count, out), out, count)


def comb_table_bytes() -> int:
    """Bytes of one point's fixed-base table (comb_tables)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    return int(lib.zks_comb_table_bytes())


def comb_tables(points: bytes, count: int) -> bytes:
    """The fixed-base tables of `count` points (64 bytes x || y each) for fold_comb_raw: an
    opaque buffer of count * comb_table_bytes() bytes (about 21 kB a point)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if count < 0 or len(points) != 64 * count:
        raise ValueError("table buffers do not match the count")
    out = _ffi.new("unsigned char[]", comb_table_bytes() * count + 1)
    rc = lib.zks_comb_table(points, count, out)
    if rc == -1:
        raise MemoryError("native comb table: allocation failed")
    if rc != 1:
        raise ValueError("native comb table: a point is not on secp256k1")
    return bytes(_ffi.buffer(out, comb_table_bytes() * count))


def fold_comb_raw(lo: bytes, tables: bytes, scalars: bytes, count: int) -> bytes | None:
    """fold_raw with the hi points given by their comb_tables: no doublings, about twice as
    fast. VARIABLE TIME."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if (
        count < 0
        or len(lo) != 64 * count
        or len(tables) != comb_table_bytes() * count
        or len(scalars) != 32 * count
    ):
        raise ValueError("fold buffers do not match the count")
    out = _ffi.new("unsigned char[]", 64 * count + 1)
    return _fold_result(lib.zks_fold_comb(lo, tables, scalars, count, out), out, count)


def ipp_scalars(
    g_acc: bytearray,
    h_acc: bytearray,
    u_sq: bytes,
    consts: bytes,
    wzz: bytes,
    n_bits: int,
    m: int,
) -> None:
    """Add one range proof's scalars of G_vec_i and H_vec_i into the accumulators g_acc, h_acc
    (32 bytes big-endian each, at least n_bits * m of them; circuits/rangeproof.py, _replay):
    u_sq the lg = log2(n_bits m) squared challenges, consts all_inv || y^-1 || wz || wa || wb,
    wzz the m scalars weight z^(2+j); every scalar < n. See zks_ipp_scalars in msm.c. Raises
    ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    nm = n_bits * m
    lg = nm.bit_length() - 1
    if (
        nm < 1
        or nm != 1 << lg
        or len(u_sq) != 32 * lg
        or len(consts) != 32 * 5
        or len(wzz) != 32 * m
        or len(g_acc) < 32 * nm
        or len(h_acc) < 32 * nm
    ):
        raise ValueError("range verifier scalars: buffers do not match n_bits and m")
    rc = lib.zks_ipp_scalars(
        u_sq,
        lg,
        consts,
        wzz,
        n_bits,
        m,
        _ffi.from_buffer("unsigned char[]", g_acc),
        _ffi.from_buffer("unsigned char[]", h_acc),
    )
    if rc == -1:
        raise MemoryError("native range verifier scalars: allocation failed")
    if rc != 1:
        raise ValueError("native range verifier scalars: a scalar is not below n")


def _ipp_buffers(n: int, *vectors: bytes | bytearray) -> None:
    if n < 2 or n % 2 or any(len(v) < 32 * n for v in vectors):
        raise ValueError("inner-product scalars: n must be even and the buffers hold n scalars")


def ipp_cross(
    a: bytes | bytearray, b: bytes | bytearray, hf: bytes | bytearray, n: int, gf_w: bytes
) -> tuple[bytes, bytes]:
    """The scalars of one round's L and R in the range prover's inner-product argument, from
    the first n scalars of a, b and hf (32 bytes big-endian each, < n) and gf_w = gf || w:
    a_lo gf || b_hi hf_lo || w <a_lo, b_hi> and a_hi gf || b_lo hf_hi || w <a_hi, b_lo>
    (n + 1 scalars each; see zks_ipp_cross in msm.c). Raises ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    _ipp_buffers(n, a, b, hf)
    if len(gf_w) != 64:
        raise ValueError("inner-product scalars: gf_w is two scalars")
    sc_l = _ffi.new("unsigned char[]", 32 * (n + 1))
    sc_r = _ffi.new("unsigned char[]", 32 * (n + 1))
    rc = lib.zks_ipp_cross(
        _ffi.from_buffer(a), _ffi.from_buffer(b), _ffi.from_buffer(hf), n, gf_w, sc_l, sc_r
    )
    if rc != 1:
        raise ValueError("native inner-product scalars: a scalar is not below n")
    return bytes(_ffi.buffer(sc_l)), bytes(_ffi.buffer(sc_r))


def ipp_fold_scalars(a: bytearray, b: bytearray, hf: bytearray, n: int, u_uinv: bytes) -> None:
    """The scalar half of one round's fold, in place on the first n / 2 scalars of a, b, hf:
    a_i = u a_i + u^-1 a_(h+i), b_i = u^-1 b_i + u b_(h+i), hf_i = u hf_i, u_uinv = u || u^-1
    (zks_ipp_fold_scalars in msm.c). Raises ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    _ipp_buffers(n, a, b, hf)
    if len(u_uinv) != 64:
        raise ValueError("inner-product scalars: u_uinv is two scalars")
    rc = lib.zks_ipp_fold_scalars(
        *(_ffi.from_buffer(v, require_writable=True) for v in (a, b, hf)), n, u_uinv
    )
    if rc != 1:
        raise ValueError("native inner-product scalars: a scalar is not below n")


def rng_scalars(key: bytes, counter: int, count: int) -> tuple[list[int], int]:
    """circuits.transcript.TranscriptRng.scalars in C: `count` scalars from the 32-byte key
    and the counter, and the counter after them (the same values as the Python loop)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if len(key) != 32 or count < 0 or not 0 <= counter < 1 << 63:
        raise ValueError("rng: a 32-byte key, a counter below 2^63 and a count >= 0")
    out = _ffi.new("unsigned char[]", 32 * count + 1)
    after = int(lib.zks_rng_scalars(key, counter, count, out))
    raw = bytes(_ffi.buffer(out, 32 * count))
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "big") for i in range(count)], after


def shift_table_bytes() -> int:
    """Bytes of one point's shift table (shift_tables)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    return int(lib.zks_shift_table_bytes())


def shift_tables(points: bytes, count: int) -> bytes:
    """The shift tables (16^j P, j < 34) of `count` points (64 bytes x || y each) for
    msm_fixed_raw: an opaque buffer of count * shift_table_bytes() bytes (2.7 kB a point)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if count < 0 or len(points) != 64 * count:
        raise ValueError("table buffers do not match the count")
    size = shift_table_bytes() * count
    out = _ffi.new("unsigned char[]", size + 1)
    rc = lib.zks_shift_tables(points, count, out)
    if rc == -1:
        raise MemoryError("native shift tables: allocation failed")
    if rc != 1:
        raise ValueError("native shift tables: a point is not on secp256k1")
    return bytes(_ffi.buffer(out, size))


def msm_fixed_raw(tables: bytes, idx: bytes, scalars: bytes, count: int) -> bytes | None:
    """sum_i k_i * P[idx_i] for the points P of `tables` (shift_tables): `idx` holds `count`
    table indices, 4 bytes little-endian each, `scalars` `count` scalars of 32 bytes big-endian,
    each < n. Output as msm_raw; no doublings (about half the time of msm_raw for the same
    terms). VARIABLE TIME. Raises ValueError on invalid input (an index out of range)."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    size = shift_table_bytes()
    if count < 0 or len(tables) % size or len(idx) != 4 * count or len(scalars) != 32 * count:
        raise ValueError("fixed msm buffers do not match the count")
    out = _ffi.new("unsigned char[64]")
    rc = lib.zks_msm_fixed(tables, len(tables) // size, idx, scalars, count, out)
    if rc == 1:
        return bytes(_ffi.buffer(out, 64))
    if rc == 0:
        return None
    if rc == -1:
        raise MemoryError("native fixed msm: allocation failed")
    raise ValueError("native fixed msm: a table index is out of range or a scalar is not below n")


def _fold_result(rc: int, out: Any, count: int) -> bytes | None:
    if rc == 1:
        return bytes(_ffi.buffer(out, 64 * count))
    if rc == 0:
        return None
    if rc == -1:
        raise MemoryError("native fold: allocation failed")
    raise ValueError("native fold: a point is not on secp256k1 or a scalar is not below n")


def comb8_table_bytes() -> int:
    """Bytes of one point's 8-bit comb table (comb8_table)."""
    lib = _load()
    if lib is None or not hasattr(lib, "zks_comb8_table_bytes"):
        raise RuntimeError("the native comb8 functions are not available")
    return int(lib.zks_comb8_table_bytes())


def comb8_table(point: bytes) -> bytes:
    """The 8-bit fixed-base comb table of one point (64 bytes x || y) for mul2_comb8_raw: an
    opaque buffer of comb8_table_bytes() bytes (about 330 kB)."""
    size = comb8_table_bytes()
    lib = _load()
    if len(point) != 64:
        raise ValueError("a point is 64 bytes x || y")
    out = _ffi.new("unsigned char[]", size + 1)
    rc = lib.zks_comb8_table(point, out)
    if rc == -1:
        raise MemoryError("native comb8 table: allocation failed")
    if rc != 1:
        raise ValueError("native comb8 table: the point is not on secp256k1")
    return bytes(_ffi.buffer(out, size))


def mul2_comb8_raw(
    table_a: bytes, table_b: bytes, ka: bytes, kb: bytes, count: int
) -> bytes | None:
    """mul2_comb_raw with comb8_table tables: ka_i * A + kb_i * B, at most 33 additions a
    scalar (the tree's Pedersen commitments). VARIABLE TIME."""
    size = comb8_table_bytes()
    lib = _load()
    if count < 0 or len(table_a) != size or len(table_b) != size:
        raise ValueError("mul2 tables must be comb8 tables")
    if len(ka) != 32 * count or len(kb) != 32 * count:
        raise ValueError("mul2 buffers do not match the count")
    out = _ffi.new("unsigned char[]", 64 * count + 1)
    return _fold_result(lib.zks_mul2_comb8(table_a, table_b, ka, kb, count, out), out, count)


def add_pairs_available() -> bool:
    """Whether the compiled module has zks_add_pairs (a module built before it has not)."""
    lib = _load()
    return lib is not None and hasattr(lib, "zks_add_pairs")


def add_pairs_raw(pairs: bytes, count: int) -> bytes | None:
    """A_i + B_i of `count` pairs of points (128 bytes each: x || y of A, then of B) as 64-byte
    x || y, with one inversion for all; None if some sum is the identity. ValueError if a
    point is invalid. VARIABLE TIME (the tree builder's public-size sums)."""
    lib = _load()
    if count < 0 or len(pairs) != 128 * count:
        raise ValueError("add_pairs buffer does not match the count")
    out = _ffi.new("unsigned char[]", 64 * count + 1)
    rc = lib.zks_add_pairs(pairs, count, out)
    if rc == 1:
        return bytes(_ffi.buffer(out, 64 * count))
    if rc == 0:
        return None
    if rc == -2:
        raise ValueError("add_pairs: a point is not on the curve")
    raise MemoryError("add_pairs: allocation failed")


def range_lr(values: bytes, n_bits: int, m: int, s: bytes, yzx: bytes) -> bytes:
    """The range prover's vectors (zks_range_lr in msm.c): values m x 32 bytes (their low
    n_bits bits count), s = s_L || s_R (2 n_bits m scalars), yzx = y || z, or y || z || x.
    Without x: t_1 || t_2; with x: l || r || t_x. Raises ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    nm = n_bits * m
    with_x = len(yzx) == 96
    if (
        not 1 <= n_bits <= 128
        or m < 1
        or len(values) != 32 * m
        or len(s) != 64 * nm
        or len(yzx) not in (64, 96)
    ):
        raise ValueError("range vectors: buffers do not match n_bits and m")
    size = 32 * (2 * nm + 1) if with_x else 64
    out = _ffi.new("unsigned char[]", size)
    if lib.zks_range_lr(values, n_bits, m, s, yzx, int(with_x), out) != 1:
        raise ValueError("native range vectors: a scalar is not below n")
    return bytes(_ffi.buffer(out))


def sc_powers(base: bytes, count: int) -> bytes:
    """1, b, b^2, ..., b^(count-1) mod n for the 32-byte scalar b (< n), 32 bytes each."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if len(base) != 32 or count < 0:
        raise ValueError("powers: a 32-byte scalar and a count >= 0")
    out = _ffi.new("unsigned char[]", 32 * count + 1)
    if lib.zks_sc_powers(base, count, out) != 1:
        raise ValueError("native powers: the base is not below n")
    return bytes(_ffi.buffer(out, 32 * count))


def comb_sums(
    lo: bytes, tables: bytes, idx: bytes, scalars: bytes, terms: int, nout: int
) -> bytes | None:
    """out_o = lo_o + sum_{t < terms} k[o terms + t] * P[idx[o terms + t]] for o < nout: lo
    nout points of 64 bytes x || y, P the points of `tables` (comb_tables), `idx` table indices
    of 4 bytes little-endian, `scalars` 32 bytes big-endian (< n). nout points of 64 bytes, or
    None when one of them is the identity. VARIABLE TIME. Raises ValueError on invalid input."""
    size = comb_table_bytes()
    count = terms * nout
    if (
        terms < 0
        or nout < 0
        or len(lo) != 64 * nout
        or len(tables) % size
        or len(idx) != 4 * count
        or len(scalars) != 32 * count
    ):
        raise ValueError("comb sums buffers do not match the counts")
    out = _ffi.new("unsigned char[]", 64 * nout + 1)
    rc = _lib.zks_comb_sums(lo, tables, len(tables) // size, idx, scalars, terms, nout, out)
    if rc == 1:
        return bytes(_ffi.buffer(out, 64 * nout))
    if rc == 0:
        return None
    if rc == -1:
        raise MemoryError("native comb sums: allocation failed")
    raise ValueError(
        "native comb sums: a point is not on secp256k1, a table index is out of range or a "
        "scalar is not below n"
    )


def sc_outer(scalars: bytes, count: int, coefs: bytes, k: int) -> bytes:
    """out[t count + i] = scalars[i] * coefs[t] mod n (t < k, i < count; 32 bytes big-endian
    each, inputs below n), as one buffer. Raises ValueError on invalid input."""
    lib = _load()
    if lib is None:
        raise RuntimeError("the native msm module is not available")
    if count < 0 or k < 0 or len(scalars) < 32 * count or len(coefs) != 32 * k:
        raise ValueError("scalar buffers do not match the counts")
    out = _ffi.new("unsigned char[]", 32 * count * k + 1)
    if lib.zks_sc_outer(scalars, count, coefs, k, out) != 1:
        raise ValueError("native scalars: a scalar is not below n")
    return bytes(_ffi.buffer(out, 32 * count * k))
