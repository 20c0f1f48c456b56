"""`solvency-verify`: check a statement, your own inclusion proof, or a full audit bundle.

Exit codes: 0 valid, 1 invalid (a check failed: it is named), 2 bad input (unreadable or
malformed files, bad arguments). This module imports nothing from the prover.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from circuits.errors import FormatError, ParameterError, SolvencyError, VerificationError
from circuits.group import set_default_backend
from verifier.cliargs import safe_output
from verifier.formats import (
    AUDIT_FORMAT,
    AUDIT_FORMAT_V1,
    AUDIT_HEADER,
    MAX_AUDIT_HEADER_BYTES,
    Statement,
    format_units,
    parse_audit_header,
)
from verifier.history import (
    Entry,
    history_statements,
    round_order,
    signing_key,
    verify_history,
)
from verifier.ids import user_key_hex
from verifier.inputs import (
    audit_levels,
    check_bundle_root,
    load_inclusion,
    load_statement,
    open_regular,
    read_bounded,
)
from verifier.liabilities import verify_audit, verify_inclusion, verify_root
from verifier.version import add_version_option

EXIT_VALID, EXIT_INVALID, EXIT_BAD_INPUT = 0, 1, 2
#: Longest integer part of an --expect amount (balances are below 2^128: 39 digits).
MAX_WHOLE_DIGITS = 39

CHECK_TEXT = {
    "round": "the proof is for the statement's round",
    "params": "tree height, range bits, proof mode, assets and generators match the statement",
    "user-id": "the proof was made for the user id you gave",
    "leaf": "your leaf was recomputed from your balances, blindings, id and salt",
    "path": "every parent on your path is the sum and hash of its two children",
    "root": "your path ends at the statement's root (hash and commitments)",
    "range-proofs": "every sibling on your path and the root is proven in [0, 2^n): no negative "
    "account can cancel yours",
    "expectations": "the balances match what you expected",
}

#: What a user can do when a check fails that a mix-up of files also fails.
CHECK_HINTS = {
    "root": "a proof made for another exchange's statement, or for another build of this "
    "round, fails this way: check that the statement is the one published by the exchange that "
    "gave you the proof; if it is, the exchange's proof does not match what it published",
}

CHAIN_NOTE = (
    "Wallet balances are claims about the chain at the stated block height: the signatures prove "
    "control of the keys; check the balances against a node or an explorer."
)


def check_pinned_key(value: str | None) -> None:
    """--exchange-key is a public key (64 lowercase hex); a file name is a common mix-up (the
    exchange's `solvency-prove build` takes the secret key file): say so."""
    if value is None or re.fullmatch(r"[0-9a-f]{64}", value):
        return
    if os.path.exists(value):
        raise FormatError(
            f"--exchange-key {value!r} is a file: give the exchange's public key (64 hex, BIP-340 "
            "x-only), as shown on its report page (`solvency-prove pubkey --key FILE` prints it "
            "from the signing key file)"
        )
    raise FormatError(
        f"--exchange-key: expected the exchange's public key, 64 lowercase hex characters "
        f"(BIP-340 x-only), got {len(value)} characters"
    )


def parse_expectations(items: Sequence[str], statement: Statement) -> dict[str, int]:
    """--expect BTC=0.5: decimal amounts converted exactly with the asset's decimals."""
    decimals = {a.symbol: a.decimals for a in statement.params.assets}
    out: dict[str, int] = {}
    for item in items:
        sym, sep, amount = item.partition("=")
        if not sep or sym not in decimals:
            raise FormatError(
                f"--expect {item!r}: expected ASSET=AMOUNT with an asset of the round"
            )
        whole, dot, frac = amount.partition(".")
        d = decimals[sym]
        if len(whole) > MAX_WHOLE_DIGITS:
            raise FormatError(
                f"--expect {sym}=<{len(whole):,} digits>: more than {MAX_WHOLE_DIGITS} digits "
                "before the decimal point; no balance is that large"
            )
        if (
            not whole.isdigit()
            or (dot and not frac.isdigit())
            or len(frac) > d
            or not amount.isascii()
        ):
            raise FormatError(
                f"--expect {item!r}: amount must be a plain decimal with at most {d} decimals"
            )
        out[sym] = int(whole) * 10**d + int((frac or "0").ljust(d, "0"))
    return out


class Report:
    """Collects what to print: plain text for people, a JSON object for machines."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.lines: list[str] = []
        self.data: dict[str, Any] = {}
        self.solvency: list[str] = []  # the solvency lines among `lines` (the page shows them)

    def say(self, line: str = "") -> None:
        self.lines.append(line)

    def json_doc(self, valid: bool | None, error: SolvencyError | None = None) -> dict[str, Any]:
        """The object `--json` prints."""
        doc = dict(self.data)
        doc["result"] = {True: "valid", False: "invalid", None: "bad-input"}[valid]
        if error is not None:
            doc["error"] = str(error)
            if isinstance(error, VerificationError):
                doc["failed_check"] = error.check
        return doc

    def emit(self, valid: bool | None, error: SolvencyError | None = None) -> None:
        if self.as_json:
            print(
                json.dumps(
                    self.json_doc(valid, error), indent=2, ensure_ascii=False, sort_keys=True
                )
            )
            return
        for line in self.lines:
            print(line)
        if error is not None:
            stream = sys.stdout if valid is False else sys.stderr
            if isinstance(error, VerificationError):
                print(f"INVALID: check '{error.check}' failed: {error}", file=stream)
                if error.check in CHECK_HINTS:
                    print(f"hint: {CHECK_HINTS[error.check]}", file=stream)
            else:
                print(f"error: {error}", file=stream)


def _statement_header(r: Report, st: Statement) -> None:
    p = st.params
    who = f" by {st.exchange}" if st.exchange else ""
    r.say(f"Round {st.round_id}{who}; snapshot time: {st.snapshot_time or 'not stated'}")
    r.say(
        f"Tree height {p.height} (room for {2**p.height:,} leaves; the number of users is not "
        f"disclosed), {p.bits}-bit range proofs, mode {p.mode}"
    )
    r.say("Assets: " + ", ".join(f"{a.symbol} ({a.decimals} decimals)" for a in p.assets))
    digest = st.digest().hex()
    r.say(f"Statement digest: {digest} (compare it with what others were shown)")
    r.say(f"Previous statement: {_previous_text(st)}")
    r.data["statement"] = {
        "round": st.round_id,
        "exchange": st.exchange,
        "snapshot_time": st.snapshot_time,
        "params": p.to_json(),
        "root_hash": st.root.hash.hex(),
        "digest": digest,
        "previous": None if st.previous is None else st.previous.hex(),
        "version": st.version,
    }


def _previous_text(st: Statement) -> str:
    if st.version == 1:
        return "none (a v1 statement: it names no previous round)"
    return "none (the exchange's first round)" if st.previous is None else st.previous.hex()


def _safe_inclusion_command(args: argparse.Namespace) -> str:
    """The inclusion command that checks everything: the user's own id and the pinned key."""
    q = shlex.quote
    words = ["solvency-verify", "inclusion", "--statement", q(args.statement)]
    words += ["--proof", q(args.proof), "--user-id"]
    words.append(q(args.user_id) if args.user_id is not None else "'YOUR USER ID'")
    words += ["--exchange-key", args.exchange_key or "EXCHANGE-KEY"]
    for item in args.expect or []:
        words += ["--expect", q(item)]
    return " ".join(words)


def _whose_proof(r: Report, args: argparse.Namespace, user_id: str) -> None:
    """Part of every inclusion report: whose proof it is, and what was not checked."""
    missing = []
    if args.user_id is None:
        missing.append(
            "NOT CHECKED: that this is your user id (no --user-id given): the proof is valid for "
            f"user id {user_id!r}, whoever that is."
        )
    if args.exchange_key is None:
        missing.append(
            "NOT CHECKED: who published the statement (no --exchange-key given): pin the key "
            "the exchange publishes on its site (64 hex)."
        )
    if missing:
        command = _safe_inclusion_command(args)
        r.data["safe_command"] = command
        for line in missing:
            r.say(line)
        r.say("Check it with:")
        r.say(f"  {command}")


def _solvency_lines(
    r: Report, st: Statement, exchange_key: str | None, chain_checked: bool = False
) -> None:
    """Reserves, solvency and signature sections (present once an exchange publishes reserves).
    CHAIN_NOTE closes them unless the balances are checked on chain (`chain_checked`: --eth-rpc),
    whose lines then say what was checked and what is left to check by hand."""
    try:
        from verifier.solvency import verify_solvency
    except ImportError:  # pragma: no cover - the module ships with the package
        return
    result = verify_solvency(st, exchange_key=exchange_key)
    r.data["solvency"] = result.to_json()
    note = result.has_reserves and not chain_checked
    r.solvency = result.lines() + ([CHAIN_NOTE] if note else [])
    for line in r.solvency:
        r.say(line)


def cmd_statement(args: argparse.Namespace, r: Report) -> None:
    st = load_statement(args.statement)
    _statement_header(r, st)
    verify_root(st)
    r.say(f"Root hash: {st.root.hash.hex()}")
    r.say("[ok] generators: the statement names the pinned generator table")
    r.say("[ok] root: every asset's total liabilities is proven in [0, 2^n) (not negative)")
    _solvency_lines(r, st, args.exchange_key, chain_checked=bool(args.eth_rpc))
    if args.eth_rpc or args.anchor_tx:
        from verifier.chain.commands import chain_checks

        chain_checks(st, args, r.say, r.data)
    r.say("VALID: the statement is internally consistent and every proof in it verifies.")


def cmd_reserves(args: argparse.Namespace, r: Report) -> None:
    from verifier.chain.commands import reserves_command

    st = load_statement(args.statement)
    _statement_header(r, st)
    reserves_command(st, args, r.say, r.data)
    r.say("VALID: the reserves are signed for this round and the chain holds at least every claim.")


def cmd_inclusion(args: argparse.Namespace, r: Report) -> None:
    st = load_statement(args.statement)
    proof = load_inclusion(args.proof, st)
    expect = parse_expectations(args.expect or [], st)
    _statement_header(r, st)
    key = user_key_hex(proof.round_id, proof.user_id)
    r.say(f"This proof was made for user id: {proof.user_id}")
    r.say(f"Its hashed id (user key) for this round: {key}")
    r.data["user_key"] = key
    r.data["user_id"] = proof.user_id  # in the output even when a check fails
    r.data["user_id_checked"] = args.user_id is not None
    res = verify_inclusion(st, proof, user_id=args.user_id, expect=expect)
    whose = "Your balances" if args.user_id is not None else "The proof's balances"
    r.say(f"{whose} counted in the liabilities:")
    for a, v in zip(st.params.assets, res.balances, strict=True):
        r.say(f"  {a.symbol:<8} {format_units(v, a.decimals)}")
    r.data["balances"] = {
        a.symbol: format_units(v, a.decimals).replace(",", "")
        for a, v in zip(st.params.assets, res.balances, strict=True)
    }
    r.say("Checks:")
    for c in res.checks:
        r.say(f"  [ok] {c}: {CHECK_TEXT[c]}")
    r.data["checks"] = list(res.checks)
    _solvency_lines(r, st, args.exchange_key)
    _whose_proof(r, args, proof.user_id)
    if args.user_id is not None:
        r.say("VALID: your balances are included in the published liabilities.")
    else:
        r.say(
            f"VALID: the balances of user id {proof.user_id!r} are included in the published "
            "liabilities (that the id is yours was not checked)."
        )


def cmd_audit(args: argparse.Namespace, r: Report) -> None:
    st = load_statement(args.statement)
    bundle = Path(args.bundle)
    nodes = bundle / "nodes.jsonl"
    header = bundle / AUDIT_HEADER
    # audit/v2 has a header and proves every padding node; audit/v1 (no header) cannot show
    # that no subtree was pruned, and says so
    check_bundle_root(nodes, st)
    complete = header.exists()
    if complete:
        parse_audit_header(read_bounded(str(header), MAX_AUDIT_HEADER_BYTES), st, str(header))
    _statement_header(r, st)
    with open_regular(nodes) as f:
        res = verify_audit(st, audit_levels(f, st.params, str(nodes)), complete=complete)
    r.say(
        f"[ok] tree: {res.nodes:,} nodes over {res.levels} levels; every parent is the sum and "
        "hash of its two children; every node but the root has its parent; the root is the "
        "statement's"
    )
    r.say(f"[ok] range proofs: {res.proofs:,} node proofs verified (batched)")
    if complete:
        r.say(
            f"[ok] complete: every node without children is one of {res.leaves:,} leaves or one "
            f"of {res.padding:,} padding nodes, each shown to be padding (its hash's preimage) "
            "and to commit to zero: no subtree was pruned"
        )
    else:
        r.say(
            f"[!!] audit/v1 bundle (no {AUDIT_HEADER}): {res.unproven:,} nodes without children "
            "above the leaves are not shown to be padding, so a pruned subtree would look the "
            "same: ask for a bundle from this version's `solvency-prove export-audit`"
        )
    r.data["audit"] = {
        "nodes": res.nodes,
        "proofs": res.proofs,
        "format": AUDIT_FORMAT if complete else AUDIT_FORMAT_V1,
        "complete": complete,
        "leaves": res.leaves,
        "padding": res.padding,
    }
    _solvency_lines(r, st, args.exchange_key)
    if complete:
        r.say("VALID: every node of the tree is well formed and in range, and nothing was pruned.")
    else:
        r.say(
            "VALID (audit/v1): every node given is well formed and in range; completeness is "
            "not shown."
        )


def cmd_history(args: argparse.Namespace, r: Report) -> None:
    entries = []
    for path in history_statements(args.statements):
        st = load_statement(str(path))
        entries.append(Entry(str(path), st, st.digest()))
    given = {e.digest for e in entries}
    rows = []
    r.say(f"{len(entries)} statement(s):")
    for e in sorted(entries, key=lambda e: (round_order(e.statement.round_id), e.source)):
        st = e.statement
        r.say(
            f"  round {st.round_id}  snapshot {st.snapshot_time or 'not stated'}  digest "
            f"{e.digest.hex()}  previous {e.describe_previous(given)}  ({e.source})"
        )
        rows.append(
            {
                "file": e.source,
                "round": st.round_id,
                "exchange": st.exchange,
                "snapshot_time": st.snapshot_time,
                "digest": e.digest.hex(),
                "previous": None if st.previous is None else st.previous.hex(),
                "version": st.version,
            }
        )
    r.data["statements"] = rows
    chain = verify_history(entries, args.exchange_key)
    first, last = chain[0].statement, chain[-1].statement
    r.data["history"] = [e.digest.hex() for e in chain]
    signer = "signed by the pinned key" if args.exchange_key else "signed by one key"
    r.say(
        f"[ok] every statement verifies on its own; one exchange ({first.exchange or 'not named'}), "
        + (signer if signing_key(first) else "not signed (no signature to check)")
    )
    r.say(
        f"[ok] links: {len(chain)} round(s) from {first.round_id} to {last.round_id}, each naming "
        "the one before it; rounds and snapshot times increase; no fork, no gap"
    )
    if first.previous is not None:
        r.say(
            f"The history given starts at round {first.round_id}, which links to an earlier "
            f"statement not given here ({first.previous.hex()})."
        )
    r.say(f"Latest statement digest: {chain[-1].digest.hex()}")
    r.say("VALID: one history, the same for everyone who was shown these statements.")


def cmd_user_key(args: argparse.Namespace, r: Report) -> None:
    key = user_key_hex(args.round, args.user_id)
    r.say(key)
    r.data["user_key"] = key


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="solvency-verify",
        description="Verify an exchange's proof of solvency: the public statement, your own "
        "inclusion proof, or (auditors) the full tree. Exit code 0 valid, 1 invalid, 2 bad input.",
    )
    ap.add_argument(
        "--backend",
        choices=["libsecp256k1", "python"],
        default=None,
        help="group backend (default: $ZKSOLVENCY_BACKEND or libsecp256k1)",
    )
    add_version_option(ap)
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print a JSON object for machines")
        p.add_argument(
            "--exchange-key",
            metavar="PUBKEY",
            default=None,
            help="pin the exchange's publishing key (64 hex, BIP-340 x-only): the "
            "statement must carry a valid signature by it",
        )

    p = sub.add_parser(
        "inclusion",
        help="check your own proof against the published statement",
        description="Check that your balances are in the published liabilities.",
    )
    p.add_argument("--statement", required=True, help="the round's statement.json")
    p.add_argument("--proof", required=True, help="your proof file (JSON or binary)")
    p.add_argument("--user-id", default=None, help="your user id, checked against the proof")
    p.add_argument(
        "--expect",
        action="append",
        metavar="ASSET=AMOUNT",
        help="the balance you expect, e.g. BTC=0.5 (repeatable)",
    )
    common(p)
    p.set_defaults(func=cmd_inclusion)

    p = sub.add_parser(
        "statement",
        help="check the public statement on its own",
        description="Check parameters, the root's range proofs, reserves, "
        "solvency proofs and signatures of a statement.",
    )
    p.add_argument("statement", help="statement.json")
    common(p)
    from verifier.chain.commands import add_node_arguments

    add_node_arguments(p, anchor=True)
    p.set_defaults(func=cmd_statement)

    p = sub.add_parser(
        "reserves",
        help="check the statement's reserves against Ethereum nodes",
        description="Check the statement's signature and reserves (wallet signatures), then, "
        "on an Ethereum node, every listed block hash and that each wallet holds at least its "
        "claimed balance at the listed height (chain units converted to the asset's decimals, "
        "rounding down). Every contradiction is listed. Exit 0 valid, 1 the chain contradicts "
        "a claim, 2 bad input or an unusable node (unreachable, slow, garbage, another chain).",
    )
    p.add_argument("--statement", required=True, help="statement.json")
    common(p)
    add_node_arguments(p, anchor=False)
    p.set_defaults(func=cmd_reserves)

    p = sub.add_parser(
        "audit",
        help="check every node of a full tree bundle (auditors)",
        description="Check a bundle made by `solvency-prove export-audit`.",
    )
    p.add_argument("--statement", required=True, help="statement.json")
    p.add_argument("--bundle", required=True, help="the audit bundle folder")
    common(p)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "history",
        help="check that rounds form one history (no fork, no gap)",
        description="Check a sequence of statements: each verifies; one exchange and one "
        "signing key; each names the one before it (its signed 'previous' digest), with rounds "
        "and snapshot times strictly increasing. Says where a fork (two statements for one "
        "round, or claiming the same previous) or a gap (a link to a statement not given) is. "
        "A v1 statement (no 'previous') is accepted as the first round only.",
    )
    p.add_argument(
        "statements",
        nargs="+",
        metavar="STATEMENT",
        help="statement files, round folders, or a folder of round folders",
    )
    common(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "user-key",
        help="print your hashed id for a round",
        description="Print the user key (hashed id) that names your proof file.",
    )
    p.add_argument("--round", required=True)
    p.add_argument("user_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user_key)
    return ap


def execute(argv: Sequence[str]) -> tuple[Report, bool | None, SolvencyError | None]:
    """Run a command without printing: its report, valid (True), invalid (False) or bad input
    (None), and the error. `main` prints it; the browser page (verifier.web) shows it."""
    args = build_parser().parse_args(argv)
    report = Report(getattr(args, "json", False))
    if hasattr(args, "exchange_key"):
        report.data["exchange_key_pinned"] = args.exchange_key is not None
    func: Callable[[argparse.Namespace, Report], None] = args.func
    try:
        if args.backend:
            set_default_backend(args.backend)
        check_pinned_key(getattr(args, "exchange_key", None))
        func(args, report)
    except VerificationError as exc:
        return report, False, exc
    except (FormatError, ParameterError) as exc:
        return report, None, exc
    return report, True, None


def main(argv: Sequence[str] | None = None) -> int:
    safe_output()
    report, valid, error = execute(sys.argv[1:] if argv is None else argv)
    report.emit(valid, error)
    return {True: EXIT_VALID, False: EXIT_INVALID, None: EXIT_BAD_INPUT}[valid]


if __name__ == "__main__":
    sys.exit(main())
