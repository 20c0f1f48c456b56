"""The verification side of circuits.ecdsa and circuits.bip340 broken on purpose: every range at
both ends, every refusal with its exact class, check and message, on both group backends.

Signatures are made here from chosen nonces (SEC 1 4.1.3 written out), so the rare cases can be
reached: x(R) >= n (recovery id 2 and 3), a recovery that gives the identity, s at n/2 exactly.
"""

from __future__ import annotations

import hashlib

import pytest

from circuits import bip340, ecdsa
from circuits.errors import FormatError, VerificationError
from circuits.group import N, P, Point, sqrt_mod_p

BACKENDS = ["libsecp256k1", "python"]
D = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF
DIGEST = hashlib.sha256(b"zk-solvency ecdsa").digest()


def _sign(d: int, digest: bytes, k: int) -> tuple[int, int]:
    """SEC 1 4.1.3 with the nonce k given: (r, s), s not normalised."""
    xy = (Point.generator() * k).affine()
    assert xy is not None
    r = xy[0] % N
    s = pow(k, -1, N) * (int.from_bytes(digest, "big") % N + r * d) % N
    assert r and s
    return r, s


def _refused(fn: object, message: str, check: str = "ecdsa") -> None:
    assert callable(fn)
    with pytest.raises(VerificationError) as info:
        fn()
    assert str(info.value) == message
    assert info.value.check == check


# --- ECDSA: ranges of r and s ----------------------------------------------------------------


@pytest.mark.parametrize("low_s", [True, False])
def test_check_rs_accepts_the_ends(low_s: bool) -> None:
    for r in (1, N - 1):
        ecdsa.check_rs(r, 1, low_s)
    ecdsa.check_rs(1, ecdsa.HALF_N, low_s)
    assert ecdsa.HALF_N == (N - 1) // 2
    ecdsa.check_rs(1, ecdsa.HALF_N + 1, low_s=False)
    ecdsa.check_rs(1, N - 1, low_s=False)


def test_check_rs_refuses_past_the_ends() -> None:
    for r in (0, -1, N, N + 1):
        _refused(lambda r=r: ecdsa.check_rs(r, 1), "ECDSA r is not in [1, n-1]")
    for s in (0, -1, N, N + 1):
        _refused(lambda s=s: ecdsa.check_rs(1, s, False), "ECDSA s is not in [1, n-1]")
    for s in (ecdsa.HALF_N + 1, N - 1):
        _refused(lambda s=s: ecdsa.check_rs(1, s), "ECDSA s is not low (s > n/2)")
        _refused(lambda s=s: ecdsa.check_rs(1, s, True), "ECDSA s is not low (s > n/2)")


# --- ECDSA: verify ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify_accepts_and_refuses_exactly(backend: str) -> None:
    q = Point.generator(backend) * D
    r, s = _sign(D, DIGEST, 7)
    low = min(s, N - s)
    high = N - low
    ecdsa.verify(q, DIGEST, r, low)
    ecdsa.verify(q, bytearray(DIGEST), r, low)
    ecdsa.verify(q, DIGEST, r, high, low_s=False)
    _refused(lambda: ecdsa.verify(q, DIGEST, r, high), "ECDSA s is not low (s > n/2)")
    _refused(lambda: ecdsa.verify(q, DIGEST, r, high, low_s=True), "ECDSA s is not low (s > n/2)")
    bad = "ECDSA signature does not verify"
    _refused(lambda: ecdsa.verify(q, DIGEST[::-1], r, low), bad)
    _refused(lambda: ecdsa.verify(-q, DIGEST, r, low), bad)
    _refused(lambda: ecdsa.verify(q, DIGEST, r + 1, low), bad)
    _refused(lambda: ecdsa.verify(q, DIGEST, r, low - 1), bad)
    _refused(lambda: ecdsa.verify(q, DIGEST, 0, low), "ECDSA r is not in [1, n-1]")
    _refused(lambda: ecdsa.verify(q, DIGEST, r, N), "ECDSA s is not in [1, n-1]")
    _refused(
        lambda: ecdsa.verify(Point.identity(backend), DIGEST, r, low),
        "ECDSA public key is the identity",
    )


