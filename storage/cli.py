"""``archive``: search, query, count, export, copy, re-process, move and upgrade the archive from a shell.

Every subcommand is one :func:`command` registration: a function taking the parsed arguments
and returning an exit status, and a function adding its arguments to its parser. Problems the
user can fix (no archive, database unreachable, a write through ``archive sql``) are one line
on stderr and exit status 2.
"""
from __future__ import annotations

if __name__ == "__main__":  # python -m storage.cli: run as the console script, before the imports below it guards
    from storage.console import main as _run_as_the_console_script

    raise SystemExit(_run_as_the_console_script())

import argparse
import csv
import errno
import itertools
import json
import logging
import math
import os
import re
import shlex
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, NoReturn

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crawler.dates import WHOLE_NUMBER, BadDate, number_in_full_width, typed_date
from crawler.pagenumbers import page_shown
from crawler.papers import InvalidProfile
from storage.console import INTERRUPTED
from storage.db import (HEADING_ORIGINALS, INSUFFICIENT_PRIVILEGE, Archive, ArchiveError, archive_origin, archive_url,
                        database_words, not_readable, open_archive, reading_the_index, sqlite_integer)

EXIT_ERROR = 2
# move-root and upgrade changed the archive, and only their report could not be written to
# standard output (a full disk): told apart from an error, after which nothing changed.
EXIT_CHANGED_UNREPORTED = 3


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None):
    """Register ``run(args) -> exit status`` as the subcommand ``name``."""
    def register(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, run, configure)
        return run
    return register


class OneLineParser(argparse.ArgumentParser):
    """argparse, whose errors are one line: its usage above the error (wrapped over several
    lines for a command with many options) buried what was wrong. The line says where the
    options are listed instead."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


# Where a command's parser leaves the arguments after its name that it does not take, apart from
# those before the name, which argparse would give back with them in one list.
_UNRECOGNIZED_BY_COMMAND = "unrecognized_by_command"


class CommandParser(OneLineParser):
    """A command's parser (`archive stats`), which keeps what it does not take to itself."""

    given: tuple[str, ...] = ()
    # The `archive` command line's parser, which names the commands a mistyped option belongs to.
    top: CommandLineParser | None = None

    def parse_known_args(self, args=None, namespace=None):
        self.given = tuple(args or ())
        parsed, unknown = super().parse_known_args(args, namespace)
        setattr(parsed, _UNRECOGNIZED_BY_COMMAND, unknown)
        return parsed, []

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required") and self.top is not None:
            # A mistyped option given in place of the words (`archive search -o`) is what went
            # wrong: said as one given beside them is, where the line spoke of missing words alone.
            mistyped = self._read_given()[2]
            if mistyped:
                self.top.unrecognized(self, mistyped)
        super().error(message + (self._dashed_value_note(message) or self._dashed_word_note()))

    def _dashed_value_note(self, message: str) -> str:
        """Where an option was given a value beginning with '-' (`archive export --query -广告`):
        argparse reads the value as an option, and said the option's value was missing, which
        it was not; written after an = it is the option's."""
        if not message.endswith(": expected one argument"):
            return ""
        for at, arg in enumerate(self.given[:-1]):
            if arg == "--":
                break
            action = option_taken(self, arg) if arg.startswith("-") else None
            value = self.given[at + 1]
            if (action is not None and action.nargs is None and f"argument {'/'.join(action.option_strings)}:" in message
                    and value.startswith("-") and option_taken(self, value.split("=", 1)[0]) is None):
                return f" ({value} begins with '-', read as an option: give it after an = ({arg}={as_typed(value)}))"
        return ""

    def _read_given(self) -> tuple[list[str], list[str], list[str]]:
        """The arguments given, read as the parser reads them: the options it takes (with their
        values), the words, and what reads as a mistyped option (two dashes, or a dash and a
        Latin letter: -o of another command)."""
        options, words, mistyped, skip = [], [], [], False
        for arg in self.given:
            if skip:
                options.append(arg)
                skip = False
                continue
            action = option_taken(self, arg.split("=", 1)[0]) if arg.startswith("-") else None
            if action is not None:
                options.append(arg)
                skip = action.nargs != 0 and "=" not in arg
            elif (arg.startswith("--") and arg != "--") or re.match(r"-[A-Za-z]", arg):
                mistyped.append(arg)
            else:
                words.append(arg)
        return options, words, mistyped

    def _dashed_word_note(self) -> str:
        """Where a command taking words was given one beginning with '-' and no Latin letter
        (`archive search -心`): argparse reads it as an option, and said the words were missing,
        or the word unrecognized, which sent a user to its --help, where the cure (--) is not."""
        if "--" in self.given or not any(not action.option_strings for action in self._actions):
            return ""
        options, words, mistyped = self._read_given()
        if mistyped:  # named as it is, by the error
            return ""
        dashed = next((word for word in words if word.startswith("-") and not self._negative_number_matcher.match(word)), None)
        if dashed is None:
            return ""
        again = " ".join([self.prog, *options, "--", *words])
        return f" ({dashed} begins with '-', read as an option: give the words after -- ({again}))"


class CommandLineParser(OneLineParser):
    """The `archive` command line's parser: an option its command does not take (`archive stats
    --section x`) is that command's error, naming its --help, where the top parser's said "archive:
    error: unrecognized arguments" and sent the user to `archive --help`, which lists no option
    of any command. One given before the command's name (`archive --bogus stats`) is the top
    parser's, said as such: it was called the command's, whose --help lists no such option; one
    the command takes is said to go after its name. One that only other commands take names
    them, before the command's name or after it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}

    def parse_args(self, args=None, namespace=None):
        args = sys.argv[1:] if args is None else list(args)
        misplaced = self._command_option_before_the_command(args)
        if misplaced:
            option, moved = misplaced
            self.error(f"{option} is an option of the command, not of archive: give it after the command's name "
                       f"(archive {moved})")
        parsed, before = self.parse_known_args(args, namespace)
        after = vars(parsed).pop(_UNRECOGNIZED_BY_COMMAND, [])
        given = self._archive_after_the_command(args) if after else None
        if given:
            said, given = given
            self.error(f"{said}, not of the command: give it before the command's name (archive {given} {parsed.command})")
        if before:
            self.error(f"unrecognized arguments before the command {parsed.command}: {' '.join(before)} (archive "
                       "itself takes --archive there; a command's options go after its name)")
        if after:
            self.unrecognized(self.commands[parsed.command], after)
        return parsed

    def unrecognized(self, command: argparse.ArgumentParser, given: list[str]) -> NoReturn:
        """The command's error for arguments it does not take, naming the commands that take
        those options."""
        others = [said for arg in given if arg.startswith("-") and (said := self._option_of_commands(arg))]
        note = f" ({'; '.join(others)})" if others else ""
        command.error(f"unrecognized arguments: {' '.join(given)}{note}")

    def _before_the_command(self, args: list[str]) -> tuple[list[tuple[int, str]], int]:
        """The words before the command's name, each with its place, and the name's place
        (``len(args)`` if there is none), as the parser reads them: the values of archive's own
        options (--archive's URL) are skipped, so that one spelt as a command's name (`archive
        --archive search search`) is not taken for the command. A ``--`` ends them."""
        words, at = [], 0
        while at < len(args) and args[at] != "--" and args[at] not in self.commands:
            arg = args[at]
            words.append((at, arg))
            own = option_taken(self, arg.split("=", 1)[0]) if arg.startswith("-") else None
            at += 2 if own is not None and own.nargs != 0 and "=" not in arg else 1
        return words, at

    def _archive_after_the_command(self, args: list[str]) -> tuple[str, str] | None:
        """`--archive URL` as given after the command's name (written whole or abbreviated, as
        the parser takes it), if it is: what to say of it, and it as given. The command's parser
        called it no option, and took its URL for an argument of its own where one was due
        (move-root's PAPER)."""
        _, command = self._before_the_command(args)
        if command >= len(args) or args[command] not in self.commands:
            return None
        words = args[command + 1:]
        for at, arg in enumerate(words):
            if arg == "--":
                return None
            name = arg.split("=", 1)[0]
            if not arg.startswith("-") or option_taken(self.commands[args[command]], name) is not None:
                continue
            own = option_taken(self, name)
            if own is not None and own.dest == "archive":
                said = _option_said(name, {_written_whole(own, name): ["archive"]})
                return said, arg if "=" in arg else " ".join(words[at:at + 2])
        return None

    def _option_of_commands(self, arg: str) -> str | None:
        """Which commands take the option ``arg`` (as written, or abbreviated as argparse takes
        it), said as "--section is an option of archive search and archive export", and of an
        abbreviation that stands for different options in different commands, each with its
        commands ("--p is short for --paper, an option of archive search, or for --port, an
        option of archive serve"); None if no command takes it."""
        name = arg.split("=", 1)[0]
        taken: dict[str, list[str]] = {}
        for command, parser in self.commands.items():
            if (action := option_taken(parser, name)) is not None:
                taken.setdefault(_written_whole(action, name), []).append(f"archive {command}")
        return _option_said(name, taken) if taken else None

    def _command_option_before_the_command(self, args: list[str]) -> tuple[str, str] | None:
        """The first option before the command's name that the command takes, with the command
        line it belongs in (`stats --since 2023-01-01`): argparse took its value for the command's
        name ("invalid choice: '2023-01-01'"), or said it was no option at all. One only other
        commands take is refused here, naming them, for the same reason."""
        for at, arg in self._before_the_command(args)[0]:
            name = arg.split("=", 1)[0]
            if not arg.startswith("-") or option_taken(self, name) is not None:
                continue
            command = next((word for word in args[at + 1:] if word in self.commands), None)
            action = option_taken(self.commands[command], name) if command else None
            if action is None:
                # Another command's option: its value was taken for the command's name.
                said = self._option_of_commands(arg)
                if said:
                    self.error(f"{said}, given before the command: write it after one of them")
                return None
            takes_value = action.nargs != 0 and "=" not in arg and at + 1 < len(args)
            return name, " ".join([command, arg, *args[at + 1:at + 2 if takes_value else at + 1]])
        return None


def _written_whole(action: argparse.Action, name: str) -> str:
    """The option of ``action`` that ``name`` is, or abbreviates."""
    return max(action.option_strings, key=lambda option: option.startswith(name))


def _option_said(name: str, taken: dict[str, list[str]]) -> str:
    """The option ``name`` said with who takes it (``taken``: each option it is, or abbreviates,
    with those that take that one): "--section is an option of archive search and archive
    export", "--p is short for --paper, an option of archive search, or for --port, an option of
    archive serve"."""
    def listed(names: list[str]) -> str:
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)

    if list(taken) == [name]:
        return f"{name} is an option of {listed(taken[name])}"
    return f"{name} is short for " + ", or for ".join(f"{option}, an option of {listed(takers)}"
                                                       for option, takers in taken.items())


# What a shell reads otherwise than as the word's own characters.
_SHELL_SPECIAL = re.compile(r"""[\s'"\\$`!*?;&|<>()\[\]{}~#]""")


def as_typed(word: str) -> str:
    """``word`` as a shell command line gives it: quoted where the shell would read it otherwise
    (shlex.quote quotes every Chinese character, which a line to copy need not)."""
    return shlex.quote(word) if _SHELL_SPECIAL.search(word) else word


def option_taken(parser: argparse.ArgumentParser, name: str) -> argparse.Action | None:
    """The action of ``parser``'s option ``name``, written whole or, as argparse takes it,
    abbreviated to the start of one long option; None if it takes none, or several, so named."""
    if name in parser._option_string_actions:
        return parser._option_string_actions[name]
    if not name.startswith("--") or not parser.allow_abbrev:
        return None
    actions = {id(action): action for option, action in parser._option_string_actions.items()
               if option.startswith(name)}
    return next(iter(actions.values())) if len(actions) == 1 else None


