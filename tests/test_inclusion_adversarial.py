"""Tampered inclusion proofs (issue 3 "Tests", SECURITY.md "The verifier rejects"): each
mutation of a valid proof or statement next to the exact error it must raise, and for a
VerificationError the name of the failed check.

The verifier recomputes the whole path itself (leaf from the opening, every parent as the sum
and hash of its children): a proof carries no parent hash or parent commitment to "recompute".
So a changed sibling fails at "root" against the published statement; and when the attacker is
the exchange, which can publish a statement whose root matches the tampered path (with a valid
root range proof, since it knows every opening), the same proof fails at "range-proofs": the
siblings' proofs are bound to their commitments and positions, and no proof exists for a
negative value.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from solvency_rounds import OTHER_ROUND, ROUND, Round, build_round, shared

from circuits import rangeproof
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import N, Point
from circuits.merkle import (
    add_commitments,
    commitments_bytes,
    leaf_hash,
    node_hash_raw,
    root_transcript,
    sibling_positions,
)
from circuits.pedersen import commit
from prover.proving import ProofTask, run_task
from prover.store import Store
from prover.tree import pack_opening, unpack_opening
from verifier.formats import (
    InclusionProof,
    Root,
    Sibling,
    Statement,
    dumps,
    parse_inclusion,
    parse_statement,
)
from verifier.liabilities import verify_inclusion, verify_root

ALICE, BOB = "alice", "zoë"


@dataclass
class Case:
    a: Round  # round ROUND
    b: Round  # the same snapshot and secret, round OTHER_ROUND
    statement: Statement

    @property
    def mode(self) -> str:
        return self.a.mode

    def doc(self, uid: str = ALICE) -> dict[str, Any]:
        return self.a.proof_json(uid)

    def proof(self, uid: str = ALICE) -> InclusionProof:
        return parse_inclusion(self.a.proof_path(uid).read_bytes(), uid)

    def opening(self, depth: int, index: int) -> tuple[list[int], list[int]]:
        with Store(self.a.dir / "private" / "state.sqlite") as store:
            node = store.get_node(depth, index)
        assert node is not None
        return unpack_opening(node[2])


MODES = ("aggregated", "per-node")


class Cases:
    """One Case per mode, built on first use and kept for the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, Case] = {}

    def __getitem__(self, mode: str) -> Case:
        if mode not in self.built:

            def make(base: Path) -> tuple[Round, Round]:
                a = build_round(base, mode=mode, name="a")
                return a, build_round(base, mode=mode, name="b", round_id=OTHER_ROUND)

            a, b = shared(self.factory, f"adv-{mode}", make)
            self.built[mode] = Case(a, b, parse_statement(a.statement.read_bytes(), "statement"))
        return self.built[mode]


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Cases:
    return Cases(tmp_path_factory)


@pytest.fixture(params=MODES)
def case(request: pytest.FixtureRequest, cases: Cases) -> Case:
    return cases[request.param]


def verify_doc(st: Statement, doc: dict[str, Any], user_id: str | None = None) -> None:
    verify_inclusion(st, parse_inclusion(dumps(doc), "proof.json"), user_id=user_id)


def assert_check(check: str, fn: Callable[[], object]) -> VerificationError:
    with pytest.raises(VerificationError) as exc:
        fn()
    assert exc.value.check == check, str(exc.value)
    return exc.value


def flip_hex(s: str, pos: int) -> str:
    c = s[pos]
    return s[:pos] + ("0" if c != "0" else "1") + s[pos + 1 :]


# --- forging a statement, as a dishonest exchange could --------------------------------------


def path_root(proof: InclusionProof) -> tuple[bytes, list[Point]]:
    """The root hash and commitments that a proof's path leads to (the verifier's formulas)."""
    cs = [commit(v, b) for v, b in zip(proof.balances, proof.blindings, strict=True)]
    h = leaf_hash(proof.round_id, proof.user_id, proof.salt)
    j = proof.leaf_index
    for sib in proof.siblings:
        mine, theirs = commitments_bytes(cs), commitments_bytes(sib.commitments)
        h = (
            node_hash_raw(theirs, mine, sib.hash, h)
            if j & 1
            else node_hash_raw(mine, theirs, h, sib.hash)
        )
        cs = add_commitments(cs, sib.commitments)
        j >>= 1
    return h, cs


