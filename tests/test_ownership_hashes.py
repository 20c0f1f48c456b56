"""Where the ownership checks get RIPEMD-160 and keccak-256 (verifier.ownership.hashes): this
Python's own (hashlib, pycryptodome), a provider installed by the browser page
(verifier.web.use_hashes, functions of hex strings as @noble/hashes gives them), a provider that
answers nonsense (refused), and none at all (one sentence, ParameterError)."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator

import pytest
from Crypto.Hash import RIPEMD160, keccak

from circuits.errors import FormatError, ParameterError
from verifier import web
from verifier.ownership import hashes
from verifier.ownership.bitcoin import hash160
from verifier.ownership.ethereum import checksum_address, parse_address

#: The published digests of the empty string.
EMPTY = {
    "ripemd160": "9c1185a5c5e9fc54612808977ee8f548b2258d31",
    "keccak256": "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
}
#: An address from EIP-55's examples.
EIP55 = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
INPUTS = (b"", b"abc", bytes(range(64)), bytes(range(137)), bytes(1000))


def _pycryptodome(name: str, data: bytes) -> bytes:
    if name == "ripemd160":
        return bytes(RIPEMD160.new(data).digest())
    return bytes(keccak.new(digest_bits=256, data=data).digest())


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    yield
    for name in hashes.DIGEST_BYTES:
        hashes.provide(name, None)


@pytest.fixture
def no_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python like Pyodide's core: no pycryptodome, no RIPEMD-160 in hashlib."""
    monkeypatch.setitem(sys.modules, "Crypto", None)
    monkeypatch.setitem(sys.modules, "Crypto.Hash", None)
    real_new = hashlib.new

    def new(name: str, *args: bytes) -> object:
        if name == "ripemd160":
            raise ValueError("unsupported hash type ripemd160")
        return real_new(name, *args)

    monkeypatch.setattr(hashlib, "new", new)


@pytest.mark.parametrize("name", sorted(hashes.DIGEST_BYTES))
def test_this_pythons_hashes(name: str) -> None:
    fn = getattr(hashes, name)
    assert fn(b"").hex() == EMPTY[name]
    for data in INPUTS:
        assert fn(data) == _pycryptodome(name, data)
    assert hashes.source(name) in ("hashlib", "pycryptodome")


def test_without_the_hashes_the_check_says_so_in_one_sentence(no_builtin: None) -> None:
    with pytest.raises(ParameterError) as exc:
        hash160(b"\x02" + bytes(32))
    assert str(exc.value) == (
        "P2PKH and P2WPKH wallet signatures cannot be checked here: this Python has no "
        "RIPEMD-160; check this statement with solvency-verify statement on a computer "
        "(pip install zk-solvency)"
    )
    with pytest.raises(ParameterError, match=r"^Ethereum wallet signatures cannot be checked"):
        checksum_address(bytes(20))
    assert hashes.source("ripemd160") is None and hashes.source("keccak256") is None


def _hex(name: str, calls: list[str]) -> Callable[[str], str]:
    """What the page hands over: a function from the hex of the data to the hex of its digest."""

    def fn(data_hex: str) -> str:
        calls.append(data_hex)
        return _pycryptodome(name, bytes.fromhex(data_hex)).hex()

    return fn


def test_the_pages_hashes_are_used_where_python_has_none(no_builtin: None) -> None:
    calls: list[str] = []
    answer = web.use_hashes(
        _hex("ripemd160", calls), _hex("keccak256", calls), "@noble/hashes@2.4.0"
    )
    assert json.loads(answer) == dict.fromkeys(hashes.DIGEST_BYTES, "@noble/hashes@2.4.0")
    assert json.loads(web.start())["hashes"] == json.loads(answer)
    key = b"\x02" + bytes(range(32))
    assert hash160(key) == _pycryptodome("ripemd160", hashlib.sha256(key).digest())
    assert checksum_address(bytes(20)) == "0x0000000000000000000000000000000000000000"
    assert calls == [hashlib.sha256(key).hexdigest(), bytes(20).hex().encode().hex()]


@pytest.mark.parametrize(
    "answer",
    ["", "zz" * 20, "00" * 19, "00" * 32, 20, None],
    ids=["empty", "not hex", "short", "long", "a number", "nothing"],
)
def test_a_provider_that_answers_nonsense_is_refused(answer: object) -> None:
    web.use_hashes(lambda _: answer, lambda _: answer, "broken")
    with pytest.raises(ParameterError) as exc:
        hashes.ripemd160(b"abc")
    assert str(exc.value) == "the broken ripemd160 returned something that is not a 20-byte digest"


def test_a_provider_is_used_even_where_python_has_the_hash() -> None:
    hashes.provide("keccak256", lambda data: bytes(32), "zeros")
    assert hashes.keccak256(b"abc") == bytes(32) and hashes.source("keccak256") == "zeros"
    # with a wrong hash, a right address (EIP-55's own example) is refused, never accepted
    with pytest.raises(FormatError, match="EIP-55 checksum mismatch"):
        parse_address(EIP55)
    hashes.provide("keccak256", None)
    assert parse_address(EIP55).hex() == EIP55[2:].lower()
    assert hashes.keccak256(b"").hex() == EMPTY["keccak256"]
    with pytest.raises(ValueError, match="no hash named 'sha1'"):
        hashes.provide("sha1", None)


def _hashlib_has_ripemd160() -> bool:
    try:
        hashlib.new("ripemd160")
    except ValueError:
        return False
    return True


def test_each_source_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """hashlib's RIPEMD-160 where OpenSSL has it (whether or not pycryptodome is there), else
    pycryptodome's; `source` names the one used."""
    in_hashlib = _hashlib_has_ripemd160()
    assert hashes.source("ripemd160") == ("hashlib" if in_hashlib else "pycryptodome")
    assert hashes.source("keccak256") == "pycryptodome"
    with monkeypatch.context() as m:  # pycryptodome missing
        m.setitem(sys.modules, "Crypto", None)
        m.setitem(sys.modules, "Crypto.Hash", None)
        if in_hashlib:
            assert hashes.ripemd160(b"").hex() == EMPTY["ripemd160"]
            assert hashes.source("ripemd160") == "hashlib"
        else:
            with pytest.raises(ParameterError):
                hashes.ripemd160(b"")
        assert hashes.source("keccak256") is None
    real_new = hashlib.new

    def new(name: str, *args: bytes) -> object:
        if name == "ripemd160":
            raise ValueError("unsupported hash type ripemd160")
        return real_new(name, *args)

    monkeypatch.setattr(hashlib, "new", new)  # OpenSSL without RIPEMD-160: pycryptodome's
    for data in INPUTS:
        assert hashes.ripemd160(data) == _pycryptodome("ripemd160", data)
    assert hashes.source("ripemd160") == "pycryptodome"


def test_provide_label_and_names() -> None:
    hashes.provide("ripemd160", lambda data: bytes(20))
    assert hashes.source("ripemd160") == "provided"
    assert hashes.ripemd160(b"abc") == bytes(20)
    hashes.provide("ripemd160", None)
    assert hashes.ripemd160(b"").hex() == EMPTY["ripemd160"]
    with pytest.raises(ValueError) as exc:
        hashes.provide("sha1", None)
    assert str(exc.value) == "no hash named 'sha1'; known: ripemd160, keccak256"