@pytest.mark.parametrize("digest", [b"\x00" * 31, b"\x00" * 33, b"", DIGEST.hex()[:32], None])
def test_digest_must_be_32_bytes(digest: object) -> None:
    q = Point.generator() * D
    r, s = _sign(D, DIGEST, 7)
    s = min(s, N - s)
    for call in (
        lambda: ecdsa.verify(q, digest, r, s),  # type: ignore[arg-type]
        lambda: ecdsa.recover(digest, r, s, 0),  # type: ignore[arg-type]
    ):
        with pytest.raises(FormatError) as info:
            call()
        assert str(info.value) == "ECDSA message digest must be 32 bytes"


def test_digest_is_taken_mod_n() -> None:
    """A digest at or above n stands for its residue (SEC 1 4.1.4 step 3 with a 256-bit hash)."""
    small = (5).to_bytes(32, "big")
    big = (N + 5).to_bytes(32, "big")
    r, s = _sign(D, small, 11)
    s = min(s, N - s)
    q = Point.generator() * D
    ecdsa.verify(q, big, r, s)
    ecdsa.verify(q, small, r, s)
    assert ecdsa._z(big) == 5
    assert ecdsa._z(N.to_bytes(32, "big")) == 0
    assert ecdsa._z(b"\xff" * 32) == (2**256 - 1) % N