def forged_statement(
    st: Statement, proof: InclusionProof, values: list[int], blindings: list[int]
) -> Statement:
    """A statement whose root is where `proof`'s path leads, with a valid root range proof
    made from the root's opening (values, blindings), which the exchange knows."""
    h, cs = path_root(proof)
    assert [commit(v, b) for v, b in zip(values, blindings, strict=True)] == cs
    ctx = st.params.digest(st.round_id)
    opening = pack_opening(values, [b % N for b in blindings])
    task = ProofTask("root", ctx, 0, 0, st.params.bits, opening, b"e" * 32)
    forged = Statement(
        st.round_id, st.snapshot_time, st.params, Root(h, tuple(cs), run_task(task)), st.exchange
    )
    verify_root(forged)  # the forged root on its own is flawless
    return forged


def test_maxwell_split_fails_at_root_and_range_proofs(case: Case) -> None:
    """Maxwell's flaw: move value between two siblings keeping every sum. The parent hash binds
    both children's commitments, so the path no longer reaches the root hash ("root"). An
    exchange that publishes the matching root still fails: the siblings' range proofs are
    bound to the original commitments ("range-proofs")."""
    proof = case.proof()
    G = Point.generator()
    s0, s1 = proof.siblings[0], proof.siblings[1]
    sibs = list(proof.siblings)
    sibs[0] = Sibling(s0.hash, (s0.commitments[0] + G, *s0.commitments[1:]))
    sibs[1] = Sibling(s1.hash, (s1.commitments[0] - G, *s1.commitments[1:]))
    tampered = dataclasses.replace(proof, siblings=tuple(sibs))
    h, cs = path_root(tampered)
    assert commitments_bytes(cs) == commitments_bytes(case.statement.root.commitments)
    assert h != case.statement.root.hash
    err = assert_check("root", lambda: verify_inclusion(case.statement, tampered))
    assert "root hash" in str(err)
    # the exchange publishes the root hash this path leads to (same commitments, same proof)
    forged = dataclasses.replace(
        case.statement, root=dataclasses.replace(case.statement.root, hash=h)
    )
    verify_root(forged)
    assert_check("range-proofs", lambda: verify_inclusion(forged, tampered))
    # a sibling's hash alone changed
    sibs = list(proof.siblings)
    sibs[2] = Sibling(bytes(32), proof.siblings[2].commitments)
    assert_check(
        "root",
        lambda: verify_inclusion(case.statement, dataclasses.replace(proof, siblings=tuple(sibs))),
    )


def test_negative_sibling_fails_at_range_proofs(case: Case) -> None:
    """DAPOL+'s reason to prove siblings: a fake sibling worth -v cancels the user's v. With a
    root forged to match (and validly range-proven), only the siblings' range proofs catch it,
    and no range proof of -v (that is q - v) can be made."""
    proof = case.proof()
    H = case.a.height
    leaf_v, leaf_b = list(proof.balances), list(proof.blindings)
    assert all(v > 0 for v in leaf_v)
    sib_depth, sib_index, _ = sibling_positions(proof.leaf_index, H)[0]
    honest_v, honest_b = case.opening(sib_depth, sib_index)
    fake_v = [(-v) % N for v in leaf_v]
    fake_b = [12345 + k for k in range(len(leaf_v))]
    fake = Sibling(b"\x66" * 32, tuple(commit(v, b) for v, b in zip(fake_v, fake_b, strict=True)))
    tampered = dataclasses.replace(proof, siblings=(fake, *proof.siblings[1:]))
    # the user's subtree now sums to zero
    parent = add_commitments(
        [commit(v, b) for v, b in zip(leaf_v, leaf_b, strict=True)], fake.commitments
    )
    assert parent == [commit(0, a + b) for a, b in zip(leaf_b, fake_b, strict=True)]
    assert_check("root", lambda: verify_inclusion(case.statement, tampered))

    root_v, root_b = case.opening(0, 0)
    new_v = [r - hv - lv for r, hv, lv in zip(root_v, honest_v, leaf_v, strict=True)]
    assert all(v >= 0 for v in new_v)  # the forged total is lower: the user was cancelled
    new_b = [(r - hb + fb) % N for r, hb, fb in zip(root_b, honest_b, fake_b, strict=True)]
    forged = forged_statement(case.statement, tampered, new_v, new_b)
    err = assert_check("range-proofs", lambda: verify_inclusion(forged, tampered))
    assert "range proof" in str(err)
    # and the exchange cannot make a proof for the fake sibling
    with pytest.raises(ParameterError):
        rangeproof.prove([fake_v[0]], [fake_b[0]], case.a.bits, root_transcript(b"x"))


