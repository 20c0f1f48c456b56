"""The snapshot reader (prover/snapshot.py): every fixture next to the exact problems it raises."""

from __future__ import annotations

import hashlib
import os
import shutil
import tracemalloc
from pathlib import Path

import pytest

from circuits.errors import FormatError, ParameterError
from prover.snapshot import (
    MAX_LINE_CHARS,
    SnapshotError,
    SnapshotSummary,
    iter_snapshot,
    validate_snapshot,
)

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"
ASSETS = {"BTC": 8, "USDT": 6}


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in the fixture folder so messages start with the bare file name."""
    monkeypatch.chdir(FIXTURES)
    return FIXTURES


def validate(name: str | Path, **kwargs: object) -> SnapshotSummary:
    options: dict[str, object] = {"bits": 64, "max_users": 1000, "round_up": False}
    options.update(kwargs)
    return validate_snapshot(name, ASSETS, **options)  # type: ignore[arg-type]


def problems(name: str | Path, **kwargs: object) -> list[str]:
    with pytest.raises(SnapshotError) as info:
        validate(name, **kwargs)
    assert isinstance(info.value, FormatError)
    assert str(info.value) == "\n".join(info.value.problems)
    return list(info.value.problems)


# Each fixture named for what is wrong, next to every problem it must report.
REJECTED = {
    "duplicate_id.csv": [
        "duplicate_id.csv:4: duplicate user id (duplicate of line 2)",
        "duplicate_id.csv:6: duplicate user id (duplicate of line 3)",
        "duplicate_id.csv:7: duplicate user id (duplicate of line 2)",
    ],
    "duplicate_nfc.csv": ["duplicate_nfc.csv:4: duplicate user id (duplicate of line 2)"],
    "negative.csv": [
        "negative.csv:3: BTC: negative amount",
        "negative.csv:4: USDT: negative amount",
    ],
    "exponent.csv": [
        "exponent.csv:2: BTC: exponent notation is not allowed",
        "exponent.csv:3: USDT: exponent notation is not allowed",
    ],
    "nan.csv": [
        "nan.csv:2: BTC: NaN or infinity is not an amount",
        "nan.csv:3: USDT: NaN or infinity is not an amount",
    ],
    "separators.csv": [
        "separators.csv:2: BTC: thousands separators are not allowed",
        "separators.csv:3: BTC: spaces are not allowed in an amount",
        "separators.csv:4: BTC: spaces are not allowed in an amount",
    ],
    "too_many_decimals.csv": [
        "too_many_decimals.csv:2: BTC: more than 8 decimals"
        " (use --round-up to round up to the next base unit)",
        "too_many_decimals.csv:3: USDT: more than 6 decimals"
        " (use --round-up to round up to the next base unit)",
    ],
    "overflow_balance.csv": [
        "overflow_balance.csv:3: BTC: balance is 2^64 base units or more, beyond 64-bit range"
        " proofs: use --bits 128, or fewer decimals for the asset (--asset SYMBOL:DECIMALS)"
        " with --round-up",
        "overflow_balance.csv:4: USDT: balance is 2^64 base units or more, beyond 64-bit range"
        " proofs: use --bits 128, or fewer decimals for the asset (--asset SYMBOL:DECIMALS)"
        " with --round-up",
    ],
    "missing_column.csv": ["missing_column.csv:1: missing column 'USDT' for a configured asset"],
    "extra_column.csv": ["extra_column.csv:1: unknown column 'ETH' (not a configured asset)"],
    "duplicated_column.csv": [
        "duplicated_column.csv:1: column 'BTC' appears twice (columns 2 and 4)"
    ],
    "wrong_first_column.csv": [
        "wrong_first_column.csv:1: first column must be user_id, found 'id'"
    ],
    "control_char_id.csv": [
        "control_char_id.csv:3: user id contains a control character (U+0007) at position 3",
        "control_char_id.csv:4: user id contains a control character (U+0009) at position 4",
    ],
    "zero_width_id.csv": [
        "zero_width_id.csv:3: user id contains an invisible format character (U+200B)"
        " at position 3",
        "zero_width_id.csv:4: user id contains an invisible format character (U+200D)"
        " at position 4",
        "zero_width_id.csv:5: user id contains an invisible format character (U+202E)"
        " at position 1",
    ],
    "whitespace_id.csv": [
        "whitespace_id.csv:2: user id has leading or trailing whitespace",
        "whitespace_id.csv:3: user id has leading or trailing whitespace",
    ],
    "long_id.csv": ["long_id.csv:3: user id is 257 bytes in UTF-8, more than the maximum 256"],
    "empty.csv": ["empty.csv:1: empty file, expected the header user_id,BTC,USDT"],
    "bom_only.csv": ["bom_only.csv:1: empty file, expected the header user_id,BTC,USDT"],
    "header_only.csv": ["header_only.csv:1: no users: the snapshot has a header and no rows"],
    "wrong_field_count.csv": [
        "wrong_field_count.csv:2: expected 3 fields, found 2",
        "wrong_field_count.csv:3: expected 3 fields, found 4",
    ],
    "blank_line.csv": ["blank_line.csv:3: empty line"],
    "unterminated_quote.csv": [
        "unterminated_quote.csv:3: unterminated quoted field (a field may not span lines)"
    ],
    "invalid_utf8.csv": ["invalid_utf8.csv:3: column 1: invalid UTF-8"],
}


@pytest.mark.parametrize(("name", "expected"), sorted(REJECTED.items()))
def test_rejected_fixture(here: Path, name: str, expected: list[str]) -> None:
    assert problems(name) == expected


def test_every_fixture_is_in_a_table() -> None:
    named = set(REJECTED) | {"ok.csv", "crlf_bom_ok.csv", "reordered_columns.csv"}
    named |= {"many_errors.csv"}
    assert {p.name for p in FIXTURES.glob("*.csv")} == named


def test_ok(here: Path) -> None:
    summary = validate("ok.csv")
    data = (here / "ok.csv").read_bytes()
    assert summary == SnapshotSummary(
        path="ok.csv",
        assets=("BTC", "USDT"),
        users=4,
        totals=(
            50_000_000 + 123_456_789 + 2_100_000_000_000_000,
            100_000_000 + 1 + 1_000_000_500_000,
        ),
        sha256=hashlib.sha256(data).digest(),
        lines=5,
        data_digest=summary.data_digest,  # tests/test_rebuild.py checks it against PROTOCOL 6.6
    )
    assert summary.total("USDT") == 1_000_100_500_001
    assert summary.sha256_hex == hashlib.sha256(data).hexdigest()
    assert list(
        iter_snapshot("ok.csv", ASSETS, round_up=False, expected_sha256=summary.sha256)
    ) == [
        ("alice", (50_000_000, 100_000_000)),
        ("bob", (0, 0)),
        ("Zoë", (123_456_789, 1)),
        ("Doe, Jane", (2_100_000_000_000_000, 1_000_000_500_000)),
    ]


def test_crlf_and_bom(here: Path) -> None:
    data = (here / "crlf_bom_ok.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfuser_id") and b"\r\n" in data
    summary = validate("crlf_bom_ok.csv")
    assert summary.users == 3
    assert summary.sha256 == hashlib.sha256(data).digest()  # the BOM is part of the digest
    rows = list(iter_snapshot("crlf_bom_ok.csv", ASSETS, round_up=False))
    assert rows == [
        ("alice", (50_000_000, 100_000_000)),
        ("Zoë", (100_000_000, 2_000_000)),
        ("Doe, Jane", (0, 0)),
    ]


def test_columns_in_any_order(here: Path) -> None:
    """Balances come in the configured asset order, whatever the header's order."""
    summary = validate("reordered_columns.csv")
    assert summary.totals == (150_000_000, 100_000_000)
    assert list(iter_snapshot("reordered_columns.csv", ASSETS, round_up=False)) == [
        ("alice", (50_000_000, 100_000_000)),
        ("bob", (100_000_000, 0)),
    ]


