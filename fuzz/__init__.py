"""Coverage-guided fuzzing (atheris) of every decoder of untrusted input: harnesses, seed corpora
made from a tiny round, and the runner (`python -m fuzz --help`; README, "Fuzzing").

This module imports nothing of the project, so that `python -m fuzz run` can instrument every
project module as it is first imported."""

from __future__ import annotations

import os
from pathlib import Path

#: The targets (functions of `fuzz.targets`), one per decoder of untrusted input.
TARGET_NAMES = ("statement", "inclusion", "reserves", "audit", "snapshot", "anchor", "transaction")

DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_root() -> Path:
    """$ZKSOLVENCY_FUZZ_CORPUS, or fuzz/corpus (git-ignored)."""
    return Path(os.environ.get("ZKSOLVENCY_FUZZ_CORPUS") or DEFAULT_CORPUS)
