"""The browser page's entry points (verifier.web), called directly in Python: the answer of
`inclusion` is the verdict, checks and error of `solvency-verify inclusion --json` on the same
files, and nothing raises (fast: in the mutation selection, unlike the browser tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from solvency_rounds import Round, build_round, shared, verify

from verifier import web
from verifier.cli import CHECK_TEXT
from verifier.formats import parse_statement, statement_digest


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "messages", lambda base: build_round(base))


def answer(rnd: Round, proof: bytes, name: str = "proof.json", uid: str = "alice") -> Any:
    return json.loads(web.inclusion(rnd.statement.read_bytes(), proof, name, uid))


def cli_json(rnd: Round, uid: str, rc: int) -> Any:
    """`solvency-verify inclusion --json --user-id UID` on alice's proof: its exit code must be
    `rc`; its JSON object."""
    cli = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path("alice")),
        "--json", "--user-id", uid,
    )  # fmt: skip
    assert cli.rc == rc, cli.stderr
    return json.loads(cli.stdout)


def test_a_valid_proof_answers_as_the_command(rnd: Round) -> None:
    proof = rnd.proof_path("alice").read_bytes()
    out = answer(rnd, proof)
    doc = cli_json(rnd, "alice", 0)
    assert out["result"] == doc["result"] == "valid"
    assert out["cli"]["checks"] == doc["checks"]
    assert out["checks"] == [[c, CHECK_TEXT.get(c, c)] for c in doc["checks"]]
    assert out["failed"] is None and out["sentence"] is None
    assert (out["round"], out["user_id"]) == (rnd.round_id, "alice")
    st = parse_statement(rnd.statement.read_bytes(), "statement.json")
    assert out["statement_digest"] == statement_digest(st).hex()
    assert out["solvency"] and all(isinstance(line, str) for line in out["solvency"])
    assert out["seconds"] > 0


def test_a_proof_file_called_statement_json_still_checks(rnd: Round) -> None:
    out = answer(rnd, rnd.proof_path("alice").read_bytes(), name="statement.json")
    assert out["result"] == "valid"


def test_another_users_id_fails_its_check_with_the_commands_words(rnd: Round) -> None:
    out = answer(rnd, rnd.proof_path("alice").read_bytes(), uid="bob")
    assert out["result"] == "invalid"
    check = out["failed"][0]
    assert out["failed"] == [check, CHECK_TEXT[check]]
    assert out["sentence"].endswith(".") and "\n" not in out["sentence"]
    assert (out["round"], out["user_id"]) == (rnd.round_id, "alice")


def test_a_file_that_is_not_a_proof_is_named_and_nothing_raises(rnd: Round) -> None:
    out = answer(rnd, b"\x89PNG\r\n\x1a\n", name="../../photo.png")
    assert out["result"] == "bad-input" and out["failed"] is None
    assert out["sentence"].startswith("photo.png: this is a PNG image, not an inclusion proof")
    assert (out["round"], out["user_id"]) == (rnd.round_id, None)


def test_a_broken_statement_leaves_round_and_digest_unset(rnd: Round) -> None:
    proof = rnd.proof_path("alice").read_bytes()
    out = json.loads(web.inclusion(b"{}", proof, "proof.json", "alice"))
    assert out["result"] == "bad-input" and out["statement_digest"] is None
    assert (out["round"], out["user_id"]) == (rnd.round_id, "alice")  # from the proof


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("proof.json", "proof.json"),
        ("C:\\Users\\me\\proof.json", "proof.json"),
        ("/tmp/a/../b.json", "b.json"),
        ("", "proof-file"),
        ("..", "proof-file"),
        (".", "proof-file"),
        ("  \t ", "proof-file"),
        ("a\x00b\x1bc.json", "abc.json"),
        ("x" * 200, "x" * 120),
    ],
)
def test_the_file_name_cited_is_a_plain_one(name: str, safe: str) -> None:
    assert web._safe_name(name) == safe


class _JsBytes:
    """What Pyodide hands over for a Uint8Array: an object with to_bytes()."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def to_bytes(self) -> bytes:
        return self.data


def test_bytes_from_every_form_the_page_sends() -> None:
    assert web._bytes(b"ab") == b"ab"
    assert web._bytes(bytearray(b"ab")) == b"ab"
    assert web._bytes(memoryview(b"ab")) == b"ab"
    assert web._bytes(_JsBytes(b"ab")) == b"ab"
    assert web._bytes(3) == bytes(3)  # an int is not a Uint8Array, whatever its to_bytes


def test_the_answer_keeps_non_ascii_as_is_and_times_the_check(rnd: Round) -> None:
    text = web.inclusion(
        rnd.statement.read_bytes(), rnd.proof_path("zoë").read_bytes(), "p.json", "zoë"
    )
    assert '"user_id": "zoë"' in text
    assert 0 < json.loads(text)["seconds"] < 600


def test_an_invalid_proof_answers_the_commands_whole_json(rnd: Round) -> None:
    out = answer(rnd, rnd.proof_path("alice").read_bytes(), uid="bob")
    doc = cli_json(rnd, "bob", 1)
    assert {k: v for k, v in out["cli"].items() if k != "seconds"} == {
        k: v for k, v in doc.items() if k != "seconds"
    }
    assert 0 < out["seconds"] < 600


def test_checks_without_a_text_are_shown_by_name(
    rnd: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "CHECK_TEXT", {})
    ok = answer(rnd, rnd.proof_path("alice").read_bytes())
    assert ok["checks"] and all(c == [c[0], c[0]] for c in ok["checks"])
    bad = answer(rnd, rnd.proof_path("alice").read_bytes(), uid="bob")
    assert bad["failed"] == [bad["failed"][0], bad["failed"][0]]


def test_the_statements_file_name_in_messages(rnd: Round) -> None:
    proof = rnd.proof_path("alice").read_bytes()
    out = json.loads(web.inclusion(b"{}", proof, "proof.json", "alice"))
    assert out["sentence"].startswith("statement.json: ")
    out = json.loads(web.inclusion(b"{}", proof, "statement.json", "alice"))
    assert out["sentence"].startswith("published-statement.json: ")


def test_nothing_decodes_nothing_is_named() -> None:
    out = json.loads(web.inclusion(b"{}", b"{}", "p.json", "alice"))
    assert (out["round"], out["user_id"], out["statement_digest"]) == (None, None, None)


def test_an_unexpected_failure_is_one_sentence(rnd: Round, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(argv: list[str]) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(web, "execute", boom)
    out = answer(rnd, rnd.proof_path("alice").read_bytes())
    assert out["result"] == "error"
    assert out["sentence"] == "The page could not check this file: RuntimeError('boom')."
    assert (out["round"], out["user_id"]) == (rnd.round_id, "alice")
    assert 0 < out["seconds"] < 600


def test_user_key_answers() -> None:
    from verifier.ids import user_key_hex

    assert json.loads(web.user_key("2026-11", "alice")) == {"key": user_key_hex("2026-11", "alice")}
    assert json.loads(web.user_key("2026-11", "")) == {"error": "user id is empty."}


@pytest.mark.parametrize(
    ("exc", "sentence"),
    [
        (ValueError("first line\nsecond"), "first line."),
        (ValueError("  done.  "), "done."),
        (ValueError("why?"), "why?"),
        (ValueError("stop!"), "stop!"),
        (ValueError(""), "ValueError."),
        (RuntimeError("   "), "RuntimeError."),
    ],
)
def test_sentences(exc: BaseException, sentence: str) -> None:
    assert web._sentence(exc) == sentence