def iso_date(value: str) -> date:
    try:
        return typed_date(value)
    except BadDate as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def number_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, in ASCII digits, blanks
    around it passed over; one in full-width digits is refused saying so, as a date is."""
    def parse(value: str) -> int:
        written = value.strip()
        if not WHOLE_NUMBER.fullmatch(written):
            if reason := number_in_full_width(written):
                raise argparse.ArgumentTypeError(f"{written!r} {reason}")
            # "invalid number '1e3'" named no rule, and 1e3 is a number: the rule, as --since's.
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number (expected {low} to {high:,})")
        number = int(written)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is out of range: {low} to {high:,}")
        return number
    return parse


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """Why a server (`archive serve`, the sample site) cannot listen, and, for a port in use
    (most often the one a server left running holds), what to type instead."""
    # create_server adds "(while attempting to bind on address …)", which says it again.
    reason = (error.strerror or str(error)).split(" (while attempting")[0]
    hint = " (give another --port, or --port 0 for any free one)" if error.errno == errno.EADDRINUSE else ""
    return f"cannot listen on {host}:{port}: {reason}{hint}"


def add_filters(parser: argparse.ArgumentParser, section: bool = True, since: str = "first issue date, YYYY-MM-DD",
                until: str = "last issue date, YYYY-MM-DD") -> None:
    parser.add_argument("--paper", help="paper code, e.g. gongyishibao")
    parser.add_argument("--since", type=iso_date, help=since)
    parser.add_argument("--until", type=iso_date, help=until)
    if section:
        parser.add_argument("--section", help="section (版名), whole, as printed or in Simplified, e.g. 社会工作")


def add_format(parser: argparse.ArgumentParser, *formats: str, default: str | None = None, help: str | None = None) -> None:
    """The option choosing how a command writes its output, one of ``formats``: a name it does
    not take is refused in one line naming them (OneLineParser)."""
    parser.add_argument("--format", choices=formats, default=default, help=help)


def check_span(args: argparse.Namespace) -> None:
    """``--since`` after ``--until`` names no date at all: a slip of the keyboard, said in one line
    (as the crawl refuses an end before its start) rather than answered with nothing."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is not None and until is not None and since > until:
        raise ArchiveError(f"--since {since} is after --until {until}: no date is within them")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, the noun plural unless the number is one: "1 row", "2 rows"."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def check_paper(archive: Archive, code: str | None, profiled: bool = False) -> str | None:
    """``--paper`` as the archive (or a profile) writes its code: given in other capitals
    (Gongyishibao) or in full width, it is taken, and said to be, as a filter on it found
    nothing; blanks around it are passed over, as around a ``--section``. One the
    archive does not hold (a typo, another archive's paper) would filter everything out: refused
    in one line naming the papers it holds, and those closest to it, rather than answered with
    nothing. ``profiled``: the commands that read the paper profiles (stats, reprocess) take a
    paper a profile names too, crawled or not (stats lists its schedule, reprocess says 0)."""
    from crawler.papers import code_as_known, given_code, taken_as, unknown_paper_hint

    if code is None:
        return None
    with archive.engine.connect() as conn:
        papers = dict(conn.execute(text("SELECT code, name FROM papers ORDER BY code")).all())
    archived = list(papers)
    names, more = dict(papers), ""
    if profiled:
        from crawler.papers import load_profiles

        profiles = load_profiles()
        # A code whose profile has a mistake is that paper's: its own error (InvalidProfile) says more.
        named = {known: profile.name for known, profile in profiles.papers.items()} | {
            problem.code: None for problem in profiles.problems if problem.code}
        if others := sorted(set(named) - set(archived)):
            more += f"; profiled, not archived: {', '.join(others)}"
        if unread := [problem.source for problem in profiles.problems if problem.code is None]:
            more += f"; not read: {', '.join(unread)}"
        names = named | names
    known = code_as_known(code, names)
    if known not in names:
        holds = f"this archive holds: {', '.join(archived)}" if archived else "this archive holds no paper"
        raise ArchiveError(f"unknown paper {given_code(code)!r} ({holds}{more}){unknown_paper_hint(code, names)}")
    if given := taken_as(code, known):
        name = f" ({names[known]})" if names[known] else ""
        say(f"paper {given!r} taken as {known}{name}: a paper's code is written as the archive holds it")
    return known


# The sections an error names at most: an archive of several papers over years may hold hundreds.
SECTIONS_NAMED = 30


def check_section(archive: Archive, section: str | None, paper: str | None = None) -> None:
    """A ``--section`` that no page of the archive has, in any form (a typo, most likely), would
    filter everything out: search, export and reprocess refuse it in one line naming the
    sections the archive has (most pages first), as they refuse an unknown ``--paper``, where a
    search or an export that found nothing read as the section's answer, and a reprocess that
    read nothing as done. With ``paper`` (its ``--paper``, checked first), the section is
    looked for, and the sections named, among that paper's pages: a section of another paper
    (each paper names its own) filtered everything out as well, a reprocess reading nothing."""
    from storage.search import TABLE_COLUMNS, filters

    if section is None:
        return
    where, params = filters(TABLE_COLUMNS, section=section, paper=paper)
    pages = "pages p JOIN issues i ON i.id = p.issue_id JOIN papers pa ON pa.id = i.paper_id"
    with archive.engine.connect() as conn:
        if conn.execute(text(f"SELECT 1 FROM {pages} WHERE 1=1{''.join(where)} LIMIT 1"), params).first() is not None:
            return
        counts = conn.execute(text(
            f"SELECT p.section, count(*) FROM {pages} WHERE p.section IS NOT NULL AND p.section <> ''"
            + (" AND pa.code = :paper" if paper else "") + " GROUP BY p.section"), {"paper": paper}).all()
    # Ordered here: the databases' collations order Chinese apart. Each as a table shows it: an
    # archived page's control characters are no text for the terminal to run (one_line).
    sections = [one_line(name) for name, _ in sorted(counts, key=lambda row: (-row[1], row[0]))]
    more = f", and {len(sections) - SECTIONS_NAMED} more" if len(sections) > SECTIONS_NAMED else ""
    none = "no page of it has a section" if paper else "its pages have no section"
    has = f"its sections: {', '.join(sections[:SECTIONS_NAMED])}{more}" if sections else none
    whose = f"of paper {paper}" if paper else "of this archive"
    raise ArchiveError(f"no page {whose} has the section {section!r} ({has})")


def origin(args: argparse.Namespace) -> str:
    """Where the archive comes from (--archive, $ARCHIVE_URL, the default), for the messages on it."""
    return archive_origin(args.archive, "--archive")


def reading(args: argparse.Namespace) -> Archive:
    archive = open_archive(args.archive, create=False, origin=origin(args))
    args.revision = archive.revision  # for the hint on a database error (main)
    return archive


def _upgrade_hint(args: argparse.Namespace) -> str:
    """What a database error on an archive older than the code most likely means."""
    from storage import migrate

    revision = getattr(args, "revision", None)
    if revision is None or revision == migrate.head() or not migrate.known(revision):
        return ""
    return f" (the archive has schema {revision}, older than this code's ({migrate.head()}): run `archive upgrade`)"


# Whether a progress line drawn in place on the terminal awaits its end (see say).
_progress_drawn = False


def progress_line(label: str) -> Callable[[int, int], None]:
    """Progress on stderr, redrawn in place on a terminal (the cursor left at its end, where
    the terminal echoes ^C), every 1% otherwise."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        global _progress_drawn
        step = max(1, total // 100)
        if done == total or done % step == 0:
            _progress_drawn = tty and done < total
            start = "\r" if tty else ""
            print(f"{start}{label} {done}/{total}", end="" if _progress_drawn else "\n", file=sys.stderr, flush=True)

    return show


def tables_progress() -> Callable[[str, int, int], None]:
    """A progress line for each table an archive's copy copies (export --format sqlite, copy)."""
    shown: dict[str, Callable[[int, int], None]] = {}
    return lambda table, done, total: shown.setdefault(table, progress_line(f"copied {table}"))(done, total)


def standard_output():
    """Standard output, where a command prints its results; one started with it closed (`>&-`)
    printed nothing and said nothing, exit status 0."""
    if sys.stdout is None:
        raise ArchiveError("cannot write standard output: it is closed")
    return sys.stdout


def to_nowhere(stream) -> None:
    """What ``stream`` still buffers, and all written to it later, goes to /dev/null: a reader
    that left (`archive sql … | head`) or a write that failed leaves bytes that Python's flush
    at exit would write again, failing with "Exception ignored … BrokenPipeError" and exit
    status 120 (Python's documentation, signal module: "Note on SIGPIPE")."""
    nowhere = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nowhere, stream.fileno())
    finally:
        os.close(nowhere)


class StandardOutputLost(ArchiveError):
    """A write to standard output failed; ``reason`` says why ("No space left on device")."""

    def __init__(self, reason: str):
        super().__init__(f"cannot write standard output: {reason}")
        self.reason = reason


def standard_output_lost(error: OSError, stream) -> StandardOutputLost:
    """The error of a write to standard output that failed (a full disk, a quota, a terminal
    gone). What the buffer still holds would fail again in Python's flush at exit, with
    "Exception ignored …": it goes nowhere."""
    to_nowhere(stream)
    return StandardOutputLost(str(error.strerror or error))


def report_of_a_change(change: str, report: str, write: Callable[[], None],
                       reader_left: Callable[[], None] = lambda: None) -> int:
    """``write`` the ``report`` of a change made to the archive to standard output: 0, or where
    it cannot be written (a full disk, which no check before the change can rule out), one line
    saying the change was made all the same, EXIT_CHANGED_UNREPORTED. The plain "cannot write
    standard output" after a move-root or an upgrade read as a command that changed nothing.
    A reader that left (`| head`) is no failure: 0, and ``reader_left`` says the change on
    stderr, unless the caller says it there anyway."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        reader_left()
    except StandardOutputLost as lost:
        say(f"error: the archive was changed ({change}), but {report} could not be written to standard output: "
            f"{lost.reason}")
        return EXIT_CHANGED_UNREPORTED
    return 0


def say(line: str) -> None:
    """One line on stderr, below a progress line drawn in place: drawn over it, a shorter line
    left its end showing ("interruptedd for search 500/1000")."""
    global _progress_drawn
    if _progress_drawn:
        print(file=sys.stderr)
        _progress_drawn = False
    print(line, file=sys.stderr, flush=True)


# --- search ------------------------------------------------------------------------------

def _search_arguments(parser: argparse.ArgumentParser) -> None:
    from storage.search import MAX_OFFSET

    parser.add_argument("query", nargs="+", help="words to find (all of them), e.g. 社工 or 社工 站")
    add_filters(parser)
    # A page past the offset means collecting every match before it: the bounds keep that finite.
    parser.add_argument("--limit", type=number_between(1, 10_000), default=20, help="hits to print (default 20)")
    parser.add_argument("--offset", type=number_between(0, MAX_OFFSET), default=0, help="hits to skip first (default 0)")


@command("search", "ranked full-text search with snippets", _search_arguments)
def run_search(args: argparse.Namespace) -> int:
    from storage.search import as_written_note, open_quotation_note, ranked_among, search

    archive = reading(args)
    try:
        archive.check_writable(reading_the_index("archive search"))
        args.paper = check_paper(archive, args.paper)
        check_section(archive, args.section, args.paper)
        hits = search(archive, " ".join(args.query), paper=args.paper, since=args.since, until=args.until,
                      section=args.section, limit=args.limit, offset=args.offset)
        if note := open_quotation_note(" ".join(args.query)):
            print(f"note: {note}", file=sys.stderr)
        if not hits and hits.matches:
            # Fewer match than the hits skipped: how many, since "past the first 500 hits" read
            # as if there were 500 of them.
            print(f"no articles found past the first {counted(args.offset, 'hit')}: "
                  f"the search has {counted(hits.matches, 'hit')}", file=sys.stderr)
        elif not hits:
            note = as_written_note(" ".join(args.query))
            print(no_articles_found(args) + (f"; {note}" if note else ""), file=sys.stderr)
    finally:
        archive.close()
    for hit in hits:
        print(f"{hit.issue_date} {hit.paper_code} {page_shown(hit.page_number, hit.page_label)} {one_line(hit.section)}  {one_line(hit.title)}  "
              f"[#{hit.article_id}]")
        print(f"    {one_line(hit.snippet)}")
    if hits and hits[0].pool_full:
        print(f"more articles hold these words than are ranked: these are the best of the "
              f"{ranked_among(args.offset, args.limit)}; narrow the search "
              "(--paper, --section, --since, --until) to reach the others", file=sys.stderr)
    return 0


# --- sql ---------------------------------------------------------------------------------

def _sql_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="one SELECT statement; see docs/queries.md")
    add_format(parser, "table", "csv", "json", default="table")


# PostgreSQL's SQLSTATE for a write refused in a read-only transaction (read_only_sql_transaction).
READ_ONLY_TRANSACTION = "25006"


def refused_write(error: BaseException) -> bool:
    """Whether the database refused ``error``'s statement as a write: by its error code, not its
    words, which quote what the statement named (no such column: query_only). SQLite's
    SQLITE_READONLY is PRAGMA query_only's refusal, SQLITE_AUTH the authorizer's (a pragma set, a
    database attached: _sqlite_authorizer); PostgreSQL's is the read-only transaction's."""
    import sqlite3

    if (code := getattr(error, "sqlite_errorcode", None)) is not None:
        return code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH)  # extended codes too
    return getattr(error, "sqlstate", None) == READ_ONLY_TRANSACTION


# SQLite's code for the refusals of _sqlite_authorizer, and what each is, by the statement's first
# word: SQLite says only "not authorized" (ATTACH, a pragma set) or "authorization denied"
# (VACUUM), which read as a permission the user lacked.
SQLITE_AUTH = 23  # sqlite3.SQLITE_AUTH, without importing sqlite3 for PostgreSQL
_AUTHORIZER_REFUSALS = {
    "attach": "it attaches no other database (ATTACH opens, or creates, its file)",
    "detach": "it attaches no other database, nor detaches one",
    "pragma": "it sets no pragma, nor runs one that writes (PRAGMA journal_mode, without a value, reads one)",
    "vacuum": "VACUUM writes the archive again, or a copy of it (`archive export -o copy.sqlite3` makes a copy)",
}
# SQLite's code for a value where an integer is needed (LIMIT, OFFSET) that is none: "datatype
# mismatch", all it says of a whole number past its 64-bit integers, which it reads as a REAL.
SQLITE_MISMATCH = 20  # sqlite3.SQLITE_MISMATCH


def _past_sqlite_integers(query: str) -> bool:
    """Whether ``query`` holds, outside strings, names and comments, a whole number past SQLite's
    64-bit integers."""
    at = 0
    while at < len(query):
        token = _SQLITE_PIECES.match(query, at).group()
        at += len(token)
        if token.isascii() and token.isdigit() and sqlite_integer(token) is None:
            return True
    return False


# What archive sql says of a query without a statement: blank, or comments and ';' alone, which
# it ran and said "the statement returned no rows".
EMPTY_QUERY = "empty query: give one SELECT statement"
# What archive sql says of a query holding a second statement, on either database: sqlite3 said
# "You can only execute one statement at a time.", PostgreSQL "cannot insert multiple commands
# into a prepared statement", which named a prepared statement the user never made.
ONE_STATEMENT = "archive sql runs one statement per call: the query holds more than one (run each on its own)"
# What archive sql says of PostgreSQL's COPY, refused before it runs: TO STDOUT streams its rows
# past the query's cursor, and TO a file or a PROGRAM writes on the database server, which a
# read-only transaction allows (to a role that may: the superuser, pg_write_server_files).
COPY_REFUSED = ("archive sql runs queries: COPY sends its rows elsewhere (a stream it does not read, a file or a "
                "program of the server); give the SELECT (--format csv writes CSV)")
# PostgreSQL's SQLSTATE for a syntax error, and the server's function that gives it to a second
# statement (the parse of the extended protocol, which takes one): told apart from other syntax
# errors by that, not by the message's words, which the server's lc_messages translates.
SYNTAX_ERROR = "42601"
ONE_STATEMENT_ONLY = "exec_parse_message"


# The role a PostgreSQL query of archive sql runs as, for a user who may take it (a superuser, a
# member): it reads every table, view and sequence, and has none of a superuser's rights.
READING_ROLE = "pg_read_all_data"


def _read_only(conn) -> bool:
    """``conn``'s transaction made read-only; whether its queries run as READING_ROLE.

    A read-only transaction lets a superuser call what reads or acts past the archive
    (pg_read_file('/etc/passwd'), pg_ls_dir('.')), from a view or a function too, where
    sql_functions does not see the call: the query runs without those rights (PostgreSQL 14+)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
        return False
    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    if conn.dialect.server_version_info < (14,) or not conn.exec_driver_sql(
            f"SELECT pg_has_role('{READING_ROLE}', 'MEMBER')").scalar():
        return False  # a role that is no superuser has only the rights it was given
    # The schemas searched stay the user's: "$user" in search_path would name the role's after.
    conn.exec_driver_sql("SELECT set_config('search_path', coalesce((SELECT string_agg(quote_ident(name), ', ') "
                         "FROM unnest(current_schemas(false)) AS name), ''), true)")
    conn.exec_driver_sql(f"SET LOCAL ROLE {READING_ROLE}")
    return True


