"""The fuzz harnesses cannot rot: seeds are made from a tiny round, every target runs over its
seeds without a crash, every crash the fuzzer found stays fixed (tests/fuzz_regressions/), and
(where atheris is installed) one short coverage-guided run goes through `python -m fuzz run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from solvency_rounds import PYTHON, REPO, shared

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from fuzz import TARGET_NAMES

REGRESSIONS = Path(__file__).parent / "fuzz_regressions"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fuzz.seeds import make_seeds

    def make(base: Path) -> Path:
        make_seeds(base / "corpus")
        return base / "corpus"

    root = shared(tmp_path_factory, "fuzz-corpus", make)
    os.environ["ZKSOLVENCY_FUZZ_CORPUS"] = str(root)
    from fuzz import targets

    targets.context.cache_clear()
    return root


def test_every_target_is_listed() -> None:
    from fuzz.targets import TARGETS

    assert tuple(TARGETS) == TARGET_NAMES


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_each_target_runs_over_its_seeds(corpus: Path, name: str) -> None:
    from fuzz.targets import TARGETS

    seeds = sorted((corpus / name).iterdir())
    assert seeds
    for seed in seeds:
        TARGETS[name](seed.read_bytes())


def _regressions() -> list[Path]:
    return sorted(REGRESSIONS.glob("*/*")) if REGRESSIONS.is_dir() else []


@pytest.mark.parametrize("case", _regressions(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_crashes_found_by_the_fuzzer_stay_fixed(corpus: Path, case: Path) -> None:
    from fuzz.targets import TARGETS

    TARGETS[case.parent.name](case.read_bytes())


def test_a_short_coverage_guided_run(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    work = tmp_path / "corpus"
    work.mkdir()
    (work / "_context").symlink_to(corpus / "_context")
    (work / "reserves").mkdir()
    for seed in (corpus / "reserves").iterdir():
        (work / "reserves" / seed.name).write_bytes(seed.read_bytes())
    env = {**os.environ, "ZKSOLVENCY_FUZZ_CORPUS": str(work), "PYTHONPATH": str(REPO)}
    res = subprocess.run(
        [PYTHON, "-m", "fuzz", "run", "reserves", "-runs=2000", "-seed=1",
         f"-artifact_prefix={tmp_path}/"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Done 2000 runs" in res.stderr
    assert "no interesting inputs were found" not in res.stderr  # the code is instrumented


def test_targets_import_everything_at_the_top() -> None:
    """`python -m fuzz run` instruments the modules imported with fuzz.targets: an import inside
    a target would run uninstrumented (the snapshot target once fuzzed blind this way)."""
    import ast

    tree = ast.parse((REPO / "fuzz" / "targets.py").read_text(encoding="utf-8"))
    late = [
        node.lineno
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert late == []


def test_anchor_seeds_pass_the_offline_check(corpus: Path) -> None:
    """The anchor seeds start the fuzzer deep inside the check: each is the declared anchor's
    own signed transaction of the aggregated seed statement, of each supported type."""
    from fuzz.targets import context
    from verifier.chain.anchor import check_anchor_record, parse_anchor_record

    kinds = set()
    for seed in sorted((corpus / "anchor").iterdir()):
        kinds.add(
            check_anchor_record(
                context(0), parse_anchor_record(seed.read_bytes(), seed.name)
            ).tx_type
        )
    assert len(kinds) == 3
