"""Mutation-campaign tests of verifier/ownership (docs/MUTATION.md, third campaign): forged and
malformed wallet signatures of every scheme, each refused with its exact error class, check and
message."""
