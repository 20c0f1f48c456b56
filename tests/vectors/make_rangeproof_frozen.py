"""Regenerate tests/vectors/rangeproof_frozen.json (frozen range-proof vectors).

    PYTHONPATH=. python tests/vectors/make_rangeproof_frozen.py [--check]

Each proof is made once with a seeded entropy (SHA-256("zk-solvency/frozen-entropy" || seed),
truncated to the requested size), so the output is deterministic. Only regenerate when the
protocol or the generator table changes on purpose (and say so in the commit); otherwise the
committed file must keep verifying (tests/test_rangeproof_frozen.py). With --check, exit 1 if
the file differs from what this script would write.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from circuits import rangeproof as rp
from circuits.generators import GENERATORS_DIGEST
from circuits.group import set_default_backend
from circuits.transcript import Transcript

PATH = Path(__file__).with_name("rangeproof_frozen.json")
LABEL = b"zk-solvency/test/rangeproof-frozen"
CONTEXT = b"frozen vectors v1"

CASES: list[dict[str, Any]] = [
    {"n": 64, "values": [1_000_000], "blindings": [0x1234], "seed": "a"},
    {"n": 64, "values": [2**64 - 1], "blindings": [1], "seed": "b"},
    {"n": 8, "values": [0], "blindings": [7], "seed": "c"},
    {"n": 32, "values": [0, 2**32 - 1], "blindings": [3, 4], "seed": "d"},
    {"n": 16, "values": [1, 2, 3, 65535], "blindings": [5, 6, 7, 8], "seed": "e"},
]


def entropy_for(seed: str) -> Callable[[int], bytes]:
    def entropy(size: int) -> bytes:
        return hashlib.sha256(b"zk-solvency/frozen-entropy" + seed.encode()).digest()[:size]

    return entropy


def transcript() -> Transcript:
    t = Transcript(LABEL)
    t.append_message(b"context", CONTEXT)
    return t


def build() -> dict[str, Any]:
    set_default_backend("libsecp256k1")
    cases = []
    for case in CASES:
        proof, commitments = rp.prove(
            case["values"],
            case["blindings"],
            case["n"],
            transcript(),
            entropy=entropy_for(case["seed"]),
        )
        cases.append(
            {
                "n": case["n"],
                "m": len(case["values"]),
                "values": [str(v) for v in case["values"]],
                "blindings": [str(g) for g in case["blindings"]],
                "entropy_seed": case["seed"],
                "commitments": [V.to_bytes().hex() for V in commitments],
                "proof": proof.to_bytes().hex(),
            }
        )
    set_default_backend(None)
    return {
        "description": "Bulletproofs range proofs made once with seeded entropy; must keep "
        "verifying. Regenerate: PYTHONPATH=. python tests/vectors/make_rangeproof_frozen.py",
        "protocol": rp.RANGEPROOF_LABEL.decode(),
        "generators_digest": GENERATORS_DIGEST,
        "transcript_label": LABEL.decode(),
        "transcript_context": {"label": "context", "message": CONTEXT.decode()},
        "entropy": "SHA-256('zk-solvency/frozen-entropy' || entropy_seed)[:size]",
        "cases": cases,
    }


def render() -> str:
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if PATH.read_text() == text else 1)
    PATH.write_text(text)
    print(f"wrote {PATH}")
