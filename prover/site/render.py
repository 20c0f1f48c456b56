"""Jinja2 rendering (autoescaped) of the site's pages and the report page, and the views of a
verified statement that the templates show."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from verifier.formats import Statement, statement_digest
from verifier.solvency import SolvencyResult
from verifier.total import TotalRatio

#: Statement sections shown as they are (JSON) when a statement has them; prices and the total
#: USD ratio (RoundView.total) and the anchor (RoundView.anchor) have their own place.
EXTRA_SECTIONS: tuple[str, ...] = ()
#: Names of well-known chain ids, shown beside the number.
CHAIN_NAMES = {1: "Ethereum mainnet", 11155111: "Sepolia testnet", 17000: "Holesky testnet"}


def format_units(units: int, decimals: int) -> str:
    """Base units as a decimal with thousands separators: 1234567890, 8 -> 12.34567890."""
    whole, frac = divmod(units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")


def environment() -> Environment:
    """The templates of prover/site/templates, autoescaped, undefined names an error."""
    env = Environment(
        loader=PackageLoader("prover.site", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["units"] = format_units
    env.filters["pretty_json"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)
    return env


@dataclass
class AssetView:
    """One asset of a verified statement, as the pages show it."""

    symbol: str
    decimals: int
    reserves: str | None
    liabilities: str | None  # disclosed total, else None (hidden)
    proven_ratio: int  # percent of the liabilities the reserves are proven to cover
    ratio: str | None  # reserves / disclosed liabilities
    chain: str
    block_height: int | None
    wallets: list[tuple[str, str]] = field(default_factory=list)  # counted in the reserves
    #: funds kept apart (insurance, user protection): (kind, total, wallets), never counted
    funds: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)


@dataclass
class AnchorView:
    """The statement's on-chain anchor (PROTOCOL 9.7): the signed address and chain, and the
    published transaction when public/anchor.json exists, checked offline at build time."""

    address: str
    chain_id: int
    tx: str | None = None  # the transaction hash, when anchor.json was published
    tx_type: str | None = None  # legacy (EIP-155), EIP-2930, EIP-1559
    command: str | None = None  # the check of it being mined, on a node

    @property
    def chain(self) -> str:
        name = CHAIN_NAMES.get(self.chain_id)
        return f"{name} (chain id {self.chain_id})" if name else f"chain id {self.chain_id}"


@dataclass
class RoundView:
    """A verified statement, as the pages show it."""

    round_id: str
    slug: str
    exchange: str | None
    snapshot_time: str | None
    digest: str
    previous: str | None
    root_hash: str
    exchange_key: str | None
    height: int
    bits: int
    mode: str
    generators: str
    has_reserves: bool
    assets: list[AssetView]
    total: TotalRatio | None  # the proven total reserve ratio in USD, with the signed prices
    extra: dict[str, Any]
    anchor: AnchorView | None = None

    @property
    def coverage(self) -> str:
        """One line for the history table."""
        if not self.has_reserves:
            return "liabilities only"
        total = [] if self.total is None else [f"total at least {self.total.min_ratio}% in USD"]
        return (
            ", ".join(total)
            + ("; " if total else "")
            + ", ".join(f"{a.symbol} at least {a.proven_ratio}%" for a in self.assets)
        )


def _wallet(w: dict[str, Any], decimals: int) -> tuple[str, str]:
    return str(w["address"]), format_units(w["balance"], decimals)


def asset_views(solv: SolvencyResult) -> list[AssetView]:
    out = []
    for a in solv.assets:
        liab = a.disclosed_liabilities
        out.append(
            AssetView(
                symbol=a.symbol,
                decimals=a.decimals,
                reserves=format_units(a.reserves, a.decimals),
                liabilities=None if liab is None else format_units(liab, a.decimals),
                proven_ratio=100 if a.min_ratio is None else a.min_ratio,
                ratio=f"{100 * a.reserves / liab:.2f}%" if liab else None,
                chain=a.chain,
                block_height=a.block_height,
                wallets=[_wallet(w, a.decimals) for w in a.wallets if "fund" not in w],
                funds=[
                    (
                        kind,
                        format_units(total, a.decimals),
                        [_wallet(w, a.decimals) for w in a.wallets if w.get("fund") == kind],
                    )
                    for kind, total in a.funds.items()
                ],
            )
        )
    return out


def round_view(st: Statement, solv: SolvencyResult, slug: str) -> RoundView:
    p = st.params
    return RoundView(
        round_id=st.round_id,
        slug=slug,
        exchange=st.exchange,
        snapshot_time=st.snapshot_time,
        digest=statement_digest(st).hex(),
        previous=None if st.previous is None else st.previous.hex(),
        root_hash=st.root.hash.hex(),
        exchange_key=solv.signed_by,
        height=p.height,
        bits=p.bits,
        mode=p.mode,
        generators=p.generators,
        has_reserves=solv.has_reserves,
        assets=asset_views(solv),
        total=solv.total,
        extra={k: st.extra[k] for k in EXTRA_SECTIONS if k in st.extra},
    )
