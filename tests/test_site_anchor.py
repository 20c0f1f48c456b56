"""The site shows the statement's on-chain anchor: the signed address and chain, the published
anchor transaction (public/anchor.json, written by `solvency-prove anchor`) checked offline at
build time with the verifier's own check_anchor_record, and the command that checks on a node
that it is mined; a record that is not the statement's anchor stops the build (exit 2). No
node is needed: the transaction is signed with eth-account (an independent signer)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from site_rounds import USERS
from solvency_rounds import (
    EXCHANGE_PK,
    EXCHANGE_SK,
    MASTER,
    OTHER_ROUND,
    Round,
    build_round,
    prove,
    shared,
    write_secret,
)
from test_site import Fields

from prover.anchor import record_anchor
from verifier.chain.anchor import RECORD_NAME, anchor_data
from verifier.formats import parse_statement, statement_digest
from verifier.ownership.ethereum import keccak256

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
ANCHOR_ADDRESS = Account.from_key(KEY).address
OTHER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")


@dataclass
class AnchoredSite:
    anchored: Round  # anchor declared and published (anchor.json)
    declared: Round  # anchor declared, no anchor.json yet
    site: Path
    tx: str
    base: Path


def signed_anchor(rnd: Round, key: bytes = KEY, chain_id: int = 1, **over: Any) -> bytes:
    st = parse_statement(rnd.statement.read_bytes())
    tx = {
        "type": 2, "chainId": chain_id, "nonce": 0, "gas": 30_000, "to": ANCHOR_ADDRESS,
        "value": 0, "data": anchor_data(statement_digest(st)),
        "maxFeePerGas": 30 * 10**9, "maxPriorityFeePerGas": 10**9,
    } | over  # fmt: skip
    return bytes(Account.sign_transaction(tx, key).raw_transaction)


def _make(base: Path) -> AnchoredSite:
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    extra = [
        "--exchange", "Anchor Test", "--signing-key", str(key),
        "--anchor-address", ANCHOR_ADDRESS, "--anchor-chain-id", "1",
    ]  # fmt: skip
    anchored = build_round(base, users=USERS, extra=extra, name="anchored")
    declared = build_round(base, users=USERS, round_id=OTHER_ROUND, extra=extra, name="declared")
    raw = signed_anchor(anchored)
    path = record_anchor(anchored.dir / "public", anchored.statement, 1, raw)
    tx = json.loads(path.read_text())["tx"]
    site = base / "site"
    out = prove(
        "site", "--round-dir", str(anchored.dir), "--round-dir", str(declared.dir),
        "--out", str(site),
    )  # fmt: skip
    if out.rc != 0:
        raise RuntimeError(f"the site was not made (exit {out.rc}): {out.text}")
    return AnchoredSite(anchored, declared, site, tx, base)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> AnchoredSite:
    return shared(tmp_path_factory, "site-anchor", _make)


def fields(path: Path) -> dict[str, list[str]]:
    p = Fields()
    p.feed(path.read_text(encoding="utf-8"))
    return p.fields


def test_the_round_page_shows_the_checked_anchor(made: AnchoredSite) -> None:
    slug = made.anchored.statement_json()["round"]
    page = made.site / "rounds" / slug / "index.html"
    f = fields(page)
    assert f["anchor-address"] == [ANCHOR_ADDRESS]
    assert f["anchor-chain"] == ["Ethereum mainnet (chain id 1)"]
    assert f["anchor-tx"] == [made.tx]
    offline = " ".join(f["anchor-offline"][0].split())
    assert "hashes to this transaction hash" in offline and "EIP-1559" in offline
    assert "the sender recovered from its signature is the anchor address" in offline
    assert f["anchor-command"] == [
        f"solvency-verify statement statement.json --exchange-key {EXCHANGE_PK} "
        f"--eth-rpc URL --anchor-tx {made.tx}"
    ]
    published = made.site / "rounds" / slug / RECORD_NAME
    assert published.read_bytes() == (made.anchored.dir / "public" / RECORD_NAME).read_bytes()
    summary = json.loads((made.site / "site.json").read_text())
    assert [r.get("anchor_tx") for r in summary["rounds"]] == [None, made.tx]


def test_the_index_shows_the_latest_rounds_declared_anchor(made: AnchoredSite) -> None:
    # the latest round (2026-12) declares its anchor but has not published the transaction
    f = fields(made.site / "index.html")
    assert f["anchor-address"] == [ANCHOR_ADDRESS]
    assert f["anchor-tx"] == ["not published with this round"]
    assert "anchor-command" not in f and not (made.site / RECORD_NAME).exists()


def test_nothing_private_in_the_anchored_site(made: AnchoredSite) -> None:
    needles = {KEY.hex(), MASTER.hex(), EXCHANGE_SK.hex(), *(u[0] for u in USERS)}
    for path in sorted(made.site.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".json"):
            data = path.read_bytes()
            assert [n for n in needles if n.encode() in data] == [], path


def _copy(rnd: Round, tmp: Path) -> Path:
    out = tmp / rnd.dir.name
    shutil.copytree(rnd.dir / "public", out)
    return out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("other-sender", "check 'anchor-sender'"),
        ("other-chain", "check 'anchor-chain'"),
        ("other-round", "check 'anchor-data'"),
        ("hash", "check 'anchor-tx'"),
        ("garbage", "anchor.json raw: RLP list runs past the end"),
        ("no-anchor", "the statement declares no anchor"),
    ],
)
def test_a_record_that_is_not_the_anchor_stops_the_build(
    made: AnchoredSite, tmp_path: Path, change: str, message: str
) -> None:
    folder = _copy(made.anchored, tmp_path)
    record = folder / RECORD_NAME
    doc = json.loads(record.read_text())
    if change == "other-sender":
        doc["raw"] = "0x" + signed_anchor(made.anchored, OTHER_KEY).hex()
    elif change == "other-chain":
        doc["raw"] = "0x" + signed_anchor(made.anchored, chain_id=5).hex()
    elif change == "other-round":
        doc["raw"] = "0x" + signed_anchor(made.declared).hex()
    elif change == "garbage":
        doc["raw"] = "0x02c5"
    elif change == "no-anchor":  # a record beside a statement that declares no anchor
        plain = build_round(tmp_path / "plain", users=USERS)
        folder = _copy(plain, tmp_path)
        record = folder / RECORD_NAME
    if change == "hash":
        doc["tx"] = "0x" + "42" * 32
    elif change != "no-anchor":
        doc["tx"] = "0x" + keccak256(bytes.fromhex(doc["raw"][2:])).hex()
    record.write_text(json.dumps(doc))
    out = prove("site", "--round-dir", str(folder), "--out", str(tmp_path / "site"))
    assert out.rc == 2, out.text
    assert str(record) in out.stderr and message in out.stderr, out.stderr
    assert "Traceback" not in out.text and not (tmp_path / "site").exists()


def test_the_anchor_box_fits_phone_and_desktop(made: AnchoredSite) -> None:
    """In Chromium (skipped without it, as the other browser tests): no sideways scroll."""
    from test_site_browser import CHROMIUM, CHROMIUM_ARGS, _need_browser, no_sideways_scroll

    from prover.site.local import serve

    sync_playwright = _need_browser()
    slug = made.anchored.statement_json()["round"]
    with serve(made.site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            for path, name in (("index.html", "anchor-index"), (f"rounds/{slug}/", "anchor-round")):
                page.goto(base + path)
                assert page.inner_text("#anchor") == "On-chain anchor"
                no_sideways_scroll(page, name)
        finally:
            browser.close()
