"""Streaming reader of the balance snapshot CSV: validate every line first, then iterate.

Format: a header `user_id,<ASSET>,<ASSET>,...` naming every configured asset exactly once (in any
order), then one line per user: the id and one decimal amount per asset (prover/amounts.py).
UTF-8 with or without a BOM; LF, CRLF (or CR) line ends; fields may be quoted as in RFC 4180, but a
record never spans lines (an id can't contain a line break anyway).

Two passes, neither holding the file in memory:
1. `validate_snapshot` reads every line and collects each problem as `file:line: reason` (up to a
   cap; the total is counted), then raises `SnapshotError` carrying them, or returns a
   `SnapshotSummary` (users, per-asset totals, SHA-256 of the file bytes, lines).
2. `iter_snapshot` yields (normalised id, balances in the configured asset order) and checks at the
   end that the file's SHA-256 is still the one validated.

Duplicate ids (after NFC normalisation) are found with 8 bytes per user: pass 1 keeps a keyed
64-bit hash of each normalised id in an `array('Q')`, sorts them at the end, and only if two hashes
agree reads the file once more to compare full SHA-256 digests and name the first line.

Errors never echo a user id or a balance (privacy): they give the line, the column and the reason,
and for duplicates "duplicate of line N".
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple, NoReturn

import numpy as np

from circuits.errors import FormatError, ParameterError
from circuits.merkle import framed, framed_hash
from prover.amounts import parse_amount
from verifier.ids import normalise_user_id, validate_asset_symbol
from verifier.inputs import open_regular

#: The first column of the header.
ID_COLUMN = "user_id"

#: Longest physical line accepted, in characters; longer lines are reported, not loaded.
MAX_LINE_CHARS = 65536

#: Range-proof sizes the protocol supports (DESIGN.md, "Range proofs").
SUPPORTED_BITS = (8, 16, 32, 64, 128)

SnapshotRow = tuple[str, tuple[int, ...]]


class SnapshotError(FormatError):
    """A snapshot that can't be used. `problems` holds `file:line: reason` lines, up to the cap;
    `total` counts every problem found, shown or not."""

    def __init__(self, problems: list[str], total: int) -> None:
        self.problems = tuple(problems)
        self.total = total
        lines = list(self.problems)
        if total > len(lines):
            lines.append(f"... and {total - len(lines)} more problems not shown")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class SnapshotSummary:
    """What the first pass learned: enough for the manifest and for sizing the tree."""

    path: str
    assets: tuple[str, ...]
    users: int
    totals: tuple[int, ...]
    sha256: bytes
    lines: int
    #: Order-independent digest of the data (ids and balances), keyed: `data_digest`.
    data_digest: bytes = b""

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex()

    def total(self, asset: str) -> int:
        """Sum of all balances of `asset`, in base units."""
        return self.totals[self.assets.index(asset)]


class _HashingReader(io.RawIOBase):
    """A raw binary stream that feeds every byte it reads into a SHA-256."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.digest.update(data)
        return n


class _Lines:
    """Physical lines of a text file, numbered from 1, each at most MAX_LINE_CHARS characters.

    Decoding is UTF-8 with the BOM removed; bytes that are not UTF-8 become lone surrogates
    (surrogateescape) so that the line that holds them can be reported and reading continues.
    """

    def __init__(self, path: Path) -> None:
        self._file = open_regular(path)  # closed by close(); a FIFO or device is refused
        self._hashing = _HashingReader(self._file)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._hashing),
            encoding="utf-8-sig",
            errors="surrogateescape",
            newline="",
        )
        self.count = 0

    def __iter__(self) -> Iterator[tuple[int, str | None]]:
        """Yield (line number, line with its terminator), or (line number, None) if too long."""
        while True:
            line = self._text.readline(MAX_LINE_CHARS + 1)
            if line == "":
                return
            self.count += 1
            if len(line) > MAX_LINE_CHARS:
                while line and not line.endswith(("\n", "\r")):
                    line = self._text.readline(MAX_LINE_CHARS)
                yield self.count, None
            else:
                yield self.count, line

    def sha256(self) -> bytes:
        """Digest of the whole file: reads (in chunks) whatever is left, then digests."""
        while self._text.read(MAX_LINE_CHARS):
            pass
        return self._hashing.digest.digest()

    def close(self) -> None:
        self._text.close()
        self._file.close()


def _split(line: str) -> list[str]:
    """The fields of one CSV line; raises FormatError with a reason."""
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FormatError("unterminated quoted field (a field may not span lines)") from None
        raise FormatError(f"malformed CSV ({exc})") from None
    if len(rows) != 1 or rows[0] == []:
        raise FormatError("empty line")
    fields = rows[0]
    for column, field in enumerate(fields, start=1):
        if any("\udc80" <= c <= "\udcff" for c in field):
            raise FormatError(f"column {column}: invalid UTF-8")
    return fields


