"""Bounded reading of untrusted input files, and naming what a file is when it is not what a
command expects.

* `read_bounded` reads a regular file of at most `limit` bytes: it never trusts the size the
  file system reports (it reads at most `limit + 1` bytes), refuses devices, FIFOs, sockets and
  folders without blocking on them (`/dev/zero`, a named pipe), and names the file in every
  error.
* `bounded_lines` yields the lines of a binary stream, each read with `readline(limit + 2)`:
  a line longer than the limit (a gigabyte without a newline) is refused after `limit + 2`
  bytes, never read whole.
* `sniff` names the kind of a file from its first bytes and top-level keys (a statement, an
  inclusion proof, an audit line, a reserves file, an image, ...), and `wrong_kind` builds the
  message "<file>: this is <what it is>, not <what was expected>: <hint>".
* `load_statement` and `load_inclusion` read and decode the public files with both; a proof is
  checked against the statement's round and parameters as soon as its header is read.
* `audit_levels` reads an audit bundle's nodes.jsonl with bounded lines, level by level, and
  refuses anything after the root line; `check_bundle_root` refuses, before any verification,
  a bundle whose root is not the statement's (another round's or exchange's bundle).

This module is part of the verifier: it imports nothing from `prover/`.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from circuits.errors import FormatError
from verifier.formats import (
    MAX_AUDIT_LINE_BYTES,
    MAX_PROOF_BYTES,
    MAX_STATEMENT_BYTES,
    AuditNode,
    InclusionProof,
    Params,
    Statement,
    parse_audit_line,
    parse_inclusion,
    parse_statement,
)

__all__ = [
    "KINDS",
    "audit_levels",
    "bounded_lines",
    "check_bundle_root",
    "load_inclusion",
    "load_statement",
    "open_regular",
    "read_bounded",
    "sniff",
    "wrong_kind",
]


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open `path` for binary reading if it is a regular file; FormatError otherwise.

    The file is opened with O_NONBLOCK, so opening a FIFO does not wait for a writer, and
    checked with fstat on the open descriptor (no race between the check and the read)."""
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FormatError(f"{name}: cannot read: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FormatError(f"{name}: {_kind_of_mode(mode)}, expected a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file `path`, refused if it holds more than `limit` bytes.

    Reads at most `limit + 1` bytes whatever size the file system reports."""
    name = os.fspath(path)
    with open_regular(name) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise FormatError(f"{name}: cannot read: {exc.strerror}") from None
    if len(data) > limit:
        raise FormatError(f"{name}: more than the limit of {limit:,} bytes")
    return data


def bounded_lines(f: BinaryIO, limit: int, source: str) -> Iterator[tuple[int, bytes]]:
    """(line number, line without its final newline) for each line of `f`.

    A line longer than `limit` bytes is refused as soon as `limit + 2` bytes of it were read
    (room for a CRLF), so memory stays bounded whatever the input."""
    number = 0
    while True:
        line = f.readline(limit + 2)
        if not line:
            return
        number += 1
        if line.endswith(b"\n"):
            line = line[:-1]
        if len(line) > limit:
            raise FormatError(f"{source}:{number}: line longer than the limit of {limit:,} bytes")
        yield number, line


# --- what a file is --------------------------------------------------------------------------

#: Kinds `sniff` names, with the phrase used in messages.
KINDS = {
    "statement": "a round's statement (statement.json)",
    "inclusion": "a user's inclusion proof (JSON)",
    "inclusion-binary": "a user's inclusion proof (binary)",
    "audit-line": "a node line of an audit bundle (nodes.jsonl)",
    "reserves": "a reserves file",
    "manifest": "a round's manifest (manifest.json)",
    "empty": "an empty file",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "pdf": "a PDF document",
    "zip": "a ZIP archive",
    "gzip": "a gzip archive",
    "html": "an HTML page",
    "json": "a JSON document of unknown kind",
    "json-value": "a JSON document whose top level is not an object",
    "text": "a text file that is not JSON",
    "binary": "a binary file of unknown kind",
}

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"ZKSP", "inclusion-binary"),
)

#: Format strings by prefix, so that a version this verifier does not read is still named.
_FORMATS = {
    "zk-solvency/statement/": "statement",
    "zk-solvency/inclusion/": "inclusion",
}


def _first_json(data: bytes) -> tuple[bool, object]:
    """(True, the top-level JSON value of `data`, or the object on its first line as in a JSON
    Lines file), or (False, None). Only used to name a file that was already refused, so plain
    `json` is enough; size is bounded by the caller."""
    for whole, chunk in ((True, data), (False, data.split(b"\n", 1)[0])):
        try:
            value = json.loads(chunk.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if whole or isinstance(value, dict):
            return True, value
    return False, None


def sniff(data: bytes) -> str:
    """The kind of a file (a key of KINDS), from its magic bytes or its top-level JSON keys."""
    if not data.strip():
        return "empty"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    is_json, obj = _first_json(data[: 16 * 1024 * 1024])
    if is_json and not isinstance(obj, dict):
        return "json-value"
    if isinstance(obj, dict):
        fmt = obj.get("format")
        for prefix, kind in _FORMATS.items():
            if isinstance(fmt, str) and fmt.startswith(prefix):
                return kind
        if "depth" in obj and "index" in obj and "commitments" in obj:
            return "audit-line"
        if "assets" in obj and "exchange" in obj and "round" in obj:
            return "reserves"
        if "input_sha256" in obj or "outputs" in obj:
            return "manifest"
        return "json"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "text"


_HINTS = {
    "statement": "the statement is statement.json of the round's folder (or the exchange's site)",
    "inclusion": "your proof is the file users/<your user key>.json the exchange gave you "
    "(`solvency-verify user-key` prints the key)",
    "audit": "an audit bundle is the folder written by `solvency-prove export-audit`",
    "reserves": "a reserves file lists the exchange's wallets (see README, 'Reserves')",
}


def wrong_kind(source: str, data: bytes, expected: str, hint_key: str | None = None) -> FormatError:
    """FormatError "<source>: this is <kind>, not <expected>[: <hint>]" for a refused file."""
    kind = KINDS[sniff(data)]
    hint = _HINTS.get(hint_key or "")
    return FormatError(f"{source}: this is {kind}, not {expected}" + (f"; {hint}" if hint else ""))


# --- the public files, read and decoded ------------------------------------------------------


def load_statement(path: str) -> Statement:
    """Read and decode a statement; a file of another kind is named as such."""
    data = read_bounded(path, MAX_STATEMENT_BYTES)
    try:
        return parse_statement(data, path)
    except FormatError:
        if sniff(data) != "statement":
            raise wrong_kind(path, data, "a statement", "statement") from None
        raise


def load_inclusion(path: str, statement: Statement | None = None) -> InclusionProof:
    """Read and decode an inclusion proof (JSON or binary); with `statement`, a proof of another
    round or with other parameters is refused before it is decoded further. A file of another
    kind is named as such."""
    data = read_bounded(path, MAX_PROOF_BYTES)
    try:
        return parse_inclusion(data, path, statement)
    except FormatError:
        if sniff(data) not in ("inclusion", "inclusion-binary"):
            raise wrong_kind(path, data, "an inclusion proof", "inclusion") from None
        raise


def check_bundle_root(path: str | os.PathLike[str], statement: Statement) -> None:
    """Refuse, before any verification, an audit bundle whose last line is a root other than
    the statement's: the bundle of another round or exchange. Reads at most the last
    MAX_AUDIT_LINE_BYTES + 2 bytes; a last line that is not a root is left to the verifier."""
    name = os.fspath(path)
    with open_regular(name) as f:
        size = os.fstat(f.fileno()).st_size
        f.seek(max(0, size - MAX_AUDIT_LINE_BYTES - 2))
        tail = f.read(MAX_AUDIT_LINE_BYTES + 2)
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        root = parse_audit_line(last, statement.params, name)
    except FormatError:
        return
    if root.depth != 0 or root.hash == statement.root.hash:
        return
    raise FormatError(
        f"{name}: this bundle's root hash {root.hash.hex()} is not the root hash of the statement "
        f"({statement.root.hash.hex()}): it is the audit bundle of another round or exchange; "
        f"give the bundle `solvency-prove export-audit` wrote for round {statement.round_id}"
    )


def audit_levels(f: BinaryIO, params: Params, source: str) -> Iterator[list[AuditNode]]:
    """The nodes of an audit bundle's nodes.jsonl, one list per level as the file gives them
    (bottom-up): lines read with a bound (MAX_AUDIT_LINE_BYTES), nothing after the root line."""
    level: list[AuditNode] = []
    depth = None
    for number, line in bounded_lines(f, MAX_AUDIT_LINE_BYTES, source):
        if depth == 0:
            raise FormatError(f"{source}:{number}: content after the root line")
        node = parse_audit_line(line, params, f"{source}:{number}")
        if depth is not None and node.depth != depth:
            yield level
            level = []
        depth = node.depth
        level.append(node)
    if level:
        yield level
