"""The key commands: `keygen` (a master secret or a statement-signing key, said which) and
`pubkey` (the x-only public key of a signing key or wallet key file, for the reserves file and
for users who pin the exchange's key)."""

from __future__ import annotations

import argparse

from circuits import bip340
from circuits.errors import ParameterError

KINDS = {
    "master": "master secret",
    "signing": "statement-signing key",
}


def public_key_hex(path: str) -> str:
    """The BIP-340 x-only public key (64 hex) of the 32-byte secret key file `path`."""
    from prover.solvency import load_exchange_key

    return bip340.xonly_pubkey(load_exchange_key(path, "secret key")).hex()


def cmd_keygen(args: argparse.Namespace) -> int:
    from prover.secrets import keygen

    keygen(args.out)
    if args.kind == "master":
        print(
            f"wrote a new master secret (32 random bytes) to {args.out} (mode 0600): every "
            "blinding, salt and position of your rounds derives from it; keep it offline and "
            "backed up, and give it to `build --secret`"
        )
        return 0
    try:
        pub = public_key_hex(args.out)
    except ParameterError:  # 32 random bytes >= the group order: probability about 2^-128
        raise ParameterError(
            f"{args.out}: the draw is not a valid key; delete the file and run again"
        ) from None
    print(
        f"wrote a new statement-signing key (BIP-340 secret key) to {args.out} (mode 0600): give "
        "it to `build --signing-key`"
    )
    print(f"its public key, which users pin with `solvency-verify --exchange-key`: {pub}")
    return 0


def cmd_pubkey(args: argparse.Namespace) -> int:
    print(public_key_hex(args.key))
    return 0


def add_key_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "keygen",
        help="write a new master secret or statement-signing key (mode 0600)",
        description="Write 32 random bytes to a new file (mode 0600, never overwritten), as a "
        "master secret (`build --secret`: it never leaves the exchange) or as the key that signs "
        "statements (`build --signing-key`; its public key is printed).",
    )
    p.add_argument("--out", required=True, help="the key file to create (never overwritten)")
    p.add_argument(
        "--kind",
        choices=list(KINDS),
        default="master",
        help="master: the round's master secret (default); signing: the statement-signing key",
    )
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser(
        "pubkey",
        help="print the public key (x-only hex) of a secret key file",
        description="Print the BIP-340 x-only public key (64 hex) of a 32-byte secret key file: "
        "the statement-signing key (users pin it with `solvency-verify --exchange-key`) or a "
        "wallet key (its 'pubkey' in the reserves file).",
    )
    p.add_argument("--key", required=True, help="the secret key file (mode 0600)")
    p.set_defaults(func=cmd_pubkey)
