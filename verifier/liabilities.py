"""Verification of the liabilities side: the statement's root, one user's inclusion proof, and
a full audit bundle (docs/PROTOCOL.md, "Verification procedures").

Every failure raises VerificationError whose `check` names the check, in the order below; a
proof is never judged by a returned boolean.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from circuits import rangeproof
from circuits.errors import FormatError, VerificationError
from circuits.generators import GENERATORS_DIGEST, pedersen_h
from circuits.group import Point
from circuits.merkle import (
    add_commitments,
    commitments_bytes,
    leaf_hash,
    next_pow2,
    node_hash_raw,
    node_transcript,
    padding_hash,
    path_transcript,
    root_transcript,
)
from circuits.pedersen import commit
from circuits.transcript import Transcript
from verifier.formats import AuditNode, InclusionProof, Padding, Params, Statement, format_units
from verifier.ids import normalise_user_id

#: Checks of an inclusion proof, in the order they run (names used in errors and --json).
INCLUSION_CHECKS = (
    "round",
    "params",
    "user-id",
    "leaf",
    "path",
    "root",
    "range-proofs",
    "expectations",
)

RangeItem = tuple[rangeproof.RangeProof, Sequence[Point], int, Transcript]


def padded(commitments: Sequence[Point], m: int) -> list[Point]:
    """Pad a list of commitments to m with Com(0, 1) = H, whose opening is public."""
    h = pedersen_h()
    return list(commitments) + [h] * (m - len(commitments))


def _decode_proof(raw: bytes, bits: int, m: int, what: str) -> rangeproof.RangeProof:
    try:
        return rangeproof.RangeProof.from_bytes(raw, bits, m)
    except FormatError as exc:
        raise VerificationError(
            f"{what}: malformed range proof: {exc}", check="range-proofs"
        ) from None


def root_item(statement: Statement) -> RangeItem:
    """The root's range proof, ready for (batch) verification."""
    p = statement.params
    m = next_pow2(p.k)
    proof = _decode_proof(statement.root.range_proof, p.bits, m, "root")
    ctx = p.digest(statement.round_id)
    return (proof, padded(statement.root.commitments, m), p.bits, root_transcript(ctx))


def check_generators(params: Params) -> None:
    if not hmac.compare_digest(params.generators, GENERATORS_DIGEST):
        raise VerificationError(
            "the statement names a generator table other than the pinned one", check="generators"
        )


def verify_root(statement: Statement) -> None:
    """The statement's generator digest is the pinned one and every root value is in [0, 2^n)."""
    check_generators(statement.params)
    _run_batch([root_item(statement)], "root range proof")


def _run_batch(items: Sequence[RangeItem], what: str) -> None:
    try:
        rangeproof.batch_verify(items)
    except VerificationError as exc:
        raise VerificationError(f"{what} does not verify: {exc}", check="range-proofs") from None


@dataclass(frozen=True)
class InclusionResult:
    """What a valid inclusion proof established."""

    round_id: str
    user_id: str
    leaf_index: int
    balances: tuple[int, ...]
    checks: tuple[str, ...]


