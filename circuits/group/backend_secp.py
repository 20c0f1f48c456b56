"""libsecp256k1 backend through coincurve's cffi bindings. Native values are `secp256k1_pubkey`
structs (never the identity) or None for the identity. Scalar multiplication (`mul`) is
libsecp256k1's constant-time `tweak_mul`, except for bases registered as fixed (G and the
Pedersen H) once their comb table exists: those are a table lookup by the scalar's bytes and one
combine, which is faster but VARIABLE TIME. Sums of many points are one
`secp256k1_ec_pubkey_combine` call.

Large multi-scalar multiplications (`msm` with at least NATIVE_MSM_THRESHOLD distinct bases
outside the fixed-base tables) go to the optional C accelerator `circuits.group.native` when it
was compiled at install time (ZKSOLVENCY_NATIVE=0 disables it): a Pippenger bucket method that
is VARIABLE TIME, i.e. its running time depends on the scalars. That is acceptable for
verification (public data) and for an offline prover whose timing cannot be observed; callers
that need constant time for secret scalars must use `mul` or set ZKSOLVENCY_NATIVE=0. Results
are identical either way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from circuits.errors import FormatError
from circuits.group import native
from circuits.group.params import GX, N

_CTX = GLOBAL_CONTEXT.ctx
_COMPRESSED = lib.SECP256K1_EC_COMPRESSED
_UNCOMPRESSED = lib.SECP256K1_EC_UNCOMPRESSED

Native = Any  # cdata 'secp256k1_pubkey *' or None


def _new() -> Any:
    return ffi.new("secp256k1_pubkey *")


def _copy(a: Any) -> Any:
    out = ffi.new("secp256k1_pubkey *")
    ffi.memmove(out, a, 64)
    return out


class SecpBackend:
    """coincurve / libsecp256k1 implementation."""

    name = "libsecp256k1"

    #: A base used this many times in one process gets a fixed-base table (0.3 s to build).
    FIXED_BASE_THRESHOLD = 512

    #: From this many distinct variable bases on, msm uses the native Pippenger (if built);
    #: measured break-even against one tweak_mul per base: about 10.
    NATIVE_MSM_THRESHOLD = 12

    #: Affine encodings kept for the native msm (the generators recur in every proof).
    XY_CACHE_LIMIT = 1 << 16

    def __init__(self) -> None:
        self._g = self.decode(GX, False)
        self._g_key = self.hashable(self._g)
        # Fixed-base comb tables for bases registered as frequent (G, and H once the Pedersen
        # generator is derived): table[w][d] = (d * 256^w) * base, so k*base is one combine of
        # at most 32 table entries, about 1.6x faster than tweak_mul. Public data only.
        self._fixed_candidates: dict[bytes, int] = {}
        self._tables: dict[bytes, list[list[Any]]] = {}
        self._xy_cache: dict[bytes, bytes] = {}
        self.register_fixed_base(self._g)

    def register_fixed_base(self, v: Native) -> None:
        """Mark `v` as a base worth a precomputed table once it has been used often."""
        if v is not None:
            self._fixed_candidates.setdefault(self.hashable(v), 0)

    def _table_for(self, key: bytes, p: Any) -> list[list[Any]] | None:
        table = self._tables.get(key)
        if table is not None:
            return table
        uses = self._fixed_candidates.get(key)
        if uses is None:
            return None
        if uses < self.FIXED_BASE_THRESHOLD:
            self._fixed_candidates[key] = uses + 1
            return None
        rows: list[list[Any]] = []
        row_base = p
        for _ in range(32):
            row = [ffi.NULL, row_base]
            for _ in range(254):
                row.append(self._combine([row[-1], row_base]))
            rows.append(row)
            row_base = self._mul_raw(row_base, 256)
        self._tables[key] = rows
        return rows

    def generator(self) -> Native:
        return self._g

    def decode(self, x: int, odd: bool) -> Native:
        buf = bytes([3 if odd else 2]) + x.to_bytes(32, "big")
        out = _new()
        if not lib.secp256k1_ec_pubkey_parse(_CTX, out, buf, 33):
            raise FormatError("x-coordinate is not on secp256k1")
        return out

    def decode_xy(self, x: int, y: int) -> Native:
        """(x, y), already checked to be on the curve by the caller (no square root)."""
        out = _new()
        buf = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
        if not lib.secp256k1_ec_pubkey_parse(_CTX, out, buf, 65):
            raise FormatError("(x, y) is not a point of secp256k1")
        return out

    def encode(self, v: Native) -> bytes:
        if v is None:
            raise FormatError("the identity has no encoding")
        buf = ffi.new("unsigned char[33]")
        size = ffi.new("size_t *", 33)
        lib.secp256k1_ec_pubkey_serialize(_CTX, buf, size, v, _COMPRESSED)
        return bytes(ffi.buffer(buf, 33))

    def affine(self, v: Native) -> tuple[int, int] | None:
        if v is None:
            return None
        buf = ffi.new("unsigned char[65]")
        size = ffi.new("size_t *", 65)
        lib.secp256k1_ec_pubkey_serialize(_CTX, buf, size, v, lib.SECP256K1_EC_UNCOMPRESSED)
        raw = bytes(ffi.buffer(buf, 65))
        return int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")

    def add(self, a: Native, b: Native) -> Native:
        if a is None:
            return b
        if b is None:
            return a
        return self._combine([a, b])

    def _combine(self, pts: list[Any]) -> Native:
        if not pts:
            return None
        if len(pts) == 1:
            return pts[0]
        out = _new()
        if not lib.secp256k1_ec_pubkey_combine(_CTX, out, pts, len(pts)):
            return None  # the sum is the point at infinity
        return out

    def neg(self, a: Native) -> Native:
        if a is None:
            return None
        out = _copy(a)
        lib.secp256k1_ec_pubkey_negate(_CTX, out)
        return out

    def eq(self, a: Native, b: Native) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return bool(lib.secp256k1_ec_pubkey_cmp(_CTX, a, b) == 0)

    def _mul_raw(self, a: Any, k: int, key: bytes | None = None) -> Any:
        """k*a for k in [1, n); k*G takes libsecp256k1's faster fixed-base path."""
        if a is self._g or (key if key is not None else bytes(ffi.buffer(a, 64))) == self._g_key:
            out = _new()
            lib.secp256k1_ec_pubkey_create(_CTX, out, k.to_bytes(32, "big"))
            return out
        out = _copy(a)
        if not lib.secp256k1_ec_pubkey_tweak_mul(_CTX, out, k.to_bytes(32, "big")):
            raise ValueError("libsecp256k1 refused a scalar multiplication")
        return out

    def mul(self, a: Native, k: int) -> Native:
        k %= N
        if a is None or k == 0:
            return None
        if self._fixed_candidates:
            return self.msm([k], [a])
        return self._mul_raw(a, k)

    def msm(self, scalars: Sequence[int], points: Sequence[Native]) -> Native:
        # Merge repeated bases first (batch verification repeats the generators), then one
        # multiplication per distinct base and a single combine.
        merged: dict[bytes, list[Any]] = {}
        for k, p in zip(scalars, points, strict=True):
            if p is None:
                continue
            key = bytes(ffi.buffer(p, 64))
            slot = merged.get(key)
            if slot is None:
                merged[key] = [k, p]
            else:
                slot[0] += k
        terms: list[Any] = []
        variable: list[tuple[int, Any, bytes]] = []
        for key, (k, p) in merged.items():
            k %= N
            if not k:
                continue
            table = self._table_for(key, p) if self._fixed_candidates else None
            if table is not None:
                terms.extend(
                    row[d] for row, d in zip(table, k.to_bytes(32, "little"), strict=True) if d
                )
            else:
                variable.append((k, p, key))
        if len(variable) >= self.NATIVE_MSM_THRESHOLD and native.available():
            part = self._native_msm(variable)
            if part is not None:
                terms.append(part)
        else:
            terms.extend(self._mul_raw(p, k, key) for k, p, key in variable)
        return self._combine(terms)

    def _native_msm(self, variable: list[tuple[int, Any, bytes]]) -> Native:
        """sum k * p over `variable` on the native (variable-time) Pippenger msm."""
        buf = ffi.new("unsigned char[65]")
        size = ffi.new("size_t *")
        cache = self._xy_cache
        if len(cache) + len(variable) > self.XY_CACHE_LIMIT:
            cache.clear()
        chunks: list[bytes] = []
        for _, p, key in variable:
            xy = cache.get(key)
            if xy is None:
                size[0] = 65
                lib.secp256k1_ec_pubkey_serialize(_CTX, buf, size, p, _UNCOMPRESSED)
                xy = cache[key] = ffi.buffer(buf, 65)[1:]
            chunks.append(xy)
        scalars = b"".join(k.to_bytes(32, "big") for k, _, _ in variable)
        res = native.msm_raw(b"".join(chunks), scalars, len(variable))
        if res is None:
            return None
        out = _new()
        if not lib.secp256k1_ec_pubkey_parse(_CTX, out, b"\x04" + res, 65):
            raise ValueError("libsecp256k1 refused the native msm result")
        return out

    def hashable(self, v: Native) -> bytes:
        if v is None:
            return b"\x00"
        return bytes(ffi.buffer(v, 64))
