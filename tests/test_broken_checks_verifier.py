"""Tests that would notice a broken check in verifier/ (issue 11, section 1): solvency (the
bound tied to the signed wallets, the ratio bound, the root's range proof), the audit (parent
is the sum, depth-1 proofs, orphans) and exact errors for inputs that earlier tests only
caught by accident. Each forgery is one a weakened verifier would accept; the real one must
refuse it with the named check (docs/MUTATION.md lists the mutants each test kills)."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_rounds import Audit, audit_round
from solvency_rounds import ROUND, Round, shared
from test_solvency import Rounds, check_of, solvency_round

from circuits import rangeproof
from circuits.errors import FormatError, VerificationError
from circuits.group import N, Point
from circuits.merkle import node_transcript, root_transcript
from circuits.pedersen import commit
from verifier.formats import (
    STATEMENT_FORMATS,
    AuditNode,
    Root,
    Sibling,
    dumps,
    parse_inclusion,
    parse_inclusion_binary,
    parse_statement,
)
from verifier.liabilities import verify_audit, verify_inclusion
from verifier.solvency import (
    MAX_RATIO_PERCENT,
    MAX_RESERVES,
    SIGNATURE_TAGS,
    signed_message,
    solvency_transcript,
)

OTHER = "2026-12"


def assert_check(check: str, fn: Callable[[], object]) -> VerificationError:
    with pytest.raises(VerificationError) as exc:
        fn()
    assert exc.value.check == check, str(exc.value)
    return exc.value


# --- solvency --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    def make(base: Path) -> tuple[Round, Round]:
        return solvency_round(base, ROUND, name="a"), solvency_round(base, OTHER, name="b")

    return Rounds(*shared(tmp_path_factory, "solvency", make))


def test_lowered_wallet_balances_with_the_old_bound_and_proof(rounds: Rounds) -> None:
    """Kills "the bound is not tied to the signed wallets": a wallet's balance (not signed, a
    claim about the chain) cut to zero, the reserves sum lowered to match (now below the
    liabilities), the old bound and its valid proof kept. The ratio proof is dropped so that
    only the solvency bound stands in the way."""
    doc = rounds.unsigned()
    entry = doc["solvency"]["BTC"]
    del entry["min_ratio"], entry["ratio_proof"]
    check_of(doc)  # still valid without the ratio
    wallet = doc["reserves"]["assets"]["BTC"]["wallets"][0]
    entry["reserves"] -= wallet["balance"]
    wallet["balance"] = 0
    err = assert_check("solvency", lambda: check_of(doc))
    assert "solvency.BTC.bound: not the stated rule's bound" in str(err)


def test_ratio_proven_against_the_cap_instead_of_the_reserves(rounds: Rounds) -> None:
    """Kills "the ratio bound replaced by the cap": USDT reserves are 110% of the liabilities;
    a ratio of 200% is "proven" with c = 2^n - 1 (in transcript and difference), which a
    verifier using the cap would accept. The disclosed opening (L, r) makes this easy."""
    doc = rounds.unsigned()
    st = parse_statement(dumps(doc), "statement.json")
    entry = doc["solvency"]["USDT"]
    liab = entry["disclosed"]["liabilities"]
    blinding = int(entry["disclosed"]["blinding"], 16)
    bits, pct = st.params.bits, 200
    cap = (1 << bits) - 1
    assert 100 * entry["reserves"] < pct * liab < cap
    t = solvency_transcript(st.params.digest(st.round_id), "USDT", "ratio", cap, pct)
    proof, (E,) = rangeproof.prove([cap - pct * liab], [(-pct * blinding) % N], bits, t)
    assert E == Point.generator() * cap - st.root.commitments[1] * pct
    entry["min_ratio"] = pct
    entry["ratio_proof"] = proof.to_bytes().hex()
    err = assert_check("ratio", lambda: check_of(doc))
    assert "ratio of USDT" in str(err)


def test_solvency_checks_the_roots_range_proof(rounds: Rounds) -> None:
    """Kills "verify_root removed from verify_solvency": the bounds rely on L < 2^n, which
    only the root's range proof shows; another round's (well-formed) root proof must fail."""
    doc = rounds.unsigned()
    doc["root"]["range_proof"] = rounds.b.statement_json()["root"]["range_proof"]
    err = assert_check("range-proofs", lambda: check_of(doc))
    assert str(err).startswith("root range proof does not verify: ")


# --- audit -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    return audit_round(tmp_path_factory)


def test_audit_bundle_verifies(audit: Audit) -> None:
    res = verify_audit(audit.statement, audit.levels())
    assert res.levels == 7


def test_audit_root_understated_by_one_unit(audit: Audit) -> None:
    """Kills "the parent-is-the-sum check dropped": the root's BTC commitment lowered by one
    unit (G), the root's hash still that of its children, and the root re-proved in range
    from its opening (the exchange knows it) in a statement that publishes the lower root."""
    st = audit.statement
    values, blindings = audit.opening(0, 0)
    values[0] -= 1
    cs = tuple(commit(v, b % N) for v, b in zip(values, blindings, strict=True))
    assert cs[0] == st.root.commitments[0] - Point.generator()
    ctx = st.params.digest(st.round_id)
    proof, _ = rangeproof.prove(
        values, [b % N for b in blindings], st.params.bits, root_transcript(ctx)
    )
    forged = dataclasses.replace(st, root=Root(st.root.hash, cs, proof.to_bytes()))
    levels = audit.levels()
    (root,) = levels[-1]
    levels[-1] = [dataclasses.replace(root, commitments=cs)]
    err = assert_check("audit-tree", lambda: verify_audit(forged, levels))
    assert "commitments of node (0, 0) are not the sums of its children's" in str(err)


def test_audit_depth_one_proofs_are_checked(audit: Audit) -> None:
    """Kills "range proofs of depth-1 nodes skipped": the two depth-1 nodes' proofs swapped."""
    levels = audit.levels()
    one = levels[-2]
    assert [n.index for n in one] == [0, 1]
    a, b = one
    levels[-2] = [
        dataclasses.replace(a, range_proof=b.range_proof),
        dataclasses.replace(b, range_proof=a.range_proof),
    ]
    err = assert_check("range-proofs", lambda: verify_audit(audit.statement, levels))
    assert "node's range proof" in str(err)