@command("sql", "run a read-only SQL query, printed as a table, CSV or JSON", _sql_arguments)
def run_sql(args: argparse.Namespace) -> int:
    if not args.query.strip():
        raise ArchiveError(EMPTY_QUERY)
    archive = reading(args)
    try:
        if not Statements.of(args.query, archive.dialect).ends:  # comments and ';' alone
            raise ArchiveError(EMPTY_QUERY)
        with archive.engine.connect() as conn:
            as_reading_role = _read_only(conn)
            try:
                # The rows are written as they come (CSV and JSON; a table measures them all
                # first): a query of the whole archive needs no memory for its result.
                with _QUERY[conn.dialect.name](conn.connection.dbapi_connection, args.query) as (columns, rows):
                    if columns is None:
                        raise ArchiveError("archive sql runs queries: the statement returned no rows; "
                                           "give one SELECT statement")
                    if args.format == "table":  # for the terminal, in its encoding
                        write_rows(columns, rows, args.format, sys.stdout)
                    else:
                        with output_file(None) as out:  # data: UTF-8, as export writes it
                            write_rows(columns, rows, args.format, out)
            except archive.engine.dialect.loaded_dbapi.Error as exc:
                reason = database_words(exc)
                if reason == "interrupted":  # Ctrl-C, through _sqlite_query's progress handler
                    raise KeyboardInterrupt from None
                if refused_write(exc):
                    if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF == SQLITE_AUTH:
                        reason = _AUTHORIZER_REFUSALS.get(Statements.of(args.query, "sqlite").command, reason)
                    elif archive.dialect == "postgresql":
                        from storage.sql_functions import write_inside

                        if write := write_inside(args.query):
                            reason = f"the statement writes ({write} inside it)"
                    raise ArchiveError(f"archive sql is read-only: {reason}") from None
                if as_reading_role and getattr(exc, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                    raise ArchiveError(f"archive sql reads the archive only: {reason} (a superuser's query runs as "
                                       f"{READING_ROLE}, which reads the archive's tables and views and no more: "
                                       "use psql for the rest)") from None
                if _copying(conn):
                    # The server streams COPY's rows, which only psycopg's copy() reads; till then
                    # the connection can do nothing else, not even roll back: it is dropped.
                    conn.invalidate()
                    raise ArchiveError(COPY_REFUSED) from None
                if (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF == SQLITE_MISMATCH and _past_sqlite_integers(
                        args.query):
                    reason += " (a number out of SQLite's 64-bit integer range?)"
                raise ArchiveError(f"SQL error: {reason}") from None
            finally:
                if not conn.invalidated:
                    conn.rollback()
    finally:
        archive.close()
    return 0


# Rows fetched from the database at a time.
FETCH_ROWS = 1000


def _fetched(cursor) -> Iterator[Sequence[Any]]:
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield from rows


# Pragmas that only read, whatever their argument (a table's or an index's name).
_INFO_PRAGMAS = frozenset((
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "foreign_key_check", "database_list", "collation_list", "function_list", "module_list", "pragma_list",
    "compile_options", "integrity_check", "quick_check",
))
# Pragmas that set something when given a value, and only read without one.
_SETTING_PRAGMAS = frozenset((
    "user_version", "schema_version", "application_id", "page_size", "page_count", "max_page_count", "freelist_count",
    "encoding", "journal_mode", "data_version", "query_only", "foreign_keys", "auto_vacuum", "cache_size",
    "synchronous", "busy_timeout", "case_sensitive_like", "recursive_triggers", "secure_delete", "temp_store",
))


def _sqlite_authorizer(action: int, name: str | None, value: str | None, database: str | None, source: str | None) -> int:
    """What ``PRAGMA query_only`` lets through and writes all the same: attaching a database
    (which creates its file), setting a pragma (the journal mode, query_only itself). VACUUM,
    with or without INTO, attaches the file it writes (SQLITE_ATTACH, the file's name) before it
    opens it: refused here, it creates nothing, where query_only refused it past an empty file."""
    import sqlite3

    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        pragma = (name or "").lower()
        if pragma not in _INFO_PRAGMAS and not (pragma in _SETTING_PRAGMAS and value is None):
            return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


# Each database's tokens as far as a statement's end needs them, by its own quoting rules: strings
# and quoted names (whose ';' is no end), comments, ';', space, and the rest. SQLite also quotes
# names in `...` and [...]; PostgreSQL has E'...' (backslash escapes), $tag$...$tag$ and
# comments within comments (the walk finds their end), and its statements' ends need
# parentheses and words.
_SQLITE_PIECES = re.compile(r"""'[^']*(?:''[^']*)*'?|"[^"]*(?:""[^"]*)*"?|`[^`]*(?:``[^`]*)*`?|\[[^\]]*\]?"""
                            r"|--[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?|;|\s+|[^'\"`\[;\s/-]+|.", re.S)
_PG_LETTER = "A-Za-z_\x80-\U0010ffff"
_PG_STRING = r"'[^']*(?:''[^']*)*'?"
_PG_ESCAPED = r"'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'?"
_PG_REST = (r'|"[^"]*(?:""[^"]*)*"?'
            rf"|\$(?P<tag>(?:[{_PG_LETTER}][{_PG_LETTER}0-9]*)?)\$(?:.*?\$(?P=tag)\$|.*)"
            rf"|\$\d+|--[^\n]*|/\*|;|\(|\)|\s+|[{_PG_LETTER}0-9][{_PG_LETTER}0-9$]*|.")
# By standard_conforming_strings: on (the default), '...' takes no backslash escape; off, it does.
_PG_PIECES = {False: re.compile(rf"[eE]{_PG_ESCAPED}|{_PG_STRING}{_PG_REST}", re.S),
              True: re.compile(rf"[eE]?{_PG_ESCAPED}{_PG_REST}", re.S)}
_PG_WORD = re.compile(f"[{_PG_LETTER}][{_PG_LETTER}0-9$]*")  # a keyword or a name, not E'...'
_PG_COMMENT_MARKS = re.compile(r"/\*|\*/")


class _SqliteStatement:
    """SQLite's end of a statement: a ';' that sqlite3_complete takes for one, not one within a
    trigger's body (CREATE TRIGGER … BEGIN …; END)."""

    def read(self, token: str) -> None:
        pass

    def ends(self, text: str) -> bool:
        import sqlite3

        return sqlite3.complete_statement(text)


class _PostgresqlStatement:
    """PostgreSQL's end of a statement, as psql tells it: a ';' outside parentheses (a rule's
    actions, DO (INSERT …; INSERT …), are one statement) and outside the BEGIN ATOMIC … END body
    of a statement that begins CREATE [OR REPLACE] FUNCTION or PROCEDURE (psql's rule: there,
    BEGIN opens a block, CASE within one too, and END closes one)."""

    def __init__(self) -> None:
        self.parentheses = 0
        self.blocks = 0
        self.words: list[str] = []

    def read(self, token: str) -> None:
        if token == "(":
            self.parentheses += 1
        elif token == ")":
            self.parentheses = max(0, self.parentheses - 1)
        elif _PG_WORD.fullmatch(token):
            word = token.lower()
            self.words.append(word)
            if self.parentheses or not self._defines_routine():
                return
            if word == "begin" or (word == "case" and self.blocks):
                self.blocks += 1
            elif word == "end" and self.blocks:
                self.blocks -= 1

    def _defines_routine(self) -> bool:
        words = self.words
        kind = words[3:4] if words[1:3] == ["or", "replace"] else words[1:2]
        return words[:1] == ["create"] and kind in (["function"], ["procedure"])

    def ends(self, text: str) -> bool:
        return not (self.parentheses or self.blocks)


@dataclass(frozen=True)
class Statements:
    """``query``'s statements as its database splits it, from one walk of its tokens: ``ends``,
    just past each statement's ';' (the query's end for a last one without), of the statements
    that hold more than space and comments: the empty ones (``SELECT 1;;``) are none."""
    query: str
    ends: tuple[int, ...]
    # The first statement's first token, lower case: its command (select, with, copy).
    command: str = ""

    @classmethod
    def of(cls, query: str, dialect: str, *, backslash_quotes: bool = False) -> Statements:
        """``backslash_quotes``: PostgreSQL's standard_conforming_strings is off, so '...' takes
        backslash escapes as E'...' does."""
        postgresql = dialect == "postgresql"
        pieces = _PG_PIECES[backslash_quotes] if postgresql else _SQLITE_PIECES
        reader = _PostgresqlStatement if postgresql else _SqliteStatement
        statement = reader()
        ends: list[int] = []
        start, held, at, command = 0, False, 0, ""
        while at < len(query):
            token = pieces.match(query, at).group()
            at += len(token)
            if postgresql and token == "/*":
                at = _comment_end(query, at)
            if token == ";":
                if not held:
                    start = at  # an empty statement
                elif statement.ends(query[start:at]):
                    ends.append(at)
                    start, held, statement = at, False, reader()
            elif not (token.isspace() or token.startswith(("--", "/*"))):
                held = True
                command = command or token.lower()
                statement.read(token)
        if held:
            ends.append(len(query))
        return cls(query, tuple(ends), command)

    @property
    def several(self) -> bool:
        return len(self.ends) > 1

    @property
    def first(self) -> str:
        return self.query[:self.ends[0]] if self.ends else self.query

    @property
    def without_empty_statements(self) -> str:
        """The query without the empty statements after its last (``SELECT 1;;``, ``SELECT 1;
        ; -- done``), which sqlite3 takes for a second statement and refused, where PostgreSQL
        runs the query: it ends at its last statement's ';'."""
        return self.query[:self.ends[-1]] if self.ends else self.query


def _as_escaped_strings(query: str) -> str:
    """``query`` read with standard_conforming_strings off written as it reads with it on: each
    '...' made E'...', whose backslash escapes it takes (for pglast, which reads it on)."""
    pieces, at, written = _PG_PIECES[True], 0, []
    while at < len(query):
        token = pieces.match(query, at).group()
        start, at = at, at + len(token)
        if token == "/*":
            at = _comment_end(query, at)
        written.append(f" E{token}" if token.startswith("'") else query[start:at])  # date'…' too
    return "".join(written)


def _comment_end(query: str, at: int) -> int:
    """Where a PostgreSQL comment whose ``/*`` ends at ``at`` ends: comments within it nest."""
    depth = 1
    for mark in _PG_COMMENT_MARKS.finditer(query, at):
        depth += 1 if mark.group() == "/*" else -1
        if not depth:
            return mark.end()
    return len(query)


@contextmanager
def _sqlite_query(connection, query: str) -> Iterator[tuple[list[str] | None, Iterator[Sequence[Any]]]]:
    """One statement (sqlite3 refuses more), no pragma set, nothing attached, while its rows are
    read. A progress handler lets Python run its signal handlers while SQLite works: without it,
    Ctrl-C waits for the query to end, however long."""
    import sqlite3

    statements = Statements.of(query, "sqlite")
    connection.set_authorizer(_sqlite_authorizer)
    connection.set_progress_handler(lambda: 0, 10_000)
    try:
        try:
            cursor = connection.execute(statements.without_empty_statements)
        except sqlite3.ProgrammingError as exc:
            # sqlite3's own refusal of a second statement (no SQLite error code), once SQLite
            # has prepared the first: a mistake in the first is SQLite's to name.
            if getattr(exc, "sqlite_errorcode", None) is None and statements.several:
                raise ArchiveError(ONE_STATEMENT) from None
            raise
        if cursor.description is None:
            yield None, iter(())
        else:
            yield [d[0] for d in cursor.description], _fetched(cursor)
    finally:
        connection.set_authorizer(None)
        connection.set_progress_handler(None, 0)


@contextmanager
def _postgresql_query(connection, query: str) -> Iterator[tuple[list[str] | None, Iterator[Sequence[Any]]]]:
    """One statement, as typed, in PostgreSQL's extended protocol, which takes one statement,
    where the simple one would run ``COMMIT; UPDATE ...`` past the read-only transaction; and
    without parameters, so that psycopg leaves every ``%`` (LIKE '%社工%') as it is.

    Its rows are streamed (libpq's chunked mode, else row by row), where ``execute`` holds the
    whole result in memory. The statement runs once: a stream that gives no row tells no
    columns, so an empty result's are asked of the statement described, not run again (which
    took a query finding nothing twice as long, and ran a command twice: ``PREPARE`` then said
    its statement already existed); psycopg's stream refuses, client-side, what sends no rows
    (a command, a comment) once the server has answered it, and COPY's stream, which leaves the
    connection busy (run_sql tells it apart and drops the connection).

    PostgreSQL parses the whole query before it refuses a second statement, so that a mistake
    in a later one was said in its place: a query that holds more is refused here, as on SQLite,
    once the server has parsed its first (whose mistakes are the server's to name), not run it."""
    import psycopg
    from psycopg.types.string import TextLoader

    backslash_quotes = connection.info.parameter_status("standard_conforming_strings") == "off"
    statements = Statements.of(query, "postgresql", backslash_quotes=backslash_quotes)
    if statements.several:
        _prepared(connection, statements.first)
        raise ArchiveError(ONE_STATEMENT)
    if statements.command == "copy":
        # A read-only transaction lets COPY … TO a file or a program run: written on the server.
        raise ArchiveError(COPY_REFUSED)
    # A read-only transaction lets the large-object functions write, pg_terminate_backend end
    # another session, query_to_xml run what its text says: such calls are refused before it runs.
    if reason := _refused_call(connection, _as_escaped_strings(query) if backslash_quotes else query):
        raise ArchiveError(f"archive sql is read-only: {reason}")
    with connection.cursor() as cursor:
        # An interval as PostgreSQL writes it (1 year 4 mons 4 days): psycopg's timedelta counts
        # a month as 30 days, so age() of two issues 490 days apart printed 489 days.
        cursor.adapters.register_loader("interval", TextLoader)
        # A row value, (a.id, a.title), as PostgreSQL writes it, as a table's row (SELECT p FROM
        # papers p) comes: psycopg's tuple of texts printed as Python writes one, ('1', '标题').
        cursor.adapters.register_loader("record", TextLoader)
        for name, loader in _dates_or_text().items():
            cursor.adapters.register_loader(name, loader)
        rows = cursor.stream(query, size=FETCH_ROWS if psycopg.pq.version() >= 170000 else 1)
        try:
            try:
                first = next(rows, None)
            except psycopg.Error as exc:
                if exc.sqlstate == SYNTAX_ERROR and getattr(exc.diag, "source_function", None) == ONE_STATEMENT_ONLY:
                    # The server's own refusal of a second statement, should the split above miss one.
                    raise ArchiveError(ONE_STATEMENT) from None
                if exc.sqlstate is not None or connection.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE:
                    raise  # the server's refusal (syntax, …), or a COPY streaming its rows
                yield None, iter(())
                return
            if first is not None:
                yield [d.name for d in cursor.description], itertools.chain((first,), rows)
                return
            yield _described_columns(connection, query), iter(())
        finally:
            rows.close()  # a stream left half read is cancelled, the connection usable again


@lru_cache(maxsize=1)
def _dates_or_text() -> dict[str, type]:
    """psycopg's loaders of PostgreSQL's dates and times, each giving the value as PostgreSQL
    writes it where Python has none (infinity, -infinity, a date BC or after 9999, 24:00): psycopg
    refused the row, client-side, and archive sql took that for a statement without rows."""
    import psycopg
    from psycopg.types import datetime as loaders

    def or_text(loader: type) -> type:
        class OrText(loader):
            def load(self, data):
                try:
                    return super().load(data)
                except psycopg.DataError:
                    return bytes(data).decode("ascii", "replace")  # digits, signs, letters (BC, infinity)
        return OrText

    return {"date": or_text(loaders.DateLoader), "timestamp": or_text(loaders.TimestampLoader),
            "timestamptz": or_text(loaders.TimestamptzLoader), "time": or_text(loaders.TimeLoader),
            "timetz": or_text(loaders.TimetzLoader)}


def _described_columns(connection, query: str) -> list[str] | None:
    """The columns of ``query``'s result, as the server describes the statement, without
    running it; None if it returns no rows."""
    encoding = connection.info.encoding
    _prepared(connection, query)
    result = _answer(connection, connection.pgconn.send_describe_prepared, b"")
    if not result.nfields:
        return None
    return [result.fname(n).decode(encoding) for n in range(result.nfields)]


def _refused_call(connection, query: str) -> str | None:
    """Why ``query`` may not run (storage.sql_functions), or None. One pglast cannot read (a
    syntax of a newer server) is refused, since its calls are unknown; the server's own mistake
    (a syntax error) is the server's to name."""
    try:
        from storage.sql_functions import Unreadable, refusal
    except ImportError:  # pglast, which archive sql needs on PostgreSQL only
        raise ArchiveError("archive sql on PostgreSQL needs pglast: pip install 'charity-press-archive[postgres]'") \
            from None
    try:
        return refusal(query)
    except Unreadable as exc:
        _prepared(connection, query)
        raise ArchiveError(f"archive sql cannot read this query to check the functions it calls ({exc}): "
                           "use psql for it") from None


def _prepared(connection, query: str) -> None:
    """``query`` parsed by the server as the unnamed prepared statement, not run: its mistakes
    (syntax, a table it does not hold) raised as the server's error."""
    _answer(connection, connection.pgconn.send_prepare, b"", query.encode(connection.info.encoding))


def _answer(connection, send, *args):
    import psycopg
    from psycopg import generators

    send(*args)
    [*_, result] = connection.wait(generators.execute(connection.pgconn))
    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(result, encoding=connection.info.encoding)
    return result


_QUERY = {"sqlite": _sqlite_query, "postgresql": _postgresql_query}


def _copying(conn) -> bool:
    """Whether a PostgreSQL connection is in the middle of a COPY (TO STDOUT, FROM STDIN)."""
    if conn.dialect.name != "postgresql":
        return False
    from psycopg.pq import TransactionStatus

    return conn.connection.dbapi_connection.info.transaction_status == TransactionStatus.ACTIVE


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, out) -> None:
    """``rows`` as ``fmt``: CSV and JSON row by row, as they come; a table once all are read."""
    if fmt == "csv":
        out.write(csv_record(columns))
        for row in rows:
            out.write(csv_record([None if v is None else cell_text(v) for v in row]))
    elif fmt == "json":
        keys = unique_names(columns)
        _json_array(({key: json_value(v) for key, v in zip(keys, row)} for row in rows), out)
    else:
        print_table(columns, ([None if v is None else cell_text(v) for v in row] for row in rows), out)


# How a table shows SQL's NULL, which an empty cell showed alike with an empty text (''); a
# text that reads so is escaped (table_cell).
TABLE_NULL = "NULL"
# What RFC 4180 quotes a cell for, as Python's csv module does: a comma, a quote, a line break.
_CSV_QUOTED = re.compile('[",\r\n]')


def csv_record(cells: Sequence[str | None]) -> str:
    """One CSV record, ended by CRLF, as PostgreSQL's COPY … CSV writes one: NULL (None) an
    empty cell, an empty text a quoted one (""), where Python's csv module wrote both empty
    (the JSON of the same query tells them apart); other cells as that module writes them. A
    record of one NULL alone is written "", as that module writes it: an empty line is no
    record to most readers (pandas, Python's csv), and the row was lost."""
    if len(cells) == 1 and cells[0] is None:
        cells = [""]
    return ",".join(
        "" if cell is None else '"' + cell.replace('"', '""') + '"' if not cell or _CSV_QUOTED.search(cell) else cell
        for cell in cells
    ) + "\r\n"


# JSON leaves these as they are inside strings, and str.splitlines() (and JavaScript before
# ES2019, where a JSON file embedded in a script ended its string there) breaks lines at them:
# escaped, every reader sees the lines JSON lays out, one object a line in JSON lines.
# (A regular expression: str.translate took twice as long as the rest of an export.)
_LINE_SEPARATORS = re.compile("[\u2028\u2029\x85]")


def _escaped(separator: re.Match) -> str:
    return f"\\u{ord(separator.group()):04x}"


def _json_text(value: Any, **layout: Any) -> str:
    """``value`` as JSON, Chinese as itself, the line separators escaped (_LINE_SEPARATORS)."""
    return _LINE_SEPARATORS.sub(_escaped, json.dumps(value, ensure_ascii=False, **layout))


def _json_array(objects: Iterable[dict], out, *, default: Callable[[Any], Any] | None = None) -> None:
    """A JSON array written one element at a time, as ``json.dump(..., indent=1)`` lays it out."""
    opening = "[\n"
    for element in objects:
        out.write(opening + " " + _json_text(element, indent=1, default=default).replace("\n", "\n "))
        opening = ",\n"
    out.write("[]\n" if opening == "[\n" else "\n]\n")


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names as JSON keys: a name a query gives twice (``a.id, p.id``) gets _2, _3, …"""
    keys: list[str] = []
    for name in columns:
        key, n = name, 1
        while key in keys:
            n += 1
            key = f"{name}_{n}"
        keys.append(key)
    return keys


def cell_text(value: Any) -> str:
    """A value as text, as a reader of the table or the CSV expects it: bytes in PostgreSQL's
    hex form, JSON documents as JSON, truth values as true / false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dict, list)):
        # Compact, as SQLite's JSON functions write the same document (article_versions.images):
        # one query prints the same text on either database. An array's elements as JSON holds them.
        return json.dumps(json_value(value), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, datetime):
        # With a space, as SQLite stores the archive's times and PostgreSQL writes its own: the
        # same query on either database prints 2026-12-04 17:35:07.131924, not …T17:35.
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    """A value JSON holds: numbers as numbers (NaN and infinities, which JSON lacks, as null),
    JSON documents as themselves, the rest as :func:`cell_text` writes them."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    # A JSON document, or a PostgreSQL array: a list of dates, numbers (Decimal), bytes …
    if isinstance(value, list):
        return [json_value(element) for element in value]
    if isinstance(value, dict):
        return {key: json_value(element) for key, element in value.items()}
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return cell_text(value)


# What a terminal runs rather than shows: C0 and C1 controls and DEL. An archived page's (lxml
# and the pipelines keep them) printed as stored ran as the terminal's commands: ESC ]0;…BEL
# retitled it, ESC [2J cleared it.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def one_line(value: str) -> str:
    """A cell or a title on one line of the terminal: line breaks as ⏎, tabs as spaces, other
    control characters as U+FFFD, as the reading room shows them."""
    value = value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")
    return _TERMINAL_CONTROLS.sub("\ufffd", value)


# A table cell's escapes: what would end its line, read as the column rule, look like a space,
# or read as SQL's NULL (a text 'NULL' as the whole cell: \NULL).
_TABLE_ESCAPES = {"\\": "\\\\", "|": "\\|", "\n": "\\n", "\r": "\\r", "\t": "\\t", TABLE_NULL: f"\\{TABLE_NULL}"}
# A backslash is doubled only where it would read as the start of one of them: a bytea's \x00ff
# and most paths show as written, and each cell still reads back as one text only.
_TABLE_ESCAPED = re.compile(rf"\\(?=[\\|nrt\n\r\t]|{TABLE_NULL}\Z)|[|\n\r\t]|\A{TABLE_NULL}\Z")


def table_cell(value: str) -> str:
    """A table's cell or column name on one line, unambiguous: a line break as \\n (\\r\\n),
    a tab as \\t, a | as \\|, a text NULL as \\NULL (TABLE_NULL is SQL's NULL), a backslash
    before what would read as one of these doubled; other control characters as U+FFFD, as
    one_line shows them."""
    return _TERMINAL_CONTROLS.sub("\ufffd", _TABLE_ESCAPED.sub(lambda found: _TABLE_ESCAPES[found.group()], value))


def _width(value: str) -> int:
    """The columns a terminal gives ``value`` (one line, no control character: one_line): wide
    East Asian characters two, combining marks and zero-width characters none, an emoji of
    several joined (ZWJ) or with its presentation selector two, as wcwidth measures them."""
    from wcwidth import wcswidth

    return max(0, wcswidth(value))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[str | None]], out) -> None:
    """``rows`` under ``columns``, lined up for a terminal, each cell on one line (table_cell):
    every table a command prints holds text the archive took from web pages (a sql result,
    stats' crawl runs and dead links), whose control characters a terminal would run. A cell
    None (SQL's NULL) shows as TABLE_NULL."""
    columns = [table_cell(name) for name in columns]
    rows = [[TABLE_NULL if cell is None else table_cell(cell) for cell in row] for row in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in rows]) for i, c in enumerate(columns)]

    def line(cells):
        return " | ".join(cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths)).rstrip()

    print(line(columns), file=out)
    print("-+-".join("-" * w for w in widths), file=out)
    for row in rows:
        print(line(row), file=out)
    print(f"({counted(len(rows), 'row')})", file=out)


