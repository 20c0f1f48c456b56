"""The exact bytes of the circuits' hashes, transcripts and blinding RNG against independent
computations of docs/PROTOCOL.md (sections 4, 5.1, 6.2-6.5), written here with hashlib and
int.to_bytes only: a mutant of a tag, a length, a field order or a byte layout in
circuits/merkle.py, circuits/transcript.py or circuits/pedersen.py fails here even where prover
and verifier would stay consistent with each other (issue 11, docs/MUTATION.md). The RNG's
Python loop (the fallback of the native module) is run and compared with the native one."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Iterator

import pytest

from circuits import merkle, pedersen
from circuits import rangeproof as rp
from circuits import transcript as tr
from circuits.errors import ParameterError, VerificationError
from circuits.generators import GENERATORS_DIGEST, pedersen_h
from circuits.group import N, Point, native_module, set_default_backend
from circuits.pedersen import commit, open_check

SALT = bytes(range(32))
SALT2 = bytes(range(100, 132))


@pytest.fixture(autouse=True)
def _libsecp() -> Iterator[None]:
    set_default_backend("libsecp256k1")
    yield
    set_default_backend(None)


# --- independent references (PROTOCOL.md) ---------------------------------------------------


def u32(k: int) -> bytes:
    return k.to_bytes(4, "big")


def u64(k: int) -> bytes:
    return k.to_bytes(8, "big")


def fh(tag: bytes, *fields: bytes) -> bytes:
    """6.2: SHA256(u32(len(tag)) || tag || u32(len(f_1)) || f_1 || ...)."""
    data = u32(len(tag)) + tag
    for f in fields:
        data += u32(len(f)) + f
    return hashlib.sha256(data).digest()


def frame(label: bytes, data: bytes) -> bytes:
    """4: u32(len(label)) || label || u64(len(data)) || data."""
    return u32(len(label)) + label + u64(len(data)) + data


def t_start(label: bytes) -> bytes:
    return frame(b"protocol", b"zk-solvency/transcript/v1") + frame(b"label", label)


def t_challenge(log: bytes, label: bytes, size: int = 64) -> tuple[bytes, bytes]:
    """4, Challenges: (out, the log afterwards)."""
    log += frame(b"challenge", label)
    seed = hashlib.sha256(log).digest()
    out = b"".join(hashlib.sha256(seed + u32(i)).digest() for i in range((size + 31) // 32))
    out = out[:size]
    return out, log + frame(b"challenge-out", out)


def rng_key(log: bytes, witness: bytes, entropy: bytes) -> bytes:
    state = hashlib.sha256(log).digest()
    return hashlib.sha256(
        frame(b"rng-state", state) + frame(b"rng-witness", witness) + frame(b"rng-entropy", entropy)
    ).digest()


def rng_block(key: bytes, counter: int) -> bytes:
    return hashlib.sha256(key + u64(counter)).digest()


def rng_scalars(key: bytes, counter: int, count: int) -> tuple[list[int], int]:
    """count values of scalar(): 64 bytes (two blocks) mod q, retried on zero."""
    out = []
    while len(out) < count:
        k = int.from_bytes(rng_block(key, counter) + rng_block(key, counter + 1), "big") % N
        counter += 2
        if k:
            out.append(k)
    return out, counter


def enc(points: list[Point]) -> bytes:
    return b"".join(p.to_bytes() for p in points)


# --- circuits.merkle -------------------------------------------------------------------------


def test_framed_hash_and_leaf_hash() -> None:
    assert merkle.framed(b"ab", b"", b"c") == u32(2) + b"ab" + u32(0) + u32(1) + b"c"
    assert merkle.framed_hash(b"t", b"x", b"yz") == fh(b"t", b"x", b"yz")
    want = fh(b"zk-solvency/v1/leaf", b"r\xc3\xa9", b"alice", SALT)
    assert merkle.leaf_hash("r\u00e9", "alice", SALT) == want
    for bad in (SALT[:31], SALT + b"\x00"):
        with pytest.raises(ParameterError, match=r"^salt must be 32 bytes$"):
            merkle.leaf_hash("r", "alice", bad)


@pytest.mark.parametrize(
    ("depth", "index"),
    [(0, 0), (1, 1), (7, 100), (64, 2**63), (64, 2**64 - 1), (127, 5), (128, 0), (255, 2**63)],
)
def test_padding_hash_layout(depth: int, index: int) -> None:
    """u8(depth) || u64(index) as one field: unsigned, big-endian, over the whole range
    (a tree of height 64 has padding nodes at depth 64 with index >= 2^63)."""
    want = fh(b"zk-solvency/v1/padding", bytes([depth]) + u64(index), SALT)
    assert merkle.padding_hash(depth, index, SALT) == want


def test_padding_hash_salt_length() -> None:
    for bad in (b"", SALT[:31], SALT + b"\x00"):
        with pytest.raises(ParameterError, match=r"^padding salt must be 32 bytes$"):
            merkle.padding_hash(1, 0, bad)


def test_node_hash_both_forms() -> None:
    g, h = Point.generator(), pedersen_h()
    left, right = [commit(5, 7), g], [commit(9, 11), h * 3]
    want = fh(b"zk-solvency/v1/node", enc(left), enc(right), SALT, SALT2)
    assert len(enc(left)) == 66
    assert merkle.commitments_bytes(left) == enc(left)
    assert merkle.commitments_bytes([]) == b""
    assert merkle.node_hash(left, right, SALT, SALT2) == want
    assert merkle.node_hash_raw(enc(left), enc(right), SALT, SALT2) == want
    # the order of the children matters, for commitments and hashes alike
    assert merkle.node_hash(right, left, SALT, SALT2) != want
    assert merkle.node_hash(left, right, SALT2, SALT) != want


def test_add_commitments() -> None:
    a, b = [commit(1, 2), commit(3, 4)], [commit(10, 20), commit(30, 40)]
    assert merkle.add_commitments(a, b) == [commit(11, 22), commit(33, 44)]
    with pytest.raises(ValueError, match="zip"):
        merkle.add_commitments(a, b[:1])
    with pytest.raises(ValueError, match="zip"):
        merkle.add_commitments(a[:1], b)


def test_params_digest() -> None:
    assets = [("BTC", 8), ("ETH", 18)]
    got = merkle.params_digest("round-1", 20, 64, "per-node", assets, GENERATORS_DIGEST)
    want = fh(
        b"zk-solvency/v1/params",
        b"round-1",
        u32(20) + u32(64) + u32(2),
        b"per-node",
        b"BTC:8",
        b"ETH:18",
        bytes.fromhex(GENERATORS_DIGEST),
    )
    assert got == want


@pytest.mark.parametrize(
    ("k", "want"), [(1, 1), (2, 2), (3, 4), (4, 4), (5, 8), (64, 64), (65, 128)]
)
def test_next_pow2(k: int, want: int) -> None:
    assert merkle.next_pow2(k) == want


def test_tree_transcripts() -> None:
    ctx = bytes(range(32))
    cases = [
        (
            merkle.root_transcript(ctx),
            t_start(b"zk-solvency/v1/root-range") + frame(b"context", ctx),
        ),
        (
            merkle.node_transcript(ctx, 3, 5),
            t_start(b"zk-solvency/v1/node-range")
            + frame(b"context", ctx)
            + frame(b"depth", u64(3))
            + frame(b"index", u64(5)),
        ),
        (
            merkle.path_transcript(ctx, 2**64 - 1),
            t_start(b"zk-solvency/v1/path-range")
            + frame(b"context", ctx)
            + frame(b"leaf-index", u64(2**64 - 1)),
        ),
    ]
    for t, log in cases:
        assert t.challenge_bytes(b"c") == t_challenge(log, b"c")[0]


@pytest.mark.parametrize(
    ("leaf", "height"), [(0, 2), (3, 2), (0b1011, 4), (2**64 - 1, 64), (5, 64)]
)
def test_sibling_positions(leaf: int, height: int) -> None:
    want = []
    for depth in range(height, 0, -1):
        own = leaf >> (height - depth)  # the path's node at this depth
        want.append((depth, own ^ 1, own % 2 == 1))
    assert merkle.sibling_positions(leaf, height) == want


# --- circuits.transcript ---------------------------------------------------------------------


def test_transcript_log_and_challenges() -> None:
    g = Point.generator()
    t = tr.Transcript(b"lab")
    t.append_message(b"m", b"data")
    t.append_u64(b"u", 2**64 - 1)
    t.append_scalar(b"s", N - 1)
    t.append_point(b"P", g)
    log = (
        t_start(b"lab")
        + frame(b"m", b"data")
        + frame(b"u", u64(2**64 - 1))
        + frame(b"s", (N - 1).to_bytes(32, "big"))
        + frame(b"P", g.to_bytes())
    )
    for size in (64, 0, 1, 32, 33, 65, 100):
        out, log = t_challenge(log, b"c%d" % size, size)
        assert t.challenge_bytes(b"c%d" % size, size) == out
    out, log = t_challenge(log, b"x")
    assert t.challenge_scalar(b"x") == int.from_bytes(out, "big") % N
    clone = t.clone()
    assert clone.challenge_bytes(b"y") == t.challenge_bytes(b"y") == t_challenge(log, b"y")[0]


def test_zero_challenge_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A challenge that reduces to 0 is refused with its check (reachable only by a SHA-256
    preimage, so the squeezed bytes are replaced here); one that reduces to 1 is fine."""
    out = {"bytes": N.to_bytes(64, "big")}
    monkeypatch.setattr(tr.Transcript, "challenge_bytes", lambda _t, _l, _s=64: out["bytes"])
    with pytest.raises(VerificationError) as exc:
        tr.Transcript(b"p").challenge_scalar(b"c")
    assert (str(exc.value), exc.value.check) == ("zero challenge", "challenge")
    out["bytes"] = (2 * N + 1).to_bytes(64, "big")
    assert tr.Transcript(b"p").challenge_scalar(b"c") == 1