def verify_inclusion(
    statement: Statement,
    proof: InclusionProof,
    *,
    user_id: str | None = None,
    expect: dict[str, int] | None = None,
) -> InclusionResult:
    """Verify one user's proof against a statement supplied separately (never a root carried in
    the proof). Raises VerificationError naming the failed check."""
    p = statement.params
    passed: list[str] = []
    if proof.round_id != statement.round_id:
        raise VerificationError(
            f"the proof is for round {proof.round_id!r}, the statement for {statement.round_id!r}",
            check="round",
        )
    passed.append("round")
    if proof.params != p:
        raise VerificationError(
            "the proof's parameters (height, bits, mode, assets, generators) differ from the "
            "statement's",
            check="params",
        )
    check_generators(p)
    passed.append("params")
    if user_id is not None:
        try:
            wanted = normalise_user_id(user_id)
        except FormatError as exc:
            raise VerificationError(
                f"the user id given is not valid: {exc}", check="user-id"
            ) from None
        if not hmac.compare_digest(wanted.encode(), proof.user_id.encode()):
            raise VerificationError("this proof was made for another user id", check="user-id")
        passed.append("user-id")

    # leaf: recomputed from the user's own opening, id and salt; its values are checked here
    # (the leaf is opened, not range-proven), whatever built the InclusionProof object
    if len(proof.balances) != p.k or any(
        isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1 << p.bits
        for v in proof.balances
    ):
        raise VerificationError(f"a leaf balance is outside [0, 2^{p.bits})", check="leaf")
    leaf_cs = [commit(v, b) for v, b in zip(proof.balances, proof.blindings, strict=True)]
    if any(c.is_identity() for c in leaf_cs):
        raise VerificationError("leaf commitment is the identity", check="leaf")
    h = leaf_hash(proof.round_id, proof.user_id, proof.salt)
    passed.append("leaf")

    # path: parent = sum of children (recomputed, never read), hash binds both children
    cs: list[Point] = leaf_cs
    c_bytes = commitments_bytes(cs)
    j = proof.leaf_index
    if len(proof.siblings) != p.height:
        raise VerificationError(
            f"path has {len(proof.siblings)} siblings, the tree height is {p.height}", check="path"
        )
    for sib in proof.siblings:
        s_bytes = commitments_bytes(sib.commitments)
        if j & 1:  # we are the right child
            h = node_hash_raw(s_bytes, c_bytes, sib.hash, h)
        else:
            h = node_hash_raw(c_bytes, s_bytes, h, sib.hash)
        cs = add_commitments(cs, sib.commitments)
        if any(c.is_identity() for c in cs):
            raise VerificationError("a path node sums to the identity", check="path")
        c_bytes = commitments_bytes(cs)
        j >>= 1
    passed.append("path")

    root = statement.root
    if not hmac.compare_digest(h, root.hash):
        raise VerificationError("the path does not lead to the statement's root hash", check="root")
    if c_bytes != commitments_bytes(root.commitments):
        raise VerificationError(
            "the path's commitments do not sum to the statement's root commitments", check="root"
        )
    passed.append("root")

    # range proofs: every sibling on the path (and the root), batched
    ctx = p.digest(statement.round_id)
    items: list[RangeItem] = [root_item(statement)]
    if p.mode == "per-node":
        if proof.node_proofs is None or proof.path_proof is not None:
            raise FormatError("a per-node proof carries one range proof per sibling, no path proof")
        m = next_pow2(p.k)
        j = proof.leaf_index
        for depth, (sib, raw) in zip(
            range(p.height, 0, -1), zip(proof.siblings, proof.node_proofs, strict=True), strict=True
        ):
            rp = _decode_proof(raw, p.bits, m, f"sibling at depth {depth}")
            items.append(
                (rp, padded(sib.commitments, m), p.bits, node_transcript(ctx, depth, j ^ 1))
            )
            j >>= 1
    else:
        if proof.path_proof is None or proof.node_proofs is not None:
            raise FormatError("an aggregated proof carries one path proof, no node proofs")
        m = next_pow2(p.height * p.k)
        rp = _decode_proof(proof.path_proof, p.bits, m, "path")
        values = [c for sib in proof.siblings for c in sib.commitments]
        items.append((rp, padded(values, m), p.bits, path_transcript(ctx, proof.leaf_index)))
    _run_batch(items, "a sibling's range proof")
    passed.append("range-proofs")

    if expect:
        symbols = [a.symbol for a in p.assets]
        for sym, want in expect.items():
            if sym not in symbols:
                raise VerificationError(f"asset {sym} is not in this round", check="expectations")
            got = proof.balances[symbols.index(sym)]
            if got != want:
                d = p.assets[symbols.index(sym)].decimals
                raise VerificationError(
                    f"{sym}: the proof counts {format_units(got, d)} {sym}, you expected "
                    f"{format_units(want, d)} {sym} ({got:,} and {want:,} base units)",
                    check="expectations",
                )
        passed.append("expectations")
    return InclusionResult(
        proof.round_id, proof.user_id, proof.leaf_index, proof.balances, tuple(passed)
    )


@dataclass
class AuditResult:
    nodes: int
    proofs: int
    levels: int
    leaves: int = 0  # childless nodes at depth H shown as no padding: the users' leaves
    padding: int = 0  # childless nodes proven padding (hash preimage, opening to zero)
    unproven: int = 0  # childless inner nodes without a padding proof (audit/v1 only)


def _check_padding(node: AuditNode, pad: Padding) -> None:
    """A padding node's proof: h = H("padding" | pos | salt) and C_a = r_a*H (opens to 0)."""
    where = f"node ({node.depth}, {node.index})"
    if not hmac.compare_digest(padding_hash(node.depth, node.index, pad.salt), node.hash):
        raise VerificationError(
            f"{where} claims to be padding but its hash is not H(padding | position | salt)",
            check="audit-padding",
        )
    for c, r in zip(node.commitments, pad.blindings, strict=True):
        if r == 0 or commit(0, r) != c:
            raise VerificationError(
                f"{where} claims to be padding but a commitment does not open to zero",
                check="audit-padding",
            )


