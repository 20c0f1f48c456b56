"""Reserves and solvency (issue 4, "Tests"): wallet signatures replayed from another round,
asset, exchange, chain, block height or key; a wallet twice; solvency and ratio proofs moved
between assets and statements; forged differences; a statement changed after signing and a
pinned key other than the signer; insolvent builds (exit 3, nothing published); disclosure;
and the positive cases (ratio proven, disclosure shown, the cap below reserves of 2^n or more).
Each failure asserts the exact error class and, for a VerificationError, its check."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
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
    AssetSpec,
    Round,
    WalletSpec,
    asset_args,
    build_round,
    default_reserves_spec,
    prove,
    reserves_doc,
    shared,
    sign_reserves_doc,
    totals_of,
    verify,
    wallet_key,
    write_json,
    write_secret,
    write_snapshot,
)

from circuits import bip340
from circuits.errors import FormatError, VerificationError
from circuits.group import N
from verifier.formats import dumps, parse_statement
from verifier.solvency import signed_message, verify_solvency

USERS = SMALL_USERS
TOTALS = totals_of(USERS, ASSETS)
SOLVENCY_ARGS = ["--min-ratio", "BTC=102", "--disclose", "USDT"]


def _fmt(units: int, decimals: int) -> str:
    whole, frac = divmod(units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")


def solvency_round(base: Path, round_id: str, *, sign: bool = True, name: str = "round") -> Round:
    base.mkdir(parents=True, exist_ok=True)
    res = write_json(
        base / f"reserves-{round_id}.json",
        reserves_doc(EXCHANGE, round_id, default_reserves_spec(TOTALS)),
    )
    extra = ["--exchange", EXCHANGE, "--reserves", str(res), *SOLVENCY_ARGS]
    if sign:
        extra += ["--exchange-key", str(write_secret(base / "exchange.key", EXCHANGE_SK))]
    # SMALL_USERS: the ratio proof needs P * L < 2^n (102 x 0.375 BTC in satoshis < 2^32)
    return build_round(base, round_id=round_id, extra=extra, name=name, users=USERS)


@dataclass
class Rounds:
    a: Round
    b: Round  # the same snapshot, reserves and keys for OTHER_ROUND

    def doc(self) -> dict[str, Any]:
        """Round A's signed statement."""
        return self.a.statement_json()

    def unsigned(self) -> dict[str, Any]:
        """Round A's statement without its signature: still valid when no key is pinned."""
        d = self.doc()
        del d["signature"]
        return d


@pytest.fixture(scope="session")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Rounds:
    def make(base: Path) -> tuple[Round, Round]:
        return solvency_round(base, ROUND, name="a"), solvency_round(base, OTHER_ROUND, name="b")

    return Rounds(*shared(tmp_path_factory, "solvency", make))


def check_of(doc: dict[str, Any], exchange_key: str | None = None) -> None:
    verify_solvency(parse_statement(dumps(doc), "statement.json"), exchange_key=exchange_key)


def assert_check(check: str, fn: Callable[[], object]) -> VerificationError:
    with pytest.raises(VerificationError) as exc:
        fn()
    assert exc.value.check == check, str(exc.value)
    return exc.value


# --- positive cases --------------------------------------------------------------------------