def test_append_point_identity_message() -> None:
    t = tr.Transcript(b"p")
    for label, shown in ((b"S", "S"), (b"\xffT", "\ufffdT")):
        with pytest.raises(VerificationError) as exc:
            t.append_point(label, Point.identity())
        assert str(exc.value) == f"identity point in {shown}"
        assert exc.value.check == "identity"


def test_append_u64_message() -> None:
    t = tr.Transcript(b"p")
    for bad in (-1, 2**64):
        with pytest.raises(ParameterError, match=r"^u64 out of range$"):
            t.append_u64(b"n", bad)
    with pytest.raises(ParameterError, match=r"^transcript label must be bytes$"):
        tr.Transcript("p")  # type: ignore[arg-type]


def _rng(counter: int = 0) -> tuple[tr.TranscriptRng, bytes]:
    t = tr.Transcript(b"rng")
    t.append_message(b"m", b"1")
    rng = t.rng(b"witness", lambda k: b"\x07" * k)
    key = rng_key(t_start(b"rng") + frame(b"m", b"1"), b"witness", b"\x07" * 32)
    rng._counter = counter
    return rng, key


def test_rng_bytes_and_scalar() -> None:
    rng, key = _rng()
    assert rng.random_bytes(40) == (rng_block(key, 0) + rng_block(key, 1))[:40]
    assert rng.random_bytes(0) == b""
    assert rng.random_bytes(32) == rng_block(key, 2)
    (want,), _ = rng_scalars(key, 3, 1)
    assert rng.scalar() == want
    assert rng.random_bytes(1) == rng_block(key, 5)[:1]


