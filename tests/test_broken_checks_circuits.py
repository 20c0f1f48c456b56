"""Tests that would notice a broken check in circuits/ (issue 11, section 1): each forges what
a weakened verifier would accept (a batch weight set to 1, the combining challenge set to 1, V
or a sigma statement not absorbed) and asserts that the real verifier refuses it, with the
exact error. Independent of frozen bytes: the forgeries come from tests/forge.py, a dishonest
prover that deviates exactly where the mutant stops looking (docs/MUTATION.md lists the
mutants each test kills)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from forge import (
    bits,
    forge_rangeproof,
    opening_with_commitment_after_challenge,
    value_with_commitment_after_challenge,
    value_with_value_after_challenge,
)

from circuits import rangeproof as rp
from circuits import sigma
from circuits.errors import VerificationError
from circuits.generators import pedersen_h
from circuits.group import N, Point, msm, set_default_backend
from circuits.transcript import Transcript

LABEL = b"zk-solvency/test/broken-checks"
NB = 8  # small proofs: the forger is plain Python


@pytest.fixture(autouse=True)
def _libsecp() -> Iterator[None]:
    set_default_backend("libsecp256k1")
    yield
    set_default_backend(None)


def com(v: int, g: int) -> Point:
    return msm([v, g], [Point.generator(), pedersen_h()])


def assert_check(check: str, fn: object, *args: object) -> VerificationError:
    with pytest.raises(VerificationError) as exc:
        fn(*args)  # type: ignore[operator]
    assert exc.value.check == check, str(exc.value)
    return exc.value


def test_forger_is_faithful() -> None:
    """The forger with no deviation makes a proof the real verifier accepts (so a rejection
    below is caused by the deviation, not by the forger)."""
    v, g = 200, 77
    f = forge_rangeproof(NB, bits(v, NB), [g], Transcript(LABEL), commitments=[com(v, g)])
    rp.verify(f.proof, [com(v, g)], NB, Transcript(LABEL))
    rp.batch_verify([(f.proof, [com(v, g)], NB, Transcript(LABEL))])


def _out_of_range_and_its_canceller() -> list[tuple[rp.RangeProof, list[Point], int, Transcript]]:
    """Proof 0 claims V_0 = (2^n + 5)*G + g*H, out of range: the prover holds the bits of 5 and
    moves t_x by z^2*2^n so the range check holds; the inner-product check then fails by
    exactly R_0 = w*z^2*2^n*G, a point the prover knows. Proof 1, of an honest value, has A
    moved by -R_0, so its inner-product check fails by -R_0. The plain sum of the two checks
    is zero: only independent random weights per proof tell them apart."""
    g0 = 4242
    V0 = com((1 << NB) + 5, g0)
    f0 = forge_rangeproof(
        NB,
        bits(5, NB),
        [g0],
        Transcript(LABEL),
        commitments=[V0],
        seed=b"p0",
        tx_shift=lambda ch: ch["z"] * ch["z"] * (1 << NB) % N,
    )
    R0 = Point.generator() * (f0.ch["w"] * f0.ch["z"] % N * f0.ch["z"] % N * (1 << NB) % N)
    V1 = com(9, 99)
    f1 = forge_rangeproof(
        NB, bits(9, NB), [99], Transcript(LABEL), commitments=[V1], seed=b"p1", A_offset=-R0
    )
    return [
        (f0.proof, [V0], NB, Transcript(LABEL)),
        (f1.proof, [V1], NB, Transcript(LABEL)),
    ]


def test_batch_weights_out_of_range_proof_with_a_cancelling_proof() -> None:
    """Kills "every random weight set to 1" in batch_verify."""
    items = _out_of_range_and_its_canceller()
    err = assert_check("rangeproof", lambda: rp.batch_verify(items))
    assert str(err).startswith("proof 0: ")
    # each alone is refused too
    for proof, cs, n, _t in _out_of_range_and_its_canceller():
        assert_check("rangeproof", rp.verify, proof, cs, n, Transcript(LABEL))


def test_combining_challenge_errors_moved_between_the_two_checks() -> None:
    """Kills "the combining challenge c set to 1": t_x_blinding moved by -d and e_blinding by
    +d, so the range check fails by d*H and the inner-product check by -d*H. The verifier's
    check is c*(range) + (inner product): zero only when c = 1."""
    v, g = 17, 1234
    V = com(v, g)
    for d in (1, 12345, N - 7):
        f = forge_rangeproof(
            NB, bits(v, NB), [g], Transcript(LABEL), commitments=[V], txb_shift=-d, e_shift=d
        )
        assert_check("rangeproof", rp.verify, f.proof, [V], NB, Transcript(LABEL))
        err = assert_check(
            "rangeproof", lambda f=f: rp.batch_verify([(f.proof, [V], NB, Transcript(LABEL))])
        )
        assert str(err).startswith("proof 0: ")


def test_commitment_chosen_after_the_challenges() -> None:
    """Kills "V not absorbed" without frozen bytes (Frozen Heart): the forger never absorbs V,
    holds vectors that are not bits, and solves for V after seeing every challenge; V opens to
    a value far outside [0, 2^n). A verifier that absorbs V derives other challenges."""
    a_L = [2] + [0] * (NB - 1)  # not a bit vector
    f = forge_rangeproof(NB, a_L, [555], Transcript(LABEL), commitments=None, seed=b"frozen")
    V, v, _g = f.solved_commitment(NB)
    assert v >= 1 << NB  # a forgery of an out-of-range value
    assert_check("rangeproof", rp.verify, f.proof, [V], NB, Transcript(LABEL))
    assert_check("rangeproof", lambda: rp.batch_verify([(f.proof, [V], NB, Transcript(LABEL))]))


# --- sigma proofs ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [b"s1", b"s2", b"s3"])
def test_opening_of_a_commitment_chosen_after_the_challenge(seed: bytes) -> None:
    """Kills "C not absorbed" in the opening proof: C = e^-1 (s_v*G + s_r*H - R) for an R
    of unknown discrete log, which nobody can open."""
    C, proof = opening_with_commitment_after_challenge(LABEL, seed)
    assert_check("opening", sigma.verify_opening, proof, C, Transcript(LABEL))


@pytest.mark.parametrize("seed", [b"s1", b"s2", b"s3"])
def test_value_of_a_commitment_chosen_after_the_challenge(seed: bytes) -> None:
    """Kills "C not absorbed" in the value proof."""
    C, proof = value_with_commitment_after_challenge(LABEL, 1000, seed)
    assert_check("value", sigma.verify_value, proof, C, 1000, Transcript(LABEL))


@pytest.mark.parametrize("seed", [b"s1", b"s2", b"s3"])
def test_value_chosen_after_the_challenge(seed: bytes) -> None:
    """Kills "v not absorbed" in the value proof: C opens to v0, the proof claims
    v1 = v0 + e^-1, a value picked once e is known."""
    C, v1, proof = value_with_value_after_challenge(LABEL, 1000, 4321, seed)
    assert v1 != 1000
    assert_check("value", sigma.verify_value, proof, C, v1, Transcript(LABEL))


# --- sigma proofs: frozen bytes and input guards ---------------------------------------------

FROZEN_LABEL = b"zk-solvency/test/sigma-frozen"
#: Made once by this version (C = Com(1000, 4321), entropy 0x11 * 32): a change of any
#: transcript label or absorbed item changes the challenge and these stop verifying.
FROZEN_OPENING = (
    "0383554cef6744cc5081cd8204734075c2266c06dac0d107b7fa4d14f1e378dc1ea62a53e2e13d87e27cd80e86"
    "5275fadba668f3bb6297ffd65bd5d75ba8aa8111a0eff732bc45e8f29ff676882231513b351366be5a6c0a5df1"
    "0ca31b2883c2ea"
)
FROZEN_VALUE = (
    "026d166524e20a6421fb09c16c0c59288300f90dc18b2cb91eb8a33eb4b8cb4a2ddc0a44c3cd9839a45d3055d2"
    "64dc69b3b32e38c86c1519cba151cf91bc5f9bce"
)


def test_frozen_sigma_proofs_verify() -> None:
    C = com(1000, 4321)
    opening = sigma.OpeningProof.from_bytes(bytes.fromhex(FROZEN_OPENING))
    sigma.verify_opening(opening, C, Transcript(FROZEN_LABEL))
    value = sigma.ValueProof.from_bytes(bytes.fromhex(FROZEN_VALUE))
    sigma.verify_value(value, C, 1000, Transcript(FROZEN_LABEL))


def test_sigma_input_guards() -> None:
    from circuits.errors import FormatError, ParameterError

    opening = sigma.OpeningProof.from_bytes(bytes.fromhex(FROZEN_OPENING))
    value = sigma.ValueProof.from_bytes(bytes.fromhex(FROZEN_VALUE))
    for bad in ("not a point", None):
        with pytest.raises(ParameterError):
            sigma.verify_opening(opening, bad, Transcript(FROZEN_LABEL))  # type: ignore[arg-type]
        with pytest.raises(ParameterError):
            sigma.verify_value(value, bad, 1000, Transcript(FROZEN_LABEL))  # type: ignore[arg-type]
    for raw, cls, size in (
        (FROZEN_OPENING, sigma.OpeningProof, 97),
        (FROZEN_VALUE, sigma.ValueProof, 65),
    ):
        for data in (bytes.fromhex(raw) + b"\x00", bytes.fromhex(raw)[:-1]):
            with pytest.raises(FormatError) as exc:
                cls.from_bytes(data)
            assert str(exc.value).endswith(f"proof must be {size} bytes")
    for k in (True, -1, N):
        with pytest.raises(FormatError):
            sigma.OpeningProof(opening.R, k, 1)
        with pytest.raises(FormatError):
            sigma.ValueProof(value.R, k)


# --- mutmut survivors of verify / batch_verify (docs/MUTATION.md, campaign) ------------------


def _honest(v: int, g: int) -> tuple[rp.RangeProof, list[Point]]:
    proof, cs = rp.prove([v], [g], NB, Transcript(LABEL))
    return proof, list(cs)


def test_exact_messages_of_verify_and_batch_verify() -> None:
    """The messages name the failed proof by its index in the batch, and the parameter error
    of a batch names it too."""
    good, V = _honest(17, 1234)
    f = forge_rangeproof(
        NB, bits(9, NB), [99], Transcript(LABEL), commitments=[com(9, 99)], e_shift=1
    )
    err = assert_check("rangeproof", rp.verify, f.proof, [com(9, 99)], NB, Transcript(LABEL))
    assert str(err) == "range proof does not verify"
    items = [(good, V, NB, Transcript(LABEL)), (f.proof, [com(9, 99)], NB, Transcript(LABEL))]
    err = assert_check("rangeproof", lambda: rp.batch_verify(items))
    assert str(err) == "proof 1: range proof does not verify"
    from circuits.errors import ParameterError

    with pytest.raises(ParameterError) as exc:
        rp.batch_verify([(good, V, NB, Transcript(LABEL)), (good, V, 7, Transcript(LABEL))])
    assert str(exc.value).startswith("proof 1: n_bits must be one of (8, 16")


def test_batch_failure_that_no_single_proof_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of batch_verify (the batch fails, every proof alone verifies: only a
    broken msm or weights could do that) still raises the range-proof check."""
    real = rp._final_msm
    monkeypatch.setattr(
        rp, "_final_msm", lambda terms, b: Point.generator() if len(terms) > 1 else real(terms, b)
    )
    good, V = _honest(17, 1234)
    items = [(good, V, NB, Transcript(LABEL)) for _ in range(2)]
    err = assert_check("rangeproof", lambda: rp.batch_verify(items))
    assert str(err) == "batch of range proofs does not verify"


