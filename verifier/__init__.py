"""The standalone verifier: public formats with strict decoders, verification procedures and
the `solvency-verify` command. It never imports the prover."""
