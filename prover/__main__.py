"""python -m prover: the same as `solvency-prove`."""

import sys

from prover.cli import main

sys.exit(main())