def test_batch_weights_come_from_the_entropy_given() -> None:
    """batch_verify draws its weights from the caller's entropy (tests inject a seeded one;
    the default is os.urandom)."""
    calls: list[int] = []

    def entropy(n: int) -> bytes:
        calls.append(n)
        return b"\x01" * n

    good, V = _honest(17, 1234)
    rp.batch_verify([(good, V, NB, Transcript(LABEL))], entropy=entropy)
    assert calls == [32]


def test_sigma_exact_messages() -> None:
    """Every refusal of the sigma verifier and decoders says what was wrong, exactly."""
    from circuits.errors import FormatError, ParameterError

    opening = sigma.OpeningProof.from_bytes(bytes.fromhex(FROZEN_OPENING))
    value = sigma.ValueProof.from_bytes(bytes.fromhex(FROZEN_VALUE))
    C = com(1000, 4321)
    nothing: Any = None  # not a Point
    raises: list[tuple[type[Exception], str, object]] = [
        (
            ParameterError,
            "verify_opening takes an OpeningProof and a Point",
            lambda: sigma.verify_opening(opening, nothing, Transcript(FROZEN_LABEL)),
        ),
        (
            ParameterError,
            "verify_value takes a ValueProof and a Point",
            lambda: sigma.verify_value(value, nothing, 1000, Transcript(FROZEN_LABEL)),
        ),
        (
            ParameterError,
            "v must be an integer in [0, n)",
            lambda: sigma.verify_value(value, C, -1, Transcript(FROZEN_LABEL)),
        ),
        (
            VerificationError,
            "opening proof does not verify",
            lambda: sigma.verify_opening(opening, C, Transcript(LABEL)),
        ),
        (
            VerificationError,
            "value proof does not verify",
            lambda: sigma.verify_value(value, C, 1000, Transcript(LABEL)),
        ),
        (FormatError, "R must be a Point", lambda: sigma.OpeningProof(nothing, 1, 1)),
        (FormatError, "R must be a Point", lambda: sigma.ValueProof(nothing, 1)),
        (FormatError, "s_v must be a scalar in [0, n)", lambda: sigma.OpeningProof(C, N, 1)),
        (FormatError, "s_r must be a scalar in [0, n)", lambda: sigma.OpeningProof(C, 1, N)),
        (FormatError, "s must be a scalar in [0, n)", lambda: sigma.ValueProof(C, N)),
    ]
    for cls, text, fn in raises:
        with pytest.raises(cls) as exc:
            fn()  # type: ignore[operator]
        assert str(exc.value) == text


