"""The verifier's tests once more on the plain-int fallback (circuits.bigint without gmpy2,
ZKSOLVENCY_GMPY2=0, the pure-Python group backend by default): the arithmetic a browser runs
under Pyodide must give the same bytes and the same verdicts as gmpy2's."""

from __future__ import annotations

import os
import subprocess
import sys

from solvency_rounds import REPO

#: Test files of what the verifier runs (group, hash to curve, transcript, range-proof and
#: sigma verification, BIP-340, strict JSON, ids); the end-to-end check of whole proofs on the
#: fallback is in test_standalone_verifier.py ("no-extensions").
VERIFIER_TESTS = (
    "test_group.py",
    "test_hash_to_curve.py",
    "test_transcript.py",
    "test_pedersen.py",
    "test_rangeproof_frozen.py",
    "test_rangeproof_adversarial.py",
    "test_sigma.py",
    "test_bip340.py",
    "test_jsonstrict.py",
    "test_ids.py",
)


def test_bigint_falls_back_to_int() -> None:
    code = "import circuits.bigint as b; print(b.GMPY2, b.mpz is int, b.powmod is pow)"
    env = {**os.environ, "ZKSOLVENCY_GMPY2": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO,
        timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["False", "True", "True"]


def test_verifier_suite_on_plain_ints() -> None:
    env = {**os.environ, "ZKSOLVENCY_GMPY2": "0", "ZKSOLVENCY_BACKEND": "python"}
    env["HYPOTHESIS_PROFILE"] = "ci"  # fewer examples: this is the second run of these tests
    env.pop("PYTEST_XDIST_WORKER", None)
    files = [str(REPO / "tests" / f) for f in VERIFIER_TESTS]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", *files],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=False,
    )  # fmt: skip
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert " passed" in tail and "failed" not in tail, tail