# --- stats -------------------------------------------------------------------------------

def _stats_arguments(parser: argparse.ArgumentParser) -> None:
    add_filters(parser, section=False,
                since="first date to count, YYYY-MM-DD (default: each paper's first archived issue or date without one)",
                until="last date to count, YYYY-MM-DD (default: each paper's last such date, or today "
                      "if --since is after it; never past today, China's (UTC+8), or that last date if later)")
    parser.add_argument("--runs", type=number_between(0, 10_000), default=10, help="how many recent crawl runs to list (default 10)")
    add_format(parser, "table", "json", default="table",
               help="table: lines and tables for people (the default); json: one JSON object of every figure, "
                    "for scripts (its keys: docs/archive.md)")


@command("stats", "issues, pages and articles per paper and year, issues missing by each paper's schedule, "
         "dates without an issue, incomplete issues, dead links, recent crawl runs", _stats_arguments)
def run_stats(args: argparse.Namespace) -> int:
    from storage.stats import archive_stats

    archive = reading(args)
    try:
        args.paper = check_paper(archive, args.paper, profiled=True)
        stats = archive_stats(archive, paper=args.paper, since=args.since, until=args.until, runs=args.runs)
    finally:
        archive.close()
    for line in stats.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if args.format == "json":
        from storage.stats import stats_document

        with output_file(None) as out:  # data: UTF-8, as sql's JSON and export write it
            out.write(_json_text(stats_document(stats, paper=args.paper, since=args.since, until=args.until),
                                 indent=1, default=json_value) + "\n")
        return 0
    out = sys.stdout
    if stats.no_issue_of is not None:
        # In place of an empty table: without --since, stats' span starts at the paper's first
        # date the archive knows of, so nothing else is printed of a paper not crawled yet.
        # --paper of a paper whose profile has a mistake is refused: a schedule is unknown only without a profile.
        hint = (": give --since YYYY-MM-DD to list the issues its schedule expects from that date"
                if stats.no_issue_of not in stats.unscheduled and args.since is None and not stats.gaps else "")
        print(f"The archive holds no issue of {stats.no_issue_of}{hint}", file=out)
    elif stats.holds_no_issue and stats.crawls_running:
        crawls = ", ".join(f"run {run}, {paper}" for run, paper in stats.crawls_running)
        one = len(stats.crawls_running) == 1
        print(f"The archive holds no issue yet: {'a crawl is' if one else 'crawls are'} running ({crawls}); "
              f"{'its' if one else 'their'} issues are counted here once stored", file=out)
    elif stats.holds_no_issue:
        print("The archive holds no issue yet: scrapy crawl issues -a date=YYYY-MM-DD archives one", file=out)
    elif not stats.counts:
        # A span holding no issue (a future --since, a year typed wrong): said in place of an
        # empty table, with the dates the archive holds, as reprocess and search say nothing found.
        no_issue = _no_issue_within(args)
        print(no_issue[0].upper() + no_issue[1:], file=out)
    else:
        print("Articles per paper and year", file=out)
        print_table(["paper", "year", "issues", "pages", "articles"], [list(map(str, r)) for r in stats.counts], out)
    for gap in stats.gaps:
        # "0 of 0 scheduled" over nothing (a span of a weekly paper's other days) read as a table lost.
        of = f"{len(gap.missing)} of {gap.scheduled} scheduled" if gap.scheduled else \
            f"none, its first issue is {gap.first_issue} (its profile's first_issue)" if gap.first_issue else \
            f"none, the span is after today ({gap.after_today} in China): no issue of it is due yet" \
            if gap.after_today else "none, no date of its schedule is within them"
        to = "on" if gap.end is None else f"to {gap.end}"
        print(f"\nMissing issues of {gap.paper} ({gap.schedule}) from {gap.start} {to}: {of}", file=out)
        for day in gap.missing:
            so_far = f"  {_no_issue(a)}, still asked" if (a := gap.absent_so_far.get(day)) else ""
            print(f"  {day.isoformat()} {day.strftime('%a')}{so_far}", file=out)
        if gap.absent:
            print(f"\nWithout an issue, {gap.paper} from {gap.start} to {gap.end}: {len(gap.absent)} "
                  f"{'date' if len(gap.absent) == 1 else 'dates'} the site answered no issue for on enough runs "
                  "(absent_issues), not counted as missing "
                  "and not asked again (-a refresh=1 asks)", file=out)
            for a in gap.absent:
                print(f"  {a.day.isoformat()} {a.day.strftime('%a')}  {_no_issue(a)}", file=out)
        if gap.breaks:
            print(f"\nBreaks of {gap.paper} from {gap.start} to {gap.end}: {len(gap.breaks)} of its publishing days "
                  "without an issue by its profile (schedule.breaks), not counted as missing", file=out)
            for day in gap.breaks:
                print(f"  {day.isoformat()} {day.strftime('%a')}", file=out)
    for late in stats.behind:
        # Apart from the gaps, which end at the newest date the archive knows of: the issues
        # a crawl has yet to fetch are no issues it failed to find. Up to date: nothing said.
        n = len(late.due)
        if not n:
            continue
        dates = f"{late.due[0]}" if n == 1 else f"{late.due[0]} … {late.due[-1]}"
        print(f"\nBehind, {late.paper}: {n} scheduled issue{'' if n == 1 else 's'} due since the newest archived, "
              f"{late.newest} ({dates}), to today in China, {late.today}", file=out)
    for code, first in stats.until_before_first:
        print(f"\nMissing issues of {code}: not counted, its first date the archive knows of, {first}, is after "
              f"--until {args.until}: give --since YYYY-MM-DD to count from that date", file=out)
    for code in stats.unscheduled:
        print(f"\nMissing issues of {code}: not counted, no profile of it tells its schedule "
              "(crawler/papers/, $ARCHIVE_PAPERS)", file=out)
    for code, source in stats.unreadable:
        print(f"\nMissing issues of {code}: not counted, its profile {source} has a mistake (see the warning)", file=out)
    if stats.incomplete:
        print(f"\nIncomplete issues: {len(stats.incomplete)} (pages or articles not archived: "
              "a crawl of their dates fetches what they lack)", file=out)
        print_table(["paper", "issue", "pages complete"],
                    [[code, day.isoformat(), "no page list" if expected is None else f"{complete} of {expected}"]
                     for code, day, complete, expected in stats.incomplete], out)
    if stats.dead_links:
        gone = sum(1 for row in stats.dead_links if row[8])
        print(f"\nDead links (the site answers 404, 410, its error page, another file or the file cut short): {gone} gone, not asked again; "
              f"{len(stats.dead_links) - gone} still asked, each a failure of the run", file=out)
        print_table(["paper", "issue", "kind", "status", "reason", "runs", "first seen", "last seen", "gone since", "url"],
                    [list(map(str, r)) for r in stats.dead_links], out)
    if not args.runs:  # asked for none: its heading over an empty table read as no run recorded
        print("\nRecent crawl runs: not listed (--runs 0)", file=out)
        return 0
    if not stats.runs:  # nor its heading over a table of no row: said in one line
        print(f"\nRecent crawl runs: none recorded{f' of {args.paper}' if args.paper else ''}", file=out)
        return 0
    print("\nRecent crawl runs", file=out)
    print_table(["id", "paper", "kind", "dates", "started", "finished", "status", "pages new/upd/failed",
                 "articles new/upd/failed", "articles changed", "links gone", "dates without issue"],
                [[*map(str, r[:7]), "/".join(map(str, r[7:10])), "/".join(map(str, r[10:13])),
                  *("" if n is None else str(n) for n in r[13:])] for r in stats.runs], out)
    return 0


