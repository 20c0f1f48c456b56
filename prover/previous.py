"""The previous round's statement a build links to (`build --previous`): checked to be an
earlier round of the same exchange, signed by the same key, and named by its digest in the
new statement's signed `previous` field (docs/PROTOCOL.md 8.3, 10.7)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from circuits import bip340
from circuits.errors import FormatError, VerificationError
from verifier.history import Entry, check_link, round_statement
from verifier.inputs import load_statement
from verifier.solvency import verify_signature


def previous_digest(
    path: str,
    round_id: str,
    snapshot_time: str | None,
    exchange: str | None,
    exchange_key: bytes | None,
) -> bytes:
    """The digest of the statement at `path` (a file or a round folder), after checking that
    the round being built may follow it (verifier.history.check_link: same exchange, same
    signing key or both unsigned, a later round, a later snapshot time). FormatError names the
    file and the reason: nothing is built."""
    if snapshot_time is None:
        raise FormatError(
            "--previous needs --snapshot-time (an RFC 3339 time with a zone, e.g. "
            "2026-12-01T00:00:00Z): rounds of a history are ordered by it"
        )
    file = round_statement(Path(path))
    prev = load_statement(str(file))
    source = f"--previous {file}"
    try:
        verify_signature(prev, None)
        pubkey = None if exchange_key is None else bip340.xonly_pubkey(exchange_key).hex()
        # The statement being built, as far as the link rules look at it.
        draft = dataclasses.replace(
            prev,
            round_id=round_id,
            snapshot_time=snapshot_time,
            exchange=exchange,
            extra={} if pubkey is None else {"signature": {"pubkey": pubkey}},
            version=2,
        )
        check_link(Entry(str(file), prev, prev.digest()), Entry("this build", draft, b""))
    except (VerificationError, FormatError) as exc:
        raise FormatError(f"{source}: {exc}") from None
    return prev.digest()
