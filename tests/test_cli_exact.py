"""solvency-verify's exact outputs, exit codes and helpers (mutation campaign, issue 11): the
version line, the option callbacks, chain units at their edges, the history and input helpers
called directly, and every line the commands print for a valid and an invalid input."""

from __future__ import annotations

import argparse
import errno
import io
import json
import os
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from solvency_rounds import (
    ASSETS,
    EXCHANGE,
    EXCHANGE_PK,
    EXCHANGE_SK,
    OTHER_ROUND,
    ROUND,
    SMALL_USERS,
    SNAPSHOT_TIME,
    USERS,
    Round,
    Run,
    build_round,
    default_reserves_spec,
    export_audit,
    reserves_doc,
    run,
    shared,
    totals_of,
    verify,
    write_json,
    write_secret,
)

from circuits import bigint, bip340
from circuits.errors import FormatError, SolvencyError, VerificationError
from circuits.generators import affine_table
from circuits.group import get_backend, set_default_backend
from verifier import web
from verifier.cli import (
    CHAIN_NOTE,
    CHECK_HINTS,
    Report,
    check_pinned_key,
    execute,
    parse_expectations,
)
from verifier.cli import build_parser as verify_parser
from verifier.cli import main as verify_main
from verifier.cliargs import CallbackAction, safe_output
from verifier.formats import (
    AUDIT_FORMAT,
    AUDIT_FORMAT_V1,
    AUDIT_HEADER,
    INCLUSION_FORMAT,
    MAX_AUDIT_LINE_BYTES,
    MAX_PROOF_BYTES,
    STATEMENT_FORMATS,
    Statement,
    parse_statement,
)
from verifier.history import (
    Entry,
    check_link,
    history_statements,
    round_statement,
    snapshot_instant,
    verify_history,
)
from verifier.ids import user_key_hex
from verifier.inputs import (
    KINDS,
    audit_levels,
    bounded_lines,
    check_bundle_root,
    open_regular,
    read_bounded,
    sniff,
    wrong_kind,
)
from verifier.ownership import hashes
from verifier.version import version_text


def test_version_line_names_every_format_read() -> None:
    formats = ", ".join([*STATEMENT_FORMATS, INCLUSION_FORMAT])
    from importlib.metadata import version

    assert version_text("x") == f"x {version('zk-solvency')} (reads {formats})"
    out = verify("--version")
    assert (out.rc, out.stdout, out.stderr) == (0, version_text("solvency-verify") + "\n", "")


def test_version_of_a_tree_that_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import PackageNotFoundError

    import verifier.version as v

    def missing(_name: str) -> str:
        raise PackageNotFoundError("zk-solvency")

    monkeypatch.setattr(v, "version", missing)
    assert v.version_text("p").startswith("p (not installed) (reads zk-solvency/statement/v1, ")


# --- the parser: every option of solvency-verify, as --help shows it ----------------------------

KEY_HELP = (
    "pin the exchange's publishing key (64 hex, BIP-340 x-only): the statement must carry a "
    "valid signature by it"
)
JSON = ("--json", "json", "print a JSON object for machines", False, False, None, None, 0)
KEY = ("--exchange-key", "exchange_key", KEY_HELP, None, False, "PUBKEY", None, None)
NODE = ("--eth-rpc", "--rpc-timeout")  # verifier.chain.commands.add_node_arguments: its own tests

#: subcommand: (help in the list, description, [(option or dest, dest, help, default,
#: required, metavar, choices, nargs)]) in the order --help lists them
SUBCOMMANDS: dict[str, tuple[str, str, list[tuple[object, ...]]]] = {
    "inclusion": (
        "check your own proof against the published statement",
        "Check that your balances are in the published liabilities.",
        [
            ("--statement", "statement", "the round's statement.json", None, True, None, None,
             None),
            ("--proof", "proof", "your proof file (JSON or binary)", None, True, None, None, None),
            ("--user-id", "user_id", "your user id, checked against the proof", None, False, None,
             None, None),
            ("--expect", "expect", "the balance you expect, e.g. BTC=0.5 (repeatable)", None,
             False, "ASSET=AMOUNT", None, None),
            JSON,
            KEY,
        ],
    ),
    "statement": (
        "check the public statement on its own",
        "Check parameters, the root's range proofs, reserves, solvency proofs and signatures of "
        "a statement.",
        [("statement", "statement", "statement.json", None, True, None, None, None), JSON, KEY],
    ),
    "reserves": (
        "check the statement's reserves against Ethereum nodes",
        "Check the statement's signature and reserves (wallet signatures), then, on an Ethereum "
        "node, every listed block hash and that each wallet holds at least its claimed balance "
        "at the listed height (chain units converted to the asset's decimals, rounding down). "
        "Every contradiction is listed. Exit 0 valid, 1 the chain contradicts a claim, 2 bad "
        "input or an unusable node (unreachable, slow, garbage, another chain).",
        [("--statement", "statement", "statement.json", None, True, None, None, None), JSON, KEY],
    ),
    "audit": (
        "check every node of a full tree bundle (auditors)",
        "Check a bundle made by `solvency-prove export-audit`.",
        [
            ("--statement", "statement", "statement.json", None, True, None, None, None),
            ("--bundle", "bundle", "the audit bundle folder", None, True, None, None, None),
            JSON,
            KEY,
        ],
    ),
    "history": (
        "check that rounds form one history (no fork, no gap)",
        "Check a sequence of statements: each verifies; one exchange and one signing key; each "
        "names the one before it (its signed 'previous' digest), with rounds and snapshot times "
        "strictly increasing. Says where a fork (two statements for one round, or claiming the "
        "same previous) or a gap (a link to a statement not given) is. A v1 statement (no "
        "'previous') is accepted as the first round only.",
        [
            ("statements", "statements", "statement files, round folders, or a folder of round "
             "folders", None, True, "STATEMENT", None, "+"),
            JSON,
            KEY,
        ],
    ),
    "user-key": (
        "print your hashed id for a round",
        "Print the user key (hashed id) that names your proof file.",
        [
            ("--round", "round", None, None, True, None, None, None),
            ("user_id", "user_id", None, None, True, None, None, None),
            ("--json", "json", None, False, False, None, None, 0),
        ],
    ),
}  # fmt: skip


def _row(action: argparse.Action) -> tuple[object, ...]:
    name = action.option_strings[0] if action.option_strings else action.dest
    return (
        name, action.dest, action.help, action.default, action.required, action.metavar,
        action.choices, action.nargs,
    )  # fmt: skip