def test_audit_orphan_node(audit: Audit) -> None:
    """Kills "orphan nodes accepted": a well-formed node, with a valid range proof bound to its
    position, whose parent is not in the bundle."""
    st = audit.statement
    levels = audit.levels()
    height = st.params.height
    depth, index = next(
        (height - k, i)
        for k in range(height - 1)
        for i in range(1 << (height - k))
        if i >> 1 not in {n.index for n in levels[k + 1]} and i not in {n.index for n in levels[k]}
    )
    ctx = st.params.digest(st.round_id)
    proof, cs = rangeproof.prove([1, 2], [3, 4], st.params.bits, node_transcript(ctx, depth, index))
    levels[height - depth].append(
        AuditNode(depth, index, b"\x07" * 32, tuple(cs), proof.to_bytes())
    )
    err = assert_check("audit-tree", lambda: verify_audit(st, levels))
    assert f"level {depth} has nodes without a parent" in str(err)


# --- exact errors ----------------------------------------------------------------------------


def test_path_node_summing_to_the_identity(audit: Audit) -> None:
    """A sibling whose commitments are minus the leaf's: the first path node is the identity,
    which has no encoding; the verifier names the path, not a decoding error."""
    proof = parse_inclusion(audit.rnd.proof_path("alice").read_bytes(), "alice.json")
    leaf = [commit(v, b) for v, b in zip(proof.balances, proof.blindings, strict=True)]
    sib = Sibling(proof.siblings[0].hash, tuple(-c for c in leaf))
    bad = dataclasses.replace(proof, siblings=(sib, *proof.siblings[1:]))
    err = assert_check("path", lambda: verify_inclusion(audit.statement, bad))
    assert str(err) == "a path node sums to the identity"


