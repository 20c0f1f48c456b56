"""The master secret: generated once, kept in a 0600 file, and expanded with HKDF-SHA256.

Every per-round, per-user and per-padding secret is derived from the master secret as

    prk  = HMAC-SHA256(salt = "zk-solvency/v1/hkdf-salt", ikm = master)       (RFC 5869, Extract)
    info = u32_be(len(label)) || label || u32_be(len(round)) || round_utf8
           || u32_be(len(p_1)) || p_1 || ... || u32_be(len(p_k)) || p_k
    okm  = HKDF-Expand(prk, info, length)                                      (RFC 5869, Expand)

so that distinct (label, round, parts) never share an info string and rounds don't link.
A build passes its inputs digest (prover.tree.inputs_digest) as p_1 of every derivation.

Padding secrets come from a tree of keys instead (prover.tree, docs/PROTOCOL.md 6.6), so that
a worker can be given the key of its subtree alone:

    K(0, 0)                       = HKDF-Expand(prk, info("tree-key", round, inputs), 32)
    K(d+1, 2i) || K(d+1, 2i+1)    = BLAKE2b-512(key = K(d, i), msg = "children")
    r_a of padding node (d, i)    = int(BLAKE2b-512(key = K(d, i), msg = "pad-blinding" || u8(a))) mod n, 0 -> 1
    pad_salt of node (d, i)       = BLAKE2b-256(key = K(d, i), msg = "pad-hash")

(BLAKE2b of RFC 7693 in keyed mode, 64- or 32-byte digest; messages ASCII, unframed.)
The secret never appears in a repr, an error message, a log or a pickle.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from typing import NoReturn

from circuits.errors import ParameterError
from circuits.merkle import framed
from verifier.ids import validate_round_id

#: Bytes written by keygen, and the least accepted by load_master_secret.
MASTER_SECRET_BYTES = 32

#: Largest master-secret file read (a key file, not a data file).
MAX_SECRET_FILE_BYTES = 1024

#: HKDF-Extract salt: fixes the project's domain for every derivation.
HKDF_SALT = b"zk-solvency/v1/hkdf-salt"

#: Label of `MasterSecret.round_key`.
ROUND_KEY_LABEL = b"round-key"

_HASH_LEN = 32


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    """RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zeros."""
    return hmac.new(salt or bytes(_HASH_LEN), ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 section 2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i); OKM = first L octets."""
    if isinstance(length, bool) or not 1 <= length <= 255 * _HASH_LEN:
        raise ParameterError(f"HKDF output length must be 1 to {255 * _HASH_LEN} bytes")
    if len(prk) < _HASH_LEN:
        raise ParameterError("HKDF PRK must be at least 32 bytes")
    blocks: list[bytes] = []
    previous = b""
    for i in range(1, -(-length // _HASH_LEN) + 1):
        previous = hmac.new(prk, previous + info + bytes([i]), hashlib.sha256).digest()
        blocks.append(previous)
    return b"".join(blocks)[:length]


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869): Expand(Extract(salt, ikm), info, length)."""
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)


class MasterSecret:
    """The exchange's master secret. Redacted repr, not picklable, not comparable by value."""

    __slots__ = ("_prk",)

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, bytes | bytearray):
            raise ParameterError("master secret must be bytes")
        if len(secret) < MASTER_SECRET_BYTES:
            raise ParameterError(f"master secret must be at least {MASTER_SECRET_BYTES} bytes")
        # Only the extracted key is kept; derivations need nothing else.
        self._prk = hkdf_extract(HKDF_SALT, bytes(secret))

    def derive(self, label: bytes, round_id: str, *parts: bytes, length: int = 32) -> bytes:
        """okm = HKDF-Expand(prk, framed(label, round, parts...), length) (module docstring)."""
        if not isinstance(label, bytes) or label == b"":
            raise ParameterError("derivation label must be non-empty bytes")
        for part in parts:
            if not isinstance(part, bytes):
                raise ParameterError("derivation parts must be bytes")
        round_bytes = validate_round_id(round_id).encode("ascii")
        return hkdf_expand(self._prk, framed(label, round_bytes, *parts), length)

    def round_key(self, round_id: str) -> bytes:
        """The 32-byte key of one round, from which that round's secrets may be derived."""
        return self.derive(ROUND_KEY_LABEL, round_id)

    def __repr__(self) -> str:
        return "MasterSecret(<redacted>)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("MasterSecret can't be pickled")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("MasterSecret can't be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError("MasterSecret can't be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("MasterSecret can't be copied")


def keygen(path: str | os.PathLike[str]) -> None:
    """Write 32 fresh random bytes to a new file `path` with mode 0600.

    The file is created with O_CREAT | O_EXCL (an existing file or symlink is never overwritten:
    ParameterError) and mode 0600 from the start, so the secret is never readable by others.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise ParameterError(f"{os.fspath(path)}: file exists, refusing to overwrite") from None
    except OSError as exc:  # a missing folder, no permission: bad input, not a traceback
        raise ParameterError(
            f"{os.fspath(path)}: can't create the key file ({exc.strerror})"
        ) from None
    try:
        os.fchmod(fd, 0o600)  # in case the umask or the file system changed the mode
        data = os.urandom(MASTER_SECRET_BYTES)
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


def read_secret_file(path: str | os.PathLike[str], what: str = "master secret") -> bytes:
    """Read a secret file, refusing an unsafe or short one.

    ParameterError (naming the file and the reason, never the content) if the file is missing,
    not a regular file (directories, devices, FIFOs, symlinks are refused), readable or writable
    by group or others (mode & 0o077), shorter than 32 bytes or longer than 1024 bytes.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ParameterError(f"{name}: {what} file not found") from None
    except OSError as exc:
        raise ParameterError(f"{name}: can't open {what} file ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ParameterError(f"{name}: {what} must be a regular file")
        if info.st_mode & 0o077:
            raise ParameterError(
                f"{name}: {what} file is accessible by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}; run chmod 600)"
            )
        if info.st_size > MAX_SECRET_FILE_BYTES:
            raise ParameterError(f"{name}: {what} file is larger than expected")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_SECRET_FILE_BYTES:
            chunk = os.read(fd, MAX_SECRET_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_SECRET_FILE_BYTES:
        raise ParameterError(f"{name}: {what} file is larger than expected")
    if size < MASTER_SECRET_BYTES:
        raise ParameterError(
            f"{name}: {what} is {size} bytes, at least {MASTER_SECRET_BYTES} are needed"
        )
    return b"".join(chunks)


def load_master_secret(path: str | os.PathLike[str]) -> MasterSecret:
    """Read the master secret from `path` (checks of `read_secret_file`)."""
    return MasterSecret(read_secret_file(path, "master secret"))
