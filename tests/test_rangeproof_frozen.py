"""Frozen range-proof vectors (tests/vectors/rangeproof_frozen.json): proofs made once with a
seeded entropy must keep verifying on both backends, and the prover must still produce them
byte for byte. Regenerate (only on a deliberate protocol or generator change):
PYTHONPATH=. python tests/vectors/make_rangeproof_frozen.py"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from circuits import rangeproof as rp
from circuits.errors import VerificationError
from circuits.generators import GENERATORS_DIGEST
from circuits.group import Point
from circuits.pedersen import commit
from circuits.transcript import Transcript

VECTORS = Path(__file__).parent / "vectors"
DATA: dict[str, Any] = json.loads((VECTORS / "rangeproof_frozen.json").read_text())
CASES = DATA["cases"]


def _transcript() -> Transcript:
    t = Transcript(DATA["transcript_label"].encode())
    ctx = DATA["transcript_context"]
    t.append_message(ctx["label"].encode(), ctx["message"].encode())
    return t


def test_vectors_match_the_pinned_generators() -> None:
    assert DATA["generators_digest"] == GENERATORS_DIGEST
    assert DATA["protocol"] == rp.RANGEPROOF_LABEL.decode()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"n{c['n']}-m{c['m']}-{c['entropy_seed']}")
def test_frozen_proof_verifies(backend: str, case: dict[str, Any]) -> None:
    n, m = case["n"], case["m"]
    commitments = [Point.from_bytes(bytes.fromhex(c)) for c in case["commitments"]]
    proof = rp.RangeProof.from_bytes(bytes.fromhex(case["proof"]), n, m)
    rp.verify(proof, commitments, n, _transcript())
    for V, v, g in zip(commitments, case["values"], case["blindings"], strict=True):
        assert V == commit(int(v), int(g))
    assert proof.to_bytes().hex() == case["proof"]


@pytest.mark.parametrize("case", CASES[:2], ids=lambda c: f"n{c['n']}-{c['entropy_seed']}")
def test_frozen_proof_rejects_other_context(case: dict[str, Any]) -> None:
    n, m = case["n"], case["m"]
    commitments = [Point.from_bytes(bytes.fromhex(c)) for c in case["commitments"]]
    proof = rp.RangeProof.from_bytes(bytes.fromhex(case["proof"]), n, m)
    t = Transcript(DATA["transcript_label"].encode())
    with pytest.raises(VerificationError):
        rp.verify(proof, commitments, n, t)


def test_prover_reproduces_the_vectors() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_frozen", VECTORS / "make_rangeproof_frozen.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == DATA
