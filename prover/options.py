"""Command-line options renamed for clarity, whose old spellings keep working for one release
with a warning on standard error (README, "Renamed options"), and options a command refuses."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from circuits.errors import ParameterError
from verifier.cliargs import CallbackAction

#: Old spelling -> (new spelling, why), per subcommand where the old one is kept.
RENAMED = {
    "--exchange-key": (
        "--signing-key",
        "it names the secret key file that signs the statement; in solvency-verify "
        "--exchange-key is the exchange's public key",
    ),
    "--out": ("--round-dir", "here it names an existing round's folder, an input"),
}


def _renamed(
    _parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str
) -> None:
    new, why = RENAMED[option]
    print(
        f"warning: {option} is deprecated, use {new} ({why}); the old spelling will be removed "
        "in the next release",
        file=sys.stderr,
    )
    setattr(namespace, new.lstrip("-").replace("-", "_"), values)


def refuse(p: argparse.ArgumentParser | Any, option: str, command: str, reason: str) -> None:
    """Make `option` a usage error (exit 2) of `command` that says why it is not taken."""

    def fail(parser: argparse.ArgumentParser, _ns: argparse.Namespace, _v: Any, opt: str) -> None:
        parser.error(f"{opt} is not an option of {command}: {reason}")

    p.add_argument(option, action=CallbackAction, callback=fail, nargs="?", help=argparse.SUPPRESS)


def add_renamed(
    p: argparse.ArgumentParser | Any, new: str, old: str, *, required: bool = False, **kwargs: Any
) -> None:
    """Add option `new` and its deprecated spelling `old` (same dest). `required` is checked
    by `require` after parsing, so that either spelling satisfies it."""
    dest = new.lstrip("-").replace("-", "_")
    if required:
        kwargs["help"] = kwargs.get("help", "") + " (required)"
    p.add_argument(new, dest=dest, default=None, **kwargs)
    p.add_argument(
        old,
        dest=dest,
        action=CallbackAction,
        callback=_renamed,
        metavar=kwargs.get("metavar"),
        help=argparse.SUPPRESS,
    )


def require(args: argparse.Namespace, new: str, what: str) -> Any:
    """The value of option `new`, or ParameterError naming it if neither spelling was given."""
    value = getattr(args, new.lstrip("-").replace("-", "_"), None)
    if value is None:
        raise ParameterError(f"{new} is required: {what}")
    return value
