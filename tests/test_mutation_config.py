"""The mutation-testing setup stays valid (cheap; CI does not run the campaign): mutmut's
configuration names files that exist, and every hand mutant of scripts/hand_mutants.py still
applies to the code (its text occurs exactly once) and names tests that exist."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mutmut_configuration_names_existing_files() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    for path in cfg["source_paths"] + cfg["also_copy"]:
        assert (ROOT / path).exists(), path
    for pattern in cfg["only_mutate"]:
        assert list(ROOT.glob(pattern)), pattern
    for test in cfg["pytest_add_cli_args_test_selection"]:
        assert (ROOT / test).is_file(), test
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(d.startswith("mutmut") for d in extras["mutation"])


def test_hand_mutants_still_apply() -> None:
    spec = importlib.util.spec_from_file_location(
        "hand_mutants", ROOT / "scripts" / "hand_mutants.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    assert len(mod.MUTANTS) >= 19
    for m in mod.MUTANTS:
        text = (ROOT / m.file).read_text(encoding="utf-8")
        assert text.count(m.old) == 1, f"{m.name}: the mutated text is gone or ambiguous"
        for test in m.tests:
            file, _, name = test.partition("::")
            assert f"def {name}(" in (ROOT / file).read_text(encoding="utf-8"), test
