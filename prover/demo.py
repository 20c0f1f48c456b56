"""`solvency-prove demo`: a complete round on generated data, verified end to end.

The snapshot is synthetic but shaped like an exchange's: heavy-tailed (log-normal) balances in
several assets, many zero balances, a few whales, and non-ASCII user ids. The demo writes the
snapshot, a master secret, an exchange signing key and signed reserves (format v2: bitcoin
wallets signed with BIP-322, signmessage and BIP-340, ethereum wallets with EIP-191, and a BTC
insurance fund kept apart from customer coverage), builds the round with
a proven reserve ratio and one disclosed asset, verifies the statement and every user's proof
through the verifier's own code, writes the report page, and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shlex
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from circuits.errors import ParameterError
from prover.build import BuildConfig, build
from prover.demo_cli import demo_height
from prover.layout import RoundLayout
from prover.secrets import keygen, load_master_secret
from prover.solvency import (
    SolvencyConfig,
    load_exchange_key,
    load_reserves,
    precheck,
    solvency_sections,
)

DEMO_ASSETS = {"BTC": 8, "ETH": 8, "USDT": 6}
#: USD per whole unit, signed with the statement: the demo proves its total reserve ratio in USD.
DEMO_PRICES = {"BTC": "97000.5", "ETH": "3500.25", "USDT": "1"}
# (log-normal median in asset units, sigma, whale multiplier)
SHAPES = {"BTC": (0.05, 2.0, 400.0), "ETH": (0.8, 2.0, 300.0), "USDT": (300.0, 2.2, 500.0)}
NAMES = [
    "anna",
    "müller",
    "李雷",
    "josé",
    "Ωmega",
    "zoë",
    "søren",
    "ایران",
    "наташа",
    "kenji-山田",
    "o'brien",
]
EXCHANGE = "Demo Exchange"


def make_snapshot(path: Path, users: int, seed: int) -> dict[str, int]:
    """Write a synthetic snapshot; return the per-asset totals in base units."""
    rng = np.random.default_rng(seed)
    cols = {}
    for sym, dec in DEMO_ASSETS.items():
        median, sigma, whale = SHAPES[sym]
        amounts = rng.lognormal(math.log(median), sigma, users)
        amounts[rng.random(users) < 0.35] = 0.0  # many users hold nothing of an asset
        whales = rng.random(users) < 0.01
        amounts[whales] *= whale
        units = np.floor(amounts * 10**dec).astype(np.int64)
        units = np.minimum(units, 10**12 * 10**dec // 10**6)  # keep far below 2^64
        cols[sym] = units
    totals = {sym: int(cols[sym].sum()) for sym in DEMO_ASSETS}
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("user_id," + ",".join(DEMO_ASSETS) + "\r\n")
        for i in range(users):
            base = NAMES[i % len(NAMES)]
            uid = f"{base}-{i:05d}" if i % 3 else f"user{i:05d}@example.com"
            fields = []
            for sym, dec in DEMO_ASSETS.items():
                v = int(cols[sym][i])
                whole, frac = divmod(v, 10**dec)
                fields.append(f"{whole}.{frac:0{dec}d}" if frac else str(whole))
            f.write(uid + "," + ",".join(fields) + "\r\n")
    return totals


def _verify_one(args: tuple[str, str]) -> tuple[float, int, int]:
    from verifier.formats import parse_inclusion, parse_statement
    from verifier.liabilities import verify_inclusion

    statement_path, proof_path = args
    st = parse_statement(Path(statement_path).read_bytes(), statement_path)
    data = Path(proof_path).read_bytes()
    t = time.perf_counter()
    proof = parse_inclusion(data, proof_path)
    verify_inclusion(st, proof, user_id=proof.user_id)
    ms = (time.perf_counter() - t) * 1e3
    return ms, len(data), len(proof.to_binary())


def run_demo(args: argparse.Namespace) -> int:
    from prover.report import write_report
    from verifier.formats import parse_inclusion, parse_statement
    from verifier.ids import user_key_hex
    from verifier.liabilities import verify_root
    from verifier.solvency import verify_solvency

    t0 = time.perf_counter()
    out = Path(args.out or time.strftime("zk-solvency-demo-%Y%m%d-%H%M%S"))
    if out.exists() and any(out.iterdir()):
        raise ParameterError(f"{out}: folder exists and is not empty")
    if not 1 <= args.users <= 1_000_000:
        raise ParameterError("--users must be in [1, 1000000]")
    out.mkdir(parents=True, exist_ok=True)
    users = args.users
    height = args.height or demo_height(users)
    print(
        f"demo: {users:,} users, assets {', '.join(DEMO_ASSETS)}, height {height}, mode {args.mode}, "
        f"{args.workers} workers"
    )
    snapshot = out / "snapshot.csv"
    totals = make_snapshot(snapshot, users, args.seed)
    keygen(out / "master.key")
    keygen(out / "exchange.key")
    rnd = random.Random(args.seed)
    reserves_totals = {
        s: int(t * rnd.uniform(1.04, 1.25)) + 10 ** DEMO_ASSETS[s] for s, t in totals.items()
    }
    from prover.reserves_tools import demo_reserves, keys_to_json

    # Reserves v2: BTC wallets in the four bitcoin forms (BIP-322 P2WPKH/P2TR, signmessage,
    # BIP-340), ETH and USDT by EIP-191; a BTC insurance fund signed but kept apart.
    funds = {"BTC": ("insurance", 5 * 10 ** DEMO_ASSETS["BTC"])}
    reserves_bytes, keys = demo_reserves(
        EXCHANGE, args.round, reserves_totals, DEMO_ASSETS, rnd, funds=funds
    )
    (out / "reserves.json").write_bytes(reserves_bytes)
    keys_path = out / "wallet-keys.json"
    keys_path.write_bytes(keys_to_json(keys))
    keys_path.chmod(0o600)
    print(
        f"  wrote {snapshot.name}, master.key, exchange.key, reserves.json (signed), wallet-keys.json, prices.json"
    )

    round_dir = out / f"round-{args.round}"
    cfg = BuildConfig(
        snapshot=snapshot,
        round_id=args.round,
        assets=dict(DEMO_ASSETS),
        out=round_dir,
        height=height,
        bits=args.bits,
        mode=args.mode,
        workers=args.workers,
        snapshot_time=args.snapshot_time or time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime()),
        exchange=EXCHANGE,
    )
    res, rtotals, raw = load_reserves(str(out / "reserves.json"), EXCHANGE, args.round)
    ekey = load_exchange_key(str(out / "exchange.key"))
    prices_path = out / "prices.json"
    prices_path.write_text(json.dumps(DEMO_PRICES, indent=2) + "\n", encoding="utf-8")
    from prover.total import total_config

    total = total_config(str(prices_path), None, DEMO_ASSETS)
    sc = SolvencyConfig(res, rtotals, raw, {"BTC": 102}, ["USDT"], ekey, total)
    cfg.precheck = lambda summary: precheck(sc, summary, cfg.bits, cfg.assets)
    cfg.extend_statement = lambda st, store, secrets: solvency_sections(sc, st, store, secrets)
    result = build(cfg, load_master_secret(out / "master.key"))
    print(
        f"  built round {args.round}: {result.users:,} users, {result.nodes:,} nodes, "
        f"{result.proofs:,} node proofs in {result.seconds['total']:.1f} s"
    )

    layout = RoundLayout(round_dir)
    st_path = layout.statement
    st = parse_statement(st_path.read_bytes(), str(st_path))
    verify_root(st)
    from circuits import bip340

    solv = verify_solvency(st, exchange_key=bip340.xonly_pubkey(ekey).hex())
    for line in solv.lines():
        print("  " + line)
    jobs = [(str(st_path), str(p)) for p in sorted(layout.users.iterdir())]
    t = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, mp_context=get_context("fork")) as ex:
            results = list(ex.map(_verify_one, jobs, chunksize=8))
    else:
        results = [_verify_one(j) for j in jobs]
    vt = time.perf_counter() - t
    ms = [r[0] for r in results]
    print(
        f"  verified all {len(results):,} inclusion proofs in {vt:.1f} s "
        f"(median {statistics.median(ms):.1f} ms each, one core)"
    )
    print(
        f"  proof size: JSON median {statistics.median(r[1] for r in results):,.0f} bytes, "
        f"binary {statistics.median(r[2] for r in results):,.0f} bytes"
    )
    report = write_report(round_dir)
    print(f"  report page: {report}")
    example = parse_inclusion(Path(jobs[0][1]).read_bytes(), jobs[0][1]).user_id
    print(f"  statement digest: {st.digest().hex()}")
    print(f"  publish {layout.public}/; hand each user their own file of {layout.users}/;")
    print(f"  keep {layout.private}/ and the keys private")
    print(f"  user {example!r} checks their proof with:")
    print(
        f"    solvency-verify inclusion --statement {shlex.quote(str(st_path))} "
        f"--proof {shlex.quote(str(layout.user_proof(user_key_hex(args.round, example))))} "
        f"--user-id {shlex.quote(example)} --exchange-key {bip340.xonly_pubkey(ekey).hex()}"
    )
    print(
        f"demo finished in {time.perf_counter() - t0:.1f} s: every proof and the statement verified"
    )
    return 0