def test_every_option_help_default_and_requirement() -> None:
    ap = verify_parser()
    assert ap.prog == "solvency-verify"
    assert ap.description == (
        "Verify an exchange's proof of solvency: the public statement, your own inclusion proof, "
        "or (auditors) the full tree. Exit code 0 valid, 1 invalid, 2 bad input."
    )
    top = [a for a in ap._actions if not isinstance(a, argparse._HelpAction)]
    backend, version, sub = top
    assert _row(backend) == (
        "--backend", "backend", "group backend (default: $ZKSOLVENCY_BACKEND or libsecp256k1)",
        None, False, None, ["libsecp256k1", "python"], None,
    )  # fmt: skip
    assert "version" not in vars(ap.parse_args(["user-key", "--round", "r", "x"]))  # SUPPRESS
    assert (version.option_strings, version.help, version.nargs) == (
        ["--version"],
        "print the version and the formats it reads, then exit",
        0,
    )
    assert isinstance(sub, argparse._SubParsersAction)
    assert (sub.dest, sub.required, sub.metavar) == ("command", True, "COMMAND")
    assert list(sub.choices) == list(SUBCOMMANDS)
    listed = {a.dest: a.help for a in sub._choices_actions}
    for name, (short, description, rows) in SUBCOMMANDS.items():
        p = sub.choices[name]
        assert (listed[name], p.description, p.prog) == (
            short,
            description,
            f"solvency-verify {name}",
        )
        mine = [a for a in p._actions if not isinstance(a, argparse._HelpAction)]
        node = [a for a in mine if a.option_strings and a.option_strings[0] in NODE]
        assert len(node) == (2 if name in ("statement", "reserves") else 0), name
        assert [a.dest for a in mine if a.dest == "anchor_tx"] == (
            ["anchor_tx"] if name == "statement" else []
        )
        rows_seen = [_row(a) for a in mine if a not in node and a.dest != "anchor_tx"]
        assert rows_seen == rows, name
        kinds = {a.dest: type(a).__name__ for a in mine}
        assert kinds.get("json") == "_StoreTrueAction", name
        assert kinds.get("expect", "_AppendAction") == "_AppendAction", name


# --- the commands' exact output --------------------------------------------------------------


@dataclass
class Rounds:
    a: Round  # signed by EXCHANGE_SK, exchange named; audit bundle in `bundle`
    bundle: Path
    b: Round  # the same round id and exchange, other balances: a's proofs do not fit it
    c: Round  # the next round, linked to a


def _make(base: Path) -> Rounds:
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    extra = ["--exchange", EXCHANGE, "--signing-key", str(key)]
    a = build_round(base, extra=extra, name="a")
    bundle = base / "bundle"
    res = export_audit(a.dir, a.key, bundle)
    assert res.rc == 0, res.text
    b = build_round(base, extra=extra, users=SMALL_USERS, name="b")
    later = ["--snapshot-time", "2026-12-01T00:00:00Z", "--previous", str(a.dir)]
    c = build_round(base, extra=[*extra, *later], round_id=OTHER_ROUND, name="c")
    return Rounds(a, bundle, b, c)


@pytest.fixture(scope="session")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    return shared(tmp_path_factory, "cli-exact", _make)


def _header(path: Path) -> list[str]:
    st = parse_statement(path.read_bytes(), "s")
    return [
        f"Round {ROUND} by {EXCHANGE}; snapshot time: {SNAPSHOT_TIME}",
        "Tree height 4 (room for 16 leaves; the number of users is not disclosed), 32-bit range "
        "proofs, mode aggregated",
        "Assets: BTC (8 decimals), USDT (2 decimals)",
        f"Statement digest: {st.digest().hex()} (compare it with what others were shown)",
        "Previous statement: none (the exchange's first round)",
    ]


SIGNED = f"[ok] signature: the statement is signed by the exchange key {EXCHANGE_PK}"
NO_RESERVES = "No reserves in this statement: liabilities only (solvency not claimed)."
CHECKS = [
    "  [ok] round: the proof is for the statement's round",
    "  [ok] params: tree height, range bits, proof mode, assets and generators match the statement",
    "  [ok] user-id: the proof was made for the user id you gave",
    "  [ok] leaf: your leaf was recomputed from your balances, blindings, id and salt",
    "  [ok] path: every parent on your path is the sum and hash of its two children",
    "  [ok] root: your path ends at the statement's root (hash and commitments)",
    "  [ok] range-proofs: every sibling on your path and the root is proven in [0, 2^n): no "
    "negative account can cancel yours",
    "  [ok] expectations: the balances match what you expected",
]


def _statement_json(path: Path) -> dict[str, object]:
    st = parse_statement(path.read_bytes(), "s")
    return {
        "round": ROUND,
        "exchange": EXCHANGE,
        "snapshot_time": SNAPSHOT_TIME,
        "params": st.params.to_json(),
        "root_hash": st.root.hash.hex(),
        "digest": st.digest().hex(),
        "previous": None,
        "version": 2,
    }


def test_statement_command_prints_exactly(rounds: Rounds) -> None:
    path = rounds.a.statement
    out = verify("statement", str(path))
    root = parse_statement(path.read_bytes(), "s").root.hash.hex()
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        *_header(path),
        f"Root hash: {root}",
        "[ok] generators: the statement names the pinned generator table",
        "[ok] root: every asset's total liabilities is proven in [0, 2^n) (not negative)",
        SIGNED,
        NO_RESERVES,
        "VALID: the statement is internally consistent and every proof in it verifies.",
    ]
    js = verify("statement", str(path), "--json", "--exchange-key", EXCHANGE_PK)
    assert (js.rc, js.stderr) == (0, "")
    assert js.stdout == json.dumps(json.loads(js.stdout), indent=2, sort_keys=True) + "\n"
    assert json.loads(js.stdout) == {
        "exchange_key_pinned": True,
        "result": "valid",
        "solvency": {"assets": {}, "reserves": False, "signed_by": EXCHANGE_PK, "total": None},
        "statement": _statement_json(path),
    }


def test_inclusion_command_prints_exactly(rounds: Rounds) -> None:
    path, proof = rounds.a.statement, rounds.a.proof_path("李雷")
    argv = ["inclusion", "--statement", str(path), "--proof", str(proof), "--user-id", "李雷"]
    argv += ["--exchange-key", EXCHANGE_PK, "--expect", "BTC=2", "--expect", "USDT=0.01"]
    out = verify(*argv)
    key = user_key_hex(ROUND, "李雷")
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        *_header(path),
        "This proof was made for user id: 李雷",
        f"Its hashed id (user key) for this round: {key}",
        "Your balances counted in the liabilities:",
        "  BTC      2.00000000",
        "  USDT     0.01",
        "Checks:",
        *CHECKS,
        SIGNED,
        NO_RESERVES,
        "VALID: your balances are included in the published liabilities.",
    ]
    js = verify(*argv, "--json")
    assert (js.rc, js.stderr) == (0, "")
    assert json.loads(js.stdout) == {
        "balances": {"BTC": "2.00000000", "USDT": "0.01"},
        "checks": [c.split(":")[0].strip()[5:] for c in CHECKS],
        "exchange_key_pinned": True,
        "result": "valid",
        "solvency": {"assets": {}, "reserves": False, "signed_by": EXCHANGE_PK, "total": None},
        "statement": _statement_json(path),
        "user_id": "李雷",
        "user_id_checked": True,
        "user_key": key,
    }


def _inclusion(st: Path, proof: Path, *argv: str) -> list[str]:
    return ["inclusion", "--statement", str(st), "--proof", str(proof), *argv]


