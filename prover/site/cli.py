"""`solvency-prove site`: the subcommand that writes the public static site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def cmd_site(args: argparse.Namespace) -> int:
    from prover.site.build import SiteError, build_site

    try:
        summary = build_site([Path(d) for d in args.round_dir], Path(args.out))
    except SiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {args.out}: {len(summary['rounds'])} round(s), latest {summary['latest']}")
    if not summary["bytecode"]:
        print(f"note: {summary['bytecode_note']}")
    print(
        f"try it: python -m http.server --directory {args.out} 8000, then open http://127.0.0.1:8000/"
    )
    return EXIT_OK


def add_site_command(sub: Any) -> None:
    p = sub.add_parser(
        "site",
        help="write the public static site (latest round, history, in-browser proof check)",
        description="Write a static site from the rounds' public statements only: index.html "
        "(latest round and history), a page per round, and verify.html, where customers check "
        "their proof in the browser with this project's verifier (Pyodide, fetched once with npm "
        "and checked against its pinned hash; no CDN). Each round's statement.json must verify.",
    )
    p.add_argument(
        "--round-dir",
        action="append",
        required=True,
        metavar="DIR",
        help="a round's folder holding statement.json (repeat for every round; only "
        "statement.json, and anchor.json when published, are read)",
    )
    p.add_argument(
        "--out", required=True, help="the site folder to write (replaced if made by this command)"
    )
    p.set_defaults(func=cmd_site)
