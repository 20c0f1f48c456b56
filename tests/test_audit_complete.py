"""A complete audit (issue 11, section 3): the audit/v2 bundle proves every padding node is
padding (the salt of its hash and the blindings that open it to zero), so a subtree dropped
from the bundle cannot pass for padding; the bundle is private (0700 folder, 0600 files); an
audit/v1 bundle is still read, with a message that says completeness is not shown."""

from __future__ import annotations

import dataclasses
import json
import shutil
import stat
from pathlib import Path

import pytest
from audit_rounds import Audit, audit_round
from solvency_rounds import verify

from circuits.errors import VerificationError
from circuits.group import N
from verifier.formats import AUDIT_HEADER, AuditNode, Padding, parse_inclusion
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
