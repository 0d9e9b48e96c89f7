"""Full-text search over the archive, ranked, with a highlighted snippet, on both databases.

A query is one or more terms separated by spaces; an article matches when it contains every
term (as a substring of its 引题, title, subtitle, byline or body; Latin letters ignore case; a term in
either its typed form or as the archive stores text, Simplified and normalised, see
:func:`variants`; a character Simplified text keeps though t2s changes it, such as 乾, as typed,
in the published text too: :func:`published_too`).

The bigram index (storage/fulltext.py) names the articles holding every bigram of the terms,
newest archived first; each is then checked for the terms themselves, and the first
:data:`POOL` that hold them are ranked. A term common to half the archive thus costs what a
rare one does, at the price of ranking the most recently archived matches only, which the
hits say (:attr:`SearchHit.pool_full`). The rank counts the terms' occurrences, a title
occurrence worth ten, a subtitle's or 引题's five, the body's at most four however dense
(:func:`_rank`), the byline's as the body's: a term in a heading outweighs any number of its
repetitions in a body. Equal ranks put the latest issue first, then the most recently archived.
Terms with no bigram of letters or digits (one character, punctuation) are checked on the
candidates of the others; a query made only of such terms reads the articles table.
"""
from __future__ import annotations

import math
from collections import Counter
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain, product
from typing import Any, Callable, Iterator, Sequence

import regex

from sqlalchemy import Date, text

from crawler.dates import BadDate, typed_date
from storage.db import Archive, ArchiveError
from storage.fulltext import (
    CAPTION_BREAK, CAPTIONS, INDEXED, PENDING_TABLE, SEARCH_TABLE, SEARCHED, VIEW, block, block_term, closed_up, column_sql,
    first_id, gap, paper_term, query_terms, section_term, year_term,
)

DEFAULT_MARKERS = ("【", "】")
SNIPPET_CHARS = 80
# Weights of an occurrence in the title, and in the subtitle or 引题 (a heading). The body's
# occurrences of a word add at most _BODY_MOST, less than one heading occurrence: a reader
# searching a term expects the articles headed with it first, and a short body repeating it (a
# list, a notice) outranked them. They add half of it at _BODY_HALF a thousand characters. The
# byline counts as a line of the body: it says who reported an article, not what it is about, so
# a name there weighs what it would in the body, and the articles headed with it come first. So
# do the pictures' captions: what a picture shows, as a line of the text would tell it.
_TITLE, _HEADING = 10.0, 5.0
_BODY_MOST, _BODY_HALF = 4.0, 2.0
# The published texts of the indexed ones (the captions' too: CAPTIONS_ORIGINAL), searched for a
# word only they tell apart (:func:`published_too`).
PUBLISHED = tuple(f"{column}_original" for column in SEARCHED)
# Where the words are looked for, the snippet is: the body first, then the captions, then the
# byline and the headings; the published texts after the stored ones. The reading room's
# text_search reads these too, in this order.
SHOWN = ("body", CAPTIONS, *INDEXED[-2::-1])
# How many matches a query ranks at most (more when a page past them is asked for).
POOL = 1000
# How many hits a search skips at most (`archive search --offset`, the reading room's pages): a
# page past them means collecting every match before it, and the bound keeps that finite.
MAX_OFFSET = 100_000
# The SQL that names the index's candidates, newest archived first, below an id.
_CANDIDATES = {
    "sqlite": (
        f"SELECT a.id, {{columns}} FROM {SEARCH_TABLE} s JOIN articles a ON a.id = s.rowid{{joins}} "
        f"WHERE {SEARCH_TABLE} MATCH :match AND s.rowid <= :highest{{floor}}{{where}} ORDER BY s.rowid DESC LIMIT :n"
    ),
    "postgresql": (
        f"SELECT a.id, {{columns}} FROM {SEARCH_TABLE} s JOIN articles a ON a.id = s.article_id{{joins}} "
        f"WHERE s.terms @@ CAST(:match AS tsquery) AND s.article_id <= :highest{{floor}}{{where}} "
        "ORDER BY s.article_id DESC LIMIT :n"
    ),
}
# Articles written with plain SQL since the index was last brought up to date.
_QUEUED = (
    f"SELECT a.id, {{columns}} FROM {PENDING_TABLE} q {{join}} articles a ON a.id = q.article_id{{joins}} "
    "WHERE 1=1{where}"
)
# SQLite, which keeps no statistics unless told to, would read the filters' articles (every
# article of the dates asked for) to find the queued ones among them: CROSS JOIN makes it start
# from the queue, which is empty after every write through storage/.
_QUEUE_FIRST = {"sqlite": "CROSS JOIN", "postgresql": "JOIN"}
# Words with no bigram to ask the index for: the articles themselves, newest first, by LIKE.
_SCAN = "SELECT a.id, {columns} FROM articles a{joins} WHERE a.id <= :highest{floor}{where} ORDER BY a.id DESC LIMIT :n"
# How many of a query's words the scan asks the database for: SQLite refuses an expression
# deeper than 1,000, which a text pasted with a space between its characters (PDF text) made.
LIKE_WORDS = 100
# The highest id either database stores (a signed 64-bit integer).
_HIGHEST_ID = (1 << 63) - 1
# How many blocks of ids PostgreSQL's first window spans, and how many pools' worth of
# articles holding a query's bigrams, in the whole archive, make it one to ask for without
# windows (see _windows): each is joined before the newest are kept (~15 µs an article at a
# million), so 20 pools cost a filtered search 330 ms where windows took 140.
FIRST_WINDOW = 2
RARE = 4
_FILTER_JOINS = " JOIN pages p ON p.id = a.page_id JOIN issues i ON i.id = p.issue_id JOIN papers pa ON pa.id = i.paper_id"


@dataclass
class SearchHit:
    article_id: int
    paper_code: str
    issue_date: date
    page_number: int  # below zero on a page the site took out of its issue (pages.removed_at)
    page_label: str  # as printed: names a removed page's number (crawler.pagenumbers.page_shown)
    section: str
    title: str
    snippet: str
    rank: float  # higher is better; comparable within one result list
    # True when more articles match than were ranked: the hits are the best of the most
    # recently archived matches (narrow the search to reach the others).
    pool_full: bool = False


class Hits(list):
    """A page of :class:`SearchHit`, and ``matches``: how many articles hold the words in all,
    where the search read every one (None where more match than were ranked: see
    :attr:`SearchHit.pool_full`). A page past the last hit is empty, and always knows it."""

    def __init__(self, hits=(), matches: int | None = None):
        super().__init__(hits)
        self.matches = matches


# Quotation marks, each with its closing mark, as search boxes take them: around one word they
# ask for nothing (every word is a phrase already); around words with spaces between them
# ("Save the Children") they make one phrase of them. A term of quotes alone is dropped.
_CLOSING = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』", "《": "》"}


