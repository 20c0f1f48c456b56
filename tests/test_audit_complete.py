"""A complete audit (issue 11, section 3): the audit/v2 bundle proves every padding node is
padding (the salt of its hash and the blindings that open it to zero), so a subtree dropped
from the bundle cannot pass for padding; the bundle is private (0700 folder, 0600 files); an
audit/v1 bundle is still read, with a message that says completeness is not shown."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from audit_rounds import Audit, audit_round
from solvency_rounds import verify

from circuits.errors import FormatError, VerificationError
from circuits.group import N
from prover.regen import export_audit
from prover.store import Store
from prover.tree import DERIVATION
from verifier.formats import (
    AUDIT_HEADER,
    AuditNode,
    Padding,
    Statement,
    parse_inclusion,
    parse_statement,
)
from verifier.liabilities import verify_audit


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    return audit_round(tmp_path_factory)


def assert_check(check: str, levels: list[list[AuditNode]], audit: Audit) -> str:
    with pytest.raises(VerificationError) as exc:
        verify_audit(audit.statement, levels)
    assert exc.value.check == check, str(exc.value)
    return str(exc.value)


def pruned(audit: Audit) -> tuple[list[list[AuditNode]], AuditNode]:
    """The bundle with the two leaves below a real node at depth H-1 removed: that node now
    looks like the root of an empty subtree."""
    levels = audit.levels()
    leaves, above = levels[0], levels[1]
    real = {n.index for n in leaves if n.padding is None}
    target = next(n for n in above if {2 * n.index, 2 * n.index + 1} & real)
    levels[0] = [n for n in leaves if n.index >> 1 != target.index]
    return levels, target


def test_v2_bundle_is_complete_and_private(audit: Audit) -> None:
    res = verify_audit(audit.statement, audit.levels())
    assert res.leaves == len(audit.rnd.balances) == 6
    assert res.padding > 0 and res.unproven == 0
    nodes = [n for level in audit.levels() for n in level]
    assert sum(n.padding is not None for n in nodes) == res.padding
    assert stat.S_IMODE(audit.bundle.stat().st_mode) == 0o700
    for f in audit.bundle.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    out = verify("audit", "--statement", str(audit.rnd.statement), "--bundle", str(audit.bundle))
    assert out.rc == 0, out.text
    assert "no subtree was pruned" in out.text
    assert f"one of {res.leaves} leaves or one of {res.padding} padding nodes" in out.text
    assert (
        "VALID: every node of the tree is well formed and in range, and nothing was pruned."
        in out.text
    )


def test_pruned_subtree_is_refused(audit: Audit) -> None:
    levels, target = pruned(audit)
    msg = assert_check("audit-tree", levels, audit)
    assert msg == (
        f"node ({target.depth}, {target.index}) has no children and no proof that it is "
        "padding: a subtree may have been pruned"
    )
    # what an audit/v1 reader could not see
    res = verify_audit(audit.statement, levels, complete=False)
    assert res.unproven >= 1


def test_real_node_passed_off_as_padding(audit: Audit) -> None:
    levels, target = pruned(audit)
    fake = dataclasses.replace(target, padding=Padding(b"\x01" * 32, (1, 2)))
    levels[1] = [fake if n.index == target.index else n for n in levels[1]]
    msg = assert_check("audit-padding", levels, audit)
    assert "claims to be padding" in msg


def test_zero_balance_user_passed_off_as_padding(audit: Audit) -> None:
    """bob's balances are all zero, so his leaf opens to zero with his own blindings: only the
    padding hash's preimage tells his leaf from padding (else a user could be hidden)."""
    index = parse_inclusion(audit.rnd.proof_path("bob").read_bytes(), "bob").leaf_index
    values, blindings = audit.opening(audit.statement.params.height, index)
    assert values == [0, 0]
    levels = audit.levels()
    levels[0] = [
        dataclasses.replace(n, padding=Padding(b"\x02" * 32, tuple(b % N for b in blindings)))
        if n.index == index
        else n
        for n in levels[0]
    ]
    msg = assert_check("audit-padding", levels, audit)
    assert msg == (
        f"node ({audit.statement.params.height}, {index}) claims to be padding but its hash is "
        "not H(padding | position | salt)"
    )


def _with_padding_changed(audit: Audit, change: str) -> list[list[AuditNode]]:
    levels = audit.levels()
    for k, level in enumerate(levels):
        for j, n in enumerate(level):
            if n.padding is not None:
                p = n.padding
                if change == "blinding":
                    pad = Padding(p.salt, ((p.blindings[0] + 1) % N, *p.blindings[1:]))
                elif change == "zero":
                    pad = Padding(p.salt, (0, *p.blindings[1:]))
                else:
                    pad = Padding(bytes([p.salt[0] ^ 1]) + p.salt[1:], p.blindings)
                levels[k][j] = dataclasses.replace(n, padding=pad)
                return levels
    raise AssertionError("no padding node")


@pytest.mark.parametrize("change", ["blinding", "zero", "salt"])
def test_wrong_padding_proof(audit: Audit, change: str) -> None:
    msg = assert_check("audit-padding", _with_padding_changed(audit, change), audit)
    want = "its hash is not" if change == "salt" else "a commitment does not open to zero"
    assert want in msg


