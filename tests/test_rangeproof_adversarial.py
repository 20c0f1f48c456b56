"""Adversarial table for range proofs: each mutation of a valid proof or statement next to the
exact error it must raise (SECURITY.md, "The verifier rejects")."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator

import pytest

from circuits import rangeproof as rp
from circuits.errors import FormatError, ParameterError, VerificationError
from circuits.group import N, P, Point, set_default_backend, sqrt_mod_p
from circuits.transcript import Transcript

LABEL = b"zk-solvency/test/rangeproof-adversarial"
N_BITS, M = 64, 1
LG = 6
SIZE = 688

# Byte offsets of the layout: A S T1 T2 | t_x t_x_blinding e_blinding | L0 R0 .. L5 R5 | a b
POINT_SLOTS = {"A": 0, "S": 33, "T1": 66, "T2": 99}
for _k in range(LG):
    POINT_SLOTS[f"L{_k}"] = 228 + 66 * _k
    POINT_SLOTS[f"R{_k}"] = 228 + 66 * _k + 33
SCALAR_SLOTS = {"t_x": 132, "t_x_blinding": 164, "e_blinding": 196, "a": 624, "b": 656}


def entropy(size: int) -> bytes:
    return hashlib.sha256(b"adversarial").digest()[:size]


@pytest.fixture(autouse=True)
def _libsecp() -> Iterator[None]:
    set_default_backend("libsecp256k1")
    yield
    set_default_backend(None)


@pytest.fixture(scope="module")
def valid() -> tuple[bytes, Point]:
    """A valid 64-bit proof of v = 1_000_000 (bytes) and its commitment."""
    set_default_backend("libsecp256k1")
    try:
        proof, (V,) = rp.prove([1_000_000], [424242], N_BITS, Transcript(LABEL), entropy=entropy)
    finally:
        set_default_backend(None)
    data = proof.to_bytes()
    assert len(data) == SIZE
    return data, V


def check_bytes(data: bytes, V: Point, label: bytes = LABEL) -> None:
    rp.verify(rp.RangeProof.from_bytes(data, N_BITS, M), [V], N_BITS, Transcript(label))


def test_layout_offsets(valid: tuple[bytes, Point]) -> None:
    data, _V = valid
    proof = rp.RangeProof.from_bytes(data, N_BITS, M)
    for name, off in POINT_SLOTS.items():
        pt = getattr(proof, name) if name[0] not in "LR" else getattr(proof, name[0])[int(name[1:])]
        assert data[off : off + 33] == pt.to_bytes()
    for name, off in SCALAR_SLOTS.items():
        assert int.from_bytes(data[off : off + 32], "big") == getattr(proof, name)


def test_valid_proof_verifies(valid: tuple[bytes, Point]) -> None:
    check_bytes(*valid)


# -------------------------------------------------------------------------------------------
# prover-side parameters


@pytest.mark.parametrize(
    ("values", "blindings", "n"),
    [
        ([2**64], [1], 64),
        ([-1], [1], 64),
        ([N - 1], [1], 64),
        ([256], [1], 8),
        ([True], [1], 8),
        ([1], [N], 8),
        ([1], [-1], 8),
        ([1, 2], [1], 8),
        ([1, 2, 3], [1, 2, 3], 8),
        ([], [], 8),
        ([1], [1], 7),
        ([1], [1], 256),
        ([0] * 2048, [1] * 2048, 8),
        ([0], [0], 8),  # the commitment would be the identity
    ],
)
def test_prove_rejects_parameters(values: list[int], blindings: list[int], n: int) -> None:
    with pytest.raises(ParameterError):
        rp.prove(values, blindings, n, Transcript(LABEL))


@pytest.mark.parametrize("value", [2**64, 2**64 + 5, N - 1])
def test_cheating_prover_out_of_range_fails(monkeypatch: pytest.MonkeyPatch, value: int) -> None:
    """A prover that skips its own range check still cannot convince the verifier."""
    monkeypatch.setattr(rp, "_check_inputs", lambda values, blindings, n: len(values))
    proof, commitments = rp.prove([value], [5], N_BITS, Transcript(LABEL))
    with pytest.raises(VerificationError) as err:
        rp.verify(proof, commitments, N_BITS, Transcript(LABEL))
    assert err.value.check == "rangeproof"


# -------------------------------------------------------------------------------------------
# bytes: every byte flipped, truncation, extension


def _region(i: int) -> str:
    for off in POINT_SLOTS.values():
        if off <= i < off + 33:
            return "point"
    return "scalar"


def _expected(mutated: bytes, i: int) -> type[Exception]:
    """The exact error for a proof whose byte i was changed."""
    if _region(i) == "point":
        off = next(o for o in POINT_SLOTS.values() if o <= i < o + 33)
        try:
            Point.from_bytes(mutated[off : off + 33])
        except FormatError:
            return FormatError
        return VerificationError
    off = next(o for o in SCALAR_SLOTS.values() if o <= i < o + 32)
    return FormatError if int.from_bytes(mutated[off : off + 32], "big") >= N else VerificationError


def _flip_and_check(data: bytes, V: Point, i: int, bit: int) -> tuple[str, str] | None:
    mutated = bytearray(data)
    mutated[i] ^= 1 << bit
    expected = _expected(bytes(mutated), i)
    try:
        check_bytes(bytes(mutated), V)
    except (FormatError, VerificationError) as e:
        if type(e) is not expected:
            return (f"byte {i} bit {bit}", f"{type(e).__name__} instead of {expected.__name__}")
        if isinstance(e, VerificationError) and e.check != "rangeproof":
            return (f"byte {i} bit {bit}", f"check {e.check}")
        return None
    return (f"byte {i} bit {bit}", "accepted")


def test_every_byte_flipped(valid: tuple[bytes, Point]) -> None:
    """Byte i has bit (i mod 8) flipped, so every bit position is exercised across the proof.
    Point bytes: FormatError exactly when the 33-byte slot no longer decodes (prefix not 02/03,
    x >= p, x off the curve), else VerificationError; scalar bytes: FormatError exactly when
    the scalar becomes >= n, else VerificationError (check "rangeproof")."""
    data, V = valid
    failures = [f for i in range(SIZE) if (f := _flip_and_check(data, V, i, i % 8))]
    assert failures == []


@pytest.mark.parametrize("i", [0, 1, 32, 132, 133, 228, 624, 687])
def test_every_bit_of_selected_bytes(valid: tuple[bytes, Point], i: int) -> None:
    data, V = valid
    failures = [f for bit in range(8) if (f := _flip_and_check(data, V, i, bit))]
    assert failures == []


def test_prefix_flip_02_03_is_a_verification_error(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    for off in POINT_SLOTS.values():
        mutated = bytearray(data)
        mutated[off] ^= 1  # 02 <-> 03: the negated point, still canonical
        with pytest.raises(VerificationError) as err:
            check_bytes(bytes(mutated), V)
        assert err.value.check == "rangeproof"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d[:-1],
        lambda d: d + b"\x00",
        lambda d: d[1:],
        lambda d: b"",
        lambda d: d + d,
        lambda d: d[:-33],
    ],
    ids=["truncated", "extended", "first-byte-dropped", "empty", "doubled", "one-point-short"],
)
def test_wrong_length_is_format_error(valid: tuple[bytes, Point], mutate) -> None:  # type: ignore[no-untyped-def]
    data, _V = valid
    with pytest.raises(FormatError):
        rp.RangeProof.from_bytes(mutate(data), N_BITS, M)


# -------------------------------------------------------------------------------------------
# non-canonical scalars and points


@pytest.mark.parametrize("slot", sorted(SCALAR_SLOTS))
@pytest.mark.parametrize("value", [N, N + 1, 2**256 - 1], ids=["n", "n+1", "2^256-1"])
def test_scalar_not_canonical(valid: tuple[bytes, Point], slot: str, value: int) -> None:
    data, _V = valid
    off = SCALAR_SLOTS[slot]
    mutated = data[:off] + value.to_bytes(32, "big") + data[off + 32 :]
    with pytest.raises(FormatError):
        rp.RangeProof.from_bytes(mutated, N_BITS, M)


def _x_off_curve() -> int:
    x = 5
    while sqrt_mod_p((x**3 + 7) % P) is not None:
        x += 1
    return x


def _x_on_curve() -> int:
    x = 1
    while sqrt_mod_p((x**3 + 7) % P) is None:
        x += 1
    return x


BAD_POINTS = {
    "prefix-00": b"\x00" + _x_on_curve().to_bytes(32, "big"),
    "prefix-04": b"\x04" + _x_on_curve().to_bytes(32, "big"),
    "prefix-05": b"\x05" + _x_on_curve().to_bytes(32, "big"),
    "prefix-06": b"\x06" + _x_on_curve().to_bytes(32, "big"),
    "prefix-07": b"\x07" + _x_on_curve().to_bytes(32, "big"),
    "prefix-ff": b"\xff" + _x_on_curve().to_bytes(32, "big"),
    "x=p": b"\x02" + P.to_bytes(32, "big"),
    "x=p+1": b"\x02" + (P + 1).to_bytes(32, "big"),  # x mod p = 1 would be on the curve
    "x=2^256-1": b"\x03" + (2**256 - 1).to_bytes(32, "big"),
    "x-off-curve": b"\x02" + _x_off_curve().to_bytes(32, "big"),
    "all-zero": b"\x00" * 33,
}


@pytest.mark.parametrize("slot", list(POINT_SLOTS))
@pytest.mark.parametrize("bad", list(BAD_POINTS))
def test_point_not_canonical(valid: tuple[bytes, Point], slot: str, bad: str) -> None:
    data, _V = valid
    off = POINT_SLOTS[slot]
    mutated = data[:off] + BAD_POINTS[bad] + data[off + 33 :]
    with pytest.raises(FormatError):
        rp.RangeProof.from_bytes(mutated, N_BITS, M)


@pytest.mark.parametrize("slot", list(POINT_SLOTS))
def test_identity_point_in_proof(valid: tuple[bytes, Point], slot: str) -> None:
    """The identity has no encoding, so it is put into the object directly."""
    data, V = valid
    proof = rp.RangeProof.from_bytes(data, N_BITS, M)
    zero = Point.identity()
    if slot[0] in "LR":
        vec = list(getattr(proof, slot[0]))
        vec[int(slot[1:])] = zero
        bad = dataclasses.replace(proof, **{slot[0]: tuple(vec)})
    else:
        bad = dataclasses.replace(proof, **{slot: zero})
    with pytest.raises(VerificationError) as err:
        rp.verify(bad, [V], N_BITS, Transcript(LABEL))
    assert err.value.check == "identity"
    with pytest.raises(FormatError):
        bad.to_bytes()


@pytest.mark.parametrize("field", sorted(SCALAR_SLOTS))
@pytest.mark.parametrize("value", [N, -1, 2**256])
def test_scalar_field_out_of_range_in_object(
    valid: tuple[bytes, Point], field: str, value: int
) -> None:
    proof = rp.RangeProof.from_bytes(valid[0], N_BITS, M)
    with pytest.raises(FormatError):
        dataclasses.replace(proof, **{field: value})


@pytest.mark.parametrize("field", sorted(SCALAR_SLOTS))
def test_scalar_field_changed_by_one(valid: tuple[bytes, Point], field: str) -> None:
    data, V = valid
    proof = rp.RangeProof.from_bytes(data, N_BITS, M)
    bad = dataclasses.replace(proof, **{field: (getattr(proof, field) + 1) % N})
    with pytest.raises(VerificationError) as err:
        rp.verify(bad, [V], N_BITS, Transcript(LABEL))
    assert err.value.check == "rangeproof"


# -------------------------------------------------------------------------------------------
# the statement: n, m, commitments, transcript


def test_wrong_n_or_m_when_decoding(valid: tuple[bytes, Point]) -> None:
    data, _V = valid
    for n, m in [(32, 1), (64, 2), (8, 1), (16, 1)]:
        with pytest.raises(FormatError):
            rp.RangeProof.from_bytes(data, n, m)
    for n, m in [(63, 1), (256, 1), (64, 3), (64, 0), (8, 2048), (128, 1024)]:
        with pytest.raises(ParameterError):
            rp.RangeProof.from_bytes(data, n, m)


def test_same_size_other_n_m_is_a_verification_error(valid: tuple[bytes, Point]) -> None:
    """n*m = 64 for (32, 2) and (16, 4): the bytes decode, but n and m are in the transcript."""
    data, V = valid
    for n, m in [(32, 2), (16, 4), (8, 8)]:
        proof = rp.RangeProof.from_bytes(data, n, m)
        with pytest.raises(VerificationError) as err:
            rp.verify(proof, [V] * m, n, Transcript(LABEL))
        assert err.value.check == "rangeproof"


def test_wrong_n_or_m_at_verification(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    proof = rp.RangeProof.from_bytes(data, N_BITS, M)
    for n, commitments in [(32, [V]), (64, [V, V]), (8, [V] * 4)]:
        with pytest.raises(VerificationError) as err:
            rp.verify(proof, commitments, n, Transcript(LABEL))
        assert err.value.check == "shape"
    for n, commitments in [(63, [V]), (65, [V]), (64, [V] * 3), (64, []), (0, [V])]:
        with pytest.raises(ParameterError):
            rp.verify(proof, commitments, n, Transcript(LABEL))


def test_len_L_differs_from_len_R(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    proof = rp.RangeProof.from_bytes(data, N_BITS, M)
    for bad in [
        dataclasses.replace(proof, L=proof.L[:-1]),
        dataclasses.replace(proof, R=proof.R[:-1]),
        dataclasses.replace(proof, L=(*proof.L, proof.L[0]), R=(*proof.R, proof.R[0])),
        dataclasses.replace(proof, L=(), R=()),
    ]:
        with pytest.raises(VerificationError) as err:
            rp.verify(bad, [V], N_BITS, Transcript(LABEL))
        assert err.value.check == "shape"


def test_other_commitment(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    G = Point.generator()
    for other in [V + G, V - G, V + V, G, rp.pedersen_h()]:
        with pytest.raises(VerificationError) as err:
            check_bytes(data, other)
        assert err.value.check == "rangeproof"


def test_identity_commitment(valid: tuple[bytes, Point]) -> None:
    data, _V = valid
    with pytest.raises(VerificationError) as err:
        check_bytes(data, Point.identity())
    assert err.value.check == "identity"


def test_other_transcript_label(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    with pytest.raises(VerificationError) as err:
        check_bytes(data, V, label=LABEL + b"-other")
    assert err.value.check == "rangeproof"


def test_extra_transcript_context(valid: tuple[bytes, Point]) -> None:
    data, V = valid
    t = Transcript(LABEL)
    t.append_message(b"round", b"2026-11")
    with pytest.raises(VerificationError) as err:
        rp.verify(rp.RangeProof.from_bytes(data, N_BITS, M), [V], N_BITS, t)
    assert err.value.check == "rangeproof"


def test_other_generator_digest(
    valid: tuple[bytes, Point], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, V = valid
    monkeypatch.setattr(rp, "GENERATORS_DIGEST", "11" * 32)
    with pytest.raises(VerificationError) as err:
        check_bytes(data, V)
    assert err.value.check == "rangeproof"


def test_proof_swapped_between_statements() -> None:
    p1, c1 = rp.prove([1], [2], 64, Transcript(LABEL))
    p2, c2 = rp.prove([1], [3], 64, Transcript(LABEL))
    with pytest.raises(VerificationError):
        rp.verify(p1, c2, 64, Transcript(LABEL))
    with pytest.raises(VerificationError):
        rp.verify(p2, c1, 64, Transcript(LABEL))


def test_aggregated_commitments_reordered() -> None:
    proof, commitments = rp.prove([1, 2], [3, 4], 32, Transcript(LABEL))
    with pytest.raises(VerificationError) as err:
        rp.verify(proof, commitments[::-1], 32, Transcript(LABEL))
    assert err.value.check == "rangeproof"


# -------------------------------------------------------------------------------------------
# batches


def _batch(count: int) -> list[tuple[rp.RangeProof, list[Point], int]]:
    out = []
    for j in range(count):
        n = (8, 64, 32, 16)[j % 4]
        proof, commitments = rp.prove([j], [j + 1], n, Transcript(LABEL))
        out.append((proof, commitments, n))
    return out


def test_batch_with_one_bad_proof_names_it() -> None:
    items = _batch(5)
    proof, commitments, n = items[3]
    items[3] = (dataclasses.replace(proof, t_x=(proof.t_x + 1) % N), commitments, n)
    with pytest.raises(VerificationError) as err:
        rp.batch_verify([(p, c, n, Transcript(LABEL)) for p, c, n in items])
    assert err.value.check == "rangeproof"
    assert "proof 3" in str(err.value)


def test_batch_with_swapped_commitments_fails() -> None:
    items = _batch(2)
    (p0, c0, n0), (p1, c1, n1) = items
    with pytest.raises(VerificationError) as err:
        rp.batch_verify([(p0, c1, n0, Transcript(LABEL)), (p1, c0, n1, Transcript(LABEL))])
    assert "proof 0" in str(err.value)


def test_batch_shape_and_identity_errors_name_the_proof() -> None:
    items = _batch(3)
    p, c, n = items[1]
    bad_shape = [(pp, cc, nn, Transcript(LABEL)) for pp, cc, nn in items]
    bad_shape[1] = (p, c, 32 if n != 32 else 64, Transcript(LABEL))
    with pytest.raises(VerificationError) as err:
        rp.batch_verify(bad_shape)
    assert err.value.check == "shape"
    assert "proof 1" in str(err.value)
    bad_id = [(pp, cc, nn, Transcript(LABEL)) for pp, cc, nn in items]
    bad_id[2] = (items[2][0], [Point.identity()], items[2][2], Transcript(LABEL))
    with pytest.raises(VerificationError) as err:
        rp.batch_verify(bad_id)
    assert err.value.check == "identity"
    assert "proof 2" in str(err.value)
    with pytest.raises(ParameterError):
        rp.batch_verify([(p, c * 3, n, Transcript(LABEL))])


def test_batch_two_bad_proofs_cancelling_is_not_possible() -> None:
    """Two proofs whose errors would cancel in an unweighted sum: +1 and -1 on t_x."""
    items = _batch(2)
    (p0, c0, n0), (p1, c1, n1) = items
    bad0 = dataclasses.replace(p0, a=(p0.a + 1) % N)
    bad1 = dataclasses.replace(p1, a=(p1.a - 1) % N)
    with pytest.raises(VerificationError):
        rp.batch_verify([(bad0, c0, n0, Transcript(LABEL)), (bad1, c1, n1, Transcript(LABEL))])
