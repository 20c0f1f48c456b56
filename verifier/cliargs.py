"""Command-line helpers shared by both commands: an option whose action is a callback
(`--version`, renamed options that warn, options a command refuses), and output streams that
print any text."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any

#: callback(parser, namespace, values, option string as typed)
Callback = Callable[[argparse.ArgumentParser, argparse.Namespace, Any, str], None]


class CallbackAction(argparse.Action):
    """Runs `callback` when the option is given (argparse's `action=`, with `callback=`)."""

    def __init__(
        self, option_strings: Sequence[str], dest: str, *, callback: Callback, **kwargs: Any
    ) -> None:
        self.callback = callback
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        self.callback(parser, namespace, values, option_string or self.option_strings[0])


def safe_output() -> None:
    """Let standard output and error print any text: a file name given on the command line may
    hold bytes that are not UTF-8 (lone surrogates once decoded), which a strict stream (e.g.
    PYTHONIOENCODING=utf-8) would refuse with a traceback; they print as \\udcff instead."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