def test_invalid_goes_to_stdout_with_its_check_and_hint(rounds: Rounds) -> None:
    path, key = rounds.a.statement, user_key_hex(ROUND, "alice")
    lines = [
        *_header(path),
        "This proof was made for user id: alice",
        f"Its hashed id (user key) for this round: {key}",
    ]
    out = verify(*_inclusion(path, rounds.b.proof_path("alice")))
    assert (out.rc, out.stderr) == (1, "")
    assert out.stdout.splitlines() == [
        *lines,
        "INVALID: check 'root' failed: the path does not lead to the statement's root hash",
        "hint: a proof made for another exchange's statement, or for another build of this "
        "round, fails this way: check that the statement is the one published by the exchange "
        "that gave you the proof; if it is, the exchange's proof does not match what it "
        "published",
    ]
    out = verify(*_inclusion(path, rounds.a.proof_path("alice"), "--expect", "BTC=1"))
    assert (out.rc, out.stderr) == (1, "")
    assert out.stdout.splitlines() == [
        *lines,
        "INVALID: check 'expectations' failed: BTC: the proof counts 1.50000000 BTC, you "
        "expected 1.00000000 BTC (150,000,000 and 100,000,000 base units)",
    ]
    js = verify(*_inclusion(path, rounds.a.proof_path("alice"), "--user-id", "bob", "--json"))
    assert (js.rc, js.stderr) == (1, "")
    assert json.loads(js.stdout) == {
        "error": "this proof was made for another user id",
        "exchange_key_pinned": False,
        "failed_check": "user-id",
        "result": "invalid",
        "statement": _statement_json(path),
        "user_id": "alice",
        "user_id_checked": True,
        "user_key": key,
    }


def test_bad_input_goes_to_stderr_exit_2(rounds: Rounds) -> None:
    path = rounds.a.statement
    out = verify("statement", str(path), "--exchange-key", "ab")
    assert (out.rc, out.stdout) == (2, "")
    assert out.stderr == (
        "error: --exchange-key: expected the exchange's public key, 64 lowercase hex characters "
        "(BIP-340 x-only), got 2 characters\n"
    )
    js = verify("statement", str(path), "--exchange-key", str(path), "--json")
    assert (js.rc, js.stderr) == (2, "")
    assert json.loads(js.stdout) == {
        "error": f"--exchange-key {str(path)!r} is a file: give the exchange's public key (64 "
        "hex, BIP-340 x-only), as shown on its report page (`solvency-prove pubkey --key FILE` "
        "prints it from the signing key file)",
        "exchange_key_pinned": True,
        "result": "bad-input",
    }
    # --expect is refused before anything is printed
    out = verify(*_inclusion(path, rounds.a.proof_path("alice"), "--expect", "BTC=1.000000001"))
    assert (out.rc, out.stdout) == (2, "")
    assert out.stderr == (
        "error: --expect 'BTC=1.000000001': amount must be a plain decimal with at most 8 "
        "decimals\n"
    )


def test_audit_command_prints_exactly(rounds: Rounds, tmp_path: Path) -> None:
    path = rounds.a.statement
    tail = [
        "[ok] tree: 27 nodes over 5 levels; every parent is the sum and hash of its two "
        "children; every node but the root has its parent; the root is the statement's",
        "[ok] range proofs: 26 node proofs verified (batched)",
    ]
    out = verify("audit", "--statement", str(path), "--bundle", str(rounds.bundle))
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        *_header(path),
        *tail,
        "[ok] complete: every node without children is one of 6 leaves or one of 8 padding "
        "nodes, each shown to be padding (its hash's preimage) and to commit to zero: no "
        "subtree was pruned",
        SIGNED,
        NO_RESERVES,
        "VALID: every node of the tree is well formed and in range, and nothing was pruned.",
    ]
    js = verify("audit", "--statement", str(path), "--bundle", str(rounds.bundle), "--json")
    assert json.loads(js.stdout)["audit"] == {
        "nodes": 27,
        "proofs": 26,
        "format": AUDIT_FORMAT,
        "complete": True,
        "leaves": 6,
        "padding": 8,
    }
    v1 = tmp_path / "v1"
    v1.mkdir()
    shutil.copyfile(rounds.bundle / "nodes.jsonl", v1 / "nodes.jsonl")  # no header: audit/v1
    out = verify("audit", "--statement", str(path), "--bundle", str(v1))
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        *_header(path),
        *tail,
        f"[!!] audit/v1 bundle (no {AUDIT_HEADER}): 0 nodes without children above the leaves "
        "are not shown to be padding, so a pruned subtree would look the same: ask for a "
        "bundle from this version's `solvency-prove export-audit`",
        SIGNED,
        NO_RESERVES,
        "VALID (audit/v1): every node given is well formed and in range; completeness is not "
        "shown.",
    ]
    js = verify("audit", "--statement", str(path), "--bundle", str(v1), "--json")
    assert json.loads(js.stdout)["audit"]["format"] == AUDIT_FORMAT_V1
    assert json.loads(js.stdout)["audit"]["complete"] is False


def test_history_command_prints_exactly(rounds: Rounds) -> None:
    a, c = rounds.a.statement, rounds.c.statement
    da = parse_statement(a.read_bytes(), "s").digest().hex()
    dc = parse_statement(c.read_bytes(), "s").digest().hex()
    row_a = f"  round {ROUND}  snapshot {SNAPSHOT_TIME}  digest {da}  previous "
    row_c = f"  round {OTHER_ROUND}  snapshot 2026-12-01T00:00:00Z  digest {dc}  previous {da}"
    out = verify("history", str(c), str(a))
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "2 statement(s):",
        f"{row_a}none: a first round  ({a})",
        f"{row_c}  ({c})",
        f"[ok] every statement verifies on its own; one exchange ({EXCHANGE}), signed by one key",
        f"[ok] links: 2 round(s) from {ROUND} to {OTHER_ROUND}, each naming the one before it; "
        "rounds and snapshot times increase; no fork, no gap",
        f"Latest statement digest: {dc}",
        "VALID: one history, the same for everyone who was shown these statements.",
    ]
    out = verify("history", str(c), "--exchange-key", EXCHANGE_PK)
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines() == [
        "1 statement(s):",
        f"{row_c} (not given)  ({c})",
        f"[ok] every statement verifies on its own; one exchange ({EXCHANGE}), signed by the "
        "pinned key",
        f"[ok] links: 1 round(s) from {OTHER_ROUND} to {OTHER_ROUND}, each naming the one before "
        "it; rounds and snapshot times increase; no fork, no gap",
        f"The history given starts at round {OTHER_ROUND}, which links to an earlier statement "
        f"not given here ({da}).",
        f"Latest statement digest: {dc}",
        "VALID: one history, the same for everyone who was shown these statements.",
    ]
    js = verify("history", str(a), str(c), "--json")
    doc = json.loads(js.stdout)
    assert (js.rc, doc["history"], doc["result"]) == (0, [da, dc], "valid")
    assert doc["statements"] == [
        {
            "file": str(a), "round": ROUND, "exchange": EXCHANGE, "snapshot_time": SNAPSHOT_TIME,
            "digest": da, "previous": None, "version": 2,
        },
        {
            "file": str(c), "round": OTHER_ROUND, "exchange": EXCHANGE,
            "snapshot_time": "2026-12-01T00:00:00Z", "digest": dc, "previous": da, "version": 2,
        },
    ]  # fmt: skip


def test_user_key_command() -> None:
    key = user_key_hex("r", "x")
    out = verify("user-key", "--round", "r", "x")
    assert (out.rc, out.stdout, out.stderr) == (0, key + "\n", "")
    js = verify("user-key", "--round", "r", "x", "--json")
    assert (js.rc, json.loads(js.stdout)) == (0, {"result": "valid", "user_key": key})


