"""Seed corpora for the fuzz targets, made from tiny rounds built by the project itself.

`make_seeds(root)` builds two rounds (height 4, BTC and USDT, 32-bit ranges; one aggregated with
signed reserves, a 102% BTC ratio and USDT disclosed, one per-node and unsigned), exports the
aggregated round's audit bundle, builds a third round with signed USD prices and a proven total
reserve ratio (its statement is a statement seed), and writes under `root`:

    _context/        the statements the inclusion and audit targets check against
    statement/       the three statements (the third with USD prices and a total ratio)
    inclusion/       every proof of both rounds, JSON and binary, with the selector byte
    reserves/        the signed reserves file and its unsigned template
    audit/           the aggregated round's nodes.jsonl, whole and cut after a few levels
    snapshot/        the snapshot CSV (and a CRLF, BOM and quoted variant)
    anchor/          public/anchor.json records of the aggregated round (whose statement
                     declares an anchor): EIP-1559, EIP-2930 and legacy EIP-155 transactions
    transaction/     the same signed transactions, raw

Every input is a real file of its kind, so the fuzzer starts from deep inside each decoder.
The rounds' secrets are fixed test values (these rounds prove nothing about anyone).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
from pathlib import Path

from circuits import bip340
from circuits.group import Point

ROUND = "2026-11"
EXCHANGE = "Fuzz Exchange"
ASSETS = {"BTC": 8, "USDT": 2}
USERS = (
    ("alice", "0.15", "250.75"),
    ("bob", "0", "0"),
    ("zoë", "0.00000001", "1000"),
    ("李雷", "0.2", "0.01"),
    ("o'brien", "0", "99"),
)
MASTER = hashlib.sha256(b"zk-solvency fuzz seeds: master").digest()
EXCHANGE_SK = hashlib.sha256(b"zk-solvency fuzz seeds: exchange").digest()
ANCHOR_SK = hashlib.sha256(b"zk-solvency fuzz seeds: anchor").digest()
ANCHOR_CHAIN_ID = 31337

#: The first byte of an inclusion input selects the statement (even: aggregated, odd: per-node).
CONTEXTS = ("statement-aggregated.json", "statement-per-node.json")


def _secret(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _prove(*argv: str) -> None:
    from prover.cli import main

    rc = main(list(argv))
    if rc != 0:
        raise RuntimeError(f"solvency-prove {argv[0]} failed (exit {rc})")


def _round_args(snapshot: Path, key: Path, out: Path, mode: str) -> list[str]:
    args = ["build", "--snapshot", str(snapshot), "--secret", str(key), "--round", ROUND]
    for sym, dec in ASSETS.items():
        args += ["--asset", f"{sym}:{dec}"]
    return [
        *args,
        "--height", "4", "--bits", "32", "--mode", mode, "--workers", "1",
        "--snapshot-time", "2026-11-01T00:00:00Z", "--out", str(out),
    ]  # fmt: skip


def make_seeds(root: Path) -> dict[str, int]:
    """Write the seed corpora under `root` (created; seeds overwrite their own files, what the
    fuzzer added to a folder is kept). Returns the number of seeds per target."""
    from prover.reserves_tools import demo_reserves

    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zk-fuzz-seeds-") as tmp_name:
        tmp = Path(tmp_name)
        snapshot = tmp / "snapshot.csv"
        lines = ["user_id," + ",".join(ASSETS), *(",".join(row) for row in USERS)]
        snapshot.write_text("\n".join(lines) + "\n", encoding="utf-8")
        key = _secret(tmp / "master.key", MASTER)
        ekey = _secret(tmp / "exchange.key", EXCHANGE_SK)
        totals = {"BTC": 50_000_000, "USDT": 200_000}
        reserves, _ = demo_reserves(EXCHANGE, ROUND, totals, ASSETS, random.Random(7))
        (tmp / "reserves.json").write_bytes(reserves)
        agg, per = tmp / "aggregated", tmp / "per-node"
        _prove(
            *_round_args(snapshot, key, agg, "aggregated"),
            "--exchange", EXCHANGE, "--reserves", str(tmp / "reserves.json"),
            "--min-ratio", "BTC=102", "--disclose", "USDT", "--signing-key", str(ekey),
            "--anchor-address", anchor_address(), "--anchor-chain-id", str(ANCHOR_CHAIN_ID),
        )  # fmt: skip
        _prove(*_round_args(snapshot, key, per, "per-node"))
        # a third statement, for the statement target only: signed USD prices and a proven
        # total reserve ratio
        prices = tmp / "prices.json"
        prices.write_text('{"BTC": "97000.5", "USDT": "1"}\n', encoding="utf-8")
        usd = tmp / "total"
        _prove(
            *_round_args(snapshot, key, usd, "aggregated"),
            "--exchange", EXCHANGE, "--reserves", str(tmp / "reserves.json"),
            "--prices", str(prices), "--min-total-ratio", "100", "--signing-key", str(ekey),
        )  # fmt: skip
        bundle = tmp / "bundle"
        _prove("export-audit", "--round-dir", str(agg), "--secret", str(key), "--bundle", str(bundle),
               "--workers", "1")  # fmt: skip

        out: dict[str, list[tuple[str, bytes]]] = {}
        statements = [(f / "public" / "statement.json").read_bytes() for f in (agg, per)]
        out["_context"] = list(zip(CONTEXTS, statements, strict=True))
        out["statement"] = [
            ("aggregated.json", statements[0]),
            ("per-node.json", statements[1]),
            ("total.json", (usd / "public" / "statement.json").read_bytes()),
        ]
        from verifier.formats import parse_inclusion

        inclusion = []
        for sel, folder in enumerate((agg, per)):
            for i, proof in enumerate(sorted((folder / "users").iterdir())):
                data = proof.read_bytes()
                binary = parse_inclusion(data, str(proof)).to_binary()
                inclusion.append((f"{folder.name}-{i}.json", bytes([sel]) + data))
                inclusion.append((f"{folder.name}-{i}.bin", bytes([sel]) + binary))
        out["inclusion"] = inclusion
        from dataclasses import replace

        from verifier.reserves import encode_reserves, parse_reserves

        signed = parse_reserves(reserves, "reserves.json")
        unsigned = replace(
            signed,
            assets={
                name: replace(a, wallets=tuple(replace(w, signature="") for w in a.wallets))
                for name, a in signed.assets.items()
            },
        )
        # the first byte of a reserves input says whether unsigned wallets are accepted
        out["reserves"] = [
            ("signed.json", b"\x00" + reserves),
            ("template.json", b"\x01" + encode_reserves(unsigned)),
        ]
        nodes = (bundle / "nodes.jsonl").read_bytes()
        node_lines = nodes.splitlines(keepends=True)
        out["audit"] = [("nodes.jsonl", nodes), ("leaves.jsonl", b"".join(node_lines[:4]))]
        txs = anchor_transactions(statements[0])
        out["anchor"] = [(f"{name}.json", _record(raw)) for name, raw in txs]
        out["transaction"] = [(f"{name}.bin", raw) for name, raw in txs]
        csv = snapshot.read_bytes()
        out["snapshot"] = [
            ("snapshot.csv", csv),
            ("crlf-bom.csv", b"\xef\xbb\xbf" + csv.replace(b"\n", b"\r\n")),
            ("quoted.csv", csv.replace(b"alice", b'"alice"')),
        ]
    counts = {}
    for target, files in out.items():
        folder = root / target
        folder.mkdir(exist_ok=True)
        for name, data in files:
            (folder / name).write_bytes(data)
        counts[target] = len(files)
    return counts


def exchange_pubkey() -> str:
    """The x-only key that signed the aggregated seed statement."""
    return bip340.xonly_pubkey(EXCHANGE_SK).hex()


def anchor_address() -> str:
    """The EIP-55 address of the aggregated seed round's declared anchor."""
    from verifier.ownership.ethereum import address_of, checksum_address

    return checksum_address(address_of(Point.generator() * int.from_bytes(ANCHOR_SK, "big")))


