"""Scale (issue 6): the parallel tree build gives the serial tree byte for byte, on processes
and on a Dask LocalCluster; positions and padding are computed in bounded memory with the same
results; a build killed with SIGKILL at several points and run again publishes the same bytes
and never publishes a half-built round; the store survives a reopen."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from circuits.errors import ParameterError
from circuits.group import N
from circuits.merkle import padding_hash
from prover.build import BuildConfig, build, staging_dir
from prover.proving import Pool, SubtreeTask, run_subtree
from prover.secrets import MasterSecret
from prover.snapshot import SnapshotSummary
from prover.store import Store, ix, read_leaves
from prover.tree import (
    DerivedSecrets,
    Node,
    RoundSecrets,
    StreamingBuilder,
    TreeMaker,
    assign_positions,
    build_subtree,
    bumped_positions,
    choose_top_depth,
    inputs_digest,
    node_row,
    padding_positions,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET = bytes(range(7, 39))
ROUND = "2026-11"
#: A build's inputs digest (prover.tree.inputs_digest) for tests of the derivations alone.
INPUTS = bytes(range(100, 132))


def inputs_of(cfg: BuildConfig, summary: SnapshotSummary) -> bytes:
    """The inputs digest `build` derives under for this configuration and snapshot."""
    from prover.build import params_of

    return inputs_digest(summary.data_digest, params_of(cfg).to_json(), cfg.round_up)


def _snapshot(path: Path, users: int, seed: int = 5) -> Path:
    rng = random.Random(seed)
    lines = ["user_id,BTC"]
    for i in range(users):
        lines.append(f"user-{i:04d},{rng.randrange(0, 10**7) / 10**8:.8f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _key(path: Path) -> Path:
    path.write_bytes(SECRET)
    path.chmod(0o600)
    return path


def _outputs(out: Path) -> dict[str, bytes]:
    """Every published file but the private store, by relative path."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "private" not in p.parts
    }