# --- circuits.rangeproof: parameters, decoding and scalar helpers, exactly (session 4) -------


def _raises(cls: type[Exception], text: str, fn: object) -> None:
    with pytest.raises(cls) as exc:
        fn()  # type: ignore[operator]
    assert type(exc.value) is cls
    assert str(exc.value) == text


def test_rangeproof_parameter_errors_exact() -> None:
    from circuits.errors import ParameterError

    bits = "n_bits must be one of (8, 16, 32, 64, 128), got "
    aggr = "m must be a power of two in [1, 1024], got "
    for n_bits, shown in [(7, "7"), (256, "256"), (True, "True"), ("8", "'8'"), (8.0, "8.0")]:
        _raises(ParameterError, bits + shown, lambda n_bits=n_bits: rp.check_parameters(n_bits, 1))
    for m, shown in [(0, "0"), (1025, "1025"), (-1, "-1"), (True, "True"), (1.0, "1.0")]:
        _raises(ParameterError, aggr + shown, lambda m=m: rp.check_parameters(8, m))
    _raises(ParameterError, "m must be a power of two, got 3", lambda: rp.check_parameters(8, 3))
    _raises(
        ParameterError, "m must be a power of two, got 1023", lambda: rp.check_parameters(8, 1023)
    )
    _raises(
        ParameterError,
        "n*m = 131072 exceeds the generator table (65536)",
        lambda: rp.check_parameters(128, 1024),
    )
    assert rp.check_parameters(8, 1) == 3
    assert rp.check_parameters(8, 1024) == 13
    assert rp.check_parameters(64, 1024) == 16
    assert rp.check_parameters(128, 512) == 16
    assert rp.check_parameters(16, 2) == 5
    assert [rp.proof_size(n, 1) for n in rp.ALLOWED_BITS] == [490, 556, 622, 688, 754]
    assert rp.proof_size(8, 2) == 556
    assert rp.proof_size(128, 512) == 36 * 33 + 160
    _raises(ParameterError, bits + "12", lambda: rp.proof_size(12, 1))


