"""Page numbers: the archive's ``pages.page_number`` for a printed page code, and back.

Most papers number their pages 第01版, 第02版, …; larger ones print them in lettered
sections, 第A01版 … 第A16版, 第B01版 … (each section restarts at 1). The number must still
be one integer per page, unique within an issue and sorting in print order, since
``(issue_id, page_number)`` keys the pages and every query orders by it. A lettered page is
therefore the letter's place in the alphabet times ``LETTERED`` plus its number: A01 is
1001, B12 is 2012. Plain numbers stay as printed (and below ``LETTERED``), so no plain page
can be taken for a lettered one, and the archive's existing numbers keep their meaning.
"""
from __future__ import annotations

import re
import unicodedata

LETTERED = 1000

# The printed code alone: digits, or one Latin letter and digits (A01, A1, Ａ０１ full-width).
CODE = re.compile(r"\s*([A-Za-zＡ-Ｚａ-ｚ]?)\s*(\d+)\s*")
# The code as a page label prints it, at its start: 第07版, 第A01版 (then ：and the section).
LABEL_CODE = re.compile(r"第\s*([A-Za-zＡ-Ｚａ-ｚ]?)\s*(\d+)\s*版")


def page_number(code: str) -> int | None:
    """The page number for a printed page code ("07", "A01", "b3"), None if it is none or
    out of range (a lettered page numbered ``LETTERED`` or more, a plain one that high)."""
    match = CODE.fullmatch(code)
    if not match:
        return None
    return number_of(match[1], match[2])


def number_of(letter: str, digits: str) -> int | None:
    """The page number for a letter ("" for none) and the digits printed after it."""
    number = int(digits)  # int() reads full-width digits too
    if not 0 < number < LETTERED:
        return None
    if not letter:
        return number
    place = ord(unicodedata.normalize("NFKC", letter).upper()) - ord("A") + 1
    return place * LETTERED + number


def page_code(number: int) -> str:
    """The page code as a label prints it: 7 → "07", 1001 → "A01", 2012 → "B12"."""
    section, within = divmod(number, LETTERED)
    if 1 <= section <= 26 and within:
        return f"{chr(ord('A') + section - 1)}{within:02d}"
    return f"{number:02d}"


def page_shown(number: int, label: str | None = None) -> str:
    """The page as a reader is shown it: 第07版, 第A01版. A page the site took out of its issue
    (``pages.removed_at``) is numbered below zero, a number no reader should see: it is shown by
    the code its label printed, marked removed (第03版（已撤下）), or as removed alone where the
    label printed none."""
    if number > 0:
        return f"第{page_code(number)}版"
    match = LABEL_CODE.match(label or "")
    printed = match and number_of(match[1], match[2])
    return f"第{page_code(printed)}版（已撤下）" if printed else "已撤下的版面"