# A passage pasted to find where it was printed is a search too; PostgreSQL's parse of a query
# of ~20,000 characters' bigrams exceeds its stack ("stack depth limit exceeded").
MAX_QUERY_CHARS = 10_000


# What no text in either database holds: NUL (PostgreSQL refuses it; the crawl drops it) and
# lone surrogates, which is how Python hands over the bytes of a command-line argument that are
# not UTF-8 (a terminal sending GBK to a UTF-8 locale): either made the database driver raise.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def checked_text(value: str, what: str) -> str:
    """``value``, if it is text a search can ask the databases for; else an :class:`ArchiveError`
    naming ``what`` it is (search, section, paper)."""
    if found := _NOT_TEXT.search(value):
        point = ord(found.group())
        if 0xDC80 <= point <= 0xDCFF:  # Python's surrogateescape: byte 0x80-0xff
            raise ArchiveError(f"{what} holds a byte that is not UTF-8 (0x{point - 0xDC00:02x}): give it in UTF-8")
        raise ArchiveError(f"{what} holds U+{point:04X}, which is no character of text")
    return value


def terms(query: str) -> list[str]:
    """The query's distinct terms, in order, without quotation marks around them: its words,
    and each run of words from one opening a quotation to the next closing it, as one term
    (spaced by one space, as the pipelines space words). A quotation left open quotes nothing,
    and a mark within a word (children's) is part of it. Pause and stop marks at a word's edges
    (:data:`_PAUSES`) are left out, and a term of marks alone is dropped beside words
    (:func:`checked_terms` refuses a query of marks alone)."""
    words = query.split()
    found = [_unquoted(" ".join(words[start : end + 1])) for start, end, _ in _runs(words)]
    return [t for t in dict.fromkeys(found) if any(map(str.isalnum, t))]


def _apostrophe(term: str, at: int) -> bool:
    """Whether the single quotation mark at ``at`` is an apostrophe: between two Latin letters."""
    return term[at] in "'’" and 0 < at < len(term) - 1 and all(
        c.isascii() and c.isalpha() for c in (term[at - 1], term[at + 1]))


# Each closing mark's opening one (quotes that close themselves, " and ', are their own).
_OPENING = {closing: opening for opening, closing in _CLOSING.items()}


# Pause and stop marks, Chinese, full and half width: a search copied from a page brings those
# beside its words along (社工，, 。， 社工), and they asked for the rare text printing them there,
# where no bigram of the index holds a mark to find it by. Brackets and quotation marks pair
# (乡镇（街道）), and %, -, * say something of the word (80%, -广告, 社会*): they stay.
_PAUSES = "，。、；：！？…⋯,.;:!?．｡､"


def _unquoted(term: str) -> str:
    """``term`` without the quotation marks around it: a pair enclosing it, and a mark at either
    end that nothing in it pairs with (left open, or closed without being opened), nor the
    :data:`_PAUSES` outside a pair (“社工”，; within one, "社工，", they are asked for as written).
    A quotation that ends or starts within it is part of it, as the page printed it: “十四五”规划,
    启动“五社联动”."""
    quoted = False
    while term:
        first, last = term[0], term[-1]
        if first in _CLOSING and (closes := _closing_mark_at(term)) in (None, len(term) - 1):
            term = term[1:-1] if closes else term[1:]
            quoted = quoted or bool(closes)
        elif last in _OPENING and _OPENING[last] not in term[:-1]:
            term = term[:-1]
        elif not quoted and term.strip(_PAUSES) != term:
            term = term.strip(_PAUSES)
        else:
            return term
        term = term.strip()
    return term


def _closing_mark_at(term: str) -> int | None:
    """Where the quotation ``term`` opens is closed (quotations nested within it skipped), if it is.
    An apostrophe closes none ('children's', ‘children’s’)."""
    opening, closing = term[0], _CLOSING[term[0]]
    depth = 0
    for at, character in enumerate(term[1:], 1):
        if _apostrophe(term, at):
            continue
        if character == closing:
            if not depth:
                return at
            depth -= 1
        elif character == opening:
            depth += 1
    return None


def _runs(words: list[str]) -> Iterator[tuple[int, int, bool]]:
    """Each term's first and last word, and whether it is a word opening a quotation that no
    later word closes (which :func:`terms` takes for a word alone)."""
    start = 0
    while start < len(words):
        end, left_open = start, False
        closing = _CLOSING.get(words[start][0])
        # A word closing its quotation itself ("社工", “十四五”规划) opens none past it.
        if closing and _closing_mark_at(words[start]) is None:
            end = next((n for n in range(start + 1, len(words)) if words[n].endswith(closing)), start)
            left_open = end == start
        yield start, end, left_open
        start = end + 1


# How much of a quotation left open its note repeats.
QUOTED_CHARS = 50


def cut(text: str, chars: int) -> str:
    """``text`` at most ``chars`` characters, an ellipsis marking a cut (a search or an address
    repeated in a message)."""
    return text if len(text) <= chars else text[:chars] + "…"


def open_quotation_note(query: str) -> str | None:
    """For a search whose quotation is left open before other words ("社会 工作): that its words
    were searched for apart, where its reader most likely meant them as one phrase, and each
    article holding them anywhere was a hit without a word said; None if it has none. (One
    opened before the last word alone, "社工, finds that word either way.)"""
    words = query.split()
    for start, _, left_open in _runs(words):
        if left_open and start + 1 < len(words):
            quoted = cut(" ".join(words[start:]), QUOTED_CHARS)  # as a page echoes a search: a pasted passage may be long
            return (f"{quoted} opens a quotation it does not close: its words were searched for apart "
                    f"(close it with {_CLOSING[quoted[0]]} to find them as one phrase)")
    return None


# Words other search boxes read as operators (社工 OR 志愿, -广告, 社会*, 社工 NEAR 站, NEAR/3,
# NEAR(社工 站); a lone * is marks alone, left out by terms()): here every word is text to find,
# so a search holding one finds nothing where its reader expected hits. Upper case, as they
# take them: near is a word.
_OPERATOR_LIKE = re.compile(r"AND|OR|NOT|NEAR(?:/\d+|\(.*)?|[-+].+|.*\*")


def as_written_note(query: str) -> str | None:
    """For a search that found nothing: which of its words other search boxes take for
    operators, and that they were searched for as written; None if it has none."""
    words = [word for word in terms(query) if _OPERATOR_LIKE.fullmatch(word)]
    if not words:
        return None
    return f"{', '.join(words)}: searched for as written (there are no operators: a hit holds every word)"