def test_non_nfc_user_id_in_a_proof(audit: Audit) -> None:
    doc: dict[str, Any] = audit.rnd.proof_json("zoë")
    nfd = unicodedata.normalize("NFD", "zoë")
    doc["user_id"] = nfd
    with pytest.raises(FormatError) as exc:
        parse_inclusion(dumps(doc), "zoe.json")
    assert str(exc.value) == "zoe.json: user_id: user id is not in NFC normal form"
    proof = parse_inclusion(audit.rnd.proof_path("zoë").read_bytes(), "zoe.json")
    data = dataclasses.replace(proof, user_id=nfd).to_binary()
    with pytest.raises(FormatError) as exc:
        parse_inclusion_binary(data, "zoe.bin")
    assert str(exc.value).endswith("user_id: user id is not in NFC normal form")
    assert str(exc.value).startswith("zoe.bin: byte ")


@pytest.mark.parametrize(
    "fmt", ["zk-solvency/statement/v3", "zk-solvency/statement/v0", "zk-solvency/inclusion/v1", 2]
)
def test_statement_of_another_format_version(audit: Audit, fmt: object) -> None:
    doc = audit.rnd.statement_json()
    doc["format"] = fmt
    with pytest.raises(FormatError) as exc:
        parse_statement(dumps(doc), "statement.json")
    expected = " or ".join(repr(f) for f in STATEMENT_FORMATS)
    assert str(exc.value) == f"statement.json: format: expected {expected}"


def test_duplicate_asset_in_a_binary_proof(audit: Audit) -> None:
    proof = parse_inclusion(audit.rnd.proof_path("alice").read_bytes(), "alice.json")
    a = proof.params.assets[0]
    params = dataclasses.replace(proof.params, assets=(a, a))
    data = dataclasses.replace(proof, params=params).to_binary()
    with pytest.raises(FormatError) as exc:
        parse_inclusion_binary(data, "alice.bin")
    assert str(exc.value).startswith("alice.bin: byte ")
    assert str(exc.value).endswith(": an asset is listed twice")


# --- mutmut survivors of verify_solvency (docs/MUTATION.md, campaign) ------------------------


def assert_format(text: str, fn: Callable[[], object]) -> FormatError:
    with pytest.raises(FormatError) as exc:
        fn()
    assert text in str(exc.value), str(exc.value)
    return exc.value


def test_statement_sections_that_go_together(rounds: Rounds) -> None:
    """Reserves without solvency (or the reverse) is malformed, never "liabilities only"; so
    is a statement with reserves that names no exchange, or prices without reserves."""
    for gone in ("reserves", "solvency"):
        doc = rounds.unsigned()
        del doc[gone]
        err = assert_format("", lambda doc=doc: check_of(doc))
        assert str(err) == "statement.json: 'reserves' and 'solvency' go together"
    doc = rounds.unsigned()
    del doc["exchange"]
    err = assert_format("", lambda: check_of(doc))
    assert str(err) == "statement.json: a statement with reserves must name its exchange"
    for only in ("prices", "total"):
        doc = rounds.unsigned()
        del doc["reserves"], doc["solvency"]
        doc[only] = {}
        err = assert_format("", lambda doc=doc: check_of(doc))
        assert str(err) == "statement.json: 'prices' and 'total' need 'reserves' and 'solvency'"


