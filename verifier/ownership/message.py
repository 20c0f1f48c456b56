"""The text every reserve wallet signs (docs/PROTOCOL.md 9.2), byte for byte.

UTF-8, lines joined by a single "\\n", no trailing newline, no carriage return::

    zk-solvency proof of reserves v2
    exchange: <exchange>
    round: <round>
    asset: <asset symbol>
    chain: <chain>
    chain id: <decimal chain id>              (ethereum only)
    token: <EIP-55 contract address | ether>  (ethereum only)
    block height: <decimal height>
    block hash: <block hash as in the reserves file>
    address: <the wallet's address as in the reserves file>

It names the exchange, round, asset, chain, block and the wallet's own address; the block hash
cannot be known before that block exists, so a signature cannot be made in advance for a future
round. Custody tools sign it as-is (Bitcoin Core `signmessage`, BIP-322 signers, hardware
wallets, `cast wallet sign`, `personal_sign`).
"""

from __future__ import annotations

from circuits.errors import FormatError

__all__ = ["MESSAGE_TITLE", "reserve_message"]

MESSAGE_TITLE = "zk-solvency proof of reserves v2"
_BREAKS = ("\n", "\r", "\u0085", "\u2028", "\u2029")


def _line(name: str, value: str) -> str:
    if any(b in value for b in _BREAKS):
        raise FormatError(f"{name} contains a line break")
    return f"{name}: {value}"


def reserve_message(
    *,
    exchange: str,
    round_id: str,
    asset: str,
    chain: str,
    block_height: int,
    block_hash: str,
    address: str,
    chain_id: int | None = None,
    token: str | None = None,
) -> str:
    """The message text of one wallet (encode with UTF-8 to get the signed bytes)."""
    lines = [
        MESSAGE_TITLE,
        _line("exchange", exchange),
        _line("round", round_id),
        _line("asset", asset),
        _line("chain", chain),
    ]
    if chain_id is not None:
        lines.append(_line("chain id", str(chain_id)))
        lines.append(_line("token", token if token is not None else "ether"))
    lines += [
        _line("block height", str(block_height)),
        _line("block hash", block_hash),
        _line("address", address),
    ]
    return "\n".join(lines)