def test_signed_statement_verifies_with_ratio_and_disclosure(rounds: Rounds) -> None:
    st = parse_statement(rounds.a.statement.read_bytes(), "statement.json")
    res = verify_solvency(st, exchange_key=EXCHANGE_PK)
    assert res.signed_by == EXCHANGE_PK
    by = {a.symbol: a for a in res.assets}
    btc_r = default_reserves_spec(TOTALS)["BTC"]
    assert by["BTC"].reserves == sum(w.balance for w in btc_r.wallets)
    assert (by["BTC"].min_ratio, by["BTC"].disclosed_liabilities, by["BTC"].capped) == (
        102,
        None,
        False,
    )
    assert by["USDT"].disclosed_liabilities == TOTALS["USDT"]
    assert by["BTC"].block_height == 870_000 and by["BTC"].chain == "bitcoin"
    # the unsigned variant verifies too (no key pinned)
    check_of(rounds.unsigned())

    out = verify("statement", str(rounds.a.statement), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 0, out.text
    btc = _fmt(by["BTC"].reserves, 8)
    usdt_r, usdt_l = by["USDT"].reserves, TOTALS["USDT"]
    assert (
        f"BTC: reserves {btc} >= liabilities (hidden): proven; ratio >= 102%: proven" in out.stdout
    )
    assert (
        f"USDT: reserves {_fmt(usdt_r, 2)} >= liabilities {_fmt(usdt_l, 2)}: proven; "
        f"ratio {100 * usdt_r / usdt_l:.2f}% (disclosed)"
    ) in out.stdout
    assert (
        f"[ok] signature: the statement is signed by the exchange key {EXCHANGE_PK}" in out.stdout
    )
    assert "claims about the chain at the stated block height" in out.stdout
    # the inclusion command reports the statement's solvency too
    out = verify(
        "inclusion", "--statement", str(rounds.a.statement), "--proof",
        str(rounds.a.proof_path("alice")), "--user-id", "alice", "--exchange-key", EXCHANGE_PK,
    )  # fmt: skip
    assert out.rc == 0, out.text
    assert "ratio >= 102%: proven" in out.stdout
    assert "claims about the chain" in out.stdout


def test_cap_when_reserves_reach_2_to_the_n(tmp_path: Path) -> None:
    """bits 16, reserves of 1 BTC >= 2^16 base units: proven against the cap 2^16 - 1."""
    users = [("a", "0.000001"), ("b", "0.000002"), ("c", "0")]
    assets = {"BTC": 8}
    spec = {"BTC": AssetSpec("bitcoin", 870_000, [WalletSpec(5, 10**8)])}
    res = write_json(tmp_path / "reserves.json", reserves_doc(EXCHANGE, ROUND, spec))
    rnd = build_round(
        tmp_path, bits=16, users=users, assets=assets,
        extra=["--exchange", EXCHANGE, "--reserves", str(res), "--min-ratio", "BTC=150"],
    )  # fmt: skip
    doc = rnd.statement_json()
    assert doc["solvency"]["BTC"]["bound"] == (1 << 16) - 1
    assert doc["solvency"]["BTC"]["reserves"] == 10**8
    result = verify_solvency(parse_statement(rnd.statement.read_bytes(), "s"))
    assert result.assets[0].capped is True
    assert result.to_json()["assets"]["BTC"]["capped"] is True
    out = verify("statement", str(rnd.statement))
    assert out.rc == 0, out.text
    assert "(against the cap 0.00065535 below the reserves)" in out.stdout
    assert "ratio >= 150%: proven" in out.stdout
    # a bound other than the cap is refused: the rule is the verifier's, not the file's
    doc["solvency"]["BTC"]["bound"] = 10**8
    assert_check("solvency", lambda: check_of(doc))


# --- wallets ---------------------------------------------------------------------------------


def _resign(doc: dict[str, Any], where: str, i: int, **change: Any) -> None:
    """Replace the signature of wallet i of asset `where` by one over a changed message."""
    sign_reserves_doc(doc["reserves"], (where, i), **change)


WALLET_REPLAYS = [
    ("another round", {"round_id": OTHER_ROUND}),
    ("another asset", {"asset": "USDT"}),
    ("another exchange", {"exchange": "Other Exchange"}),
    ("another block height", {"block_height": 870_001}),
    ("another block hash", {"block_hash": "00" * 32}),
    ("another chain", {"chain": "bitcoin-testnet"}),
    ("another key", {"key": 9}),
]


@pytest.mark.parametrize(
    "change", [c for _, c in WALLET_REPLAYS], ids=[n for n, _ in WALLET_REPLAYS]
)
def test_wallet_signature_for_something_else(rounds: Rounds, change: dict[str, Any]) -> None:
    doc = rounds.unsigned()
    _resign(doc, "BTC", 1, **dict(change))
    err = assert_check("reserves-signature", lambda: check_of(doc))
    assert "assets.BTC.wallets[1]" in str(err)


def test_wallet_signature_for_something_else_refused_by_build(tmp_path: Path) -> None:
    for name, change in WALLET_REPLAYS:
        doc = {"reserves": reserves_doc(EXCHANGE, ROUND, default_reserves_spec(TOTALS))}
        _resign(doc, "BTC", 0, **dict(change))
        path = write_json(tmp_path / "reserves.json", doc["reserves"])
        out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path)])
        assert out.rc == 2, name
        assert f"{path}: assets.BTC.wallets[0]: " in out.stderr, name
        assert "(check reserves-signature)" in out.stderr, name
        assert not (tmp_path / "out").exists()