def test_rangeproof_object_and_decoding_errors_exact() -> None:
    from circuits.errors import FormatError

    proof, _V = _honest(17, 1234)
    data = proof.to_bytes()
    assert len(data) == 490
    again = rp.RangeProof.from_bytes(bytearray(data), NB, 1)
    assert again == proof and again.to_bytes() == data
    # the layout: A, S, T1, T2, t_x, t_x_blinding, e_blinding, (L_k, R_k)..., a, b
    pts = [proof.A, proof.S, proof.T1, proof.T2]
    head = b"".join(p.to_bytes() for p in pts)
    scal = b"".join(
        k.to_bytes(32, "big") for k in (proof.t_x, proof.t_x_blinding, proof.e_blinding)
    )
    lr = b"".join(L.to_bytes() + R.to_bytes() for L, R in zip(proof.L, proof.R, strict=True))
    tail = proof.a.to_bytes(32, "big") + proof.b.to_bytes(32, "big")
    assert data == head + scal + lr + tail
    _raises(
        FormatError,
        "range proof must be bytes",
        lambda: rp.RangeProof.from_bytes(data.hex(), NB, 1),
    )  # type: ignore[arg-type]
    _raises(
        FormatError,
        "range proof for n=8, m=1 must be 490 bytes, got 489",
        lambda: rp.RangeProof.from_bytes(data[:-1], NB, 1),
    )
    _raises(
        FormatError,
        "range proof for n=16, m=1 must be 556 bytes, got 490",
        lambda: rp.RangeProof.from_bytes(data, 16, 1),
    )
    # the object: points, scalars, L and R kept as tuples
    as_lists = dataclasses.replace(proof, L=list(proof.L), R=list(proof.R))
    assert type(as_lists.L) is tuple and type(as_lists.R) is tuple and as_lists == proof
    nothing: Any = b"\x02" * 33
    for name in ("A", "S", "T1", "T2"):
        _raises(
            FormatError,
            f"{name} must be a Point",
            lambda name=name: dataclasses.replace(proof, **{name: nothing}),
        )
    for vec in ("L", "R"):
        bad = (*getattr(proof, vec)[:-1], nothing)
        _raises(
            FormatError,
            "L and R must hold Points",
            lambda vec=vec, bad=bad: dataclasses.replace(proof, **{vec: bad}),
        )
    for name in ("t_x", "t_x_blinding", "e_blinding", "a", "b"):
        for k in (N, -1, True, "1", 1.0):
            _raises(
                FormatError,
                f"{name} must be a scalar in [0, n)",
                lambda name=name, k=k: dataclasses.replace(proof, **{name: k}),
            )
        assert getattr(dataclasses.replace(proof, **{name: N - 1}), name) == N - 1
        assert getattr(dataclasses.replace(proof, **{name: 0}), name) == 0
    uneven = dataclasses.replace(proof, R=proof.R[:-1])
    with pytest.raises(ValueError, match="zip"):
        uneven.to_bytes()


