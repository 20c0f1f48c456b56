"""Chain amounts to asset base units (verifier/units.py): rounded down, never up."""

from __future__ import annotations

import pytest

from circuits.errors import ParameterError
from verifier.units import chain_to_asset_units


@pytest.mark.parametrize(
    ("amount", "chain", "asset", "expected"),
    [
        (25 * 10**18 + 999, 18, 8, 25 * 10**8),  # wei to 8-decimal ETH: the dust is dropped
        (10**10 - 1, 18, 8, 0),  # below one base unit: nothing
        (10**10, 18, 8, 1),
        (25 * 10**18 + 1, 18, 18, 25 * 10**18 + 1),  # same decimals: exact
        (123, 6, 8, 12300),  # more asset decimals: exact
        (0, 18, 0, 0),
    ],
)
def test_rounds_down(amount: int, chain: int, asset: int, expected: int) -> None:
    assert chain_to_asset_units(amount, chain, asset) == expected


@pytest.mark.parametrize(
    ("amount", "chain", "asset", "message"),
    [
        (-1, 18, 8, "amount must be a non-negative integer"),
        (True, 18, 8, "amount must be a non-negative integer"),
        (1, 37, 8, r"chain_decimals must be an integer in \[0, 36\]"),
        (1, 18, -1, r"asset_decimals must be an integer in \[0, 36\]"),
    ],
)
def test_refuses(amount: int, chain: int, asset: int, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        chain_to_asset_units(amount, chain, asset)


@pytest.mark.parametrize(
    ("amount", "chain", "asset", "message"),
    [
        (1, True, 8, "chain_decimals must be an integer in [0, 36]"),
        (1, 18, False, "asset_decimals must be an integer in [0, 36]"),
        (1, "8", 8, "chain_decimals must be an integer in [0, 36]"),
        (1, 8, 8.0, "asset_decimals must be an integer in [0, 36]"),
        (1.0, 8, 8, "amount must be a non-negative integer"),
        (None, 8, 8, "amount must be a non-negative integer"),
    ],
)
def test_refuses_what_is_not_an_integer_exactly(
    amount: object, chain: object, asset: object, message: str
) -> None:
    with pytest.raises(ParameterError) as err:
        chain_to_asset_units(amount, chain, asset)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_edges_are_accepted() -> None:
    assert chain_to_asset_units(7, 36, 36) == 7
    assert chain_to_asset_units(10**36, 36, 0) == 1
    assert chain_to_asset_units(1, 0, 36) == 10**36
