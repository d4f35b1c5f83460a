"""compare.py's progress report on stderr, kept out of the table's way.

On a terminal it is one line, rewritten in place (carriage return, then
clear to the end of the line) as the run moves from case to case and
repeat to repeat, and wiped when the run ends: "[12/40 0:42] sleep_cold
(N=3000): stdlib 2/5". Anywhere else (a file, a pipe, CI) it prints plain
lines, one per case and one per run of it, as a log to read afterwards.
"""
import shutil
import sys
import time

_CLEAR_TO_END = "\x1b[K"


def _clock(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class Progress:
    """Where a run of ``total`` cases is; ``step`` is measure()'s log."""

    def __init__(self, total, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.total = total
        self.index = 0
        self.case_name = ""
        self.case_label = ""
        self.started = time.perf_counter()
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty())
        self.shown = False

    def start_case(self, name, n):
        """The next case begins."""
        self.index += 1
        self.case_name = name
        self.case_label = f"{name} (N={n})"
        if self.live:
            self._show(self.case_label)
        else:
            self._print(self.case_label)

    def step(self, message):
        """A run of the current case begins ("cfutures 2/5")."""
        if self.live:
            self._show(f"{self.case_label}: {message}")
        else:
            self._print(f"  {self.case_name}: {message}")

    def note(self, message):
        """A line to keep (a skipped case, a file written)."""
        self.clear()
        self._print(message)

    def clear(self):
        """Wipe the live line (at the end, or before other output)."""
        if self.live and self.shown:
            self.stream.write("\r" + _CLEAR_TO_END)
            self.stream.flush()
            self.shown = False

    def _show(self, text):
        elapsed = _clock(time.perf_counter() - self.started)
        line = f"[{self.index}/{self.total} {elapsed}] {text}"
        width = shutil.get_terminal_size((80, 24)).columns - 1
        self.stream.write("\r" + line[:width] + _CLEAR_TO_END)
        self.stream.flush()
        self.shown = True

    def _print(self, text):
        print(text, file=self.stream, flush=True)
