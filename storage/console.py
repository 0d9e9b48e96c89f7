"""The `archive` console script. Loading the commands' modules (SQLAlchemy and the rest) takes
about half a second; a Ctrl-C in that time ends the command as one later does, not with the
traceback of an import."""
from __future__ import annotations

import os
import sys

INTERRUPTED = 130


def main() -> int:
    try:
        from storage.cli import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    status = run()
    if sys.stdout is None:  # started with standard output closed (`>&-`): nothing to flush
        return status
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # archive export | head: the reader left while standard output still held some of the
        # export. Python flushes it again at exit, into the closed pipe, and ended a command that
        # had stopped cleanly with "Exception ignored … BrokenPipeError" and exit status 120.
        # What is left goes nowhere (Python's documentation, signal module: "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


if __name__ == "__main__":  # python -m storage.console, the command without its installed script
    sys.exit(main())
