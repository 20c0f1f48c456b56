"""The prover's native fast paths against the reference paths: range proofs (circuits.ipp_native,
the native fold, the first fold's comb tables) byte for byte for every n and several m, with the
fold's slow fallback, the fixed generators' shift tables; the native fold and the fixed-base msm
against the plain ones (zero, 1, n - 1 scalars, sums at infinity, invalid input); batched
Pedersen commitments (commit_many)."""

from __future__ import annotations

import hashlib
import random

import pytest

from circuits import ipp_native
from circuits import rangeproof as rp
from circuits.generators import g_vec, h_vec
from circuits.group import N, Point, native
from circuits.transcript import Transcript

pytestmark = pytest.mark.skipif(
    not native.available(),
    reason="native module not built (pip install . with a C compiler) or ZKSOLVENCY_NATIVE=0",
)


def _entropy(seed: bytes):  # type: ignore[no-untyped-def]
    def entropy(size: int) -> bytes:
        return hashlib.sha256(b"fast-path" + seed).digest()[:size]

    return entropy


def _prove(values: list[int], n: int, seed: bytes) -> bytes:
    blindings = [(0x1234567 * (j + 3)) % N for j in range(len(values))]
    t = Transcript(b"fast-path test")
    proof, _ = rp.prove(values, blindings, n, t, entropy=_entropy(seed))
    return proof.to_bytes() + t.challenge_bytes(b"after", 32)


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ipp_native, "available", lambda: False)


def _xy(p: Point) -> bytes:
    aff = p.affine()
    assert aff is not None
    return aff[0].to_bytes(32, "big") + aff[1].to_bytes(32, "big")


@pytest.mark.parametrize(("n", "m"), [(8, 1), (16, 2), (32, 1), (64, 1), (64, 4), (8, 16)])
def test_fast_path_equals_reference_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch, n: int, m: int
) -> None:
    rng = random.Random(n * 100 + m)
    values = [rng.choice([0, 1, (1 << n) - 1, rng.randrange(1 << n)]) for _ in range(m)]
    assert ipp_native.available()
    fast = _prove(values, n, bytes([n, m]))
    _slow(monkeypatch)
    slow = _prove(values, n, bytes([n, m]))
    assert fast == slow


def test_fold_fallback_gives_the_same_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _prove([5, 77], 32, b"fallback")
    monkeypatch.setattr(ipp_native.native, "fold_raw", lambda lo, hi, sc, count: None)
    assert _prove([5, 77], 32, b"fallback") == fast


def test_fast_proof_verifies() -> None:
    t = Transcript(b"fast-path test")
    proof, cs = rp.prove([3, 1 << 40], [11, 12], 64, t)
    rp.verify(proof, cs, 64, Transcript(b"fast-path test"))


def test_fold_matches_one_multiplication_at_a_time() -> None:
    rng = random.Random(5)
    for size in (1, 2, 3, 63, 64, 65, 130):
        lo, hi = g_vec(size), h_vec(size)
        ks = [rng.choice([0, 1, 2, N - 1, rng.randrange(N)]) for _ in range(size)]
        out = native.fold_raw(
            b"".join(map(_xy, lo)),
            b"".join(map(_xy, hi)),
            b"".join(k.to_bytes(32, "big") for k in ks),
            size,
        )
        assert out == b"".join(_xy(a + b * k) for a, b, k in zip(lo, hi, ks, strict=True))


def test_fold_identity_and_doubling() -> None:
    G = Point.generator()
    g = _xy(G)
    assert native.fold_raw(g, g, (N - 1).to_bytes(32, "big"), 1) is None  # G - G
    assert native.fold_raw(g, g, (1).to_bytes(32, "big"), 1) == _xy(G + G)
    assert native.fold_raw(b"", b"", b"", 0) == b""


def test_fold_rejects_invalid_input() -> None:
    g = _xy(Point.generator())
    off_curve = g[:63] + bytes([g[63] ^ 1])
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.fold_raw(g, off_curve, (3).to_bytes(32, "big"), 1)
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.fold_raw(off_curve, g, (3).to_bytes(32, "big"), 1)
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.fold_raw(g, g, N.to_bytes(32, "big"), 1)
    with pytest.raises(ValueError, match="do not match"):
        native.fold_raw(g, g, (3).to_bytes(32, "big"), 2)


def test_rng_scalars_equal_repeated_scalar() -> None:
    a = Transcript(b"rng").rng(b"w", _entropy(b"r"))
    b = Transcript(b"rng").rng(b"w", _entropy(b"r"))
    assert a.scalars(50) == [b.scalar() for _ in range(50)]
    assert a.scalar() == b.scalar()


