"""Addresses and ownership signatures per chain (Bitcoin BIP-322, signmessage, BIP-340; Ethereum EIP-191)."""


def unavailable(what: str, primitive: str) -> str:
    """The sentence for a check this Python cannot make: a primitive it lacks (the browser
    page's Pyodide core has neither RIPEMD-160 nor keccak-256)."""
    return (
        f"{what} cannot be checked here: this Python has no {primitive}; check this statement "
        "with solvency-verify statement on a computer (pip install zk-solvency)"
    )
