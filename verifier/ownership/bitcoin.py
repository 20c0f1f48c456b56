"""Bitcoin addresses: networks, base58check P2PKH, bech32 P2WPKH and bech32m P2TR (BIP-173/350).

Decoding is strict and names what is wrong; each address is decoded for one network (its chain):

| chain             | P2PKH version byte | segwit human-readable part |
|-------------------|--------------------|----------------------------|
| `bitcoin`         | 0x00 (`1...`)      | `bc`                       |
| `bitcoin-testnet` | 0x6f (`m...`/`n...`) | `tb`                     |
| `bitcoin-regtest` | 0x6f (`m...`/`n...`) | `bcrt`                   |

Only the three forms whose ownership we can check are accepted: P2PKH (legacy `signmessage`),
P2WPKH (witness v0, 20-byte program, BIP-322) and P2TR (witness v1, 32-byte program: the
Taproot output key; BIP-322 or BIP-340). P2SH, P2WSH and future witness versions are refused.
Bech32 addresses are accepted in lowercase only (BIP-173 allows all-uppercase too; one spelling
per address keeps the signed message and duplicate detection unambiguous).

Libraries: `base58` (Base58Check) and `bech32m` (Pieter Wuille's reference implementation of
BIP-173 and BIP-350), both pure Python.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from circuits.errors import FormatError
from verifier.ownership.hashes import ripemd160

__all__ = [
    "BITCOIN_CHAINS",
    "BtcAddress",
    "decode_address",
    "encode_p2pkh",
    "encode_p2tr",
    "encode_p2wpkh",
    "hash160",
    "script_pubkey",
]

#: chain -> (P2PKH version byte, segwit human-readable part).
BITCOIN_CHAINS: dict[str, tuple[int, str]] = {
    "bitcoin": (0x00, "bc"),
    "bitcoin-testnet": (0x6F, "tb"),
    "bitcoin-regtest": (0x6F, "bcrt"),
}
#: P2SH version bytes (refused with a clear reason).
_P2SH_VERSIONS = {0x05: "bitcoin", 0xC4: "bitcoin-testnet/regtest"}
MAX_ADDRESS_CHARS = 90


@dataclass(frozen=True)
class BtcAddress:
    """A decoded address: kind "p2pkh" (program = 20-byte HASH160 of the public key), "p2wpkh"
    (20-byte witness v0 program) or "p2tr" (32-byte x-only output key)."""

    kind: str
    program: bytes


def hash160(data: bytes) -> bytes:
    """RIPEMD160(SHA256(data)); RIPEMD-160 from verifier.ownership.hashes (hashlib's,
    pycryptodome's, or the page's)."""
    return ripemd160(hashlib.sha256(data).digest())


def _network(chain: str) -> tuple[int, str]:
    net = BITCOIN_CHAINS.get(chain)
    if net is None:
        raise FormatError(f"chain {chain!r} is not a bitcoin chain")
    return net


def decode_address(address: str, chain: str) -> BtcAddress:
    """Decode `address` for `chain`; FormatError naming the reason (checksum, network, type)."""
    version, hrp = _network(chain)
    if not isinstance(address, str) or not address or len(address) > MAX_ADDRESS_CHARS:
        raise FormatError(f"not a bitcoin address (1 to {MAX_ADDRESS_CHARS} characters)")
    if not address.isascii() or not address.isalnum():
        raise FormatError("not a bitcoin address (characters outside base58/bech32)")
    lower = address.lower()
    sep = lower.rfind("1")
    if sep > 0 and lower[:sep] in {h for _, h in BITCOIN_CHAINS.values()}:
        return _decode_segwit(address, hrp, chain)
    if address.startswith("0x"):
        raise FormatError("an ethereum address, not a bitcoin address")
    return _decode_base58(address, version, chain)


def _decode_segwit(address: str, hrp: str, chain: str) -> BtcAddress:
    import bech32m

    if address != address.lower():
        raise FormatError("bech32 address must be lowercase")
    got_hrp = address[: address.rfind("1")]
    if got_hrp != hrp:
        raise FormatError(
            f"address is for another network (prefix {got_hrp!r}, chain {chain} uses {hrp!r})"
        )
    try:
        witver, program = bech32m.decode(hrp, address)
    except bech32m.DecodeError:
        raise FormatError(
            "bad bech32/bech32m address (checksum, length, padding or the checksum variant "
            "of its witness version)"
        ) from None
    program = bytes(program)
    if witver == 0 and len(program) == 20:
        return BtcAddress("p2wpkh", program)
    if witver == 1 and len(program) == 32:
        return BtcAddress("p2tr", program)
    if witver == 0:
        raise FormatError("P2WSH addresses are not supported (P2WPKH, P2TR or P2PKH only)")
    raise FormatError(
        f"witness version {witver} with a {len(program)}-byte program is not supported "
        "(P2WPKH, P2TR or P2PKH only)"
    )


def _decode_base58(address: str, version: int, chain: str) -> BtcAddress:
    import base58

    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        raise FormatError("bad base58check address (alphabet or checksum)") from None
    if len(raw) != 21:
        raise FormatError(f"base58check payload of {len(raw)} bytes, expected 21")
    if raw[0] in _P2SH_VERSIONS:
        raise FormatError("P2SH addresses are not supported (P2WPKH, P2TR or P2PKH only)")
    if raw[0] != version:
        raise FormatError(
            f"address version byte 0x{raw[0]:02x} is not P2PKH on {chain} (0x{version:02x})"
        )
    return BtcAddress("p2pkh", bytes(raw[1:]))


def encode_p2pkh(pubkey_hash: bytes, chain: str) -> str:
    import base58

    version, _ = _network(chain)
    return str(base58.b58encode_check(bytes([version]) + pubkey_hash).decode("ascii"))


def encode_p2wpkh(program: bytes, chain: str) -> str:
    import bech32m

    return str(bech32m.encode(_network(chain)[1], 0, program))


def encode_p2tr(output_key: bytes, chain: str) -> str:
    import bech32m

    return str(bech32m.encode(_network(chain)[1], 1, output_key))


def script_pubkey(addr: BtcAddress) -> bytes:
    """The output script of an address (BIP-141 / BIP-341 / P2PKH)."""
    if addr.kind == "p2wpkh":
        return b"\x00\x14" + addr.program
    if addr.kind == "p2tr":
        return b"\x51\x20" + addr.program
    return b"\x76\xa9\x14" + addr.program + b"\x88\xac"
