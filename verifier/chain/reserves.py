"""Reserves v2 checked against Ethereum nodes (docs/PROTOCOL.md 9.6): block hashes and balances.

For every Ethereum asset of a statement's reserves, at its listed block height:

* the node's chain id must be the asset's `chain_id` (else `WrongChainError`: another node is
  needed, exit 2);
* the canonical block hash at the height must be the listed `block_hash`;
* for an ERC-20 asset, the contract's `decimals()` must be the listed `chain_decimals` (and must
  answer at all: a wrong token address has no such contract); ether has 18;
* every wallet's claimed balance (in the asset's base units, the statement's decimals d) must be
  at most what the chain holds, converted from the chain's units (decimals c) ROUNDING DOWN:

      held = floor(chain_units / 10^(c - d))   if c >= d
      held = chain_units * 10^(d - c)          if c <  d

* one (chain id, token, address) is listed at most once over all assets (no double counting).

Balances are read at the listed block by hash (EIP-1898) when the hash matches, else at the
height's canonical block. Every mismatch is collected and reported together
(`ChainMismatchError`, a VerificationError with check "chain-reserves", listing each finding with its
own name and JSON path).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from circuits.errors import FormatError, ParameterError, VerificationError
from verifier.chain.ethereum import BALANCE_OF, DECIMALS, EthNode, block_ref
from verifier.chain.rpc import WrongChainError
from verifier.formats import Statement
from verifier.units import MAX_UNIT_DECIMALS, chain_to_asset_units

__all__ = [
    "ETHER_DECIMALS",
    "AssetOnChain",
    "ChainFinding",
    "ChainMismatchError",
    "EthAssetClaim",
    "WalletClaim",
    "check_reserves_on_chain",
    "eth_claims",
    "format_amount",
]

ETHER_DECIMALS = 18


@dataclass(frozen=True)
class WalletClaim:
    path: str  # JSON path in the reserves, e.g. assets.ETH.wallets[2]
    address: str  # EIP-55, as listed
    raw: bytes  # 20 bytes
    balance: int  # claimed, in the asset's base units


@dataclass(frozen=True)
class EthAssetClaim:
    symbol: str
    decimals: int  # the asset's decimals in the statement
    chain_id: int
    block_height: int
    block_hash: bytes
    token: str | None  # EIP-55 contract address, None for ether
    token_raw: bytes | None
    chain_decimals: int
    wallets: tuple[WalletClaim, ...]


@dataclass(frozen=True)
class ChainFinding:
    check: (
        str  # chain-block-hash, chain-balance, chain-token, chain-decimals, chain-duplicate-wallet
    )
    path: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.path}: {self.message}"


class ChainMismatchError(VerificationError):
    """The chain contradicts the reserves: every finding is listed (exit 1)."""

    def __init__(self, findings: Sequence[ChainFinding]) -> None:
        self.findings = tuple(findings)
        lines = "\n  ".join(str(f) for f in self.findings)
        super().__init__(
            f"{len(self.findings)} reserve claim(s) contradicted by the chain:\n  {lines}",
            check="chain-reserves",
        )


@dataclass
class AssetOnChain:
    symbol: str
    chain_id: int
    block_height: int
    block_hash: str
    token: str | None
    wallets: int
    claimed: int  # asset base units
    held: int  # asset base units, rounded down per wallet
    node: str
    findings: list[ChainFinding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "block_height": self.block_height,
            "block_hash": self.block_hash,
            "token": self.token,
            "wallets": self.wallets,
            "claimed": self.claimed,
            "held": self.held,
            "node": self.node,
            "findings": [str(f) for f in self.findings],
        }


def eth_claims(st: Statement) -> list[EthAssetClaim]:
    """The Ethereum assets of the statement's reserves (v2), in file order."""
    from verifier.ownership.ethereum import parse_address
    from verifier.reserves import parse_reserves, wallet_path

    if "reserves" not in st.extra:
        raise FormatError("statement.json: the statement has no reserves")
    if st.version < 2:
        raise FormatError(
            "statement.json: v1 reserves name no block hash, chain id or token: nothing to check "
            "on chain"
        )
    res = parse_reserves(json.dumps(st.extra["reserves"]).encode(), "statement.json reserves")
    decimals = {a.symbol: a.decimals for a in st.params.assets}
    out: list[EthAssetClaim] = []
    for sym, a in res.assets.items():
        if a.chain != "ethereum":
            continue
        if sym not in decimals or a.chain_id is None:
            raise FormatError(f"statement.json: reserves asset {sym} is not an asset of the round")
        out.append(
            EthAssetClaim(
                sym,
                decimals[sym],
                a.chain_id,
                a.block_height,
                bytes.fromhex(a.block_hash[2:]),
                a.token,
                None if a.token is None else parse_address(a.token),
                a.chain_decimals,
                tuple(
                    WalletClaim(wallet_path(sym, i), w.address, parse_address(w.address), w.balance)
                    for i, w in enumerate(a.wallets)
                ),
            )
        )
    return out


def _node_for(claim: EthAssetClaim, nodes: Sequence[EthNode]) -> EthNode:
    for n in nodes:
        if n.chain_id() == claim.chain_id:
            return n
    if len(nodes) == 1:
        nodes[0].require_chain(claim.chain_id, f"asset {claim.symbol}")
    raise WrongChainError(
        f"asset {claim.symbol} is on chain id {claim.chain_id}; none of the nodes given serves it"
    )


