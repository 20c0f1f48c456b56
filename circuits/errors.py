"""The project's three error kinds, under one base class (see docs/PROTOCOL.md, "Errors")."""

from __future__ import annotations


class SolvencyError(Exception):
    """Base class of every error this project raises on purpose."""


class FormatError(SolvencyError):
    """Bytes or text that do not decode: wrong length, non-canonical encoding, bad JSON."""


class VerificationError(SolvencyError):
    """A well-formed proof that does not verify. `check` names the check that failed."""

    def __init__(self, message: str, check: str = "proof") -> None:
        super().__init__(message)
        self.check = check


class ParameterError(SolvencyError):
    """Parameters outside what the protocol supports (n, m, height, a value out of range)."""