def _show(name: str) -> str:
    """A header name made safe for a one-line error message."""
    return ascii(name[:40])


def _check_parameters(
    assets: Mapping[str, int], bits: int | None = None, max_users: int | None = None
) -> None:
    if len(assets) == 0:
        raise ParameterError("at least one asset is needed")
    for symbol, decimals in assets.items():
        validate_asset_symbol(symbol)
        parse_amount("0", decimals, round_up=False)  # checks decimals (ParameterError)
    if bits is not None and bits not in SUPPORTED_BITS:
        raise ParameterError(f"bits must be one of {SUPPORTED_BITS}")
    if max_users is not None and (isinstance(max_users, bool) or max_users < 1):
        raise ParameterError("max_users must be at least 1")


def _header(line: str | None, assets: Mapping[str, int]) -> tuple[int, tuple[int, ...]]:
    """(number of columns, column index of each configured asset); _HeaderError if not."""
    if line is None:
        raise _HeaderError([f"header line longer than {MAX_LINE_CHARS} characters"])
    if line.strip("\r\n") == "":
        raise _HeaderError(["empty header, expected " + ",".join([ID_COLUMN, *assets])])
    try:
        names = _split(line)
    except FormatError as exc:
        raise _HeaderError([f"header: {exc}"]) from None
    problems: list[str] = []
    if names[0] != ID_COLUMN:
        problems.append(f"first column must be {ID_COLUMN}, found {_show(names[0])}")
    seen: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if name in seen:
            problems.append(
                f"column {_show(name)} appears twice (columns {seen[name]} and {column})"
            )
            continue
        seen[name] = column
        if column == 1:
            continue
        if name == "":
            problems.append(f"column {column} has an empty name")
        elif name not in assets and name != ID_COLUMN:
            problems.append(f"unknown column {_show(name)} (not a configured asset)")
    for symbol in assets:
        if symbol not in seen:
            problems.append(f"missing column {_show(symbol)} for a configured asset")
    if problems:
        raise _HeaderError(problems)
    return len(names), tuple(seen[symbol] - 1 for symbol in assets)


