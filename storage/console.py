"""The `archive` console script. Loading the commands' modules (SQLAlchemy and the rest) takes
about half a second; a Ctrl-C in that time ends the command as one later does, not with the
traceback of an import."""
from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> int:
    try:
        from storage.cli import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    return run()


if __name__ == "__main__":  # python -m storage.console, as the `archive` script of a checkout not installed
    sys.exit(main())
