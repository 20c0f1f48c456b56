"""Whose proof it is: `solvency-verify inclusion` always prints the user id the proof was made
for; without --user-id (or --exchange-key) it says what was not checked and the exact command
that checks it; --json carries user_id, user_id_checked and exchange_key_pinned."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from solvency_rounds import (
    EXCHANGE_PK,
    EXCHANGE_SK,
    Round,
    build_round,
    shared,
    verify,
    write_secret,
)

UID = "zoë"


def _make(base: Path) -> Round:
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    return build_round(base, extra=["--signing-key", str(key)])


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "whose-proof", _make)


def _inclusion(rnd: Round, *argv: str) -> tuple[str, dict[str, object]]:
    base = ["inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path(UID))]
    out = verify(*base, *argv)
    assert out.rc == 0, out.text
    js = verify(*base, *argv, "--json")
    assert js.rc == 0, js.text
    return out.stdout, json.loads(js.stdout)


def test_nothing_pinned_says_what_was_not_checked_and_how(rnd: Round) -> None:
    text, doc = _inclusion(rnd, "--expect", "USDT=1000")
    assert f"This proof was made for user id: {UID}\n" in text
    assert "NOT CHECKED: that this is your user id (no --user-id given)" in text
    assert "NOT CHECKED: who published the statement (no --exchange-key given)" in text
    command = (
        f"solvency-verify inclusion --statement {shlex.quote(str(rnd.statement))} --proof "
        f"{shlex.quote(str(rnd.proof_path(UID)))} --user-id 'YOUR USER ID' --exchange-key "
        "EXCHANGE-KEY --expect USDT=1000"
    )
    assert f"Check it with:\n  {command}\n" in text
    assert text.rstrip().endswith(
        f"VALID: the balances of user id '{UID}' are included in the published liabilities "
        "(that the id is yours was not checked)."
    )
    assert (doc["user_id"], doc["user_id_checked"], doc["exchange_key_pinned"]) == (
        UID,
        False,
        False,
    )
    assert doc["safe_command"] == command


def test_id_given_key_not_pinned(rnd: Round) -> None:
    text, doc = _inclusion(rnd, "--user-id", "zoe\u0308")  # NFD spelling: the same id
    assert f"This proof was made for user id: {UID}\n" in text
    assert "NOT CHECKED: that this is your user id" not in text
    assert "NOT CHECKED: who published the statement" in text
    assert "--user-id 'zoe\u0308' --exchange-key EXCHANGE-KEY" in text
    assert (doc["user_id_checked"], doc["exchange_key_pinned"]) == (True, False)


def test_everything_checked_prints_no_warning(rnd: Round) -> None:
    text, doc = _inclusion(rnd, "--user-id", UID, "--exchange-key", EXCHANGE_PK)
    assert f"This proof was made for user id: {UID}\n" in text
    assert "NOT CHECKED" not in text and "safe_command" not in doc
    assert text.rstrip().endswith("VALID: your balances are included in the published liabilities.")
    assert (doc["user_id"], doc["user_id_checked"], doc["exchange_key_pinned"]) == (UID, True, True)


def test_statement_json_says_whether_the_key_was_pinned(rnd: Round) -> None:
    for argv, pinned in (([], False), (["--exchange-key", EXCHANGE_PK], True)):
        out = verify("statement", str(rnd.statement), "--json", *argv)
        assert out.rc == 0, out.text
        assert json.loads(out.stdout)["exchange_key_pinned"] is pinned


def test_a_failed_id_check_still_says_whose_proof_it_is(rnd: Round) -> None:
    argv = ["inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path(UID))]
    out = verify(*argv, "--user-id", "alice")
    assert out.rc == 1
    assert f"This proof was made for user id: {UID}\n" in out.stdout
    assert "INVALID: check 'user-id' failed" in out.stdout
    doc = json.loads(verify(*argv, "--user-id", "alice", "--json").stdout)
    assert (doc["result"], doc["failed_check"], doc["user_id"], doc["user_id_checked"]) == (
        "invalid",
        "user-id",
        UID,
        True,
    )
