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
from prover.reserves_tools import demo_asset, key_index, make_wallet, sign_reserves
from prover.wallet_signers import sign_wallet
from verifier.cli import main as verify_main
from verifier.ids import user_key_hex
from verifier.ownership.bitcoin import decode_address
from verifier.ownership.message import reserve_message
from verifier.reserves import AssetReserves, Reserves, parse_reserves
from verifier.solvency import signed_message

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


def export_audit(round_dir: Path, key: Path, bundle: Path) -> Run:
    """`solvency-prove export-audit` of a built round into `bundle`, one worker."""
    return prove(
        "export-audit", "--out", str(round_dir), "--secret", str(key), "--bundle", str(bundle),
        "--workers", "1",
    )  # fmt: skip


# --- reserves --------------------------------------------------------------------------------


def wallet_key(i: int) -> bytes:
    return hashlib.sha256(b"zk-solvency tests: wallet %d" % i).digest()


#: The wallet keys of the tests (wallet_key(0..15)): sign_reserves_doc finds a wallet's key among
#: them by its address.
TEST_KEYS = [wallet_key(i) for i in range(16)]
#: Bitcoin wallet forms by key index (key i takes BTC_FORMS[i % 4]); ethereum wallets: eip191.
BTC_FORMS = ("bip322-p2wpkh", "bip322-p2tr", "btc-signmessage", "bip340")


@dataclass
class WalletSpec:
    key: int  # index of wallet_key()
    balance: int
    form: str = ""  # default: BTC_FORMS[key % 4] on bitcoin, eip191 on ethereum
    fund: str | None = None


@dataclass
class AssetSpec:
    chain: str
    height: int
    wallets: list[WalletSpec] = field(default_factory=list)


def resign(doc: dict[str, Any], sk: bytes = EXCHANGE_SK) -> dict[str, Any]:
    """The statement signed again (by `sk`) after a change: valid, as an exchange could make it."""
    doc = {k: v for k, v in doc.items() if k != "signature"}
    msg = signed_message(doc)
    sig = bip340.sign(sk, msg, bytes(32))
    doc["signature"] = {"pubkey": bip340.xonly_pubkey(sk).hex(), "sig": sig.hex()}
    return doc


def reserves_doc(exchange: str, round_id: str, spec: dict[str, AssetSpec]) -> dict[str, Any]:
    """A reserves v2 document (as a JSON object) with every wallet correctly signed. Made-up
    block hashes (prover.reserves_tools.demo_block_hash); tokens as in the demo."""
    assets: dict[str, AssetReserves] = {}
    for name, a in spec.items():
        wallets = []
        for w in a.wallets:
            form = w.form or (BTC_FORMS[w.key % 4] if a.chain != "ethereum" else "eip191")
            wallets.append(make_wallet(wallet_key(w.key), a.chain, form, w.balance, w.fund))
        assets[name] = demo_asset(name, ASSETS.get(name, 8), a.height, wallets, a.chain)
    template = Reserves(exchange, round_id, assets)
    doc: dict[str, Any] = json.loads(sign_reserves(template, TEST_KEYS))
    return doc


def sign_reserves_doc(
    doc: dict[str, Any], only: tuple[str, int] | None = None, **message: Any
) -> dict[str, Any]:
    """Sign every wallet of a reserves document again (in place, and returned). Keyword arguments
    replace fields of the signed message only (exchange, round_id, asset, chain, block_height,
    block_hash, chain_id, token), to make signatures of something else; `key=i` signs with
    wallet_key(i) whatever the address; `only=(asset, i)` signs that wallet only."""
    res = parse_reserves(json.dumps(doc).encode(), "test reserves", unsigned_ok=True)
    key = message.pop("key", None)
    for name, a in res.assets.items():
        for i, w in enumerate(a.wallets):
            if only is not None and only != (name, i):
                continue
            sk = (
                wallet_key(key)
                if key is not None
                else key_index(TEST_KEYS, a.chain, w.scheme)[w.address]
            )
            fields: dict[str, Any] = {
                "exchange": res.exchange, "round_id": res.round_id, "asset": name,
                "chain": a.chain, "block_height": a.block_height, "block_hash": a.block_hash,
                "address": w.address, "chain_id": a.chain_id, "token": a.token,
            }  # fmt: skip
            fields.update(message)
            addr = None if a.chain == "ethereum" else decode_address(w.address, a.chain)
            sig = sign_wallet(sk, addr, w.scheme, reserve_message(**fields))
            doc["assets"][name]["wallets"][i]["signature"] = sig
    return doc


def default_reserves_spec(totals: dict[str, int]) -> dict[str, AssetSpec]:
    """Reserves above the liabilities: BTC at 120% in two wallets (BIP-322 P2TR, signmessage),
    USDT at 110% in one (EIP-191)."""
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
    xdist recipe: the workers' base temp folders share a parent). With ZKSOLVENCY_TEST_CACHE
    set, in that folder instead, kept across sessions: the mutation campaign builds its rounds
    once, with the unmutated prover (scripts/mutation.sh)."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    if os.environ.get("ZKSOLVENCY_TEST_CACHE"):
        root = Path(os.environ["ZKSOLVENCY_TEST_CACHE"])
        root.mkdir(parents=True, exist_ok=True)
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
