"""Addresses and ownership signatures per chain (Bitcoin BIP-322, signmessage, BIP-340; Ethereum EIP-191)."""


def unavailable(what: str, primitive: str) -> str:
    """The sentence for a check this Python cannot make: a primitive it lacks (a Python with
    neither hashlib's RIPEMD-160 nor pycryptodome, where no provider is installed in
    verifier.ownership.hashes: Pyodide's core, without the page's @noble/hashes)."""
    return (
        f"{what} cannot be checked here: this Python has no {primitive}; check this statement "
        "with solvency-verify statement on a computer (pip install zk-solvency)"
    )
