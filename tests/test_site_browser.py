"""The verify page in a real browser (issue 9, part 3): Playwright drives Debian's Chromium
(/usr/bin/chromium; Playwright cannot download browsers here) on a site served on loopback by
the test. A valid proof shows VALID with the right balances and the very result and check list
of `solvency-verify inclusion --json` on the same files; a tampered proof, a proof of another
round, another user's id and a statement given as a proof show the right failure; a wrong,
empty, 50 MB or non-proof file gets one plain sentence and the page stays usable; at 390 and
1280 px no page scrolls sideways. Screenshots go to artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from site_rounds import ADA, ROUND_A, ROUND_B, USERS, SiteRounds, proof_doc, site_rounds
from solvency_rounds import REPO, Round, prove, resign, verify

from prover.site.local import CHROMIUM, CHROMIUM_ARGS, serve
from prover.site.runtime import NOBLE_HASHES
from verifier.ownership import hashes
from verifier.ownership.bitcoin import decode_address

SHOTS = REPO / "artifacts" / "screenshots"
WIDTHS = (390, 1280)


def _need_browser() -> Any:
    """Playwright's sync API; skipped where it or Chromium is missing, but never in CI."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[browser]')"
    if reason is None and not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> SiteRounds:
    return site_rounds(tmp_path_factory)


@pytest.fixture(scope="module")
def server(made: SiteRounds) -> Iterator[str]:
    with serve(made.site) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _need_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield b
        finally:
            b.close()