# How archive stats tells a date's answer, by absent_issues.reason.
_NO_ISSUE_ANSWERS = {"error_page": "its error page", "other_issue": "another date's issue"}


def _no_issue(absent) -> str:
    """How the site answered a date without an issue: "HTTP 404 on 3 runs since 2026-11-24 06:00",
    "its error page (HTTP 200) on …", "another date's issue (HTTP 302) on …"."""
    answer = f"HTTP {absent.status}"
    if absent.reason in _NO_ISSUE_ANSWERS:
        answer = f"{_NO_ISSUE_ANSWERS[absent.reason]} ({answer})"
    return f"{answer} on {absent.runs} run{'' if absent.runs == 1 else 's'} since {absent.first_seen}"


# --- export ------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "article_id", "paper_code", "paper_name", "issue_date", "page_number", "page_label", "section", "url",
    "pretitle", "title", "subtitle", "byline", "source", "body", "body_original", "original_script",
    "title_original", "pretitle_original", "subtitle_original", "byline_original", "source_original", "section_original",
)
# What article_view holds before revision 0018 (the published headings, byline, source and section): an archive
# not upgraded yet (read by a role that may not upgrade it) exports those.
EXPORT_COLUMNS_0017 = EXPORT_COLUMNS[:16]


def export_columns(archive: Archive) -> tuple[str, ...]:
    return EXPORT_COLUMNS if archive.revision >= HEADING_ORIGINALS else EXPORT_COLUMNS_0017


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    add_format(parser, "jsonl", "json", "csv", "sqlite",
               help="default: as --output's name ends (.json; .csv; .sqlite, .sqlite3 or .db), else jsonl "
                    "(JSON lines: .jsonl, .ndjson, standard output); json: one JSON array of the same objects; "
                    "sqlite: a complete copy of the archive, search index included, for `archive serve`")
    parser.add_argument("--output", "-o", help="file to write (default, or -: standard output; sqlite needs a file)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing --output file, once the export is complete (without it, refused)")
    parser.add_argument("--excel", action="store_true",
                        help="CSV for a spreadsheet (Excel, LibreOffice, Google Sheets): a UTF-8 byte order mark, "
                             "and a ' before a cell that would start a formula (= + - @, or a tab or carriage return first)")
    add_filters(parser)
    parser.add_argument("--query", metavar="WORDS",
                        help="only the articles holding every word, as archive search finds them (all of them, unranked)")


