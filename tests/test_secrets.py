"""The master secret (prover/secrets.py): HKDF vectors, file modes, redaction, no pickling."""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import pickle
import stat
import struct
from pathlib import Path

import pytest

from circuits.errors import FormatError, ParameterError
from prover.secrets import (
    HKDF_SALT,
    MASTER_SECRET_BYTES,
    MasterSecret,
    hkdf_expand,
    hkdf_extract,
    hkdf_sha256,
    keygen,
    load_master_secret,
)

SECRET = bytes(range(0x40, 0x60))  # 32 recognisable bytes


def test_rfc5869_case_1() -> None:
    """RFC 5869, Appendix A.1 (Basic test case with SHA-256)."""
    ikm = bytes.fromhex("0b" * 22)
    salt = bytes.fromhex("000102030405060708090a0b0c")
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    prk = hkdf_extract(salt, ikm)
    assert prk.hex() == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
    okm = hkdf_expand(prk, info, 42)
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    assert hkdf_sha256(ikm, salt, info, 42) == okm


def test_rfc5869_case_3() -> None:
    """RFC 5869, Appendix A.3 (zero-length salt and info)."""
    ikm = bytes.fromhex("0b" * 22)
    prk = hkdf_extract(b"", ikm)
    assert prk.hex() == "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"
    assert hkdf_expand(prk, b"", 42).hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


@pytest.mark.parametrize("length", [0, 255 * 32 + 1, -1])
def test_hkdf_length_bounds(length: int) -> None:
    with pytest.raises(ParameterError):
        hkdf_expand(bytes(32), b"", length)


def test_derive_formula() -> None:
    """okm = HKDF-Expand(HKDF-Extract(salt, master), framed(label, round, parts), length)."""
    master = MasterSecret(SECRET)

    def framed(*fields: bytes) -> bytes:
        return b"".join(struct.pack(">I", len(f)) + f for f in fields)

    info = framed(b"blinding", b"2026-11", b"\x01", b"abc")
    prk = hmac.new(HKDF_SALT, SECRET, hashlib.sha256).digest()
    t1 = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    assert master.derive(b"blinding", "2026-11", b"\x01", b"abc") == t1
    assert len(master.derive(b"x", "r", length=100)) == 100


def test_derivations_are_separated() -> None:
    master = MasterSecret(SECRET)
    values = {
        master.derive(b"a", "r1"),
        master.derive(b"a", "r2"),
        master.derive(b"b", "r1"),
        master.derive(b"a", "r1", b""),
        master.derive(b"a", "r1", b"x", b"y"),
        master.derive(b"a", "r1", b"xy"),
        master.round_key("r1"),
    }
    assert len(values) == 7
    assert master.derive(b"a", "r1") == MasterSecret(SECRET).derive(b"a", "r1")
    assert MasterSecret(bytes(32)).derive(b"a", "r1") != master.derive(b"a", "r1")


def test_derive_checks_its_arguments() -> None:
    master = MasterSecret(SECRET)
    with pytest.raises(ParameterError):
        master.derive(b"", "r1")
    with pytest.raises(ParameterError):
        master.derive(b"a", "r1", "text")  # type: ignore[arg-type]
    with pytest.raises(FormatError):
        master.derive(b"a", "bad round")


def test_short_secret_refused() -> None:
    with pytest.raises(ParameterError):
        MasterSecret(bytes(31))


def test_repr_is_redacted() -> None:
    master = MasterSecret(SECRET)
    for text in (repr(master), str(master), f"{master}", f"{master!r}", f"{master:>40}"):
        assert "redacted" in text
        assert SECRET.hex() not in text and "@ABC" not in text
    assert not hasattr(master, "__dict__")


def test_pickling_and_copying_refused() -> None:
    master = MasterSecret(SECRET)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(master, protocol=protocol)
    with pytest.raises(TypeError):
        copy.copy(master)
    with pytest.raises(TypeError):
        copy.deepcopy(master)


def test_keygen_writes_32_random_bytes_0600(tmp_path: Path) -> None:
    a, b = tmp_path / "a.key", tmp_path / "b.key"
    keygen(a)
    keygen(b)
    assert stat.S_IMODE(a.stat().st_mode) == 0o600
    assert len(a.read_bytes()) == MASTER_SECRET_BYTES
    assert a.read_bytes() != b.read_bytes()
    master = load_master_secret(a)
    assert master.derive(b"a", "r1") == MasterSecret(a.read_bytes()).derive(b"a", "r1")


def test_keygen_ignores_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        keygen(tmp_path / "k")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(b"keep me")
    with pytest.raises(ParameterError) as info:
        keygen(path)
    assert str(info.value) == f"{path}: file exists, refusing to overwrite"
    assert path.read_bytes() == b"keep me"


def test_keygen_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "master.key"
    link.symlink_to(target)
    with pytest.raises(ParameterError):
        keygen(link)
    assert not target.exists()


def _secret_file(tmp_path: Path, data: bytes = SECRET, mode: int = 0o600) -> Path:
    path = tmp_path / "master.key"
    path.write_bytes(data)
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o602, 0o644, 0o666, 0o610, 0o601])
def test_load_refuses_group_or_other_access(tmp_path: Path, mode: int) -> None:
    path = _secret_file(tmp_path, mode=mode)
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    assert str(info.value) == (
        f"{path}: master secret file is accessible by group or others "
        f"(mode {mode:04o}; run chmod 600)"
    )


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_load_accepts_owner_only(tmp_path: Path, mode: int) -> None:
    path = _secret_file(tmp_path, mode=mode)
    assert load_master_secret(path).derive(b"a", "r") == MasterSecret(SECRET).derive(b"a", "r")


def test_load_refuses_a_short_file(tmp_path: Path) -> None:
    path = _secret_file(tmp_path, data=SECRET[:31])
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    assert str(info.value) == f"{path}: master secret is 31 bytes, at least 32 are needed"


def test_load_refuses_a_huge_file(tmp_path: Path) -> None:
    path = _secret_file(tmp_path, data=bytes(5000))
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    assert str(info.value) == f"{path}: master secret file is larger than expected"


def test_load_refuses_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "dir"
    path.mkdir(mode=0o700)
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    assert str(info.value) == f"{path}: master secret must be a regular file"


def test_load_refuses_a_fifo(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path, 0o600)
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    assert str(info.value) == f"{path}: master secret must be a regular file"


def test_load_refuses_a_symlink(tmp_path: Path) -> None:
    target = _secret_file(tmp_path)
    link = tmp_path / "link.key"
    link.symlink_to(target)
    with pytest.raises(ParameterError) as info:
        load_master_secret(link)
    assert str(info.value).startswith(f"{link}: can't open master secret file")


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterError) as info:
        load_master_secret(tmp_path / "nope")
    assert str(info.value) == f"{tmp_path / 'nope'}: master secret file not found"


def test_secret_never_in_error_messages(tmp_path: Path) -> None:
    printable = b"S" * 20 + b"ECRET-CONTENT"  # 33 printable bytes
    messages = []
    path = _secret_file(tmp_path, data=printable, mode=0o644)
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    messages.append(str(info.value))
    path.chmod(0o600)
    path.write_bytes(printable[:20])
    with pytest.raises(ParameterError) as info:
        load_master_secret(path)
    messages.append(str(info.value))
    for message in messages:
        assert "SSSS" not in message and "ECRET" not in message
