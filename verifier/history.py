"""The history of an exchange's rounds: statements linked by their signed `previous` digests
into one chain, so that no two groups of customers can be shown two different statements for
a round (docs/PROTOCOL.md 10.7). Also where a round folder keeps its public statement.

`verify_history` checks a set of statements: each verifies on its own; one exchange and one
signing key; links follow from one start to the latest round with rounds and snapshot times
strictly increasing; and it says precisely where a fork (two statements for one round, or two
claiming the same previous statement) or a gap (a link to a statement not in the set) is.
This module imports nothing from the prover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from circuits.errors import FormatError, VerificationError
from verifier.formats import Statement

#: A round folder (`solvency-prove build --out ROUND`) keeps its public files in ROUND/public/.
PUBLIC_DIR = "public"
STATEMENT_NAME = "statement.json"

HISTORY_CHECKS = (
    "history-exchange",
    "history-key",
    "history-fork",
    "history-gap",
    "history-link",
    "history-round",
    "history-time",
)


def round_statement(path: Path) -> Path:
    """The statement of a round: `path` itself when it is a file, else the round folder's
    public/statement.json (or statement.json directly inside a copy of its public folder)."""
    if path.is_file():
        return path
    for candidate in (path / PUBLIC_DIR / STATEMENT_NAME, path / STATEMENT_NAME):
        if candidate.is_file():
            return candidate
    raise FormatError(
        f"{path}: no {PUBLIC_DIR}/{STATEMENT_NAME} (give a round folder made by "
        "`solvency-prove build`, or the statement file)"
    )


def history_statements(paths: Sequence[str]) -> list[Path]:
    """The statement files named by `paths`: files as given; a round folder; or a folder of
    round folders (every subfolder with a statement, in name order)."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            out.append(path)  # read (and refused if unreadable) by the caller
            continue
        try:
            out.append(round_statement(path))
            continue
        except FormatError:
            pass
        found = []
        for sub in sorted(p for p in path.iterdir() if p.is_dir()):
            try:
                found.append(round_statement(sub))
            except FormatError:
                continue
        if not found:
            raise FormatError(
                f"{path}: no statement in it nor in any of its subfolders "
                f"({PUBLIC_DIR}/{STATEMENT_NAME} or {STATEMENT_NAME})"
            )
        out += found
    return out


_RUNS = re.compile(r"[0-9]+|[^0-9]+")


def round_order(round_id: str) -> tuple[tuple[int, int | str, int], ...]:
    """Rounds compare in natural order: runs of digits as numbers, other runs as text
    (`2026-9` < `2026-10`, `r9` < `r10`); equal numbers with more leading zeros come later."""
    key: list[tuple[int, int | str, int]] = []
    for run in _RUNS.findall(round_id):
        key.append((0, int(run), len(run)) if run.isdigit() else (1, run, 0))
    return tuple(key)


def snapshot_instant(st: Statement, source: str) -> datetime:
    """The statement's snapshot time as an instant: a history needs RFC 3339 times with a zone."""
    text = st.snapshot_time
    when = None
    if text is not None:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            when = None
    if when is None or when.tzinfo is None:
        raise FormatError(
            f"{source}: snapshot_time {text!r} is not an RFC 3339 time with a zone (e.g. "
            "2026-11-01T00:00:00Z): rounds of a history are ordered by it"
        )
    return when


def signing_key(st: Statement) -> str | None:
    """The x-only key (hex) the statement says it is signed by; None when unsigned. The
    signature itself is verified by verifier.solvency.verify_signature."""
    sig = st.extra.get("signature")
    if isinstance(sig, dict) and isinstance(sig.get("pubkey"), str):
        return str(sig["pubkey"]).lower()
    return None


@dataclass(frozen=True)
class Entry:
    """One statement of a history, with the file it came from and its digest."""

    source: str
    statement: Statement
    digest: bytes

    @property
    def name(self) -> str:
        return f"round {self.statement.round_id} ({self.source})"

    def describe_previous(self, given: set[bytes]) -> str:
        prev = self.statement.previous
        if prev is None:
            return "none: a first round" + (
                " (v1 statement)" if self.statement.version == 1 else ""
            )
        return prev.hex() + ("" if prev in given else " (not given)")


