#!/usr/bin/env bash
# Mutation campaign (docs/MUTATION.md): mutmut on verifier/ and the verification paths of
# circuits/, against the fast test selection of [tool.mutmut] in pyproject.toml.
#   scripts/mutation.sh                      # the critical modules (default list below)
#   scripts/mutation.sh "circuits.sigma*"    # mutants by name (mutmut's globs)
#   scripts/mutation.sh hand                 # only the hand mutants (scripts/hand_mutants.py)
#   ZKSOLVENCY_NATIVE=0 scripts/mutation.sh "circuits.rangeproof.x__replay*"
#                                            # the Python fallbacks of the native module's loops
# Needs: pip install -e '.[test,mutation]'. Takes hours for everything: run in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = hand ]; then
    exec python scripts/hand_mutants.py
fi
# rounds built once, by the unmutated prover, and reused by every mutant's tests
export ZKSOLVENCY_TEST_CACHE="${ZKSOLVENCY_TEST_CACHE:-$PWD/.mutation-cache}"
export HYPOTHESIS_PROFILE=ci
if [ "$#" -eq 0 ]; then
    set -- "verifier.liabilities*" "verifier.solvency*" "circuits.transcript*" "circuits.merkle*" \
        "circuits.sigma.x_verify*" "circuits.rangeproof.x__replay*" "circuits.rangeproof.x_verify*" \
        "circuits.rangeproof.x_batch_verify*" "circuits.rangeproof.x__final_msm*" \
        "circuits.rangeproof.xǁRangeProofǁ*" "circuits.rangeproof.x_check_parameters*" \
        "circuits.rangeproof.x__check_shape*" "circuits.rangeproof.x_delta*" "verifier.reserves_v1.*" \
        "circuits.pedersen*" "verifier.formats*" "verifier.jsonstrict.*" "verifier.ids.*" \
        "verifier.total.*" "verifier.reserves.*" "verifier.ownership.*" "verifier.chain.*" \
        "circuits.ecdsa.*" \
        "circuits.bip340.x_verify__*" "circuits.bip340.x__verify_*" "circuits.bip340.x_lift_x*" \
        "circuits.bip340.x_tagged_hash*" "circuits.bip340.x__need_bytes*" \
        "circuits.bip340.x__x_bytes*" "circuits.bip340.x__has_even_y*" \
        "verifier.history.*" "verifier.inputs.*" "verifier.units.*" "verifier.cli.*" \
        "verifier.version.*" "verifier.cliargs.*" "verifier.web.*" \
        "circuits.hash_to_curve.*" "circuits.generators.*"
fi
python -m mutmut run "$@"
python -m mutmut results
