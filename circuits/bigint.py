"""Big integers for field and scalar arithmetic: gmpy2's `mpz` when it is installed (an
accelerator), else Python's own `int`, with identical values, hence identical bytes.

`mpz(k)` converts, `invert(a, m)` is a^-1 mod m (a != 0 mod m), `powmod(a, e, m)` is a^e mod m.
ZKSOLVENCY_GMPY2=0 in the environment selects the plain-int fallback even when gmpy2 is
installed (the tests run the verifier's suite once that way; a browser under Pyodide runs it
for want of the compiled module).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["GMPY2", "invert", "mpz", "powmod"]

GMPY2_ENV = "ZKSOLVENCY_GMPY2"


def _int_invert(a: int, m: int) -> int:
    return pow(a, -1, m)


def _load() -> tuple[bool, Callable[[int], Any], Callable[[int, int], Any], Callable[..., Any]]:
    if os.environ.get(GMPY2_ENV, "1") != "0":
        try:
            import gmpy2
        except ImportError:
            pass
        else:
            return True, gmpy2.mpz, gmpy2.invert, gmpy2.powmod
    return False, int, _int_invert, pow


#: Whether gmpy2 accelerates this process.
GMPY2: bool
#: mpz(k): k as the fast integer type (gmpy2.mpz, else int itself). Typed as int: both behave
#: as ints under + - * // % << >> & | ** and comparisons, and int(v) gives a Python int back.
mpz: Callable[[int], int]
#: invert(a, m) = a^-1 mod m; raises ZeroDivisionError (gmpy2) or ValueError (int) if none.
invert: Callable[[int, int], int]
#: powmod(a, e, m) = a^e mod m.
powmod: Callable[[int, int, int], int]

GMPY2, mpz, invert, powmod = _load()