def format_amount(units: int, decimals: int) -> str:
    """Base units as a decimal amount: 123456789, 8 -> 1.23456789."""
    whole, frac = divmod(units, 10**decimals)
    return f"{whole}" + (f".{frac:0{decimals}d}" if decimals else "")


def check_asset(claim: EthAssetClaim, node: EthNode) -> AssetOnChain:
    """Compare one asset with the chain; mismatches are collected in the result's findings."""
    path = f"assets.{claim.symbol}"
    found: list[ChainFinding] = []
    res = AssetOnChain(
        claim.symbol,
        claim.chain_id,
        claim.block_height,
        "0x" + claim.block_hash.hex(),
        claim.token,
        len(claim.wallets),
        sum(w.balance for w in claim.wallets),
        0,
        node.label,
        found,
    )
    block = node.block(claim.block_height)
    if block is None:
        found.append(
            ChainFinding(
                "chain-block-hash",
                f"{path}.block_height",
                f"the node has no block {claim.block_height} (its head is {node.block_number()})",
            )
        )
        return res
    ref = block_ref(claim.block_height, claim.block_hash)
    if block.hash != claim.block_hash:
        found.append(
            ChainFinding(
                "chain-block-hash",
                f"{path}.block_hash",
                f"block {claim.block_height} has hash 0x{block.hash.hex()} on chain "
                f"{claim.chain_id}, the reserves say 0x{claim.block_hash.hex()}",
            )
        )
        ref = block_ref(claim.block_height, None)
    chain_decimals = claim.chain_decimals
    if claim.token_raw is None:
        if claim.chain_decimals != ETHER_DECIMALS:
            found.append(
                ChainFinding(
                    "chain-decimals",
                    f"{path}.chain_decimals",
                    f"ether has {ETHER_DECIMALS} decimals, the reserves say {claim.chain_decimals}",
                )
            )
            chain_decimals = ETHER_DECIMALS
        units = node.balances([w.raw for w in claim.wallets], ref)
    else:
        (dec_raw,) = node.erc20_calls(claim.token_raw, [DECIMALS], ref)
        if len(dec_raw) != 32 or int.from_bytes(dec_raw, "big") > 255:
            found.append(
                ChainFinding(
                    "chain-token",
                    f"{path}.token",
                    f"no ERC-20 contract at {claim.token} on chain {claim.chain_id} at block "
                    f"{claim.block_height} (decimals() returned {len(dec_raw)} bytes)",
                )
            )
            return res
        on_chain = int.from_bytes(dec_raw, "big")
        if on_chain > MAX_UNIT_DECIMALS:
            raise ParameterError(
                f"{path}.chain_decimals: token {claim.token} has {on_chain} decimals on chain "
                f"(the reserves say {claim.chain_decimals}); this verifier converts token amounts "
                f"of at most {MAX_UNIT_DECIMALS} decimals, so it cannot compare them"
            )
        if on_chain != claim.chain_decimals:
            found.append(
                ChainFinding(
                    "chain-decimals",
                    f"{path}.chain_decimals",
                    f"token {claim.token} has {on_chain} decimals on chain, the reserves say "
                    f"{claim.chain_decimals}",
                )
            )
            chain_decimals = on_chain
        data = [BALANCE_OF + bytes(12) + w.raw for w in claim.wallets]
        returned = node.erc20_calls(claim.token_raw, data, ref)
        units = []
        for w, r in zip(claim.wallets, returned, strict=True):
            if len(r) != 32:
                found.append(
                    ChainFinding(
                        "chain-token",
                        f"{path}.token",
                        f"balanceOf({w.address}) of {claim.token} returned {len(r)} bytes, not 32",
                    )
                )
                return res
            units.append(int.from_bytes(r, "big"))
    for w, u in zip(claim.wallets, units, strict=True):
        held = chain_to_asset_units(u, chain_decimals, claim.decimals)
        res.held += held
        if w.balance > held:
            found.append(
                ChainFinding(
                    "chain-balance",
                    w.path,
                    f"{w.address} claims {format_amount(w.balance, claim.decimals)} {claim.symbol}, the "
                    f"chain holds {format_amount(held, claim.decimals)} at block {claim.block_height} "
                    f"({u} units of {chain_decimals} decimals, rounded down)",
                )
            )
    return res


def check_reserves_on_chain(
    claims: Sequence[EthAssetClaim], nodes: Sequence[EthNode]
) -> list[AssetOnChain]:
    """Check every claim (see the module docstring); ChainMismatchError lists every finding."""
    if not nodes:
        raise FormatError("give an Ethereum node (--eth-rpc URL) to check reserves on chain")
    results: list[AssetOnChain] = []
    findings: list[ChainFinding] = []
    seen: dict[tuple[int, bytes | None, bytes], str] = {}
    for claim in claims:
        for w in claim.wallets:
            key = (claim.chain_id, claim.token_raw, w.raw)
            if key in seen:
                findings.append(
                    ChainFinding(
                        "chain-duplicate-wallet",
                        w.path,
                        f"{w.address} holding {claim.token or 'ether'} on chain {claim.chain_id} "
                        f"is already listed at {seen[key]}",
                    )
                )
            else:
                seen[key] = w.path
    for claim in claims:
        res = check_asset(claim, _node_for(claim, nodes))
        results.append(res)
        findings.extend(res.findings)
    if findings:
        raise ChainMismatchError(findings)
    return results
