"""Which addresses and signatures each (chain, scheme) accepts, and the one entry point that checks
a wallet's ownership signature: `verify_ownership`.

| chain                                        | scheme            | address           | signature                           |
|----------------------------------------------|-------------------|-------------------|-------------------------------------|
| bitcoin, bitcoin-testnet, bitcoin-regtest    | `bip322-simple`   | P2WPKH or P2TR    | "smp" + base64 witness (BIP-322)    |
|                                              | `btc-signmessage` | P2PKH             | base64, 65 bytes (Bitcoin Core)     |
|                                              | `bip340`          | P2TR (output key) | 128 hex, BIP-340 by `pubkey`        |
| ethereum                                     | `eip191`          | EIP-55            | 0x + 130 hex, r || s || v           |

`check_wallet_form` (used by the reserves parser) raises FormatError for anything malformed:
an address that does not decode for the chain, another chain's or another type's address, a
signature of the wrong encoding or length. `verify_ownership` then derives the address from
what was signed and raises VerificationError (checks "reserves-signature", "reserves-address").
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.errors import FormatError, VerificationError
from verifier.ownership import btcsig
from verifier.ownership.bitcoin import BITCOIN_CHAINS, BtcAddress, decode_address

__all__ = [
    "CHAINS",
    "SCHEMES",
    "check_wallet_form",
    "verify_ownership",
]

CHAINS = (*BITCOIN_CHAINS, "ethereum")
SCHEMES = ("bip322-simple", "btc-signmessage", "eip191", "bip340")
_BTC_KINDS = {
    "bip322-simple": ("p2wpkh", "p2tr"),
    "btc-signmessage": ("p2pkh",),
    "bip340": ("p2tr",),
}
_KIND_NAMES = {"p2wpkh": "P2WPKH", "p2tr": "P2TR", "p2pkh": "P2PKH"}
_LOWER_HEX = frozenset("0123456789abcdef")


def _lower_hex(text: str, nbytes: int, prefix: str, what: str) -> bytes:
    body = text[len(prefix) :] if text.startswith(prefix) else None
    if body is None or len(body) != 2 * nbytes or not set(body) <= _LOWER_HEX:
        raise FormatError(f"{what} must be {prefix}{2 * nbytes} lowercase hex digits")
    return bytes.fromhex(body)


def _btc_address(chain: str, scheme: str, address: str) -> BtcAddress:
    addr = decode_address(address, chain)
    kinds = _BTC_KINDS.get(scheme)
    if kinds is None:
        raise FormatError(f"scheme {scheme!r} is not a bitcoin scheme")
    if addr.kind not in kinds:
        wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
        raise FormatError(
            f"scheme {scheme} needs a {wanted} address, this is a {_KIND_NAMES[addr.kind]} address"
        )
    return addr


def check_wallet_form(
    chain: str, scheme: str, address: str, signature: str | None, pubkey: bytes | None
) -> None:
    """FormatError unless address, scheme, signature encoding and pubkey presence fit the chain.

    FormatError messages name the field first ("address: ...", "signature: ...")."""
    if scheme not in SCHEMES:
        raise FormatError(f"scheme: {scheme!r} is not one of {', '.join(SCHEMES)}")
    if (scheme == "bip340") != (pubkey is not None):
        raise FormatError(
            "pubkey: required with scheme bip340"
            if scheme == "bip340"
            else f"pubkey: only scheme bip340 carries a pubkey, not {scheme}"
        )
    if chain == "ethereum":
        if scheme != "eip191":
            raise FormatError(f"scheme: {scheme} is not an ethereum scheme (use eip191)")
        from verifier.ownership.ethereum import parse_address

        _wrap("address", parse_address, address)
    else:
        if scheme == "eip191":
            raise FormatError("scheme: eip191 is for ethereum wallets, not bitcoin")
        _wrap("address", _btc_address, chain, scheme, address)
    if signature is None:
        return
    if scheme == "bip340":
        _wrap("signature", _lower_hex, signature, 64, "", "BIP-340 signature")
    elif scheme == "eip191":
        _wrap("signature", _lower_hex, signature, 65, "0x", "EIP-191 signature")
    elif scheme == "btc-signmessage":
        raw = _wrap("signature", btcsig.decode_base64, signature, "signmessage signature")
        if len(raw) != 65:
            raise FormatError(f"signature: signmessage signature is {len(raw)} bytes, expected 65")
    else:
        _wrap("signature", btcsig.decode_simple, signature)


def _wrap(field: str, fn: Callable[..., object], *args: object) -> bytes:
    """fn(*args), its FormatError prefixed with the field name; its result if bytes."""
    try:
        out = fn(*args)
    except FormatError as exc:
        raise FormatError(f"{field}: {exc}") from None
    return out if isinstance(out, bytes) else b""


def verify_ownership(
    chain: str,
    scheme: str,
    address: str,
    message: str,
    signature: str,
    pubkey: bytes | None = None,
    backend: str | None = None,
) -> None:
    """Check that `signature` over `message` (UTF-8) was made by the key of `address`.

    FormatError for malformed input (see `check_wallet_form`); VerificationError with check
    "reserves-signature" (does not verify, or made by another key or over another message) or
    "reserves-address" (a valid signature by a key whose address is not the listed one)."""
    check_wallet_form(chain, scheme, address, signature, pubkey)
    msg = message.encode("utf-8")
    if chain == "ethereum":
        from verifier.ownership.ethereum import (
            checksum_address,
            parse_address,
            recover_eip191,
        )

        sig = bytes.fromhex(signature[2:])
        try:
            got = recover_eip191(msg, sig, backend)
        except VerificationError as exc:
            raise VerificationError(f"signature: {exc}", check="reserves-signature") from None
        if got != parse_address(address):
            raise VerificationError(
                f"signature: recovered address {checksum_address(got)} is not the listed "
                "address: signed by another key or over another message",
                check="reserves-signature",
            )
        return
    addr = _btc_address(chain, scheme, address)
    if scheme == "bip322-simple":
        btcsig.verify_bip322_simple(addr, msg, signature, backend)
    elif scheme == "btc-signmessage":
        btcsig.verify_signmessage(addr, msg, signature, backend)
    else:
        assert pubkey is not None  # check_wallet_form
        btcsig.verify_bip340_taproot(addr, pubkey, msg, bytes.fromhex(signature), backend)
