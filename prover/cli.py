"""`solvency-prove`: the exchange's command. Subcommands: keygen, user-key, build, proof, demo,
export-audit, site (and the reserves commands). Exit codes: 0 done, 2 bad input (nothing published),
3 insolvent (liabilities above reserves or a ratio not met: nothing published)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import set_default_backend
from prover.options import add_renamed, require
from prover.proving import default_workers
from prover.snapshot import SnapshotError
from verifier.formats import BITS, MODES
from verifier.ids import user_key_hex, validate_asset_symbol, validate_round_id

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INSOLVENT = 0, 1, 2, 3


def parse_asset(text: str) -> tuple[str, int]:
    sym, sep, dec = text.partition(":")
    if not sep or not dec.isdigit() or not dec.isascii() or int(dec) > 18:
        raise argparse.ArgumentTypeError(f"{text!r}: expected SYMBOL:DECIMALS, e.g. BTC:8")
    try:
        validate_asset_symbol(sym)
    except FormatError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return sym, int(dec)


def parse_round(text: str) -> str:
    try:
        return validate_round_id(text)
    except FormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def assets_dict(items: Sequence[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for sym, dec in items:
        if sym in out:
            raise ParameterError(f"--asset {sym} given twice")
        out[sym] = dec
    if not out:
        raise ParameterError("give at least one --asset SYMBOL:DECIMALS")
    return out


def _dask_client(address: str | None) -> object | None:
    if not address:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError(
            "--dask-scheduler needs the 'dask' extra: pip install 'zk-solvency[dask]'"
        ) from None
    return Client(address)  # type: ignore[no-untyped-call]


def cmd_user_key(args: argparse.Namespace) -> int:
    print(user_key_hex(args.round, args.user_id))
    return EXIT_OK


def _build_config(args: argparse.Namespace) -> object:
    from prover.build import BuildConfig

    return BuildConfig(
        snapshot=Path(args.snapshot),
        round_id=args.round,
        assets=assets_dict(args.asset or []),
        out=Path(args.out),
        height=args.height,
        bits=args.bits,
        mode=args.mode,
        round_up=args.round_up,
        workers=args.workers,
        snapshot_time=args.snapshot_time,
        exchange=getattr(args, "exchange", None),
        progress=None,
        dask_client=_dask_client(getattr(args, "dask_scheduler", None)),
    )


def print_summary(res: object) -> None:
    from prover.build import BuildResult
    from prover.layout import RoundLayout

    assert isinstance(res, BuildResult)
    st = res.statement
    print(
        f"round {st.round_id}: {res.users:,} users, {res.nodes:,} nodes, {res.proofs:,} node proofs"
    )
    print(
        f"  height {st.params.height}, {st.params.bits}-bit ranges, mode {st.params.mode}, "
        f"assets {', '.join(a.symbol for a in st.params.assets)}"
    )
    print(f"  root hash {st.root.hash.hex()}")
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in res.seconds.items())
    print(f"  time: {timing}")
    out = RoundLayout(res.out)
    print(f"  statement digest {st.digest().hex()}")
    print(f"  public (publish it as it is):        {out.public}/")
    print(f"  per-user proofs (each to its user):  {out.users}/ ({res.users:,} files)")
    print(f"  private (never publish):             {out.private}/ (store, manifest)")


def cmd_build(args: argparse.Namespace) -> int:
    from prover.build import build
    from prover.secrets import load_master_secret

    cfg = _build_config(args)
    secret = load_master_secret(args.secret)
    from prover.reserves_cli import attach_reserves

    attach_reserves(cfg, args)
    if args.previous:
        from prover.previous import previous_digest
        from prover.solvency import load_exchange_key

        key = load_exchange_key(args.signing_key, "signing key") if args.signing_key else None
        cfg.previous = previous_digest(  # type: ignore[attr-defined]
            args.previous, args.round, args.snapshot_time, args.exchange, key
        )
    from prover.anchor import anchor_section

    cfg.anchor = anchor_section(args)  # type: ignore[attr-defined]
    res = build(cfg, secret)  # type: ignore[arg-type]
    print_summary(res)
    return EXIT_OK


def cmd_proof(args: argparse.Namespace) -> int:
    from prover.regen import regenerate_proof

    folder = require(args, "--round-dir", "the round's folder, written by build")
    data = regenerate_proof(Path(folder), args.secret, args.user, args.format)
    if args.output:
        # a private file (balances, blindings): mode 0600 from its creation on
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        print(f"wrote {args.output} ({len(data):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_export_audit(args: argparse.Namespace) -> int:
    from prover.regen import export_audit

    folder = require(args, "--round-dir", "the round's folder, written by build")
    n = export_audit(Path(folder), args.secret, Path(args.bundle), args.workers)
    print(f"wrote {args.bundle}/nodes.jsonl: {n:,} nodes with their range proofs")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from prover.demo import run_demo

    return run_demo(args)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="solvency-prove",
        description="Prove an exchange's solvency without disclosing balances: build a round's "
        "statement and per-user inclusion proofs from a balance snapshot. Exit codes: 0 done, "
        "2 bad input (nothing published), 3 insolvent (nothing published).",
    )
    ap.add_argument(
        "--backend",
        choices=["libsecp256k1", "python"],
        default=None,
        help="group backend (default: $ZKSOLVENCY_BACKEND or libsecp256k1)",
    )
    from verifier.version import add_version_option

    add_version_option(ap)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from prover.keys_cli import add_key_commands

    add_key_commands(sub)

    p = sub.add_parser(
        "user-key",
        help="print a user's hashed id for a round",
        description="The hashed client id that names a user's proof file.",
    )
    p.add_argument("--round", required=True, type=parse_round)
    p.add_argument("user_id")
    p.set_defaults(func=cmd_user_key)

    def tree_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--asset",
            action="append",
            type=parse_asset,
            metavar="SYMBOL:DECIMALS",
            help="an asset column and its decimals, e.g. BTC:8 (repeat, in order)",
        )
        p.add_argument(
            "--height", type=int, default=32, help="tree height H (2^H >= 2 x users; default 32)"
        )
        p.add_argument(
            "--bits", type=int, choices=BITS, default=64, help="range bits n (default 64)"
        )
        p.add_argument(
            "--mode",
            choices=MODES,
            default="aggregated",
            help="aggregated: one proof over all siblings per user (smallest); "
            "per-node: each node's own proof, shared (cheapest to produce)",
        )
        p.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="processes for the tree and the proofs (default: all cores); output bytes never depend on it",
        )
        p.add_argument(
            "--snapshot-time",
            default=None,
            help="snapshot time to state, e.g. 2026-11-01T00:00:00Z",
        )
        p.add_argument(
            "--dask-scheduler",
            default=None,
            metavar="tcp://HOST:PORT",
            help="run the tree's subtrees and the proof batches on a Dask distributed cluster (byte-identical output)",
        )

    p = sub.add_parser(
        "build",
        help="build and publish one round",
        description="Validate the snapshot, build the tree, prove, and write the round folder "
        "OUT atomically: OUT/public/statement.json (publish), OUT/users/<user-key>.json (one "
        "private proof per user: hand each to its user) and OUT/private/ (store and manifest: "
        "never publish).",
    )
    p.add_argument(
        "--snapshot", required=True, help="CSV: user_id,<ASSET>,... amounts in asset units"
    )
    p.add_argument("--secret", required=True, help="master secret file (mode 0600)")
    p.add_argument("--round", required=True, type=parse_round, help="round id, e.g. 2026-11")
    p.add_argument(
        "--out", required=True, help="the round folder to create (must not exist or be empty)"
    )
    p.add_argument(
        "--previous",
        default=None,
        metavar="PREV",
        help="the previous round's statement (or its round folder): its digest goes into this "
        "statement's signed 'previous' field, linking the rounds into one history; omit for "
        "the first round. Same exchange and key, an earlier round and snapshot time",
    )
    p.add_argument(
        "--round-up",
        action="store_true",
        help="round amounts with too many decimals UP to the next base unit",
    )
    tree_args(p)
    from prover.reserves_cli import add_build_arguments

    add_build_arguments(p)
    from prover.anchor import add_build_arguments as add_anchor_arguments

    add_anchor_arguments(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "proof",
        help="regenerate one user's proof (support desk)",
        description="Regenerate one user's inclusion proof from a built round.",
    )
    add_renamed(p, "--round-dir", "--out", required=True, metavar="DIR", help="the round's folder")
    p.add_argument("--secret", required=True, help="master secret file")
    p.add_argument("--user", required=True, help="the user's id")
    p.add_argument("--format", choices=["json", "bin"], default="json")
    p.add_argument("--output", default=None, help="file to write (default: standard output)")
    p.set_defaults(func=cmd_proof)

    p = sub.add_parser(
        "export-audit",
        help="write the full tree bundle for auditors",
        description="Write every node with its range proof (nodes.jsonl), for "
        "`solvency-verify audit`. The bundle reveals the tree's shape (hence "
        "roughly the number of users): give it to auditors only.",
    )
    add_renamed(p, "--round-dir", "--out", required=True, metavar="DIR", help="the round's folder")
    p.add_argument("--secret", required=True, help="master secret file")
    p.add_argument("--bundle", required=True, help="folder to create")
    p.add_argument("--workers", type=int, default=default_workers())
    p.set_defaults(func=cmd_export_audit)

    from prover.demo_cli import add_demo_command

    add_demo_command(sub, parse_round, default_workers(), cmd_demo)

    from prover.reserves_cli import add_reserves_commands

    add_reserves_commands(sub)
    from prover.anchor import add_anchor_command

    add_anchor_command(sub)
    from prover.site.cli import add_site_command

    add_site_command(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    from prover.solvency import InsolventError
    from verifier.cliargs import safe_output

    safe_output()
    args = build_parser().parse_args(argv)
    try:
        if args.backend:
            set_default_backend(args.backend)
        return int(args.func(args))
    except InsolventError as exc:
        print(f"insolvent: {exc}\nnothing was published", file=sys.stderr)
        return EXIT_INSOLVENT
    except SnapshotError as exc:
        print(str(exc), file=sys.stderr)
        print("nothing was published", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FormatError, ParameterError, VerificationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # e.g. --output in a missing folder: bad input, not a traceback
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(
            "interrupted: nothing was published; run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    t = time.perf_counter()
    sys.exit(main())