def _point_beyond_n(t: int, backend: str | None = None) -> Point:
    """A curve point R with x(R) = n + t (its discrete logarithm is unknown)."""
    y = sqrt_mod_p(((N + t) ** 3 + 7) % P)
    assert y is not None
    return Point.from_affine(N + t, y if y % 2 == 0 else P - y, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_x_of_r_at_or_above_n(backend: str) -> None:
    """r = x(R) - n: the key solved for is accepted by verify (x(R) mod n) and found by recover
    with recovery ids 2 and 3 (bit 1: x(R) = r + n), not by 0 and 1."""
    R = _point_beyond_n(2, backend)
    r, s = 2, 12345
    e = ecdsa._z(DIGEST)
    rinv = pow(r, -1, N)
    q = R * (s * rinv % N) + Point.generator(backend) * ((N - e) * rinv % N)
    ecdsa.verify(q, DIGEST, r, s)
    assert ecdsa.recover(DIGEST, r, s, 2, backend) == q  # y(R) even
    g_part = Point.generator(backend) * ((N - e) * rinv % N)
    assert ecdsa.recover(DIGEST, r, s, 3, backend) == R * ((N - s) * rinv % N) + g_part  # -R
    for recid in (0, 1):
        assert ecdsa.recover(DIGEST, r, s, recid, backend) != q
    assert ecdsa.recover(DIGEST, r, s, 2, backend).backend == backend


# --- ECDSA: recover --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_recover_both_parities(backend: str) -> None:
    r, s = _sign(D, DIGEST, 99)
    xy = (Point.generator() * 99).affine()
    assert xy is not None and xy[0] < N
    parity = xy[1] & 1
    q = Point.generator(backend) * D
    if s > ecdsa.HALF_N:
        s, parity = N - s, parity ^ 1
    got = ecdsa.recover(DIGEST, r, s, parity, backend)
    assert got == q and got.backend == backend
    other = ecdsa.recover(DIGEST, r, s, parity ^ 1, backend)
    assert other != q
    ecdsa.verify(other, DIGEST, r, s)  # another key, for which the signature also holds
    high = ecdsa.recover(DIGEST, r, N - s, parity ^ 1, backend, low_s=False)
    assert high == q
    _refused(
        lambda: ecdsa.recover(DIGEST, r, N - s, parity ^ 1, backend), "ECDSA s is not low (s > n/2)"
    )
    _refused(
        lambda: ecdsa.recover(DIGEST, r, N - s, parity ^ 1, backend, low_s=True),
        "ECDSA s is not low (s > n/2)",
    )


@pytest.mark.parametrize("recid", [-1, 4, 255])
def test_recover_recovery_id_range(recid: int) -> None:
    _refused(
        lambda: ecdsa.recover(DIGEST, 1, 1, recid), f"ECDSA recovery id {recid} is not in 0..3"
    )


def test_recover_x_at_p_and_off_the_curve() -> None:
    # recid 2 or 3: x = r + n; the largest x below p on the curve is p - 3 (p - 1, p - 2 are not).
    assert sqrt_mod_p(((P - 1) ** 3 + 7) % P) is None
    assert sqrt_mod_p(((P - 2) ** 3 + 7) % P) is None
    r_ok = P - N - 3
    for recid in (2, 3):
        q = ecdsa.recover(DIGEST, r_ok, 1, recid)
        ecdsa.verify(q, DIGEST, r_ok, 1)
        _refused(
            lambda recid=recid: ecdsa.recover(DIGEST, P - N, 1, recid),
            "ECDSA recovery: x(R) = r + n is not below p",
        )
        _refused(
            lambda recid=recid: ecdsa.recover(DIGEST, P - N + 1, 1, recid),
            "ECDSA recovery: x(R) = r + n is not below p",
        )
        _refused(
            lambda recid=recid: ecdsa.recover(DIGEST, P - N - 1, 1, recid),
            "ECDSA recovery: r is not the x of a curve point",
        )
    for recid in (0, 1):
        _refused(
            lambda recid=recid: ecdsa.recover(DIGEST, 5, 1, recid),
            "ECDSA recovery: r is not the x of a curve point",
        )
    # the ranges come first: a high s is named before the recovery id, the curve or the identity
    _refused(lambda: ecdsa.recover(DIGEST, 5, N - 1, 0), "ECDSA s is not low (s > n/2)")
    _refused(lambda: ecdsa.recover(DIGEST, 5, N - 1, 4), "ECDSA s is not low (s > n/2)")
    _refused(lambda: ecdsa.recover(DIGEST, 0, 1, 0), "ECDSA r is not in [1, n-1]")
    _refused(lambda: ecdsa.recover(DIGEST, 1, 0, 0), "ECDSA s is not in [1, n-1]")


@pytest.mark.parametrize("backend", BACKENDS)
def test_recover_to_the_identity(backend: str) -> None:
    """s*R = e*G: Q = r^-1 (s R - e G) is the identity, which is no public key."""
    k = 31337
    R = Point.generator() * k
    xy = R.affine()
    assert xy is not None
    r, s = xy[0] % N, 3
    digest = (s * k % N).to_bytes(32, "big")
    _refused(
        lambda: ecdsa.recover(digest, r, s, xy[1] & 1, backend), "ECDSA recovery gives the identity"
    )
    other = ecdsa.recover(digest, r, s, (xy[1] & 1) ^ 1, backend)  # -R: 2 s R, not the identity
    assert other == R * (-2 * s * pow(r, -1, N) % N)


# --- BIP-340 verification --------------------------------------------------------------------

SK = (3).to_bytes(32, "big")
MSG = hashlib.sha256(b"zk-solvency bip340").digest()
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8


def test_tagged_hash_layout() -> None:
    for tag in ("BIP0340/challenge", "é", ""):
        t = hashlib.sha256(tag.encode("utf-8")).digest()
        for msg in (b"", b"m", bytearray(b"xyz")):
            assert bip340.tagged_hash(tag, msg) == hashlib.sha256(t + t + bytes(msg)).digest()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("public key", "ab" * 16, 32), "BIP-340 public key must be bytes, got str"),
        (("message", None, 32), "BIP-340 message must be bytes, got NoneType"),
        (("signature", b"\x00" * 63, 64), "BIP-340 signature must be 64 bytes, got 63"),
        (("signature", b"\x00" * 65, 64), "BIP-340 signature must be 64 bytes, got 65"),
        (("public key", b"", 32), "BIP-340 public key must be 32 bytes, got 0"),
    ],
)
def test_need_bytes_messages(args: tuple[str, object, int], message: str) -> None:
    with pytest.raises(FormatError) as info:
        bip340._need_bytes(*args)
    assert str(info.value) == message


