"""Command-line glue for reserves: the build's reserves options, and the commands
reserves-challenge, sign-reserves and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from circuits.errors import FormatError, ParameterError
from prover.options import add_renamed, require


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reserves and solvency")
    g.add_argument("--exchange", default=None, help="the exchange's name (as in the reserves file)")
    g.add_argument(
        "--reserves",
        default=None,
        metavar="FILE",
        help="signed reserves (JSON): prove liabilities <= reserves per asset",
    )
    g.add_argument(
        "--min-ratio",
        action="append",
        default=[],
        metavar="ASSET=PERCENT",
        help="also prove reserves >= PERCENT%% of liabilities, e.g. BTC=102",
    )
    g.add_argument(
        "--disclose",
        default="",
        metavar="BTC,USDT",
        help="open the total liabilities of these assets in the statement",
    )
    add_renamed(
        g,
        "--signing-key",
        "--exchange-key",
        metavar="KEYFILE",
        help="the statement-signing key file (`keygen --kind signing`, mode 0600): sign the "
        "statement (BIP-340); users pin its public key (`pubkey --key KEYFILE`)",
    )
    from prover.total import add_total_arguments

    add_total_arguments(g)


def attach_reserves(cfg: Any, args: argparse.Namespace) -> None:
    """Wire the reserves options into a BuildConfig (precheck and statement sections)."""
    from prover.solvency import (
        SolvencyConfig,
        load_exchange_key,
        load_reserves,
        parse_min_ratio,
        precheck,
        solvency_sections,
    )

    assets = list(cfg.assets)
    disclose = [s for s in (args.disclose or "").split(",") if s]
    for s in disclose:
        if s not in assets:
            raise FormatError(f"--disclose {s}: not an asset of the round")
    if not args.reserves:
        if args.min_ratio or disclose or args.prices or args.min_total_ratio is not None:
            raise ParameterError(
                "--min-ratio, --disclose, --prices and --min-total-ratio need --reserves"
            )
    if args.reserves and not args.exchange:
        raise ParameterError("--reserves needs --exchange NAME")
    key = load_exchange_key(args.signing_key, "signing key") if args.signing_key else None
    if not args.reserves:
        if key is not None:
            cfg.extend_statement = lambda st, store, secrets: _sign_only(st, key)
        return
    res, totals, raw = load_reserves(args.reserves, args.exchange, cfg.round_id)
    from prover.total import total_config

    total = total_config(args.prices, args.min_total_ratio, cfg.assets)
    sc = SolvencyConfig(
        res, totals, raw, parse_min_ratio(args.min_ratio, assets), disclose, key, total
    )
    cfg.precheck = lambda summary: precheck(sc, summary, cfg.bits, cfg.assets)
    cfg.extend_statement = lambda st, store, secrets: solvency_sections(sc, st, store, secrets)


def _sign_only(st: Any, key: bytes) -> dict[str, Any]:
    from circuits import bip340
    from verifier.solvency import signed_message

    msg = signed_message(st.to_json())
    sig = bip340.sign(key, msg, bip340.tagged_hash("zk-solvency/aux", msg))
    return {"signature": {"pubkey": bip340.xonly_pubkey(key).hex(), "sig": sig.hex()}}


#: How each scheme's message is typically signed as-is (printed by reserves-challenge).
SIGN_HINTS = {
    "btc-signmessage": 'bitcoin-cli signmessage {address} "$(cat {file})"',
    "bip322-simple": "a BIP-322 signer (simple variant) for {address}, message = the file's bytes",
    "eip191": 'cast wallet sign "$(cat {file})"   (personal_sign by {address})',
    "bip340": "BIP-340 by the P2TR output key of {address} over {digest}",
}


def cmd_reserves_challenge(args: argparse.Namespace) -> int:
    import json

    from prover.reserves_tools import challenges_for
    from verifier.inputs import read_bounded
    from verifier.ownership.btcsig import taproot_message_digest
    from verifier.reserves import MAX_RESERVES_BYTES

    path = args.reserves
    data = read_bounded(path, MAX_RESERVES_BYTES)
    challenges = challenges_for(data, path)
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    listing = []
    for c in challenges:
        # assets.BTC.wallets[2] -> BTC-2.txt
        name = c.path.removeprefix("assets.").replace(".wallets[", "-").rstrip("]") + ".txt"
        file = str(out_dir / name) if out_dir is not None else "MESSAGE-FILE"
        if out_dir is not None:
            (out_dir / name).write_bytes(c.message.encode("utf-8"))
        digest = taproot_message_digest(c.message.encode("utf-8")).hex()
        hint = SIGN_HINTS[c.scheme].format(address=c.address, file=file, digest=digest)
        listing.append({**c.__dict__, "file": file if out_dir is not None else None, "sign": hint})
    if args.json:
        sys.stdout.write(json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
        return 0
    for item in listing:
        print(f"# {item['path']}: {item['address']} ({item['scheme']})")
        print(f"# sign with: {item['sign']}")
        print("-----BEGIN MESSAGE-----")
        print(item["message"])
        print("-----END MESSAGE-----")
    return 0


def cmd_sign_reserves(args: argparse.Namespace) -> int:
    from prover.reserves_tools import MAX_KEYS_BYTES, load_keys, sign_reserves
    from verifier.inputs import read_bounded
    from verifier.reserves import MAX_RESERVES_BYTES

    template = read_bounded(args.reserves, MAX_RESERVES_BYTES)
    keys_raw = read_bounded(args.keys, MAX_KEYS_BYTES)
    signed = sign_reserves(template, load_keys(keys_raw, args.keys), source=args.reserves)
    if args.output:
        Path(args.output).write_bytes(signed)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(signed.decode())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from prover.report import write_report

    path = write_report(Path(require(args, "--round-dir", "the round's folder, written by build")))
    print(f"wrote {path}")
    return 0


def add_reserves_commands(sub: Any) -> None:
    p = sub.add_parser(
        "reserves-challenge",
        help="print the message each wallet must sign",
        description="Print, for every wallet of a reserves template (format v2), the exact "
        "text its key must sign, between BEGIN/END MESSAGE lines (the lines between them, "
        "joined by newlines, no final newline), with the usual tool for its scheme. "
        "--out DIR also writes each message to DIR/<ASSET>-<i>.txt byte for byte, for "
        'tools that sign a file\'s contents as-is (e.g. bitcoin-cli signmessage ADDR "$(cat F)").',
    )
    p.add_argument(
        "--reserves", required=True, help="reserves template (JSON; signatures optional)"
    )
    p.add_argument("--out", default=None, metavar="DIR", help="write one message file per wallet")
    p.add_argument("--json", action="store_true", help="print a JSON list instead")
    p.set_defaults(func=cmd_reserves_challenge)

    p = sub.add_parser(
        "sign-reserves",
        help="sign a reserves template with local keys (demos, tests)",
        description="Sign every wallet of a reserves template whose key is in the "
        'keys file ({"keys": [64-hex secret, ...]}): the key whose address, in the '
        "wallet's scheme and chain, is the wallet's address (BIP-322 P2WPKH or P2TR with "
        "BIP-86 keys, signmessage P2PKH, BIP-340 Taproot output key, EIP-191). Production "
        "wallets sign the messages of reserves-challenge with their own tools instead.",
    )
    p.add_argument("--reserves", required=True, help="reserves template (JSON)")
    p.add_argument("--keys", required=True, help="keys file (JSON)")
    p.add_argument("--output", default=None, help="file to write (default: standard output)")
    p.set_defaults(func=cmd_sign_reserves)

    p = sub.add_parser(
        "report",
        help="write the public report page (report.html)",
        description="Write DIR/public/report.html, a self-contained page for the round, "
        "beside the public statement (only public data goes in it).",
    )
    add_renamed(p, "--round-dir", "--out", required=True, metavar="DIR", help="the round's folder")
    p.set_defaults(func=cmd_report)
