"""No crash and bounded work on hostile input: lone surrogates anywhere in a statement, devices,
FIFOs and oversized files, unbounded audit lines and content after the root, proofs at other
parameters than the statement's, and huge numbers on the command line (exit 2, a message,
never a traceback)."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from solvency_rounds import (
    EXCHANGE,
    PYTHON,
    ROUND,
    USERS,
    Round,
    build_round,
    default_reserves_spec,
    prove,
    reserves_doc,
    shared,
    totals_of,
    verify,
    write_json,
)

from circuits.errors import FormatError
from verifier.formats import BINARY_MAGIC, MAX_AUDIT_LINE_BYTES, parse_inclusion, parse_statement
from verifier.inputs import bounded_lines, read_bounded

ALICE = USERS[0][0]


@pytest.fixture(scope="session")
def rnd(tmp_path_factory: pytest.TempPathFactory) -> Round:
    return shared(tmp_path_factory, "bounds", lambda base: build_round(base))


@pytest.fixture(scope="session")
def bundle(rnd: Round, tmp_path_factory: pytest.TempPathFactory) -> Path:
    def make(base: Path) -> Path:
        out = base / "bundle"
        res = prove(
            "export-audit", "--out", str(rnd.dir), "--secret", str(rnd.key),
            "--bundle", str(out), "--workers", "1",
        )  # fmt: skip
        assert res.rc == 0, res.text
        return out

    return shared(tmp_path_factory, "bounds-bundle", make)


# --- lone surrogates -------------------------------------------------------------------------

SURROGATE_PLACES = [
    ("reserves.a", lambda d: d.update(reserves={"a": "\udfff"}, solvency={})),
    ("reserves", lambda d: d.update(reserves={"\ud800": 1}, solvency={})),
    ("signature.pubkey", lambda d: d.update(signature={"pubkey": "\udfff", "sig": ""})),
    ("solvency.BTC[0]", lambda d: d.update(reserves={}, solvency={"BTC": ["\udc00x"]})),
    ("exchange", lambda d: d.update(exchange="Ex\udfffchange")),
]


def _signed_shape(doc: dict[str, object]) -> dict[str, object]:
    """A signature section of the right shape, so the signed bytes would be computed."""
    doc["signature"] = {"pubkey": "00" * 32, "sig": "00" * 64}
    return doc


@pytest.mark.parametrize(("where", "change"), SURROGATE_PLACES)
def test_lone_surrogate_anywhere_in_a_statement_exit_2(
    rnd: Round, tmp_path: Path, where: str, change: object
) -> None:
    doc = _signed_shape(rnd.statement_json())
    change(doc)  # type: ignore[operator]
    bad = tmp_path / "statement.json"
    bad.write_text(json.dumps(doc), encoding="ascii")  # the surrogate as a \\udfff escape
    what = "key" if where == "reserves" else "string"
    key = '["\\ud800"]' if where == "reserves" else ""
    message = (
        f"error: {bad}: {where}{key}: {what} contains a lone surrogate (\\ud800-\\udfff), "
        "which is not Unicode text\n"
    )
    for res in (
        verify("statement", str(bad)),
        verify("inclusion", "--statement", str(bad), "--proof", str(rnd.proof_path(ALICE))),
    ):
        assert (res.rc, res.stderr) == (2, message)
    folder = tmp_path / "round"
    folder.mkdir()
    shutil.copy(bad, folder / "statement.json")
    res = prove("report", "--round-dir", str(folder))
    assert (res.rc, res.stderr) == (2, message.replace(str(bad), str(folder / "statement.json")))


def test_a_surrogate_pair_is_text_and_an_escaped_backslash_is_not_a_surrogate(
    rnd: Round,
) -> None:
    doc = rnd.statement_json()
    doc["exchange"] = "Ex\U0001f600change"
    st = parse_statement(json.dumps(doc).encode(), "s.json")  # as \\ud83d\\ude00
    assert st.exchange == "Ex\U0001f600change"
    doc["exchange"] = "Ex\\udfff"  # a backslash then "udfff": plain text
    assert parse_statement(json.dumps(doc).encode(), "s.json").exchange == "Ex\\udfff"


# --- files that are not regular, or too big --------------------------------------------------


def test_devices_fifos_and_folders_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes: opening it for reading must not wait
    assert (verify("statement", "/dev/zero").rc, verify("statement", "/dev/zero").stderr) == (
        2,
        "error: /dev/zero: a device, expected a regular file\n",
    )
    res = verify("statement", str(fifo))
    assert (res.rc, res.stderr) == (
        2,
        f"error: {fifo}: a named pipe (FIFO), expected a regular file\n",
    )
    res = verify("statement", str(tmp_path))
    assert (res.rc, res.stderr) == (2, f"error: {tmp_path}: a folder, expected a regular file\n")
    res = verify("statement", str(tmp_path / "missing.json"))
    assert (res.rc, res.stderr) == (
        2,
        f"error: {tmp_path / 'missing.json'}: cannot read: No such file or directory\n",
    )


def test_read_bounded_reads_at_most_limit_plus_one(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 101)
    assert read_bounded(f, 101) == b"x" * 101
    with pytest.raises(FormatError, match=rf"^{f}: more than the limit of 100 bytes$"):
        read_bounded(f, 100)


def test_read_bounded_does_not_trust_the_reported_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows after fstat (or a file system that lies) is still cut at limit + 1."""
    f = tmp_path / "f"
    f.write_bytes(b"y" * 1000)
    real = os.fstat

    def lying_fstat(fd: int) -> os.stat_result:
        st = list(real(fd))
        st[6] = 1  # st_size
        return os.stat_result(st)

    monkeypatch.setattr(os, "fstat", lying_fstat)
    with pytest.raises(FormatError, match="more than the limit of 10 bytes"):
        read_bounded(f, 10)


