"""Progress of a long phase on standard error: a tqdm bar with a time-remaining estimate on a
terminal, and plain lines (the phase's start, a line a minute with the estimate, its end) when
standard error is a log or a pipe, so a log shows where a long build is."""

from __future__ import annotations

import shutil
import sys
import time
from typing import Any, TextIO

#: Seconds between two progress lines when standard error is not a terminal.
LINE_INTERVAL = 60.0


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """`enabled`: True a bar, False nothing, None a bar on a terminal and lines otherwise."""

    def __init__(
        self, label: str, total: int, enabled: bool | None = None, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        tty = self.stream.isatty()
        self.mode = (
            "off" if enabled is False or total <= 0 else "bar" if enabled or tty else "lines"
        )
        self.start = self._last = time.monotonic()
        self._bar: Any = None
        if self.mode == "bar":
            from tqdm import tqdm

            width = shutil.get_terminal_size((100, 24)).columns or 100
            self._bar = tqdm(
                total=self.total, desc=label, file=self.stream, mininterval=0.2, ncols=width
            )
        elif self.mode == "lines":
            self._line(f"{self.total:,} to do")

    def _line(self, text: str) -> None:
        self.stream.write(f"{time.strftime('%H:%M:%S')} {self.label}: {text}\n")
        self.stream.flush()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.mode == "bar":
            self._bar.update(n)
        elif self.mode == "lines":
            now = time.monotonic()
            if now - self._last >= LINE_INTERVAL and self.done < self.total:
                self._last = now
                left = (now - self.start) / self.done * (self.total - self.done)
                self._line(
                    f"{self.done:,} of {self.total:,} ({100 * self.done / self.total:.0f}%), "
                    f"about {_duration(left)} left"
                )

    def close(self) -> None:
        if self.mode == "bar":
            self._bar.close()
        elif self.mode == "lines":
            self._line(f"{self.done:,} done in {_duration(time.monotonic() - self.start)}")
        self.mode = "off"
