"""python -m verifier: the same as `solvency-verify`."""

import sys

from verifier.cli import main

sys.exit(main())
