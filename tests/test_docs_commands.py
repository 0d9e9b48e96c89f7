"""The `archive` command lines docs/archive.md shows are the commands' own: a synopsis written
with `[--option …]` names every option the command's `--help` lists, and an example line uses
only options the command has."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage.cli import main

ARCHIVE_DOC = Path(__file__).resolve().parents[1] / "docs" / "archive.md"
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
