"""Mutation-campaign tests of verifier/reserves.py (docs/MUTATION.md, third campaign): reserves
v2 documents at the edges of each rule, every refusal with its exact error class, check and
message."""
