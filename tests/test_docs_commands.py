"""The `archive` command lines docs/archive.md shows are the commands' own: every command
`archive --help` lists has a line there, a synopsis written with `[--option …]` names every option
the command's `--help` lists, and an example line uses only options the command has."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage.cli import main

ARCHIVE_DOC = Path(__file__).resolve().parents[1] / "docs" / "archive.md"
# The other pages whose code blocks show `archive` command lines.
OTHER_PAGES = (ARCHIVE_DOC.parents[1] / "README.md", ARCHIVE_DOC.with_name("reading-room.md"))
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
# An option's short name, as --help pairs them: `--output OUTPUT, -o OUTPUT`.
SHORT = re.compile(r"(--[a-z][a-z-]*)(?: [A-Z_]+)?, (-[a-z])\b")


def shown_lines() -> list[str]:
    """The lines of docs/archive.md's first plain code block (the commands at a glance)."""
    block = re.search(r"^```\n(archive .*?)^```", ARCHIVE_DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert block, "docs/archive.md has no block of archive command lines"
    return block.group(1).splitlines()


def help_options(command: str, capsys) -> tuple[set[str], dict[str, str]]:
    """The options `archive COMMAND --help` lists, and their short names."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    return set(OPTION.findall(text)) - {"--help"}, {short: long for long, short in SHORT.findall(text)}


def test_the_archive_pages_command_lines_name_the_options_each_command_has(capsys):
    for line in shown_lines():
        command = line.split()[1]
        options, shorts = help_options(command, capsys)
        shown = set(OPTION.findall(line)) | {shorts[short] for short in re.findall(r"(?<![\w-])-[a-z]\b", line)}
        if "[" in line or len(line.split()) == 2:  # a synopsis: every option, none other
            assert shown == options, f"{line}\n--help lists: {sorted(options)}"
        else:  # an example: options the command has
            assert shown <= options, f"{line}\n--help lists: {sorted(options)}"


def test_the_archive_pages_command_lines_show_every_command(capsys):
    """A command left out of the commands at a glance (`serve` was) is one a reader of
    docs/archive.md does not learn of."""
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = set(re.findall(r"^ {4}([a-z][a-z-]*) ", capsys.readouterr().out, re.M))
    assert {"search", "serve"} <= listed, listed  # the help's list was read
    assert listed - {line.split()[1] for line in shown_lines()} == set()


def test_the_other_pages_archive_command_lines_use_options_the_command_has(capsys):
    """README.md's and docs/reading-room.md's `archive` lines (their comments too, which name
    options), `--archive` given before the command as `archive` takes it."""
    checked = 0
    for page in OTHER_PAGES:
        # Each fence alternately opens and closes a block: the text of blocks is at odd positions.
        blocks = re.split(r"^```.*$", page.read_text(encoding="utf-8"), flags=re.M)[1::2]
        for line in (line for block in blocks for line in block.splitlines() if line.startswith("archive ")):
            words = line.split()
            at = 3 if words[1] == "--archive" else 1
            options, shorts = help_options(words[at], capsys)
            rest = " ".join(words[at + 1:])
            shown = set(OPTION.findall(rest)) | {shorts.get(short, short) for short in re.findall(r"(?<![\w-])-[a-z]\b", rest)}
            assert shown <= options, f"{page.name}: {line}\n--help lists: {sorted(options)}"
            checked += 1
    assert checked >= 10, checked
