"""Generators H, G_i, H_i: the pinned table digest, distinctness, lazy extension, limits."""

from __future__ import annotations

import hashlib
import struct
from concurrent.futures import ThreadPoolExecutor

import pytest

import circuits.generators as gens
from circuits.errors import FormatError, ParameterError
from circuits.generators import (
    GENERATORS_DIGEST,
    GENERATORS_DST,
    MAX_GENERATORS,
    PREFIX_DIGESTS,
    affine_table,
    g_vec,
    h_vec,
    load_affine_table,
    pedersen_h,
    table_digest,
)
from circuits.group import Point
from circuits.hash_to_curve import hash_to_curve

# SHA-256 of H, G_0, H_0, ..., G_65535, H_65535 (33-byte SEC1 compressed each).
PINNED_FULL = "f497d58e1f0ef1d03574ccded58115209d54afb679c3242d6b901efbb116e9e5"
# The same over H and the first 1024 pairs.
PINNED_1024 = "abddb64a0d9558e6f39ab6d3174ff27c86ebd4c72ad211a343f2395c05790de9"


def test_constants() -> None:
    assert GENERATORS_DST == b"zk-solvency/v1/generators/secp256k1_XMD:SHA-256_SSWU_RO_"
    assert MAX_GENERATORS == 64 * 1024
    assert GENERATORS_DIGEST == PINNED_FULL


def test_first_1024_pairs_digest() -> None:
    assert table_digest(1024).hex() == PINNED_1024


def test_full_table_digest_and_distinctness() -> None:
    """Recomputes the whole table (about 9 s): the digest statements name, and every point of
    it distinct from every other and from the base point G."""
    assert table_digest().hex() == GENERATORS_DIGEST == PINNED_FULL
    gs = g_vec(MAX_GENERATORS, "libsecp256k1")
    hs = h_vec(MAX_GENERATORS, "libsecp256k1")
    h = pedersen_h("libsecp256k1")
    encoded = [h.to_bytes()] + [p.to_bytes() for pair in zip(gs, hs, strict=True) for p in pair]
    assert hashlib.sha256(b"".join(encoded)).hexdigest() == PINNED_FULL
    for count, digest in gens.PREFIX_DIGESTS.items():  # every prefix digest, from the same list
        assert hashlib.sha256(b"".join(encoded[: 2 * count + 1])).hexdigest() == digest
    encoded.append(Point.generator("libsecp256k1").to_bytes())
    assert len(set(encoded)) == 2 * MAX_GENERATORS + 2
    # distinct x as well: no point is the negation of another
    assert len({e[1:] for e in encoded}) == len(encoded)


def test_digest_is_over_point_encodings(backend: str) -> None:
    count = 16
    h = hashlib.sha256(pedersen_h().to_bytes())
    for g_i, h_i in zip(g_vec(count), h_vec(count), strict=True):
        h.update(g_i.to_bytes())
        h.update(h_i.to_bytes())
    assert h.digest() == table_digest(count)


def test_digest_of_prefixes_differ() -> None:
    assert table_digest(0) == hashlib.sha256(pedersen_h().to_bytes()).digest()
    assert table_digest(1) != table_digest(2)


def test_definitions(backend: str) -> None:
    dst = GENERATORS_DST
    assert pedersen_h() == hash_to_curve(b"H", dst, backend)
    assert pedersen_h().backend == backend
    gs, hs = g_vec(4), h_vec(4)
    for i in range(4):
        assert gs[i] == hash_to_curve(b"G" + struct.pack(">I", i), dst, backend)
        assert hs[i] == hash_to_curve(b"H" + struct.pack(">I", i), dst, backend)
        assert gs[i].backend == hs[i].backend == backend


def test_distinct_small(backend: str) -> None:
    pts = [Point.generator(), pedersen_h(), *g_vec(64), *h_vec(64)]
    assert len({p.to_bytes() for p in pts}) == len(pts) == 130