def no_sideways_scroll(page: Any, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sw <= iw, f"{name} scrolls sideways at {width} px: {sw} > {iw}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def test_index_and_round_pages_fit_phone_and_desktop(browser: Any, server: str) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path, name in (("index.html", "index"), (f"rounds/{ROUND_A}/index.html", "round")):
        page.goto(server + path)
        assert page.title().endswith(ROUND_B if name == "index" else ROUND_A)
        no_sideways_scroll(page, name)
    assert errors == []
    page.close()


class VerifyPage:
    """The verify page of one round, loaded once: pick a file, press the button, read the
    answer the page's script recorded (window.zkSolvency.last) and what it shows."""

    def __init__(self, page: Any, tmp: Path) -> None:
        self.page = page
        self.tmp = tmp

    def check(self, user_id: str, file: Path) -> dict[str, Any]:
        self.page.evaluate("window.zkSolvency.last = null")
        self.page.fill("#uid", user_id)
        self.page.set_input_files("#file", str(file))
        self.page.click("#check")
        self.page.wait_for_function(
            "window.zkSolvency.last !== null && !window.zkSolvency.busy", timeout=120_000
        )
        ans: dict[str, Any] = self.page.evaluate("window.zkSolvency.last")
        shown = self.page.inner_text("#result")
        assert "Traceback" not in shown and 'File "' not in shown
        assert not self.page.is_disabled("#check")  # usable again
        ans["shown"] = shown
        ans["lines"] = [ln for ln in shown.splitlines() if ln.strip()]
        return ans

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path


@pytest.fixture(scope="module")
def verify_page(
    browser: Any, server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VerifyPage]:
    page = browser.new_page(viewport={"width": 390, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + f"rounds/{ROUND_A}/verify.html")
    page.wait_for_function("window.zkSolvency && window.zkSolvency.ready", timeout=180_000)
    info = page.evaluate("window.zkSolvency.info")
    assert info["backend"] == "python" and info["generators"] == 256
    assert info["gmpy2"] is False  # Pyodide's runtime alone: the plain-int fallback
    # RIPEMD-160 and keccak-256 come from the bundled @noble/hashes (Pyodide's core has neither)
    assert info["hashes"] == dict.fromkeys(("ripemd160", "keccak256"), NOBLE_HASHES.spec)
    assert info["stdlib_bytecode"] is True  # the site's precompiled standard library
    yield VerifyPage(page, tmp_path_factory.mktemp("files"))
    assert errors == []
    page.close()


def cli(statement: Path, proof: Path, user_id: str) -> dict[str, Any]:
    """`solvency-verify inclusion --json` on the same two files, named as the page names them
    (statement.json and the proof's own file name), so that even the messages compare."""
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(statement, Path(work) / "statement.json")
        shutil.copy(proof, Path(work) / proof.name)
        before = os.getcwd()
        os.chdir(work)
        try:
            out = verify("inclusion", "--statement", "statement.json", "--proof", proof.name,
                         "--json", f"--user-id={user_id}")  # fmt: skip
        finally:
            os.chdir(before)
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def test_valid_proof_shows_valid_and_the_balances(
    verify_page: VerifyPage, made: SiteRounds
) -> None:
    a = made.a
    proof = a.proof_path(ADA)
    ans = verify_page.check(ADA, proof)
    assert ans["result"] == "valid"
    assert ans["cli"] == cli(a.statement, proof, ADA)  # the same object the command prints
    assert ans["cli"]["balances"] == {"BTC": USERS[0][1], "USDT": USERS[0][2]}
    assert [c[0] for c in ans["checks"]] == ans["cli"]["checks"]
    assert ans["user_id"] == ADA and ans["round"] == ROUND_A
    shown = ans["shown"]
    assert shown.startswith("VALID")
    for line in (
        f"BTC\t{USERS[0][1]}",
        f"USDT\t{USERS[0][2]}",
        ADA,
        ROUND_A,
        ans["statement_digest"],
    ):
        assert line in shown
    assert "ratio >= 120%: proven" in shown  # the solvency lines
    no_sideways_scroll(verify_page.page, "verify-valid")


#: Inputs for the hashes: empty, short, one byte short of and past a block of either hash
#: (RIPEMD-160: 64 bytes; keccak-256: a rate of 136 bytes), and several blocks.
HASH_INPUTS = (b"", b"abc", bytes(range(55)), bytes(range(64)), bytes(range(136)),
               bytes(range(137)), bytes(i % 251 for i in range(1000)))  # fmt: skip


def test_the_page_hashes_agree_with_pycryptodome_and_hashlib(verify_page: VerifyPage) -> None:
    """The page's RIPEMD-160 and keccak-256 (the functions it hands to the verifier) against
    this Python's (hashlib's RIPEMD-160 or pycryptodome's; pycryptodome's keccak), and against
    the published digests of the empty string."""
    got = verify_page.page.evaluate(
        "(inputs) => inputs.map((x) => [window.zkSolvency.hashes.ripemd160(x),"
        " window.zkSolvency.hashes.keccak256(x)])",
        [x.hex() for x in HASH_INPUTS],
    )
    want = [[hashes.ripemd160(x).hex(), hashes.keccak256(x).hex()] for x in HASH_INPUTS]
    assert got == want
    assert got[0] == [
        "9c1185a5c5e9fc54612808977ee8f548b2258d31",
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    ]


def test_every_wallet_form_is_checked_on_the_page(made: SiteRounds) -> None:
    """Round A, which the page checks in these tests, holds every wallet form the verifier
    knows: its reserves verify on the page (the valid-proof test), so all of them do."""
    forms = set()
    for a in made.a.statement_json()["reserves"]["assets"].values():
        for w in a["wallets"]:
            eth = a["chain"] == "ethereum"
            forms.add(
                (w["scheme"], "eth" if eth else decode_address(w["address"], a["chain"]).kind)
            )
    assert forms == {
        ("bip340", "p2tr"),
        ("bip322-simple", "p2tr"),
        ("bip322-simple", "p2wpkh"),  # RIPEMD-160
        ("btc-signmessage", "p2pkh"),  # RIPEMD-160
        ("eip191", "eth"),  # keccak-256 (EIP-55 addresses and the EIP-191 digest)
    }


def test_a_wrong_wallet_signature_fails_as_on_the_command_line(
    browser: Any, server: str, made: SiteRounds, tmp_path: Path
) -> None:
    """Round A's statement with the EIP-191 signatures of its two USDT wallets swapped (each a
    valid signature of another wallet's message), signed again by the exchange: served in
    place of the round's statement, the page fails the check the command fails, with the same
    message, after the BIP-340, P2TR, P2WPKH and P2PKH wallets before it passed."""
    doc = made.a.statement_json()
    wallets = doc["reserves"]["assets"]["USDT"]["wallets"]
    wallets[0]["signature"], wallets[1]["signature"] = (
        wallets[1]["signature"],
        wallets[0]["signature"],
    )
    bad = (json.dumps(resign(doc), indent=2) + "\n").encode()
    statement = tmp_path / "statement.json"
    statement.write_bytes(bad)
    proof = made.a.proof_path(ADA)
    want = cli(statement, proof, ADA)
    assert want["result"] == "invalid" and want["failed_check"] == "reserves-signature"
    assert "USDT" in want["error"]
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.route(
        f"**/rounds/{ROUND_A}/statement.json",
        lambda route: route.fulfill(body=bad, content_type="application/json"),
    )
    page.goto(server + f"rounds/{ROUND_A}/verify.html")
    page.wait_for_function("window.zkSolvency && window.zkSolvency.ready", timeout=180_000)
    ans = VerifyPage(page, tmp_path).check(ADA, proof)
    page.close()
    assert ans["cli"] == want
    assert ans["failed"] == ["reserves-signature", ans["failed"][1]]
    assert [ln for ln in ans["lines"] if ln.startswith("Failed: ")] == [
        f"Failed: {ans['failed'][1]}. {ans['sentence']}"
    ]


def test_binary_proof(verify_page: VerifyPage, made: SiteRounds) -> None:
    binary = verify_page.tmp / "ada.bin"
    out = prove("proof", "--out", str(made.a.dir), "--secret", str(made.a.key), "--user", ADA,
                "--format", "bin", "--output", str(binary))  # fmt: skip
    assert out.rc == 0
    ans = verify_page.check(ADA, binary)
    assert ans["result"] == "valid"
    assert ans["cli"] == cli(made.a.statement, binary, ADA)


def _tampered(r: Round) -> bytes:
    doc = proof_doc(r, ADA)
    sib = doc["siblings"][0]  # type: ignore[index]
    h = sib["hash"]
    sib["hash"] = ("0" if h[0] != "0" else "1") + h[1:]
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("case", "result", "check", "words"),
    [
        ("tampered", "invalid", "root", "does not lead to the statement's root hash"),
        ("another user", "invalid", "user-id", "another user id"),
        ("another round", "bad-input", None, f"this proof is for round {ROUND_B}"),
    ],
)
def test_failures_are_named(
    verify_page: VerifyPage, made: SiteRounds, case: str, result: str, check: str | None, words: str
) -> None:
    uid = ADA
    if case == "tampered":
        proof = verify_page.write("tampered.json", _tampered(made.a))
    elif case == "another round":
        proof = made.b.proof_path(ADA)
    else:
        proof, uid = made.a.proof_path(ADA), USERS[1][0]
    ans = verify_page.check(uid, proof)
    want = cli(made.a.statement, proof, uid)
    assert ans["cli"] == want  # the same result, checks and message as the command
    assert ans["result"] == want["result"] == result
    assert words in want["error"] and words in ans["sentence"]
    shown = ans["lines"]
    if check is None:
        assert ans["failed"] is None and shown[:2] == ["Cannot check this", ans["sentence"]]
        return
    assert want["failed_check"] == check and ans["failed"][0] == check
    assert shown[0].startswith("INVALID")
    failed = [ln for ln in shown if ln.startswith("Failed: ")]
    assert failed == [f"Failed: {ans['failed'][1]}. {ans['sentence']}"]
    passed = [ln for ln in shown if ln.startswith("Passed: ")]
    assert len(passed) == len(want.get("checks", []))


def test_bad_files_get_one_plain_sentence(verify_page: VerifyPage, made: SiteRounds) -> None:
    vp = verify_page
    cases = {
        "statement as proof": (made.a.statement, "statement.json: this is a round's statement"),
        "empty": (vp.write("empty.json", b""), "The file empty.json is empty"),
        "50 MB": (vp.write("big.bin", b"\0" * (50 * 1024 * 1024)), "larger than any proof file"),
        "not a proof": (vp.write("other.json", '{"hi": 1}'), "other.json: this is a JSON document"),
        "wrong file": (
            vp.write("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
            "photo.png: this is a PNG",
        ),
    }
    for name, (path, words) in cases.items():
        ans = vp.check(ADA, path)
        assert ans["result"] == "bad-input", name
        sentence = ans["sentence"]
        assert words in sentence, (name, sentence)
        assert "\n" not in sentence and sentence.endswith("."), (name, sentence)
        assert ans["lines"][:2] == ["Cannot check this", sentence], name
    # the page is still usable: a good proof checks after all of them
    assert vp.check(ADA, made.a.proof_path(ADA))["result"] == "valid"