def test_rng_scalars_native_and_python_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """scalars() equals count calls of scalar(), and leaves the counter where they would: in C
    (when built: one call of the native module), in the Python loop (the module hidden), and
    in Python past the counter the fast path takes (2^62), up to the u64 limit."""
    want, end = rng_scalars(_rng()[1], 0, 9)
    after = rng_block(_rng()[1], end)
    native = native_module()
    if native is not None and native.available():
        calls = []
        real = native.rng_scalars

        def spy(key: bytes, counter: int, count: int) -> tuple[list[int], int]:
            calls.append(counter)
            return real(key, counter, count)  # type: ignore[no-any-return]

        with monkeypatch.context() as m:
            m.setattr(native, "rng_scalars", spy)
            rng, _ = _rng()
            assert rng.scalars(9) == want
            assert rng.random_bytes(32) == after
        assert calls == [0]
    with monkeypatch.context() as m:
        m.setattr(tr, "native_module", lambda: None)
        rng, _ = _rng()
        assert rng.scalars(0) == []
        assert rng.scalars(9) == want
        assert rng.random_bytes(32) == after
    for high in (2**62 + 6, 2**63 + 4, 2**64 - 40):
        rng, key = _rng(high)
        want_high, end_high = rng_scalars(key, high, 5)
        assert rng.scalars(5) == want_high
        assert rng.random_bytes(32) == rng_block(key, end_high)
        assert rng.random_bytes(64) == rng_block(key, end_high + 1) + rng_block(key, end_high + 2)