def test_leaf_balance_of_minus_one_fails_at_leaf(case: Case) -> None:
    """A leaf opened to q - 1 (that is -1) with a matching forged root would pass every other
    check: the leaf is opened, not range-proven, so its values are checked ("leaf")."""
    proof = case.proof()
    bal = list(proof.balances)
    bal[0] = N - 1
    tampered = dataclasses.replace(proof, balances=tuple(bal))
    root_v, root_b = case.opening(0, 0)
    new_v = [root_v[0] - proof.balances[0] - 1, *root_v[1:]]
    forged = forged_statement(case.statement, tampered, new_v, root_b)
    assert_check("leaf", lambda: verify_inclusion(forged, tampered))
    for v in (1 << case.a.bits, -1):
        bal[0] = v
        assert_check(
            "leaf",
            lambda: verify_inclusion(
                case.statement, dataclasses.replace(proof, balances=tuple(bal))
            ),
        )


# --- the table of tampered JSON proofs -------------------------------------------------------

Mutation = Callable[[dict[str, Any], Case], None]


def _swap_siblings(d: dict[str, Any], c: Case) -> None:
    s = d["siblings"]
    s[0], s[1] = s[1], s[0]
    if "node_proofs" in d:
        p = d["node_proofs"]
        p[0], p[1] = p[1], p[0]


def _set(path: str, value: Any) -> Mutation:
    def f(d: dict[str, Any], c: Case) -> None:
        keys = path.split(".")
        obj = d
        for k in keys[:-1]:
            obj = obj[int(k)] if isinstance(obj, list) else obj[k]
        last = keys[-1]
        if isinstance(obj, list):
            obj[int(last)] = value
        else:
            obj[last] = value

    return f


def _other_user_node_proof(d: dict[str, Any], c: Case) -> None:
    other = c.doc(BOB)
    for i, (mine, theirs) in enumerate(zip(d["node_proofs"], other["node_proofs"], strict=True)):
        if mine != theirs:
            d["node_proofs"][i] = theirs
            return
    raise AssertionError("the two users share every sibling")


def _drop(key: str, i: int | None = None) -> Mutation:
    def f(d: dict[str, Any], c: Case) -> None:
        if i is None:
            del d[key]
        else:
            del d[key][i]

    return f


def _round_b(key: str) -> Mutation:
    def f(d: dict[str, Any], c: Case) -> None:
        d[key] = c.b.proof_json(ALICE)[key]

    return f


