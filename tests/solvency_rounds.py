"""Helpers shared by the end-to-end tests: small snapshots and keys, signed reserves, rounds
built through `solvency-prove` in process, and a runner that captures a command's exit code,
standard output and standard error (as bytes, so `proof` can write binary to stdout).

Rounds are small on purpose (height 4-5, two assets, six users, 32-bit ranges): every test
file builds its rounds once per session and reuses them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from circuits import bip340
from prover.cli import main as prove_main
from verifier.cli import main as verify_main
from verifier.ids import user_key_hex
from verifier.reserves_v1 import reserve_challenge

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

#: The master secret of every test round: distinctive, so a leak is easy to grep for.
MASTER = bytes.fromhex("c0ffee00" + "5ec7e7" * 9 + "a11ce5")
#: The exchange's statement-signing key.
EXCHANGE_SK = hashlib.sha256(b"zk-solvency tests: exchange key").digest()
EXCHANGE_PK = bip340.xonly_pubkey(EXCHANGE_SK).hex()
EXCHANGE = "Test Exchange"
ROUND = "2026-11"
OTHER_ROUND = "2026-12"
SNAPSHOT_TIME = "2026-11-01T00:00:00Z"
ASSETS = {"BTC": 8, "USDT": 2}

#: (user id, BTC, USDT) in asset units; zero balances and non-ASCII ids on purpose.
USERS: tuple[tuple[str, ...], ...] = (
    ("alice", "1.5", "250.75"),
    ("bob", "0", "0"),
    ("zoë", "0.00000001", "1000"),
    ("李雷", "2", "0.01"),
    ("carol@example.com", "0.25", "12345.67"),
    ("o'brien", "0", "99"),
)

#: The same users with a tenth of the bitcoin: 102% of their BTC liabilities fits 32 bits, so
#: ratio proofs need no 64-bit ranges (faster rounds).
SMALL_USERS: tuple[tuple[str, ...], ...] = (
    ("alice", "0.15", "250.75"),
    ("bob", "0", "0"),
    ("zoë", "0.00000001", "1000"),
    ("李雷", "0.2", "0.01"),
    ("carol@example.com", "0.025", "12345.67"),
    ("o'brien", "0", "99"),
)


def to_units(amount: str, decimals: int) -> int:
    whole, _, frac = amount.partition(".")
    return int(whole) * 10**decimals + int((frac or "0").ljust(decimals, "0"))


def balances_of(
    users: Sequence[Sequence[str]], assets: dict[str, int]
) -> dict[str, tuple[int, ...]]:
    return {
        row[0]: tuple(to_units(a, d) for a, d in zip(row[1:], assets.values(), strict=True))
        for row in users
    }


def totals_of(users: Sequence[Sequence[str]], assets: dict[str, int]) -> dict[str, int]:
    bal = balances_of(users, assets)
    return {s: sum(b[k] for b in bal.values()) for k, s in enumerate(assets)}


def write_snapshot(path: Path, users: Sequence[Sequence[str]], assets: dict[str, int]) -> Path:
    lines = ["user_id," + ",".join(assets)] + [",".join(row) for row in users]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_secret(path: Path, data: bytes = MASTER, mode: int = 0o600) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


# --- running the commands in process -------------------------------------------------------


@dataclass
class Run:
    rc: int
    out: bytes
    err: bytes

    @property
    def stdout(self) -> str:
        return self.out.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.err.decode("utf-8", "replace")

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def run(main: Callable[[Sequence[str]], int], argv: Sequence[str]) -> Run:
    """Run a command's main() with stdout/stderr captured (a SystemExit, e.g. from --help or
    an argparse error, gives its code)."""
    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", write_through=True)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(argv))
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        out.flush()
        err.flush()
    return Run(int(rc), out_b.getvalue(), err_b.getvalue())


def prove(*argv: str) -> Run:
    return run(prove_main, argv)


def verify(*argv: str) -> Run:
    return run(verify_main, argv)


# --- reserves --------------------------------------------------------------------------------


def wallet_key(i: int) -> bytes:
    return hashlib.sha256(b"zk-solvency tests: wallet %d" % i).digest()


def sign_wallet(
    sk: bytes, exchange: str, round_id: str, asset: str, chain: str, height: int
) -> str:
    """A BIP-340 signature of the wallet challenge (deterministic aux for reproducible tests)."""
    pk = bip340.xonly_pubkey(sk)
    msg = reserve_challenge(exchange, round_id, asset, chain, height, pk)
    return bip340.sign(sk, msg, bytes(32)).hex()


@dataclass
class WalletSpec:
    key: int  # index of wallet_key()
    balance: int
    address: str = ""


@dataclass
class AssetSpec:
    chain: str
    height: int
    wallets: list[WalletSpec] = field(default_factory=list)


def reserves_doc(exchange: str, round_id: str, spec: dict[str, AssetSpec]) -> dict[str, Any]:
    """A reserves file (as a JSON object) with every wallet correctly signed."""
    assets: dict[str, Any] = {}
    for name, a in spec.items():
        wallets = []
        for w in a.wallets:
            sk = wallet_key(w.key)
            wallets.append(
                {
                    "pubkey": bip340.xonly_pubkey(sk).hex(),
                    "address": w.address or f"addr-{name.lower()}-{w.key}",
                    "balance": w.balance,
                    "signature": sign_wallet(sk, exchange, round_id, name, a.chain, a.height),
                }
            )
        assets[name] = {"chain": a.chain, "block_height": a.height, "wallets": wallets}
    return {"exchange": exchange, "round": round_id, "assets": assets}


def default_reserves_spec(totals: dict[str, int]) -> dict[str, AssetSpec]:
    """Reserves above the liabilities: BTC at 120% in two wallets, USDT at 110% in one."""
    btc = totals["BTC"] * 6 // 5
    usdt = totals["USDT"] * 11 // 10
    return {
        "BTC": AssetSpec(
            "bitcoin", 870_000, [WalletSpec(1, btc // 3), WalletSpec(2, btc - btc // 3)]
        ),
        "USDT": AssetSpec("ethereum", 21_000_000, [WalletSpec(3, usdt)]),
    }


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --- rounds ----------------------------------------------------------------------------------


@dataclass
class Round:
    dir: Path
    key: Path
    snapshot: Path
    round_id: str
    mode: str
    height: int
    bits: int
    assets: dict[str, int]
    balances: dict[str, tuple[int, ...]]
    build: Run

    @property
    def statement(self) -> Path:
        return self.dir / "public" / "statement.json"

    def proof_path(self, uid: str) -> Path:
        return self.dir / "users" / f"{user_key_hex(self.round_id, uid)}.json"

    def statement_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.statement.read_bytes())
        return doc

    def proof_json(self, uid: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.proof_path(uid).read_bytes())
        return doc


def build_round(
    base: Path,
    *,
    mode: str = "aggregated",
    round_id: str = ROUND,
    height: int = 4,
    bits: int = 32,
    users: Sequence[Sequence[str]] = USERS,
    assets: dict[str, int] | None = None,
    extra: Sequence[str] = (),
    name: str = "round",
) -> Round:
    """Write the snapshot and master key under `base` and build one round into base/name."""
    assets = dict(ASSETS if assets is None else assets)
    base.mkdir(parents=True, exist_ok=True)
    snapshot = write_snapshot(base / f"{name}.csv", users, assets)
    key = base / "master.key"
    if not key.exists():
        write_secret(key)
    out = base / name
    argv = [
        "build",
        "--snapshot",
        str(snapshot),
        "--secret",
        str(key),
        "--round",
        round_id,
        "--height",
        str(height),
        "--bits",
        str(bits),
        "--mode",
        mode,
        "--workers",
        "1",
        "--snapshot-time",
        SNAPSHOT_TIME,
        "--out",
        str(out),
    ]
    for sym, dec in assets.items():
        argv += ["--asset", f"{sym}:{dec}"]
    res = prove(*argv, *extra)
    if res.rc != 0:
        raise RuntimeError(f"test round did not build (exit {res.rc}): {res.text}")
    return Round(
        out, key, snapshot, round_id, mode, height, bits, assets, balances_of(users, assets), res
    )


def asset_args(assets: dict[str, int]) -> list[str]:
    out: list[str] = []
    for sym, dec in assets.items():
        out += ["--asset", f"{sym}:{dec}"]
    return out


T = TypeVar("T")


def shared(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """`make(folder)` once per test session, shared by every pytest-xdist worker: the first
    worker builds under a file lock and pickles the result, the others load it (the usual
    xdist recipe: the workers' base temp folders share a parent)."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    done = root / f"shared-{name}.pickle"
    with open(root / f"shared-{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            value: T = pickle.loads(done.read_bytes())
            return value
        folder = root / f"shared-{name}"
        folder.mkdir()
        value = make(folder)
        done.write_bytes(pickle.dumps(value))
        return value