class _Counting(io.BytesIO):
    """A stream that counts the bytes handed out."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.handed = 0

    def readline(self, size: int | None = -1) -> bytes:
        out = super().readline(size)
        self.handed += len(out)
        return out


def test_a_huge_line_is_refused_after_the_limit_not_read_whole() -> None:
    stream = _Counting(b"a\n" + b"z" * 10_000_000)  # 10 MB without a newline
    lines = bounded_lines(stream, 1000, "nodes.jsonl")
    assert next(lines) == (1, b"a")
    with pytest.raises(
        FormatError, match=r"^nodes.jsonl:2: line longer than the limit of 1,000 bytes$"
    ):
        next(lines)
    assert stream.handed <= 2 + 1002


def test_audit_line_over_the_limit_and_content_after_the_root(
    rnd: Round, bundle: Path, tmp_path: Path
) -> None:
    lines = (bundle / "nodes.jsonl").read_bytes().splitlines()
    nodes = tmp_path / "b1" / "nodes.jsonl"
    nodes.parent.mkdir()

    def audit(body: bytes) -> tuple[int, str]:
        nodes.write_bytes(body)
        res = verify("audit", "--statement", str(rnd.statement), "--bundle", str(nodes.parent))
        return res.rc, res.stderr

    assert audit(b"\n".join(lines) + b"\n")[0] == 0
    assert audit(b"\n".join(lines))[0] == 0  # no final newline
    n = len(lines)
    assert audit(b"\n".join(lines) + b"\n" + lines[0] + b"\n") == (
        2,
        f"error: {nodes}:{n + 1}: content after the root line\n",
    )
    assert audit(b"\n".join(lines) + b"\n\n") == (
        2,
        f"error: {nodes}:{n + 1}: content after the root line\n",
    )
    huge = b" " * (MAX_AUDIT_LINE_BYTES + 1)
    assert audit(lines[0] + b"\n" + huge) == (
        2,
        f"error: {nodes}:2: line longer than the limit of {MAX_AUDIT_LINE_BYTES:,} bytes\n",
    )
    os.unlink(nodes)
    os.mkfifo(nodes)
    res = verify("audit", "--statement", str(rnd.statement), "--bundle", str(nodes.parent))
    assert (res.rc, res.stderr) == (
        2,
        f"error: {nodes}: a named pipe (FIFO), expected a regular file\n",
    )


# --- parameters beyond the statement's: refused before anything is derived ----------------


def _huge_header_proof() -> bytes:
    """A binary proof header at the decoders' largest parameters (height 64, 16 assets, 64-bit
    ranges, aggregated: a 65,536-generator path proof), followed by nothing."""
    out = BINARY_MAGIC + struct.pack(">BBBBB", 1, 0, 64, 64, 16)
    out += struct.pack(">B", len(ROUND)) + ROUND.encode()
    out += struct.pack(">H", 5) + b"alice"
    for i in range(16):
        sym = f"A{i}".encode()
        out += struct.pack(">B", len(sym)) + sym + b"\x08"
    return out + bytes(32)


def test_a_proof_at_other_parameters_is_refused_at_its_header(rnd: Round, tmp_path: Path) -> None:
    st = parse_statement(rnd.statement.read_bytes(), "statement.json")
    data = _huge_header_proof()
    # without a statement the decoder goes on and finds the proof truncated; with the
    # statement it stops at the header, before reading any point or proof
    with pytest.raises(FormatError, match="truncated"):
        parse_inclusion(data, "p.bin")
    with pytest.raises(
        FormatError, match=r"^p\.bin: this proof is for round 2026-11 \(height 64, "
    ):
        parse_inclusion(data, "p.bin", st)
    bad = tmp_path / "huge.bin"
    bad.write_bytes(data)
    res = verify("inclusion", "--statement", str(rnd.statement), "--proof", str(bad))
    assert res.rc == 2
    assert res.stderr == (
        f"error: {bad}: this proof is for round 2026-11 (height 64, 64-bit ranges, mode "
        "aggregated, assets " + ", ".join(f"A{i}:8" for i in range(16)) + ", other generators), "
        "the statement for round 2026-11 (height 4, 32-bit ranges, mode aggregated, assets "
        "BTC:8, USDT:2): give the statement of the exchange and round that made the proof\n"
    )
    doc = rnd.proof_json(ALICE)
    doc["params"]["height"] = 64
    bad.write_text(json.dumps(doc))
    res = verify("inclusion", "--statement", str(rnd.statement), "--proof", str(bad))
    assert res.rc == 2
    assert res.stderr.startswith(f"error: {bad}: this proof is for round 2026-11 (height 64, ")


# --- huge numbers on the command line --------------------------------------------------------


def test_expect_with_5000_digits_exit_2(rnd: Round) -> None:
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path(ALICE)),
        "--expect", "BTC=" + "9" * 5000,
    )  # fmt: skip
    assert (res.rc, res.stderr) == (
        2,
        "error: --expect BTC=<5,000 digits>: more than 39 digits before the decimal point; "
        "no balance is that large\n",
    )
    res = verify(
        "inclusion", "--statement", str(rnd.statement), "--proof", str(rnd.proof_path(ALICE)),
        "--expect", "BTC=1." + "9" * 5000,
    )  # fmt: skip
    assert (res.rc, res.stderr) == (
        2,
        "error: --expect 'BTC=1." + "9" * 5000 + "': amount must be a plain decimal with at "
        "most 8 decimals\n",
    )


def test_min_ratio_with_5000_digits_exit_2(rnd: Round, tmp_path: Path) -> None:
    reserves = write_json(
        tmp_path / "reserves.json",
        reserves_doc(EXCHANGE, ROUND, default_reserves_spec(totals_of(USERS, rnd.assets))),
    )
    res = prove(
        "build", "--snapshot", str(rnd.snapshot), "--secret", str(rnd.key), "--round", ROUND,
        "--asset", "BTC:8", "--asset", "USDT:2", "--height", "4", "--bits", "32",
        "--workers", "1", "--out", str(tmp_path / "out"), "--exchange", EXCHANGE,
        "--reserves", str(reserves), "--min-ratio", "BTC=" + "1" * 5000,
    )  # fmt: skip
    assert (res.rc, res.stderr) == (
        2,
        "error: --min-ratio BTC=<5,000 digits>: percent must be in [1, 10000]\n",
    )
    assert not (tmp_path / "out").exists()


def test_a_file_name_that_is_not_utf8_prints_on_a_strict_stream(tmp_path: Path) -> None:
    """A name from the command line decodes to lone surrogates; a strict UTF-8 standard output
    (PYTHONIOENCODING=utf-8) must still print it, escaped, without a traceback."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    name = os.fsencode(tmp_path) + b"/\xff.json"
    for argv, stream in (
        ([PYTHON, "-m", "verifier", "statement", name, "--json"], "stdout"),
        ([PYTHON, "-m", "verifier", "statement", name], "stderr"),
        ([PYTHON, "-m", "prover", "report", "--round-dir", name], "stderr"),
    ):
        res = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        assert res.returncode == 2, res.stderr
        assert "Traceback" not in res.stderr
        assert "\\udcff.json" in getattr(res, stream)
