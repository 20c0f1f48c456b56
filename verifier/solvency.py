"""Reserves and solvency in a statement (docs/PROTOCOL.md, "Solvency"): wallet signatures and
reserve sums, the per-asset solvency and ratio proofs, disclosed openings, and the statement's
own BIP-340 signature.

Per asset a, with root commitment C = Com(L, r) and reserves R (the sum of signed wallets):

    bound B = R, or 2^n - 1 when R >= 2^n ("a stated cap below R")
    solvency:  D = B*G - C = Com(B - L, -r),        range proof: D in [0, 2^n)   =>  L <= B <= R
    ratio P%:  E = c*G - P*C = Com(c - P*L, -P*r),  c = min(100*R, 2^n - 1),
               range proof: E in [0, 2^n)  =>  P*L <= c <= 100*R,  i.e. R >= P% of L

The verifier computes D and E itself from the published reserves and the root; a difference
is never read from the file.

Why nothing wraps mod q (q > 2^255), for every n up to 128: the root's own range proof gives
0 <= L < 2^n <= 2^128; B and c are capped below 2^n whatever R is (R < 2^160 is accepted:
any sum of 2^32 wallets of < 2^128 each). So B - L lies in (-2^128, 2^128) and c - P*L in
(-P*2^128, 2^128) with P*2^128 <= 10^4 * 2^128 < 2^142. A negative difference d is the scalar
q + d >= q - 2^142 > 2^254, never in [0, 2^n): the range proofs show the integer
inequalities L <= B and P*L <= c exactly.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from circuits import bip340, rangeproof
from circuits.errors import FormatError, VerificationError
from circuits.group import Point, scalar_from_bytes
from circuits.pedersen import open_check
from circuits.transcript import Transcript
from verifier import jsonstrict as js
from verifier import reserves, reserves_v1
from verifier.formats import (
    STATEMENT_EXTRA_KEYS,
    STATEMENT_FORMAT_V1,
    STATEMENT_FORMAT_V2,
    Statement,
    canonical,
)
from verifier.liabilities import verify_root
from verifier.total import TotalRatio, parse_total

LABEL_SOLVENCY = b"zk-solvency/v1/solvency"
#: BIP-340 tag of the statement signature, per statement format (docs/PROTOCOL.md 9.4).
SIGNATURE_TAGS = {
    STATEMENT_FORMAT_V1: STATEMENT_FORMAT_V1,
    STATEMENT_FORMAT_V2: STATEMENT_FORMAT_V2,
}
MAX_RATIO_PERCENT = 10_000
#: Reserves of one asset are accepted below this bound (any sum of 2^32 wallets of < 2^128).
MAX_RESERVES = 1 << 160


def solvency_transcript(
    context: bytes, asset: str, kind: str, bound: int, percent: int
) -> Transcript:
    """Transcript of a solvency ("reserves") or ratio ("ratio") proof for one asset."""
    t = Transcript(LABEL_SOLVENCY)
    t.append_message(b"context", context)
    t.append_message(b"asset", asset.encode())
    t.append_message(b"kind", kind.encode())
    t.append_message(b"bound", bound.to_bytes(16, "big"))
    t.append_u64(b"percent", percent)
    return t


def solvency_bound(reserves: int, bits: int) -> int:
    """B: the reserves, or the cap 2^n - 1 when R - L might not fit in n bits."""
    return min(reserves, (1 << bits) - 1)


def ratio_bound(reserves: int, bits: int) -> int:
    """c = min(100*R, 2^n - 1)."""
    return min(100 * reserves, (1 << bits) - 1)


def solvency_difference(bound: int, root: Point) -> Point:
    """D = B*G - C_root."""
    return Point.generator() * bound - root


def ratio_difference(bound: int, percent: int, root: Point) -> Point:
    """E = c*G - P*C_root."""
    return Point.generator() * bound - root * percent


def signed_message(doc: dict[str, Any]) -> bytes:
    """The 32 bytes the exchange key signs: TaggedHash(tag, canonical JSON without 'signature'),
    where the tag is the statement's own format string (v1 and v2 signatures never verify as each
    other)."""
    tag = SIGNATURE_TAGS.get(doc.get("format", ""))
    if tag is None:
        raise FormatError(f"statement.json: format: expected one of {sorted(SIGNATURE_TAGS)}")
    body = {k: v for k, v in doc.items() if k != "signature"}
    return bip340.tagged_hash(tag, canonical(body))


@dataclass
class AssetSolvency:
    symbol: str
    decimals: int
    reserves: int
    bound: int
    capped: bool
    min_ratio: int | None
    disclosed_liabilities: int | None
    wallets: list[dict[str, Any]] = field(default_factory=list)
    chain: str = ""
    block_height: int = 0
    #: Funds kept apart (reserves v2 `fund`): {kind: total}; never counted in `reserves`.
    funds: dict[str, int] = field(default_factory=dict)


def wallet_summary(w: reserves.Wallet) -> dict[str, Any]:
    """What results and reports show of a v2 wallet."""
    out: dict[str, Any] = {"address": w.address, "scheme": w.scheme, "balance": w.balance}
    if w.fund is not None:
        out["fund"] = w.fund
    return out


@dataclass
class SolvencyResult:
    has_reserves: bool
    assets: list[AssetSolvency]
    signed_by: str | None
    #: The proven total reserve ratio in USD (statement sections `prices` and `total`).
    total: TotalRatio | None = None

    def lines(self) -> list[str]:
        out = []
        if self.signed_by:
            out.append(
                f"[ok] signature: the statement is signed by the exchange key {self.signed_by}"
            )
        if not self.has_reserves:
            out.append("No reserves in this statement: liabilities only (solvency not claimed).")
            return out
        if self.total is not None:
            out.append(self.total.line(self.signed_by is not None))
        for a in self.assets:
            r = _fmt(a.reserves, a.decimals)
            if a.disclosed_liabilities is not None:
                liab = _fmt(a.disclosed_liabilities, a.decimals)
                ratio = (
                    f"; ratio {100 * a.reserves / a.disclosed_liabilities:.2f}% (disclosed)"
                    if a.disclosed_liabilities
                    else ""
                )
            else:
                liab, ratio = "(hidden)", ""
            line = f"{a.symbol}: reserves {r} >= liabilities {liab}: proven"
            if a.capped:
                line += f" (against the cap {_fmt(a.bound, a.decimals)} below the reserves)"
            if a.min_ratio is not None:
                line += f"; ratio >= {a.min_ratio}%: proven"
            out.append(line + ratio)
            for kind, total in a.funds.items():
                out.append(
                    f"{a.symbol}: {kind} fund {_fmt(total, a.decimals)}: signed, kept apart "
                    "(not counted as customer coverage)"
                )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "reserves": self.has_reserves,
            "signed_by": self.signed_by,
            "assets": {
                a.symbol: {
                    "reserves": a.reserves,
                    "bound": a.bound,
                    "capped": a.capped,
                    "min_ratio_percent": a.min_ratio,
                    "liabilities": a.disclosed_liabilities,
                    "funds": a.funds,
                    "solvent": True,
                }
                for a in self.assets
            },
            "total": None if self.total is None else self.total.to_json(),
        }


def _fmt(units: int, decimals: int) -> str:
    whole, frac = divmod(units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")


def _decode_proof(raw: bytes, bits: int, what: str) -> rangeproof.RangeProof:
    try:
        return rangeproof.RangeProof.from_bytes(raw, bits, 1)
    except FormatError as exc:
        raise FormatError(f"{what}: {exc}") from None


def _item(
    entry: dict[str, Any], key: str, path: str, bits: int, difference: Point, t: Transcript
) -> tuple[rangeproof.RangeProof, list[Point], int, Transcript]:
    """A solvency or ratio proof of `entry[key]` on the difference the verifier computed."""
    raw = js.get_hex(entry, key, path, rangeproof.proof_size(bits, 1))
    return (_decode_proof(raw, bits, f"{path}.{key}"), [difference], bits, t)


def verify_signature(st: Statement, exchange_key: str | None) -> str | None:
    """Check the statement's signature, and that it is by `exchange_key` when one is pinned."""
    sig_obj = st.extra.get("signature")
    if sig_obj is None:
        if exchange_key is not None:
            raise VerificationError(
                "you pinned an exchange key but the statement is not signed", check="signature"
            )
        return None
    obj = js.as_obj(sig_obj, "signature")
    js.expect_keys(obj, ["pubkey", "sig"], [], "signature")
    pub = js.get_hex(obj, "pubkey", "signature", 32)
    sig = js.get_hex(obj, "sig", "signature", 64)
    if exchange_key is not None:
        pinned = js.hex_value(exchange_key, "--exchange-key", 32)
        if not hmac.compare_digest(pinned, pub):
            raise VerificationError(
                "the statement is signed by another key than the one you pinned", check="signature"
            )
    try:
        bip340.verify(pub, signed_message(st.to_json()), sig)
    except (VerificationError, FormatError):
        raise VerificationError(
            "the statement's signature does not verify", check="signature"
        ) from None
    return pub.hex()


