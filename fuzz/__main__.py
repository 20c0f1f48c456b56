"""`python -m fuzz`: make the seed corpora, replay them through every target, or fuzz one target
with atheris (coverage-guided, libFuzzer options passed through). README, "Fuzzing"."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _replay(root: Path, names: list[str]) -> int:
    """Run every file of each target's corpus folder through the target, without atheris."""
    from fuzz.targets import TARGETS

    total = 0
    for name in names:
        folder = root / name
        files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        if not files:
            print(
                f"{name}: no inputs in {folder}: run `python -m fuzz seeds` first", file=sys.stderr
            )
            return 2
        t = time.perf_counter()
        for path in files:
            try:
                TARGETS[name](path.read_bytes())
            except Exception:
                print(f"{name}: CRASH on {path}", file=sys.stderr)
                raise
        total += len(files)
        print(f"{name}: {len(files)} inputs, no crash ({time.perf_counter() - t:.1f} s)")
    return 0


def _fuzz(name: str, root: Path, libfuzzer_args: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["fuzz", "verifier", "circuits", "prover"]):
        from fuzz.targets import TARGETS
    target = TARGETS[name]
    corpus = root / name
    # the corpus folder is read first and receives every new interesting input
    argv = [sys.argv[0], *libfuzzer_args, str(corpus)]
    from fuzz.mutators import MUTATORS, json_mutator

    mutator = json_mutator(*MUTATORS[name]) if name in MUTATORS else None
    atheris.Setup(argv, target, custom_mutator=mutator)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    from fuzz import TARGET_NAMES, corpus_root

    ap = argparse.ArgumentParser(
        prog="python -m fuzz",
        description="Fuzz the decoders of untrusted input. Corpus root: $ZKSOLVENCY_FUZZ_CORPUS "
        "or fuzz/corpus (git-ignored).",
    )
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("seeds", help="build tiny rounds and write the seed corpora")
    p = sub.add_parser("replay", help="run each target over its corpus (no atheris needed)")
    p.add_argument("targets", nargs="*", choices=[[], *TARGET_NAMES], default=[])
    p = sub.add_parser(
        "run",
        help="fuzz one target with atheris; extra options go to libFuzzer, e.g. "
        "-max_total_time=600 -rss_limit_mb=2048 -timeout=20",
    )
    p.add_argument("target", choices=TARGET_NAMES)
    args, rest = ap.parse_known_args(argv)
    root = corpus_root()
    if args.command == "seeds":
        from fuzz.seeds import make_seeds

        for name, n in make_seeds(root).items():
            print(f"{root / name}: {n} seeds")
        return 0
    if rest and args.command != "run":
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "replay":
        return _replay(root, list(args.targets) or list(TARGET_NAMES))
    os.environ.setdefault("ZKSOLVENCY_FUZZ_CORPUS", str(root))
    _fuzz(args.target, root, rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
