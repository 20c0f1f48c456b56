"""The prover's side of reserves and solvency: check the reserves file against the build,
stop an insolvent round before anything is published, and make the solvency and ratio
proofs, disclosures and the statement's signature (formulas in verifier/solvency.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from circuits import bip340
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import N, scalar_from_bytes
from circuits.transcript import Transcript
from prover.secrets import read_secret_file
from prover.snapshot import SnapshotSummary
from prover.store import Store
from prover.total import TotalConfig, precheck_total, total_sections
from prover.tree import RoundSecrets, unpack_opening
from verifier.formats import Statement, format_units
from verifier.inputs import read_bounded
from verifier.reserves import MAX_RESERVES_BYTES, Reserves, parse_reserves, verify_reserves
from verifier.solvency import (
    MAX_RATIO_PERCENT,
    ratio_bound,
    signed_message,
    solvency_bound,
    solvency_transcript,
)


class InsolventError(ParameterError):
    """Liabilities exceed reserves, or a stated reserve ratio is not met (exit code 3)."""


@dataclass
class SolvencyConfig:
    reserves: Reserves
    totals: dict[str, int]
    reserves_json: dict[str, Any]
    min_ratio: dict[str, int]
    disclose: list[str]
    exchange_key: bytes | None
    total: TotalConfig | None = None  # the total reserve ratio in USD (--prices)


def load_reserves(
    path: str, exchange: str, round_id: str
) -> tuple[Reserves, dict[str, int], dict[str, Any]]:
    """Parse and verify a reserves file (format v2) for this exchange and round; the totals are
    the covered ones (funds kept apart are not customer coverage). A reserves file that does not
    verify is bad input here: FormatError naming the file, JSON path and failed check."""
    import json

    data = read_bounded(path, MAX_RESERVES_BYTES)
    res = parse_reserves(data, path)
    try:
        totals = verify_reserves(res, exchange=exchange, round_id=round_id).covered
    except VerificationError as exc:  # bad input to the prover
        raise FormatError(f"{path}: {exc} (check {exc.check})") from None
    return res, totals, json.loads(data)


def parse_min_ratio(items: list[str], assets: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        sym, sep, pct = item.partition("=")
        if len(pct) > len(str(MAX_RATIO_PERCENT)) and pct.isdigit():
            raise FormatError(
                f"--min-ratio {sym}=<{len(pct):,} digits>: percent must be in "
                f"[1, {MAX_RATIO_PERCENT}]"
            )
        if not sep or sym not in assets or not pct.isdigit() or not pct.isascii():
            raise FormatError(
                f"--min-ratio {item!r}: expected ASSET=PERCENT with an asset of the round"
            )
        p = int(pct)
        if not 1 <= p <= MAX_RATIO_PERCENT:
            raise FormatError(f"--min-ratio {item!r}: percent must be in [1, {MAX_RATIO_PERCENT}]")
        out[sym] = p
    return out


def load_exchange_key(path: str, what: str = "exchange key") -> bytes:
    """A 32-byte BIP-340 secret key file (mode 0600): the statement-signing key, or `what`."""
    raw = read_secret_file(path, what)
    if len(raw) != 32:
        raise ParameterError(f"{path}: {what} must be exactly 32 bytes")
    try:
        k = scalar_from_bytes(raw)
    except FormatError:
        k = 0
    if k == 0:
        raise ParameterError(f"{path}: {what} is not a valid secret key")
    return raw


def precheck(
    cfg: SolvencyConfig,
    summary: SnapshotSummary,
    bits: int,
    decimals: Mapping[str, int] | None = None,
) -> None:
    """Stop before building if the snapshot's liabilities exceed the reserves or a ratio; the
    message gives the figures in the asset's units (`decimals`: the round's assets)."""
    for sym, liab in zip(summary.assets, summary.totals, strict=True):
        if sym not in cfg.totals:
            raise FormatError(f"reserves: no reserves listed for asset {sym}")
        r = cfg.totals[sym]
        d = (decimals or {}).get(sym, 0)

        def units(v: int, sym: str = sym, d: int = d) -> str:
            return f"{format_units(v, d)} {sym}"

        if liab > r:
            raise InsolventError(
                f"{sym}: liabilities exceed reserves: liabilities {units(liab)}, reserves "
                f"{units(r)}, short by {units(liab - r)}"
            )
        p = cfg.min_ratio.get(sym)
        if p is not None:
            if p * liab > 100 * r:
                need = -(-p * liab // 100)  # ceil(p * L / 100)
                raise InsolventError(
                    f"{sym}: reserves are below {p}% of liabilities: reserves {units(r)} are "
                    f"{100 * r / liab:.2f}% of liabilities {units(liab)}; {p}% needs reserves "
                    f"of at least {units(need)} (short by {units(need - r)})"
                )
            if p * liab > ratio_bound(r, bits):
                raise ParameterError(f"{sym}: the ratio cannot be proven in {bits} bits")
    extra = set(cfg.totals) - set(summary.assets)
    if extra:
        raise FormatError(f"reserves: assets {sorted(extra)} are not in the snapshot")
    if cfg.total is not None:
        reserves = [cfg.totals[s] for s in summary.assets]
        precheck_total(cfg.total, list(summary.totals), reserves, bits)


def solvency_sections(
    cfg: SolvencyConfig, statement: Statement, store: Store, secrets: RoundSecrets
) -> dict[str, Any]:
    """The reserves, solvency and signature sections of the statement."""
    p = statement.params
    ctx = p.digest(statement.round_id)
    node = store.get_node(0, 0)
    assert node is not None
    values, blindings = unpack_opening(node[2])
    solvency: dict[str, Any] = {}
    for k, a in enumerate(p.assets):
        L, r = values[k], blindings[k] % N
        R = cfg.totals[a.symbol]
        bound = solvency_bound(R, p.bits)
        entry: dict[str, Any] = {"reserves": R, "bound": bound}
        entry["proof"] = _prove(
            ctx, p.bits, a.symbol, "reserves", bound, 0, bound - L, -r % N, secrets, k
        ).hex()
        pct = cfg.min_ratio.get(a.symbol)
        if pct is not None:
            c = ratio_bound(R, p.bits)
            entry["min_ratio"] = pct
            entry["ratio_proof"] = _prove(
                ctx, p.bits, a.symbol, "ratio", c, pct, c - pct * L, (-pct * r) % N, secrets, k
            ).hex()
        if a.symbol in cfg.disclose:
            entry["disclosed"] = {"liabilities": L, "blinding": r.to_bytes(32, "big").hex()}
        solvency[a.symbol] = entry
    out: dict[str, Any] = {"reserves": cfg.reserves_json, "solvency": solvency}
    if cfg.total is not None:
        out.update(
            total_sections(
                cfg.total,
                ctx,
                [a.symbol for a in p.assets],
                values,
                blindings,
                [cfg.totals[a.symbol] for a in p.assets],
                lambda t, value, blinding: _range_proof(
                    t, value, blinding, 128, secrets, "total", 0, "total: ratio not met"
                ),
            )
        )
    doc = statement.to_json()
    doc.update(out)
    if cfg.exchange_key is not None:
        msg = signed_message(doc)
        sig = bip340.sign(cfg.exchange_key, msg, bip340.tagged_hash("zk-solvency/aux", msg))
        out["signature"] = {"pubkey": bip340.xonly_pubkey(cfg.exchange_key).hex(), "sig": sig.hex()}
    return out


def _prove(
    ctx: bytes,
    bits: int,
    symbol: str,
    kind: str,
    bound: int,
    percent: int,
    value: int,
    blinding: int,
    secrets: RoundSecrets,
    k: int,
) -> bytes:
    t = solvency_transcript(ctx, symbol, kind, bound, percent)
    failure = (
        f"{symbol}: {'liabilities exceed reserves' if kind == 'reserves' else 'ratio not met'}"
    )
    return _range_proof(t, value, blinding, bits, secrets, kind, k, failure)


def _range_proof(
    t: Transcript,
    value: int,
    blinding: int,
    bits: int,
    secrets: RoundSecrets,
    kind: str,
    k: int,
    failure: str,
) -> bytes:
    """The range proof of Com(value, blinding) on transcript t, entropy from the round's secrets
    (kind, k); InsolventError(failure) when the value is outside [0, 2^bits)."""
    if not 0 <= value < 1 << bits:
        raise InsolventError(failure)
    entropy = secrets.proof_entropy(b"solvency-" + kind.encode(), 0, k)
    from circuits import rangeproof

    proof, _ = rangeproof.prove([value], [blinding], bits, t, entropy=lambda n: (entropy * 2)[:n])
    return proof.to_bytes()
