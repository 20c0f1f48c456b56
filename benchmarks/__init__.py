"""Benchmarks of zk-solvency (issue 2): a grid runner per subject, CSV results with provenance.

Run `python -m benchmarks --help`. Results go to benchmarks/results/<name>.csv (not committed).
"""