def verify_solvency(st: Statement, *, exchange_key: str | None = None) -> SolvencyResult:
    """Verify the signature, then (when the statement has reserves) the root's range proof, the
    reserves, and the solvency, ratio and disclosure sections. VerificationError names the
    check (signature, generators, range-proofs, reserves-*, solvency, ratio, disclosure);
    FormatError for malformed sections."""
    signed_by = verify_signature(st, exchange_key)
    if "reserves" not in st.extra and "solvency" not in st.extra:
        if "prices" in st.extra or "total" in st.extra:
            raise FormatError("statement.json: 'prices' and 'total' need 'reserves' and 'solvency'")
        return SolvencyResult(False, [], signed_by)
    if "reserves" not in st.extra or "solvency" not in st.extra:
        raise FormatError("statement.json: 'reserves' and 'solvency' go together")
    if st.exchange is None:
        raise FormatError("statement.json: a statement with reserves must name its exchange")
    # The bounds below rely on L < 2^n, which the root's own range proof establishes.
    verify_root(st)
    raw_reserves = json.dumps(st.extra["reserves"]).encode()
    funds: dict[str, dict[str, int]] = {}
    wallets: dict[str, list[dict[str, Any]]] = {}
    if st.version == 1:
        res_v1 = reserves_v1.parse_reserves(raw_reserves, "statement.json reserves")
        totals = reserves_v1.verify_reserves(res_v1, exchange=st.exchange, round_id=st.round_id)
        chains = {s: (a.chain, a.block_height) for s, a in res_v1.assets.items()}
        for s, a1 in res_v1.assets.items():
            wallets[s] = [
                {"address": w.address, "pubkey": w.pubkey.hex(), "balance": w.balance}
                for w in a1.wallets
            ]
    else:
        res_v2 = reserves.parse_reserves(raw_reserves, "statement.json reserves")
        got = reserves.verify_reserves(res_v2, exchange=st.exchange, round_id=st.round_id)
        totals, funds = got.covered, got.funds
        chains = {s: (a.chain, a.block_height) for s, a in res_v2.assets.items()}
        for s, a2 in res_v2.assets.items():
            wallets[s] = [wallet_summary(w) for w in a2.wallets]
    p = st.params
    symbols = [a.symbol for a in p.assets]
    if set(totals) != set(symbols):
        raise VerificationError(
            "reserves must list exactly the assets of the liabilities tree", check="reserves-assets"
        )
    solv = js.as_obj(st.extra["solvency"], "solvency")
    js.expect_keys(solv, symbols, [], "solvency")
    ctx = p.digest(st.round_id)
    items: list[tuple[rangeproof.RangeProof, list[Point], int, Transcript]] = []
    checks: list[str] = []
    out = []
    covered: list[int] = []
    for k, a in enumerate(p.assets):
        path = js.join("solvency", a.symbol)
        entry = js.get_obj(solv, a.symbol, "solvency")
        js.expect_keys(
            entry, ["reserves", "bound", "proof"], ["min_ratio", "ratio_proof", "disclosed"], path
        )
        reserves_claim = js.get_int(entry, "reserves", path, 0, MAX_RESERVES - 1)
        if reserves_claim != totals[a.symbol]:
            raise VerificationError(
                f"{path}.reserves: {reserves_claim} is not the sum of the signed wallets "
                f"({totals[a.symbol]})",
                check="reserves-sum",
            )
        bound = js.get_int(entry, "bound", path, 0, MAX_RESERVES - 1)
        if bound != solvency_bound(reserves_claim, p.bits):
            raise VerificationError(f"{path}.bound: not the stated rule's bound", check="solvency")
        covered.append(reserves_claim)
        root = st.root.commitments[k]
        items.append(
            _item(
                entry,
                "proof",
                path,
                p.bits,
                solvency_difference(bound, root),
                solvency_transcript(ctx, a.symbol, "reserves", bound, 0),
            )
        )
        checks.append(f"solvency of {a.symbol}")
        min_ratio = None
        if "min_ratio" in entry or "ratio_proof" in entry:
            min_ratio = js.get_int(entry, "min_ratio", path, 1, MAX_RATIO_PERCENT)
            c = ratio_bound(reserves_claim, p.bits)
            items.append(
                _item(
                    entry,
                    "ratio_proof",
                    path,
                    p.bits,
                    ratio_difference(c, min_ratio, root),
                    solvency_transcript(ctx, a.symbol, "ratio", c, min_ratio),
                )
            )
            checks.append(f"ratio of {a.symbol}")
        disclosed = None
        if "disclosed" in entry:
            d = js.get_obj(entry, "disclosed", path)
            dp = js.join(path, "disclosed")
            js.expect_keys(d, ["liabilities", "blinding"], [], dp)
            liab = js.get_int(d, "liabilities", dp, 0, (1 << p.bits) - 1)
            blinding = scalar_from_bytes(js.get_hex(d, "blinding", dp, 32))
            try:
                open_check(root, liab, blinding)
            except VerificationError:
                raise VerificationError(
                    f"{dp}: the disclosed total does not open the root commitment",
                    check="disclosure",
                ) from None
            disclosed = liab
        out.append(
            AssetSolvency(
                a.symbol,
                a.decimals,
                reserves_claim,
                bound,
                bound != reserves_claim,
                min_ratio,
                disclosed,
                wallets[a.symbol],
                *chains[a.symbol],
                funds=funds.get(a.symbol, {}),
            )
        )
    total = None
    if "prices" in st.extra or "total" in st.extra:
        if "prices" not in st.extra or "total" not in st.extra:
            raise FormatError("statement.json: 'prices' and 'total' go together")
        total, item = parse_total(st, covered)
        items.append(item)
        checks.append("total ratio in USD")
    try:
        rangeproof.batch_verify(items)
    except VerificationError as exc:
        msg = str(exc)
        idx = _bad_index(msg)
        name = checks[idx] if idx is not None and idx < len(checks) else "solvency"
        kind = name.split()[0] if name.startswith(("ratio", "total")) else "solvency"
        raise VerificationError(f"the proof of {name} does not verify", check=kind) from None
    return SolvencyResult(True, out, signed_by, total)


def _bad_index(msg: str) -> int | None:
    m = re.search(r"proof (\d+)", msg)
    return int(m.group(1)) if m else None


__all__ = [
    "LABEL_SOLVENCY",
    "STATEMENT_EXTRA_KEYS",
    "SolvencyResult",
    "ratio_bound",
    "ratio_difference",
    "signed_message",
    "solvency_bound",
    "solvency_difference",
    "solvency_transcript",
    "verify_solvency",
]