def _build(base: Path, extra: list[str], out: str = "out") -> Any:
    snap = base / "s.csv"
    if not snap.exists():
        write_snapshot(snap, USERS, ASSETS)
    key = base / "master.key"
    if not key.exists():
        write_secret(key)
    return prove(
        "build", "--snapshot", str(snap), "--secret", str(key), "--round", ROUND,
        *asset_args(ASSETS), "--height", "4", "--bits", "32", "--workers", "1",
        "--out", str(base / out), *extra,
    )  # fmt: skip


def test_reserves_of_another_round_or_exchange(rounds: Rounds, tmp_path: Path) -> None:
    doc = rounds.unsigned()
    doc["reserves"] = rounds.b.statement_json()["reserves"]
    assert_check("reserves-round", lambda: check_of(doc))
    doc = rounds.unsigned()
    doc["reserves"]["exchange"] = "Other Exchange"
    assert_check("reserves-exchange", lambda: check_of(doc))
    doc = rounds.unsigned()
    doc["exchange"] = "Other Exchange"
    assert_check("reserves-exchange", lambda: check_of(doc))
    # the build refuses them too (exit 2, nothing published)
    other = write_json(
        tmp_path / "r.json", reserves_doc(EXCHANGE, OTHER_ROUND, default_reserves_spec(TOTALS))
    )
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(other)])
    assert out.rc == 2
    assert "reserves are for round '2026-12', expected '2026-11'" in out.stderr
    mine = write_json(
        tmp_path / "m.json", reserves_doc(EXCHANGE, ROUND, default_reserves_spec(TOTALS))
    )
    out = _build(tmp_path, ["--exchange", "Someone Else", "--reserves", str(mine)])
    assert out.rc == 2
    assert "reserves are for exchange" in out.stderr
    assert not (tmp_path / "out").exists()


def test_wallet_listed_twice(rounds: Rounds, tmp_path: Path) -> None:
    doc = rounds.unsigned()
    wallets = doc["reserves"]["assets"]["BTC"]["wallets"]
    wallets.append(copy.deepcopy(wallets[0]))
    err = assert_check("reserves-duplicate-wallet", lambda: check_of(doc))
    assert "assets.BTC.wallets[2]" in str(err)
    path = write_json(tmp_path / "reserves.json", doc["reserves"])
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path)])
    assert out.rc == 2
    assert "address listed twice" in out.stderr
    assert not (tmp_path / "out").exists()


def test_reserves_must_cover_exactly_the_assets(rounds: Rounds) -> None:
    doc = rounds.unsigned()
    del doc["reserves"]["assets"]["USDT"]
    assert_check("reserves-assets", lambda: check_of(doc))
    doc = rounds.unsigned()
    del doc["solvency"]["USDT"]
    with pytest.raises(FormatError):
        check_of(doc)
    doc = rounds.unsigned()
    del doc["solvency"]
    with pytest.raises(FormatError):
        check_of(doc)


# --- solvency and ratio proofs ---------------------------------------------------------------


def test_solvency_proof_of_another_asset(rounds: Rounds) -> None:
    doc = rounds.unsigned()
    s = doc["solvency"]
    s["BTC"]["proof"], s["USDT"]["proof"] = s["USDT"]["proof"], s["BTC"]["proof"]
    assert_check("solvency", lambda: check_of(doc))