# --- the arguments checked before any file is read -------------------------------------------


def test_expectations_are_converted_exactly(rounds: Rounds) -> None:
    st = parse_statement(rounds.a.statement.read_bytes(), "s")  # BTC 8 decimals, USDT 2
    assert parse_expectations([], st) == {}
    got = parse_expectations(["BTC=1.5", "USDT=7", "BTC=0.00000001"], st)
    assert got == {"BTC": 1, "USDT": 700}  # the last of an asset given twice counts
    assert parse_expectations(["USDT=0.1", "BTC=12345678"], st) == {
        "USDT": 10,
        "BTC": 12345678 * 10**8,
    }
    assert parse_expectations(["USDT=" + "9" * 39], st) == {"USDT": int("9" * 39) * 100}
    assert parse_expectations(["USDT=0"], st) == {"USDT": 0}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("BTC", "--expect 'BTC': expected ASSET=AMOUNT with an asset of the round"),
        ("ETH=1", "--expect 'ETH=1': expected ASSET=AMOUNT with an asset of the round"),
        ("btc=1", "--expect 'btc=1': expected ASSET=AMOUNT with an asset of the round"),
        ("=1", "--expect '=1': expected ASSET=AMOUNT with an asset of the round"),
        (
            "USDT=" + "1" * 40,
            "--expect USDT=<40 digits>: more than 39 digits before the decimal point; no balance "
            "is that large",
        ),
        (
            "USDT=" + "1" * 5000,
            "--expect USDT=<5,000 digits>: more than 39 digits before the decimal point; no "
            "balance is that large",
        ),
        ("USDT=1.001", "--expect 'USDT=1.001': amount must be a plain decimal with at most 2 "
         "decimals"),
        ("USDT=", "--expect 'USDT=': amount must be a plain decimal with at most 2 decimals"),
        ("USDT=.5", "--expect 'USDT=.5': amount must be a plain decimal with at most 2 decimals"),
        ("USDT=1.", "--expect 'USDT=1.': amount must be a plain decimal with at most 2 decimals"),
        ("USDT=-1", "--expect 'USDT=-1': amount must be a plain decimal with at most 2 decimals"),
        ("USDT=1e3", "--expect 'USDT=1e3': amount must be a plain decimal with at most 2 "
         "decimals"),
        ("USDT=1.x", "--expect 'USDT=1.x': amount must be a plain decimal with at most 2 "
         "decimals"),
        ("USDT=1.2.3", "--expect 'USDT=1.2.3': amount must be a plain decimal with at most 2 "
         "decimals"),
        # digits of other scripts: str.isdigit() says yes, int() would read them
        ("USDT=١", "--expect 'USDT=١': amount must be a plain decimal with at most 2 decimals"),
        ("USDT=1.٣", "--expect 'USDT=1.٣': amount must be a plain decimal with at most 2 "
         "decimals"),
    ],
)  # fmt: skip
def test_expectations_refused(rounds: Rounds, item: str, message: str) -> None:
    st = parse_statement(rounds.a.statement.read_bytes(), "s")
    with pytest.raises(FormatError) as err:
        parse_expectations(["BTC=1", item], st)
    assert str(err.value) == message


def test_pinned_key_must_be_64_lowercase_hex(tmp_path: Path) -> None:
    check_pinned_key(None)
    check_pinned_key(EXCHANGE_PK)
    for value in (EXCHANGE_PK.upper(), EXCHANGE_PK[:-1], EXCHANGE_PK + "0", f" {EXCHANGE_PK}"):
        with pytest.raises(FormatError) as err:
            check_pinned_key(value)
        assert str(err.value) == (
            "--exchange-key: expected the exchange's public key, 64 lowercase hex characters "
            f"(BIP-340 x-only), got {len(value)} characters"
        )
    with pytest.raises(FormatError) as err:
        check_pinned_key(f"{EXCHANGE_PK}\n")  # fullmatch: no newline after the 64th character
    assert str(err.value).endswith("got 65 characters")
    folder = tmp_path / "keys"
    folder.mkdir()
    with pytest.raises(FormatError) as err:
        check_pinned_key(str(folder))
    assert str(err.value).startswith(f"--exchange-key {str(folder)!r} is a file: give ")


# --- execute, main, the report and the option helpers ----------------------------------------


