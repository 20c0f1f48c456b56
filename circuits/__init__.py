"""Proof systems shared by the prover and the verifier: group, hashes, transcript, proofs."""

from circuits.errors import FormatError, ParameterError, SolvencyError, VerificationError

PROTOCOL_VERSION = "zk-solvency/v1"

__all__ = [
    "PROTOCOL_VERSION",
    "FormatError",
    "ParameterError",
    "SolvencyError",
    "VerificationError",
]