def test_need_bytes_returns_bytes() -> None:
    out = bip340._need_bytes("message", bytearray(b"\x01" * 32), 32)
    assert out == b"\x01" * 32 and type(out) is bytes


@pytest.mark.parametrize("backend", BACKENDS)
def test_x_bytes_and_even_y(backend: str) -> None:
    g = Point.generator(backend)
    assert bip340._x_bytes(g) == GX.to_bytes(32, "big")
    assert bip340._x_bytes(-g) == GX.to_bytes(32, "big")
    assert bip340._has_even_y(g) is True and GY % 2 == 0
    assert bip340._has_even_y(-g) is False
    two = g * 2
    xy = two.affine()
    assert xy is not None
    assert bip340._has_even_y(two) is (xy[1] % 2 == 0)
    with pytest.raises(ValueError, match=r"^bytes\(P\) of the point at infinity$"):
        bip340._x_bytes(Point.identity(backend))
    with pytest.raises(ValueError, match=r"^has_even_y of the point at infinity$"):
        bip340._has_even_y(Point.identity(backend))


@pytest.mark.parametrize("backend", BACKENDS)
def test_lift_x_edges(backend: str) -> None:
    g = Point.generator(backend)
    assert bip340.lift_x(GX, backend) == g
    odd = g * 2 if (g * 2).affine()[1] % 2 else -(g * 2)  # type: ignore[index]
    xy = odd.affine()
    assert xy is not None and xy[1] % 2 == 1
    lifted = bip340.lift_x(xy[0], backend)
    assert lifted == -odd and lifted is not None and lifted.backend == backend
    for x in (-1, -GX, P, P + GX, 0, 5, P - 1):
        assert bip340.lift_x(x, backend) is None
    top = P - 3  # the largest x below p on the curve
    point = bip340.lift_x(top, backend)
    assert point is not None and point.affine() == (top, point.affine()[1])  # type: ignore[index]
    assert point.affine()[1] % 2 == 0  # type: ignore[index]
    assert bip340.lift_x(1, backend) is not None


def _bip340_messages(backend: str, pk: bytes, msg: bytes, sig: bytes) -> str:
    with pytest.raises(VerificationError) as info:
        bip340.verify(pk, msg, sig, backend)
    assert info.value.check == "bip340"
    return str(info.value)