def test_configured_order_decides_balance_order(here: Path) -> None:
    assets = {"USDT": 6, "BTC": 8}
    rows = list(iter_snapshot("ok.csv", assets, round_up=False))
    assert rows[0] == ("alice", (100_000_000, 50_000_000))


def test_ids_are_normalised_on_output(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user_id,BTC,USDT\nZoe\u0308,1,1\n", encoding="utf-8")
    validate(path)
    assert next(iter_snapshot(path, ASSETS, round_up=False))[0] == "Zo\u00eb"


def test_round_up(here: Path) -> None:
    summary = validate("too_many_decimals.csv", round_up=True)
    rows = list(iter_snapshot("too_many_decimals.csv", ASSETS, round_up=True))
    assert rows == [
        ("alice", (12_345_679, 1_000_000)),  # 0.123456789 BTC rounds up, never down
        ("bob", (100_000_000, 1_000_001)),  # 1.0000001 USDT rounds up
        ("carol", (100_000_000, 1_100_000)),  # excess zeros: exact
    ]
    assert summary.totals == (212_345_679, 3_100_001)


def test_many_errors_are_capped(here: Path) -> None:
    with pytest.raises(SnapshotError) as info:
        validate("many_errors.csv")
    error = info.value
    # 60 negative amounts on lines 2..61, and line 62 repeats the id of line 2.
    assert error.total == 61
    assert error.problems == tuple(
        f"many_errors.csv:{line}: BTC: negative amount" for line in range(2, 52)
    )
    assert str(error).splitlines()[-1] == "... and 11 more problems not shown"


def test_cap_keeps_the_first_lines_and_lists_all_below_it(here: Path) -> None:
    with pytest.raises(SnapshotError) as info:
        validate("many_errors.csv", error_cap=100)
    assert info.value.total == 61
    assert len(info.value.problems) == 61
    assert info.value.problems[-1] == "many_errors.csv:62: duplicate user id (duplicate of line 2)"
    assert "not shown" not in str(info.value)


def test_every_problem_of_a_line_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user_id,BTC,USDT\nbad\u200bid,-1,1e3\n", encoding="utf-8")
    with pytest.raises(SnapshotError) as info:
        validate(path)
    assert info.value.problems == (
        f"{path}:2: user id contains an invisible format character (U+200B) at position 4",
        f"{path}:2: BTC: negative amount",
        f"{path}:2: USDT: exponent notation is not allowed",
    )


def test_too_many_users(here: Path) -> None:
    assert problems("ok.csv", max_users=3) == [
        "ok.csv:5: 4 users, more than the 3 the tree can hold"
    ]
    assert validate("ok.csv", max_users=4).users == 4


def test_bits_bound_the_balance(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user_id,BTC,USDT\na,0.00000255,0.000255\nb,0.00000256,0\n")
    with pytest.raises(SnapshotError) as info:
        validate(path, bits=8)
    assert info.value.problems == (
        f"{path}:3: BTC: balance is 2^8 base units or more, beyond 8-bit range proofs: use"
        " --bits 128, or fewer decimals for the asset (--asset SYMBOL:DECIMALS) with --round-up",
    )


def test_128_bits_keep_18_decimals(tmp_path: Path) -> None:
    """25 ETH at 18 decimals is 2.5 * 10^19 base units: beyond 64 bits, within 128, exact."""
    path = tmp_path / "s.csv"
    path.write_text("user_id,ETH\na,25.000000000000000001\nb,0\n")
    eth = {"ETH": 18}
    with pytest.raises(SnapshotError) as info:
        validate_snapshot(path, eth, bits=64, max_users=4, round_up=False)
    assert "use --bits 128" in info.value.problems[0]
    summary = validate_snapshot(path, eth, bits=128, max_users=4, round_up=False)
    assert summary.totals == (25 * 10**18 + 1,)
    rows = dict(iter_snapshot(path, eth, round_up=False, bits=128))
    assert rows["a"] == (25 * 10**18 + 1,)
    big = tmp_path / "big.csv"
    big.write_text(f"user_id,ETH\na,{(1 << 128) // 10**18 + 1}\n")
    with pytest.raises(SnapshotError) as info:
        validate_snapshot(big, eth, bits=128, max_users=4, round_up=False)
    assert info.value.problems == (
        f"{big}:2: ETH: balance is 2^128 base units or more, beyond 128-bit range proofs: use"
        " fewer decimals for the asset (--asset SYMBOL:DECIMALS) with --round-up",
    )


def test_zero_balances_are_kept(here: Path) -> None:
    rows = dict(iter_snapshot("ok.csv", ASSETS, round_up=False))
    assert rows["bob"] == (0, 0)


def test_errors_never_echo_ids_or_balances(here: Path) -> None:
    for name in ["duplicate_id.csv", "duplicate_nfc.csv", "zero_width_id.csv", "negative.csv"]:
        text = "\n".join(problems(name))
        for secret in ["alice", "bob", "carol", "Zo", "0.5"]:
            assert secret not in text


def test_overlong_line(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("user_id,BTC,USDT\n")
        f.write("a" * (MAX_LINE_CHARS * 3) + ",1,1\n")
        f.write("b,1,1\n")
    with pytest.raises(SnapshotError) as info:
        validate(path)
    assert info.value.problems == (f"{path}:2: line longer than {MAX_LINE_CHARS} characters",)


def test_header_problems_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user,BTC,BTC,,XRP\n")
    with pytest.raises(SnapshotError) as info:
        validate(path)
    assert info.value.problems == (
        f"{path}:1: first column must be user_id, found 'user'",
        f"{path}:1: column 'BTC' appears twice (columns 2 and 3)",
        f"{path}:1: column 4 has an empty name",
        f"{path}:1: unknown column 'XRP' (not a configured asset)",
        f"{path}:1: missing column 'USDT' for a configured asset",
    )


def test_user_id_column_twice(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("user_id,BTC,USDT,user_id\na,1,1,a\n")
    with pytest.raises(SnapshotError) as info:
        validate(path)
    assert info.value.problems == (f"{path}:1: column 'user_id' appears twice (columns 1 and 4)",)


def test_empty_header(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("\na,1,1\n")
    with pytest.raises(SnapshotError) as info:
        validate(path)
    assert info.value.problems == (f"{path}:1: empty header, expected user_id,BTC,USDT",)


def test_iter_refuses_a_file_changed_after_validation(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    shutil.copy(FIXTURES / "ok.csv", path)
    summary = validate(path)
    with open(path, "a", encoding="utf-8") as f:
        f.write("mallory,1,1\n")
    with pytest.raises(SnapshotError) as info:
        list(iter_snapshot(path, ASSETS, round_up=False, expected_sha256=summary.sha256))
    assert info.value.problems == (
        f"{path}: the file changed since it was validated (SHA-256 differs)",
    )


def test_iter_raises_on_a_bad_line(here: Path) -> None:
    rows = iter_snapshot("negative.csv", ASSETS, round_up=False)
    assert next(rows) == ("alice", (100_000_000, 1_000_000))
    with pytest.raises(SnapshotError) as info:
        next(rows)
    assert info.value.problems == ("negative.csv:3: BTC: negative amount",)


def test_iter_checks_bits_when_given(here: Path) -> None:
    with pytest.raises(SnapshotError):
        list(iter_snapshot("overflow_balance.csv", ASSETS, round_up=False, bits=64))


@pytest.mark.parametrize(
    ("assets", "kwargs"),
    [
        ({}, {}),
        ({"btc": 8}, {}),
        ({"BTC": -1}, {}),
        ({"BTC": 8}, {"bits": 63}),
        ({"BTC": 8}, {"max_users": 0}),
        ({"BTC": 8}, {"error_cap": 0}),
    ],
)
def test_bad_parameters(here: Path, assets: dict[str, int], kwargs: dict[str, int]) -> None:
    options: dict[str, object] = {"bits": 64, "max_users": 10, "round_up": False}
    options.update(kwargs)
    with pytest.raises((ParameterError, FormatError)) as info:
        validate_snapshot("ok.csv", assets, **options)  # type: ignore[arg-type]
    assert not isinstance(info.value, SnapshotError)
    expected = FormatError if assets == {"btc": 8} else ParameterError
    assert type(info.value) is expected


def _write_large(path: Path, users: int, duplicate: bool) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("user_id,BTC,USDT\n")
        for i in range(users):
            f.write(f"user-{i}@example.com,{i % 1000}.{i:08d},{i * 3}.5\n")
        if duplicate:
            f.write("user-7@example.com,1,1\n")


def test_large_snapshot_in_bounded_memory(tmp_path: Path) -> None:
    """100,000 users: the first pass keeps 8 bytes per user, never the file or the ids."""
    users = 100_000
    path = tmp_path / "large.csv"
    _write_large(path, users, duplicate=False)
    size = os.path.getsize(path)
    tracemalloc.start()
    try:
        summary = validate(path, max_users=2**32)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.users == users
    assert summary.totals[1] == sum(i * 3_000_000 + 500_000 for i in range(users))
    # Measured: about 2.0 MB (the 8-byte hashes with the array's growth, and I/O buffers),
    # for a 4.4 MB file; a design that kept ids or lines would need several times the file.
    assert peak < 24 * users + (1 << 20)
    assert peak < size


def test_large_snapshot_duplicate_found_on_the_last_line(tmp_path: Path) -> None:
    users = 50_000
    path = tmp_path / "large.csv"
    _write_large(path, users, duplicate=True)
    with pytest.raises(SnapshotError) as info:
        validate(path, max_users=2**32)
    assert info.value.problems == (f"{path}:{users + 2}: duplicate user id (duplicate of line 9)",)