def test_main_reads_sys_argv_and_maps_each_verdict_to_its_exit_code(
    rounds: Rounds, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(rounds.a.statement)
    for argv, code in (
        (["statement", path], 0),
        (_inclusion(rounds.a.statement, rounds.a.proof_path("bob"), "--user-id", "eve"), 1),
        (["statement", path + ".missing"], 2),
    ):
        monkeypatch.setattr(sys, "argv", ["solvency-verify", *argv])
        out = run(lambda _argv: verify_main(), [])
        assert out.rc == code, (argv, out.text)
        assert verify(*argv).rc == code


def test_backend_option_sets_the_group_backend(rounds: Rounds) -> None:
    before = get_backend().name
    try:
        report, valid, error = execute(
            ["--backend", "python", "statement", str(rounds.a.statement)]
        )
        assert (valid, error, get_backend().name) == (True, None, "python")
        assert report.data["exchange_key_pinned"] is False
        report, valid, error = execute(["user-key", "--round", "r", "x"])
        assert (valid, error, get_backend().name) == (True, None, "python")  # left as it was
        assert "exchange_key_pinned" not in report.data
    finally:
        set_default_backend(before)


def _emit(r: Report, valid: bool | None, error: SolvencyError | None = None) -> Run:
    def main(_argv: object) -> int:
        r.emit(valid, error)
        return 0

    return run(main, [])


def test_report_json_doc_and_emit() -> None:
    r = Report(as_json=False)
    r.say("one")
    r.say()
    r.data["x"] = 1
    assert r.json_doc(True) == {"x": 1, "result": "valid"}
    assert r.json_doc(None, FormatError("bad")) == {"x": 1, "result": "bad-input", "error": "bad"}
    failed = VerificationError("no", check="root")
    assert r.json_doc(False, failed) == {
        "x": 1, "result": "invalid", "error": "no", "failed_check": "root"
    }  # fmt: skip
    assert r.data == {"x": 1}  # json_doc copies
    printed = _emit(r, None, FormatError("bad"))
    assert (printed.stdout, printed.stderr) == ("one\n\n", "error: bad\n")
    printed = _emit(r, False, VerificationError("no", check="leaf"))
    assert (printed.stdout, printed.stderr) == ("one\n\nINVALID: check 'leaf' failed: no\n", "")
    printed = _emit(r, None, VerificationError("odd", check="path"))
    assert printed.stderr == "INVALID: check 'path' failed: odd\n"
    printed = _emit(r, None, VerificationError("odd", check="root"))  # the hint goes along
    assert printed.stderr == f"INVALID: check 'root' failed: odd\nhint: {CHECK_HINTS['root']}\n"
    printed = _emit(r, True)
    assert (printed.stdout, printed.stderr) == ("one\n\n", "")
    j = Report(as_json=True)
    j.say("not printed")
    j.data["name"] = "zoë"
    printed = _emit(j, True)
    assert printed.stdout == '{\n  "name": "zoë",\n  "result": "valid"\n}\n'


def test_callback_action_passes_the_option_as_typed() -> None:
    seen: list[tuple[object, ...]] = []
    ap = argparse.ArgumentParser(prog="p")
    ap.add_argument(
        "-o", "--opt", action=CallbackAction, nargs="?", default="d",
        callback=lambda p, ns, v, opt: seen.append((p.prog, ns.opt, v, opt)),
    )  # fmt: skip
    ap.parse_args(["--opt", "x"])
    ap.parse_args(["-o"])
    action = ap._actions[-1]
    assert isinstance(action, CallbackAction)
    assert (action.dest, action.default, action.nargs) == ("opt", "d", "?")
    action(ap, argparse.Namespace(opt="n"), "v")  # no option string: the first one
    assert seen == [("p", "d", "x", "--opt"), ("p", "d", None, "-o"), ("p", "n", "v", "-o")]


def test_safe_output_lets_any_text_print(monkeypatch: pytest.MonkeyPatch) -> None:
    streams = []
    for name in ("stdout", "stderr"):
        stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
        monkeypatch.setattr(sys, name, stream)
        streams.append(stream)
    safe_output()
    assert [s.errors for s in streams] == ["backslashreplace", "backslashreplace"]
    sys.stdout.write("\udcff")
    sys.stdout.flush()
    assert streams[0].buffer.getvalue() == b"\\udcff"
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a TextIOWrapper: left alone
    safe_output()


# --- reserves: the solvency lines, the chain note, the chain commands' hand-over ----------------


def _make_reserves(base: Path) -> Round:
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    spec = default_reserves_spec(totals_of(USERS, ASSETS))
    res = write_json(base / "reserves.json", reserves_doc(EXCHANGE, ROUND, spec))
    extra = ["--exchange", EXCHANGE, "--signing-key", str(key), "--reserves", str(res)]
    return build_round(base, extra=extra)


@pytest.fixture(scope="session")
def with_reserves(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "cli-exact-reserves", _make_reserves)


SOLVENCY = [
    SIGNED,
    "BTC: reserves 4.50000001 >= liabilities (hidden): proven",
    "USDT: reserves 15,064.97 >= liabilities (hidden): proven",
]


class FakeChain:
    """verifier.chain.commands' entry points replaced: what the command hands them, and a line."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from verifier.chain import commands

        self.calls: list[tuple[str, str, object]] = []
        for name in ("chain_checks", "reserves_command"):
            monkeypatch.setattr(commands, name, self._entry(name))

    def _entry(self, name: str) -> Callable[..., None]:
        def entry(
            st: Statement,
            args: argparse.Namespace,
            say: Callable[[str], None],
            data: dict[str, Any],
        ) -> None:
            self.calls.append((name, st.round_id, args.eth_rpc))
            say(f"[{name}]")
            data[name] = True

        return entry


def test_statement_with_reserves_and_the_chain_note(
    with_reserves: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(with_reserves.statement)
    head = [
        *_header(with_reserves.statement),
        f"Root hash: {parse_statement(with_reserves.statement.read_bytes(), 's').root.hash.hex()}",
        "[ok] generators: the statement names the pinned generator table",
        "[ok] root: every asset's total liabilities is proven in [0, 2^n) (not negative)",
    ]
    valid = "VALID: the statement is internally consistent and every proof in it verifies."
    chain = FakeChain(monkeypatch)
    out = verify("statement", path)
    assert (out.rc, out.stderr, chain.calls) == (0, "", [])
    assert out.stdout.splitlines() == [*head, *SOLVENCY, CHAIN_NOTE, valid]
    report, ok, _ = execute(["statement", path])
    assert (ok, report.solvency) == (True, [*SOLVENCY, CHAIN_NOTE])  # what the page shows
    out = verify("statement", path, "--eth-rpc", "http://node")
    assert out.stdout.splitlines() == [*head, *SOLVENCY, "[chain_checks]", valid]
    assert chain.calls == [("chain_checks", ROUND, ["http://node"])]
    js = verify("statement", path, "--anchor-tx", "0x" + "00" * 32, "--json")
    assert json.loads(js.stdout)["chain_checks"] is True
    assert chain.calls[1] == ("chain_checks", ROUND, [])
    inclusion = verify(*_inclusion(with_reserves.statement, with_reserves.proof_path("bob")))
    assert inclusion.rc == 0
    assert "\n".join([*SOLVENCY, CHAIN_NOTE]) + "\n" in inclusion.stdout


def test_reserves_command_hands_over_to_the_chain_module(
    with_reserves: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = FakeChain(monkeypatch)
    out = verify("reserves", "--statement", str(with_reserves.statement), "--eth-rpc", "u")
    assert (out.rc, out.stderr, chain.calls) == (0, "", [("reserves_command", ROUND, ["u"])])
    assert out.stdout.splitlines() == [
        *_header(with_reserves.statement),
        "[reserves_command]",
        "VALID: the reserves are signed for this round and the chain holds at least every claim.",
    ]
    js = verify("reserves", "--statement", str(with_reserves.statement), "--json")
    doc = json.loads(js.stdout)
    assert (js.rc, doc["reserves_command"], doc["statement"]["round"]) == (0, True, ROUND)


def test_headers_of_unsigned_v1_and_linked_statements(rounds: Rounds, tmp_path: Path) -> None:
    doc = rounds.a.statement_json()
    for key in ("signature", "exchange"):
        del doc[key]
    doc["snapshot_time"] = None
    path = write_json(tmp_path / "statement.json", doc)
    digest = parse_statement(path.read_bytes(), "s").digest().hex()
    out = verify("statement", str(path))
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines()[:5] == [
        f"Round {ROUND}; snapshot time: not stated",
        *_header(rounds.a.statement)[1:3],
        f"Statement digest: {digest} (compare it with what others were shown)",
        "Previous statement: none (the exchange's first round)",
    ]
    out = verify("history", str(path))
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines()[1:3] == [
        f"  round {ROUND}  snapshot not stated  digest {digest}  previous none: a first round  "
        f"({path})",
        "[ok] every statement verifies on its own; one exchange (not named), not signed (no "
        "signature to check)",
    ]
    v1 = Path(__file__).parent / "fixtures" / "v1" / "statement.json"
    out = verify("statement", str(v1))
    assert out.stdout.splitlines()[4] == (
        "Previous statement: none (a v1 statement: it names no previous round)"
    )
    assert json.loads(verify("statement", str(v1), "--json").stdout)["statement"]["version"] == 1
    out = verify("history", str(v1))
    assert " previous none: a first round (v1 statement)  (" in out.stdout.splitlines()[1]
    da = parse_statement(rounds.a.statement.read_bytes(), "s").digest().hex()
    out = verify("inclusion", "--statement", str(rounds.c.statement), "--proof",
                 str(rounds.c.proof_path("bob")))  # fmt: skip
    assert (out.rc, out.stdout.splitlines()[4]) == (0, f"Previous statement: {da}")
    doc = json.loads(verify("statement", str(rounds.c.statement), "--json").stdout)
    assert doc["statement"]["previous"] == da


def test_key_pinned_id_not_given_names_the_command_that_checks_both(
    rounds: Rounds, tmp_path: Path
) -> None:
    st, proof = tmp_path / "the statement.json", tmp_path / "my proof.json"
    shutil.copyfile(rounds.a.statement, st)
    shutil.copyfile(rounds.a.proof_path("alice"), proof)
    argv = _inclusion(st, proof, "--exchange-key", EXCHANGE_PK, "--expect", "BTC=1.5")
    out = verify(*argv)
    command = (
        f"solvency-verify inclusion --statement '{st}' --proof '{proof}' --user-id 'YOUR USER ID' "
        f"--exchange-key {EXCHANGE_PK} --expect BTC=1.5"
    )
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines()[7:] == [
        "The proof's balances counted in the liabilities:",
        "  BTC      1.50000000",
        "  USDT     250.75",
        "Checks:",
        *[c for c in CHECKS if "user-id" not in c],
        SIGNED,
        NO_RESERVES,
        "NOT CHECKED: that this is your user id (no --user-id given): the proof is valid for user "
        "id 'alice', whoever that is.",
        "Check it with:",
        f"  {command}",
        "VALID: the balances of user id 'alice' are included in the published liabilities (that "
        "the id is yours was not checked).",
    ]
    doc = json.loads(verify(*argv, "--json").stdout)
    assert (doc["safe_command"], doc["user_id_checked"]) == (command, False)


# --- verifier.inputs: what a file is ---------------------------------------------------------

SNIFFED = [
    (b"", "empty"),
    (b" \n\t", "empty"),
    (b"\x89PNG\r\n\x1a\nrest", "png"),
    (b"\x89PNG\r\n\x1a", "binary"),  # a magic cut short is not the magic
    (b"\xff\xd8\xff\xe0", "jpeg"),
    (b"GIF89a", "gif"),
    (b"%PDF-1.7", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"ZKSP\x01", "inclusion-binary"),
    (b"  <!DOCTYPE HTML>", "html"),
    (b"<html lang=en>", "html"),
    (b"<head>", "text"),
    (b'{"format": "zk-solvency/statement/v9"}', "statement"),
    (b'{"format": "zk-solvency/inclusion/v9"}', "inclusion"),
    (b'{"format": "zk-solvency/other/v1"}', "json"),
    (b'{"format": ["zk-solvency/statement/v1"]}', "json"),
    (b'{"depth": 0, "index": 0, "commitments": []}', "audit-line"),
    (b'{"depth": 0, "index": 0}', "json"),
    (b'{"index": 0, "commitments": []}', "json"),
    (b'{"depth": 0, "commitments": []}', "json"),
    (b'{"assets": {}, "exchange": "x", "round": "r"}', "reserves"),
    (b'{"assets": {}, "exchange": "x"}', "json"),
    (b'{"assets": {}, "round": "r"}', "json"),
    (b'{"exchange": "x", "round": "r"}', "json"),
    (b'{"input_sha256": "00"}', "manifest"),
    (b'{"outputs": []}', "manifest"),
    (b'{"depth": 1, "index": 2, "commitments": []}\n{"depth": 0}\n', "audit-line"),
    (b"[1, 2]", "json-value"),
    (b'"text"', "json-value"),
    (b"[1]\n[2]\n", "text"),  # JSON Lines of arrays: only an object on the first line counts
    (b"plain words", "text"),
    (b"\xc3\x28 not utf-8", "binary"),
]


@pytest.mark.parametrize(("data", "kind"), SNIFFED)
def test_sniff_names_each_kind(data: bytes, kind: str) -> None:
    assert sniff(data) == kind
    error = wrong_kind("f.json", data, "a statement")
    assert str(error) == f"f.json: this is {KINDS[kind]}, not a statement"


def test_sniff_reads_only_the_first_bytes_for_text_and_html() -> None:
    assert sniff(b" " * 507 + b"<html>") == "html"  # the page test looks at 512 bytes
    assert sniff(b" " * 508 + b"<html>") == "text"
    assert sniff(b"a" * 4096 + b"\xff") == "text"  # utf-8 checked on the first 4096 bytes
    assert sniff(b"a" * 4095 + b"\xff") == "binary"
    json_tail = b'{"format": "zk-solvency/statement/v1"' + b" " * (16 * 1024 * 1024) + b"}"
    assert sniff(json_tail) == "text"  # JSON read from the first 16 MiB only


def test_wrong_kind_hints() -> None:
    data = b"hello"
    for key, hint in (
        ("statement", "the statement is statement.json of the round's folder (or the exchange's "
         "site)"),
        ("inclusion", "your proof is the file users/<your user key>.json the exchange gave you "
         "(`solvency-verify user-key` prints the key)"),
        ("audit", "an audit bundle is the folder written by `solvency-prove export-audit`"),
        ("reserves", "a reserves file lists the exchange's wallets (see README, 'Reserves')"),
    ):  # fmt: skip
        error = wrong_kind("x", data, "y", key)
        assert isinstance(error, FormatError)
        assert str(error) == f"x: this is a text file that is not JSON, not y; {hint}"
    assert (
        str(wrong_kind("x", data, "y", "nothing"))
        == "x: this is a text file that is not JSON, not y"
    )


# --- verifier.web: the page's set-up ------------------------------------------------------------


class JsBytes:
    """What Pyodide hands over for a Uint8Array: an object with to_bytes()."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def to_bytes(self) -> bytes:
        return self.data


def test_start_answers_what_the_page_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    before = get_backend().name
    monkeypatch.setattr(hashes, "_provided", {})
    try:
        answer = json.loads(web.start(JsBytes(affine_table(2)), "python"))
        assert get_backend().name == "python"
        assert answer == {
            "python": sys.version.split()[0],
            "gmpy2": bigint.GMPY2,
            "backend": "python",
            "generators": 2,
            "max_proof_bytes": MAX_PROOF_BYTES,
            "hashes": {name: hashes.source(name) for name in ("ripemd160", "keccak256")},
            "stdlib_bytecode": json.__file__.endswith(".pyc"),
        }
        assert json.loads(web.start())["generators"] == 0  # no table: derived when needed
        assert json.loads(web.start(affine_table(4)))["generators"] == 4
        with pytest.raises(FormatError, match=r"^generator table: not a whole number"):
            web.start(b"\x00")
    finally:
        set_default_backend(before)


def test_use_hashes_names_the_providers_and_hands_over_hex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashes, "_provided", {})
    seen: list[tuple[str, str]] = []

    def fake(name: str, out: object) -> Callable[[str], object]:
        def fn(data_hex: str) -> object:
            seen.append((name, data_hex))
            return out

        return fn

    answer = web.use_hashes(fake("r", "ab" * 20), fake("k", "CD" * 32), "noble 2")
    assert json.loads(answer) == {"ripemd160": "noble 2", "keccak256": "noble 2"}
    assert hashes.ripemd160(b"\x01\x02") == bytes.fromhex("ab" * 20)
    assert hashes.keccak256(b"") == bytes.fromhex("cd" * 32)
    assert seen == [("r", "0102"), ("k", "")]
    provider = hashes._provided["keccak256"][0]
    assert provider.__name__ == "keccak256 of noble 2"
    assert hashes._provided["ripemd160"][0].__name__ == "ripemd160 of noble 2"
    for out in ("xyz", 7, None, "abc"):
        web.use_hashes(fake("r", out), fake("k", out), "bad")
        assert hashes._provided["ripemd160"][0](b"") == b""  # refused by the length check