def checked_terms(query: str) -> list[str]:
    """:func:`terms`, refused in one line when there are none or too many characters of them.
    A query of marks alone (。，, “”, ...) asks for no word, whatever marks: refused alike."""
    words = terms(query)
    if not any(map(str.isalnum, query)):  # letters take in the Han characters, digits ① too
        given = " ".join(query.split())
        marks = f"{cut(given, QUOTED_CHARS)} holds no letter, digit or Chinese character: " if given else ""
        raise ArchiveError(f"empty search: {marks}give at least one word")
    if (length := sum(map(len, words))) > MAX_QUERY_CHARS:
        raise ArchiveError(f"search of {length:,} characters: at most {MAX_QUERY_CHARS:,} (a passage of a few paragraphs)")
    return words


def holds_every_word(lowered: list[Forms], fields: list[str]) -> bool:
    """Whether the texts ``fields`` (each :func:`searched_text`: an article's SEARCHED, then, where a
    word asks for them, its PUBLISHED) hold each word in one of its forms (``lowered``:
    :func:`word_forms`): what makes an article a match."""
    stored = fields[: len(SEARCHED)]
    return all(any(v in f for v in group for f in (fields if group.published else stored)) for group in lowered)


def searched_columns(lowered: list[Forms]) -> tuple[str, ...]:
    """The texts of an article a match is checked on: SEARCHED, and PUBLISHED where a word asks
    for them (read only then: they double what a search reads). SQL for each:
    storage.fulltext.column_sql."""
    return SEARCHED + (PUBLISHED if any(group.published for group in lowered) else ())


def shown_columns(lowered: list[Forms]) -> tuple[str, ...]:
    """The texts a hit's snippet is taken from, in the order it looks in them (SHOWN, then the
    published ones a word asks for: :func:`searched_columns`)."""
    read = searched_columns(lowered)
    return SHOWN + tuple(f"{c}_original" for c in SHOWN if f"{c}_original" in read)


def searched_text(field: str | None, lower: bool = True) -> str:
    """An article's text as a search reads it, as the index holds it: lower-cased, without its
    spaces and line breaks between two Han characters (storage.fulltext.closed_up): 五社联动暖心
    is found in 五社联动 暖心, 慈善事业发展 in 慈善⏎事业发展. A word's forms (:func:`variants`) hold
    one such phrase without them too.

    Not lower-cased (``lower`` false) where no form of the words holds a character a lower case
    can give (:func:`case_matters`): the text then holds each form where its lower case does, as
    often, and lower-casing is some 40 % of the work. Unless it holds a letter whose lower case is
    longer (İ's): its length, which the rank weighs, is the lower case's."""
    field = field or ""
    if lower or any(map(field.__contains__, _LENGTHENED_BY_LOWER())):
        field = field.lower()
    return closed_up(field)


def case_matters(lowered: list[Forms]) -> bool:
    """Whether a form of the words holds a character that some letter's lower case holds (its
    other cases: :func:`_cases`, ς's Σ among them): only then can lower-casing an article's text
    change whether it holds a form."""
    return any(len(_cases(c)) > 1 for group in lowered for form in group for c in form)


def matched_texts(lowered: list[Forms]) -> Callable[[Sequence[str | None]], list[str] | None]:
    """The match of an article, as search and export both check it: given its searched columns
    (:func:`searched_columns`), their texts as searched (:func:`searched_text`, lower-cased only
    where :func:`case_matters`) if they hold every word (:func:`holds_every_word`), else None."""
    lower = case_matters(lowered)

    def held(fields: Sequence[str | None]) -> list[str] | None:
        texts = [searched_text(f, lower) for f in fields]
        return texts if holds_every_word(lowered, texts) else None

    return held


class Forms(list):
    """A word's forms to look for (:func:`variants`), lower-cased, and ``published``: whether the
    article's published texts are searched for them too (:func:`published_too`)."""

    def __init__(self, word: str):
        super().__init__(dict.fromkeys(chain.from_iterable(map(_lower_cases, variants(word)))))
        self.published = published_too(word)


# How many of a form's sigmas are asked for in both lower cases: each doubles its forms.
_SIGMAS_EITHER_WAY = 4


def _lower_cases(form: str) -> list[str]:
    """``form`` lower-cased, as the text is, and with each sigma written as σ and as ς: they are
    one letter, which ``casefold()`` makes σ, ς being its form at a word's end. ``lower()`` makes
    a word's last Σ ς, which a text holding the word within a longer one (ΠΡΟΣ in ΠΡΟΣΦΟΡΑ)
    lower-cases to σ; a reader types σ for the ς a text ending a word in it holds (ΟΣ, ος), or ς
    for the end of a word the text goes on from."""
    lowered = form.lower()
    either = [at for at, character in enumerate(lowered) if character in "σς"][:_SIGMAS_EITHER_WAY]
    forms = []
    for sigmas in product("σς", repeat=len(either)):
        letters = list(lowered)
        for at, sigma in zip(either, sigmas):
            letters[at] = sigma
        forms.append("".join(letters))
    return list(dict.fromkeys(chain.from_iterable(map(_dotted_either_way, [lowered, *forms]))))


# How many of a form's i's are asked for both with and without İ's dot: each doubles its forms.
_DOTS_EITHER_WAY = 4
# An i, or İ's lower case (i and U+0307, COMBINING DOT ABOVE).
_I_EITHER_WAY = re.compile("i\u0307?")


def _dotted_either_way(lowered: str) -> list[str]:
    """``lowered`` and, for each of its first i's, that i written the other way: İ lower-cases to
    i and U+0307, not to the i a reader types (istanbul, or ISTANBUL, for İstanbul), and a reader
    pasting İstanbul looks for the Istanbul a text writes without the dot too. Asking for the
    dotted form costs the index nothing: its dot is in no bigram, so the form asks for fewer."""
    parts = _I_EITHER_WAY.split(lowered)
    if len(parts) == 1:
        return [lowered]
    either = min(len(parts) - 1, _DOTS_EITHER_WAY)
    kept = _I_EITHER_WAY.findall(lowered)[either:]
    # Each part but the last is followed by its i: the last by none.
    return ["".join(chain.from_iterable(zip(parts, (*letters, *kept, ""))))
            for letters in product(("i", "i\u0307"), repeat=either)]


def word_forms(words: list[str]) -> list[Forms]:
    """Each word's forms to look for."""
    return [Forms(w) for w in words]


