"""A round with its audit bundle, shared by the tests of the audit (built once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from solvency_rounds import Round, build_round, prove, shared

from prover.store import Store
from prover.tree import unpack_opening
from verifier.formats import AuditNode, Statement, parse_audit_line, parse_statement


@dataclass
class Audit:
    rnd: Round
    bundle: Path
    statement: Statement

    def levels(self) -> list[list[AuditNode]]:
        """The bundle's nodes, one list per depth, bottom-up (as the verifier reads them)."""
        out: dict[int, list[AuditNode]] = {}
        path = self.bundle / "nodes.jsonl"
        for n, line in enumerate(path.read_bytes().splitlines(), 1):
            node = parse_audit_line(line, self.statement.params, f"nodes.jsonl:{n}")
            out.setdefault(node.depth, []).append(node)
        return [out[d] for d in sorted(out, reverse=True)]

    def opening(self, depth: int, index: int) -> tuple[list[int], list[int]]:
        with Store(self.rnd.dir / "private" / "state.sqlite") as store:
            node = store.get_node(depth, index)
        assert node is not None
        return unpack_opening(node[2])


def audit_round(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    """A round of height 6 (room for orphans) and its audit bundle, built once per session."""

    def make(base: Path) -> tuple[Round, Path]:
        rnd = build_round(base, height=6, name="h6")
        bundle = base / "bundle"
        res = prove(
            "export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key),
            "--bundle", str(bundle), "--workers", "1",
        )  # fmt: skip
        assert res.rc == 0, res.text
        return rnd, bundle

    rnd, bundle = shared(tmp_path_factory, "broken-checks-audit", make)
    return Audit(rnd, bundle, parse_statement(rnd.statement.read_bytes(), "statement.json"))