def test_comb_fold_matches_the_plain_fold() -> None:
    from circuits.generators import vec_xy

    rng = random.Random(6)
    for size in (1, 2, 7, 40, 70):  # 70: more than one chunk of summed outputs
        lo, hi = vec_xy(b"G", size), vec_xy(b"H", size)
        ks = b"".join(
            rng.choice([0, 1, 2, N - 1, rng.randrange(N)]).to_bytes(32, "big") for _ in range(size)
        )
        tables = native.comb_tables(hi, size)
        assert len(tables) == size * native.comb_table_bytes()
        assert native.fold_comb_raw(lo, tables, ks, size) == native.fold_raw(lo, hi, ks, size)
    g = _xy(Point.generator())
    tables = native.comb_tables(g, 1)
    assert native.fold_comb_raw(g, tables, (N - 1).to_bytes(32, "big"), 1) is None  # G - G
    two_g = _xy(Point.generator() + Point.generator())
    assert native.fold_comb_raw(g, tables, (1).to_bytes(32, "big"), 1) == two_g  # a doubling
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.comb_tables(g[:63] + bytes([g[63] ^ 1]), 1)
    with pytest.raises(ValueError, match="do not match"):
        native.fold_comb_raw(g, tables[:-1], (3).to_bytes(32, "big"), 1)


def test_first_fold_tables_give_the_same_proofs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ipp_native, "_comb", {})
    monkeypatch.setattr(ipp_native, "_comb_uses", {})
    proofs = [_prove([9, 1 << 20], 64, b"comb") for _ in range(3)]  # tables from the 2nd on
    assert 128 in ipp_native._comb
    assert proofs[0] == proofs[1] == proofs[2]
    monkeypatch.setattr(ipp_native, "COMB_MAX_N", 64)
    monkeypatch.setattr(ipp_native, "_comb", {})
    assert _prove([9, 1 << 20], 64, b"comb") == proofs[0]
    assert 128 not in ipp_native._comb


def test_fixed_base_tables_give_the_same_proofs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ipp_native, "_fixed", {})
    monkeypatch.setattr(ipp_native, "_fixed_uses", {})
    proofs = [_prove([3, (1 << 32) - 1], 32, b"fixed") for _ in range(3)]  # tables from the 2nd
    assert 64 in ipp_native._fixed
    assert proofs[0] == proofs[1] == proofs[2]
    _slow(monkeypatch)
    assert _prove([3, (1 << 32) - 1], 32, b"fixed") == proofs[0]


def test_fixed_msm_matches_the_plain_msm() -> None:
    from circuits.generators import vec_xy

    rng = random.Random(9)
    size = 40
    pts = vec_xy(b"G", size)
    tables = native.shift_tables(pts, size)
    assert len(tables) == size * native.shift_table_bytes()
    for count in (1, 2, 3, 17, 80):
        idx = [rng.randrange(size) for _ in range(count)]
        ks = [rng.choice([0, 1, 2, N - 1, rng.randrange(1 << 20), rng.randrange(N)]) for _ in idx]
        sc = b"".join(k.to_bytes(32, "big") for k in ks)
        expected = native.msm_raw(b"".join(pts[64 * i : 64 * i + 64] for i in idx), sc, count)
        got = native.msm_fixed_raw(
            tables, b"".join(i.to_bytes(4, "little") for i in idx), sc, count
        )
        assert got == expected
    one, minus_one = (1).to_bytes(32, "big"), (N - 1).to_bytes(32, "big")
    twice = (5).to_bytes(4, "little") * 2
    assert native.msm_fixed_raw(tables, twice, one + minus_one, 2) is None  # P - P
    assert native.msm_fixed_raw(tables, twice, one + one, 2) == native.msm_raw(
        pts[320:384], (2).to_bytes(32, "big"), 1
    )  # P + P: the doubling case of the affine sums
    assert native.msm_fixed_raw(tables, b"", b"", 0) is None
    with pytest.raises(ValueError, match="out of range"):
        native.msm_fixed_raw(tables, size.to_bytes(4, "little"), one, 1)
    with pytest.raises(ValueError, match="not below n"):
        native.msm_fixed_raw(tables, bytes(4), N.to_bytes(32, "big"), 1)
    with pytest.raises(ValueError, match="do not match"):
        native.msm_fixed_raw(tables[:-1], bytes(4), one, 1)
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.shift_tables(pts[:63] + bytes([pts[63] ^ 1]), 1)


