"""The verifier stands alone (DESIGN.md, "the one rule of dependencies"): `verifier` and
`circuits` import and run with `prover` unavailable, also with every compiled extension blocked
(gmpy2, coincurve, cffi, numpy: the plain-int fallback a browser runs), and no file of theirs
imports `prover`."""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path

import pytest
from solvency_rounds import (
    ASSETS,
    EXCHANGE,
    EXCHANGE_PK,
    EXCHANGE_SK,
    PYTHON,
    REPO,
    USERS,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    prove,
    reserves_doc,
    shared,
    totals_of,
    write_json,
    write_secret,
)

# Run in a fresh interpreter: `prover` is made unimportable first (two ways), then every
# module of verifier/ and circuits/ is imported and the command verifies earlier proofs.
SCRIPT = r"""
import importlib, importlib.abc, json, pkgutil, sys

how, args = sys.argv[1], json.loads(sys.argv[2])
# "no-extensions" also blocks every compiled module, as a browser under Pyodide lacks them
COMPILED = ("gmpy2", "coincurve", "_cffi_backend", "cffi", "numpy")
if how in ("finder", "no-extensions"):
    class BlockProver(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            parts = name.split(".")
            if parts[0] == "prover" or (
                how == "no-extensions" and (parts[0] in COMPILED or "native" in parts)
            ):
                raise ImportError(f"{name} is blocked in this test")
            return None
    sys.meta_path.insert(0, BlockProver())
else:
    sys.modules["prover"] = None
try:
    import prover  # noqa: F401
except ImportError:
    pass
else:
    sys.exit("prover is importable")

import circuits, verifier
names = []
for pkg in (circuits, verifier):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        if ".native" in info.name or info.name.endswith("__main__"):
            continue  # the optional compiled backend; __main__ runs the command
        if how == "no-extensions" and info.name == "circuits.group.backend_secp":
            continue  # coincurve's backend, blocked on purpose
        importlib.import_module(info.name)
        names.append(info.name)

from verifier.cli import main
codes = [main(a) for a in args]
loaded = sorted(
    m for m, mod in sys.modules.items()
    if (m == "prover" or m.startswith("prover.")) and mod is not None
)
import circuits.bigint
print("RESULT " + json.dumps({"codes": codes, "modules": names, "prover_modules": loaded,
                             "gmpy2": circuits.bigint.GMPY2}))
"""


def _make_standalone(base: Path) -> tuple[Round, Path, Path]:
    totals = totals_of(USERS, ASSETS)
    spec = {
        "BTC": AssetSpec("bitcoin", 870_000, [WalletSpec(1, totals["BTC"] + 5)]),
        "USDT": AssetSpec("ethereum", 21_000_000, [WalletSpec(3, totals["USDT"])]),
    }
    res = write_json(base / "reserves.json", reserves_doc(EXCHANGE, "2026-11", spec))
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    rnd = build_round(
        base, mode="per-node",
        extra=["--exchange", EXCHANGE, "--reserves", str(res), "--disclose", "USDT",
               "--exchange-key", str(key)],
    )  # fmt: skip
    binary = base / "alice.bin"
    out = prove("proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", "alice",
                "--format", "bin", "--output", str(binary))  # fmt: skip
    assert out.rc == 0
    bundle = base / "bundle"
    out = prove("export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key),
                "--bundle", str(bundle), "--workers", "1")  # fmt: skip
    assert out.rc == 0
    return rnd, binary, bundle


@pytest.fixture(scope="session")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Round, Path, Path]:
    return shared(tmp_path_factory, "standalone", _make_standalone)


@pytest.mark.parametrize("how", ["finder", "sys.modules", "no-extensions"])
def test_verifier_runs_with_prover_unavailable(made: tuple[Round, Path, Path], how: str) -> None:
    rnd, binary, bundle = made
    st = str(rnd.statement)
    args = [
        ["inclusion", "--statement", st, "--proof", str(rnd.proof_path("zoë")), "--user-id",
         "zoë", "--expect", "BTC=0.00000001", "--exchange-key", EXCHANGE_PK],
        ["inclusion", "--statement", st, "--proof", str(binary), "--user-id", "alice"],
        ["inclusion", "--statement", st, "--proof", str(binary), "--user-id", "bob"],
        ["statement", st, "--exchange-key", EXCHANGE_PK],
        ["--backend", "python", "statement", st],
        ["audit", "--statement", st, "--bundle", str(bundle)],
        ["user-key", "--round", "2026-11", "alice"],
    ]  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    if how == "no-extensions":
        env["ZKSOLVENCY_BACKEND"] = "python"  # libsecp256k1 (coincurve) is blocked
    proc = subprocess.run(
        [PYTHON, "-c", SCRIPT, how, json.dumps(args)],
        capture_output=True, env=env, cwd=rnd.dir.parent, timeout=300, check=False,
    )  # fmt: skip
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode() + out
    result = json.loads(out.rsplit("RESULT ", 1)[1])
    assert result["codes"] == [0, 0, 1, 0, 0, 0, 0]
    assert result["prover_modules"] == []
    assert result["gmpy2"] is (how != "no-extensions")
    for name in ("verifier.cli", "verifier.liabilities", "verifier.solvency", "verifier.reserves_v1", "verifier.reserves",
                 "verifier.ownership.verify",
                 "circuits.rangeproof", "circuits.bip340", "circuits.merkle"):  # fmt: skip
        assert name in result["modules"]
    assert "check 'user-id' failed" in out
    assert out.count("VALID: your balances are included") == 2


def _imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_file_of_verifier_or_circuits_imports_prover(tmp_path: Path) -> None:
    files = sorted([*(REPO / "verifier").rglob("*.py"), *(REPO / "circuits").rglob("*.py")])
    assert len(files) >= 15
    bad = []
    for path in files:
        for line, module in _imports_of(path):
            if module.lstrip(".").split(".")[0] == "prover" or module.startswith(".."):
                bad.append(f"{path.relative_to(REPO)}:{line}: imports {module}")
    assert bad == []
    # the check itself sees each way of importing
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from prover.build import build\nimport prover.cli as c\n"
        "def f():\n    import importlib\n    return importlib.import_module('prover.regen')\n"
    )
    assert sorted(_imports_of(probe)) == [
        (1, "prover.build"), (2, "prover.cli"), (4, "importlib"), (5, "prover.regen"),
    ]  # fmt: skip