def verify_audit(
    statement: Statement,
    levels: Iterable[list[AuditNode]],
    *,
    batch: int = 128,
    complete: bool = True,
) -> AuditResult:
    """Check a full tree bundle given level by level, bottom-up (depth H first, then H-1, ...,
    then the root alone): every parent is the sum and hash of its two children (an internal
    node has both), every child has its parent, the root equals the statement's, and every
    non-root node's range proof verifies (batched). A node without children is a leaf (depth H)
    or padding; a padding node must carry its proof (`_check_padding`), so no subtree can be
    dropped and passed off as padding. `complete=False` reads an audit/v1 bundle, which has no
    padding proofs: childless inner nodes are then counted as `unproven`. Memory: two levels
    at a time."""
    p = statement.params
    leaves = padding = unproven = 0
    verify_root(statement)
    ctx = p.digest(statement.round_id)
    m = next_pow2(p.k)
    below: dict[int, AuditNode] | None = None
    expected_depth = p.height
    total = proofs = 0
    pending: list[RangeItem] = []
    for level in levels:
        here: dict[int, AuditNode] = {}
        for node in level:
            if node.depth != expected_depth:
                raise VerificationError(
                    f"node at depth {node.depth} where depth {expected_depth} was expected",
                    check="audit-order",
                )
            if node.index in here:
                raise VerificationError(
                    f"node ({node.depth}, {node.index}) appears twice", check="audit-order"
                )
            here[node.index] = node
            left = right = None
            if below is not None:
                left = below.get(2 * node.index)
                right = below.get(2 * node.index + 1)
            if left is not None or right is not None:
                if left is None or right is None:
                    raise VerificationError(
                        f"node ({node.depth}, {node.index}) lacks a child", check="audit-tree"
                    )
                want_h = node_hash_raw(
                    commitments_bytes(left.commitments),
                    commitments_bytes(right.commitments),
                    left.hash,
                    right.hash,
                )
                if not hmac.compare_digest(want_h, node.hash):
                    raise VerificationError(
                        f"hash of node ({node.depth}, {node.index}) is not H(children)",
                        check="audit-tree",
                    )
                sums = add_commitments(left.commitments, right.commitments)
                if commitments_bytes(sums) != commitments_bytes(node.commitments):
                    raise VerificationError(
                        f"commitments of node ({node.depth}, {node.index}) are not the sums of "
                        "its children's",
                        check="audit-tree",
                    )
                if node.padding is not None:
                    raise VerificationError(
                        f"node ({node.depth}, {node.index}) has children but claims to be padding",
                        check="audit-padding",
                    )
            elif node.padding is not None:
                _check_padding(node, node.padding)
                padding += 1
            elif node.depth == p.height:
                leaves += 1
            elif complete:
                raise VerificationError(
                    f"node ({node.depth}, {node.index}) has no children and no proof that it is "
                    "padding: a subtree may have been pruned",
                    check="audit-tree",
                )
            else:
                unproven += 1
            if node.depth > 0:
                if node.range_proof is None:
                    raise FormatError(f"node ({node.depth}, {node.index}) has no range proof")
                rp = _decode_proof(
                    node.range_proof, p.bits, m, f"node ({node.depth}, {node.index})"
                )
                pending.append(
                    (
                        rp,
                        padded(node.commitments, m),
                        p.bits,
                        node_transcript(ctx, node.depth, node.index),
                    )
                )
                proofs += 1
                if len(pending) >= batch:
                    _run_batch(pending, "a node's range proof")
                    pending = []
        if below is not None:
            # A node of `here` without children is the root of an empty (padding) subtree of
            # the sparse tree: opaque, covered by its own range proof. Every child needs its
            # parent.
            if not {i >> 1 for i in below} <= set(here):
                raise VerificationError(
                    f"level {expected_depth + 1} has nodes without a parent", check="audit-tree"
                )
        total += len(here)
        below = here
        expected_depth -= 1
        if expected_depth < 0:
            break
    if pending:
        _run_batch(pending, "a node's range proof")
    if expected_depth != -1 or below is None or set(below) != {0}:
        raise VerificationError("the bundle does not reach a single root", check="audit-tree")
    root = below[0]
    if not hmac.compare_digest(root.hash, statement.root.hash) or commitments_bytes(
        root.commitments
    ) != commitments_bytes(statement.root.commitments):
        raise VerificationError("the bundle's root differs from the statement's", check="root")
    return AuditResult(total, proofs, p.height + 1, leaves, padding, unproven)