# --- verifier.history, called directly -------------------------------------------------------


@pytest.mark.parametrize("text", [None, "2026-11-01T00:00:00", "yesterday", ""])
def test_snapshot_instant_needs_a_time_with_a_zone(rounds: Rounds, text: str | None) -> None:
    st = replace(parse_statement(rounds.a.statement.read_bytes(), "s"), snapshot_time=text)
    with pytest.raises(FormatError) as err:
        snapshot_instant(st, "f.json")
    assert str(err.value) == (
        f"f.json: snapshot_time {text!r} is not an RFC 3339 time with a zone (e.g. "
        "2026-11-01T00:00:00Z): rounds of a history are ordered by it"
    )
    ok = replace(st, snapshot_time="2026-11-01T01:00:00+01:00")
    assert snapshot_instant(ok, "f") == datetime(2026, 11, 1, tzinfo=UTC)


def test_check_link_names_each_side(rounds: Rounds) -> None:
    a = parse_statement(rounds.a.statement.read_bytes(), "s")
    c = parse_statement(rounds.c.statement.read_bytes(), "s")
    unsigned = replace(a, extra={k: v for k, v in a.extra.items() if k != "signature"})
    prev, cur = Entry("a.json", unsigned, b"a"), Entry("c.json", c, b"c")
    with pytest.raises(VerificationError) as err:
        check_link(prev, cur)
    assert (str(err.value), err.value.check) == (
        f"round {OTHER_ROUND} (c.json) is signed by {EXCHANGE_PK}, round {ROUND} (a.json) by no "
        "key: a history has one signing key",
        "history-key",
    )
    check_link(Entry("a.json", a, b"a"), cur)
    for bad_prev, name in ((True, "a.json"), (False, "c.json")):
        old, new = (
            (replace(a, snapshot_time="now"), c)
            if bad_prev
            else (a, replace(c, snapshot_time="now"))
        )
        with pytest.raises(FormatError) as fmt:
            check_link(Entry("a.json", old, b"a"), Entry("c.json", new, b"c"))
        assert str(fmt.value).startswith(f"{name}: snapshot_time 'now' is not an RFC 3339 time")