def _nodes(store_path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(f"{store_path.as_uri()}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT depth, idx, hash, commitments, opening, needs_proof FROM nodes "
            "ORDER BY depth, idx"
        ).fetchall()
    finally:
        db.close()


# -- derivations, positions, padding -----------------------------------------------------------


def test_fast_derivations_equal_master_derive() -> None:
    master = MasterSecret(SECRET)
    rs = RoundSecrets(master, ROUND, 2, INPUTS)
    for length in (16, 32, 33, 64, 100):
        assert rs._derive(b"pad-blinding", b"\x01" * 9, b"\x00", length=length) == master.derive(
            b"pad-blinding", ROUND, INPUTS, b"\x01" * 9, b"\x00", length=length
        )
    assert rs.leaf_salt("ü") == master.derive(b"leaf-salt", ROUND, INPUTS, "ü".encode())
    # padding: the node's tree key, from the root's down (docs/PROTOCOL.md 6.6), written out
    key = master.derive(b"tree-key", ROUND, INPUTS)
    for bit in (1, 0, 1):  # node (3, 5) = 0b101: right, left, right
        key = hashlib.blake2b(b"children", key=key).digest()[32 * bit : 32 * bit + 32]
    assert rs.node_key(3, 5) == key
    assert rs.pad_salt(3, 5) == hashlib.blake2b(b"pad-hash", key=key, digest_size=32).digest()
    assert rs.pad_blindings(3, 5) == [
        int.from_bytes(hashlib.blake2b(b"pad-blinding" + bytes([a]), key=key).digest(), "big") % N
        for a in (0, 1)
    ]
    assert rs.pad_hash(3, 5) == padding_hash(3, 5, rs.pad_salt(3, 5))
    assert rs.fingerprint() == master.derive(b"fingerprint", ROUND, INPUTS, length=16).hex()
    with pytest.raises(TypeError):
        __import__("pickle").dumps(rs)
    # the batched derivations of the tree builder: the same values
    uids = ["ü", "user-1", "x" * 256]
    assert rs.leaf_material(uids) == [(rs.leaf_blindings(u), rs.leaf_salt(u)) for u in uids]
    pos = [(32, 2**32 - 1), (1, 0), (64, 2**64 - 1)]
    assert rs.pad_material(pos) == [(rs.pad_blindings(d, i), rs.pad_hash(d, i)) for d, i in pos]


def test_add_affine_many() -> None:
    from circuits.errors import FormatError
    from circuits.group import Point
    from prover.tree import add_affine_many

    g = Point.generator()
    pts = [g * 3, g * 5, g * 7, g * 7]
    aff = [p.affine() for p in pts]
    sums = add_affine_many([(aff[0], aff[1]), (aff[2], aff[3]), (aff[1], aff[0])])
    assert sums == [(g * 8).affine(), (g * 14).affine(), (g * 8).affine()]  # a doubling too
    with pytest.raises(FormatError, match="identity"):
        add_affine_many([(aff[0], (-pts[0]).affine())])


def test_bumped_positions_equal_assign_positions() -> None:
    # H = 7 and 60 users: many collisions, retries landing on later first candidates too.
    rs = RoundSecrets(MasterSecret(SECRET), ROUND, 1, INPUTS)
    H = 7
    users = [(f"k{i:03d}".encode(), f"u{i}") for i in range(60)]
    rows = sorted((rs.candidate(uid, 0, H), key, uid) for key, uid in users)
    reference = dict(assign_positions([(k, u) for _c, k, u in rows], rs, H))
    firsts = {c for c, _k, _u in rows}
    moved = dict(bumped_positions([(k, u, c) for c, k, u in rows], rs, H, firsts.__contains__))
    got = {k: moved.get(k, c) for c, k, _u in rows}
    assert got == reference
    assert moved  # the case is exercised
    assert len(set(got.values())) == len(users)


def _recording_builder(leaves: list[int], H: int, top: int) -> tuple[list[Node], list[Node]]:
    rs = RoundSecrets(MasterSecret(SECRET), ROUND, 1, INPUTS)
    maker = TreeMaker(rs, H, 1)
    sunk: list[Node] = []
    builder = StreamingBuilder(maker, lambda n, _p: sunk.append(n), top)
    for i, li in enumerate(leaves):
        builder.add_leaf(maker.leaf(f"u{i}", li, [i]))
    return sunk, builder.finish()


def test_padding_positions_equal_builder() -> None:
    rng = random.Random(2)
    H = 12
    for top in (0, 3, 7):
        leaves = sorted(rng.sample(range(1 << (H - top)), 25))
        sunk, _tops = _recording_builder(leaves, H, top)
        made = sorted((n.depth, n.index) for n in sunk if n.padding)
        assert sorted(padding_positions(leaves, H, top)) == made
    assert padding_positions([], H, 0) == []


def test_derived_secrets_build_the_same_subtree() -> None:
    rs = RoundSecrets(MasterSecret(SECRET), ROUND, 1, INPUTS)
    H, top = 16, 4
    rng = random.Random(4)
    leaves = tuple(
        (f"u{i}", (3 << (H - top)) + li, (i * 7,))
        for i, li in enumerate(sorted(rng.sample(range(1 << (H - top)), 30)))
    )
    derived = DerivedSecrets.for_subtree(rs, [(u, li) for u, li, _b in leaves], H, top)
    assert "redacted" in repr(derived) and str(SECRET) not in repr(derived)
    # pickled as a Dask task would be
    task = SubtreeTask(3, top, H, 1, leaves=leaves, secrets=derived)
    remote = run_subtree(__import__("pickle").loads(__import__("pickle").dumps(task)))
    with Pool(1, None, rs):
        local_rows: list[tuple[object, ...]] = []
        maker = TreeMaker(rs, H, 1)
        b = StreamingBuilder(maker, lambda n, p: local_rows.append(node_row(n, p)), top)
        for uid, li, bal in leaves:
            b.add_leaf(maker.leaf(uid, li, list(bal)))
        (local_top,) = b.finish()
    assert remote.rows == sorted(local_rows)  # in the store's order
    # the garbage collector, paused while a subtree is built, runs again, even after an error
    assert __import__("gc").isenabled()
    with pytest.raises(ValueError, match="at least one leaf"):
        build_subtree(rs, H, 1, top, [])
    assert __import__("gc").isenabled()
    assert remote.top[2] == local_top.hash and remote.top[:2] == (top, 3)


def test_derived_secrets_hold_only_their_subtree_key() -> None:
    """A Dask worker's secrets: its leaves' blindings and salts and the tree key of its
    subtree's top; no master, HKDF or round key, no key above or beside its subtree."""
    import pickle

    master = MasterSecret(SECRET)
    rs = RoundSecrets(master, ROUND, 1, INPUTS)
    H, top = 12, 3
    leaves = [(f"u{i}", (5 << (H - top)) + li) for i, li in enumerate((1, 7, 200, 511))]
    derived = DerivedSecrets.for_subtree(rs, leaves, H, top)
    uids = [u for u, _ in leaves]
    material = dict(zip(uids, rs.leaf_material(uids), strict=True))
    assert derived.__getstate__() == (ROUND, 1, material, (top, 5, rs.node_key(top, 5)))
    raw = pickle.dumps(derived)
    others = [
        master._prk,
        rs._tree,
        master.round_key(ROUND),
        master.derive(b"tree-key", ROUND, INPUTS),
    ]
    others += [rs.node_key(d, 5 >> (top - d)) for d in range(top)]  # its ancestors
    others += [rs.node_key(top, s) for s in range(8) if s != 5]  # the other subtrees
    for key in others:
        assert key not in raw
    # its padding secrets are the round's; any node outside its subtree is refused
    positions, material = derived.subtree_pads([li for _u, li in leaves], H, top)
    assert material == rs.pad_material(positions)
    assert derived.pad_blindings(H, 5 << (H - top)) == rs.pad_blindings(H, 5 << (H - top))
    for d, i in ((top, 5), (top, 4), (top + 1, 2 * 4 + 1), (H, 6 << (H - top)), (1, 1)):
        with pytest.raises(ParameterError, match=rf"node \({d}, {i}\) is not below node \(3, 5\)"):
            derived.pad_material([(d, i)])
    with pytest.raises(ParameterError, match=r"not all below node \(3, 5\)"):
        derived.subtree_pads([6 << (H - top)], H, top)
    with pytest.raises(ParameterError, match="subtree at depth 3"):
        derived.subtree_pads([5 << (H - top)], H, 2)
    with pytest.raises(ParameterError, match="one node at its top depth"):
        DerivedSecrets.for_subtree(rs, [("a", 0), ("b", 1 << (H - 1))], H, top)


def test_node_keys_cached_or_not_and_any_split_give_the_same_padding() -> None:
    rs = RoundSecrets(MasterSecret(SECRET), ROUND, 2, INPUTS)
    H = 10
    leaves = sorted(random.Random(5).sample(range(1 << H), 40))
    reference = rs.pad_material(padding_positions(leaves, H, 0))
    for top in (0, 1, 4, 9):
        got: list[object] = []
        subtrees = sorted({li >> (H - top) for li in leaves})
        for sub in subtrees:
            part = [li for li in leaves if li >> (H - top) == sub]
            got += zip(*rs.subtree_pads(part, H, top), strict=True)
        above = padding_positions(subtrees, top, 0)  # the coordinator's, above the split
        got += zip(above, rs.pad_material(above), strict=True)
        assert sorted(got) == sorted(zip(padding_positions(leaves, H, 0), reference, strict=True))
    fresh = RoundSecrets(MasterSecret(SECRET), ROUND, 2, INPUTS)
    for d, i in ((H, 1000), (3, 2), (H, 1001), (1, 0)):  # one at a time, through the cache
        assert fresh.pad_material([(d, i)]) == rs.pad_material([(d, i), (1, 1)])[:1]
        assert fresh.node_key(d, i) == rs.node_key(d, i)
    for d, i in ((-1, 0), (3, 8), (65, 0)):
        with pytest.raises(ParameterError, match=rf"no node \({d}, {i}\)"):
            rs.node_key(d, i)


def test_choose_top_depth() -> None:
    assert choose_top_depth(10, 2, 32) == 4  # 16 subtrees for 2 workers
    assert choose_top_depth(1_000_000, 2, 32) == 9  # <= 2,048 users a subtree
    assert choose_top_depth(1_000_000, 128, 32) == 10  # 8 a worker
    assert choose_top_depth(10, 64, 4) == 3  # never the leaves' depth


# -- the whole tree: processes, subtree split, Dask --------------------------------------------


def _cfg(tmp: Path, snap: Path, out: str, **kw: object) -> BuildConfig:
    return BuildConfig(
        snapshot=snap,
        round_id=ROUND,
        assets={"BTC": 8},
        out=tmp / out,
        height=kw.pop("height", 6),  # type: ignore[arg-type]
        mode=kw.pop("mode", "per-node"),  # type: ignore[arg-type]
        progress=False,
        **kw,  # type: ignore[arg-type]
    )


def _serial_nodes(store_path: Path, H: int) -> list[tuple[object, ...]]:
    """The tree as the serial streaming builder makes it from the store's leaves (with the
    secrets of the inputs digest the store records)."""
    with Store(store_path) as store:
        inputs = bytes.fromhex(store.get_meta("key")["inputs"])
    rs = RoundSecrets(MasterSecret(SECRET), ROUND, 1, inputs)
    maker = TreeMaker(rs, H, 1)
    rows: list[tuple[object, ...]] = []
    b = StreamingBuilder(maker, lambda n, p: rows.append(node_row(n, p)), 0)
    for uid, li, bal in read_leaves(store_path, 0, None):
        b.add_leaf(maker.leaf(uid, li, list(bal)))
    (root,) = b.finish()
    rows.append(node_row(root, False))
    return sorted(rows)


def test_parallel_build_equals_serial_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tree phase alone, on 1 and 2 processes (the proofs are tested below on a smaller tree).
    import prover.build as b
    from prover.snapshot import validate_snapshot

    snap = _snapshot(tmp_path / "s.csv", 300)
    master = MasterSecret(SECRET)
    monkeypatch.setattr(b, "_phase_done", lambda _st, ph: ph not in ("users", "positions", "tree"))
    results = []
    for workers in (1, 2):
        cfg = _cfg(tmp_path, snap, f"w{workers}", height=24, workers=workers)
        summary = validate_snapshot(snap, cfg.assets, bits=64, max_users=1 << 23, round_up=False)
        rs = RoundSecrets(master, ROUND, 1, INPUTS)
        store = b.open_round_store(cfg, summary, rs)
        with Pool(workers, None, rs) as pool:
            b._run_phases(cfg, summary, rs, b.params_of(cfg), store, pool, {})
        assert store.get_meta("phase") == "root-proof"
        assert len(store.done_subtrees()) >= 8
        store.close()
        path = staging_dir(cfg.out) / "private" / "state.sqlite"
        results.append(_nodes(path))
    assert results[0] == results[1] == _serial_nodes(path, 24)


def test_workers_and_dask_give_identical_bytes(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    snap = _snapshot(tmp_path / "s.csv", 14)
    master = MasterSecret(SECRET)
    serial = build(_cfg(tmp_path, snap, "serial", workers=1), master)
    two = build(_cfg(tmp_path, snap, "two", workers=2), master)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = build(_cfg(tmp_path, snap, "dask", workers=2, dask_client=client), master)
    ref = _outputs(serial.out)
    assert len([k for k in ref if k.startswith("users/")]) == 14
    assert _outputs(two.out) == ref
    assert _outputs(dask.out) == ref
    assert serial.proofs == dask.proofs > 0
    store = serial.out / "private" / "state.sqlite"
    assert _nodes(store) == _nodes(dask.out / "private" / "state.sqlite")
    assert _nodes(store) == _serial_nodes(store, 6)


# -- crash safety ------------------------------------------------------------------------------

# The build under test, slowed down (20 ms a leaf, 20 ms a proof) so that the test can kill it
# inside a phase; the code that runs is the real command.
_SLOW = """
import sys, time
import prover.proving as P
subtree = P.build_subtree
def slow_subtree(*a):
    time.sleep(0.05)
    return subtree(*a)
P.build_subtree = slow_subtree
task = P.run_task
def slow_task(t):
    time.sleep(0.02)
    return task(t)
P.run_task = slow_task
from prover.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _meta(store: Path) -> tuple[str | None, int, int]:
    """(phase, finished subtrees, node proofs) read from a live store, read-only."""
    try:
        db = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True, timeout=0.2)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'phase'").fetchone()
            tops = db.execute("SELECT COUNT(*) FROM tops").fetchone()[0]
            proofs = db.execute("SELECT COUNT(*) FROM nodes WHERE proof IS NOT NULL").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return None, 0, 0
    return (None if row is None else row[0].strip('"')), tops, proofs


def _run_until(args: list[str], out: Path, stop: object, limit: float = 60.0) -> None:
    """Start the build and SIGKILL it once stop(phase, tops, proofs) holds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    store = staging_dir(out) / "private" / "state.sqlite"
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the build finished before the kill point"
            assert not out.exists()
            if store.exists() and stop(*_meta(store)):  # type: ignore[operator]
                break
            time.sleep(0.003)
        else:
            raise AssertionError("kill point not reached")
    finally:
        proc.send_signal(signal.SIGKILL)  # the build only: its workers die with it
        proc.wait()
    _wait_group_gone(proc.pid)
    assert not out.exists()  # a half-built round is never published


def _wait_group_gone(pgid: int) -> None:
    """The killed build's forked workers exit with it (PR_SET_PDEATHSIG)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    os.killpg(pgid, signal.SIGKILL)
    raise AssertionError("worker processes outlived the killed build")


def test_killed_builds_resume_to_the_same_bytes(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path / "s.csv", 24)
    key = _key(tmp_path / "master.key")
    ref = build(_cfg(tmp_path, snap, "ref", height=8, workers=1), MasterSecret(SECRET))
    out = tmp_path / "out"
    args = [
        "build", "--snapshot", str(snap), "--secret", str(key), "--round", ROUND,
        "--asset", "BTC:8", "--height", "8", "--mode", "per-node", "--out", str(out),
    ]  # fmt: skip
    # 1. inside the tree phase, some subtrees committed
    _run_until([*args, "--workers", "1"], out, lambda ph, tops, _p: ph == "tree" and tops >= 2)
    phase, tops, _ = _meta(staging_dir(out) / "private" / "state.sqlite")
    assert phase == "tree" and tops >= 2
    # 2. resumed on two workers, killed among the node proofs
    _run_until([*args, "--workers", "2"], out, lambda ph, _t, p: ph == "node-proofs" and p >= 4)
    # 3. resumed and killed again a few proofs later
    _, _, before = _meta(staging_dir(out) / "private" / "state.sqlite")
    _run_until(
        [*args, "--workers", "1"], out, lambda ph, _t, p: ph != "node-proofs" or p >= before + 3
    )
    # 4. to the end
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "prover", *args, "--workers", "2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert not staging_dir(out).exists()
    assert _outputs(out) == _outputs(ref.out)
    assert _nodes(out / "private" / "state.sqlite") == _nodes(ref.out / "private" / "state.sqlite")


def test_other_inputs_restart_cleanly(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path / "s.csv", 10)
    other = _snapshot(tmp_path / "o.csv", 12, seed=9)
    master = MasterSecret(SECRET)
    out = tmp_path / "out"
    # leave a half-built staging store from the first snapshot (stopped in the tree phase)
    from prover.build import open_round_store
    from prover.snapshot import validate_snapshot

    cfg = _cfg(tmp_path, snap, "out")
    summary = validate_snapshot(snap, cfg.assets, bits=64, max_users=32, round_up=False)
    st = open_round_store(cfg, summary, RoundSecrets(master, ROUND, 1, inputs_of(cfg, summary)))
    st.set_meta("phase", "tree")
    st.close()
    res = build(_cfg(tmp_path, other, "out", workers=1), master)
    ref = build(_cfg(tmp_path, other, "ref", workers=1), master)
    assert res.out == out and _outputs(out) == _outputs(ref.out)
    with pytest.raises(ParameterError):
        build(_cfg(tmp_path, other, "out", workers=1), master)  # published: never overwritten


def test_a_build_of_the_v1_derivation_is_not_resumed(tmp_path: Path) -> None:
    """A half-built store whose key lacks the tree-key derivation (an older version's) is
    restarted, not resumed with other padding secrets (export-audit of a finished one:
    tests/test_audit_complete.py)."""
    from prover.build import open_round_store
    from prover.snapshot import validate_snapshot

    snap = _snapshot(tmp_path / "s.csv", 10)
    master = MasterSecret(SECRET)
    cfg = _cfg(tmp_path, snap, "out")
    summary = validate_snapshot(snap, cfg.assets, bits=64, max_users=32, round_up=False)
    rs = RoundSecrets(master, ROUND, 1, inputs_of(cfg, summary))
    st = open_round_store(cfg, summary, rs)
    key = st.get_meta("key")
    assert key["derivation"] == "v2-tree-keys"
    del key["derivation"]
    st.set_meta("key", key)
    st.set_meta("phase", "tree")
    st.set_meta("tree_top", 2)
    st.close()
    st = open_round_store(cfg, summary, rs)
    assert st.get_meta("phase") == "users" and st.get_meta("tree_top") is None
    assert st.get_meta("key")["derivation"] == "v2-tree-keys"
    st.close()


# -- the store ---------------------------------------------------------------------------------


def test_store_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with Store(path) as st:
        st.begin()
        st.set_meta("phase", "tree")
        st.add_users([(b"k1", "alice", ix(5), (7).to_bytes(8, "big"))])
        st.set_leaf_indices_to_candidates()
        st.add_tree_rows([(3, ix(2), b"h" * 32, b"c" * 33, b"o" * 48, 1)])
        st.add_top(1, 2, 1, b"t" * 32, b"c" * 33, b"o" * 48)
        st.commit()
        st.begin()
        st.set_meta("phase", "positions")  # never committed: lost at the close
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with Store(path) as st:
        assert st.get_meta("phase") == "tree"
        assert st.get_user(b"k1") == ("alice", 5, (7).to_bytes(8, "big"), None)
        assert st.get_node(3, 2) == (b"h" * 32, b"c" * 33, b"o" * 48, None)
        assert list(st.tops()) == [(2, 1, b"t" * 32, b"c" * 33, b"o" * 48)]
        assert st.done_subtrees() == {1}
        assert list(st.occupied_subtrees(3, 1)) == [1]  # leaf 5 = 0b101: right half
        assert st.users_without_proof(10) == [(b"k1", 5)]
        assert st.users_without_proof(10, after=5) == []
        assert st.nodes_without_proof(10, after=(3, 2)) == []
        assert st.nodes_without_proof(10) == [(3, 2, b"o" * 48)]
    assert list(read_leaves(path, 0, None)) == [("alice", 5, (7,))]
    assert list(read_leaves(path, 6, 8)) == []