def search(
    archive: Archive,
    query: str,
    *,
    paper: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    section: str | None = None,
    limit: int = 20,
    offset: int = 0,
    markers: tuple[str, str] = DEFAULT_MARKERS,
) -> Hits:
    """Hits ``offset`` to ``offset + limit`` of the ranking (see :func:`ranked_span`)."""
    words = checked_terms(checked_text(query, "search"))
    for name, value in (("limit", limit), ("offset", offset)):
        if value < 0:
            raise ArchiveError(f"{name} {value} must not be negative")
    given = {"paper": paper, "since": since, "until": until, "section": section}
    lowered = word_forms(words)
    shown = shown_columns(lowered)
    with archive.engine.connect() as conn:
        steer_planner(conn)
        first, last = ranked_span(offset, limit)
        ranked, full = _ranked_matches(conn, archive.dialect, lowered, given, last, _pool(limit), first - 1)
        matches = None if full else len(ranked)
        ranked = ranked[offset : offset + limit]
        if not ranked:
            return Hits(matches=matches)
        details = conn.execute(
            text(
                f"SELECT article_id, paper_code, issue_date, page_number, page_label, section, "
                f"{', '.join(column_sql(archive.dialect, c, VIEW, 'article_id') for c in shown)} "
                f"FROM {VIEW} WHERE article_id IN ({', '.join(str(int(i)) for i, _ in ranked)})"
            ).columns(issue_date=Date)
        ).all()
    by_id = {row.article_id: row for row in details}
    return Hits((
        SearchHit(
            article_id=row.article_id,
            paper_code=row.paper_code,
            issue_date=row.issue_date,
            page_number=row.page_number,
            page_label=row.page_label,
            section=row.section,
            title=row.title,
            snippet=snippet(tuple(row[6:]), [v for group in lowered for v in group], markers),
            rank=float(rank),
            pool_full=full,
        )
        for row, rank in ((by_id[i], r) for i, r in ranked)
    ), matches=matches)


def ranked_among(offset: int, limit: int) -> str:
    """Which matches hits ``offset`` to ``offset + limit`` were ranked among, for a reader:
    "1,000 most recently archived", "1,001st to 2,000th most recently archived"."""
    first, last = ranked_span(offset, limit)
    return f"{last:,} most recently archived" if first == 1 else f"{_ordinal(first)} to {_ordinal(last)} most recently archived"


def _ordinal(number: int) -> str:
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def _pool(limit: int) -> int:
    """How many matches are ranked together: :data:`POOL`, or a page's worth if more."""
    return max(POOL, limit)