def test_solvency_numbers_at_their_bounds(rounds: Rounds) -> None:
    """Each number of a solvency entry is read with its exact range: one past an end is a
    FormatError, the end itself is read (and then refused by the check it feeds)."""
    top = MAX_RESERVES - 1
    bits = 32
    cases: list[tuple[str, str, int, str | None]] = [
        # (asset, key, value, check of the VerificationError or None for a FormatError)
        ("BTC", "reserves", -1, None),
        ("BTC", "reserves", 0, "reserves-sum"),
        ("BTC", "reserves", top, "reserves-sum"),
        ("BTC", "reserves", top + 1, None),
        ("BTC", "bound", -1, None),
        ("BTC", "bound", 0, "solvency"),
        ("BTC", "bound", top, "solvency"),
        ("BTC", "bound", top + 1, None),
        ("BTC", "min_ratio", 0, None),
        ("BTC", "min_ratio", 1, "ratio"),
        ("BTC", "min_ratio", MAX_RATIO_PERCENT, "ratio"),
        ("BTC", "min_ratio", MAX_RATIO_PERCENT + 1, None),
        ("USDT", "liabilities", -1, None),
        ("USDT", "liabilities", 0, "disclosure"),
        ("USDT", "liabilities", (1 << bits) - 1, "disclosure"),
        ("USDT", "liabilities", 1 << bits, None),
    ]
    for asset, key, value, check in cases:
        doc = rounds.unsigned()
        entry = doc["solvency"][asset]
        (entry["disclosed"] if key == "liabilities" else entry)[key] = value
        if check is None:
            assert_format(f"solvency.{asset}", lambda doc=doc: check_of(doc))
        else:
            assert_check(check, lambda doc=doc: check_of(doc))


def test_solvency_exact_messages(rounds: Rounds) -> None:
    """The messages of the solvency verifier name the field (path) and what is wrong."""
    doc = rounds.unsigned()
    err = assert_check("signature", lambda: check_of(doc, exchange_key="11" * 32))
    assert str(err) == "you pinned an exchange key but the statement is not signed"
    doc = rounds.doc()
    doc["signature"] = []
    err2 = assert_format("signature: expected an object", lambda: check_of(doc))
    assert str(err2).startswith("signature: ")
    size = rangeproof.proof_size(32, 1)
    for raw, text in (
        ("ff" * size, "solvency.BTC.proof: "),  # right length, not a point
        ("00" * (size - 1), "solvency.BTC.proof: expected"),  # wrong length
    ):
        doc = rounds.unsigned()
        doc["solvency"]["BTC"]["proof"] = raw
        err2 = assert_format("solvency.BTC.proof", lambda doc=doc: check_of(doc))
        assert str(err2).startswith(text), str(err2)
    with pytest.raises(FormatError) as exc:
        signed_message({"format": "zk-solvency/statement/v0"})
    assert str(exc.value) == f"statement.json: format: expected one of {sorted(SIGNATURE_TAGS)}"


def test_signature_section_exact_messages(rounds: Rounds) -> None:
    """Each refusal of the statement's signature names its field or says what was pinned."""
    signer = rounds.doc()["signature"]["pubkey"]
    cases: list[tuple[str, Any, str]] = [
        ("sig", None, "signature: "),  # a key missing
        ("pubkey", "zz", "signature.pubkey: "),
        ("sig", "zz", "signature.sig: "),
    ]
    for key, value, start in cases:
        doc = rounds.doc()
        if value is None:
            del doc["signature"][key]
        else:
            doc["signature"][key] = value
        err = assert_format("", lambda doc=doc: check_of(doc))
        assert str(err).startswith(start), str(err)
    doc = rounds.doc()
    err = assert_format("", lambda: check_of(doc, exchange_key="zz"))
    assert str(err).startswith("--exchange-key: "), str(err)
    other = "ab" * 32
    assert other != signer
    err3 = assert_check("signature", lambda: check_of(doc, exchange_key=other))
    assert str(err3) == "the statement is signed by another key than the one you pinned"
    doc["snapshot_time"] = "2026-11-01T00:00:01Z"  # changed after signing
    err3 = assert_check("signature", lambda: check_of(doc, exchange_key=signer))
    assert str(err3) == "the statement's signature does not verify"


