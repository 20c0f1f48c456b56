"""ECDSA on secp256k1 (SEC 1 v2, 4.1.4 verification and 4.1.6 public key recovery) on circuits.group.

Used by the wallet-ownership checks of the reserves (verifier/ownership): Bitcoin's legacy
`signmessage` and Ethereum's `personal_sign` carry a recoverable signature (r, s, recid); BIP-322
carries a DER signature and the public key. Both run on either group backend (libsecp256k1 or
pure Python), with the same results.

Range checks always: 1 <= r, s < n. "Low s" (s <= n/2) where the standard using ECDSA requires it
(`low_s=True`, the default: BIP-146 for BIP-322's transactions, EIP-2 for Ethereum); Bitcoin Core's
legacy `verifymessage` does not require it, so `signmessage` passes `low_s=False`. `verify` and
`recover` never return False: they raise `VerificationError` (check="ecdsa").
"""

from __future__ import annotations

from circuits.errors import FormatError, VerificationError
from circuits.group import N, P, Point, msm, sqrt_mod_p

__all__ = ["HALF_N", "check_rs", "recover", "verify"]

#: The largest accepted s (low-s rule).
HALF_N = N // 2
_CHECK = "ecdsa"


def check_rs(r: int, s: int, low_s: bool = True) -> None:
    """Raise VerificationError unless 1 <= r < n and 1 <= s < n (and s <= n/2 if `low_s`)."""
    if not 1 <= r < N:
        raise VerificationError("ECDSA r is not in [1, n-1]", check=_CHECK)
    if not 1 <= s < N:
        raise VerificationError("ECDSA s is not in [1, n-1]", check=_CHECK)
    if low_s and s > HALF_N:
        raise VerificationError("ECDSA s is not low (s > n/2)", check=_CHECK)


def _z(digest: bytes) -> int:
    """e = the 32-byte digest as an integer (SEC 1 4.1.4 step 3 for a 256-bit hash), mod n."""
    if not isinstance(digest, bytes | bytearray) or len(digest) != 32:
        raise FormatError("ECDSA message digest must be 32 bytes")
    return int.from_bytes(digest, "big") % N


def verify(pubkey: Point, digest: bytes, r: int, s: int, *, low_s: bool = True) -> None:
    """SEC 1 4.1.4: R = (e/s)*G + (r/s)*Q; accept iff R is not infinity and x(R) mod n == r."""
    check_rs(r, s, low_s)
    if pubkey.is_identity():
        raise VerificationError("ECDSA public key is the identity", check=_CHECK)
    e = _z(digest)
    w = pow(s, -1, N)
    R = msm([e * w % N, r * w % N], [Point.generator(pubkey.backend), pubkey])
    xy = R.affine()
    if xy is None or xy[0] % N != r:
        raise VerificationError("ECDSA signature does not verify", check=_CHECK)


def recover(
    digest: bytes, r: int, s: int, recid: int, backend: str | None = None, *, low_s: bool = True
) -> Point:
    """SEC 1 4.1.6: the public key Q with a valid (r, s) on `digest`, for recovery id `recid`.

    recid in 0..3: bit 0 is the parity of y(R), bit 1 says x(R) = r + n (which has probability
    about 2^-128 and is accepted as the standard says). Q = r^-1 (s*R - e*G). The result is checked
    with `verify` before it is returned.
    """
    check_rs(r, s, low_s)
    if recid not in (0, 1, 2, 3):
        raise VerificationError(f"ECDSA recovery id {recid} is not in 0..3", check=_CHECK)
    x = r + N if recid & 2 else r
    if x >= P:
        raise VerificationError("ECDSA recovery: x(R) = r + n is not below p", check=_CHECK)
    y = sqrt_mod_p((pow(x, 3, P) + 7) % P)
    if y is None:
        raise VerificationError("ECDSA recovery: r is not the x of a curve point", check=_CHECK)
    if y % 2 != recid & 1:
        y = P - y
    R = Point.from_affine(x, y, backend)
    e = _z(digest)
    rinv = pow(r, -1, N)
    Q = msm([s * rinv % N, (N - e) * rinv % N], [R, Point.generator(backend)])
    if Q.is_identity():
        raise VerificationError("ECDSA recovery gives the identity", check=_CHECK)
    verify(Q, digest, r, s, low_s=low_s)
    return Q