@command("export", "stream articles out as JSON lines, JSON or CSV, or copy the archive into SQLite", _export_arguments)
def run_export(args: argparse.Namespace) -> int:
    from storage.export import export_rows
    from storage.search import as_written_note, open_quotation_note

    if args.output == "-":
        args.output = None
    if args.overwrite and args.output is None:
        raise ArchiveError("--overwrite is for -o FILE: standard output has no file to replace")
    if not args.format and (workbook := _workbook_suffix(args.output)):
        raise ArchiveError(f"archive export writes no {workbook} workbook: for a spreadsheet, write CSV with "
                           "-o NAME.csv --excel")
    if not args.format and (suffix := _suffix(args.output)) in _TAB_SEPARATED:
        raise ArchiveError(f"archive export writes no tab-separated {suffix} file: write CSV with -o NAME.csv, "
                           "or JSON lines under this name with --format jsonl")
    args.format = args.format or named_format(args.output)
    if args.excel and args.format != "csv":
        raise ArchiveError("--excel is for --format csv")
    if args.format == "sqlite":
        return run_export_sqlite(args)
    archive = reading(args)
    try:
        if args.output is not None:
            _refuse_the_archive_itself(archive, args.output)
        args.paper = check_paper(archive, args.paper)
        check_section(archive, args.section, args.paper)
        output = output_file(args.output, overwrite=args.overwrite)  # checked before the query runs
        columns = export_columns(archive)
        rows = export_rows(archive, columns, paper=args.paper, since=args.since, until=args.until,
                           section=args.section, query=args.query, images=args.format in JSON_FORMATS)
        if args.query and (note := open_quotation_note(args.query)):
            print(f"note: {note}", file=sys.stderr)
        with closing(rows), output as out:
            if args.format == "csv":
                written = write_csv(rows, out, excel=args.excel, columns=columns)
            elif args.format == "json":
                written = write_json(rows, out, columns=columns)
            else:
                written = write_jsonl(rows, out, columns=columns)
        # All written (a file renamed complete is marked so as it is: output_file): a Ctrl-C now
        # would only hide its line.
        work_done()
        if args.output is not None:
            print(f"{args.output}: {counted(written, 'article')}", file=sys.stderr)
        if not written:  # an empty file or none on stdout: said, as search says it
            note = as_written_note(args.query) if args.query else None
            print(no_articles_found(args, args.query) + (f"; {note}" if note else ""), file=sys.stderr)
    finally:
        archive.close()
    return 0


# The export formats a file's name asks for by its ending, when --format is not given.
_FORMATS_NAMED = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
                  ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite"}
# The formats that hold an article's pictures (a list in each object).
JSON_FORMATS = ("jsonl", "json")


# Spreadsheet workbooks, which export does not write: JSON lines under such a name (the default
# format) is a file the spreadsheet will not open.
_WORKBOOKS = (".xlsx", ".xls", ".ods")


# Tab-separated names, which export does not write either: JSON lines under them is what a
# spreadsheet or `cut -f` reads as one column.
_TAB_SEPARATED = (".tsv", ".tab")


def _workbook_suffix(output: str | None) -> str | None:
    suffix = _suffix(output)
    return suffix if suffix in _WORKBOOKS else None


def _suffix(output: str | None) -> str:
    return os.path.splitext(output or "")[1].lower()


def named_format(output: str | None) -> str:
    """The export format ``output``'s name asks for: `-o articles.csv` wrote JSON lines (the
    default) under that name, which a spreadsheet showed as a column of braces, and `-o
    copy.sqlite3` JSON lines that `archive serve` could not open, and `-o articles.json` JSON
    lines that json.load refused past the first. JSON lines otherwise."""
    return _FORMATS_NAMED.get(_suffix(output), "jsonl")


def write_csv(rows: Iterable[Sequence[Any]], out, *, excel: bool = False, columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """``rows`` under a header of ``columns``, RFC 4180; how many. ``excel``: as a
    spreadsheet should open it (:func:`spreadsheet_cell`), after a byte order mark, without
    which Excel reads UTF-8 in the computer's legacy encoding (GBK, cp1252): 公益时报 as 鍏…"""
    writer = csv.writer(out)
    if excel:
        out.write("\ufeff")
    writer.writerow(columns)
    written = 0
    for row in rows:
        writer.writerow([spreadsheet_cell(v) for v in row] if excel else row)
        written += 1
    return written


# What makes a spreadsheet read a cell as a formula: the archive's text is what web pages
# served, and a title such as =HYPERLINK("http://…?"&A1) would run when the file is opened
# (CSV or formula injection, OWASP). A tab or carriage return first can hide one of them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell that would start a formula behind a ', which spreadsheets take for "text"."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_jsonl(rows: Iterable[Sequence[Any]], out, *, columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """``rows`` as JSON objects (:func:`_article_objects`), one a line, dates as YYYY-MM-DD,
    Chinese as itself; how many."""
    written = 0
    for article in _article_objects(rows, columns):
        out.write(_json_text(article, default=str) + "\n")
        written += 1
    return written


def write_json(rows: Iterable[Sequence[Any]], out, *, columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """``rows`` as one JSON array of the objects JSON lines hold, written as they come (an export
    of a million articles is never in memory whole); how many."""
    written = 0

    def counted_objects() -> Iterator[dict]:
        nonlocal written
        for article in _article_objects(rows, columns):
            written += 1
            yield article

    _json_array(counted_objects(), out, default=str)
    return written


def _article_objects(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> Iterator[dict]:
    """Each row keyed by ``columns`` and, last, ``images``: JSON holds the article's pictures too,
    a list (CSV, one value a cell, has the view's columns)."""
    keys = (*columns, "images")
    for row in rows:
        yield dict(zip(keys, row))


def _refuse_the_archive_itself(archive: Archive, output: str) -> None:
    from storage.db import sqlite_file

    # The file, also of an archive opened as a URI (file:PATH, as ?mode=ro is), which was no
    # file here: -o naming it with --overwrite replaced the archive with the export.
    database = sqlite_file(archive.engine.url) if archive.dialect == "sqlite" else None
    if database and os.path.exists(output) and os.path.exists(database) and os.path.samefile(output, database):
        raise ArchiveError(f"--output {output} is the archive itself: choose another file")


# The names Linux gives a process's own open descriptors: /dev/stdout is /proc/self/fd/1.
_DESCRIPTOR_NAME = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|(\d+))/fd)/(\d+)")


def named_descriptor(path: str) -> int | None:
    """The descriptor of this process that ``path`` names (/dev/stdout, /dev/fd/1,
    /proc/self/fd/1, or a link to one of them), else None. Followed to its end, such a name is
    the file the shell opened: `-o /dev/stdout > out.jsonl` was refused as an existing file, and
    with --overwrite renamed over out.jsonl, losing what `>>` had left in it."""
    current = os.path.abspath(path)
    for _ in range(40):  # as many links as the kernel follows
        if match := _DESCRIPTOR_NAME.fullmatch(current):
            return int(match[2]) if match[1] in (None, str(os.getpid())) else None
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def streamed_to(path: str) -> bool:
    """Whether ``path`` is no file but a device or pipe (/dev/null, a shell's `>(gzip > a.gz)`),
    or one of this process's descriptors (/dev/stdout): written as it is, since renaming a
    finished file over it would replace the device, or the file the shell opened, itself."""
    if named_descriptor(path) is not None:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def written_through(path: str) -> str:
    """The file that writing ``path`` writes: ``path``, or the file a symbolic link (or a chain
    of them) names, which need not exist yet (a link to a file to come)."""
    return os.path.realpath(path) if os.path.islink(path) else path


def check_output(path: str, overwrite: bool, stream: bool = True) -> None:
    """An --output that names a directory, or (without --overwrite) an existing file: one line,
    before anything is read, so that no earlier export is lost to a slip of the keyboard.
    ``stream``: a device or pipe is written as it is (else refused: a SQLite copy is a file)."""
    if not path.strip():
        raise ArchiveError("--output is empty: give a file name")
    if os.path.isdir(path):
        raise ArchiveError(f"cannot write {path}: Is a directory")
    if streamed_to(path):
        if stream:
            return
        raise ArchiveError(f"cannot write {path}: not a file (a SQLite copy is one)")
    # A symbolic link is written through (output_file): what exists or not is the file it names.
    # Taken itself for the file, one to a file to come was refused as existing.
    target = written_through(path)
    if target != path and not os.path.lexists(folder := os.path.dirname(target)):
        raise ArchiveError(f"cannot write {path}: it is a symbolic link to {target}, whose folder {folder} does not exist")
    if os.path.lexists(target) and not overwrite:
        raise ArchiveError(f"{path} already exists: choose another --output, or give --overwrite to replace it")