def test_solvency_section_paths_in_messages(rounds: Rounds) -> None:
    """A malformed solvency section is refused with the path of the bad field; a min_ratio
    without its ratio proof is refused (not silently dropped from what is proven)."""

    def change(doc: dict[str, Any], where: str, value: Any) -> None:
        *parents, last = where.split(".")
        obj = doc
        for key in parents:
            obj = obj[key]
        if value is KeyError:
            del obj[last]
        else:
            obj[last] = value

    cases: list[tuple[str, Any, str]] = [
        ("reserves.assets", [], "statement.json reserves: assets: expected an object"),
        ("solvency", [], "solvency: expected an object"),
        ("solvency.ETH", {}, "solvency: "),
        ("solvency.BTC", [], "solvency.BTC: expected an object"),
        ("solvency.BTC.extra", 1, "solvency.BTC: "),
        ("solvency.BTC.ratio_proof", KeyError, "solvency.BTC: "),
        ("solvency.BTC.ratio_proof", "zz", "solvency.BTC.ratio_proof: "),
        ("solvency.USDT.disclosed", [], "solvency.USDT.disclosed: expected an object"),
        ("solvency.USDT.disclosed.extra", 1, "solvency.USDT.disclosed: "),
        ("solvency.USDT.disclosed.blinding", "zz", "solvency.USDT.disclosed.blinding: "),
    ]
    for where, value, start in cases:
        doc = rounds.unsigned()
        change(doc, where, value)
        err = assert_format("", lambda doc=doc: check_of(doc))
        assert str(err).startswith(start), (where, str(err))
    for only in ("prices", "total"):  # with reserves: one without the other is malformed
        doc = rounds.unsigned()
        doc[only] = {}
        err = assert_format("", lambda doc=doc: check_of(doc))
        assert str(err) == "statement.json: 'prices' and 'total' go together"
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["reserves"] = 0
    err2 = assert_check("reserves-sum", lambda: check_of(doc))
    total = rounds.unsigned()["solvency"]["BTC"]["reserves"]
    assert str(err2) == (f"solvency.BTC.reserves: 0 is not the sum of the signed wallets ({total})")
    doc = rounds.unsigned()
    del doc["reserves"]["assets"]["USDT"]
    err2 = assert_check("reserves-assets", lambda: check_of(doc))
    assert str(err2) == "reserves must list exactly the assets of the liabilities tree"


# --- mutmut survivors of verify_audit (docs/MUTATION.md, campaign) ---------------------------


def test_audit_counts_and_order_errors(audit: Audit) -> None:
    """What a valid audit reports is exact; a node at the wrong depth, a node twice, a node
    whose hash is not that of its children and a node with one child are refused with the
    check and the position."""
    st = audit.statement
    levels = audit.levels()
    res = verify_audit(st, levels)
    assert res.nodes == sum(len(level) for level in levels)
    assert res.proofs == res.nodes - 1
    height = st.params.height

    bad = audit.levels()
    bad[0] = [*bad[0], dataclasses.replace(bad[1][0])]  # a depth H-1 node among depth H
    err = assert_check("audit-order", lambda: verify_audit(st, bad))
    assert str(err) == f"node at depth {height - 1} where depth {height} was expected"

    bad = audit.levels()
    first = bad[0][0]
    bad[0] = [first, *bad[0]]
    err = assert_check("audit-order", lambda: verify_audit(st, bad))
    assert str(err) == f"node ({first.depth}, {first.index}) appears twice"

    bad = audit.levels()
    parent = bad[1][0]
    bad[1][0] = dataclasses.replace(parent, hash=bytes(32))
    err = assert_check("audit-tree", lambda: verify_audit(st, bad))
    assert str(err) == f"hash of node ({parent.depth}, {parent.index}) is not H(children)"

    bad = audit.levels()
    children = {n.index for n in bad[0]}
    i = next(i for i in sorted(children) if i ^ 1 in children)
    bad[0] = [n for n in bad[0] if n.index != (i | 1)]
    err = assert_check("audit-tree", lambda: verify_audit(st, bad))
    assert str(err) == f"node ({height - 1}, {i >> 1}) lacks a child"


