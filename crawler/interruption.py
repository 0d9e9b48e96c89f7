"""How a crawl stopped by SIGINT (Ctrl-C) or SIGTERM ends, from the first moment the project's
code runs: one line and exit status 128 + the signal's number (docs/operations.md, "Exit status").

Light on purpose: Scrapy imports it with the project's commands, before it reads the command
line, and a signal can come while the rest of the crawl command is still being imported.
"""
from __future__ import annotations

import os
import signal

# A run stopped by SIGINT (Ctrl-C) or SIGTERM exits 128 + the signal's number, as a shell
# reports a command a signal ended: 130 or 143.
EXIT_SIGNAL_BASE = 128


def interrupted_message(signum: int | None) -> str:
    """The line an interrupted run ends with, on stderr and in crawl_runs.message."""
    name = signal.Signals(signum).name if signum else "a signal"
    return f"interrupted by {name}: the run stopped before it was done; run it again"


def stop_at_once(signum: int, _frame) -> None:
    """A stop while nothing is open yet: said, and the process ends. Written straight to the
    file descriptor: the signal may have come in the middle of a write to sys.stderr, which a
    second write would raise on."""
    os.write(2, f"error: {interrupted_message(signum)}\n".encode())
    os._exit(EXIT_SIGNAL_BASE + signum)


def _interrupt(signum: int, _frame) -> None:
    raise KeyboardInterrupt(signum)


# What Python sets (a signal a parent had ignored, nohup's, a shell's background job's, stays
# ignored), and what the functions below set: a handler of another's (Scrapy's) is left alone.
_OURS = {signal.SIGINT: (signal.default_int_handler, stop_at_once, _interrupt),
         signal.SIGTERM: (signal.SIG_DFL, stop_at_once, _interrupt)}


def _take_signals(handlers: dict[int, object]) -> None:
    for signum, handler in handlers.items():
        if signal.getsignal(signum) in _OURS[signum]:
            signal.signal(signum, handler)


def stop_at_once_on_signals() -> None:
    """SIGINT and SIGTERM stop the crawl at once with its line, while it has nothing open:
    Python's own handling ended it with KeyboardInterrupt's traceback or, for SIGTERM, without
    a word."""
    _take_signals({signal.SIGINT: stop_at_once, signal.SIGTERM: stop_at_once})


def interrupt_on_signals() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt (SIGTERM's with its number), for a step that
    has the archive open to close it as it unwinds (crawler/commands/crawl.py)."""
    _take_signals({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _interrupt})


def command_line_names(argv: list[str], command: str) -> bool:
    """Whether ``argv`` runs Scrapy's ``command``: its first word not an option, as Scrapy reads it."""
    return next((word for word in argv[1:] if not word.startswith("-")), None) == command