def test_solvency_and_ratio_proofs_of_another_round(rounds: Rounds) -> None:
    other = rounds.b.statement_json()["solvency"]
    for asset, key, check in (
        ("BTC", "proof", "solvency"),
        ("USDT", "proof", "solvency"),
        ("BTC", "ratio_proof", "ratio"),
    ):
        doc = rounds.unsigned()
        assert doc["solvency"][asset][key] != other[asset][key]
        doc["solvency"][asset][key] = other[asset][key]
        assert_check(check, lambda doc=doc: check_of(doc))
    # the whole solvency section of the other round
    doc = rounds.unsigned()
    doc["solvency"] = copy.deepcopy(other)
    assert_check("disclosure", lambda: check_of(doc))  # its blinding opens another root
    del doc["solvency"]["USDT"]["disclosed"]
    assert_check("solvency", lambda: check_of(doc))


def test_ratio_proof_used_as_solvency_proof(rounds: Rounds) -> None:
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["proof"] = doc["solvency"]["BTC"]["ratio_proof"]
    assert_check("solvency", lambda: check_of(doc))


def test_forged_difference(rounds: Rounds) -> None:
    """The verifier computes D = B*G - C_root from the reserves itself."""
    # the bound is not the rule's
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["bound"] -= 1
    assert_check("solvency", lambda: check_of(doc))
    # reserves claimed other than the sum of the wallets
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["reserves"] += 1
    assert_check("reserves-sum", lambda: check_of(doc))
    # a wallet balance (not signed: a claim about the chain) raised, with reserves and bound
    # raised to match: the proof was made for the old difference
    for delta in (1, -1, 10**8):
        doc = rounds.unsigned()
        doc["reserves"]["assets"]["BTC"]["wallets"][0]["balance"] += delta
        doc["solvency"]["BTC"]["reserves"] += delta
        doc["solvency"]["BTC"]["bound"] += delta
        assert_check("solvency", lambda doc=doc: check_of(doc))
    # a stated ratio other than the proven one
    for pct in (101, 103, 150):
        doc = rounds.unsigned()
        doc["solvency"]["BTC"]["min_ratio"] = pct
        assert_check("ratio", lambda doc=doc: check_of(doc))
    # a difference carried in the file is not a field of the format
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["difference"] = doc["root"]["commitments"][0]
    with pytest.raises(FormatError):
        check_of(doc)
    # a ratio proof without its percent
    doc = rounds.unsigned()
    del doc["solvency"]["BTC"]["min_ratio"]
    with pytest.raises(FormatError):
        check_of(doc)


def test_disclosure_with_a_wrong_opening(rounds: Rounds) -> None:
    doc = rounds.unsigned()
    d = doc["solvency"]["USDT"]["disclosed"]
    b = int(d["blinding"], 16)
    d["blinding"] = ((b + 1) % N).to_bytes(32, "big").hex()
    err = assert_check("disclosure", lambda: check_of(doc))
    assert "solvency.USDT.disclosed" in str(err)
    doc = rounds.unsigned()
    doc["solvency"]["USDT"]["disclosed"]["liabilities"] -= 1
    assert_check("disclosure", lambda: check_of(doc))
    # the opening of another asset
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["disclosed"] = doc["solvency"]["USDT"]["disclosed"]
    assert_check("disclosure", lambda: check_of(doc))
    # a blinding >= q is not canonical
    doc = rounds.unsigned()
    doc["solvency"]["USDT"]["disclosed"]["blinding"] = N.to_bytes(32, "big").hex()
    with pytest.raises(FormatError):
        check_of(doc)


# --- the statement's signature ---------------------------------------------------------------