def test_verify_refusals_name_the_step() -> None:
    """The generic code (python backend) names the step; libsecp256k1 says only whether."""
    pk = bip340.xonly_pubkey(SK)
    sig = bip340.sign(SK, MSG, b"\x00" * 32)
    for backend in BACKENDS:
        bip340.verify(pk, MSG, sig, backend)
        bip340.verify(bytearray(pk), bytearray(MSG), bytearray(sig), backend)
    lib = "BIP-340 signature does not verify"
    not_x = "BIP-340 public key is not the x-coordinate of a point"
    r_int = int.from_bytes(sig[:32], "big")
    s_int = int.from_bytes(sig[32:], "big")
    cases = [
        # (pk, msg, sig, python message, libsecp256k1 message)
        (pk, MSG[::-1], sig, "BIP-340 signature does not verify (x(R) != r)", lib),
        ((5).to_bytes(32, "big"), MSG, sig, not_x, not_x),
        (P.to_bytes(32, "big"), MSG, sig, not_x, not_x),
        ((P - 1).to_bytes(32, "big"), MSG, sig, not_x, not_x),
        (
            (P - 3).to_bytes(32, "big"),
            MSG,
            sig,
            "BIP-340 signature does not verify (R has odd y)",
            lib,
        ),
        (pk, MSG, P.to_bytes(32, "big") + sig[32:], "BIP-340 signature r is not below p", lib),
        (pk, MSG, sig[:32] + N.to_bytes(32, "big"), "BIP-340 signature s is not below n", lib),
        (
            pk,
            MSG,
            sig[:32] + (s_int + N).to_bytes(32, "big") if s_int + N < 2**256 else sig,
            "BIP-340 signature s is not below n" if s_int + N < 2**256 else "",
            lib,
        ),
        (pk, MSG, (r_int + 1).to_bytes(32, "big") + sig[32:], None, lib),
    ]
    for pk_, msg_, sig_, py_text, lib_text in cases:
        if py_text == "":
            continue
        got = _bip340_messages("python", pk_, msg_, sig_)
        if py_text is not None:
            assert got == py_text
        assert _bip340_messages("libsecp256k1", pk_, msg_, sig_) == lib_text


def test_verify_group_r_infinity_and_odd_y() -> None:
    """R = s G - e P at infinity (s = 0 and e = 0 cannot be arranged; s G = e P can: P = G,
    s = e) and R with odd y."""
    pk = GX.to_bytes(32, "big")  # P = G, secret key 1
    r = (1).to_bytes(32, "big")  # any r: the challenge depends on it
    e = int.from_bytes(bip340.tagged_hash("BIP0340/challenge", r + pk + MSG), "big") % N
    sig = r + e.to_bytes(32, "big")
    assert _bip340_messages("python", pk, MSG, sig) == (
        "BIP-340 signature does not verify (R is infinity)"
    )
    assert _bip340_messages("libsecp256k1", pk, MSG, sig) == "BIP-340 signature does not verify"
    # s = e + 1: R = G, whose y is even; s = e - 1: R = -G, odd y.
    sig_odd = r + ((e - 1) % N).to_bytes(32, "big")
    assert _bip340_messages("python", pk, MSG, sig_odd) == (
        "BIP-340 signature does not verify (R has odd y)"
    )
    sig_even = r + ((e + 1) % N).to_bytes(32, "big")
    assert _bip340_messages("python", pk, MSG, sig_even) == (
        "BIP-340 signature does not verify (x(R) != r)"
    )
    # the same R = G with r = x(G): a valid signature by the key 1, found without the nonce
    r_g = GX.to_bytes(32, "big")
    e_g = int.from_bytes(bip340.tagged_hash("BIP0340/challenge", r_g + pk + MSG), "big") % N
    good = r_g + ((e_g + 1) % N).to_bytes(32, "big")
    for backend in BACKENDS:
        bip340.verify(pk, MSG, good, backend)
        bip340._verify_group(pk, MSG, good, backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_verify_names_the_malformed_argument(backend: str) -> None:
    pk = bip340.xonly_pubkey(SK)
    sig = bip340.sign(SK, MSG, b"\x00" * 32)
    cases = [
        ((pk[:31], MSG, sig), "BIP-340 public key must be 32 bytes, got 31"),
        ((pk.hex(), MSG, sig), "BIP-340 public key must be bytes, got str"),
        ((pk, MSG + b"\x00", sig), "BIP-340 message must be 32 bytes, got 33"),
        ((pk, None, sig), "BIP-340 message must be bytes, got NoneType"),
        ((pk, MSG, sig[:63]), "BIP-340 signature must be 64 bytes, got 63"),
        ((pk, MSG, list(sig)), "BIP-340 signature must be bytes, got list"),
    ]
    for args, message in cases:
        with pytest.raises(FormatError) as info:
            bip340.verify(*args, backend)  # type: ignore[arg-type]
        assert str(info.value) == message