def ranked_span(offset: int, limit: int) -> tuple[int, int]:
    """Which of the matches, counted most recently archived first, hits ``offset`` to
    ``offset + limit`` are ranked among: (first, last), 1-based.

    The matches are ranked a pool at a time (:data:`POOL`, or the page's size if larger): the
    most recent pool first, best first, then the next, and so on. So paging through a query's
    hits shows every match once, where widening one pool for each later page would rank a
    different set at every page, showing some hits twice and others never."""
    pool = _pool(limit)
    first = offset // pool * pool
    return first + 1, max(first + pool, -(-(offset + limit) // pool) * pool)


def steer_planner(conn) -> None:
    """On PostgreSQL, keep the candidates' query off sequential scans for this transaction.

    The planner guesses how many articles hold all of a query's bigrams as if they were
    independent, and they are not (a six-character phrase's five bigrams go together): it
    then expects few rows, and reads the whole index table, taking every row's lexemes out of
    line, rather than ask the GIN index (at 100,000 articles, 586 ms against 14 ms). It still
    chooses between the index and reading the newest rows first, which wins for common words.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL enable_seqscan = off"))


def variants(word: str) -> list[str]:
    """A query word as typed and, where it differs, as the archive stores text: the archive's
    text is Simplified (pipelines/script.py; the original script is kept beside it, not
    searched), and a reader may type or paste Traditional (社會工作 finds 社会工作). Both forms
    are asked for, as t2s also rewrites characters that Simplified text uses as they are
    (著 → 着). The stored form is normalised as the pipelines leave text too (pipelines/
    normalize.py), as :func:`section_names` does: a passage copied from a page that sets its
    commas half width (會上,番禺區), or typed so, finds the full-width text stored (会上，番禺区).
    A word is a piece of a text, and what stood beyond its edges decides a mark there (ABC, is
    stored ABC， before Chinese, ABC, before Latin): it is asked for normalised as it stands and
    as it would be between Chinese characters. A phrase's space between two Chinese characters
    is the pipelines' own where the paper printed one, and a reader's where it did not: the
    phrase is asked for with those spaces and without them (社会 工作 finds 社会工作).

    A character that Simplified text writes as it is, though t2s changes it alone
    (:func:`published_too`), is asked for as typed only."""
    if published_too(word):
        return [word]
    # A word of zero-width characters only, which normalising takes out, is asked for as typed:
    # an empty form would match every article.
    forms = (word, stored_form(word), stored_form(word, between=_CHINESE))
    if " " in word:
        forms += tuple(closed_up(form) for form in forms)
    # Letters and digits first, then marks: each set's two widths, with the other set's as the
    # word has them (NGO（村） as stored, asked for as NGO(村)); then a comma as each of the commas.
    for alike, tables in _ALIKE:
        if alike.search(word):
            forms += tuple(form.translate(table) for form in forms for table in tables)
    if _ANY_QUOTE.search(word):
        forms += tuple(chain.from_iterable(_other_quotes(form) for form in forms))
    # The pipelines keep an accented letter as the page sets it, one character (É) or a letter and
    # its combining accent (E and U+0301), and a reader pastes either: each form is asked for in both.
    forms += tuple(unicodedata.normalize(composition, form) for form in forms for composition in ("NFC", "NFD"))
    return [form for form in dict.fromkeys(forms) if form]


@lru_cache(maxsize=1)
def _kept_by_simplified() -> frozenset[str]:
    """Characters t2s changes alone that Simplified text writes as they are, as pipelines/script.py
    lists them for telling scripts apart, and 著 (著名, 显著), which t2s keeps in such words too."""
    # Imported on first use, as stored_form's imports are.
    from pipelines.script import ALSO_SIMPLIFIED

    return ALSO_SIMPLIFIED | {"著"}


def published_too(word: str) -> bool:
    """Whether ``word`` is one character that Simplified text writes as it is though t2s changes it
    alone (乾: 乾隆 keeps it, 乾淨 is stored 干净). Asked for as t2s makes it (干), it found every
    article holding 干 (干部, 若干, 干预) as often as those holding 乾, and they filled the pool of
    newest matches; where 乾 was converted (干净, and t2s's 乾縣 → 干县) only the published text
    still holds it. So it is asked for as typed, in the stored text and the published one
    (PUBLISHED). In a longer word, t2s reads it in context (乾淨 → 干净, 乾隆 kept), as the crawl did."""
    return len(word) == 1 and word in _kept_by_simplified()


# The pipelines keep quotation marks as the page prints them: curly (“慈善之城”) on most pages,
# straight ("慈善之城") on some, corner brackets (「慈善之城」, 『』 within) on pages set in
# Traditional script; and a reader types any of them. A word holding some is asked for with each
# (opening and closing by turns, as a quotation within a word has them).
_STRAIGHT = ('"', "'")
# Each style's double and single marks, opening and closing.
_QUOTE_STYLES = ((("“", "”"), ("‘", "’")), (("「", "」"), ("『", "』")))
_ANY_QUOTE = re.compile("[" + "".join(chain(_STRAIGHT, *chain.from_iterable(_QUOTE_STYLES))) + "]")
_STRAIGHTENED = {ord(mark): quote for style in _QUOTE_STYLES for pair, quote in zip(style, _STRAIGHT) for mark in pair}


def _other_quotes(form: str) -> list[str]:
    """``form`` with its quotation marks straight, and in each other style."""
    straight = form.translate(_STRAIGHTENED)
    forms = [straight]
    for style in _QUOTE_STYLES:
        styled = straight
        for pair, quote in zip(style, _STRAIGHT):
            pieces = styled.split(quote)
            styled = pieces[0] + "".join(pair[n % 2] + piece for n, piece in enumerate(pieces[1:]))
        forms.append(styled)
    return forms


# What a word is normalised between to learn how the pipelines store it beside Chinese text: any
# Han character, which normalising leaves as it is.
_CHINESE = "中"


def _both_widths(narrow: str) -> tuple[re.Pattern, tuple[dict, dict]]:
    """A character of ``narrow`` (ASCII) or its full-width form, and the tables to narrow and to
    widen them."""
    wide = "".join(chr(ord(c) + 0xFEE0) for c in narrow)
    return re.compile(f"[{re.escape(narrow + wide)}]"), (str.maketrans(wide, narrow), str.maketrans(narrow, wide))


# Latin letters and digits are stored as the page sets them, and papers set them in either width
# (NGO and ＮＧＯ, 2023 and ２０２３, even in one article): a word holding some is asked for in both.
# So are the marks the pipelines leave as printed (brackets within a sentence, 乡镇(街道); %, ., -,
# /): a Chinese input method types them full width, 乡镇（街道）, and a page may set them either way.
# A mark the pipelines set full width beside Chinese (，：) is asked for in both widths too, which
# finds nothing more than its stored form does.
#
# A list of Chinese words is printed with the enumeration comma (民政、教育), by some papers with a
# full-width comma, and typed on a Latin keyboard with a comma: a word holding any of them (or 、's
# half-width form) is asked for with each.
_COMMAS = ",，、､"
_ALIKE = (
    _both_widths(string.ascii_letters + string.digits), _both_widths(string.punctuation),
    (re.compile(f"[{_COMMAS}]"), tuple(str.maketrans(_COMMAS, comma * len(_COMMAS)) for comma in _COMMAS)),
)


def stored_form(text: str, between: str = "") -> str:
    """``text`` as the crawl's pipelines store plain text: Simplified, then normalised; normalised
    between two ``between`` if given (the pipelines' rules look at a mark's neighbours)."""
    # Imported here, not by the commands that import this module for its filters only.
    from pipelines.normalize import normalize_plain
    from pipelines.script import to_simplified

    simplified = to_simplified(text)
    if not between:
        return normalize_plain(simplified)
    return normalize_plain(between + simplified + between)[len(between) : -len(between)]


def _ranked_matches(conn, dialect: str, lowered: list[Forms], given: dict[str, Any], wanted: int,
                    pool: int, shown: int = 0) -> tuple[list[tuple[int, float]], bool]:
    """(id, rank) of the ``wanted`` most recently archived articles holding every word (fewer if
    fewer do), found through the bigram index (or, with no bigram to ask it for, by reading the
    articles) and ranked ``pool`` at a time (:func:`ranked_span`); and whether more match.
    Equal ranks are ordered by their issues' days from the pool of match ``shown`` on, the first
    shown: the pools before it are passed over, their issues' days not read."""
    where, params = filters(TABLE_COLUMNS, **given)
    joins = _FILTER_JOINS if where else ""
    # What a match is checked on, and ranked by.
    columns = ", ".join(column_sql(dialect, c) for c in searched_columns(lowered))
    # What the index is asked for: each word's bigrams, in one of its forms; a word with a form
    # of no bigram (one character) is checked on the candidates only.
    asked = [_fewest_bigrams([query_terms(v) for v in group]) for group in lowered]
    asked = [group for group in asked if all(group)]
    found: dict[int, float] = {}  # newest first
    # The ids to walk, highest first: up to ``highest``, and from ``lowest`` on (_dated_ids).
    highest, dated = _HIGHEST_ID, _dated_ids(conn, params) if dialect == "sqlite" else None
    if dated:
        highest, params["lowest"] = dated[1], dated[0]

    matched = matched_texts(lowered)

    def holding(rows) -> Iterator[tuple[int, list[str]]]:
        """The rows holding every word, their fields as searched (:func:`searched_text`)."""
        for article_id, *fields in rows:
            if (texts := matched(fields)) is not None:
                yield article_id, texts

    def keep(article_id: int, fields: list[str]) -> bool:
        """Keep a match unless the pool is full: whether it is."""
        if article_id not in found:
            if len(found) == wanted:
                return True
            found[article_id] = _rank(fields, lowered)
        return False

    # Queued articles (written with plain SQL since the last write through storage/) take their
    # place among the index's by id, so that they push no newer match out of the pool.
    queued: list[tuple[int, list[str]]] = []

    def take(rows) -> bool:
        """Keep the rows holding every word, newest first, until the pool is full: whether it is."""
        for article_id, fields in holding(rows):
            while queued and queued[-1][0] > article_id:
                if keep(*queued.pop()):
                    return True
            if keep(article_id, fields):
                return True
        return False

    if asked:
        match = _MATCH[dialect](asked) + (_facets(conn, params) if dialect == "postgresql" else "")
        if not _queue_empty(conn):
            queued = sorted(holding(conn.execute(
                text(_QUEUED.format(columns=columns, join=_QUEUE_FIRST[dialect], joins=joins, where="".join(where))), params
            )))
        floor = " AND s.rowid >= :lowest" if dated else ""
        sql = text(_CANDIDATES[dialect].format(columns=columns, joins=joins, floor=floor, where="".join(where)))
        windows = _windows(conn, wanted) if dialect == "postgresql" else iter([None])
    else:
        # The longest words narrow the scan; every word is checked on what it reads (holding).
        where += _like_terms(sorted(lowered, key=lambda g: -min(map(len, g)))[:LIKE_WORDS], params, dialect)
        floor = " AND a.id >= :lowest" if dated else ""
        windows = iter([None])
        sql = text(_SCAN.format(columns=columns, joins=joins, floor=floor, where="".join(where)))
    window, held, full = next(windows), 0, False
    while not full:
        if asked:
            blocks = "" if window is None else " | ".join(f"'{block_term(n)}'" for n in window)
            params["match"] = f"({match}) & ({blocks})" if blocks else match
        # One more than wanted: a batch that fills the pool says too whether more match.
        batch = conn.execute(sql, params | {"highest": highest, "n": wanted + 1}).all()
        full, held = take(batch), held + len(batch)
        if len(batch) > wanted:
            highest = batch[-1][0] - 1  # more in this window
        elif window is None:
            break  # the last window
        else:
            highest = min(highest, first_id(window[-1]) - 1)
            window, held = windows.send(held), 0
    while queued and not full:
        full = keep(*queued.pop())
    matches = list(found.items())
    # Which matches are in a pool is up to the walk, newest id first (which keeps a query's cost
    # to its pool); within a pool, equal ranks put the latest issue first, as a reader expects.
    issued = _issue_days(conn, _tied(matches[shown:], pool))
    return [hit for start in range(0, len(matches), pool)
            for hit in sorted(matches[start : start + pool],
                              key=lambda hit: (-hit[1], -issued.get(hit[0], 0), -hit[0]))], full


def _tied(matches: list[tuple[int, float]], pool: int) -> list[int]:
    """The ids of ``matches`` ranked as another of their pool is: the only ones whose issue's
    day orders them."""
    tied = []
    for start in range(0, len(matches), pool):
        ranks = Counter(rank for _, rank in matches[start : start + pool])
        tied += [i for i, rank in matches[start : start + pool] if ranks[rank] > 1]
    return tied


def _issue_days(conn, ids: list[int]) -> dict[int, int]:
    """Each article's issue's day (as an ordinal), of ``ids``."""
    days = {}
    for start in range(0, len(ids), 10_000):
        chunk = ", ".join(str(int(i)) for i in ids[start : start + 10_000])
        days.update((i, day.toordinal()) for i, day in conn.execute(
            text(f"SELECT article_id, issue_date FROM {VIEW} WHERE article_id IN ({chunk})").columns(issue_date=Date)))
    return days


def _fewest_bigrams(forms: list[list[str]]) -> list[list[str]]:
    """The bigrams of a word's forms, less each form's that hold all of another's: a text holding
    that form holds the other's too, so that asking for either form asks for the other's. A
    phrase without its spaces (社会工作) holds the bigrams of the phrase with them (社会 工作); a
    mark's width changes none."""
    held = [frozenset(bigrams) for bigrams in forms]
    return [bigrams for n, bigrams in enumerate(forms)
            if not any(other < held[n] or (other == held[n] and m < n) for m, other in enumerate(held) if m != n)]


def _queue_empty(conn) -> bool:
    """Whether no article waits for the index, as after every write through storage/.

    Asked first, because PostgreSQL's planner, whose statistics of the queue are those of its
    last ANALYZE, joins the queued articles to the filters' pages by hashing every page (10 ms
    at a million articles) where the queue holds none."""
    return conn.execute(text(f"SELECT 1 FROM {PENDING_TABLE} LIMIT 1")).first() is None


def _facets(conn, params: dict[str, Any]) -> str:
    """PostgreSQL: the paper, years and section the filters (their SQL parameters) name, as
    lexemes for the index to AND with the bigrams (storage.fulltext.pg_lexemes): a search
    narrowed to one paper of twenty then asks for that paper's articles only, not for all
    that hold the words. The filters' SQL still decides (a date within a year; the section's
    lexeme is a digest)."""
    sections = " | ".join(f"'{section_term(name)}'" for name in _section_params(params))
    facets = f" & ({sections})" if sections else ""
    if "paper" in params:
        # An unknown paper: no id, no article holds the lexeme, and the SQL finds none either.
        paper_id = conn.execute(text("SELECT id FROM papers WHERE code = :paper"), params).scalar() or 0
        facets += f" & '{paper_term(paper_id)}'"
    if "since" in params or "until" in params:
        first, last = params.get("since"), params.get("until")
        if first is None or last is None:
            bounds = conn.execute(text("SELECT min(issue_date), max(issue_date) FROM issues")).one()
            first, last = first or bounds[0], last or bounds[1]
        if first is not None and last is not None:
            # No year at all (since after until): a lexeme no article holds.
            years = " | ".join(f"'{year_term(y)}'" for y in range(first.year, last.year + 1)) or f"'{year_term(0)}'"
            facets += f" & ({years})"
    return facets


# A search from a date on is bounded by its articles' ids when its dates hold at most this
# share of the archive's issues.
RECENT_SHARE = 0.1


def _dated_ids(conn, params: dict[str, Any]) -> tuple[int, int] | None:
    """SQLite, a search ending before the archive's newest issue, or starting within its most
    recent tenth: the lowest and highest id of the articles within the dates ((0, 0) for none),
    for the index to walk those ids only.

    SQLite's index walks its rows newest first and the dates are checked on each: a search of
    one year in the middle of a million articles read every newer candidate first (p95 0.5 s;
    with the ids, 34 ms). And a search of the last few weeks, its words in few of their
    articles, read every older candidate after them (1.4 s at 100,000 articles), where a word
    no article of the dates holds ends at once. The ids cost ~0.2 ms a thousand articles within
    the dates: a search from an early date on, which starts at the newest issue and fills its
    pool there, is left to the walk."""
    since, until = params.get("since"), params.get("until")
    if since is None and until is None:
        return None
    newest, later, issues = conn.execute(
        text("SELECT max(issue_date), sum(issue_date >= :since), count(*) FROM issues"), {"since": since or "0001-01-01"}
    ).one()
    if newest is None:
        return None
    if until is None or until >= _as_date(newest, "until"):
        if since is None or later > RECENT_SHARE * issues:
            return None
    where, bounds = filters(TABLE_COLUMNS, since=since, until=until)
    lowest, highest = conn.execute(text(
        "SELECT min(a.id), max(a.id) FROM issues i JOIN pages p ON p.issue_id = i.id "
        f"JOIN articles a ON a.page_id = p.id WHERE 1=1{''.join(where)}"
    ), bounds).one()
    return (lowest, highest) if lowest is not None else (0, 0)


def _windows(conn, pool: int):
    """PostgreSQL: the blocks of ids (storage.fulltext.block) of each window to ask the index
    in, newest first. Told how many candidates each window held, it sizes the next to fill
    the pool; it ends with None: everything older.

    SQLite's index walks its rows newest first and stops at the pool. PostgreSQL's GIN index
    names every article holding the bigrams, and each is then visited and sorted: for a
    phrase in a tenth of a million articles, 120,000 rows to give the newest thousand
    (160 ms). Asked for the bigrams and one of a few recent blocks, it names only those
    blocks' articles. A condition on the article id would not do: the planner, expecting few
    rows, checks it on each row the index names. A word the first windows show rare is asked
    for without a window.
    """
    top = block(conn.execute(text("SELECT max(id) FROM articles")).scalar() or 0)
    high, low, seen = top, top + 1 - FIRST_WINDOW, 0
    while low > 0:
        seen += yield list(range(high, low - 1, -1))
        rate = seen / (top + 1 - low)  # candidates per block so far
        if not seen or rate * (top + 1) < RARE * pool:
            break
        high = low - 1
        low -= max(FIRST_WINDOW, math.ceil(1.5 * (pool - seen) / rate))
    yield None


def _rank(fields: list[str], groups: list[Forms]) -> float:
    """How well an article matches (``fields``: its searched texts, lower-cased): each word's
    occurrences in the title and the headings (subtitle, 引题), by their weights, and in the body,
    byline and captions, their density (per thousand characters, a thousand added to the length:
    a short text's one occurrence is no dense one) made a share of _BODY_MOST. A word searched in
    the published texts too counts in the stored field or in its published one, whichever holds it more."""
    stored = dict(zip(SEARCHED, fields))
    published = dict(zip(SEARCHED, fields[len(SEARCHED) :]))  # read where a word asks for them only
    lines = ("body", "byline", CAPTIONS)
    rank = 0.0
    for group in groups:
        found = {column: sum(max(t.count(v) for t in ((stored[column], published[column]) if group.published
                                                      else (stored[column],))) for v in group)
                 for column in SEARCHED}
        heading = found["subtitle"] + found["pretitle"]
        density = 1000 * sum(found[c] for c in lines) / (sum(len(stored[c]) for c in lines) + 1000)
        rank += _TITLE * found["title"] + _HEADING * heading + _BODY_MOST * density / (density + _BODY_HALF)
    return rank


def _index_match(asked: list[list[list[str]]], quote: str, both: str, either: str) -> str:
    """The index's query: every word, in any of its forms, each form's bigrams all."""
    def form(bigrams: list[str]) -> str:
        return "(" + f" {both} ".join(f"{quote}{b}{quote}" for b in bigrams) + ")"
    return f" {both} ".join("(" + f" {either} ".join(map(form, group)) + ")" for group in asked)


_MATCH = {
    "sqlite": lambda asked: _index_match(asked, '"', "AND", "OR"),
    "postgresql": lambda asked: _index_match(asked, "'", "&", "|"),
}


VIEW_COLUMNS = {"paper": "v.paper_code", "since": "v.issue_date", "until": "v.issue_date", "section": "v.section"}
# The same filters in queries on the tables (papers pa, issues i, pages p).
TABLE_COLUMNS = {"paper": "pa.code", "since": "i.issue_date", "until": "i.issue_date", "section": "p.section"}
_OPERATORS = {"since": ">=", "until": "<="}


def filters(columns: dict[str, str] = VIEW_COLUMNS, **given: Any) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions (" AND …") and parameters for the filters given (None: not given):
    paper (code), since / until (issue dates), section; ``columns`` names their columns."""
    where, params = [], {}
    for name, value in given.items():
        if value is None:
            continue
        if isinstance(value, str):
            checked_text(value, name)
        if name == "section":
            names = section_names(value)
            params |= {f"section{n}": form for n, form in enumerate(names)}
            where.append(f" AND {columns[name]} IN ({', '.join(f':section{n}' for n in range(len(names)))})")
            continue
        if name in ("since", "until"):
            value = _as_date(value, name)
        where.append(f" AND {columns[name]} {_OPERATORS.get(name, '=')} :{name}")
        params[name] = value
    return where, params


def section_names(name: str) -> list[str]:
    """A section name as typed and as the archive stores section names: in Simplified script and
    normalised as the pipelines leave them (pipelines/script.py, pipelines/normalize.py), so that
    社會工作, as the page printed it, finds the pages stored as 社会工作."""
    typed = name.strip()
    return list(dict.fromkeys((typed, stored_form(typed))))


def _section_params(params: dict[str, Any]) -> list[str]:
    """The forms of the section a filter names (:func:`filters`), if it names one."""
    return [value for key, value in params.items() if key.startswith("section")]


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return typed_date(value)
    except BadDate as exc:
        raise ArchiveError(f"{name} {exc}") from None


def _like_terms(groups: list[Forms], params: dict[str, Any], dialect: str) -> list[str]:
    """One clause per term: the term, in one of its forms, in a SEARCHED text (or, where it asks
    for them, the PUBLISHED texts).

    Letters in any case: the databases' own folding will not do (SQLite's LIKE and lower() fold
    ASCII only, PostgreSQL's ILIKE as the database's locale says, ASCII only under C), so a form
    holding a letter with other cases is asked for with each such letter as the set of its
    cases (:func:`_cases`), by GLOB on SQLite and a regular expression on PostgreSQL; a form
    without one by LIKE. The candidates are then checked in Python, as the index's are."""
    clauses = []
    for n, group in enumerate(groups):
        either, within = [], [column_sql(dialect, c) for c in SEARCHED + (PUBLISHED if group.published else ())]
        for k, form in enumerate(group):
            name = f"like{n}_{k}"
            if not any(len(_cases(c)) > 1 for c in form.lower()):
                escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params[name] = f"%{escaped}%"
                either += [f"{c} LIKE :{name} ESCAPE '\\'" for c in within]
            elif dialect == "sqlite":
                # GLOB knows no escape: a special character is a set of itself. Nor an optional
                # character: any run of them stands for one.
                params[name] = "*" + "".join("*" if optional else f"[{''.join(sorted(_cases(c), key=']'.__ne__))}]"
                                             if len(_cases(c)) > 1 or c in "*?[]" else c
                                             for c, optional in _pattern_letters(form.lower())) + "*"
                either += [f"{c} GLOB :{name}" for c in within]
            else:
                params[name] = "".join((f"[{''.join(map(_bracketed, sorted(_cases(c))))}]" if len(_cases(c)) > 1
                                        else re.escape(c)) + ("?" if optional else "")
                                       for c, optional in _pattern_letters(form.lower()))
                either += [f"{c} ~ :{name}" for c in within]
        clauses.append(f" AND ({' OR '.join(either)})")
    return clauses


def _pattern_letters(lowered: str) -> Iterator[tuple[str, bool]]:
    """The characters of a lower-case form, each with whether a text holding the form may lack
    it: the letters after the first of a lower case longer than one (İ's is i and U+0307), which
    the text may hold as that one letter (matched by the set of the first's cases, İ among them)."""
    at = 0
    while at < len(lowered):
        longer = next((run for run in _LONGER_LOWER_CASES() if lowered.startswith(run, at)), lowered[at])
        yield from ((c, n > 0) for n, c in enumerate(longer))
        at += len(longer)


def _bracketed(character: str) -> str:
    """A character within a PostgreSQL bracket expression: its special ones escaped."""
    return "\\" + character if character in "\\]^-[" else character


def _cases(character: str) -> frozenset[str]:
    """Every character whose lower case holds ``character`` (a lower-case one), itself included:
    what Python's ``lower()`` makes it of, as the candidates are checked (ａ: ａ and Ａ; k: k, K
    and the Kelvin sign; ς: ς and Σ, at a word's end)."""
    return _CASES().get(character, frozenset()) | _CONTEXTUAL_LOWER.get(character, frozenset()) | {character}


# No code point from U+1F000 on has a lower case other than itself (a test holds this for the
# running Python's Unicode): reading them all would cost ten times as long.
_CASED_BELOW = 0x1F000


@lru_cache(maxsize=1)
def _CASES() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for point in range(_CASED_BELOW):
        character = chr(point)
        if (lower := character.lower()) != character:
            for part in lower:
                found.setdefault(part, set()).add(character)
    return {part: frozenset(characters) for part, characters in found.items()}


@lru_cache(maxsize=1)
def _LONGER_LOWER_CASES() -> tuple[str, ...]:
    """The lower cases longer than the letter they are of (İ's, i and U+0307, alone in Unicode 15)."""
    return tuple(dict.fromkeys(map(str.lower, _LENGTHENED_BY_LOWER())))


@lru_cache(maxsize=1)
def _LENGTHENED_BY_LOWER() -> tuple[str, ...]:
    """The letters whose lower case is longer than they are (İ alone in Unicode 15)."""
    return tuple(chr(p) for p in range(_CASED_BELOW) if len(chr(p).lower()) > 1)


# The lower cases Python's ``lower()`` gives by a letter's context, not in _CASES (of each letter
# alone), and the letters giving them: final sigma, ΟΔΟΣ → οδος. A word of ς alone, which has no
# bigram, is asked of the database with Σ too, as ς社工 finds ΟΣ社工 through the index.
_CONTEXTUAL_LOWER = {"ς": frozenset("Σ")}


# Unicode's noncharacters are for a program's own use, never text: a caller may mark matches
# with them (the reading room does) and find no other in a snippet.
_NONCHARACTERS = dict.fromkeys(range(0xFDD0, 0xFDF0))


def snippet(fields: tuple[str, ...], words: list[str], markers: tuple[str, str] = DEFAULT_MARKERS,
            width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters around the first term found in the first field holding one,
    every term in it wrapped in ``markers``. A term at the window's end is shown whole when it
    is short (up to a quarter of ``width``): 【工】… of 工作 would read as a hit on 工. A longer
    one (a pasted passage) is marked as far as the window shows it, so that the hit is marked
    whatever its length. The window cuts no character a reader sees as one.

    Terms are found in the lower case of the fields, as a match is (:func:`holds_every_word`),
    and marked on the letters they were found in: İ's lower case is two characters (i and
    U+0307), which a regular expression's IGNORECASE does not match, and after which every
    offset in the lower case is one past the field's."""
    lowered = sorted({closed_up(word.lower()) for word in words}, key=len, reverse=True)
    pattern = re.compile("|".join(map(_across_gaps, lowered)))
    for field in fields:
        field = (field or "").translate(_NONCHARACTERS)
        found = _found_in_lower_case(pattern, field)
        if (first := next(found, None)) is not None:
            break
    else:
        field, found, first = (fields[0] or "").translate(_NONCHARACTERS), iter(()), None
    # Shown on one line; found where its line breaks are (a phrase runs on across one between
    # two Han characters only), one character for one.
    field = field.replace("\n", " ").replace(CAPTION_BREAK, " ")
    start = max(0, first[0] - width // 4) if first else 0
    end = min(len(field), start + width)
    start = max(0, min(start, end - width))
    start = _cluster_at(field, start)[0]
    end = _cluster_end(field, end)
    opening, closing = markers
    pieces, shown = [], start
    for at, until in chain([first], found) if first else ():
        if at >= end:
            break
        if end < until <= at + width // 4:
            end = _cluster_end(field, until)
        at, cut = max(at, shown), min(until, end)
        if cut <= at:  # within a letter an earlier match marked
            continue
        pieces += [field[shown:at], opening, field[at:cut], closing]
        shown = cut
    pieces.append(field[shown:end])
    return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(field) else "")


@lru_cache(maxsize=1)
def _han_pair() -> re.Pattern:
    """Between two Han characters."""
    # Imported on first use, as stored_form's imports are (the crawler's templates).
    from crawler.templates.text import HAN

    return re.compile(rf"(?<=[{HAN}])(?=[{HAN}])")


def _across_gaps(word: str) -> str:
    """A regular expression of ``word`` (closed up: without spaces or line breaks between two Han
    characters) that finds it in a text with or without them, as a match is found
    (:func:`searched_text`): the snippet marks 【五社联动 暖心】 for 五社联动暖心."""
    between = gap()
    return _han_pair().sub(lambda _: between, re.escape(word))


def _found_in_lower_case(pattern: re.Pattern, field: str) -> Iterator[tuple[int, int]]:
    """The spans of ``field`` whose lower case ``pattern`` (lower case) matches: from the first
    letter whose lower case the match starts in to the last it ends in."""
    lower = field.lower()
    if len(lower) == len(field):  # every letter's lower case one character: the same offsets
        yield from (match.span() for match in pattern.finditer(lower))
        return
    letter = [n for n, character in enumerate(field) for _ in character.lower()]
    for match in pattern.finditer(lower):
        yield letter[match.start()], letter[match.end() - 1] + 1


# What a reader sees as one character: Unicode's extended grapheme clusters (a letter and its
# accents, an emoji and its modifiers, emoji joined by ZWJ, a flag), as the regex package reads
# them. A cut is looked for this far back: no cluster in news text is longer.
_CLUSTER = regex.compile(r"\X")
_LONGEST_CLUSTER = 32


def _cluster_end(text: str, at: int) -> int:
    """``at``, or the end of the grapheme cluster ``at`` falls within: a cut there cuts none."""
    start, end = _cluster_at(text, at)
    return end if start < at else at


def _cluster_at(text: str, at: int) -> tuple[int, int]:
    """The span of the grapheme cluster that holds ``text[at]`` (``at`` itself at either end)."""
    if not 0 < at < len(text):
        return at, at
    for cluster in _CLUSTER.finditer(text, max(0, at - _LONGEST_CLUSTER)):
        if cluster.end() > at:
            return cluster.span()
    return at, at