CHANGES_AFTER_SIGNING: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("snapshot time", lambda d: d.update(snapshot_time="2026-11-02T00:00:00Z")),
    ("exchange", lambda d: d.update(exchange="Test Exchange Ltd")),
    ("root hash", lambda d: d["root"].update(hash="00" * 32)),
    ("wallet address", lambda d: d["reserves"]["assets"]["BTC"]["wallets"][0].update(address="x")),
    ("wallet balance", lambda d: d["reserves"]["assets"]["BTC"]["wallets"][0].update(balance=1)),
    ("min ratio", lambda d: d["solvency"]["BTC"].update(min_ratio=101)),
    ("disclosure removed", lambda d: d["solvency"]["USDT"].pop("disclosed")),
    (
        "ratio removed",
        lambda d: (d["solvency"]["BTC"].pop("min_ratio"), d["solvency"]["BTC"].pop("ratio_proof")),
    ),
    (
        "signature bit",
        lambda d: d["signature"].update(
            sig=("1" if d["signature"]["sig"][0] == "0" else "0") + d["signature"]["sig"][1:]
        ),
    ),
]


@pytest.mark.parametrize(
    "change", [c for _, c in CHANGES_AFTER_SIGNING], ids=[n for n, _ in CHANGES_AFTER_SIGNING]
)
def test_statement_changed_after_signing(
    rounds: Rounds, change: Callable[[dict[str, Any]], None]
) -> None:
    doc = rounds.doc()
    change(doc)
    assert_check("signature", lambda: check_of(doc))
    assert_check("signature", lambda: check_of(doc, EXCHANGE_PK))


def test_pinned_key_other_than_the_signer(rounds: Rounds, tmp_path: Path) -> None:
    other_pk = bip340.xonly_pubkey(wallet_key(7)).hex()
    assert_check("signature", lambda: check_of(rounds.doc(), other_pk))
    # pinned, but the statement is not signed
    assert_check("signature", lambda: check_of(rounds.unsigned(), EXCHANGE_PK))
    # re-signed by another key: valid on its own, refused when the exchange's key is pinned
    doc = rounds.unsigned()
    sk = wallet_key(7)
    msg = signed_message(doc)
    doc["signature"] = {"pubkey": other_pk, "sig": bip340.sign(sk, msg, bytes(32)).hex()}
    check_of(doc)
    assert_check("signature", lambda: check_of(doc, EXCHANGE_PK))
    # a malformed pinned key is bad input
    for bad in ("zz" * 32, EXCHANGE_PK[:-2], EXCHANGE_PK + "00"):
        with pytest.raises(FormatError):
            check_of(rounds.doc(), bad)
    # through the command: exit 1 naming the check, exit 2 for a malformed key
    path = tmp_path / "statement.json"
    path.write_bytes(dumps(doc))
    out = verify("statement", str(path), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 1
    assert "INVALID: check 'signature' failed" in out.stdout
    out = verify("statement", str(rounds.a.statement), "--exchange-key", "abc")
    assert out.rc == 2
    out = verify("statement", str(path), "--json")
    assert out.rc == 0
    assert json.loads(out.stdout)["solvency"]["signed_by"] == other_pk


def test_tampered_statements_through_the_command(rounds: Rounds, tmp_path: Path) -> None:
    cases = []
    doc = rounds.unsigned()
    doc["solvency"]["BTC"]["bound"] -= 1
    cases.append((doc, "solvency"))
    doc = rounds.unsigned()
    _resign(doc, "BTC", 0, round_id=OTHER_ROUND)
    cases.append((doc, "reserves-signature"))
    doc = rounds.doc()
    doc["snapshot_time"] = None
    cases.append((doc, "signature"))
    for i, (doc, check) in enumerate(cases):
        path = tmp_path / f"s{i}.json"
        path.write_bytes(dumps(doc))
        out = verify("statement", str(path))
        assert out.rc == 1, out.text
        assert f"INVALID: check '{check}' failed" in out.stdout
        out = verify("statement", str(path), "--json")
        assert json.loads(out.stdout)["failed_check"] == check


# --- insolvent builds ------------------------------------------------------------------------


def _reserves_with(tmp_path: Path, btc: int, usdt: int) -> Path:
    spec = {
        "BTC": AssetSpec("bitcoin", 870_000, [WalletSpec(1, btc)]),
        "USDT": AssetSpec("ethereum", 21_000_000, [WalletSpec(3, usdt)]),
    }
    return write_json(tmp_path / "reserves.json", reserves_doc(EXCHANGE, ROUND, spec))


def test_liabilities_greater_than_reserves_exit_3(tmp_path: Path) -> None:
    path = _reserves_with(tmp_path, TOTALS["BTC"], TOTALS["USDT"] - 1)
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path)])
    assert out.rc == 3, out.text
    assert "insolvent: USDT: liabilities exceed reserves" in out.stderr
    assert "nothing was published" in out.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / ".out.building").exists()
    # reserves exactly equal to liabilities are solvent
    path = _reserves_with(tmp_path, TOTALS["BTC"], TOTALS["USDT"])
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path)], out="ok")
    assert out.rc == 0, out.text
    check_of(json.loads((tmp_path / "ok" / "public" / "statement.json").read_bytes()))


