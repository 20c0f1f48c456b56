"""Hand mutants of the verifier's security checks (issue 11, section 1), each next to the test
that must kill it: `python scripts/hand_mutants.py [NAME...]` applies each mutant to the
working tree in turn, runs its tests, restores the file and prints KILLED or SURVIVED (exit 1
if any survived). The table is the record of docs/MUTATION.md, "Hand mutants"."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


RP = "circuits/rangeproof.py"
SIG = "circuits/sigma.py"
SOLV = "verifier/solvency.py"
LIAB = "verifier/liabilities.py"
T_RP = "tests/test_broken_checks_circuits.py"
T_VER = "tests/test_broken_checks_verifier.py"
T_AUD = "tests/test_audit_complete.py"

MUTANTS = (
    Mutant(
        "batch weights all 1",
        RP,
        "weight = vrng.scalar() if batched else 1",
        "weight = 1",
        (f"{T_RP}::test_batch_weights_out_of_range_proof_with_a_cancelling_proof",),
    ),
    Mutant(
        "combining challenge c = 1",
        RP,
        "c = vrng.scalar()",
        "c = 1; vrng.scalar()",
        (f"{T_RP}::test_combining_challenge_errors_moved_between_the_two_checks",),
    ),
    Mutant(
        "range proof: V not absorbed",
        RP,
        'transcript.append_point(b"V", V)',
        "pass",
        (f"{T_RP}::test_commitment_chosen_after_the_challenges",),
    ),
    Mutant(
        "sigma opening: C not absorbed",
        SIG,
        'transcript.append_message(b"dom-sep", OPENING_LABEL)\n    transcript.append_point(b"C", C)',
        'transcript.append_message(b"dom-sep", OPENING_LABEL)',
        (f"{T_RP}::test_opening_of_a_commitment_chosen_after_the_challenge",),
    ),
    Mutant(
        "sigma value: C not absorbed",
        SIG,
        'transcript.append_message(b"dom-sep", VALUE_LABEL)\n    transcript.append_point(b"C", C)',
        'transcript.append_message(b"dom-sep", VALUE_LABEL)',
        (f"{T_RP}::test_value_of_a_commitment_chosen_after_the_challenge",),
    ),
    Mutant(
        "sigma value: v not absorbed",
        SIG,
        'transcript.append_scalar(b"v", v)',
        "pass",
        (f"{T_RP}::test_value_chosen_after_the_challenge",),
    ),
    Mutant(
        "solvency: bound not tied to the signed wallets",
        SOLV,
        "if bound != solvency_bound(reserves_claim, p.bits):",
        "if False:",
        (f"{T_VER}::test_lowered_wallet_balances_with_the_old_bound_and_proof",),
    ),
    Mutant(
        "solvency: ratio bound replaced by the cap",
        SOLV,
        "c = ratio_bound(reserves_claim, p.bits)",
        "c = (1 << p.bits) - 1",
        (f"{T_VER}::test_ratio_proven_against_the_cap_instead_of_the_reserves",),
    ),
    Mutant(
        "solvency: verify_root removed",
        SOLV,
        "    verify_root(st)\n",
        "",
        (f"{T_VER}::test_solvency_checks_the_roots_range_proof",),
    ),
    Mutant(
        "audit: parent-is-the-sum check dropped",
        LIAB,
        "if commitments_bytes(sums) != commitments_bytes(node.commitments):",
        "if False:",
        (f"{T_VER}::test_audit_root_understated_by_one_unit",),
    ),
    Mutant(
        "audit: depth-1 node proofs skipped",
        LIAB,
        "if node.depth > 0:",
        "if node.depth > 1:",
        (f"{T_VER}::test_audit_depth_one_proofs_are_checked",),
    ),
    Mutant(
        "audit: orphan nodes accepted",
        LIAB,
        "if not {i >> 1 for i in below} <= set(here):",
        "if False:",
        (f"{T_VER}::test_audit_orphan_node",),
    ),
    Mutant(
        "inclusion: identity path node not refused",
        LIAB,
        'if any(c.is_identity() for c in cs):\n            raise VerificationError("a path node',
        'if False:\n            raise VerificationError("a path node',
        (f"{T_VER}::test_path_node_summing_to_the_identity",),
    ),
    Mutant(
        "formats: non-NFC user id accepted",
        "verifier/formats.py",
        "if norm != uid:",
        "if False:",
        (f"{T_VER}::test_non_nfc_user_id_in_a_proof",),
    ),
    Mutant(
        "formats: statement format string not checked",
        "verifier/formats.py",
        "version = STATEMENT_FORMATS.get(fmt) if isinstance(fmt, str) else None",
        "version = STATEMENT_FORMATS.get(fmt, 2) if isinstance(fmt, str) else 2",
        (f"{T_VER}::test_statement_of_another_format_version",),
    ),
    Mutant(
        "formats: duplicate asset in a binary proof",
        "verifier/formats.py",
        "if len({a.symbol for a in assets}) != k:",
        "if False:",
        (f"{T_VER}::test_duplicate_asset_in_a_binary_proof",),
    ),
    Mutant(
        "audit: childless inner node accepted without a padding proof",
        LIAB,
        "elif complete:",
        "elif False:",
        (f"{T_AUD}::test_pruned_subtree_is_refused",),
    ),
    Mutant(
        "audit: padding hash preimage not checked",
        LIAB,
        "if not hmac.compare_digest(padding_hash(node.depth, node.index, pad.salt), node.hash):",
        "if False:",
        (f"{T_AUD}::test_zero_balance_user_passed_off_as_padding",),
    ),
    Mutant(
        "audit: padding opening to zero not checked",
        LIAB,
        "if r == 0 or commit(0, r) != c:",
        "if False:",
        (f"{T_AUD}::test_wrong_padding_proof",),
    ),
)


def run(m: Mutant) -> tuple[bool, str]:
    """Apply `m`, run its tests, restore; (killed, why): killed when the tests failed, why the
    first error line pytest printed (DID NOT RAISE: the mutant accepted the forgery)."""
    path = REPO / m.file
    original = path.read_text(encoding="utf-8")
    if original.count(m.old) != 1:
        raise SystemExit(f"{m.name}: the text to mutate occurs {original.count(m.old)} times")
    try:
        path.write_text(original.replace(m.old, m.new), encoding="utf-8")
        res = subprocess.run(  # noqa: S603 (our own interpreter and test ids)
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *m.tests],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    why = next((line[1:].strip() for line in res.stdout.splitlines() if line.startswith("E ")), "")
    return res.returncode != 0, why


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or m.name in argv]
    survived = 0
    for m in chosen:
        killed, why = run(m)
        survived += not killed
        print(f"{'KILLED  ' if killed else 'SURVIVED'}  {m.name}  ({m.file})", flush=True)
        if why:
            print(f"          {why[:110]}", flush=True)
    print(f"{len(chosen) - survived}/{len(chosen)} hand mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
