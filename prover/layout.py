"""The round folder's layout: public outputs, per-user proofs and the exchange's private state,
each in its own subfolder, so that publishing one folder can never publish the others.

    ROUND/public/statement.json    publish (the site, anyone); report.html goes beside it
    ROUND/users/<user-key>.json    one private proof per user: hand each to its own user only
    ROUND/private/state.sqlite     the prover's store (balances, blindings): never leaves
    ROUND/private/manifest.json    input digest, counts, output digests (shows the user count)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verifier.history import PUBLIC_DIR, STATEMENT_NAME
from verifier.history import round_statement as round_statement

USERS_DIR = "users"
PRIVATE_DIR = "private"
REPORT_NAME = "report.html"
MANIFEST_NAME = "manifest.json"
STORE_NAME = "state.sqlite"


@dataclass(frozen=True)
class RoundLayout:
    """The paths of one round folder (the published one, or its staging folder)."""

    root: Path

    @property
    def public(self) -> Path:
        return self.root / PUBLIC_DIR

    @property
    def statement(self) -> Path:
        return self.public / STATEMENT_NAME

    @property
    def report(self) -> Path:
        return self.public / REPORT_NAME

    @property
    def users(self) -> Path:
        return self.root / USERS_DIR

    @property
    def private(self) -> Path:
        return self.root / PRIVATE_DIR

    @property
    def store(self) -> Path:
        return self.private / STORE_NAME

    @property
    def manifest(self) -> Path:
        return self.private / MANIFEST_NAME

    def user_proof(self, user_key_hex: str) -> Path:
        return self.users / f"{user_key_hex}.json"