def test_audit_batches_and_proof_errors(audit: Audit) -> None:
    """With small batches (as in a big tree) a bad proof in the first batch is still found; a
    node without a proof or with a malformed one is named; an audit/v1 reading counts the
    childless inner nodes it cannot tell from pruned ones."""
    st = audit.statement
    height = st.params.height
    bad = audit.levels()
    a, b = bad[0][0], bad[0][1]
    bad[0][0] = dataclasses.replace(a, range_proof=b.range_proof)
    err = assert_check("range-proofs", lambda: verify_audit(st, bad, batch=2))
    assert str(err).startswith("a node's range proof does not verify: ")
    assert (
        verify_audit(st, audit.levels(), batch=2).proofs == verify_audit(st, audit.levels()).proofs
    )

    bad = audit.levels()
    bad[0][0] = dataclasses.replace(a, range_proof=None)
    with pytest.raises(FormatError) as exc:
        verify_audit(st, bad)
    assert str(exc.value) == f"node ({a.depth}, {a.index}) has no range proof"
    bad = audit.levels()
    bad[0][0] = dataclasses.replace(a, range_proof=b"\xff" * len(a.range_proof or b""))
    err = assert_check("range-proofs", lambda: verify_audit(st, bad))
    assert str(err).startswith(f"node ({a.depth}, {a.index}): malformed range proof: ")

    stripped = [[dataclasses.replace(n, padding=None) for n in level] for level in audit.levels()]
    inner_padding = sum(
        1 for level in audit.levels() for n in level if n.padding is not None and n.depth < height
    )
    assert inner_padding > 0
    assert verify_audit(st, stripped, complete=False).unproven == inner_padding


def test_audit_root_of_another_tree_or_two_roots(audit: Audit) -> None:
    """A bundle of another tree with the same sums (one leaf's hash changed, every hash above
    recomputed) is refused: the root's hash must be the statement's, not only its sums. A
    second, well-formed padding node at depth 0 is refused: the bundle has one root."""
    from circuits.merkle import commitments_bytes, node_hash_raw, padding_hash
    from verifier.formats import Padding

    st = audit.statement
    height = st.params.height
    levels = audit.levels()
    i = levels[0][0].index
    levels[0][0] = dataclasses.replace(levels[0][0], hash=b"\x01" * 32)
    for k in range(1, height + 1):
        i >>= 1
        below = {n.index: n for n in levels[k - 1]}
        left, right = below[2 * i], below[2 * i + 1]
        h = node_hash_raw(
            commitments_bytes(left.commitments),
            commitments_bytes(right.commitments),
            left.hash,
            right.hash,
        )
        levels[k] = [dataclasses.replace(n, hash=h) if n.index == i else n for n in levels[k]]
    err = assert_check("root", lambda: verify_audit(st, levels))
    assert str(err) == "the bundle's root differs from the statement's"

    levels = audit.levels()
    salt, blindings = b"\x02" * 32, tuple(range(1, st.params.k + 1))
    extra = AuditNode(
        0,
        1,
        padding_hash(0, 1, salt),
        tuple(commit(0, r) for r in blindings),
        None,
        Padding(salt, blindings),
    )
    levels[-1] = [*levels[-1], extra]
    err = assert_check("audit-tree", lambda: verify_audit(st, levels))
    assert str(err) == "the bundle does not reach a single root"


