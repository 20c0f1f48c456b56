"""128-bit ranges end to end (issue 10, part 4): a round of 18-decimal ETH whose balances and
total exceed 2^64 base units is built with `--bits 128`, and its statement, every JSON and
binary inclusion proof and the audit bundle verify; the binary proof carries u128 balances;
a 64-bit build of the same snapshot is refused naming `--bits 128`."""

from __future__ import annotations

from pathlib import Path

import pytest
from solvency_rounds import (
    EXCHANGE,
    ROUND,
    AssetSpec,
    Round,
    WalletSpec,
    build_round,
    prove,
    reserves_doc,
    shared,
    verify,
    write_json,
    write_snapshot,
)

from circuits.errors import FormatError
from verifier.formats import balance_bytes, check_params, parse_inclusion, parse_statement
from verifier.liabilities import verify_inclusion
from verifier.solvency import verify_solvency

ASSETS = {"ETH": 18, "BTC": 8}
#: 25 ETH and more: beyond 2^64 wei (about 18.4 ETH), kept to the last wei.
USERS = (
    ("alice", "25.000000000000000001", "0.5"),
    ("bob", "0", "0"),
    ("zoë", "18.446744073709551616", "0.00000001"),
    ("carol", "0.000000000000000001", "2"),
)


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    def make(base: Path) -> Round:
        return build_round(base, bits=128, height=4, users=USERS, assets=ASSETS)

    return shared(tmp_path_factory, "bits128", make)


def test_statement_and_every_proof_verify(rnd: Round, tmp_path: Path) -> None:
    st = parse_statement(rnd.statement.read_bytes(), "statement.json")
    assert st.params.bits == 128
    res = verify("statement", str(rnd.statement))
    assert res.rc == 0, res.text
    for i, row in enumerate(USERS):
        proof = parse_inclusion(rnd.proof_path(row[0]).read_bytes(), "json")
        assert proof.balances == rnd.balances[row[0]]
        verify_inclusion(st, proof, user_id=row[0])
        out = tmp_path / f"{i}.bin"
        res = prove(
            "proof", "--out", str(rnd.dir), "--secret", str(rnd.key), "--user", row[0],
            "--format", "bin", "--output", str(out),
        )  # fmt: skip
        assert res.rc == 0, res.text
        assert parse_inclusion(out.read_bytes(), "bin") == proof
        res = verify(
            "inclusion", "--statement", str(rnd.statement), "--proof", str(out),
            "--user-id", row[0], "--expect", f"ETH={row[1]}", "--expect", f"BTC={row[2]}",
        )  # fmt: skip
        assert res.rc == 0, res.text
    assert rnd.balances["alice"][0] == 25 * 10**18 + 1 > 1 << 64


def test_binary_balances_are_u128(rnd: Round) -> None:
    """The binary form's balances are 16 bytes at n = 128; a balance of 2^128 - 1 decodes, and
    one with the top bit above 2^n does not exist (16 bytes hold exactly 128 bits)."""
    assert (balance_bytes(64), balance_bytes(128)) == (8, 16)
    proof = parse_inclusion(rnd.proof_path("alice").read_bytes(), "json")
    data = proof.to_binary()
    head = 4 + 5 + 1 + len(rnd.round_id) + 2 + len("alice") + sum(2 + len(s) for s in ASSETS)
    at = head + 32 + 8
    assert int.from_bytes(data[at : at + 16], "big") == 25 * 10**18 + 1
    with pytest.raises(FormatError, match="truncated"):
        parse_inclusion(data[: at + 8], "bin")


def test_the_audit_bundle_verifies(rnd: Round, tmp_path: Path) -> None:
    bundle = tmp_path / "audit"
    res = prove("export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key), "--bundle",
                str(bundle), "--workers", "1")  # fmt: skip
    assert res.rc == 0, res.text
    res = verify("audit", "--statement", str(rnd.statement), "--bundle", str(bundle))
    assert res.rc == 0, res.text


def test_64_bits_refused_naming_bits_128(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "s.csv", USERS, ASSETS)
    (tmp_path / "m.key").write_bytes(bytes(range(32)))
    (tmp_path / "m.key").chmod(0o600)
    res = prove(
        "build", "--snapshot", str(snap), "--secret", str(tmp_path / "m.key"), "--round",
        "2026-11", "--asset", "ETH:18", "--asset", "BTC:8", "--height", "4", "--bits", "64",
        "--workers", "1", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert res.rc == 2
    assert (
        f"{snap}:2: ETH: balance is 2^64 base units or more, beyond 64-bit range proofs: use "
        "--bits 128, or fewer decimals for the asset (--asset SYMBOL:DECIMALS) with --round-up"
    ) in res.stderr
    assert not (tmp_path / "out").exists()


def test_generator_table_bounds_at_128_bits() -> None:
    """n * next_pow2(H*K) <= 65536 in aggregated mode: H = 64 with 8 assets fits exactly."""
    check_params(64, 128, "aggregated", 8)
    check_params(64, 128, "per-node", 16)
    with pytest.raises(FormatError, match=r"exceed the generator table \(n\*m > 65536\)"):
        check_params(64, 128, "aggregated", 9)


def test_reserves_above_2_to_the_64_and_a_fund_left_out_of_the_total(tmp_path: Path) -> None:
    """n = 128 with v2 reserves above 2^64 wei: the ETH reserves and the USD total count the
    covered wallet only, never the insurance fund (with it the total would be far above 119%)."""
    eth, fund = 50 * 10**18 + 7, 1000 * 10**18
    spec = {
        "ETH": AssetSpec(
            "ethereum", 21_000_000, [WalletSpec(3, eth), WalletSpec(5, fund, fund="insurance")]
        ),
        "BTC": AssetSpec("bitcoin", 870_000, [WalletSpec(1, 3 * 10**8)]),
    }
    res = write_json(tmp_path / "r.json", reserves_doc(EXCHANGE, ROUND, spec))
    prices = write_json(tmp_path / "p.json", {"ETH": "3500.25", "BTC": "97000.5"})
    base = ["--exchange", EXCHANGE, "--reserves", str(res), "--prices", str(prices)]
    rnd = build_round(tmp_path, bits=128, users=USERS, assets=ASSETS, extra=base)
    doc = rnd.statement_json()
    assert doc["solvency"]["ETH"]["reserves"] == eth
    # E = max(2 + 18, 1 + 8) = 20: w_ETH = 350025, w_BTC = 970005 * 10^11
    assert doc["total"]["weights"] == {"ETH": 350025, "BTC": 970005 * 10**11}
    assert doc["total"]["reserves"] == 350025 * eth + 970005 * 10**11 * 3 * 10**8
    result = verify_solvency(parse_statement(rnd.statement.read_bytes(), "s"))
    assert result.total is not None and result.total.min_ratio == 100
    out = prove(  # the same build asking 119%: not met without the fund
        "build", "--snapshot", str(rnd.snapshot), "--secret", str(rnd.key), "--round", ROUND,
        "--asset", "ETH:18", "--asset", "BTC:8", "--height", "4", "--bits", "128",
        "--workers", "1", "--out", str(tmp_path / "out119"), *base, "--min-total-ratio", "119",
    )  # fmt: skip
    assert out.rc == 3, out.text
    assert "insolvent: total: reserves are below 119% of liabilities in USD" in out.stderr
