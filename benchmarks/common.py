"""Shared benchmark machinery: provenance, the unit of cost, repeated timing, CSV output.

Every benchmark reports times in milliseconds and in *units*: one unit is the median time of a
single libsecp256k1 variable-base scalar multiplication through circuits.group (measured in the
same run), so figures from different machines can be compared.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import platform
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_DIR = Path(__file__).resolve().parent.parent


def set_results_dir(path: str | os.PathLike[str]) -> Path:
    """Send this run's CSV, summary and plots to `path` (the `--results DIR` option)."""
    global RESULTS_DIR
    RESULTS_DIR = Path(path).resolve()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR


def results_dir() -> Path:
    return RESULTS_DIR


PROVENANCE_COLUMNS = (
    "git_commit",
    "git_dirty",
    "date_utc",
    "cpu_model",
    "cores",
    "python",
    "unit_us",
)


def git_commit() -> tuple[str, bool]:
    """(commit hash, whether the working tree has uncommitted changes); ("unknown", False)
    outside a git checkout."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_DIR, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown", False
    return head, bool(dirty)


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo, else platform.processor()."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Provenance:
    git_commit: str
    git_dirty: bool
    date_utc: str
    cpu_model: str
    cores: int
    python: str
    unit_us: float

    def row(self) -> dict[str, Any]:
        return {
            "git_commit": self.git_commit,
            "git_dirty": int(self.git_dirty),
            "date_utc": self.date_utc,
            "cpu_model": self.cpu_model,
            "cores": self.cores,
            "python": self.python,
            "unit_us": f"{self.unit_us:.3f}",
        }


def provenance(unit_seconds: float) -> Provenance:
    commit, dirty = git_commit()
    return Provenance(
        git_commit=commit,
        git_dirty=dirty,
        date_utc=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cpu_model=cpu_model(),
        cores=cores(),
        python=platform.python_version(),
        unit_us=unit_seconds * 1e6,
    )


#: Clocks: "wall" (time.perf_counter) or "cpu" (time.process_time: this process's CPU time,
#: steadier on a shared machine; the benchmarks are single-threaded).
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


def unit_scalar_mul_seconds(samples: int = 2001, clock: str = "wall") -> float:
    """Median time of one variable-base scalar multiplication on the libsecp256k1 backend,
    through circuits.group (Point * k, a random 256-bit k, a point that is not G or H)."""
    now = CLOCKS[clock]
    from circuits.generators import g_vec
    from circuits.group import N

    base = g_vec(2, "libsecp256k1")[1]
    ks = [secrets.randbelow(N - 1) + 1 for _ in range(samples)]
    for k in ks[:50]:  # warm up
        _ = base * k
    times = []
    for k in ks:
        t0 = now()
        _ = base * k
        times.append(now() - t0)
    return statistics.median(times)


@dataclass(frozen=True)
class Timing:
    """Seconds over repeated runs: median, min, max, and the interquartile range."""

    median: float
    low: float
    high: float
    q1: float
    q3: float
    runs: int

    def ms(self) -> str:
        return f"{self.median * 1e3:.2f}"

    def units(self, unit: float) -> float:
        return self.median / unit


def measure(
    fn: Callable[[], object],
    repeat: int,
    setup: Callable[[], None] | None = None,
    clock: str = "wall",
) -> Timing:
    """Time `fn` `repeat` times (after `setup`, untimed, before each run) on `clock`."""
    now = CLOCKS[clock]
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = now()
        fn()
        times.append(now() - t0)
    times.sort()
    if len(times) >= 4:
        q = statistics.quantiles(times, n=4)
        q1, q3 = q[0], q[2]
    else:
        q1, q3 = times[0], times[-1]
    return Timing(statistics.median(times), times[0], times[-1], q1, q3, len(times))


def write_csv(name: str, rows: Sequence[dict[str, Any]], prov: Provenance) -> Path:
    """Write rows (plus the provenance columns) to benchmarks/results/<name>.csv through a
    temporary file and an atomic rename."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.csv"
    fields: list[str] = []
    for r in rows:
        for k in r:
            if k not in fields:
                fields.append(k)
    fields += [c for c in PROVENANCE_COLUMNS if c not in fields]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, **prov.row()})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """A plain aligned text table of the chosen columns."""
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r.get(c, "")).rjust(w) for c, w in zip(columns, widths, strict=True)))


# --- streaming CSV, progress, memory ---------------------------------------------------------


class CsvStream:
    """A CSV written row by row (header first, each row flushed and synced as it is measured),
    so an interrupted run keeps every row already measured. Provenance columns end each row."""

    def __init__(self, name: str, columns: Sequence[str], prov: Provenance) -> None:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.path = RESULTS_DIR / f"{name}.csv"
        self.prov = prov
        self.columns = [*columns, *(c for c in PROVENANCE_COLUMNS if c not in columns)]
        self._f = open(self.path, "w", encoding="utf-8", newline="")
        self._w = csv.DictWriter(
            self._f, fieldnames=self.columns, lineterminator="\n", extrasaction="raise"
        )
        self._w.writeheader()
        self._sync()
        self.rows: list[dict[str, Any]] = []

    def _sync(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def write(self, row: dict[str, Any]) -> None:
        self._w.writerow({**row, **self.prov.row()})
        self._sync()
        self.rows.append(row)

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def __enter__(self) -> CsvStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Rows of a results CSV ([] when it does not exist)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        return []


class Bar:
    """Progress over grid points on standard error (when it is a terminal, or when forced):
    points done, the point being measured, elapsed time and a naive ETA."""

    def __init__(self, label: str, total: int, enabled: bool | None = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.done = 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()

    def show(self, what: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else math.nan
        frac = self.done / self.total
        bar = "#" * int(frac * 20)
        eta_s = "?" if math.isnan(eta) else f"{eta:.0f}s"
        sys.stderr.write(
            f"\r\x1b[K{self.label} [{bar:<20}] {self.done}/{self.total} "
            f"{elapsed:.0f}s eta {eta_s}  {what}"
        )
        sys.stderr.flush()

    def advance(self) -> None:
        self.done += 1

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def load_average() -> str:
    """The 1-minute load average, as `uptime` shows it (other processes share the cores)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover
        return "unknown"


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max) of a non-empty sample."""
    return statistics.median(values), min(values), max(values)


def parse_list(text: str, kind: Callable[[str], Any] = int) -> list[Any]:
    """`1000,10000` -> [1000, 10000]; also accepts `2^20` / `2**20` for integers."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if kind is int and ("^" in part or "**" in part):
            base, exp = part.replace("**", "^").split("^", 1)
            out.append(int(base) ** int(exp))
        else:
            out.append(kind(part))
    if not out:
        raise ValueError(f"empty list: {text!r}")
    return out
