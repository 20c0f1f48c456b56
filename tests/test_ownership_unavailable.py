"""Where a primitive is missing (the browser page's Pyodide core has neither RIPEMD-160 nor
keccak-256), the ownership checks say so in one sentence instead of failing with ImportError."""

from __future__ import annotations

import hashlib
import sys

import pytest

from circuits.errors import ParameterError
from verifier.ownership import bitcoin, ethereum


def test_keccak_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "Crypto.Hash", None)
    with pytest.raises(ParameterError, match=r"Ethereum wallet signatures cannot be checked here"):
        ethereum.keccak256(b"")


def test_ripemd160_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ripemd(name: str, *args: object) -> object:
        raise ValueError(f"unsupported hash type {name}")

    monkeypatch.setattr(hashlib, "new", no_ripemd)
    monkeypatch.setitem(sys.modules, "Crypto.Hash", None)
    with pytest.raises(ParameterError, match=r"P2PKH and P2WPKH .* no RIPEMD-160; check this"):
        bitcoin.hash160(b"")


def test_with_the_libraries_both_hash() -> None:
    assert ethereum.keccak256(b"").hex().startswith("c5d2460186f7233c")
    assert bitcoin.hash160(b"").hex() == "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb"