def test_backends_agree() -> None:
    for f in (g_vec, h_vec):
        a = [p.to_bytes() for p in f(32, "libsecp256k1")]
        b = [p.to_bytes() for p in f(32, "python")]
        assert a == b
    assert pedersen_h("libsecp256k1").to_bytes() == pedersen_h("python").to_bytes()


def test_lazy_extension_gives_same_points(backend: str) -> None:
    small = g_vec(3)
    larger = g_vec(40)
    again = g_vec(3)
    assert larger[:3] == small == again
    direct = [
        hash_to_curve(b"G" + struct.pack(">I", i), GENERATORS_DST, backend) for i in range(40)
    ]
    assert [p.to_bytes() for p in larger] == [p.to_bytes() for p in direct]
    assert h_vec(50)[:20] == h_vec(20)


def test_returned_lists_are_copies() -> None:
    first = g_vec(5)
    first.clear()
    assert len(g_vec(5)) == 5


def test_concurrent_extension() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: h_vec(n, "libsecp256k1"), [300, 200, 300, 250]))
    reference = h_vec(300, "libsecp256k1")
    for r in results:
        assert r == reference[: len(r)]


def test_zero_count() -> None:
    assert g_vec(0) == [] and h_vec(0) == []


@pytest.mark.parametrize("count", [MAX_GENERATORS + 1, 2 * MAX_GENERATORS, 1 << 40, -1])
def test_count_out_of_range(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused before any hashing (hash_to_curve is replaced by a tripwire)."""

    def tripwire(msg: bytes, dst: bytes) -> None:
        raise AssertionError("derivation started before the count was checked")

    monkeypatch.setattr(gens, "hash_to_curve_affine", tripwire)
    for f in (g_vec, h_vec):
        with pytest.raises(ParameterError):
            f(count)
    with pytest.raises(ParameterError):
        table_digest(count)


@pytest.mark.parametrize("count", [1.0, "4", True, None])
def test_count_wrong_type(count: object) -> None:
    with pytest.raises(ParameterError):
        g_vec(count)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        table_digest(count)  # type: ignore[arg-type]


def test_prefix_digests_are_the_table_digests() -> None:
    assert sorted(PREFIX_DIGESTS) == [1 << k for k in range(17)]
    assert PREFIX_DIGESTS[MAX_GENERATORS] == GENERATORS_DIGEST
    assert PREFIX_DIGESTS[1024] == PINNED_1024
    for count in (1, 2, 64):
        assert table_digest(count).hex() == PREFIX_DIGESTS[count]


@pytest.fixture
def empty_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has derived nothing yet (the caches are restored afterwards)."""
    monkeypatch.setattr(gens, "_affine", {b"G": [], b"H": []})
    monkeypatch.setattr(gens, "_h_affine", [])
    monkeypatch.setattr(gens, "_points", {})
    monkeypatch.setattr(gens, "_h_points", {})


def test_loaded_table_gives_the_derived_points(
    backend: str, empty_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    want_g = [p.to_bytes() for p in g_vec(64)]
    want_h = [p.to_bytes() for p in h_vec(64)]
    want_ped = pedersen_h().to_bytes()
    table = affine_table(64)
    assert len(table) == 64 * (2 * 64 + 1)
    monkeypatch.setattr(gens, "_affine", {b"G": [], b"H": []})
    monkeypatch.setattr(gens, "_h_affine", [])
    monkeypatch.setattr(gens, "_points", {})
    monkeypatch.setattr(gens, "_h_points", {})

    def tripwire(msg: bytes, dst: bytes) -> None:
        raise AssertionError(f"{msg!r} derived although the table holds it")

    monkeypatch.setattr(gens, "hash_to_curve_affine", tripwire)
    assert load_affine_table(table) == 64
    assert [p.to_bytes() for p in g_vec(64)] == want_g
    assert [p.to_bytes() for p in h_vec(64)] == want_h
    assert pedersen_h().to_bytes() == want_ped
    assert load_affine_table(affine_table(32)) == 32  # a shorter table changes nothing
    assert [p.to_bytes() for p in g_vec(64)] == want_g


def _flip(table: bytes, pos: int) -> bytes:
    return table[:pos] + bytes([table[pos] ^ 1]) + table[pos + 1 :]


def _swap_pairs(table: bytes) -> bytes:
    """G_0, H_0 exchanged with G_1, H_1: every point on the curve, in the wrong order."""
    return table[:64] + table[192:320] + table[64:192] + table[320:]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t[:-1], "not a whole number of 64-byte points"),
        (lambda t: t + bytes(64), "must be a power of two"),
        (lambda t: t[: 64 * 7], "must be a power of two"),
        (lambda t: _flip(t, 64 * 3 + 63), "entry 3 is not a point of secp256k1"),
        (lambda t: _flip(t, 0), "entry 0 is not a point of secp256k1"),
        (_swap_pairs, "not the pinned digest of 4 pairs"),
        (lambda t: b"", "must be a power of two"),
    ],
)
def test_bad_tables_are_refused_before_anything_is_kept(
    mutate: object, message: str, empty_caches: None
) -> None:
    table = mutate(affine_table(4))  # type: ignore[operator]
    gens._affine[b"G"].clear()
    gens._affine[b"H"].clear()
    gens._h_affine.clear()
    with pytest.raises(FormatError, match=message):
        load_affine_table(table)
    assert gens._affine == {b"G": [], b"H": []} and gens._h_affine == []


