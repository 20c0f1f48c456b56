"""One round, end to end: validate the snapshot, build the tree into the store, make the range
proofs, and publish statement, per-user proofs and manifest atomically (manifest last), each in
its own part of the round folder (prover.layout: public/, users/, private/).

Phases are recorded in the store, so a build that is killed at any moment and run again with
the same inputs resumes (or, if the inputs or key differ, restarts cleanly); nothing is
published until every phase is done, and the final bytes equal those of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from circuits.errors import FormatError, ParameterError
from circuits.generators import GENERATORS_DIGEST
from circuits.group import N, Point
from circuits.merkle import sibling_positions
from circuits.pedersen import open_check
from prover.layout import RoundLayout
from prover.proving import (
    DASK_PROOFS,
    TASKS_PER_WORKER,
    Pool,
    ProofTask,
    SubtreeResult,
    SubtreeTask,
    default_workers,
    run_subtree,
)
from prover.publishing import write_file, write_user_proofs
from prover.secrets import MasterSecret
from prover.snapshot import SnapshotSummary, iter_snapshot, overflow_advice, validate_snapshot
from prover.store import Store, StoreReader, ix, pack_balances
from prover.store import unpack_balances as unpack_balances
from prover.tree import (
    DERIVATION,
    L_SNAPSHOT_KEY,
    DerivedSecrets,
    Node,
    RoundSecrets,
    TreeMaker,
    bumped_positions,
    choose_top_depth,
    inputs_digest,
    merge_tops,
    node_from_parts,
    node_row,
    unpack_opening,
)
from verifier.formats import (
    Asset,
    InclusionProof,
    Params,
    Root,
    Sibling,
    Statement,
    check_params,
    dumps,
    parse_statement,
)
from verifier.ids import user_key
from verifier.jsonstrict import get_str

MANIFEST_FORMAT = "zk-solvency/manifest/v2"
PHASES = ("users", "positions", "tree", "root-proof", "node-proofs", "path-proofs", "done")
BATCH = 256
#: Users whose paths are read together for their proof tasks.
PATH_CHUNK = 512


@dataclass
class BuildConfig:
    snapshot: Path
    round_id: str
    assets: dict[str, int]  # symbol -> decimals, in statement order
    out: Path
    height: int = 32
    bits: int = 64
    mode: str = "aggregated"
    round_up: bool = False
    workers: int = field(default_factory=default_workers)
    snapshot_time: str | None = None
    exchange: str | None = None
    # The statement digest of the previous round's statement (None: a first round).
    previous: bytes | None = None
    progress: bool | None = None
    dask_client: object | None = None
    # Called with the snapshot's summary before anything is built (solvency checks).
    precheck: Callable[[SnapshotSummary], None] | None = None
    # The statement's `anchor` section (prover.anchor), signed with the statement.
    anchor: dict[str, Any] | None = None
    # Returns the statement's extra sections (reserves, solvency, signature) before publishing.
    extend_statement: Callable[[Statement, Store, RoundSecrets], dict[str, Any]] | None = None


@dataclass
class BuildResult:
    out: Path
    users: int
    nodes: int
    proofs: int
    statement: Statement
    summary: SnapshotSummary
    seconds: dict[str, float]


def params_of(cfg: BuildConfig) -> Params:
    return Params(
        cfg.height,
        cfg.bits,
        cfg.mode,
        tuple(Asset(s, d) for s, d in cfg.assets.items()),
        GENERATORS_DIGEST,
    )


def staging_dir(out: Path) -> Path:
    return out.parent / f".{out.name}.building"


def _progress(cfg: BuildConfig, label: str, total: int) -> Any:
    from prover.progress import Progress

    return Progress(label, total, cfg.progress)


def _meta_key(cfg: BuildConfig, summary: SnapshotSummary, secrets: RoundSecrets) -> dict[str, Any]:
    return {
        "round": cfg.round_id,
        "params": params_of(cfg).to_json(),
        "snapshot_sha256": summary.sha256_hex,
        "round_up": cfg.round_up,
        "fingerprint": secrets.fingerprint(),
        "inputs": secrets.inputs.hex(),
        "derivation": DERIVATION,
    }


def open_round_store(cfg: BuildConfig, summary: SnapshotSummary, secrets: RoundSecrets) -> Store:
    """The staging store: resumed if it was made from the same inputs and key, else restarted."""
    stage = staging_dir(cfg.out)
    path = RoundLayout(stage).store
    key = _meta_key(cfg, summary, secrets)
    if path.exists():
        store = Store(path)
        if store.get_meta("key") == key:
            return store
        store.close()
    if stage.exists():
        shutil.rmtree(stage)
    RoundLayout(stage).private.mkdir(parents=True, mode=0o700)
    store = Store(path)
    store.set_meta("key", key)
    store.set_meta("phase", PHASES[0])
    return store


def _phase_done(store: Store, phase: str) -> bool:
    current = store.get_meta("phase")
    return PHASES.index(current) > PHASES.index(phase)


def _advance(store: Store, phase: str) -> None:
    store.set_meta("phase", PHASES[PHASES.index(phase) + 1])


def build(cfg: BuildConfig, secret: MasterSecret) -> BuildResult:
    """Build and publish one round. Raises SnapshotError/FormatError/ParameterError on bad input
    before anything is written to cfg.out."""
    check_params(cfg.height, cfg.bits, cfg.mode, len(cfg.assets))
    check_statement_texts(cfg)
    if cfg.out.exists() and (not cfg.out.is_dir() or any(cfg.out.iterdir())):
        raise ParameterError(f"{cfg.out}: output folder exists and is not empty")
    t0 = time.perf_counter()
    times: dict[str, float] = {}
    summary = validate_snapshot(
        cfg.snapshot,
        cfg.assets,
        bits=cfg.bits,
        max_users=1 << (cfg.height - 1),
        round_up=cfg.round_up,
        row_key=secret.derive(L_SNAPSHOT_KEY, cfg.round_id),
    )
    times["validate"] = time.perf_counter() - t0
    for sym, total in zip(summary.assets, summary.totals, strict=True):
        if total >> cfg.bits:
            # The root (the sum of all balances) is range-proven in [0, 2^n): refuse before
            # building rather than fail at the root's proof with a half-built staging store.
            raise ParameterError(
                f"{cfg.snapshot}: {overflow_advice(f'the total of {sym}', cfg.bits)}"
            )
    if cfg.precheck is not None:
        cfg.precheck(summary)
    params = params_of(cfg)
    secrets = RoundSecrets(
        secret,
        cfg.round_id,
        len(cfg.assets),
        inputs_digest(summary.data_digest, params.to_json(), cfg.round_up),
    )
    store = open_round_store(cfg, summary, secrets)
    try:
        with Pool(cfg.workers, cfg.dask_client, secrets) as pool:
            _run_phases(cfg, summary, secrets, params, store, pool, times)
            statement = make_statement(cfg, params, store)
            if cfg.extend_statement is not None:
                extra = cfg.extend_statement(statement, store, secrets)
                statement = dataclasses.replace(statement, extra={**statement.extra, **extra})
            # self-check: the statement decodes, with the verifier's decoder, to itself
            if parse_statement(statement.to_bytes(), "statement.json") != statement:
                raise ParameterError("self-check failed: the statement does not decode to itself")
            t = time.perf_counter()
            users, _digests = _write_outputs(cfg, pool, params, store, secrets, statement, summary)
            times["publish"] = time.perf_counter() - t
        nodes = store.count_nodes()
        proofs = nodes - store.count_missing_proofs(all_nodes=True)
    finally:
        store.close()
    publish_staging(cfg.out)
    times["total"] = time.perf_counter() - t0
    return BuildResult(cfg.out, users, nodes, proofs, statement, summary, times)


def check_statement_texts(cfg: BuildConfig) -> None:
    """The statement's free-text fields follow its decoder's rules (1 to 64 or 128 UTF-8 bytes,
    no control characters), or the published statement would not decode: FormatError."""
    for option, key, value, limit in (
        ("--snapshot-time", "snapshot_time", cfg.snapshot_time, 64),
        ("--exchange", "exchange", cfg.exchange, 128),
    ):
        if value is not None:
            try:
                get_str({key: value}, key, "", limit, 1)
            except FormatError as exc:
                raise FormatError(f"{option}: {exc}") from None


def publish_staging(out: Path) -> None:
    """The one atomic step of publishing: the staging folder becomes `out` by a rename."""
    if out.exists():
        out.rmdir()  # checked empty before the build started
    os.replace(staging_dir(out), out)


def _run_phases(
    cfg: BuildConfig,
    summary: SnapshotSummary,
    secrets: RoundSecrets,
    params: Params,
    store: Store,
    pool: Pool,
    times: dict[str, float],
) -> None:
    H, K = cfg.height, len(cfg.assets)
    ctx = params.digest(cfg.round_id)
    if not _phase_done(store, "users"):
        t = time.perf_counter()
        store.begin()
        store.db.execute("DELETE FROM users")
        rows = (
            (
                user_key(cfg.round_id, uid),
                uid,
                ix(secrets.candidate(uid, 0, H)),
                pack_balances(bal),
            )
            for uid, bal in iter_snapshot(
                cfg.snapshot,
                cfg.assets,
                round_up=cfg.round_up,
                bits=cfg.bits,
                expected_sha256=summary.sha256,
            )
        )
        store.add_users(rows)
        _advance(store, "users")
        store.commit()
        times["ingest"] = time.perf_counter() - t
    if not _phase_done(store, "positions"):
        t = time.perf_counter()
        store.begin()
        # Every user at its first candidate, then the few that collide moved (streamed: the
        # users are never all in memory).
        store.set_leaf_indices_to_candidates()
        bumped = list(
            bumped_positions(store.users_with_candidates(), secrets, H, store.is_candidate)
        )
        store.set_leaf_indices((ix(pos), key) for key, pos in bumped)
        _advance(store, "positions")
        store.commit()
        times["positions"] = time.perf_counter() - t
    if not _phase_done(store, "tree"):
        t = time.perf_counter()
        build_tree(store, secrets, H, K, summary.users, cfg, pool)
        times["tree"] = time.perf_counter() - t
    if not _phase_done(store, "root-proof"):
        _hash, cbytes, opening, _ = store.get_node(0, 0)  # type: ignore[misc]
        values, blindings = unpack_opening(opening)
        if tuple(values) != summary.totals:
            raise ParameterError("self-check failed: the root does not open to the snapshot totals")
        for k in range(K):
            open_check(Point.from_bytes(cbytes[33 * k : 33 * k + 33]), values[k], blindings[k])
        task = ProofTask("root", ctx, 0, 0, cfg.bits, opening, secrets.proof_entropy(b"root", 0, 0))
        (proof,) = list(pool.map([task]))
        store.begin()
        store.set_meta("root_proof", proof.hex())
        _advance(store, "root-proof")
        store.commit()
    # each mode has one proof phase; the other is passed through (and recorded as done)
    for phase, mode, make in (
        ("node-proofs", "per-node", make_node_proofs),
        ("path-proofs", "aggregated", make_path_proofs),
    ):
        if _phase_done(store, phase):
            continue
        t = time.perf_counter()
        if cfg.mode == mode:
            make(store, secrets, params, cfg.round_id, pool, cfg.progress)
        store.begin()
        _advance(store, phase)
        store.commit()
        times[phase] = time.perf_counter() - t


def build_tree(
    store: Store,
    secrets: RoundSecrets,
    H: int,
    K: int,
    users: int,
    cfg: BuildConfig,
    pool: Pool | None = None,
) -> None:
    """Build the tree into the store: the leaf range is split by the top t bits of the leaf
    index into subtrees, built in parallel (`pool`: processes or Dask) and each committed with
    its top node as it arrives; the coordinator then joins the tops into the root. A killed
    build resumes with the subtrees not yet committed. The nodes are those of a serial
    StreamingBuilder over all leaves, whatever t and the number of workers."""
    own_pool = pool is None
    if pool is None:
        pool = Pool(1, None, secrets)
    try:
        _build_tree(store, secrets, H, K, users, cfg, pool)
    finally:
        if own_pool:
            pool.close()


def _build_tree(
    store: Store, secrets: RoundSecrets, H: int, K: int, users: int, cfg: BuildConfig, pool: Pool
) -> None:
    top = store.get_meta("tree_top")
    if top is None:
        top = choose_top_depth(users, pool.workers, H)
        store.begin()
        store.clear_tree()
        store.set_meta("tree_top", top)
        store.commit()
    top = int(top)
    done = store.done_subtrees()
    todo = [s for s in store.occupied_subtrees(H, top) if s not in done]
    shift = H - top
    path = str(store.path)

    def tasks() -> Iterator[SubtreeTask]:
        for s in todo:
            if pool.dask is None:
                yield SubtreeTask(s, top, H, K, store=path)
                continue
            # A Dask worker gets its leaves and only the secrets they need (DerivedSecrets).
            hi = (s + 1) << shift
            leaves = tuple(
                (uid, li, unpack_balances(bal))
                for _k, uid, li, bal in store.users_by_leaf(s << shift, None if hi >> 64 else hi)
            )
            derived = DerivedSecrets.for_subtree(
                secrets, [(uid, li) for uid, li, _b in leaves], H, top
            )
            yield SubtreeTask(s, top, H, K, leaves=leaves, secrets=derived)

    bar = _progress(cfg, "tree", users)
    result: SubtreeResult
    for result in pool.imap_unordered(run_subtree, tasks()):
        store.begin()
        store.add_tree_rows(result.rows)
        store.add_top(result.subtree, *result.top)
        store.commit()
        bar.advance(result.leaves)
    bar.close()

    maker = TreeMaker(secrets, H, K)
    tops = [node_from_parts(*t) for t in store.tops()]
    rows: list[tuple[int, bytes, bytes, bytes, bytes, int]] = []

    def sink(node: Node, needs_proof: bool) -> None:
        rows.append(node_row(node, needs_proof))

    root = merge_tops(maker, tops, top, sink)
    sink(root, False)
    store.begin()
    store.add_tree_rows(rows)
    _advance(store, "tree")
    store.commit()


def proof_batch(pool: Pool, total: int) -> int:
    """Proofs made and committed together: a few per worker at least (on Dask, enough for
    TASKS_PER_WORKER tasks of DASK_PROOFS per worker), at most BATCH per worker, and about a
    twentieth of the work, so that a killed build loses little of it."""
    w = max(1, pool.workers)
    least = w * (TASKS_PER_WORKER * DASK_PROOFS if pool.dask is not None else 4)
    return max(least, min(BATCH * w, -(-total // 20)))


def make_node_proofs(
    store: Store,
    secrets: RoundSecrets,
    params: Params,
    round_id: str,
    pool: Pool,
    progress: bool | None,
    all_nodes: bool = False,
) -> int:
    """Per-node range proofs for every node that is some path's sibling (all nodes for the
    audit bundle). Committed in batches: an interrupted run keeps what it made."""
    from prover.progress import Progress

    ctx = params.digest(round_id)
    total = store.count_missing_proofs(all_nodes)
    bar = Progress("node proofs", total, progress)
    batch = proof_batch(pool, total)

    def batches() -> Iterator[list[ProofTask]]:
        after: tuple[int, int] | None = None
        while todo := store.nodes_without_proof(batch, all_nodes, after):
            after = (todo[-1][0], todo[-1][1])
            yield [
                ProofTask(
                    "node",
                    ctx,
                    depth,
                    index,
                    params.bits,
                    opening,
                    secrets.proof_entropy(b"node", depth, index),
                )
                for depth, index, opening in todo
            ]

    def save(tasks: list[ProofTask], proofs: list[bytes]) -> None:
        store.begin()
        store.set_node_proofs((p, t.depth, ix(t.index)) for p, t in zip(proofs, tasks, strict=True))
        store.commit()
        bar.advance(len(tasks))

    made = prove_pipelined(pool, batches(), save)
    bar.close()
    return made


def prove_pipelined(
    pool: Pool,
    batches: Iterator[list[ProofTask]],
    save: Callable[[list[ProofTask], list[bytes]], None],
) -> int:
    """Prove the batches' tasks and `save` each batch's proofs, in order; the number of tasks.
    A batch is handed to the pool (Pool.map submits at once) before the previous batch's proofs
    are awaited, so the workers have work while the coordinator reads the next batch and
    commits the last one: the batches do not wait for each other's slowest task. The next batch
    is read before a batch is handed out, so that the last one is known (Pool.map's `last`)."""
    made = 0
    in_flight: tuple[list[ProofTask], Iterator[bytes]] | None = None
    upcoming = next(batches, None)
    while upcoming is not None:
        tasks, upcoming = upcoming, next(batches, None)
        started = (tasks, pool.map(tasks, last=upcoming is None))
        if in_flight is not None:
            save(in_flight[0], list(in_flight[1]))
        in_flight = started
        made += len(tasks)
    if in_flight is not None:
        save(in_flight[0], list(in_flight[1]))
    return made


def path_task(
    openings: list[dict[bytes, bytes]],
    secrets: RoundSecrets,
    params: Params,
    ctx: bytes,
    leaf_index: int,
) -> ProofTask:
    """The aggregated proof task of the user at `leaf_index`: its siblings' openings, from the
    leaf up, taken from `openings` (Store.openings_in_range: one {index blob: opening} per depth,
    depth H first) and joined as stored."""
    path = []
    j = leaf_index
    for depth, level in zip(range(params.height, 0, -1), openings, strict=True):
        opening = level.get((j ^ 1).to_bytes(8, "big"))
        if opening is None:
            raise ParameterError(f"store is missing node ({depth}, {j ^ 1})")
        path.append(opening)
        j >>= 1
    return ProofTask(
        "path",
        ctx,
        params.height,
        leaf_index,
        params.bits,
        b"".join(path),
        secrets.proof_entropy(b"path", params.height, leaf_index),
    )


def path_tasks(
    store: Store, secrets: RoundSecrets, params: Params, ctx: bytes, leaves: list[int]
) -> Iterator[ProofTask]:
    """path_task of each leaf index (increasing), the paths of PATH_CHUNK consecutive users
    read together (one range query per depth)."""
    for j in range(0, len(leaves), PATH_CHUNK):
        part = leaves[j : j + PATH_CHUNK]
        openings = store.openings_in_range(part[0], part[-1] + 1, params.height)
        for li in part:
            yield path_task(openings, secrets, params, ctx, li)


def make_path_proofs(
    store: Store,
    secrets: RoundSecrets,
    params: Params,
    round_id: str,
    pool: Pool,
    progress: bool | None,
) -> None:
    """Aggregated mode: one proof per user over the H*K values of the path's siblings."""
    from prover.progress import Progress

    ctx = params.digest(round_id)
    total = store.count_users()
    bar = Progress("path proofs", total, progress)
    batch = proof_batch(pool, total)
    keys: dict[int, bytes] = {}  # leaf index -> user key, of the batches in flight

    def batches() -> Iterator[list[ProofTask]]:
        after = -1
        while todo := store.users_without_proof(batch, after):
            after = todo[-1][1]
            keys.update((li, k) for k, li in todo)
            yield list(path_tasks(store, secrets, params, ctx, [li for _k, li in todo]))

    def save(tasks: list[ProofTask], proofs: list[bytes]) -> None:
        store.begin()
        store.set_user_proofs((p, keys.pop(t.index)) for p, t in zip(proofs, tasks, strict=True))
        store.commit()
        bar.advance(len(tasks))

    prove_pipelined(pool, batches(), save)
    bar.close()


def make_statement(cfg: BuildConfig, params: Params, store: Store) -> Statement:
    node = store.get_node(0, 0)
    assert node is not None
    hash_, cbytes, _opening, _ = node
    K = params.k
    root = Root(
        hash_,
        tuple(Point.from_bytes(cbytes[33 * k : 33 * k + 33]) for k in range(K)),
        bytes.fromhex(store.get_meta("root_proof")),
    )
    extra = {} if cfg.anchor is None else {"anchor": cfg.anchor}
    return Statement(
        cfg.round_id, cfg.snapshot_time, params, root, cfg.exchange, extra, previous=cfg.previous
    )


def inclusion_proof(
    store: Store | StoreReader,
    secrets: RoundSecrets,
    params: Params,
    round_id: str,
    key: bytes,
) -> InclusionProof:
    """Assemble one user's proof from the store (the support-desk flow uses this too)."""
    row = store.get_user(key)
    if row is None:
        raise FormatError("no such user in this round")
    uid, leaf_index, _bal, path_proof = row
    path = [(depth, index) for depth, index, _left in sibling_positions(leaf_index, params.height)]
    nodes = store.get_nodes([(params.height, leaf_index), *path])  # one query
    leaf = nodes.get((params.height, leaf_index))
    if leaf is None:
        raise ParameterError("store is missing the user's leaf")
    values, blindings = unpack_opening(leaf[2])
    siblings = []
    node_proofs = []
    for depth, index in path:
        node = nodes.get((depth, index))
        if node is None:
            raise ParameterError(f"store is missing node ({depth}, {index})")
        h, cb, _op, proof = node
        siblings.append(
            Sibling(h, tuple(Point.from_bytes(cb[33 * k : 33 * k + 33]) for k in range(params.k)))
        )
        if params.mode == "per-node":
            if proof is None:
                raise ParameterError(f"store is missing the proof of node ({depth}, {index})")
            node_proofs.append(proof)
    if params.mode == "aggregated" and path_proof is None:
        raise ParameterError("store is missing the user's path proof")
    return InclusionProof(
        round_id,
        params,
        uid,
        leaf_index,
        tuple(values),
        tuple(b % N for b in blindings),
        secrets.leaf_salt(uid),
        tuple(siblings),
        path_proof if params.mode == "aggregated" else None,
        tuple(node_proofs) if params.mode == "per-node" else None,
    )


def _write_outputs(
    cfg: BuildConfig,
    pool: Pool,
    params: Params,
    store: Store,
    secrets: RoundSecrets,
    statement: Statement,
    summary: SnapshotSummary,
) -> tuple[int, dict[str, str]]:
    out = RoundLayout(staging_dir(cfg.out))
    for old in (out.statement, out.manifest):
        old.unlink(missing_ok=True)
    for folder, mode in ((out.users, 0o700), (out.public, 0o755)):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(mode=mode)
    digests: dict[str, str] = {}
    proofs_digest = hashlib.sha256()
    users = 0
    bar = _progress(cfg, "writing proofs", summary.users)

    def advance(n: int) -> None:
        for _ in range(n):
            bar.advance()

    for name, d in write_user_proofs(
        pool, store, secrets, params, cfg.round_id, out.users, advance
    ):
        proofs_digest.update(name.encode() + b" " + d.encode() + b"\n")
        users += 1
    bar.close()
    digests["public/statement.json"] = write_file(out.statement, statement.to_bytes())
    digests["users/"] = proofs_digest.hexdigest()
    manifest = {
        "format": MANIFEST_FORMAT,
        "round": cfg.round_id,
        "input": {
            "snapshot": cfg.snapshot.name,
            "sha256": summary.sha256_hex,
            "lines": summary.lines,
        },
        "params": params.to_json(),
        "counts": {"users": users, "nodes": store.count_nodes()},
        "outputs": digests,
        "note": "private/ is for the exchange only: the store holds balances and blindings, "
        "this manifest the number of users. Publish public/ (statement.json); give each user "
        "their own file from users/, to them alone.",
    }
    write_file(out.manifest, dumps(manifest), 0o600)
    return users, digests