def test_padding_claimed_by_a_node_with_children(audit: Audit) -> None:
    levels = audit.levels()
    pad = next(n.padding for n in levels[0] if n.padding is not None)
    root = levels[-1][0]
    levels[-1] = [dataclasses.replace(root, padding=pad)]
    msg = assert_check("audit-padding", levels, audit)
    assert msg == "node (0, 0) has children but claims to be padding"


def _v1_copy(audit: Audit, tmp_path: Path) -> Path:
    """The bundle as audit/v1 wrote it: no header, no padding proofs."""
    v1 = tmp_path / "v1"
    v1.mkdir()
    lines = []
    for line in (audit.bundle / "nodes.jsonl").read_bytes().splitlines():
        doc = json.loads(line)
        doc.pop("padding", None)
        lines.append(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode())
    (v1 / "nodes.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return v1


def test_v1_bundle_read_with_an_honest_message(audit: Audit, tmp_path: Path) -> None:
    v1 = _v1_copy(audit, tmp_path)
    out = verify("audit", "--statement", str(audit.rnd.statement), "--bundle", str(v1), "--json")
    assert out.rc == 0, out.text
    doc = json.loads(out.stdout)
    assert doc["audit"]["complete"] is False
    assert doc["audit"]["format"] == "zk-solvency/audit/v1"
    out = verify("audit", "--statement", str(audit.rnd.statement), "--bundle", str(v1))
    assert "audit/v1 bundle (no bundle.json)" in out.text
    assert "completeness is not shown" in out.text
    assert "nothing was pruned" not in out.text


def test_header_of_another_round_or_format(audit: Audit, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(audit.bundle, bad)
    header = json.loads((bad / AUDIT_HEADER).read_bytes())
    for key, value, reason in (
        ("round", "2026-12", "this bundle is for round '2026-12'"),
        ("format", "zk-solvency/audit/v3", "this verifier reads 'zk-solvency/audit/v2'"),
        ("root", "00" * 32, "this bundle is of another tree"),
    ):
        (bad / AUDIT_HEADER).write_text(json.dumps({**header, key: value}))
        out = verify("audit", "--statement", str(audit.rnd.statement), "--bundle", str(bad))
        assert out.rc == 2, out.text
        assert reason in out.text and "Traceback" not in out.text


# -- a round built before tree keys (docs/PROTOCOL.md 6.6, the v1 derivation) ----------------

#: tests/fixtures/derivation-v1: its README says how it was made.
V1_ROUND = Path(__file__).parent / "fixtures" / "derivation-v1"


def _v1_round(tmp_path: Path, derivation: str | None = None) -> tuple[Path, Path]:
    """The v1-derivation round's folder (its store only) and master-secret file, in tmp_path;
    `derivation`, when given, is written into the store's key as if the build had recorded it."""
    out = tmp_path / "round"
    (out / "private").mkdir(parents=True)
    store = out / "private" / "state.sqlite"
    with gzip.open(V1_ROUND / "state.sqlite.gz") as src, store.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    if derivation is not None:
        with Store(store) as st:
            key = st.get_meta("key")
            key["derivation"] = derivation
            st.begin()
            st.set_meta("key", key)
            st.commit()
    secret = tmp_path / "master.key"
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, bytes.fromhex((V1_ROUND / "master.key.hex").read_text()))
    os.close(fd)
    return out, secret


def _bundle_levels(bundle: Path, statement: Statement) -> list[list[AuditNode]]:
    return Audit(None, bundle, statement).levels()  # type: ignore[arg-type]


def test_a_round_built_before_tree_keys_is_exported_and_fully_audited(tmp_path: Path) -> None:
    out, secret = _v1_round(tmp_path)
    bundle = tmp_path / "bundle"
    assert export_audit(out, str(secret), bundle, 1) == 29
    statement = parse_statement((V1_ROUND / "statement.json").read_bytes(), "statement.json")
    res = verify_audit(statement, _bundle_levels(bundle, statement))
    assert res.nodes == 29
    assert res.padding > 0  # the empty subtrees are proven padding by the v1 secrets


def test_the_derivation_recorded_in_the_store_chooses_the_padding_secrets(tmp_path: Path) -> None:
    """The same store read as if built with tree keys: no node is recognised as padding, so the
    bundle cannot show that nothing was pruned (the version record is what makes it work)."""
    out, secret = _v1_round(tmp_path, DERIVATION)
    bundle = tmp_path / "bundle"
    export_audit(out, str(secret), bundle, 1)
    statement = parse_statement((V1_ROUND / "statement.json").read_bytes(), "statement.json")
    with pytest.raises(VerificationError) as exc:
        verify_audit(statement, _bundle_levels(bundle, statement))
    assert exc.value.check == "audit-tree", str(exc.value)
    assert "no proof that it is padding: a subtree may have been pruned" in str(exc.value)


def test_an_unknown_derivation_is_refused(tmp_path: Path) -> None:
    out, secret = _v1_round(tmp_path, "v9-future")
    with pytest.raises(FormatError) as exc:
        export_audit(out, str(secret), tmp_path / "bundle", 1)
    assert str(exc.value) == (
        f"{out}: unknown secrets derivation 'v9-future' (built by a newer version?)"
    )
    assert not (tmp_path / "bundle").exists()