def test_inclusion_exact_errors(audit: Audit) -> None:
    """A zero balance is in range; a bool, an identity leaf, a short path, another round or
    parameters, and a user id that is not the proof's are refused with exact messages."""
    st = audit.statement
    bob = parse_inclusion(audit.rnd.proof_path("bob").read_bytes(), "bob.json")
    assert bob.balances == (0, 0)
    assert verify_inclusion(st, bob, user_id="bob").user_id == "bob"
    proof = parse_inclusion(audit.rnd.proof_path("alice").read_bytes(), "alice.json")
    bits, height = st.params.bits, st.params.height
    cases: list[tuple[str, Any, str]] = [
        (
            "leaf",
            dataclasses.replace(proof, balances=(True, 0)),
            f"a leaf balance is outside [0, 2^{bits})",
        ),
        (
            "leaf",
            dataclasses.replace(proof, balances=(0, 0), blindings=(0, 0)),
            "leaf commitment is the identity",
        ),
        (
            "path",
            dataclasses.replace(proof, siblings=proof.siblings[1:]),
            f"path has {height - 1} siblings, the tree height is {height}",
        ),
        (
            "round",
            dataclasses.replace(proof, round_id="2099-01"),
            f"the proof is for round '2099-01', the statement for {st.round_id!r}",
        ),
        (
            "params",
            dataclasses.replace(proof, params=dataclasses.replace(proof.params, bits=64)),
            "the proof's parameters (height, bits, mode, assets, generators) differ from the statement's",
        ),
    ]
    for check, bad, text in cases:
        err = assert_check(check, lambda bad=bad: verify_inclusion(st, bad))
        assert str(err) == text
    err = assert_check("user-id", lambda: verify_inclusion(st, proof, user_id="bob"))
    assert str(err) == "this proof was made for another user id"
    err = assert_check("user-id", lambda: verify_inclusion(st, proof, user_id=""))
    assert str(err).startswith("the user id given is not valid: ")


def test_inclusion_proof_errors_named(audit: Audit) -> None:
    """The range-proof part of an inclusion proof: a proof of the other kind, a malformed
    path proof, another user's path proof, a malformed root proof, another generator table
    and an unknown expected asset are refused with exact messages; a valid proof's result
    names its round, user and leaf."""
    st = audit.statement
    assert st.params.mode == "aggregated"
    proof = parse_inclusion(audit.rnd.proof_path("alice").read_bytes(), "alice.json")
    res = verify_inclusion(st, proof)
    assert (res.round_id, res.user_id, res.leaf_index) == (st.round_id, "alice", proof.leaf_index)
    with pytest.raises(FormatError) as exc:
        verify_inclusion(st, dataclasses.replace(proof, node_proofs=(b"",)))
    assert str(exc.value) == "an aggregated proof carries one path proof, no node proofs"
    raw = proof.path_proof or b""
    err = assert_check(
        "range-proofs",
        lambda: verify_inclusion(st, dataclasses.replace(proof, path_proof=b"\xff" * len(raw))),
    )
    assert str(err).startswith("path: malformed range proof: ")
    bob = parse_inclusion(audit.rnd.proof_path("bob").read_bytes(), "bob.json")
    err = assert_check(
        "range-proofs",
        lambda: verify_inclusion(st, dataclasses.replace(proof, path_proof=bob.path_proof)),
    )
    assert str(err).startswith("a sibling's range proof does not verify: ")
    root = dataclasses.replace(st.root, range_proof=b"\xff" * len(st.root.range_proof))
    err = assert_check("range-proofs", lambda: verify_audit(dataclasses.replace(st, root=root), []))
    assert str(err).startswith("root: malformed range proof: ")
    params = dataclasses.replace(st.params, generators="00" * 32)
    err = assert_check(
        "generators", lambda: verify_audit(dataclasses.replace(st, params=params), [])
    )
    assert str(err) == "the statement names a generator table other than the pinned one"
    err = assert_check("expectations", lambda: verify_inclusion(st, proof, expect={"ETH": 1}))
    assert str(err) == "asset ETH is not in this round"