def test_table_sizes_must_be_powers_of_two() -> None:
    with pytest.raises(ParameterError, match="power of two"):
        affine_table(3)


def test_a_table_extends_a_partly_filled_cache_with_the_next_points(
    empty_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that derived G_0..G_2 and H_0..H_4 itself, then loads a table of 8 pairs: each
    cache gains exactly the entries it lacked, from the right kind and position (a slip there
    would give the verifier G_i equal to some H_j, with a known discrete log between them)."""
    want_g = list(gens._affine_vec(b"G", 8))
    want_h = list(gens._affine_vec(b"H", 8))
    table = affine_table(8)
    monkeypatch.setattr(gens, "_affine", {b"G": want_g[:3], b"H": want_h[:5]})
    monkeypatch.setattr(gens, "_h_affine", [])
    assert load_affine_table(table) == 8
    assert gens._affine == {b"G": want_g, b"H": want_h}
    assert load_affine_table(affine_table(8)) == 8  # a full cache takes nothing more
    assert gens._affine == {b"G": want_g, b"H": want_h}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(64 * 2), "generator table: the number of pairs must be a power of two"),
        (b"x" * 63, "generator table: not a whole number of 64-byte points"),
    ],
)
def test_table_errors_exact(data: bytes, message: str) -> None:
    with pytest.raises(FormatError) as exc:
        load_affine_table(data)
    assert str(exc.value) == message


def test_generator_errors_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ParameterError) as exc:
        gens.vec_xy(b"X", 4)
    assert str(exc.value) == "generator vector kind must be b'G' or b'H'"
    monkeypatch.setattr(gens, "hash_to_curve_affine", lambda msg, dst: None)
    with pytest.raises(ParameterError) as exc:
        gens._derive(b"G\x00\x00\x00\x07")
    assert str(exc.value) == "generator b'G\\x00\\x00\\x00\\x07' hashed to the identity"


def test_points_are_made_on_the_backend_asked(empty_caches: None) -> None:
    """Neither default: the default backend is libsecp256k1, so the Python one is asked, from
    empty caches (a point made on the default and cached under another name would show)."""
    for name in ("python", "libsecp256k1"):
        assert {p.backend for p in g_vec(4, name) + h_vec(4, name)} == {name}
        assert pedersen_h(name).backend == name
        assert pedersen_h(name) is pedersen_h(name)  # made once, its fixed-base table once


def test_count_errors_exact() -> None:
    for bad, message in (
        (2.0, "generator count must be an integer"),
        (True, "generator count must be an integer"),
        (-1, f"generator count -1 outside [0, {MAX_GENERATORS}] (n*m is at most {MAX_GENERATORS})"),
    ):
        with pytest.raises(ParameterError) as exc:
            g_vec(bad)  # type: ignore[arg-type]
        assert str(exc.value) == message