def test_rangeproof_shape_and_input_errors_exact() -> None:
    from circuits.errors import ParameterError

    proof, V = _honest(17, 1234)
    t = Transcript(LABEL)
    _raises(
        ParameterError, "proof must be a RangeProof", lambda: rp.verify(proof.to_bytes(), V, NB, t)
    )  # type: ignore[arg-type]
    _raises(
        ParameterError,
        "commitments must be Points",
        lambda: rp.verify(proof, [V[0].to_bytes()], NB, t),
    )  # type: ignore[list-item]
    _raises(
        ParameterError, "m must be a power of two, got 3", lambda: rp.verify(proof, V * 3, NB, t)
    )
    for L, R, shown in [
        (proof.L[:-1], proof.R, "2 L and 3 R"),
        (proof.L, proof.R[:-1], "3 L and 2 R"),
        ((*proof.L, proof.L[0]), (*proof.R, proof.R[0]), "4 L and 4 R"),
    ]:
        bad = dataclasses.replace(proof, L=L, R=R)
        err = assert_check("shape", rp.verify, bad, V, NB, Transcript(LABEL))
        assert str(err) == (f"inner-product argument has {shown} points, expected log2(n*m) = 3")
    # the prover's input checks (rp.prove calls them first)
    _raises(ParameterError, "2 values but 1 blindings", lambda: rp._check_inputs([1, 2], [3], NB))
    _raises(
        ParameterError,
        "value 1 is outside [0, 2^8)",
        lambda: rp._check_inputs([0, 256], [1, 1], NB),
    )
    _raises(ParameterError, "value 0 is outside [0, 2^8)", lambda: rp._check_inputs([-1], [1], NB))
    _raises(
        ParameterError, "value 0 is outside [0, 2^8)", lambda: rp._check_inputs([True], [1], NB)
    )
    _raises(ParameterError, "value 0 is outside [0, 2^8)", lambda: rp._check_inputs([1.0], [1], NB))
    _raises(
        ParameterError, "blinding 1 is outside [0, q)", lambda: rp._check_inputs([1, 1], [1, N], NB)
    )
    _raises(ParameterError, "blinding 0 is outside [0, q)", lambda: rp._check_inputs([1], [-1], NB))
    _raises(
        ParameterError, "blinding 0 is outside [0, q)", lambda: rp._check_inputs([1], [False], NB)
    )
    _raises(
        ParameterError,
        "m must be a power of two, got 3",
        lambda: rp._check_inputs([1] * 3, [1] * 3, NB),
    )
    assert rp._check_inputs([0, 255], [0, N - 1], NB) == 2