# --- verifier.inputs: the audit bundle's root, read from its end -----------------------------


def test_the_bundle_of_another_round_is_named_before_anything_is_verified(
    rounds: Rounds, tmp_path: Path
) -> None:
    nodes = rounds.bundle / "nodes.jsonl"
    a = parse_statement(rounds.a.statement.read_bytes(), "s")
    c = parse_statement(rounds.c.statement.read_bytes(), "s")
    message = (
        f"{nodes}: this bundle's root hash {a.root.hash.hex()} is not the root hash of the "
        f"statement ({c.root.hash.hex()}): it is the audit bundle of another round or exchange; "
        f"give the bundle `solvency-prove export-audit` wrote for round {OTHER_ROUND}"
    )
    out = verify("audit", "--statement", str(rounds.c.statement), "--bundle", str(rounds.bundle))
    assert (out.rc, out.stdout, out.stderr) == (2, "", f"error: {message}\n")
    check_bundle_root(nodes, a)  # its own statement: nothing to say
    lines = nodes.read_bytes().splitlines(keepends=True)
    # read from the end: a first line longer than the tail read is never read
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (MAX_AUDIT_LINE_BYTES + 5) + b"\n" + lines[-1] + b"\n\n")
    with pytest.raises(FormatError) as err:
        check_bundle_root(big, c)
    assert str(err.value) == message.replace(str(nodes), str(big))
    # a last line that is not a root, or not a node at all: left to the verifier
    for body in (b"".join(lines[:-1]), b"".join(lines) + b"garbage\n", b""):
        big.write_bytes(body)
        check_bundle_root(big, c)


def test_kind_of_every_file_that_is_not_regular(tmp_path: Path) -> None:
    from verifier.inputs import _kind_of_mode

    kinds = {
        stat.S_IFDIR: "a folder",
        stat.S_IFIFO: "a named pipe (FIFO)",
        stat.S_IFCHR: "a device",
        stat.S_IFBLK: "a device",
        stat.S_IFSOCK: "a socket",
        stat.S_IFLNK: "not a regular file",
    }
    assert {mode: _kind_of_mode(mode | 0o644) for mode in kinds} == kinds


def test_read_bounded_asks_for_limit_plus_one_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"z" * 50)
    asked: list[int] = []

    class Counting(io.BufferedReader):
        def read(self, size: int | None = -1) -> bytes:
            asked.append(-1 if size is None else size)
            return super().read(size)

    def fdopen(fd: int, mode: str = "r") -> io.BufferedReader:
        return Counting(io.FileIO(fd, "rb"))  # the descriptor, read through Counting

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert read_bounded(f, 50) == b"z" * 50
    with pytest.raises(FormatError) as err:
        read_bounded(f, 49)
    assert str(err.value) == f"{f}: more than the limit of 49 bytes"
    assert asked == [51, 50]


def test_verify_history_names_the_file_once(rounds: Rounds) -> None:
    with pytest.raises(FormatError) as err:
        verify_history([])
    assert str(err.value) == "no statements given"
    a = parse_statement(rounds.a.statement.read_bytes(), "s")
    bad = replace(a, extra={**a.extra, "signature": 5})
    for source, message in (
        ("x.json", "x.json: signature: expected an object, got integer"),
        ("signature", "signature: expected an object, got integer"),  # already names it
    ):
        with pytest.raises(FormatError) as err:
            verify_history([Entry(source, bad, b"a")])
        assert str(err.value) == message
    with pytest.raises(VerificationError) as failed:
        verify_history([Entry("y.json", a, b"a")], exchange_key="00" * 32)
    assert (str(failed.value), failed.value.check) == (
        "y.json: the statement is signed by another key than the one you pinned", "signature"
    )  # fmt: skip


def test_a_root_line_at_the_tail_bound_and_trailing_blanks(rounds: Rounds, tmp_path: Path) -> None:
    a = parse_statement(rounds.a.statement.read_bytes(), "s")
    c = parse_statement(rounds.c.statement.read_bytes(), "s")
    root = (rounds.bundle / "nodes.jsonl").read_bytes().splitlines()[-1]
    f = tmp_path / "nodes.jsonl"
    # the root alone, from the first byte; then padded to exactly the longest line allowed
    padded = b"{" + b" " * (MAX_AUDIT_LINE_BYTES - len(root)) + root[1:]
    assert len(padded) == MAX_AUDIT_LINE_BYTES
    bodies = [root, root + b"\n", b"\n".join([b"x" * 100, padded, b""])]
    bodies.append(b"x" * MAX_AUDIT_LINE_BYTES + b"\n" + root)  # read to the last byte
    for body in bodies:
        f.write_bytes(body)
        with pytest.raises(FormatError) as err:
            check_bundle_root(f, c)
        assert str(err.value).startswith(f"{f}: this bundle's root hash {a.root.hash.hex()} ")
    f.write_bytes(root + b"\n \n")  # a last line of blanks: the verifier refuses it later
    check_bundle_root(f, c)
    with open_regular(f) as stream, pytest.raises(FormatError) as err:
        list(audit_levels(stream, c.params, "n.jsonl"))
    assert str(err.value) == "n.jsonl:2: content after the root line"
    levels = audit_levels(io.BytesIO(b"x" + root), c.params, "n.jsonl")
    with pytest.raises(FormatError) as err:
        next(levels)
    assert str(err.value).startswith("n.jsonl:1: line 1 column 1: invalid JSON")


