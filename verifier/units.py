"""Amounts read from a chain, in the chain's units, converted to an asset's base units."""

from __future__ import annotations

from circuits.errors import ParameterError

__all__ = ["MAX_UNIT_DECIMALS", "chain_to_asset_units"]

#: Most decimals of a chain unit or an asset (ERC-20 tokens declare up to 255; 36 is ample).
MAX_UNIT_DECIMALS = 36


def chain_to_asset_units(amount: int, chain_decimals: int, asset_decimals: int) -> int:
    """`amount` in units of 10^-chain_decimals, as units of 10^-asset_decimals, rounded DOWN
    (a reserve is never overstated): amount * 10^(a - c) when a >= c, else amount // 10^(c - a).

    chain_to_asset_units(25 * 10**18 + 999, 18, 8) == 25 * 10**8 (wei to 8-decimal ETH).
    ParameterError for a negative amount or decimals outside [0, MAX_UNIT_DECIMALS]."""
    for name, d in (("chain_decimals", chain_decimals), ("asset_decimals", asset_decimals)):
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_UNIT_DECIMALS:
            raise ParameterError(f"{name} must be an integer in [0, {MAX_UNIT_DECIMALS}]")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ParameterError("amount must be a non-negative integer")
    factor: int = 10 ** abs(asset_decimals - chain_decimals)
    return amount * factor if asset_decimals >= chain_decimals else amount // factor