def test_rangeproof_scalar_helpers() -> None:
    assert rp._log2_exact(1) == 0 and rp._log2_exact(2048) == 11
    assert rp._powers(3, 4) == [1, 3, 9, 27]
    assert rp._powers(N - 1, 3) == [1, N - 1, 1]
    assert rp._powers(5, 1) == [1] and rp._powers(5, 0) == []
    assert rp._powers(2, 300)[-1] == pow(2, 299, N)
    assert rp._inv(3) * 3 % N == 1 and rp._inv(N - 1) == N - 1 and rp._inv(1) == 1
    assert type(rp._inv(3)) is int
    assert rp._inner_mpz([1, 2], [3, 4]) == 11 and rp._inner_mpz([N - 1], [N - 1]) == 1
    with pytest.raises(ValueError, match="zip"):
        rp._inner_mpz([1], [1, 2])
    assert rp._geometric_sum(2, 5) == 31
    assert rp._geometric_sum(1, 5) == 5 and rp._geometric_sum(N + 1, 5) == 5
    assert rp._geometric_sum(1, N + 3) == 3
    assert rp._geometric_sum(0, 3) == 1 and rp._geometric_sum(N - 1, 3) == 1
    assert rp._geometric_sum(7, 1) == 1 and rp._geometric_sum(7, 0) == 0
    big = 2**200 + 12345
    assert rp._geometric_sum(big, 4) == sum(pow(big, i, N) for i in range(4)) % N
    xs = [2, 3, N - 1, 2**255 % N, 7]
    assert rp._batch_invert(xs) == [pow(x, -1, N) for x in xs]
    assert rp._batch_invert([5]) == [pow(5, -1, N)] and rp._batch_invert([]) == []
    assert rp._scalar_bytes([1, N - 1]) == (1).to_bytes(32, "big") + (N - 1).to_bytes(32, "big")
    assert rp._scalar_bytes([]) == b""
    for y, z, n, m in [(12345, 67890, 8, 4), (1, 5, 16, 2), (N + 1, 1, 8, 1), (2, 3, 128, 1)]:
        sum_y = sum(pow(y, i, N) for i in range(n * m))
        sum_2 = (1 << n) - 1
        sum_z = sum(pow(z, j + 3, N) for j in range(m))
        assert rp.delta(y, z, n, m) == ((z - z * z) * sum_y - sum_z * sum_2) % N, (y, z, n, m)


def test_rangeproof_statement_bytes() -> None:
    """_append_statement absorbs the label, n, m, the generators' digest and every V in order
    (PROTOCOL 5.2), recomputed here with the transcript's own primitives."""
    from circuits.generators import GENERATORS_DIGEST

    Vs = [com(3, 4), com(5, 6)]
    t = Transcript(LABEL)
    rp._append_statement(t, 16, 2, Vs)
    u = Transcript(LABEL)
    u.append_message(b"dom-sep", rp.RANGEPROOF_LABEL)
    u.append_u64(b"n", 16)
    u.append_u64(b"m", 2)
    u.append_message(b"generators", bytes.fromhex(GENERATORS_DIGEST))
    u.append_point(b"V", Vs[0])
    u.append_point(b"V", Vs[1])
    assert t.challenge_bytes(b"x", 32) == u.challenge_bytes(b"x", 32)