def anchor_transactions(statement: bytes) -> list[tuple[str, bytes]]:
    """The anchor transaction of `statement` signed by ANCHOR_SK, as EIP-1559, EIP-2930 and
    legacy EIP-155 transactions (raw bytes), each checked by the verifier's own decoder."""
    from dataclasses import replace

    from prover.wallet_signers import ecdsa_sign
    from verifier.chain.anchor import anchor_data
    from verifier.chain.transaction import SignedTransaction, decode_raw
    from verifier.formats import parse_statement, statement_digest
    from verifier.ownership.ethereum import parse_address

    st = parse_statement(statement, "statement.json")
    to = parse_address(anchor_address())
    data = anchor_data(statement_digest(st))
    base = SignedTransaction(2, ANCHOR_CHAIN_ID, 0, 0, 10**9, 2 * 10**9, 30_000, to, 0, data,
                             (), 0, 0, 0)  # fmt: skip
    shapes = {
        "eip1559": base,
        "eip2930": replace(
            base,
            type=1,
            gas_price=3 * 10**9,
            max_priority_fee=0,
            max_fee=0,
            access_list=((to, (bytes(32),)),),
        ),
        "legacy": replace(base, type=0, gas_price=3 * 10**9, max_priority_fee=0, max_fee=0),
    }
    out = []
    for name, tx in shapes.items():
        r, s, recid = ecdsa_sign(ANCHOR_SK, tx.signing_digest())
        v = recid & 1 if tx.type else 35 + 2 * ANCHOR_CHAIN_ID + (recid & 1)
        raw = replace(tx, v=v, r=r, s=s).raw()
        if decode_raw(raw).sender() != to:
            raise AssertionError(f"the {name} seed transaction does not recover its signer")
        out.append((name, raw))
    return out


def _record(raw: bytes) -> bytes:
    from verifier.chain.anchor import AnchorRecord
    from verifier.ownership.ethereum import keccak256

    record = AnchorRecord(ANCHOR_CHAIN_ID, keccak256(raw), raw)
    return (json.dumps(record.to_json(), indent=2) + "\n").encode()