def test_rng_is_never_shown_nor_pickled() -> None:
    rng, _ = _rng()
    assert repr(rng) == "TranscriptRng(<secret>)"
    assert str(rng) == "TranscriptRng(<secret>)"
    with pytest.raises(TypeError, match=r"^TranscriptRng holds secrets and cannot be pickled$"):
        pickle.dumps(rng)


# --- circuits.pedersen -----------------------------------------------------------------------

VALUES = [0, 1, 5, 2**64 - 1, N - 1, 0, 123456789]
BLINDS = [1, 0, 7, N - 1, 2**200 + 3, N + 4, 0]  # N + 4 is taken mod q


def test_commit_definition_and_backend() -> None:
    g, h = Point.generator("python"), pedersen_h("python")
    c = commit(-3, N + 8, "python")
    assert c.backend == "python"
    assert c == g * (N - 3) + h * 8
    assert commit(2, 9).backend == "libsecp256k1"
    assert commit(2, 9).to_bytes() == (g * 2 + h * 9).to_bytes()


def test_open_check_exact_error() -> None:
    c = commit(5, 7)
    open_check(c, 5, 7)
    open_check(c, 5 + N, 7 - N)
    for v, r, point in ((6, 7, c), (5, 8, c), (0, 0, Point.identity()), (0, 0, c)):
        with pytest.raises(VerificationError, match=r"^commitment does not open") as exc:
            open_check(point, v, r)
        assert exc.value.check == "opening"
        assert str(exc.value) == "commitment does not open to the given value"


def _expected() -> list[Point]:
    g, h = Point.generator(), pedersen_h()
    return [g * (v % N) + h * (r % N) for v, r in zip(VALUES, BLINDS, strict=True)]