def test_ratio_not_met_exit_3(tmp_path: Path) -> None:
    path = _reserves_with(tmp_path, TOTALS["BTC"] * 6 // 5, TOTALS["USDT"] * 2)
    out = _build(
        tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path), "--min-ratio", "BTC=121"]
    )
    assert out.rc == 3, out.text
    assert "insolvent: BTC: reserves are below 121% of liabilities" in out.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / ".out.building").exists()
    # bad ratio arguments are bad input (exit 2)
    for bad in ("BTC=0", "BTC=10001", "ETH=100", "BTC", "BTC=1.5"):
        out = _build(
            tmp_path, ["--exchange", EXCHANGE, "--reserves", str(path), "--min-ratio", bad]
        )
        assert out.rc == 2, bad
        assert not (tmp_path / "out").exists()


def test_challenge_sign_and_build_through_the_commands(tmp_path: Path) -> None:
    """reserves-challenge prints what each wallet signs; sign-reserves fills in signatures
    that the build accepts; the statement then verifies."""
    from verifier.reserves import parse_reserves, wallet_message

    template = reserves_doc(EXCHANGE, ROUND, default_reserves_spec(TOTALS))
    for a in template["assets"].values():
        for w in a["wallets"]:
            del w["signature"]
    tpl = write_json(tmp_path / "template.json", template)
    out = prove("reserves-challenge", "--reserves", str(tpl), "--out", str(tmp_path / "msgs"))
    assert out.rc == 0, out.text
    res = parse_reserves(tpl.read_bytes(), "t", unsigned_ok=True)
    for name, a in res.assets.items():
        for i, w in enumerate(a.wallets):
            msg = wallet_message(res, name, w)
            block = f"-----BEGIN MESSAGE-----\n{msg}\n-----END MESSAGE-----\n"
            assert f"# assets.{name}.wallets[{i}]: {w.address} ({w.scheme})\n" in out.stdout
            assert block in out.stdout
            assert (tmp_path / "msgs" / f"{name}-{i}.txt").read_bytes() == msg.encode()
    assert "bitcoin-cli signmessage" in out.stdout and "cast wallet sign" in out.stdout
    listing = json.loads(prove("reserves-challenge", "--reserves", str(tpl), "--json").stdout)
    assert [c["message"] for c in listing] == [
        wallet_message(res, n, w) for n, a in res.assets.items() for w in a.wallets
    ]
    keys = write_json(tmp_path / "keys.json", {"keys": [wallet_key(k).hex() for k in (1, 2, 3)]})
    keys.chmod(0o600)
    signed = tmp_path / "signed.json"
    out = prove(
        "sign-reserves", "--reserves", str(tpl), "--keys", str(keys), "--output", str(signed)
    )
    assert out.rc == 0, out.text
    for key in wallet_key(1), wallet_key(2), wallet_key(3):
        assert key.hex() not in out.text
    # the unsigned template is refused by the build; the signed file is accepted
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(tpl)])
    assert out.rc == 2
    assert "missing key 'signature'" in out.stderr
    out = _build(tmp_path, ["--exchange", EXCHANGE, "--reserves", str(signed)])
    assert out.rc == 0, out.text
    check_of(json.loads((tmp_path / "out" / "public" / "statement.json").read_bytes()))


