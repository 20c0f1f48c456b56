"""The benchmarks' size model against real artifacts, and a smoke run of every subcommand at its
smallest grid point (benchmarks are not tests: this only checks that they run and agree with
the model)."""

from __future__ import annotations

import csv
import itertools
import statistics
from pathlib import Path

import pytest

from benchmarks import grid, model, report
from benchmarks.__main__ import main
from circuits.rangeproof import proof_size
from verifier.formats import parse_inclusion, parse_statement

# (mode, assets, bits): both modes, 1 to 3 assets, every range size
ROUNDS = [
    ("aggregated", 1, 64),
    ("per-node", 1, 64),
    ("aggregated", 3, 16),
    ("per-node", 2, 32),
    ("aggregated", 2, 8),
    ("per-node", 3, 8),
    ("aggregated", 2, 128),
]
USERS = ["anna", "müller-李雷", 'o\'brien "x" \\ é']


ASSETS = (("BTC", 2), ("ETH", 1), ("USDT", 18))  # totals below 2^8 base units


def _snapshot(path: Path, k: int) -> dict[str, int]:
    syms = [s for s, _d in ASSETS[:k]]
    rows = [
        ["0", "12.5", "0.000000000000000001"],
        ["1.23", "0", "0.000000000000000007"],
        ["0.5", "3", "0"],
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user_id", *syms])
        for uid, vals in zip(USERS, rows, strict=True):
            w.writerow([uid, *vals[:k]])
    return dict(ASSETS[:k])


@pytest.mark.parametrize(("mode", "k", "bits"), ROUNDS)
def test_model_equals_real_artifacts(tmp_path: Path, mode: str, k: int, bits: int) -> None:
    from prover.build import BuildConfig, build
    from prover.secrets import MasterSecret

    snap = tmp_path / "s.csv"
    assets = _snapshot(snap, k)
    exchange = "Bench Ex é" if k == 2 else None
    snapshot_time = "2026-11-22T00:00:00Z" if k == 3 else None
    cfg = BuildConfig(
        snapshot=snap,
        round_id="r-2026.11:22",
        assets=assets,
        out=tmp_path / "out",
        height=4,
        bits=bits,
        mode=mode,
        workers=1,
        progress=False,
        snapshot_time=snapshot_time,
        exchange=exchange,
    )
    result = build(cfg, MasterSecret(bytes(range(32))))
    shape = model.Shape(4, bits, mode, ASSETS[:k], "r-2026.11:22")
    statement = (tmp_path / "out" / "public" / "statement.json").read_bytes()
    parse_statement(statement)
    assert len(statement) == model.statement_json_bytes(shape, snapshot_time, exchange)
    files = sorted((tmp_path / "out" / "users").iterdir())
    assert len(files) == len(USERS)
    leaves = []
    for f in files:
        raw = f.read_bytes()
        proof = parse_inclusion(raw, f.name)
        assert len(raw) == model.inclusion_json_bytes(
            shape, proof.user_id, proof.leaf_index, proof.balances
        )
        binary = proof.to_binary()
        assert len(binary) == model.inclusion_binary_bytes(shape, proof.user_id)
        assert parse_inclusion(binary, "bin") == proof
        carried = proof.path_proof if mode == "aggregated" else b"".join(proof.node_proofs or ())
        assert len(carried or b"") == model.proof_bytes(4, k, bits, mode)
        leaves.append(proof.leaf_index)
    if mode == "per-node":
        # the round's proofs: the root's, and one per node that is a sibling on some path
        siblings = {(d, (i >> (4 - d)) ^ 1) for i in leaves for d in range(1, 5)}
        assert result.proofs == len(siblings) + 1 == model.node_proofs_exact(leaves, 4) + 1


def test_range_proof_model() -> None:
    for n in (8, 16, 32, 64):
        for m in range(1, 1025):
            if n * model.next_pow2(m) <= 65536:
                assert model.range_proof_bytes(n, m) == proof_size(n, model.next_pow2(m))
    assert model.range_proof_bytes(64, 1) == 688


def test_node_proof_counts() -> None:
    """The expected count equals the mean of the exact count over every placement."""
    for users, h in ((1, 3), (2, 3), (3, 4), (5, 5)):
        exact = [model.node_proofs_exact(c, h) for c in itertools.combinations(range(2**h), users)]
        assert model.node_proofs_expected(users, h) == pytest.approx(statistics.fmean(exact))
    assert model.node_proofs_exact([0], 3) == 3  # a lone user: one sibling per level
    assert model.node_proofs_exact([0, 1], 3) == 4  # two leaf siblings, then one per level


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


SMALLEST = ["--users", "4", "--height", "4", "--assets", "1", "--bits", "8", "--repeat", "1"]
SMALLEST += ["--sample", "0", "--batch", "2", "--backend", "libsecp256k1"]


def test_smoke_every_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res"
    rp = ["--backend", "libsecp256k1", "--bits", "8", "--m", "1", "--repeat", "1", "--batch", "2"]
    assert main(["rangeproof", *rp, "--results", str(out)]) == 0
    assert _rows(out / "rangeproof.csv")
    # tree: in a fresh process, as a real run measures it
    assert main(["tree", *SMALLEST, "--mode", "aggregated", "--results", str(out)]) == 0
    (tree,) = _rows(out / "tree.csv")
    assert tree["model_ok"] == "1"
    assert tree["proofs_extrapolated"] == "no"
    assert int(tree["proofs_made"]) == 4 + 1  # one path proof per user, and the root's
    assert tree["git_commit"] and tree["cpu_model"] and tree["python"]
    assert float(tree["verify_ms"]) > 0 and float(tree["peak_rss_mb"]) > 0
    verify = ["verify", *SMALLEST, "--mode", "per-node", "--in-process", "--results", str(out)]
    assert main(verify) == 0
    (row,) = _rows(out / "verify.csv")
    assert row["model_ok"] == "1" and float(row["verify_batch_ms_per_proof"]) > 0
    assert main(["model", "--height", "32", "--assets", "1"]) == 0
    args = ["--users", "2", "--tree-users", "3", "--repeat", "1", "--no-dask"]
    assert main(["targets", *args, "--results", str(out)]) == 0
    rows = list(csv.DictReader((out / "targets.csv").open()))
    assert [r["target"] for r in rows][:2] == ["proof_aggregated_s", "rangeproof_m1_prove_units"]
    assert {r["met"] for r in rows} <= {"yes", "no"}
    assert "4294967296" in capsys.readouterr().out
    summary = (out / "SUMMARY.md").read_text(encoding="utf-8")
    assert "published, not measured here" in summary
    for name, _title in report.PLOTS:
        assert (out / name).stat().st_size > 0
    everything = tmp_path / "all"
    args = [*SMALLEST, "--mode", "per-node", "--in-process", "--skip", "rangeproof,targets"]
    assert main(["all", *args, "--results", str(everything)]) == 0
    for name in ("tree.csv", "verify.csv", "SUMMARY.md", report.PLOTS[0][0]):
        assert (everything / name).exists()


def test_interrupt_keeps_measured_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = grid.measure_point
    calls = []

    def flaky(plan: object) -> dict[str, object]:
        calls.append(plan)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(plan)  # type: ignore[arg-type]

    monkeypatch.setattr(grid, "measure_point", flaky)
    out = tmp_path / "res"
    assert main(["tree", *SMALLEST, "--in-process", "--results", str(out)]) == 130
    rows = _rows(out / "tree.csv")
    assert [r["mode"] for r in rows] == ["aggregated"]
