"""The exchange's side: ingest, secrets, tree building, proofs, storage, publishing, and the
`solvency-prove` command."""