def test_commit_many_equals_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from circuits import pedersen

    rng = random.Random(8)
    values = [0, 1, 5, (1 << 64) - 1, N - 1, 0] + [rng.randrange(1 << 64) for _ in range(20)]
    blindings = [1, 0, rng.randrange(N), rng.randrange(N), 7, N - 1] + [
        rng.randrange(N) for _ in range(20)
    ]
    fast = pedersen.commit_many(values, blindings)
    assert fast == [pedersen.commit(v, r) for v, r in zip(values, blindings, strict=True)]
    # a batch with an identity result (0, 0) falls back to one commitment at a time
    mixed = pedersen.commit_many([3, 0], [4, 0])
    assert mixed[0] == pedersen.commit(3, 4) and mixed[1].is_identity()
    with pytest.raises(ValueError, match="as many blindings"):
        pedersen.commit_many([1], [])


def _ipp_scalars_reference(
    u_sq: list[int], consts: list[int], wzz: list[int], n_bits: int, m: int
) -> tuple[list[int], list[int]]:
    """The verifier's scalars of G_vec_i and H_vec_i, as circuits/rangeproof.py writes them."""
    all_inv, y_inv, wz, wa, wb = consts
    nm, lg = n_bits * m, len(u_sq)
    s = [all_inv] * nm
    for i in range(1, nm):
        j = i.bit_length() - 1
        s[i] = s[i - (1 << j)] * u_sq[lg - 1 - j] % N
    g = [(-wz - wa * s_i) % N for s_i in s]
    h = [
        (wz + pow(y_inv, i, N) * (wzz[i // n_bits] * 2 ** (i % n_bits) - wb * s[nm - 1 - i])) % N
        for i in range(nm)
    ]
    return g, h


@pytest.mark.parametrize(("n_bits", "m"), [(8, 1), (64, 1), (8, 4), (128, 2), (16, 8)])
def test_native_verifier_scalars_match_python(n_bits: int, m: int) -> None:
    rng = random.Random(n_bits + m)
    nm = n_bits * m
    lg = nm.bit_length() - 1
    for edge in (False, True):
        pick = (lambda: rng.choice([0, 1, N - 1, N - 2])) if edge else (lambda: rng.randrange(N))
        u_sq = [pick() for _ in range(lg)]
        consts = [pick() for _ in range(5)]
        wzz = [pick() for _ in range(m)]
        start_g = [pick() for _ in range(nm + 3)]  # accumulators wider than nm: a prefix is used
        start_h = [pick() for _ in range(nm + 3)]
        g_acc = bytearray(b"".join(k.to_bytes(32, "big") for k in start_g))
        h_acc = bytearray(b"".join(k.to_bytes(32, "big") for k in start_h))
        native.ipp_scalars(
            g_acc,
            h_acc,
            b"".join(k.to_bytes(32, "big") for k in u_sq),
            b"".join(k.to_bytes(32, "big") for k in consts),
            b"".join(k.to_bytes(32, "big") for k in wzz),
            n_bits,
            m,
        )
        g, h = _ipp_scalars_reference(u_sq, consts, wzz, n_bits, m)
        got_g = [int.from_bytes(g_acc[32 * i : 32 * i + 32], "big") for i in range(nm + 3)]
        got_h = [int.from_bytes(h_acc[32 * i : 32 * i + 32], "big") for i in range(nm + 3)]
        assert got_g == [(a + b) % N for a, b in zip(start_g, g, strict=False)] + start_g[nm:]
        assert got_h == [(a + b) % N for a, b in zip(start_h, h, strict=False)] + start_h[nm:]


def test_native_verifier_scalars_reject_bad_input() -> None:
    acc = bytearray(32 * 8)
    one = (1).to_bytes(32, "big")
    with pytest.raises(ValueError, match="do not match"):
        native.ipp_scalars(acc, bytearray(32 * 8), one * 2, one * 5, one, 8, 1)  # lg = 3
    with pytest.raises(ValueError, match="do not match"):
        native.ipp_scalars(bytearray(32 * 4), bytearray(32 * 8), one * 3, one * 5, one, 8, 1)
    with pytest.raises(ValueError, match="not below n"):
        native.ipp_scalars(
            acc, bytearray(32 * 8), one * 3, N.to_bytes(32, "big") + one * 4, one, 8, 1
        )
    with pytest.raises(ValueError, match="not below n"):
        native.ipp_scalars(bytearray(b"\xff" * 256), bytearray(32 * 8), one * 3, one * 5, one, 8, 1)


def test_batch_verify_same_decision_without_native_scalars(monkeypatch: pytest.MonkeyPatch) -> None:
    proofs = []
    for i, (n, m) in enumerate([(64, 1), (8, 2), (64, 1), (16, 4)]):
        t = Transcript(b"batch")
        values = [(i * 1000 + j) % (1 << n) for j in range(m)]
        proof, cs = rp.prove(values, [7 + i + j for j in range(m)], n, t)
        proofs.append((proof, cs, n))

    def run() -> list[str]:
        out = []
        for bad in (None, 2):
            items = []
            for idx, (proof, cs, n) in enumerate(proofs):
                if idx == bad:
                    proof = rp.RangeProof(**{**proof.__dict__, "a": (proof.a + 1) % N})
                items.append((proof, cs, n, Transcript(b"batch")))
            try:
                rp.batch_verify(items, entropy=_entropy(b"batch"))
                out.append("ok")
            except rp.VerificationError as e:
                out.append(f"{e.check}: {e}")
        return out

    fast = run()
    assert fast == ["ok", "rangeproof: proof 2: range proof does not verify"]
    monkeypatch.setattr(ipp_native, "native_scalars", lambda: False)
    assert run() == fast


def test_native_rng_equals_the_python_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from circuits.transcript import TranscriptRng

    native_rng = Transcript(b"rng").rng(b"w", _entropy(b"n"))
    fast = [native_rng.scalars(k) for k in (0, 1, 7, 300)] + [[native_rng.scalar()]]
    monkeypatch.setattr(native, "available", lambda: False)
    python_rng = Transcript(b"rng").rng(b"w", _entropy(b"n"))
    assert isinstance(python_rng, TranscriptRng)
    assert fast == [python_rng.scalars(k) for k in (0, 1, 7, 300)] + [[python_rng.scalar()]]
    monkeypatch.undo()
    with pytest.raises(ValueError, match="32-byte key"):
        native.rng_scalars(b"short", 0, 1)


def _sc(ks: list[int]) -> bytes:
    return b"".join(k.to_bytes(32, "big") for k in ks)


def _ints(buf: bytes | bytearray, count: int) -> list[int]:
    return [int.from_bytes(buf[32 * i : 32 * i + 32], "big") for i in range(count)]


@pytest.mark.parametrize("n", [2, 8, 64])
def test_native_inner_product_scalars_match_python(n: int) -> None:
    rng = random.Random(n)
    h = n // 2
    for edge in (False, True):
        pick = (lambda: rng.choice([0, 1, N - 1, N - 2])) if edge else (lambda: rng.randrange(N))
        a, b, hf = ([pick() for _ in range(n + 2)] for _ in range(3))  # a prefix of n is used
        gf, w, u = pick(), pick(), pick() or 1
        u_inv = pow(u, -1, N)
        sc_l, sc_r = native.ipp_cross(_sc(a), _sc(b), _sc(hf), n, _sc([gf, w]))
        c_l = sum(x * y for x, y in zip(a[:h], b[h:n], strict=True)) * w % N
        c_r = sum(x * y for x, y in zip(a[h:n], b[:h], strict=True)) * w % N
        assert _ints(sc_l, n + 1) == [
            *(x * gf % N for x in a[:h]),
            *(x * f % N for x, f in zip(b[h:n], hf[:h], strict=True)),
            c_l,
        ]
        assert _ints(sc_r, n + 1) == [
            *(x * gf % N for x in a[h:n]),
            *(x * f % N for x, f in zip(b[:h], hf[h:n], strict=True)),
            c_r,
        ]
        ba, bb, bh = bytearray(_sc(a)), bytearray(_sc(b)), bytearray(_sc(hf))
        native.ipp_fold_scalars(ba, bb, bh, n, _sc([u, u_inv]))
        assert _ints(ba, n + 2) == [
            *((u * x + u_inv * y) % N for x, y in zip(a[:h], a[h:n], strict=True)),
            *a[h:],
        ]
        assert _ints(bb, n + 2) == [
            *((u_inv * x + u * y) % N for x, y in zip(b[:h], b[h:n], strict=True)),
            *b[h:],
        ]
        assert _ints(bh, n + 2) == [*(u * f % N for f in hf[:h]), *hf[h:]]


def test_native_inner_product_scalars_reject_bad_input() -> None:
    one, big = _sc([1]), N.to_bytes(32, "big")
    with pytest.raises(ValueError, match="n must be even"):
        native.ipp_cross(one * 3, one * 3, one * 3, 3, one * 2)
    with pytest.raises(ValueError, match="n must be even"):
        native.ipp_cross(one * 2, one, one * 2, 2, one * 2)
    with pytest.raises(ValueError, match="gf_w is two scalars"):
        native.ipp_cross(one * 2, one * 2, one * 2, 2, one)
    with pytest.raises(ValueError, match="not below n"):
        native.ipp_cross(one + big, one * 2, one * 2, 2, one * 2)
    with pytest.raises(ValueError, match="not below n"):
        native.ipp_cross(one * 2, one * 2, one * 2, 2, one + big)
    buf = bytearray(one * 4)
    with pytest.raises(ValueError, match="u_uinv is two scalars"):
        native.ipp_fold_scalars(buf, bytearray(buf), bytearray(buf), 4, one)
    with pytest.raises(ValueError, match="not below n"):
        native.ipp_fold_scalars(bytearray(big * 2), buf, bytearray(buf), 2, one * 2)
    with pytest.raises(ValueError, match="n must be even"):
        native.ipp_fold_scalars(buf, bytearray(buf), bytearray(buf), 0, one * 2)


@pytest.mark.parametrize(("n_bits", "m"), [(8, 1), (64, 1), (16, 4), (128, 2)])
def test_native_range_vectors_match_python(n_bits: int, m: int) -> None:
    rng = random.Random(n_bits * 10 + m)
    nm = n_bits * m
    values = [rng.choice([0, (1 << n_bits) - 1, rng.randrange(1 << n_bits)]) for _ in range(m)]
    values[0] += 1 << n_bits  # only the low n_bits bits count (a cheating prover's value)
    s = [rng.choice([0, 1, N - 1, rng.randrange(N)]) for _ in range(2 * nm)]
    y, z, x = rng.randrange(N), rng.choice([0, 1, rng.randrange(N)]), rng.randrange(N)
    bits = [(v >> k) & 1 for v in values for k in range(n_bits)]
    l0 = [(b - z) % N for b in bits]
    r0 = [
        (pow(y, i, N) * (bits[i] - 1 + z) + pow(z, 2 + i // n_bits, N) * 2 ** (i % n_bits)) % N
        for i in range(nm)
    ]
    r1 = [pow(y, i, N) * s[nm + i] % N for i in range(nm)]
    l1 = s[:nm]
    t1 = sum(a * b for a, b in zip(l0 + l1, r1 + r0, strict=True)) % N
    t2 = sum(a * b for a, b in zip(l1, r1, strict=True)) % N
    vals = _sc(values)
    assert _ints(native.range_lr(vals, n_bits, m, _sc(s), _sc([y, z])), 2) == [t1, t2]
    lv = [(a + b * x) % N for a, b in zip(l0, l1, strict=True)]
    rv = [(a + b * x) % N for a, b in zip(r0, r1, strict=True)]
    t_x = sum(a * b for a, b in zip(lv, rv, strict=True)) % N
    got = native.range_lr(vals, n_bits, m, _sc(s), _sc([y, z, x]))
    assert _ints(got, 2 * nm + 1) == [*lv, *rv, t_x]
    assert _ints(native.sc_powers(_sc([y]), 5), 5) == [pow(y, i, N) for i in range(5)]


def test_native_range_vectors_reject_bad_input() -> None:
    one, big = _sc([1]), N.to_bytes(32, "big")
    with pytest.raises(ValueError, match="do not match"):
        native.range_lr(one, 8, 1, one * 15, one * 2)
    with pytest.raises(ValueError, match="do not match"):
        native.range_lr(one, 8, 1, one * 16, one)
    with pytest.raises(ValueError, match="do not match"):
        native.range_lr(one, 256, 1, one * 512, one * 2)
    with pytest.raises(ValueError, match="not below n"):
        native.range_lr(one, 8, 1, one * 15 + big, one * 2)
    with pytest.raises(ValueError, match="not below n"):
        native.range_lr(one, 8, 1, one * 16, one * 2 + big)
    with pytest.raises(ValueError, match="not below n"):
        native.sc_powers(big, 2)
    with pytest.raises(ValueError, match="32-byte scalar"):
        native.sc_powers(one[:31], 2)


def _idx(ids: list[int]) -> bytes:
    return b"".join(i.to_bytes(4, "little") for i in ids)


def test_comb_sums_match_the_plain_msm() -> None:
    from circuits.generators import vec_xy

    rng = random.Random(12)
    size = 6
    pts, lows = vec_xy(b"H", size), vec_xy(b"G", 60)
    tables = native.comb_tables(pts, size)
    for terms, nout in ((0, 2), (1, 1), (3, 50), (40, 2)):  # 50 x 3: more than one chunk
        idx = [rng.randrange(size) for _ in range(terms * nout)]
        ks = [rng.choice([1, 2, N - 1, 15, 16, rng.randrange(N)]) for _ in idx]
        lo = lows[: 64 * nout]
        got = native.comb_sums(lo, tables, _idx(idx), _sc(ks), terms, nout)
        assert got is not None
        for o in range(nout):
            part = range(o * terms, (o + 1) * terms)
            expected = native.msm_raw(
                lo[64 * o : 64 * o + 64]
                + b"".join(pts[64 * idx[t] : 64 * idx[t] + 64] for t in part),
                _sc([1, *(ks[t] for t in part)]),
                terms + 1,
            )
            assert got[64 * o : 64 * o + 64] == expected
    p = pts[192:256]
    one, minus_one = _sc([1]), _sc([N - 1])
    assert native.comb_sums(p, tables, _idx([3]), minus_one, 1, 1) is None  # P - P
    assert native.comb_sums(p, tables, _idx([3]), one, 1, 1) == native.msm_raw(p, _sc([2]), 1)
    assert native.comb_sums(b"", tables, b"", b"", 3, 0) == b""
    with pytest.raises(ValueError, match="out of range"):
        native.comb_sums(p, tables, _idx([size]), one, 1, 1)
    with pytest.raises(ValueError, match="not below n"):
        native.comb_sums(p, tables, _idx([0]), _sc([N]), 1, 1)
    with pytest.raises(ValueError, match="not on secp256k1"):
        native.comb_sums(p[:63] + bytes([p[63] ^ 1]), tables, _idx([0]), one, 1, 1)
    with pytest.raises(ValueError, match="do not match"):
        native.comb_sums(p, tables[:-1], _idx([0]), one, 1, 1)
    with pytest.raises(ValueError, match="do not match"):
        native.comb_sums(p, tables, _idx([0, 1]), one, 1, 1)


def test_sc_outer_matches_python() -> None:
    rng = random.Random(11)
    xs = [rng.choice([0, 1, N - 1, rng.randrange(N)]) for _ in range(7)]
    cs = [1, N - 1, rng.randrange(N)]
    got = native.sc_outer(_sc(xs) + _sc([5]), 7, _sc(cs), 3)  # a longer input: a prefix
    assert _ints(got, 21) == [x * c % N for c in cs for x in xs]
    assert native.sc_outer(b"", 0, _sc(cs), 3) == b""
    with pytest.raises(ValueError, match="not below n"):
        native.sc_outer(N.to_bytes(32, "big"), 1, _sc([1]), 1)
    with pytest.raises(ValueError, match="not below n"):
        native.sc_outer(_sc([1]), 1, N.to_bytes(32, "big"), 1)
    with pytest.raises(ValueError, match="do not match"):
        native.sc_outer(_sc([1]), 2, _sc([1]), 1)


@pytest.mark.parametrize(("n", "m"), [(8, 1), (64, 1), (16, 4)])
def test_first_two_folds_from_the_unfolded_generators(
    monkeypatch: pytest.MonkeyPatch, n: int, m: int
) -> None:
    for name in ("_comb", "_comb_uses", "_fixed", "_fixed_uses"):
        monkeypatch.setattr(ipp_native, name, {})
    values = [(1 << n) - 1 - 3 * j for j in range(m)]
    proofs = [_prove(values, n, b"two folds") for _ in range(3)]  # tables from the 2nd on
    assert n * m in ipp_native._comb and n * m in ipp_native._fixed
    assert proofs[0] == proofs[1] == proofs[2]
    sums = native.comb_sums
    monkeypatch.setattr(  # the generators after two folds one point at a time
        native,
        "comb_sums",
        lambda lo, t, i, s, terms, nout: None if terms == 3 else sums(lo, t, i, s, terms, nout),
    )
    assert _prove(values, n, b"two folds") == proofs[0]
    monkeypatch.setattr(ipp_native, "_fixed", {})  # comb tables only: the first fold with them
    monkeypatch.setattr(ipp_native, "FIXED_MAX_N", 0)
    assert _prove(values, n, b"two folds") == proofs[0]
    _slow(monkeypatch)
    assert _prove(values, n, b"two folds") == proofs[0]