def test_bounded_lines_at_the_limit() -> None:
    lines = bounded_lines(io.BytesIO(b"x" * 10 + b"\n" + b"y" * 10), 10, "s")
    assert list(lines) == [(1, b"x" * 10), (2, b"y" * 10)]
    with pytest.raises(FormatError) as err:
        list(bounded_lines(io.BytesIO(b"ok\n" + b"z" * 11 + b"\n"), 10, "s"))
    assert str(err.value) == "s:2: line longer than the limit of 10 bytes"


def test_read_error_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"data")

    class Failing(io.BufferedReader):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r": Failing(io.FileIO(fd, "rb")))
    with pytest.raises(FormatError) as err:
        read_bounded(f, 10)
    assert str(err.value) == f"{f}: cannot read: Input/output error"


def test_round_folders_and_folders_of_rounds(rounds: Rounds, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FormatError) as err:
        round_statement(empty)
    assert str(err.value) == (
        f"{empty}: no public/statement.json (give a round folder made by `solvency-prove "
        "build`, or the statement file)"
    )
    many = tmp_path / "many"
    (many / "0-nothing").mkdir(parents=True)
    (many / "1-round" / "public").mkdir(parents=True)
    (many / "2-copy").mkdir()
    (many / "3-file").write_bytes(b"")
    shutil.copyfile(rounds.c.statement, many / "1-round" / "public" / "statement.json")
    shutil.copyfile(rounds.a.statement, many / "2-copy" / "statement.json")
    assert history_statements(["x.json", str(rounds.a.dir), str(many), "y.json"]) == [
        Path("x.json"),
        rounds.a.statement,
        many / "1-round" / "public" / "statement.json",
        many / "2-copy" / "statement.json",
        Path("y.json"),
    ]


# --- what the commands hand to the verification: the pinned key, the bundle's completeness -------


def test_every_command_checks_the_pinned_key(rounds: Rounds) -> None:
    """A statement signed by another key than the pinned one fails in every command (the
    commands pass --exchange-key on; without it the signature is only reported)."""
    other = bip340.xonly_pubkey(bytes(31) + b"\x09").hex()
    message = "INVALID: check 'signature' failed: the statement is signed by another key than the one you pinned"
    st = str(rounds.a.statement)
    for argv in (
        ["statement", st],
        ["inclusion", "--statement", st, "--proof", str(rounds.a.proof_path("bob"))],
        ["audit", "--statement", st, "--bundle", str(rounds.bundle)],
    ):
        out = verify(*argv, "--exchange-key", other)
        assert (out.rc, out.stderr, out.stdout.splitlines()[-1]) == (1, "", message), argv
        assert verify(*argv, "--exchange-key", EXCHANGE_PK).rc == 0
    out = verify("history", st, "--exchange-key", other)
    assert (out.rc, out.stdout.splitlines()[-1]) == (
        1,
        message.replace("failed: ", f"failed: {st}: "),
    )


def _bundle_without_a_padding_proof(rounds: Rounds, folder: Path, header: bool) -> Path:
    """The bundle with the padding proof of an inner padding node removed: a pruned subtree
    looks like that."""
    folder.mkdir()
    if header:
        shutil.copyfile(rounds.bundle / AUDIT_HEADER, folder / AUDIT_HEADER)
    lines = (rounds.bundle / "nodes.jsonl").read_bytes().splitlines()
    i = next(k for k, ln in enumerate(lines) if b'"padding"' in ln and b'"depth":4' not in ln)
    node = json.loads(lines[i])
    del node["padding"]
    lines[i] = json.dumps(node).encode()
    (folder / "nodes.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def test_a_bundle_with_its_header_is_checked_complete(rounds: Rounds, tmp_path: Path) -> None:
    st = str(rounds.a.statement)
    v2 = _bundle_without_a_padding_proof(rounds, tmp_path / "v2", header=True)
    out = verify("audit", "--statement", st, "--bundle", str(v2))
    assert (out.rc, out.stderr, out.stdout.splitlines()[-1]) == (
        1,
        "",
        "INVALID: check 'audit-tree' failed: node (3, 3) has no children and no proof that it "
        "is padding: a subtree may have been pruned",
    )
    v1 = _bundle_without_a_padding_proof(rounds, tmp_path / "v1", header=False)
    out = verify("audit", "--statement", st, "--bundle", str(v1))
    assert out.rc == 0
    assert (
        f"[!!] audit/v1 bundle (no {AUDIT_HEADER}): 1 nodes without children above the leaves "
        "are not shown to be padding" in out.stdout
    )
    bad = tmp_path / "bad"
    shutil.copytree(rounds.bundle, bad)
    (bad / AUDIT_HEADER).write_bytes(b"[]")
    out = verify("audit", "--statement", st, "--bundle", str(bad))
    assert (out.rc, out.stdout) == (2, "")
    assert out.stderr.startswith(f"error: {bad / AUDIT_HEADER}:")


def test_json_balances_have_no_thousands_separator(rounds: Rounds) -> None:
    argv = _inclusion(rounds.a.statement, rounds.a.proof_path("carol@example.com"), "--json")
    doc = json.loads(verify(*argv).stdout)
    assert doc["balances"] == {"BTC": "0.25000000", "USDT": "12345.67"}
    text = verify(*argv[:-1]).stdout
    assert "  USDT     12,345.67\n" in text


def test_an_expectation_with_two_equal_signs() -> None:
    st = parse_statement(
        (Path(__file__).parent / "fixtures" / "v1" / "statement.json").read_bytes(), "s"
    )
    with pytest.raises(FormatError) as err:
        parse_expectations(["BTC=1=2"], st)
    assert (
        str(err.value)
        == "--expect 'BTC=1=2': amount must be a plain decimal with at most 8 decimals"
    )


def test_id_given_key_not_pinned_says_so_exactly(rounds: Rounds) -> None:
    st, proof = rounds.a.statement, rounds.a.proof_path("bob")
    out = verify(*_inclusion(st, proof, "--user-id", "bob"))
    command = (
        f"solvency-verify inclusion --statement {st} --proof {proof} --user-id bob "
        "--exchange-key EXCHANGE-KEY"
    )
    assert (out.rc, out.stderr) == (0, "")
    assert out.stdout.splitlines()[-5:] == [
        NO_RESERVES,
        "NOT CHECKED: who published the statement (no --exchange-key given): pin the key the "
        "exchange publishes on its site (64 hex).",
        "Check it with:",
        f"  {command}",
        "VALID: your balances are included in the published liabilities.",
    ]


def test_the_solvency_lines_are_a_list_whatever_the_command(rounds: Rounds) -> None:
    st = str(rounds.a.statement)
    for argv in (
        ["user-key", "--round", "r", "x"],
        ["history", st],
        ["inclusion", "--statement", st, "--proof", str(rounds.b.proof_path("bob"))],
    ):
        report, _valid, _error = execute(argv)
        assert report.solvency == [], argv