@pytest.mark.parametrize("path", ["native", "no native", "python backend", "no comb8"])
def test_commit_many_equals_commit(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """commit_many / commit_many_affine (the prover's batch) equal commit one by one, on the
    native comb (tables built afresh, no commitment computed one by one) and on every
    fallback (the python backend never calls the native module); the identity (0, 0) comes
    out as the identity."""
    native = pedersen.native
    want = _expected()

    def refuse(*_args: object) -> None:
        raise AssertionError("this path must not be taken")

    if path == "native":
        if native is None or not native.available():
            pytest.skip("native module not built")
        monkeypatch.setattr(pedersen, "_tables", [])
        with monkeypatch.context() as m:
            m.setattr(pedersen, "commit", refuse)
            assert pedersen.commit_many(VALUES, BLINDS) == want
            assert pedersen.commit_many_affine(VALUES, BLINDS) == [p.affine() for p in want]
        assert len(pedersen._tables) == 2
    elif path == "no native":
        monkeypatch.setattr(pedersen, "native", None)
    elif path == "python backend":
        set_default_backend("python")
        want = [p.on("python") for p in want]
        if native is not None:
            monkeypatch.setattr(native, "mul2_comb8_raw", refuse)
            monkeypatch.setattr(native, "comb8_table", refuse)
    elif path == "no comb8" and native is not None:

        def old_module(_xy: bytes) -> bytes:
            raise RuntimeError("compiled before comb8")

        monkeypatch.setattr(pedersen, "_tables", [])
        monkeypatch.setattr(native, "comb8_table", old_module)
    assert pedersen.commit_many(VALUES, BLINDS) == want
    assert pedersen.commit_many_affine(VALUES, BLINDS) == [p.affine() for p in want]
    with_identity = pedersen.commit_many([0, 3], [0, 4])
    assert with_identity[0].is_identity() and with_identity[1] == commit(3, 4)
    assert pedersen.commit_many_affine([3, 0], [4, N]) == [commit(3, 4).affine(), None]
    assert pedersen.commit_many([], []) == [] == pedersen.commit_many_affine([], [])
    if path == "no comb8":
        assert pedersen._tables == []
    for bad in (([1, 2], [1]), ([1], [1, 2]), ([1], []), ([], [1])):
        with pytest.raises(ValueError, match=r"^commit_many needs as many blindings as values$"):
            pedersen.commit_many(*bad)
        with pytest.raises(ValueError, match=r"^commit_many needs as many blindings as values$"):
            pedersen.commit_many_affine(*bad)
    c = commit(3, 4)
    assert pedersen.add(c, commit(1, 1)) == commit(4, 5)
    assert pedersen.subtract(c, commit(1, 1)) == commit(2, 3)


# --- circuits.rangeproof: the verifier's Python fallback against the native scalars ----------


def _entropy(seed: bytes) -> tr.Entropy:
    return lambda k: hashlib.sha256(b"fallback" + seed).digest()[:k]


def _honest(n: int, m: int) -> tuple[rp.RangeProof, list[Point], tr.Transcript]:
    values = [(1 << n) - 1 - 3 * j for j in range(m)]
    blindings = [1000 + j for j in range(m)]
    t = tr.Transcript(b"zk-solvency/test/fallback")
    proof, vs = rp.prove(values, blindings, n, t.clone(), entropy=_entropy(bytes([n, m])))
    return proof, vs, t


def _ints(buf: bytearray, count: int) -> list[int]:
    return [int.from_bytes(buf[32 * i : 32 * i + 32], "big") for i in range(count)]


@pytest.mark.parametrize(("n", "m"), [(8, 1), (8, 4), (16, 2)])
@pytest.mark.parametrize("batched", [False, True])
def test_replay_python_fallback_equals_native(
    n: int, m: int, batched: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """_replay's Python loop for the scalars of G_vec_i, H_vec_i gives the values the native
    module adds up (circuits.group.native.ipp_scalars), and everything else unchanged."""
    native = native_module()
    if native is None or not native.available():
        pytest.skip("native module not built")
    proof, vs, t = _honest(n, m)
    entropy = _entropy(b"weights")
    fast = rp._replay(proof, vs, n, t.clone(), batched, entropy)
    monkeypatch.setattr(rp.ipp_native, "native_scalars", lambda: False)
    slow = rp._replay(proof, vs, n, t.clone(), batched, entropy)
    assert fast.vec_args is not None and slow.vec_args is None
    assert fast.g_vec == fast.h_vec == []
    g_acc, h_acc = bytearray(32 * n * m), bytearray(32 * n * m)
    native.ipp_scalars(g_acc, h_acc, *fast.vec_args)
    assert [k % N for k in slow.g_vec] == _ints(g_acc, n * m)
    assert [k % N for k in slow.h_vec] == _ints(h_acc, n * m)
    assert (slow.g, slow.h, slow.nm) == (fast.g, fast.h, fast.nm) == (slow.g, slow.h, n * m)
    assert slow.scalars == fast.scalars
    assert slow.points == fast.points


@pytest.mark.parametrize("fallback", [False, True])
def test_verify_and_batch_on_both_scalar_paths(
    fallback: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest proofs of different widths verify alone and in one batch on the native and the
    Python scalar paths; a t_x moved by one is refused by both, alone and in the batch."""
    if fallback:
        monkeypatch.setattr(rp.ipp_native, "native_scalars", lambda: False)
    widths = [8, 16, 8]
    items = [_honest(8, 1), _honest(16, 2), _honest(8, 4)]
    for (proof, vs, t), n in zip(items, widths, strict=True):
        rp.verify(proof, vs, n, t.clone())
    batch = [(p, vs, n, t.clone()) for (p, vs, t), n in zip(items, widths, strict=True)]
    rp.batch_verify(batch, entropy=_entropy(b"batch"))
    p, vs, t = items[1]
    bad = dataclasses.replace(p, t_x=(p.t_x + 1) % N)
    with pytest.raises(VerificationError, match=r"^range proof does not verify$"):
        rp.verify(bad, vs, 16, t.clone())
    batch = [(p, vs, n, t.clone()) for (p, vs, t), n in zip(items, widths, strict=True)]
    batch[1] = (bad, vs, 16, t.clone())
    with pytest.raises(VerificationError, match=r"^proof 1: range proof does not verify$"):
        rp.batch_verify(batch, entropy=_entropy(b"batch"))
