"""The `archive` console script. Loading the commands' modules (SQLAlchemy and the rest) takes
about half a second, and reading the arguments imports more before storage.cli.main sets its
signal handlers; a Ctrl-C in that time ends the command as one later does, not with the
traceback of an import. ``python -m storage.cli`` hands over to it for the same reason."""
from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> int:
    try:
        from storage.cli import main as run

        return run(exiting=True)  # which leaves nothing for Python's flush at exit to fail on (storage.cli.to_nowhere)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":  # python -m storage.console, the command without its installed script
    sys.exit(main())