def test_signed_statement_without_reserves(tmp_path: Path) -> None:
    key = write_secret(tmp_path / "exchange.key", EXCHANGE_SK)
    out = _build(tmp_path, ["--exchange-key", str(key)])
    assert out.rc == 0, out.text
    path = tmp_path / "out" / "public" / "statement.json"
    doc = json.loads(path.read_bytes())
    res = verify_solvency(parse_statement(path.read_bytes(), "s"), exchange_key=EXCHANGE_PK)
    assert (res.has_reserves, res.signed_by) == (False, EXCHANGE_PK)
    out = verify("statement", str(path), "--exchange-key", EXCHANGE_PK)
    assert out.rc == 0, out.text
    assert "No reserves in this statement" in out.stdout
    doc["root"]["hash"] = "00" * 32
    assert_check("signature", lambda: check_of(doc, EXCHANGE_PK))
    # --min-ratio or --disclose without reserves is bad input
    for extra in (["--min-ratio", "BTC=102"], ["--disclose", "BTC"]):
        out = _build(tmp_path, extra, out="other")
        assert out.rc == 2
        assert "need --reserves" in out.stderr


def test_result_lines_exact() -> None:
    """What `solvency-verify statement` prints for each asset, line by line: a disclosed zero
    liability (no ratio), a capped bound, a proven ratio, a kept-apart fund; whole units."""
    from verifier.solvency import AssetSolvency, SolvencyResult, _bad_index, _fmt

    zero = AssetSolvency("BTC", 8, 150_000_000, 150_000_000, False, None, 0)
    capped = AssetSolvency("ETH", 2, 123_456, 99_999, True, 110, None, funds={"insurance": 500})
    whole = AssetSolvency("PTS", 0, 1_234_567, 1_234_567, False, None, 1_000_000)
    assert SolvencyResult(True, [zero, capped, whole], None).lines() == [
        "BTC: reserves 1.50000000 >= liabilities 0.00000000: proven",
        "ETH: reserves 1,234.56 >= liabilities (hidden): proven (against the cap 999.99 below"
        " the reserves); ratio >= 110%: proven",
        "ETH: insurance fund 5.00: signed, kept apart (not counted as customer coverage)",
        "PTS: reserves 1,234,567 >= liabilities 1,000,000: proven; ratio 123.46% (disclosed)",
    ]
    assert _fmt(1_234_567, 0) == "1,234,567"
    assert _bad_index("batch of range proofs does not verify") is None
    assert _bad_index("proof 12: range proof does not verify") == 12


def test_result_json_and_wallet_summary_exact() -> None:
    """`solvency-verify statement --json`'s solvency object and the wallets it shows, key by key."""
    from verifier.reserves import Wallet
    from verifier.solvency import AssetSolvency, SolvencyResult, wallet_summary

    capped = AssetSolvency("ETH", 2, 123_456, 99_999, True, 110, None, funds={"insurance": 500})
    open_ = AssetSolvency("PTS", 0, 7, 7, False, None, 5)
    assert SolvencyResult(True, [capped, open_], "ab" * 32).to_json() == {
        "reserves": True,
        "signed_by": "ab" * 32,
        "assets": {
            "ETH": {
                "reserves": 123_456,
                "bound": 99_999,
                "capped": True,
                "min_ratio_percent": 110,
                "liabilities": None,
                "funds": {"insurance": 500},
                "solvent": True,
            },
            "PTS": {
                "reserves": 7,
                "bound": 7,
                "capped": False,
                "min_ratio_percent": None,
                "liabilities": 5,
                "funds": {},
                "solvent": True,
            },
        },
        "total": None,
    }
    customer = Wallet("bc1qexample", "bip322", 42, "sig")
    fund = Wallet("0xabc", "eip191", 9, "sig", fund="insurance")
    assert wallet_summary(customer) == {"address": "bc1qexample", "scheme": "bip322", "balance": 42}
    assert wallet_summary(fund) == {
        "address": "0xabc",
        "scheme": "eip191",
        "balance": 9,
        "fund": "insurance",
    }
