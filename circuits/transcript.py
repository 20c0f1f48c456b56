"""Fiat-Shamir transcript: labelled, length-framed messages over SHA-256 (docs/PROTOCOL.md,
"Transcript"), in the manner of merlin.

Every message is absorbed as  u32_be(len(label)) || label || u64_be(len(data)) || data, so no two
message sequences collide by concatenation. A challenge absorbs its label, squeezes 64 bytes
(two SHA-256 blocks of the state) and reduces them mod n; the 64 bytes are then absorbed so
later challenges depend on earlier ones. A zero challenge is refused.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable

from circuits.errors import ParameterError, VerificationError
from circuits.group import N, Point, native_module, scalar_to_bytes

#: Versioned separately from the package: bump only when the transcript format changes.
TRANSCRIPT_PROTOCOL = b"zk-solvency/transcript/v1"

Entropy = Callable[[int], bytes]


_U32 = struct.Struct(">I").pack
_U64 = struct.Struct(">Q").pack
_SHA256 = hashlib.sha256
#: The two block indices of a 64-byte challenge, and the frame header of its 64 output bytes.
_BLOCK_0, _BLOCK_1 = _U32(0), _U32(1)
_CHALLENGE_OUT_64 = _U32(13) + b"challenge-out" + _U64(64)


def _frame(label: bytes, data: bytes) -> bytes:
    return _U32(len(label)) + label + _U64(len(data)) + data


class Transcript:
    """A Fiat-Shamir transcript. Only applications create one; proofs take it as an argument."""

    __slots__ = ("_h",)

    def __init__(self, label: bytes) -> None:
        if not isinstance(label, bytes):
            raise ParameterError("transcript label must be bytes")
        self._h = hashlib.sha256()
        self._h.update(_frame(b"protocol", TRANSCRIPT_PROTOCOL))
        self._h.update(_frame(b"label", label))

    def clone(self) -> Transcript:
        t = object.__new__(Transcript)
        t._h = self._h.copy()
        return t

    def append_message(self, label: bytes, data: bytes) -> None:
        self._h.update(_frame(label, bytes(data)))

    def append_u64(self, label: bytes, value: int) -> None:
        if not 0 <= value < 1 << 64:
            raise ParameterError("u64 out of range")
        self.append_message(label, struct.pack(">Q", value))

    def append_scalar(self, label: bytes, k: int) -> None:
        self.append_message(label, scalar_to_bytes(k))

    def append_point(self, label: bytes, point: Point) -> None:
        """Absorb a point; the identity is refused (it is never a valid proof element)."""
        if point.is_identity():
            raise VerificationError(
                f"identity point in {label.decode(errors='replace')}", check="identity"
            )
        self._h.update(_frame(label, point.to_bytes()))

    def challenge_bytes(self, label: bytes, size: int = 64) -> bytes:
        h = self._h
        h.update(_frame(b"challenge", label))
        seed = h.digest()
        if size == 64:  # every challenge_scalar: the same bytes as the general case below
            out = _SHA256(seed + _BLOCK_0).digest() + _SHA256(seed + _BLOCK_1).digest()
            h.update(_CHALLENGE_OUT_64 + out)
            return out
        out = b"".join(_SHA256(seed + _U32(i)).digest() for i in range((size + 31) // 32))[:size]
        h.update(_frame(b"challenge-out", out))
        return out

    def challenge_scalar(self, label: bytes) -> int:
        """A challenge in [1, n): 64 bytes reduced mod n. Zero is refused (probability 2^-256)."""
        c = int.from_bytes(self.challenge_bytes(label, 64), "big") % N
        if c == 0:
            raise VerificationError("zero challenge", check="challenge")
        return c

    def rng(self, witness: bytes, entropy: Entropy | None = None) -> TranscriptRng:
        """A blinding RNG keyed by the transcript state, the witness and fresh OS randomness
        (`entropy`, os.urandom by default; tests inject a seeded one)."""
        return TranscriptRng(self._h.copy().digest(), witness, (entropy or os.urandom)(32))


class TranscriptRng:
    """SHA-256 in counter mode over (transcript state, witness, entropy). Never repr'd."""

    __slots__ = ("_counter", "_key")

    def __init__(self, state: bytes, witness: bytes, entropy: bytes) -> None:
        h = hashlib.sha256()
        h.update(_frame(b"rng-state", state))
        h.update(_frame(b"rng-witness", witness))
        h.update(_frame(b"rng-entropy", entropy))
        self._key = h.digest()
        self._counter = 0

    def __repr__(self) -> str:
        return "TranscriptRng(<secret>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("TranscriptRng holds secrets and cannot be pickled")

    def random_bytes(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(self._key + struct.pack(">Q", self._counter)).digest()
            self._counter += 1
        return out[:size]

    def scalars(self, count: int) -> list[int]:
        """`count` successive values of scalar(), computed in one loop, in C when the native
        module is built (circuits.group.native.rng_scalars; the same values)."""
        key, ctr = self._key, self._counter
        native = native_module()
        if native is not None and native.available() and ctr < 1 << 62:
            fast: list[int]
            fast, self._counter = native.rng_scalars(key, ctr, count)
            return fast
        out: list[int] = []
        sha, pack, order = hashlib.sha256, struct.Struct(">Q").pack, N
        while len(out) < count:
            block = sha(key + pack(ctr)).digest() + sha(key + pack(ctr + 1)).digest()
            ctr += 2
            k = int.from_bytes(block, "big") % order
            if k:
                out.append(k)
        self._counter = ctr
        return out

    def scalar(self) -> int:
        """A uniform nonzero scalar (64 bytes reduced mod n)."""
        while True:
            k = int.from_bytes(self.random_bytes(64), "big") % N
            if k:
                return k