def check_link(prev: Entry, cur: Entry) -> None:
    """`cur` may follow `prev`: same exchange and signing key, a later round and a later
    snapshot time. (That cur.previous is prev's digest is the caller's to know.)"""
    a, b = prev.statement, cur.statement
    if a.exchange != b.exchange:
        raise VerificationError(
            f"{cur.name} is of exchange {b.exchange!r}, {prev.name} of {a.exchange!r}",
            check="history-exchange",
        )
    ka, kb = signing_key(a), signing_key(b)
    if ka != kb:
        raise VerificationError(
            f"{cur.name} is signed by {kb or 'no key'}, {prev.name} by {ka or 'no key'}: "
            "a history has one signing key",
            check="history-key",
        )
    if round_order(b.round_id) <= round_order(a.round_id):
        raise VerificationError(
            f"{cur.name} follows {prev.name}: rounds must strictly increase along the history",
            check="history-round",
        )
    if snapshot_instant(b, cur.source) <= snapshot_instant(a, prev.source):
        raise VerificationError(
            f"{cur.name} has snapshot time {b.snapshot_time}, not after {a.snapshot_time} of "
            f"{prev.name}: snapshot times must strictly increase along the history",
            check="history-time",
        )


def _latest_before(entries: Iterable[Entry], e: Entry) -> Entry | None:
    earlier = [
        x for x in entries if round_order(x.statement.round_id) < round_order(e.statement.round_id)
    ]
    return max(earlier, key=lambda x: round_order(x.statement.round_id), default=None)


def order_history(entries: Sequence[Entry]) -> list[Entry]:
    """The statements in the order of their links, from the one start to the latest round.
    Raises VerificationError (check history-fork, history-gap, history-link, or that of
    check_link) naming the statements where the history breaks."""
    by_digest: dict[bytes, Entry] = {}
    for e in entries:
        by_digest.setdefault(e.digest, e)  # the same statement given twice counts once
    unique = sorted(by_digest.values(), key=lambda e: round_order(e.statement.round_id))
    by_round: dict[str, Entry] = {}
    claimed: dict[bytes, Entry] = {}
    for e in unique:
        other = by_round.setdefault(e.statement.round_id, e)
        if other is not e:
            raise VerificationError(
                f"fork: two statements for round {e.statement.round_id}: {other.source} "
                f"(digest {other.digest.hex()}) and {e.source} (digest {e.digest.hex()})",
                check="history-fork",
            )
        prev = e.statement.previous
        if prev is not None:
            other = claimed.setdefault(prev, e)
            if other is not e:
                raise VerificationError(
                    f"fork: {other.name} and {e.name} both claim the previous statement "
                    f"{prev.hex()}",
                    check="history-fork",
                )
    heads = [e for e in unique if e.statement.previous not in by_digest]
    start = heads[0]  # the earliest round without a link inside the set
    for e in heads[1:]:
        before = _latest_before(unique, e)
        after = f", after {before.name}" if before else ""
        if e.statement.previous is None:
            what = (
                "is a v1 statement (no previous): v1 is accepted as the first link only"
                if (e.statement.version == 1)
                else "has no previous statement: a history restarts there"
            )
            raise VerificationError(f"{e.name} {what}{after}", check="history-link")
        raise VerificationError(
            f"gap: {e.name} links to the previous statement {e.statement.previous.hex()}, which "
            f"is not among the statements given: a round is missing before it{after}",
            check="history-gap",
        )
    chain = [start]
    while len(chain) < len(unique):
        nxt = claimed.get(chain[-1].digest)
        if nxt is None:  # pragma: no cover - one head and no fork make one chain through all
            raise VerificationError("the statements do not form one chain", check="history-link")
        check_link(chain[-1], nxt)
        chain.append(nxt)
    return chain


def verify_history(entries: Sequence[Entry], exchange_key: str | None = None) -> list[Entry]:
    """Verify every statement on its own (root, reserves, solvency, signature; by the pinned
    key when one is given), then order them by their links (order_history). Errors name the
    statement's file."""
    from verifier.liabilities import verify_root
    from verifier.solvency import verify_solvency

    if not entries:
        raise FormatError("no statements given")
    for e in entries:
        try:
            verify_root(e.statement)
            verify_solvency(e.statement, exchange_key=exchange_key)
        except VerificationError as exc:
            raise VerificationError(f"{e.source}: {exc}", check=exc.check) from None
        except FormatError as exc:
            text = str(exc)
            raise FormatError(
                text if text.startswith(e.source) else f"{e.source}: {text}"
            ) from None
    return order_history(entries)