class _HeaderError(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


@dataclass(frozen=True)
class _Layout:
    """How to read a user line: from the header and the configuration."""

    columns: int
    index: tuple[int, ...]  # column of each configured asset, in configured order
    symbols: tuple[str, ...]
    decimals: tuple[int, ...]
    round_up: bool
    limit: int | None  # balances must be below this (2^bits), when known


class _Parsed(NamedTuple):
    is_user: bool  # the line has the header's fields (so it stands for one user)
    user_id: str | None  # normalised, None if rejected
    balances: tuple[int, ...] | None  # None if any problem
    reasons: list[str]  # every problem of the line


def _parse(line: str | None, layout: _Layout) -> _Parsed:
    """Every problem of one user line, and its id and balances when they are valid."""
    if line is None:
        return _Parsed(False, None, None, [f"line longer than {MAX_LINE_CHARS} characters"])
    try:
        fields = _split(line)
    except FormatError as exc:
        return _Parsed(False, None, None, [str(exc)])
    if len(fields) != layout.columns:
        reason = f"expected {layout.columns} fields, found {len(fields)}"
        return _Parsed(False, None, None, [reason])
    reasons: list[str] = []
    user_id: str | None
    try:
        user_id = normalise_user_id(fields[0])
    except FormatError as exc:
        user_id = None
        reasons.append(str(exc))
    balances: list[int] = []
    for symbol, column, places in zip(layout.symbols, layout.index, layout.decimals, strict=True):
        try:
            units = parse_amount(fields[column], places, round_up=layout.round_up)
        except FormatError as exc:
            reasons.append(f"{symbol}: {exc}")
            continue
        if layout.limit is not None and units >= layout.limit:
            reasons.append(f"{symbol}: {overflow_advice('balance', layout.limit.bit_length() - 1)}")
            continue
        balances.append(units)
    return _Parsed(True, user_id, None if reasons else tuple(balances), reasons)


def overflow_advice(what: str, bits: int) -> str:
    """Why an amount of 2^bits base units or more can't be proven, and what to do instead:
    `--bits 128` (below 128), or fewer decimals with `--round-up` (which rounds up, never down)."""
    larger = "--bits 128, or " if bits < 128 else ""
    return (
        f"{what} is 2^{bits} base units or more, beyond {bits}-bit range proofs: use "
        f"{larger}fewer decimals for the asset (--asset SYMBOL:DECIMALS) with --round-up"
    )


def _id_digest(user_id: str) -> bytes:
    return hashlib.sha256(b"zk-solvency/v1/snapshot-dup\x00" + user_id.encode("utf-8")).digest()


class _Problems:
    """`file:line: reason` lines up to a cap, sorted by line; every problem is counted."""

    def __init__(self, name: str, cap: int) -> None:
        self.name = name
        self.cap = cap
        self.items: list[tuple[int, int, str]] = []
        self.total = 0

    def add(self, line: int, reason: str) -> None:
        self.total += 1
        self.items.append((line, self.total, reason))
        if len(self.items) > 4 * self.cap + 64:
            self._trim()

    def _trim(self) -> None:
        self.items.sort()
        del self.items[self.cap :]

    def raise_if_any(self) -> None:
        if self.total:
            self.raise_now()

    def raise_now(self) -> NoReturn:
        self._trim()
        shown = [f"{self.name}:{line}: {reason}" for line, _, reason in self.items]
        raise SnapshotError(shown, self.total)


def _read_header(
    numbered: Iterator[tuple[int, str | None]],
    assets: Mapping[str, int],
    *,
    round_up: bool,
    bits: int | None,
    problems: _Problems,
) -> _Layout:
    """Read line 1 and return the layout of user lines, or raise SnapshotError."""
    first = next(numbered, None)
    if first is None:
        problems.add(1, "empty file, expected the header " + ",".join([ID_COLUMN, *assets]))
        problems.raise_now()
    try:
        columns, index = _header(first[1], assets)
    except _HeaderError as exc:
        for reason in exc.reasons:
            problems.add(1, reason)
        problems.raise_now()
    return _Layout(
        columns=columns,
        index=index,
        symbols=tuple(assets),
        decimals=tuple(assets.values()),
        round_up=round_up,
        limit=None if bits is None else 1 << bits,
    )


def _short_hash(user_id: str, key: bytes) -> int:
    """Keyed 64-bit hash of a normalised id: 8 bytes per user in the first pass."""
    short = hashlib.blake2b(user_id.encode("utf-8"), digest_size=8, key=key).digest()
    return int.from_bytes(short, "big")


def validate_snapshot(
    path: str | os.PathLike[str],
    assets: Mapping[str, int],
    *,
    bits: int,
    max_users: int,
    round_up: bool,
    error_cap: int = 50,
    row_key: bytes = b"",
) -> SnapshotSummary:
    """Read the whole snapshot once; return its summary or raise SnapshotError listing problems.

    The summary's `data_digest` is `data_digest(rows, row_key)` of the users read: the same
    for the same data in any line order, file encoding or column order.

    `assets` maps each symbol to its decimals, in the order balances will be given. Problems:
    header (empty, first column not user_id, missing / unknown / duplicated / empty columns),
    lines (too long, malformed CSV, invalid UTF-8, empty, wrong field count), ids (rejected by
    normalise_user_id; duplicates after normalisation), amounts (rejected by parse_amount;
    2^bits base units or more), more than `max_users` users, no users at all. Every problem of
    a line is reported. At most `error_cap` problems are kept (the first by line number);
    `SnapshotError.total` counts all of them.
    """
    _check_parameters(assets, bits, max_users)
    if isinstance(error_cap, bool) or error_cap < 1:
        raise ParameterError("error_cap must be at least 1")
    file = Path(path)
    problems = _Problems(str(path), error_cap)
    key = os.urandom(16)
    hashes: array[int] = array("Q")
    users = 0
    totals = [0] * len(assets)
    rows = _RowDigest(row_key)
    lines = _Lines(file)
    try:
        numbered = iter(lines)
        layout = _read_header(numbered, assets, round_up=round_up, bits=bits, problems=problems)
        excess_line = 0
        for number, line in _without_trailing_blanks(numbered):
            parsed = _parse(line, layout)
            for reason in parsed.reasons:
                problems.add(number, reason)
            if not parsed.is_user:
                continue
            users += 1
            if users == max_users + 1:
                excess_line = number
            if parsed.user_id is not None:
                hashes.append(_short_hash(parsed.user_id, key))
            if parsed.balances is not None:
                for i, units in enumerate(parsed.balances):
                    totals[i] += units
                if parsed.user_id is not None:
                    rows.add(parsed.user_id, parsed.balances)
        digest = lines.sha256()
        line_count = lines.count
    finally:
        lines.close()
    if excess_line:
        problems.add(excess_line, _too_many(users, max_users))
    if users == 0 and problems.total == 0:
        problems.add(line_count, "no users: the snapshot has a header and no rows")
    candidates = _colliding(hashes)
    del hashes
    if candidates:
        _report_duplicates(file, layout, key, candidates, problems)
    problems.raise_if_any()
    return SnapshotSummary(
        path=str(path),
        assets=layout.symbols,
        users=users,
        totals=tuple(totals),
        sha256=digest,
        lines=line_count,
        data_digest=rows.digest(),
    )


def _too_many(users: int, max_users: int) -> str:
    """The problem of a snapshot with more users than the tree holds, naming the height that
    fits when the bound is a tree's (max_users = 2^(H-1))."""
    reason = f"{users:,} users, more than the {max_users:,} the tree can hold"
    if max_users & (max_users - 1) == 0:
        height = max_users.bit_length()
        needed = max(2, (users - 1).bit_length() + 1)  # 2^(H-1) >= users
        reason = (
            f"{users:,} users, more than the {max_users:,} a tree of height {height} holds "
            f"(2^H >= 2 x users): use --height {needed} or more"
        )
    return reason


def _without_trailing_blanks(
    numbered: Iterator[tuple[int, str | None]],
) -> Iterator[tuple[int, str | None]]:
    """The numbered lines, without the blank lines at the end of the file (an editor's or a
    spreadsheet's trailing newline); a blank line followed by more lines is still yielded (and
    reported as an empty line)."""
    held: list[tuple[int, str | None]] = []
    for number, line in numbered:
        if line is not None and not line.strip("\r\n"):
            held.append((number, line))
            continue
        yield from held
        held.clear()
        yield number, line


#: Tags of the snapshot's data digest (docs/PROTOCOL.md 6.6).
TAG_ROW = b"zk-solvency/v1/snapshot-row"
TAG_DATA = b"zk-solvency/v1/snapshot-data"


class _RowDigest:
    """data_digest = H("snapshot-data" | u64(users) | S), S = sum over users of
    BLAKE2b-256(key = row_key, "snapshot-row" | id | u128(balance_1) | ... | u128(balance_K))
    mod 2^256: a multiset hash, so line order does not matter (ids are unique)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._sum = 0
        self._count = 0

    def add(self, user_id: str, balances: tuple[int, ...] | list[int]) -> None:
        fields = [TAG_ROW, user_id.encode("utf-8"), *(b.to_bytes(16, "big") for b in balances)]
        h = hashlib.blake2b(framed(*fields), digest_size=32, key=self._key).digest()
        self._sum = (self._sum + int.from_bytes(h, "big")) % (1 << 256)
        self._count += 1

    def digest(self) -> bytes:
        return framed_hash(TAG_DATA, self._count.to_bytes(8, "big"), self._sum.to_bytes(32, "big"))


def _colliding(hashes: array[int]) -> set[int]:
    """The 64-bit values that occur more than once (sorted with numpy: no per-user objects)."""
    if len(hashes) < 2:
        return set()
    values = np.frombuffer(hashes, dtype=np.uint64)  # a view: sorted in place, no copy
    values.sort()
    repeated = values[1:][values[1:] == values[:-1]]
    return {int(v) for v in np.unique(repeated)}


def _report_duplicates(
    file: Path, layout: _Layout, key: bytes, candidates: set[int], problems: _Problems
) -> None:
    """Second look at lines whose short hash collides: compare full digests, name first lines."""
    first_line: dict[bytes, int] = {}
    lines = _Lines(file)
    try:
        numbered = iter(lines)
        next(numbered, None)  # the header, already checked
        for number, line in _without_trailing_blanks(numbered):
            user_id = _parse(line, layout).user_id
            if user_id is None or _short_hash(user_id, key) not in candidates:
                continue
            digest = _id_digest(user_id)
            if digest in first_line:
                problems.add(number, f"duplicate user id (duplicate of line {first_line[digest]})")
            else:
                first_line[digest] = number
    finally:
        lines.close()


def iter_snapshot(
    path: str | os.PathLike[str],
    assets: Mapping[str, int],
    *,
    round_up: bool,
    bits: int | None = None,
    expected_sha256: bytes | None = None,
) -> Iterator[SnapshotRow]:
    """Yield (normalised id, balances in the order of `assets`) for every user line.

    Meant to follow a successful `validate_snapshot` with the same arguments; a line with a
    problem still raises SnapshotError (nothing is skipped). With `expected_sha256`, the file's
    digest is checked once the last line is read, and SnapshotError is raised if the file
    changed in between (the caller must then discard what it built).
    """
    _check_parameters(assets, bits)
    name = str(path)
    lines = _Lines(Path(path))
    try:
        numbered = iter(lines)
        layout = _read_header(
            numbered, assets, round_up=round_up, bits=bits, problems=_Problems(name, 50)
        )
        for number, line in _without_trailing_blanks(numbered):
            parsed = _parse(line, layout)
            if parsed.user_id is None or parsed.balances is None:
                raise SnapshotError([f"{name}:{number}: {parsed.reasons[0]}"], 1)
            yield parsed.user_id, parsed.balances
        digest = lines.sha256()
    finally:
        lines.close()
    if expected_sha256 is not None and digest != expected_sha256:
        raise SnapshotError(
            [f"{name}: the file changed since it was validated (SHA-256 differs)"], 1
        )
