"""RIPEMD-160 and keccak-256 for the ownership checks: where each comes from (a small registry).

The checks call `ripemd160` (HASH160 of P2PKH and P2WPKH keys) and `keccak256` (Ethereum
addresses, EIP-55, EIP-191) and never care where they come from:

1. a provider installed with `provide(name, fn)`, when there is one: the browser page installs
   the npm package `@noble/hashes` (audited, pure JavaScript; `verifier.web.use_hashes`),
   because Pyodide's core has neither hash;
2. else this Python's own: hashlib's RIPEMD-160 when OpenSSL offers it, else pycryptodome's
   (`Crypto.Hash.RIPEMD160`, `Crypto.Hash.keccak`), imported only when first needed, so the
   verifier still imports with no compiled extension;
3. else ParameterError with one sentence saying what cannot be checked here.

A provider takes bytes and returns the digest; its answer is checked for type and length
(20 and 32 bytes), so a broken provider fails loudly instead of mis-deriving an address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from circuits.errors import ParameterError
from verifier.ownership import unavailable

__all__ = ["DIGEST_BYTES", "Provider", "keccak256", "provide", "ripemd160", "source"]

Provider = Callable[[bytes], bytes]

#: The hashes a provider may be installed for, and the length of their digests.
DIGEST_BYTES = {"ripemd160": 20, "keccak256": 32}
_WHAT = {
    "ripemd160": ("P2PKH and P2WPKH wallet signatures", "RIPEMD-160"),
    "keccak256": ("Ethereum wallet signatures", "keccak-256"),
}
_provided: dict[str, tuple[Provider, str]] = {}


def provide(name: str, fn: Provider | None, label: str = "provided") -> None:
    """Install `fn` as the `name` hash ("ripemd160" or "keccak256"), described by `label`
    (what `source` reports); None removes it (this Python's own is used again)."""
    if name not in DIGEST_BYTES:
        raise ValueError(f"no hash named {name!r}; known: {', '.join(DIGEST_BYTES)}")
    if fn is None:
        _provided.pop(name, None)
    else:
        _provided[name] = (fn, label)


def _builtin_ripemd160(data: bytes) -> bytes | None:
    try:
        return hashlib.new("ripemd160", data).digest()
    except ValueError:  # OpenSSL 3 without the legacy provider, or no OpenSSL (Pyodide)
        pass
    try:
        from Crypto.Hash import RIPEMD160
    except ImportError:
        return None
    return bytes(RIPEMD160.new(data).digest())


def _builtin_keccak256(data: bytes) -> bytes | None:
    try:
        from Crypto.Hash import keccak
    except ImportError:
        return None
    return bytes(keccak.new(digest_bits=256, data=data).digest())


_BUILTIN: dict[str, Callable[[bytes], bytes | None]] = {
    "ripemd160": _builtin_ripemd160,
    "keccak256": _builtin_keccak256,
}


def _digest(name: str, data: bytes) -> bytes:
    size = DIGEST_BYTES[name]
    entry = _provided.get(name)
    if entry is None:
        out = _BUILTIN[name](bytes(data))
        if out is None:
            raise ParameterError(unavailable(*_WHAT[name]))
        return out
    fn, label = entry
    got = fn(bytes(data))
    if not isinstance(got, bytes) or len(got) != size:
        raise ParameterError(
            f"the {label} {name} returned something that is not a {size}-byte digest"
        )
    return got


def ripemd160(data: bytes) -> bytes:
    """RIPEMD-160 of `data` (20 bytes)."""
    return _digest("ripemd160", data)


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of `data` (32 bytes; the pre-standard padding Ethereum uses, not SHA3-256)."""
    return _digest("keccak256", data)


def source(name: str) -> str | None:
    """Where `name` comes from here: a provider's label, "hashlib", "pycryptodome", or None."""
    if name in _provided:
        return _provided[name][1]
    if name == "ripemd160":
        try:
            hashlib.new("ripemd160")
            return "hashlib"
        except ValueError:
            pass
    try:
        import Crypto.Hash  # noqa: F401
    except ImportError:
        return None
    return "pycryptodome"
