"""Two tiny rounds and the static site made from them, shared by the site tests and the browser
tests: round A signed, with reserves, a ratio and a disclosure (aggregated proofs), round B
liabilities only (per-node proofs). Ids and amounts are distinctive, so a leak into the site is
easy to find; `secrets()` lists everything private that must never appear in it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from solvency_rounds import (
    EXCHANGE_SK,
    MASTER,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    prove,
    reserves_doc,
    shared,
    totals_of,
    write_json,
    write_secret,
)

from verifier.ids import user_key_hex

ASSETS = {"BTC": 8, "USDT": 2}
EXCHANGE = 'Site <i>Test</i> Exchange & "Co"'
ROUND_A, ROUND_B = "2026-11", "2026-12"
TIME_A, TIME_B = "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"
#: (user id, BTC, USDT): amounts with 8 or more digits, zero balances, non-ASCII ids; 120% of
#: the BTC total fits 32 bits (the ratio proof's range).
USERS: tuple[tuple[str, str, str], ...] = (
    ("ada-7f3e1c@example.org", "0.13579246", "918273.64"),
    ("bjørn-4d2a9b", "0", "0"),
    ("静香-5e8c03", "0.08642097", "0.05"),
    ("o'hara-9a1b2c", "0.10293847", "35281946.17"),
)
ADA = USERS[0][0]


@dataclass
class SiteRounds:
    a: Round
    b: Round
    site: Path
    build_output: str


def _make(base: Path) -> SiteRounds:
    totals = totals_of(USERS, ASSETS)
    spec = {
        # every wallet form the verifier checks, so the page is shown checking them all: BIP-340
        # and BIP-322 P2TR (bech32m), BIP-322 P2WPKH (bech32, RIPEMD-160), Core signmessage P2PKH
        # (base58, RIPEMD-160), and EIP-191 with EIP-55 addresses (keccak-256) on ethereum
        "BTC": AssetSpec(
            "bitcoin",
            870_123,
            [
                WalletSpec(1, totals["BTC"] // 2, "bip340"),
                WalletSpec(5, totals["BTC"] // 2, "bip322-p2tr"),
                WalletSpec(0, totals["BTC"] // 4, "bip322-p2wpkh"),
                WalletSpec(2, totals["BTC"] // 4, "btc-signmessage"),
            ],
        ),
        "USDT": AssetSpec(
            "ethereum",
            21_000_000,
            [WalletSpec(3, totals["USDT"] // 2), WalletSpec(4, totals["USDT"] * 6 // 10)],
        ),
    }
    res = write_json(base / "reserves.json", reserves_doc(EXCHANGE, ROUND_A, spec))
    key = write_secret(base / "exchange.key", EXCHANGE_SK)
    a = build_round(
        base, round_id=ROUND_A, users=USERS, assets=ASSETS, name="a",
        extra=["--exchange", EXCHANGE, "--reserves", str(res), "--min-ratio", "BTC=120",
               "--disclose", "USDT", "--exchange-key", str(key)],
    )  # fmt: skip
    b = build_round(
        base, round_id=ROUND_B, users=USERS, assets=ASSETS, name="b", mode="per-node",
        extra=["--snapshot-time", TIME_B],
    )  # fmt: skip
    site = base / "site"
    out = prove("site", "--round-dir", str(a.dir), "--round-dir", str(b.dir), "--out", str(site))
    if out.rc != 0:
        raise RuntimeError(f"the site was not made (exit {out.rc}): {out.text}")
    return SiteRounds(a, b, site, out.text)


def site_rounds(factory: pytest.TempPathFactory) -> SiteRounds:
    return shared(factory, "site", _make)


def _units(amount: str, decimals: int) -> str:
    whole, _, frac = amount.partition(".")
    return str(int(whole) * 10**decimals + int(frac.ljust(decimals, "0")))


def secrets(r: SiteRounds) -> set[str]:
    """Everything private of both rounds: ids, amounts of 8 digits or more (as typed and in base
    units), the master and exchange keys, user keys, and every hex string of the proofs and
    manifests that the statements do not hold (blindings, salts, leaves, siblings)."""
    out: set[str] = {MASTER.hex(), EXCHANGE_SK.hex()}
    for uid, *amounts in USERS:
        out.add(uid)
        out |= {user_key_hex(ROUND_A, uid), user_key_hex(ROUND_B, uid)}
        for amount, dec in zip(amounts, ASSETS.values(), strict=True):
            for text in (amount, _units(amount, dec)):
                if len(text.replace(".", "")) >= 8:
                    out.add(text)
    public = ""
    for rnd in (r.a, r.b):
        public += rnd.statement.read_text(encoding="utf-8")
    for rnd in (r.a, r.b):
        for path in [
            rnd.dir / "private" / "manifest.json",
            *sorted((rnd.dir / "users").glob("*.json")),
        ]:
            for hexstr in re.findall(r"[0-9a-f]{32,}", path.read_text(encoding="utf-8")):
                if hexstr not in public:
                    out.add(hexstr)
    return out


def proof_doc(rnd: Round, uid: str) -> dict[str, object]:
    doc: dict[str, object] = json.loads(rnd.proof_path(uid).read_bytes())
    return doc