# (name, modes, mutation, expected: a check name or FormatError)
TABLE: list[tuple[str, tuple[str, ...], Mutation, str | type[Exception]]] = [
    ("siblings swapped", ("aggregated", "per-node"), _swap_siblings, "root"),
    (
        "leaf index: lowest bit flipped",
        ("aggregated", "per-node"),
        lambda d, c: d["leaf"].update(index=d["leaf"]["index"] ^ 1),
        "root",
    ),
    (
        "leaf index: highest bit flipped",
        ("aggregated", "per-node"),
        lambda d, c: d["leaf"].update(index=d["leaf"]["index"] ^ (1 << (c.a.height - 1))),
        "root",
    ),
    (
        "leaf index of another user",
        ("aggregated", "per-node"),
        lambda d, c: d["leaf"].update(index=c.doc(BOB)["leaf"]["index"]),
        "root",
    ),
    ("path one sibling short", ("aggregated", "per-node"), _drop("siblings", -1), FormatError),
    (
        "path one sibling long",
        ("aggregated", "per-node"),
        lambda d, c: d["siblings"].append(d["siblings"][0]),
        FormatError,
    ),
    ("no siblings", ("aggregated", "per-node"), _set("siblings", []), FormatError),
    (
        "another round's proof relabelled",
        ("aggregated", "per-node"),
        lambda d, c: (d.clear(), d.update(c.b.proof_json(ALICE)), d.update(round=ROUND)),
        "root",
    ),
    ("balance changed", ("aggregated", "per-node"), _set("leaf.balances.0", 1), "root"),
    ("user id changed", ("aggregated", "per-node"), _set("user_id", "mallory"), "root"),
    ("params: height", ("aggregated", "per-node"), _set("params.height", 5), FormatError),
    ("params: bits", ("aggregated", "per-node"), _set("params.bits", 64), FormatError),
    ("params: decimals", ("aggregated", "per-node"), _set("params.assets.1.decimals", 6), "params"),
    (
        "params: asset order",
        ("aggregated", "per-node"),
        lambda d, c: d["params"]["assets"].reverse(),
        "params",
    ),
    ("params: mode", ("aggregated",), _set("params.mode", "per-node"), FormatError),
    ("params: mode", ("per-node",), _set("params.mode", "aggregated"), FormatError),
    # range proofs: missing, extra, duplicated, reused from another node / user / round
    ("path proof missing", ("aggregated",), _drop("path_proof"), FormatError),
    (
        "node proofs added",
        ("aggregated",),
        lambda d, c: d.update(node_proofs=[d["path_proof"]] * c.a.height),
        FormatError,
    ),
    (
        "another user's path proof",
        ("aggregated",),
        lambda d, c: d.update(path_proof=c.doc(BOB)["path_proof"]),
        "range-proofs",
    ),
    ("another round's path proof", ("aggregated",), _round_b("path_proof"), "range-proofs"),
    (
        "a node proof as the path proof",
        ("aggregated",),
        lambda d, c: d.update(path_proof=d["path_proof"][: len(d["path_proof"]) // 2]),
        FormatError,
    ),
    ("node proofs missing", ("per-node",), _drop("node_proofs"), FormatError),
    ("one node proof missing", ("per-node",), _drop("node_proofs", 0), FormatError),
    (
        "one node proof extra",
        ("per-node",),
        lambda d, c: d["node_proofs"].append(d["node_proofs"][0]),
        FormatError,
    ),
    (
        "path proof added",
        ("per-node",),
        lambda d, c: d.update(path_proof=d["node_proofs"][0]),
        FormatError,
    ),
    (
        "two node proofs swapped",
        ("per-node",),
        lambda d, c: d.update(
            node_proofs=[d["node_proofs"][1], d["node_proofs"][0], *d["node_proofs"][2:]]
        ),
        "range-proofs",
    ),
    (
        "a node proof duplicated",
        ("per-node",),
        lambda d, c: d.update(node_proofs=[d["node_proofs"][0], *d["node_proofs"][:-1]]),
        "range-proofs",
    ),
    (
        "another node's proof (another user's path)",
        ("per-node",),
        _other_user_node_proof,
        "range-proofs",
    ),
    ("another round's node proofs", ("per-node",), _round_b("node_proofs"), "range-proofs"),
]


ROWS = [(mode, name, mutate, expected) for name, modes, mutate, expected in TABLE for mode in modes]


@pytest.mark.parametrize(
    ("mode", "name", "mutate", "expected"), ROWS, ids=[f"{r[0]}: {r[1]}" for r in ROWS]
)
def test_tampered_proof(
    cases: Cases, mode: str, name: str, mutate: Mutation, expected: str | type[Exception]
) -> None:
    case = cases[mode]
    doc = case.doc()
    mutate(doc, case)
    if isinstance(expected, str):
        assert_check(expected, lambda: verify_doc(case.statement, doc))
    else:
        with pytest.raises(expected):
            verify_doc(case.statement, doc)


def test_path_length_other_than_h_in_the_library(case: Case) -> None:
    """An InclusionProof built in code (no decoder) with H - 1 or H + 1 siblings: "path"."""
    proof = case.proof()
    for sibs in (proof.siblings[:-1], (*proof.siblings, proof.siblings[0])):
        assert_check(
            "path",
            lambda sibs=sibs: verify_inclusion(
                case.statement, dataclasses.replace(proof, siblings=sibs)
            ),
        )


def test_another_users_proof_with_ones_own_id(case: Case) -> None:
    doc = case.doc(BOB)
    verify_doc(case.statement, doc, user_id=BOB)
    assert_check("user-id", lambda: verify_doc(case.statement, doc, user_id=ALICE))
    # NFD spelling of one's own id is the same id
    verify_doc(case.statement, doc, user_id="zoe\u0308")
    assert_check("user-id", lambda: verify_doc(case.statement, doc, user_id="zo\u200be"))


def test_proof_of_another_round(case: Case) -> None:
    assert_check("round", lambda: verify_doc(case.statement, case.b.proof_json(ALICE)))


def test_statement_with_another_root(case: Case) -> None:
    other = parse_statement(case.b.statement.read_bytes(), "b")
    st = case.statement
    proof = case.proof()
    for root in (
        dataclasses.replace(st.root, hash=other.root.hash),
        dataclasses.replace(st.root, commitments=other.root.commitments),
        dataclasses.replace(
            st.root,
            hash=other.root.hash,
            commitments=other.root.commitments,
            range_proof=other.root.range_proof,
        ),
    ):
        assert_check(
            "root", lambda root=root: verify_inclusion(dataclasses.replace(st, root=root), proof)
        )
    # another round's root proof in this statement
    bad = dataclasses.replace(
        st, root=dataclasses.replace(st.root, range_proof=other.root.range_proof)
    )
    assert_check("range-proofs", lambda: verify_root(bad))
    assert_check("range-proofs", lambda: verify_inclusion(bad, proof))
    # the other round's statement relabelled as this round
    relabelled = dataclasses.replace(other, round_id=ROUND)
    assert_check("root", lambda: verify_inclusion(relabelled, proof))


# --- every hex field with one character changed ---------------------------------------------


def hex_fields(obj: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from hex_fields(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from hex_fields(v, f"{path}.{i}")
    elif isinstance(obj, str) and len(obj) >= 64 and re.fullmatch(r"[0-9a-f]+", obj):
        yield path, obj


def _set_path(doc: Any, path: str, value: str) -> None:
    keys = path.split(".")
    for k in keys[:-1]:
        doc = doc[int(k)] if isinstance(doc, list) else doc[k]
    if isinstance(doc, list):
        doc[int(keys[-1])] = value
    else:
        doc[keys[-1]] = value


# the check a changed field of the proof must fail (besides FormatError where the bytes no
# longer decode: a point not on the curve, a scalar >= q)
PROOF_FIELD_CHECKS = [
    (r"params\.generators", "params"),
    (r"leaf\.blindings\.\d+", "root"),
    (r"leaf\.salt", "root"),
    (r"siblings\.\d+\.hash", "root"),
    (r"siblings\.\d+\.commitments\.\d+", "root"),
    (r"path_proof", "range-proofs"),
    (r"node_proofs\.\d+", "range-proofs"),
]
STATEMENT_FIELD_CHECKS = [
    (r"params\.generators", "params"),
    (r"root\.hash", "root"),
    (r"root\.commitments\.\d+", "root"),
    (r"root\.range_proof", "range-proofs"),
]


def _expected(path: str, table: list[tuple[str, str]]) -> str:
    for pattern, check in table:
        if re.fullmatch(pattern, path):
            return check
    raise AssertionError(f"no expectation for hex field {path}")


def _outcome(fn: Callable[[], object]) -> str:
    try:
        fn()
    except FormatError:
        return "FormatError"
    except VerificationError as exc:
        return exc.check
    return "PASSED"


def test_every_hex_field_of_the_proof_with_one_character_changed(case: Case) -> None:
    base = case.doc()
    fields = list(hex_fields(base))
    assert len(fields) >= 1 + 2 + 1 + 3 * case.a.height + 1
    bad = []
    for path, value in fields:
        want = _expected(path, PROOF_FIELD_CHECKS)
        for pos in sorted({0, 1, len(value) // 2, len(value) - 1}):
            doc = json.loads(json.dumps(base))
            _set_path(doc, path, flip_hex(value, pos))
            got = _outcome(lambda doc=doc: verify_doc(case.statement, doc))
            if got not in (want, "FormatError"):
                bad.append((path, pos, got))
        # upper case hex is not canonical
        if value.upper() != value:
            doc = json.loads(json.dumps(base))
            _set_path(doc, path, value.upper())
            with pytest.raises(FormatError):
                verify_doc(case.statement, doc)
    assert bad == []


def test_every_hex_field_of_the_statement_with_one_character_changed(case: Case) -> None:
    base = case.a.statement_json()
    proof = case.proof()
    fields = list(hex_fields(base))
    assert [p for p, _ in fields] == [
        "params.generators",
        "root.commitments.0",
        "root.commitments.1",
        "root.hash",
        "root.range_proof",
    ]
    bad = []
    for path, value in fields:
        want = _expected(path, STATEMENT_FIELD_CHECKS)
        for pos in sorted({0, 1, len(value) // 2, len(value) - 1}):
            doc = json.loads(json.dumps(base))
            _set_path(doc, path, flip_hex(value, pos))

            def run(doc: dict[str, Any] = doc) -> None:
                verify_inclusion(parse_statement(dumps(doc), "statement.json"), proof)

            got = _outcome(run)
            if got not in (want, "FormatError"):
                bad.append((path, pos, got))
    assert bad == []


# --- JSON and binary encodings ---------------------------------------------------------------


def test_duplicate_json_keys(case: Case) -> None:
    raw = case.a.proof_path(ALICE).read_bytes().decode()
    for old, new in (
        ('"round":"2026-11",', '"round":"2026-11","round":"2026-11",'),
        ('"index":', '"index":0,"index":'),
        ('"format":', '"user_id":"zoë","format":'),
    ):
        assert old in raw
        with pytest.raises(FormatError, match="duplicate key"):
            parse_inclusion(raw.replace(old, new, 1).encode(), "proof.json")
    st = case.a.statement.read_bytes().decode()
    with pytest.raises(FormatError, match="duplicate key"):
        parse_statement(st.replace('"hash": ', '"hash": "00",\n    "hash": ', 1).encode(), "s")


def test_truncated_and_extended_json(case: Case) -> None:
    data = case.a.proof_path(ALICE).read_bytes()
    assert data.endswith(b"}\n")
    step = max(1, len(data) // 60)
    for n in [*range(0, len(data) - 1, step), len(data) - 2]:
        with pytest.raises(FormatError):
            parse_inclusion(data[:n], "proof.json")
    for tail in (b"x", b"{}", b"\n{}", b"\x00", b"]"):
        with pytest.raises(FormatError):
            parse_inclusion(data + tail, "proof.json")
    st = case.a.statement.read_bytes()
    for n in range(0, len(st) - 1, max(1, len(st) // 30)):
        with pytest.raises(FormatError):
            parse_statement(st[:n], "statement.json")
    with pytest.raises(FormatError):
        parse_statement(st + b"{}", "statement.json")


def _binary(case: Case) -> bytes:
    return case.proof().to_binary()


def _binary_offsets(proof: InclusionProof) -> tuple[int, int]:
    """Offsets of the leaf index and the first balance in the binary encoding."""
    off = 4 + 5 + 1 + len(proof.round_id.encode()) + 2 + len(proof.user_id.encode())
    off += sum(1 + len(a.symbol) + 1 for a in proof.params.assets) + 32
    return off, off + 8


def test_truncated_and_extended_binary(case: Case) -> None:
    data = _binary(case)
    proof = parse_inclusion(data, "proof.bin")
    assert proof == case.proof()
    index_at, _ = _binary_offsets(proof)
    lengths = (
        set(range(0, index_at + 80)) | set(range(index_at + 80, len(data), 53)) | {len(data) - 1}
    )
    for n in sorted(lengths):
        with pytest.raises(FormatError):
            parse_inclusion(data[:n], "proof.bin")
    for tail in (b"\x00", b"ZKSP", bytes(33)):
        with pytest.raises(FormatError, match="trailing bytes"):
            parse_inclusion(data + tail, "proof.bin")


def test_binary_single_byte_changes_never_pass(case: Case) -> None:
    """One byte changed at a sample of positions: FormatError or a failed check, never valid."""
    data = _binary(case)
    passed = []
    index_at, _ = _binary_offsets(case.proof())
    for pos in [*range(0, index_at + 80, 3), *range(index_at + 80, len(data), 61), len(data) - 1]:
        bad = bytearray(data)
        bad[pos] ^= 0x01
        if (
            _outcome(lambda b=bytes(bad): verify_inclusion(case.statement, parse_inclusion(b, "p")))
            == "PASSED"
        ):
            passed.append(pos)
    assert passed == []


NUMBERS: list[tuple[str, Any]] = [
    ("leaf.balances.0", 1 << 32),
    ("leaf.balances.0", -1),
    ("leaf.balances.0", N - 1),
    ("leaf.balances.1", 1 << 64),
    ("leaf.balances.0", 1.0),
    ("leaf.balances.0", True),
    ("leaf.balances.0", "150000000"),
    ("leaf.balances.0", None),
    ("leaf.index", 1 << 4),
    ("leaf.index", -1),
    ("leaf.index", 1 << 64),
    ("leaf.index", 3.0),
    ("params.height", 1),
    ("params.height", 65),
    ("params.bits", 0),
    ("params.bits", 12),
    ("params.assets.0.decimals", 19),
    ("params.assets.0.decimals", -1),
]


@pytest.mark.parametrize(("path", "value"), NUMBERS, ids=[f"{p}={v!r}" for p, v in NUMBERS])
def test_numbers_out_of_range_in_json(case: Case, path: str, value: Any) -> None:
    doc = case.doc()
    keys = path.split(".")
    obj: Any = doc
    for k in keys[:-1]:
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    if isinstance(obj, list):
        obj[int(keys[-1])] = value
    else:
        obj[keys[-1]] = value
    with pytest.raises(FormatError):
        verify_doc(case.statement, doc)


def test_numbers_out_of_range_in_binary(case: Case) -> None:
    data = _binary(case)
    proof = parse_inclusion(data, "p")
    index_at, balance_at = _binary_offsets(proof)
    assert int.from_bytes(data[index_at : index_at + 8], "big") == proof.leaf_index
    assert int.from_bytes(data[balance_at : balance_at + 8], "big") == proof.balances[0]
    for at, value, what in (
        (balance_at, 1 << 32, "balance"),
        (balance_at, (1 << 64) - 1, "balance"),
        (index_at, 1 << 4, "leaf index"),
        (index_at, (1 << 64) - 1, "leaf index"),
    ):
        bad = data[:at] + value.to_bytes(8, "big") + data[at + 8 :]
        with pytest.raises(FormatError, match=what):
            parse_inclusion(bad, "proof.bin")
    # header: height 1, 65; bits 12; mode 2; zero assets
    for at, byte in ((6, 1), (6, 65), (7, 12), (5, 2), (8, 0)):
        bad = bytearray(data)
        bad[at] = byte
        with pytest.raises(FormatError):
            parse_inclusion(bytes(bad), "proof.bin")


def test_statement_and_proof_files_through_the_cli(case: Case, tmp_path: Path) -> None:
    """The command's exit codes for the same kinds of tampering: 1 names the check, 2 bad input."""
    from solvency_rounds import verify

    doc = case.doc()
    _swap_siblings(doc, case)
    bad = tmp_path / "swapped.json"
    bad.write_bytes(dumps(doc))
    res = verify("inclusion", "--statement", str(case.a.statement), "--proof", str(bad))
    assert res.rc == 1
    assert "INVALID: check 'root' failed" in res.stdout
    res = verify(
        "inclusion", "--statement", str(case.a.statement), "--proof", str(case.b.proof_path(ALICE))
    )
    # files that do not belong together are bad input (exit 2), named, not a failed check
    assert res.rc == 2
    assert f"{case.b.proof_path(ALICE)}: this proof is for round {OTHER_ROUND} (" in res.stderr
    assert f"the statement for round {ROUND} (" in res.stderr
    trunc = tmp_path / "truncated.bin"
    trunc.write_bytes(_binary(case)[:-1])
    res = verify("inclusion", "--statement", str(case.a.statement), "--proof", str(trunc))
    assert res.rc == 2
    assert "truncated" in res.stderr


MALFORMED: list[tuple[str, bytes]] = [
    ("deep arrays", b"[" * 100_000 + b"]" * 100_000),
    ("deep objects", b'{"a":' * 5_000 + b"1" + b"}" * 5_000),
    ("huge string", b'{"format": "' + b"x" * 1_500_000 + b'"}'),
    ("huge integer", b'{"round": ' + b"9" * 100_000 + b"}"),
    ("over the size limit", b" " * (2 * 1024 * 1024 + 1)),
    ("byte order mark", b"\xef\xbb\xbf{}"),
    ("UTF-16", '{"format": 1}'.encode("utf-16")),
    ("not JSON", b"ZKS"),
    ("a list", b"[]"),
]


@pytest.mark.parametrize("blob", [b for _, b in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_malformed_json_is_a_format_error_in_bounded_time(blob: bytes) -> None:
    import time

    t = time.perf_counter()
    with pytest.raises(FormatError):
        parse_inclusion(blob, "proof.json")
    with pytest.raises(FormatError):
        parse_statement(blob, "statement.json")
    assert time.perf_counter() - t < 2.0


def test_another_generator_table_in_both_files(case: Case) -> None:
    """A statement and proof that agree on a generator table other than the pinned one."""
    doc, st = case.doc(), case.a.statement_json()
    doc["params"]["generators"] = st["params"]["generators"] = "00" * 32
    statement = parse_statement(dumps(st), "statement.json")
    assert_check("generators", lambda: verify_doc(statement, doc))
    assert_check("generators", lambda: verify_root(statement))