class output_file:
    """Standard output, in UTF-8 whatever the terminal's locale; or ``path`` written whole or
    not at all: the text goes to a file beside it, which replaces it once complete, so an
    export stopped half-way leaves the file it found; the file replaced keeps its permissions
    (storage.export.create_replacement), and the command's work is done as it is renamed
    (work_done). A write that fails (a full disk) is one line of error, the partial file removed."""

    def __init__(self, path: str | None, overwrite: bool = False):
        if path is not None:
            check_output(path, overwrite)
        self.path = path
        # A symbolic link is written through: its target is the file replaced, built beside it
        # (a rename is atomic within its directory only), and the link stays. Renamed over the
        # link, the export replaced the link with a file and left the target as it was.
        self.target = written_through(path) if path and not streamed_to(path) else path
        self.partial = f"{self.target}.part" if path and not streamed_to(path) else None
        if self.partial:
            from storage.export import check_in_the_way

            check_in_the_way(self.partial, path)

    def __enter__(self):
        if self.path is None:
            standard_output()
            # JSON lines and CSV are UTF-8; a locale's GBK or Latin-1 wrote another encoding, or
            # stopped with a traceback at the first character it lacks.
            self.encoding = getattr(sys.stdout, "encoding", None)
            if hasattr(sys.stdout, "reconfigure"):
                sys.stdout.reconfigure(encoding="utf-8")
            return sys.stdout
        try:
            if self.partial:
                from storage.export import claim_partial

                # One an export stopped before left is removed, as a SQLite copy's is: it has the
                # permissions of the file it was to replace, and one of a read-only file was
                # refused ("cannot write FILE: Permission denied"). Its lock is held by a copy of
                # its descriptor until it is renamed.
                descriptor = claim_partial(self.partial, self.target, self.path)
                self.lock = os.dup(descriptor)
                self.file = open(descriptor, "w", encoding="utf-8", newline="")
            elif (descriptor := named_descriptor(self.path)) is not None:
                # Written where the descriptor stands, as the shell opened it: opened again by
                # name, a file `>>` had opened was emptied first.
                self.file = open(os.dup(descriptor), "w", encoding="utf-8", newline="")
            else:
                self.file = open(self.path, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise ArchiveError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        return self.file

    def __exit__(self, kind, error, _traceback) -> None:
        if self.path is None:
            # A closed pipe (archive export | head) takes no more, not even a flush.
            if isinstance(error, BrokenPipeError):
                return
            if error is None:
                # What is still buffered fails here, in one line (main's _StandardOutputMayFail),
                # not in Python's flush at exit.
                sys.stdout.flush()
            if self.encoding and hasattr(sys.stdout, "reconfigure"):
                sys.stdout.reconfigure(encoding=self.encoding)
            return
        try:
            self._finish(error)
        finally:
            if self.partial:
                os.close(self.lock)  # renamed or removed: another export may write it now

    def _finish(self, error: BaseException | None) -> None:
        try:
            self.file.close()  # its last buffer is written here: a full disk may fail it too
        except OSError as exc:
            error = error or exc
        if error is not None:
            if self.partial:
                os.unlink(self.partial)
            if isinstance(error, BrokenPipeError) and not self.partial:
                raise error  # `-o /dev/stdout | head`: ends quietly, as standard output does
            if isinstance(error, OSError):
                raise ArchiveError(f"cannot write {self.path}: {error.strerror or error}") from None
            return
        if not self.partial:
            return
        from storage.export import rename_complete

        try:
            rename_complete(self.partial, self.target, then=work_done)
        except OSError as exc:
            os.unlink(self.partial)
            raise ArchiveError(f"cannot write {self.path}: {exc.strerror or exc}") from None


# --- reprocess ---------------------------------------------------------------------------

class _SaidWithLevel(logging.Handler):
    """A log record as the command's own lines are said: `warning: …`."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"{record.levelname.lower()}: {record.getMessage()}")


# A process each, spawned as PDFs wait: more than the machine's cores only adds memory.
MAX_PDF_WORKERS = 64


def _reprocess_arguments(parser: argparse.ArgumentParser) -> None:
    add_filters(parser)
    parser.add_argument(
        "--without-pdfs", action="store_true",
        help="do not read the page PDFs again (their text extraction is most of a reprocess's time): "
             "the text stored of each, as the PDF has it, goes through the script conversion again "
             "(new T2S_CORRECTIONS reach it), a page with none stored is left as it is")
    from crawler.settings import ARCHIVE_PDF_WORKERS

    parser.add_argument(
        "--pdf-workers", type=number_between(1, MAX_PDF_WORKERS), default=ARCHIVE_PDF_WORKERS, metavar="N",
        help=f"processes reading the page PDFs' text at once (default {ARCHIVE_PDF_WORKERS}, as the crawl's "
             "ARCHIVE_PDF_WORKERS): each PDF costs 50-270 ms of CPU, so give the cores the machine can spare")


@command("reprocess", "re-run the pipelines over the stored raw pages (no network)", _reprocess_arguments)
def run_reprocess(args: argparse.Namespace) -> int:
    from storage.reprocess import reprocess

    archive = open_archive(args.archive, create=False, write=True, origin=origin(args))
    # The pipelines' log lines (a PDF pdfminer cannot read) in the command's form, `warning: …`,
    # where Python's last-resort handler printed the bare message.
    logged = _SaidWithLevel(logging.WARNING)
    logging.getLogger().addHandler(logged)
    try:
        # The upgrade it needs whatever it is asked first: a mistyped paper was refused before it.
        archive.check_writable()
        args.paper = check_paper(archive, args.paper, profiled=True)
        archive.check_write_privileges()
        check_section(archive, args.section, args.paper)
        outcome = reprocess(
            archive, paper=args.paper, since=args.since, until=args.until, section=args.section,
            without_pdfs=args.without_pdfs, pdf_workers=args.pdf_workers, progress=progress_line("reprocessed"),
            error=lambda message: say(f"error: {message}"),
            warn=lambda message: say(f"warning: {message}"),
            interrupted=lambda stopped: setattr(args, "interrupted_after", _reprocess_stopped(stopped)),
        )
    finally:
        logging.getLogger().removeHandler(logged)
        archive.close()
    if not outcome.issues and (args.since or args.until):
        # Dates that select nothing (a year typed wrong) read as a run done: said, with the
        # dates the archive holds.
        print(f"note: {_no_issue_within(args)}: nothing to read again", file=sys.stderr)
    if outcome.unread_articles or outcome.unread_pages:
        # Not a failure of this run (a run again would not change it), but the new rules did
        # not reach them: said, so that no one takes the archive for wholly reprocessed.
        print(f"note: {counted(outcome.unread_articles, 'article')} and {counted(outcome.unread_pages, 'page')} "
              "have no raw document (raw_documents) to read again: left as they are", file=sys.stderr)
    stale = f", {outcome.stale} left as stored from a newer fetch by a crawl meanwhile" if outcome.stale else ""
    print(f"{counted(outcome.done, 'document')} reprocessed, {outcome.failed} failed, "
          f"{counted(outcome.changed, 'article')} changed (the earlier text kept in article_versions){stale}"
          f"{_pdfs_kept(outcome) if args.without_pdfs else ''}", file=sys.stderr)
    return 1 if outcome.failed else 0


def _reprocess_stopped(outcome) -> str:
    """What ends the line of a reprocess interrupted: what it stored by then, and what a run
    again does. "interrupted" alone left whoever stopped a long run to guess whether any of it
    was written, and whether running it again would keep a second version of every article."""
    return (f": {outcome.stored} of {counted(outcome.documents, 'document')} reprocessed and stored "
            f"({counted(outcome.changed, 'article')} changed), {outcome.done - outcome.stored} more read and not stored: "
            "run it again to complete it; it reads every document again from the first, and what this run stored "
            "is stored the same again (no second version)")


def _pdfs_kept(outcome) -> str:
    """The end of the summary of a reprocess --without-pdfs: the page PDFs it did not read, and
    what became of their stored text."""
    kept = f"; {counted(outcome.pdfs_kept, 'page PDF')} not read again (--without-pdfs)"
    if not outcome.pdfs_kept:
        return kept
    if outcome.pdfs_converted == outcome.pdfs_kept:
        return f"{kept}: their stored text converted again"
    # The others failed (their error lines name them) and count among the failed.
    left = f", {outcome.pdfs_without_original} left as stored (no text as the PDF has it stored)" \
        if outcome.pdfs_without_original else ""
    return f"{kept}: the stored text of {outcome.pdfs_converted} converted again{left}"


def no_articles_found(args: argparse.Namespace, query: str | None = None) -> str:
    """"no articles found" and the filters that found none (``--paper``, the span, ``--section``,
    ``query``: export's --query), with the dates the archive holds when a span was given: an
    export of a span typed wrong said only "no articles found", where reprocess and stats name
    the span and the dates the archive holds."""
    asked = f" of {args.paper}" if args.paper else ""
    if args.since or args.until:
        asked += f" dated within {args.since or ''}..{args.until or ''}"
    if args.section:
        asked += f" in the section {one_line(args.section)}"
    if query:
        asked += f" holding every word of {one_line(query)}"
    return f"no articles found{asked} ({_issues_held(args)})" if args.since or args.until else \
        f"no articles found{asked}"


def _no_issue_within(args: argparse.Namespace) -> str:
    """That no issue (of ``--paper``) is within ``--since``/``--until`` (with a page of
    ``--section``), and the dates of the first and last it holds (of ``--paper``)."""
    span = f"{args.since or ''}..{args.until or ''}"
    of = f" of {args.paper}" if args.paper else ""
    holds = _issues_held(args)
    if getattr(args, "section", None):  # its pages, not the dates, may be what selected nothing (no stats option)
        return f"no issue{of} dated within {span} has a page of the section {one_line(args.section)} ({holds})"
    return f"no issue{of} is dated within {span} ({holds})"


def _issues_held(args: argparse.Namespace) -> str:
    """The dates of the first and last issue the archive holds (of ``--paper``)."""
    of = f" of {args.paper}" if args.paper else ""
    archive = open_archive(args.archive, create=False)
    try:
        with archive.engine.connect() as conn:
            first, last = conn.execute(text(
                "SELECT min(i.issue_date), max(i.issue_date) FROM issues i JOIN papers pa ON pa.id = i.paper_id"
                + (" WHERE pa.code = :paper" if args.paper else "")), {"paper": args.paper}).one()
    finally:
        archive.close()
    return f"the archive holds issues{of} from {str(first)[:10]} to {str(last)[:10]}" if first else f"the archive holds no issue{of}"


# --- move-root ---------------------------------------------------------------------------

def _move_root_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paper", help="paper code, e.g. gongyishibao")
    parser.add_argument("old_root", metavar="OLD_ROOT", help="the root its stored addresses start with, e.g. http://www.gongyishibao.com/newdzb/")
    parser.add_argument("new_root", metavar="NEW_ROOT", help="the root they are to start with, e.g. https://www.gongyishibao.com/newdzb/")
    parser.add_argument("--dry-run", action="store_true", help="count what would move, change nothing")


def site_root_argument(name: str, value: str, *, as_written: bool = False) -> str:
    """``value`` as a site root (crawler.papers.as_site_root); ``as_written``: as an earlier
    version of the crawler wrote it (written_root), for OLD_ROOT, whose addresses the archive may
    hold as given (http://host:80/newdzb/), to move them to the root written one way."""
    from crawler.papers import as_site_root, bad_root, written_root

    root = (written_root if as_written else as_site_root)(value)
    if root is None:
        raise ArchiveError(bad_root(name, value, "http://host/path/ or https://host/path/"))
    return root


@command("move-root", "move a paper's stored addresses (URLs) to another site root: its new domain, https://, a mirror",
         _move_root_arguments)
def run_move_root(args: argparse.Namespace) -> int:
    from storage import roots

    old = site_root_argument("OLD_ROOT", args.old_root, as_written=True)
    new = site_root_argument("NEW_ROOT", args.new_root)
    if old == new:
        raise ArchiveError(f"OLD_ROOT and NEW_ROOT are both {old}: nothing to move")
    archive = open_archive(args.archive, create=False, write=not args.dry_run, origin=origin(args))
    args.revision = archive.revision
    try:
        args.paper = check_paper(archive, args.paper)
        archive.check_writable()
        if not args.dry_run:
            archive.check_write_privileges(roots.WRITES)
        counts = roots.Move(args.paper, old, new).run(archive, dry_run=args.dry_run)
    finally:
        archive.close()
    total = sum(counts.values())
    if args.dry_run:
        try:
            print_table(["column", "rows would move"], [[name, str(n)] for name, n in counts.items()], sys.stdout)
            # Flushed here: a table that cannot be written (a full disk) is the command's one
            # error line, before the line saying what it would do, whatever the buffering.
            sys.stdout.flush()
        except BrokenPipeError:  # the reader left (`| head`): what the dry run would do is still said
            pass
        print(f"dry run: {counted(total, 'address', 'addresses')} of {args.paper} would move from {old} to {new}; nothing was changed",
              file=sys.stderr)
        return 0
    moved = f"{counted(total, 'address', 'addresses')} of {args.paper} moved from {old} to {new}"
    status = report_of_a_change(moved, "the table of rows moved", lambda: print_table(
        ["column", "rows moved"], [[name, str(n)] for name, n in counts.items()], sys.stdout))
    if not status:
        print(moved, file=sys.stderr)
    return status


# --- upgrade -----------------------------------------------------------------------------

@command("upgrade", "bring the archive's schema up to this version of the code (migrations)")
def run_upgrade(args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    before, after = upgrade(args.archive, origin=origin(args),
                            progress=lambda migration: progress_line(f"{migration}: articles indexed for search"))
    if before == after:
        print(f"archive schema is current ({after})")
        return 0

    def report(out=None) -> None:
        print(f"archive schema: {before} -> {after}", file=out)
        if before and before < HEADING_ORIGINALS <= after:
            # What the revision adds is read from the raw pages: said here, or the columns look lost.
            print(f"the articles archived before revision {HEADING_ORIGINALS} have no 引题, 副题, byline or source as "
                  "published (pretitle_original, subtitle_original, byline_original, source_original) until "
                  "`archive reprocess` reads them again", file=out)

    # A reader gone before the report (`| head -0`) left the upgrade said nowhere, exit status 0:
    # said on stderr then, as move-root says its move.
    return report_of_a_change(f"its schema upgraded from {before} to {after}", "the report of the upgrade", report,
                              reader_left=lambda: report(sys.stderr))


def run_export_sqlite(args: argparse.Namespace) -> int:
    from storage.reading_room.export import export_sqlite

    if args.output is None:
        raise ArchiveError("export --format sqlite needs --output FILE")
    if any(getattr(args, name) is not None for name in ("paper", "since", "until", "section", "query")):
        raise ArchiveError("export --format sqlite copies the whole archive: "
                           "--paper/--since/--until/--section/--query do not apply")
    archive = reading(args)
    try:
        # The archive itself first: "already exists: … give --overwrite" asked for what is refused.
        _refuse_the_archive_itself(archive, args.output)
        counts = export_sqlite(
            archive, args.output, overwrite=args.overwrite, progress=tables_progress(),
            renamed=work_done,  # the copy complete: a Ctrl-C now would only hide its line
        )
    finally:
        archive.close()
    print(f"{args.output}: {counted(counts.get('articles', 0), 'article')}, {counted(sum(counts.values()), 'row')} in all",
          file=sys.stderr)
    return 0


# --- copy --------------------------------------------------------------------------------

def target_url_option(value: str) -> str:
    # Empty (a variable unset in `--to "$URL"`): said so, not "database unreachable" of nothing.
    if not value.strip():
        raise argparse.ArgumentTypeError("empty URL: give the URL of the PostgreSQL database to copy the archive into")
    return value


def _copy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", metavar="URL", required=True, type=target_url_option,
                        help="the PostgreSQL database to copy the archive into (postgresql+psycopg://user@host/dbname): "
                             "an empty one, made an archive at this code's schema, or an archive that holds no rows")


@command("copy", "copy the whole archive, every id kept, into a new PostgreSQL archive (a SQLite archive outgrown)",
         _copy_arguments)
def run_copy(args: argparse.Namespace) -> int:
    from storage.copying import copy_archive
    from storage.db import safe_url

    archive = reading(args)
    try:
        copied = copy_archive(
            archive, args.to, progress=tables_progress(),
            committed=work_done,  # the copy complete: a Ctrl-C now would only hide its line
        )
    finally:
        archive.close()
    rows = (f"{counted(copied.counts.get('articles', 0), 'article')}, "
            f"{counted(sum(copied.counts.values()), 'row')} in all")
    if copied.before:
        say(f"--to {safe_url(args.to)} already holds a complete copy of the archive ({rows}): nothing in it was changed")
    else:
        say(f"copied into {safe_url(args.to)}: {rows}")
    return 0


# --- serve -------------------------------------------------------------------------------

def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=number_between(0, 65535), default=8001,
                        help="port to listen on (0: any free port; default 8001)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")


@command("serve", "browse, search and read a SQLite archive in a web browser (read-only)", _serve_arguments)
def run_serve(args: argparse.Namespace) -> int:
    from storage.reading_room.app import serve

    try:
        serve(args.archive, host=args.host, port=args.port, announce=lambda line: print(line, flush=True),
              origin=origin(args))
    except KeyboardInterrupt:
        pass
    return 0


# --- main --------------------------------------------------------------------------------

def archive_url_option(value: str) -> str:
    # Empty (a variable unset in `--archive "$URL"`), it read as not given: the command went to
    # $ARCHIVE_URL's archive, or the default's, without a word.
    if not value.strip():
        raise argparse.ArgumentTypeError("empty URL: give the archive's URL, or leave --archive out")
    return value


def parser() -> argparse.ArgumentParser:
    top = CommandLineParser(prog="archive", description="Search, query, count, export, copy, re-process, move and upgrade the archive.")
    top.add_argument("--archive", metavar="URL", type=archive_url_option, help="SQLAlchemy URL of the archive (default: $ARCHIVE_URL, "
                     "else sqlite:///archive.sqlite3)")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=CommandParser)
    for cmd in COMMANDS.values():
        sub = top.commands[cmd.name] = subparsers.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        sub.top = top
        cmd.configure(sub)
        sub.set_defaults(run=cmd.run)
    return top


def _check_corrections(args: argparse.Namespace) -> None:
    """The user's t2s rules ($T2S_CORRECTIONS), read and checked before a command that converts
    text to Simplified with them opens the archive: reprocess, search, serve, a --section or
    --query filter."""
    if args.command not in ("reprocess", "search", "serve") and not getattr(args, "section", None) \
            and getattr(args, "query", None) is None:
        return
    from pipelines.script import CorrectionsError, check_corrections

    try:
        check_corrections()
    except CorrectionsError as exc:
        raise ArchiveError(str(exc)) from None


@dataclass
class _Signals:
    """What a command's signal handler notes: the signals received (for the exit status), and
    whether the command's work is done (work_done)."""

    received: list[int]
    done: bool = False


_running: _Signals | None = None  # the command's in progress, for work_done


def work_done() -> None:
    """The command's work is done (an export's file complete, its line about to be said): a
    Ctrl-C or SIGTERM from now on changes nothing, the command ending as it would have."""
    if _running is not None:
        _running.done = True


@contextmanager
def _stopping_on_signals(*, exiting: bool = False) -> Iterator[_Signals]:
    """SIGTERM (kill, systemctl stop, timeout) ends a command as Ctrl-C does, where Python's
    default ended it on the spot: no word of it, and an export's FILE.part or a reprocess's
    PDF workers left behind. What a command wrote stays whole either way (one transaction a
    batch). Yields what the signal's number is noted in, for the exit status.

    Once one came, the command winds down (its batch rolled back, its PDF workers shut down, the
    database closed) and ends: a Ctrl-C pressed again meanwhile, as one does, broke that off
    with a traceback, or killed the interpreter as it exited. Both signals are ignored from then
    on, and so they are once the command's work is done (work_done, or its end): one in its last
    instants ended a complete export as Python's default does, killed by SIGINT (exit status
    -2) or with a bare "KeyboardInterrupt:". The handlers before are put back after when no
    signal came and the process goes on (main() may run inside another program, as the tests
    run it); ``exiting``, the process ends with the command and both signals stay ignored.
    Outside the main thread, where no handler can be set, nothing changes."""
    global _running
    signals = _Signals([])
    stopping = (signal.SIGINT, signal.SIGTERM)

    def stop(signum, _frame) -> None:
        if signals.done:
            return
        signals.received.append(signum)
        for each in stopping:
            signal.signal(each, signal.SIG_IGN)
        raise KeyboardInterrupt(signum)  # the signal, for a record of the run (storage.reprocess)

    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    # A SIGINT ignored from the start (nohup, a job started in the background) stays ignored.
    taken = [each for each in stopping if each != signal.SIGINT or signal.getsignal(each) is not signal.SIG_IGN]
    before = {each: signal.signal(each, stop) for each in taken}
    _running = signals
    try:
        yield signals
    finally:
        signals.done = True
        _running = None
        if exiting:
            for each in taken:
                signal.signal(each, signal.SIG_IGN)
        elif not signals.received:
            for each, handler in before.items():
                signal.signal(each, handler)


class _StandardStream:
    """A standard stream, what a write that fails on it means being the subclass's (_failed)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            return self._failed(exc, len(text))

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._failed(exc, 0)

    def _failed(self, error: OSError, length: int) -> int:
        raise error

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class _StandardErrorMayBeLost(_StandardStream):
    """Standard error, whose reader may leave (`archive reprocess 2>&1 | head`), or whose disk
    may be full (`2>>log`): the lines after go nowhere and the command goes on, where the first
    one stopped it half-done, with exit status 0 (the BrokenPipeError taken for standard
    output's, `archive export | head`), or 1 and a traceback no one saw (a full disk), the
    status of `reprocess`'s documents that failed. Lines lost so are ``lost``, for the exit
    status (said_nowhere): nothing else can tell of them."""

    lost = False

    def _failed(self, error: OSError, length: int) -> int:
        if not isinstance(error, BrokenPipeError):
            self.lost = True
        to_nowhere(self._stream)
        return length


class _StandardErrorClosed:
    """Standard error closed (`2>&-`): its lines go nowhere and are ``lost``, for the exit
    status (said_nowhere), as on a full disk. Left None, the progress line's isatty() ended
    reprocess and upgrade before they began (exit status 1, not a word), and print() sent the
    other lines to standard output, into what a command writes there."""

    lost = False

    def write(self, text: str) -> int:
        self.lost = self.lost or bool(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def said_nowhere(args: argparse.Namespace, status: int) -> int:
    """The exit status of a command that ended ``status``, its lines on standard error lost (a
    full disk): 0 would tell of nothing lost, so a command that changed the archive (reprocess,
    move-root, an upgrade) or copied it (copy: run again, it is refused) ends
    EXIT_CHANGED_UNREPORTED, as it does when its report on standard output is lost, any other
    EXIT_ERROR."""
    if status:
        return status
    changing = args.command in ("reprocess", "move-root", "upgrade", "copy") and not getattr(args, "dry_run", False)
    return EXIT_CHANGED_UNREPORTED if changing else EXIT_ERROR


class _StandardOutputMayFail(_StandardStream):
    """Standard output, a write to which may fail (`archive search > /dev/full`, a quota): the
    command ends with one line saying so, where search, stats and sql ended with a traceback.
    A reader that left (`| head`) is not a failure: its BrokenPipeError goes on as it is."""

    def _failed(self, error: OSError, length: int) -> int:
        if isinstance(error, BrokenPipeError):
            raise error
        raise standard_output_lost(error, self._stream) from None


def main(argv: Sequence[str] | None = None, *, exiting: bool = False) -> int:
    """The command ``argv`` (the process's arguments when None) run; its exit status.
    ``exiting``: the process ends with it (the console script), no handler of its to put back."""
    args = parser().parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        # A terminal whose locale lacks a character (Latin-1; GBK, for a rare one) shows "?" for
        # it, where printing stopped the command with a traceback. Exports, and the sql
        # command's CSV and JSON, are UTF-8 whatever the locale (output_file).
        sys.stdout.reconfigure(errors="replace")
    stderr, stdout = sys.stderr, sys.stdout
    sys.stderr = _StandardErrorClosed() if stderr is None else _StandardErrorMayBeLost(stderr)
    if stdout is not None:
        sys.stdout = _StandardOutputMayFail(stdout)
    try:
        with _stopping_on_signals(exiting=exiting) as signals:
            status = _run(args, signals)
        return said_nowhere(args, status) if getattr(sys.stderr, "lost", False) else status
    finally:
        sys.stderr, sys.stdout = stderr, stdout
        if stdout is not None:
            flushed(stdout)


def flushed(stream) -> None:
    """``stream`` flushed; where its reader left (`| head`) while it still held bytes, they go
    nowhere (to_nowhere): the write that failed may leave part of its own (a pipe takes what it
    has room for)."""
    try:
        stream.flush()
    except BrokenPipeError:
        to_nowhere(stream)


def until_the_reader_leaves(run: Callable[[], int]) -> int:
    """The exit status of ``run``, a command printing to standard output: 0 where its reader
    left (`python -m crawler.sample.demo | head -1`), which is no failure, as for `archive`."""
    try:
        status = run()
    except BrokenPipeError:
        status = 0
    if sys.stdout is not None:
        flushed(sys.stdout)
    return status


# The arguments that are text for the database (file names are bytes the system may hold
# as they are), and what a message calls each: a terminal that sends GBK to a UTF-8 locale
# hands its bytes over as lone surrogates, which the database drivers raised on.
_TEXT_ARGUMENTS = {"query": {"sql": "SQL", "export": "--query"}, "paper": "paper", "section": "section",
                   "old_root": "OLD_ROOT", "new_root": "NEW_ROOT"}


def check_text_arguments(args: argparse.Namespace) -> None:
    from storage.search import checked_text

    for name, what in _TEXT_ARGUMENTS.items():
        value = getattr(args, name, None)
        if isinstance(what, dict):
            what = what.get(args.command, "search")
        for given in [value] if isinstance(value, str) else value or ():
            checked_text(given, what)


# The commands that only read the archive, a reading role's (README.md, "The archive").
_READING_COMMANDS = frozenset({"search", "stats", "export"})


def _run(args: argparse.Namespace, signals: _Signals) -> int:
    try:
        return _told(args, signals)
    finally:  # what the command had to tell, told: a signal now changes nothing
        signals.done = True


def _told(args: argparse.Namespace, signals: _Signals) -> int:
    try:
        check_text_arguments(args)
        check_span(args)
        _check_corrections(args)
        if args.command in ("search", "sql", "stats", "move-root", "upgrade"):
            standard_output()
        status = args.run(args)
        work_done()
        if sys.stdout is not None:
            try:  # what is still buffered fails here, where it is told in one line, not at exit
                sys.stdout.flush()
            except BrokenPipeError:  # archive search | head: main sends the rest nowhere
                pass
        return status
    except (ArchiveError, InvalidProfile) as exc:  # stats and reprocess read the paper profiles
        say(f"error: {exc}")
        return EXIT_ERROR
    except SQLAlchemyError as exc:
        refused = getattr(getattr(exc, "orig", None), "sqlstate", None) == INSUFFICIENT_PRIVILEGE
        if refused and args.command in _READING_COMMANDS:
            # A table the role was not granted, which opening the archive does not read (one a
            # later upgrade made): the grant that lets it, as for the tables opening reads.
            say(f"error: {not_readable(archive_url(args.archive), exc)}")
            return EXIT_ERROR
        hint = _upgrade_hint(args)
        if args.command == "upgrade" and refused:
            hint = " (an upgrade changes the archive's tables and functions: run it as the role that owns them)"
        say(f"error: database error: {database_words(exc)}{hint}")
        return EXIT_ERROR
    except BrokenPipeError:  # archive export | head: main sends the rest nowhere
        return 0
    except KeyboardInterrupt:  # Ctrl-C: what was written stays (a batch, a complete file), the rest is not
        # What a command stopped had done by then (a reprocess: what it stored), where it says.
        done_by_then = getattr(args, "interrupted_after", "")
        if signal.SIGTERM in signals.received:
            say(f"interrupted by SIGTERM{done_by_then}")
            return 128 + signal.SIGTERM
        say(f"interrupted{done_by_then}")
        return INTERRUPTED

