"""BIP-340 Schnorr signatures: the standard vectors on both backends, the generic code against
libsecp256k1, format errors, and a sign/verify round trip.

Vectors: tests/vectors/bip340_test_vectors.csv, a byte-identical copy of the BIP-340 reference
vectors (indices 0-14), `bip-0340/test-vectors.csv` in github.com/bitcoin/bips; provenance in
tests/vectors/README.md.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from hypothesis import given
from hypothesis import strategies as st

from circuits import bip340
from circuits.bip340 import _sign_group, _verify_group
from circuits.errors import FormatError, VerificationError
from circuits.group import N, P

VECTORS = Path(__file__).parent / "vectors" / "bip340_test_vectors.csv"
BACKENDS = ["libsecp256k1", "python"]


def _rows() -> list[dict[str, str]]:
    with VECTORS.open(newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()


def test_vector_file_is_complete() -> None:
    assert [r["index"] for r in ROWS] == [str(i) for i in range(15)]
    # SHA-256 of the file as published with BIP-340 (checked against libsecp256k1 when copied).
    assert hashlib.sha256(VECTORS.read_bytes()).hexdigest() == (
        "df34388d7f1795fcc1727544c506a95eee186e5d0a42b4d66108a7fbe9235fcd"
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"vector{r['index']}")
def test_vector_verify(row: dict[str, str], backend: str) -> None:
    pk = bytes.fromhex(row["public key"])
    msg = bytes.fromhex(row["message"])
    sig = bytes.fromhex(row["signature"])
    expected = row["verification result"] == "TRUE"
    for verify in (
        lambda: bip340.verify(pk, msg, sig, backend),
        lambda: _verify_group(pk, msg, sig, backend),  # the spec on circuits.group, both backends
    ):
        if expected:
            verify()
        else:
            with pytest.raises(VerificationError) as info:
                verify()
            assert info.value.check == "bip340"


@pytest.mark.parametrize("row", [r for r in ROWS if r["secret key"]], ids=lambda r: r["index"])
def test_vector_sign(row: dict[str, str], backend: str) -> None:
    sk = bytes.fromhex(row["secret key"])
    msg = bytes.fromhex(row["message"])
    aux = bytes.fromhex(row["aux_rand"])
    assert bip340.xonly_pubkey(sk, backend) == bytes.fromhex(row["public key"])
    assert bip340.sign(sk, msg, aux, backend) == bytes.fromhex(row["signature"])
    assert _sign_group(sk, msg, aux, backend) == bytes.fromhex(row["signature"])


def test_vector_failure_reasons_python() -> None:
    """The generic code names the BIP-340 step that failed, as the vectors' comments say."""
    reasons = {
        "5": "public key is not the x-coordinate",
        "6": "odd y",
        "9": "infinity",
        "10": "infinity",
        "12": "r is not below p",
        "13": "s is not below n",
        "14": "public key is not the x-coordinate",
    }
    for row in ROWS:
        if row["index"] in reasons:
            with pytest.raises(VerificationError, match=reasons[row["index"]]):
                _verify_group(
                    bytes.fromhex(row["public key"]),
                    bytes.fromhex(row["message"]),
                    bytes.fromhex(row["signature"]),
                    "python",
                )


def test_tagged_hash_matches_libsecp256k1() -> None:
    for tag, msg in [("BIP0340/challenge", b""), ("zk-solvency/reserves/v1", b"x" * 100)]:
        out = ffi.new("unsigned char[32]")
        raw_tag = tag.encode()
        assert lib.secp256k1_tagged_sha256(
            GLOBAL_CONTEXT.ctx, out, raw_tag, len(raw_tag), msg, len(msg)
        )
        assert bip340.tagged_hash(tag, msg) == bytes(ffi.buffer(out, 32))
    t = hashlib.sha256(b"T").digest()
    assert bip340.tagged_hash("T", b"m") == hashlib.sha256(t + t + b"m").digest()


def test_lift_x() -> None:
    assert bip340.lift_x(P) is None
    assert bip340.lift_x(0) is None  # 7 is not a square mod p
    pt = bip340.lift_x(int(ROWS[0]["public key"], 16))
    assert pt is not None
    xy = pt.affine()
    assert xy is not None and xy[1] % 2 == 0


GOOD = ROWS[1]
PK = bytes.fromhex(GOOD["public key"])
MSG = bytes.fromhex(GOOD["message"])
SIG = bytes.fromhex(GOOD["signature"])
SK = bytes.fromhex(GOOD["secret key"])


@pytest.mark.parametrize(
    ("pk", "msg", "sig"),
    [
        (PK[:31], MSG, SIG),
        (PK + b"\x00", MSG, SIG),
        (b"\x02" + PK, MSG, SIG),  # a compressed SEC1 key is not an x-only key
        (PK, MSG[:31], SIG),
        (PK, MSG + b"\x00", SIG),
        (PK, MSG, SIG[:63]),
        (PK, MSG, SIG + b"\x00"),
        (PK.hex(), MSG, SIG),
        (PK, MSG, SIG.hex()),
    ],
    ids=["pk31", "pk33", "pk-sec1", "msg31", "msg33", "sig63", "sig65", "pk-str", "sig-str"],
)
def test_verify_format_errors(pk: object, msg: object, sig: object, backend: str) -> None:
    with pytest.raises(FormatError):
        bip340.verify(pk, msg, sig, backend)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "sk", [b"\x00" * 32, N.to_bytes(32, "big"), b"\xff" * 32, SK[:31]], ids=["0", "n", "max", "31"]
)
def test_bad_secret_keys(sk: bytes, backend: str) -> None:
    with pytest.raises(FormatError) as info:
        bip340.sign(sk, MSG, b"\x00" * 32, backend)
    assert sk.hex() not in str(info.value)
    with pytest.raises(FormatError):
        bip340.xonly_pubkey(sk, backend)


def test_sign_format_errors(backend: str) -> None:
    with pytest.raises(FormatError):
        bip340.sign(SK, MSG[:31], b"\x00" * 32, backend)
    with pytest.raises(FormatError):
        bip340.sign(SK, MSG, b"\x00" * 31, backend)


@given(
    d=st.integers(min_value=1, max_value=N - 1),
    msg=st.binary(min_size=32, max_size=32),
    aux=st.binary(min_size=32, max_size=32),
    flip=st.integers(min_value=0, max_value=255),
)
def test_round_trip(d: int, msg: bytes, aux: bytes, flip: int) -> None:
    sk = d.to_bytes(32, "big")
    sigs = {be: bip340.sign(sk, msg, aux, be) for be in BACKENDS}
    assert sigs["libsecp256k1"] == sigs["python"]
    pk = bip340.xonly_pubkey(sk, "python")
    assert pk == bip340.xonly_pubkey(sk, "libsecp256k1")
    sig = sigs["python"]
    bad_msg = bytearray(msg)
    bad_msg[flip // 8] ^= 1 << (flip % 8)
    bad_sig = bytearray(sig)
    bad_sig[flip // 4] ^= 1 << (flip % 8)
    for be in BACKENDS:
        bip340.verify(pk, msg, sig, be)
        _verify_group(pk, msg, sig, be)
        with pytest.raises(VerificationError):
            bip340.verify(pk, bytes(bad_msg), sig, be)
        with pytest.raises(VerificationError):
            bip340.verify(pk, msg, bytes(bad_sig), be)
