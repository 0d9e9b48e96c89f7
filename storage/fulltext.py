"""The archive's SQL objects beyond the tables: the full-text index and the views.

Chinese has no spaces to split words on, so the index holds every pair of adjacent characters
(bigram) of an article's 引题, title, subtitle, byline and body (the first three from revision
0003, the 引题 and byline from 0021: :data:`INDEXED`) and of its pictures' captions (from 0023:
:data:`SEARCHED`), lower-cased, a space or a line break
between two Han characters left out (:func:`closed_up`: spaces from revision 0019, line breaks
from 0022, :data:`GAPS`): a query of two characters or
more is a set of bigrams that a matching article must all hold, and the articles found are
then checked for the exact query (storage/search.py). Bigrams, not the trigrams SQLite's and
PostgreSQL's own tokenizers offer, because two-character words (社工, 公益) are the commonest
queries and have no trigram; and a document-level index (which articles hold a bigram, not
where) because it is what makes writing fast (docs/archive.md, "Scale").

- SQLite: ``article_search``, a contentless FTS5 table (``detail=none``, the ``ascii``
  tokenizer over the space-separated bigrams) whose rowid is the article's id.
- PostgreSQL: the table ``article_search(article_id, terms tsvector)`` with a GIN index. The
  lexemes (:func:`pg_lexemes`) come from Python, not from a text-search configuration, so
  the database's locale does not matter (pg_trgm finds no trigrams in CJK under
  ``--locale=C``; this index does).

Triggers on ``articles`` queue every article written, changed or deleted in
``article_search_pending`` (with the text it was indexed with, where it was; from 0023 also, by
triggers on ``images``, an article whose captioned pictures changed; on PostgreSQL,
whose lexemes name the section, also an article moved to another page and, by a trigger on
``pages``, the articles of a page whose section changed); :func:`flush`
brings the index up to date from the queue. The write path (storage.db.Archive.store_batch)
flushes at the end of each batch, in the same transaction, so after a crawl the queue is
empty; a tool that writes ``articles`` with plain SQL leaves its articles queued, and search
reads the queued articles as candidates too, so it never misses them. Why a queue and not
triggers that index directly: FTS5 (SQLite 3.40) writes its pending terms out at every
statement of a trigger, which made each article cost several times what a batch does.
SQLite keeps no copy of what it indexed: taking an article out means computing its bigrams
again, so a change to :func:`search_terms` needs a migration that rebuilds the index.

The models (storage/models.py) describe the tables; these objects are created by the
migrations that introduced them, and :data:`NAMES` lets schema comparisons leave them out.
"""
from __future__ import annotations

import array
import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection, text

# The migration that made these objects.
REVISION = "0003"
SEARCH_TABLE = "article_search"
PENDING_TABLE = "article_search_pending"
VIEW = "article_view"
HISTORY_VIEW = "article_history"
# Article columns the index covers, as printed: from revision 0003 the title, subtitle and body;
# from 0021 the 引题 and the byline too, which a reader searches for a word printed only there,
# or a reporter's name. Each a column of the queue too (the texts to take out, on SQLite).
INDEXED_0003 = ("title", "subtitle", "body")
INDEXED = ("pretitle", "title", "subtitle", "byline", "body")
HEADINGS_REVISION = "0021"
# From 0023 the captions of the article's pictures too (a picture story has no body; a place or
# person shown is often named only there): one text, not a column of ``articles`` but of the
# queue (:func:`captions_sql`), last. A change to an article's pictures queues it (the triggers
# on ``images``).
CAPTIONS = "captions"
SEARCHED = (*INDEXED, CAPTIONS)
CAPTIONS_REVISION = "0023"
# Between two captions in that text: no gap (closed_up), no letter or digit (no bigram a query
# asks for spans two captions), and no character a cleaned caption holds.
CAPTION_BREAK = "\x1f"
# What the index reads as absent between two Han characters (closed_up): before revision 0019
# nothing; from 0019 a space, which a reader copying a phrase keeps or drops; from 0022 a line
# break too, which papers set mid-phrase with <br> (and some between paragraphs, alike to the
# cleaner). A run of them, mixed, is one gap.
GAPS_0003, GAPS_0019, GAPS = "", " ", " \n"
SPACES_REVISION, LINES_REVISION = "0019", "0022"


def indexed_at(revision: str) -> tuple[str, ...]:
    """The columns an archive at ``revision`` indexes (and queues)."""
    return SEARCHED if revision >= CAPTIONS_REVISION else INDEXED if revision >= HEADINGS_REVISION else INDEXED_0003


# The non-empty captions of an article's pictures in their order, CAPTION_BREAK between two
# (NULL: none). The same text wherever it is read (the queue, the index, a search's check of its
# candidates), so that SQLite takes an article out of the index by the bigrams it put in.
_CAPTIONS = {
    "sqlite": "(SELECT group_concat(m.{caption}, char(31)) FROM (SELECT {caption} FROM images "
              "WHERE article_id = {article_id} AND {caption} <> '' ORDER BY position, id) m)",
    "postgresql": "(SELECT string_agg(m.{caption}, chr(31) ORDER BY m.position, m.id) FROM images m "
                  "WHERE m.article_id = {article_id} AND m.{caption} <> '')",
}
# The captions as published (images.caption_original), which a search reads as it reads
# body_original (storage.search.PUBLISHED): not indexed.
CAPTIONS_ORIGINAL = f"{CAPTIONS}_original"
_CAPTION_COLUMNS = {CAPTIONS: "caption", CAPTIONS_ORIGINAL: "caption_original"}


def captions_sql(dialect: str, article_id: str = "a.id", column: str = CAPTIONS) -> str:
    """SQL for the captions text (``column``: :data:`CAPTIONS`, or :data:`CAPTIONS_ORIGINAL`) of
    the article whose id is ``article_id``."""
    return _CAPTIONS[dialect].format(article_id=article_id, caption=_CAPTION_COLUMNS[column])


def column_sql(dialect: str, column: str, row: str = "a", article_id: str = "id") -> str:
    """SQL for a searched text (:data:`SEARCHED`, or its published one) of the article ``row`` (a
    table's alias, or a trigger's old or new), whose id is its column ``article_id``."""
    if column in _CAPTION_COLUMNS:
        return captions_sql(dialect, f"{row}.{article_id}", column)
    return f"{row}.{column}"


def gaps_at(revision: str) -> str:
    """What an archive at ``revision`` reads as absent between two Han characters (:data:`GAPS`)."""
    return GAPS if revision >= LINES_REVISION else GAPS_0019 if revision >= SPACES_REVISION else GAPS_0003


_SQLITE_SHADOW = tuple(f"{SEARCH_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content"))
_PG_INDEX = "ix_article_search_terms"
_PG_INDEX_SQL = f"CREATE INDEX {_PG_INDEX} ON {SEARCH_TABLE} USING gin (terms)"
# Everything here that a reflection of the database shows: not part of the models.
NAMES = frozenset((SEARCH_TABLE, PENDING_TABLE, VIEW, HISTORY_VIEW, _PG_INDEX, *_SQLITE_SHADOW))

# Two characters at a time; the text is cut at even and at odd offsets, so every adjacent pair
# is one token of one of the two cuts. A pair holding a space (or, on SQLite, ASCII punctuation)
# is split again; others are kept whole: queries use letter-and-digit pairs only.
# The cuts are made on arrays of code points (4 bytes each, the machine's byte order), where
# extended slices move every second character at C speed: a quarter of the time of cutting
# with a regular expression, which makes a string per pair.
_CODEC = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"
_WORD = next(code for code in "IL" if array.array(code).itemsize == 4)
_SPACE = ord(" ")
_QUERY_PAIR = re.compile(r"(?=([^\W_]{2}))")
# 4,096 ids a block: a window of recent articles is a handful of blocks.
BLOCK_BITS = 12

_YEAR = {
    "sqlite": "CAST(strftime('%Y', i.issue_date) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM i.issue_date) AS INTEGER)",
}


def search_terms(*fields: str | None, gaps: str = GAPS) -> str:
    """What the index holds for an article: every bigram of its fields, space-separated, the
    ``gaps`` between two Han characters left out first (:func:`closed_up`; :func:`gaps_at` says
    what an older revision's index left out). Each field is closed up on its own: the line break
    joining two fields is no gap, a title running on into the body no phrase."""
    codes = array.array(_WORD)
    codes.frombytes("\n".join(closed_up((f or "").lower(), gaps) for f in fields).encode(_CODEC))
    terms = _pairs(codes, 0)
    terms.append(_SPACE)
    terms.extend(_pairs(codes, 1))
    return terms.tobytes().decode(_CODEC)


def _pairs(codes: array.array, start: int) -> array.array:
    """``codes[start:]`` two by two, a space after each pair (an odd last one left out)."""
    n = max(0, (len(codes) - start) // 2)
    cut = array.array(_WORD, [_SPACE]) * (3 * n)
    cut[0::3] = codes[start : start + 2 * n : 2]
    cut[1::3] = codes[start + 1 : start + 2 * n : 2]
    return cut


def gap(gaps: str = GAPS) -> str:
    """A regular expression of any run of ``gaps`` (none too): what may stand between two Han
    characters of a phrase in a text that holds it (the snippet marks 【五社联动 暖心】)."""
    return f"[{re.escape(gaps)}]*" if gaps else ""


@lru_cache(maxsize=4)
def _han_gaps(gaps: str) -> tuple[tuple[str, re.Pattern], ...]:
    """For each character of ``gaps``, runs of ``gaps`` that it begins, between two Han
    characters. Each expression starts with its one character, so that the engine looks for
    that alone and tries the Han on either side only there: a tenth of the time of a lookbehind
    at every character. One expression starting with a class of both took three times as long
    as one starting with the line break alone, on an article of a hundred lines."""
    # Imported on first use: the crawler's templates package takes a tenth of a second to import.
    from crawler.templates.text import HAN

    return tuple((one, re.compile(rf"{re.escape(one)}(?<=[{HAN}]{re.escape(one)}){gap(gaps)}(?=[{HAN}])"))
                 for one in gaps)


def closed_up(text: str, gaps: str = GAPS) -> str:
    """``text`` without its spaces and line breaks (``gaps``) between two Han characters: the
    index, a query's bigrams, the check of its candidates and the snippet read text so. The
    pipelines keep a space a paper prints there (春风送暖 爱心同行), which a reader copying the
    words from a PDF or a page keeps or drops, and types or not: 五社联动暖心 finds 五社联动
    暖心, and the other way round. A paper breaks a line mid-phrase with <br> (促进慈善<br>事业
    发展), which the cleaner cannot tell from a paragraph some papers mark with <br> alone: so
    促进慈善事业发展 finds it too. Beside anything else (a paragraph ending 。, Latin words)
    spaces and line breaks stay."""
    # Each expression takes a whole run, from its first character after a Han one to the Han
    # one after it: taking one out puts no other run after a Han character, so one pass each
    # closes up what one expression of every run did.
    for one, run in _han_gaps(gaps):
        if one in text:
            text = run.sub("", text)
    return text


def block(article_id: int) -> int:
    """The block of ids an article's id falls in."""
    return article_id >> BLOCK_BITS


def first_id(number: int) -> int:
    """The lowest article id of a block."""
    return number << BLOCK_BITS


def block_term(number: int) -> str:
    """PostgreSQL's index holds each article's block besides its bigrams: a query can then ask
    GIN for the articles of a few recent blocks that hold its bigrams, rather than for all of
    them (storage/search.py)."""
    return f"id{number}"


def query_terms(word: str) -> list[str]:
    """The bigrams of letters and digits that every text holding ``word`` holds too, in the
    index, which holds them across a space or line break between two Han characters
    (:func:`closed_up`)."""
    return list(dict.fromkeys(_QUERY_PAIR.findall(closed_up(word.lower()))))


# The published text of an article's headings, author line and source line (revision 0018),
# which ``article_view`` and ``article_history`` show after their earlier columns.
ORIGINALS = ("pretitle_original", "subtitle_original", "byline_original", "source_original")


def view_sql(dialect: str, originals: bool = True) -> str:
    """``article_view``; ``originals``: with the published title, ORIGINALS and the page's
    section as published, at its end (revision 0002 made it without them)."""
    published = (",\n       a.title_original, " + ", ".join(f"a.{c}" for c in ORIGINALS) + ", p.section_original"
                 if originals else "")
    return f"""CREATE VIEW {VIEW} AS
SELECT a.id AS article_id, pa.code AS paper_code, pa.name AS paper_name, i.issue_date,
       {_YEAR[dialect]} AS year, p.page_number, p.page_label, p.section, a.url,
       a.pretitle, a.title, a.subtitle, a.byline, a.source, a.body, a.body_original,
       a.original_script{published}
FROM articles a
JOIN pages p ON p.id = a.page_id
JOIN issues i ON i.id = p.issue_id
JOIN papers pa ON pa.id = i.paper_id"""


# What an article version keeps: the texts revision 0002 kept, and from revision 0008 the rest
# of what the site serves (pictures apart: a JSON array in ``article_versions.images``).
VERSIONED_0002 = ("pretitle", "title", "subtitle", "byline", "body", "body_original")
VERSIONED_0008 = (*VERSIONED_0002, "source", "title_original", "original_script")
VERSIONED = (*VERSIONED_0008, *ORIGINALS)
# The current pictures of an article as ``article_versions.images`` holds earlier ones.
_IMAGES = {
    "sqlite": "(SELECT json_group_array(json_object('url', m.url, 'caption', m.caption, "
              "'caption_original', m.caption_original)) "
              "FROM (SELECT * FROM images m WHERE m.article_id = {article_id} ORDER BY m.position) m)",
    "postgresql": "(SELECT COALESCE(jsonb_agg(jsonb_build_object('url', m.url, 'caption', m.caption, "
                  "'caption_original', m.caption_original) ORDER BY m.position), '[]'::jsonb) "
                  "FROM images m WHERE m.article_id = {article_id})",
}


def images_json(dialect: str, article_id: str = "a.id") -> str:
    """SQL for the pictures of the article whose id is the column ``article_id``, in their
    order, as a JSON array of {url, caption, caption_original} (SQLite: its text)."""
    return _IMAGES[dialect].format(article_id=article_id)


def history_sql(dialect: str, columns: tuple[str, ...] = VERSIONED, images: bool = True) -> str:
    """``article_history``: every text an article has had, its earlier versions then the
    current one (is_current = 1), each with the time span it was served. ``columns`` and
    ``images``: what versions keep (revision 0002 made the view with what they kept then, 0008
    with VERSIONED_0008); ORIGINALS among them come last, after ``is_current``, as revision 0018
    added them to the view."""
    kept = [c for c in columns if c not in ORIGINALS]
    added = [c for c in columns if c in ORIGINALS]
    versions = ", ".join(f"v.{c}" for c in kept) + (", v.images" if images else "")
    current = ", ".join(f"a.{c}" for c in kept) + (f", {images_json(dialect)}" if images else "")
    return f"""CREATE VIEW {HISTORY_VIEW} AS
SELECT v.article_id, v.id AS version_id, {versions}, v.valid_from, v.valid_until, 0 AS is_current{"".join(f", v.{c}" for c in added)}
FROM article_versions v
UNION ALL
SELECT a.id, NULL, {current},
       COALESCE((SELECT MAX(v.valid_until) FROM article_versions v WHERE v.article_id = a.id), a.first_seen),
       NULL, 1{"".join(f", a.{c}" for c in added)}
FROM articles a"""


def _changed(indexed: tuple[str, ...]) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in _article_columns(indexed))


def _article_columns(indexed: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``indexed`` that are columns of ``articles``: a trigger on it watches them."""
    return tuple(c for c in indexed if c != CAPTIONS)


def _queue(indexed: tuple[str, ...], dialect: str = "sqlite") -> dict[str, tuple[str, str, str]]:
    """Each article once, first come first kept: ``indexed`` says whether the index holds the
    article with the texts beside it (to take out), or nothing yet. The captions are read before
    a change to the pictures (the triggers on ``images`` run before it)."""
    columns, old = ", ".join(indexed), ", ".join(column_sql(dialect, c, "old") for c in indexed)
    return {
        "insert": ("new", "article_id, indexed", "new.id, 0"),
        "update": ("old", f"article_id, indexed, {columns}", f"old.id, 1, {old}"),
        "delete": ("old", f"article_id, indexed, {columns}", f"old.id, 1, {old}"),
    }


_EVENTS = ("insert", "update", "delete")
_QUEUE_EVERY_ARTICLE = f"INSERT INTO {PENDING_TABLE} (article_id, indexed) SELECT id, 0 FROM articles"


def _pending_table_sql(article_id: str) -> str:
    """The queue as revision 0003 made it."""
    return (f"CREATE TABLE {PENDING_TABLE} (article_id {article_id} PRIMARY KEY, indexed INTEGER NOT NULL, "
            + ", ".join(f"{c} TEXT" for c in INDEXED_0003) + ")")


def _sqlite_statements() -> list[str]:
    return [
        # The ascii tokenizer splits on spaces and ASCII punctuation only (the bigrams come
        # lower-cased): a third cheaper than unicode61, which looks up every character's
        # Unicode category. No column sizes: they serve bm25, which this index has no use for.
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(terms, content='', detail=none, columnsize=0, tokenize='ascii')",
        # Merging segments 16 at a time instead of 4: less rewriting as the index grows.
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('automerge', 16)",
        _pending_table_sql("INTEGER"),
    ] + [_sqlite_trigger(event, INDEXED_0003) for event in ("insert", "delete")] + [
        _sqlite_update_trigger(renumbered=False, indexed=INDEXED_0003), _QUEUE_EVERY_ARTICLE,
    ]


def _sqlite_trigger(event: str, indexed: tuple[str, ...]) -> str:
    """SQLite's trigger queueing an article inserted or deleted. One deleted, with the captions
    (from revision 0023) before it is: its pictures are deleted with it (ON DELETE CASCADE)
    before an AFTER trigger runs."""
    when = "BEFORE" if event == "delete" and CAPTIONS in indexed else "AFTER"
    return (f"CREATE TRIGGER {SEARCH_TABLE}_{event} {when} {event.upper()} ON articles "
            f"BEGIN {_sqlite_queue(*_queue(indexed)[event])} END")


def _sqlite_queue(row: str, columns: str, values: str, when: str = "") -> str:
    # Not INSERT OR IGNORE: under an UPSERT (the crawl's writes), SQLite applies the outer
    # statement's conflict policy to the trigger's, and the queued article fails it.
    return (f"INSERT INTO {PENDING_TABLE} ({columns}) SELECT {values} "
            f"WHERE {when}NOT EXISTS (SELECT 1 FROM {PENDING_TABLE} WHERE article_id = {row}.id);")


def _sqlite_update_trigger(renumbered: bool, indexed: tuple[str, ...]) -> str:
    """SQLite's trigger queueing an article whose ``indexed`` text changed (a re-crawl rewrites
    every column of an unchanged article: only a text change counts); ``renumbered`` (from
    revision 0006), also one whose id changed, under its new id as well."""
    update = _sqlite_queue(*_queue(indexed)["update"])
    if not renumbered:
        return (f"CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE ON articles WHEN {_changed(indexed)} "
                f"BEGIN {update} END")
    new_id = _sqlite_queue("new", "article_id, indexed", "new.id, 0", when="new.id IS NOT old.id AND ")
    return (f"CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE ON articles "
            f"WHEN {_changed(indexed)} OR old.id IS NOT new.id BEGIN {update} {new_id} END")


def _postgresql_statements() -> list[str]:
    return [
        f"CREATE TABLE {SEARCH_TABLE} (article_id BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL)",
        _PG_INDEX_SQL,
        _pending_table_sql("BIGINT"),
        _pg_queue_function(renumbered=False, indexed=INDEXED_0003),
        f"CREATE TRIGGER {SEARCH_TABLE}_insert_delete AFTER INSERT OR DELETE ON articles "
        f"FOR EACH ROW EXECUTE FUNCTION {PENDING_TABLE}_queue()",
        _pg_update_trigger(moves=False, indexed=INDEXED_0003),
        _QUEUE_EVERY_ARTICLE,
    ]


def _pg_queue_function(renumbered: bool, indexed: tuple[str, ...]) -> str:
    """The function PostgreSQL's triggers on articles call, queueing the texts of ``indexed``;
    ``renumbered`` (from revision 0006), an article whose id changed is queued under its new id
    as well."""
    def branch(event: str) -> str:
        _, columns, values = _queue(indexed, "postgresql")[event]
        values = values.replace("new.", "NEW.").replace("old.", "OLD.")
        return (f"IF TG_OP = '{event.upper()}' THEN INSERT INTO {PENDING_TABLE} ({columns}) VALUES ({values}) "
                "ON CONFLICT (article_id) DO NOTHING; END IF;")

    new_id = (f" IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN INSERT INTO {PENDING_TABLE} (article_id, indexed) "
              "VALUES (NEW.id, 0) ON CONFLICT (article_id) DO NOTHING; END IF;") if renumbered else ""
    return (f"CREATE OR REPLACE FUNCTION {PENDING_TABLE}_queue() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + " ".join(branch(event) for event in _EVENTS) + new_id + " RETURN NULL; END $$")


def _pg_update_trigger(moves: bool, indexed: tuple[str, ...], renumbered: bool = False) -> str:
    """The trigger queueing an article whose ``indexed`` text changed, or (``moves``) whose page
    did, or (``renumbered``) whose id did."""
    columns = _article_columns(indexed) + (("page_id",) if moves else ()) + (("id",) if renumbered else ())
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    return (f"CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE ON articles FOR EACH ROW WHEN ({changed}) "
            f"EXECUTE FUNCTION {PENDING_TABLE}_queue()")


# From revision 0005, PostgreSQL's lexemes name the article's section, which belongs to its page:
# an article moved to another page, and the articles of a page whose section changed (a
# re-crawl, `archive reprocess`), are queued to be indexed again.
_PAGE_QUEUE = f"{PENDING_TABLE}_queue_page"
_PAGE_TRIGGER = f"{SEARCH_TABLE}_page"


def section_trigger_statements() -> list[str]:
    """Revision 0005's."""
    return [
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update ON articles",
        _pg_update_trigger(moves=True, indexed=INDEXED_0003),
        _pg_page_queue_function(INDEXED_0003),
        _pg_page_trigger(issues=False),
    ]


def _pg_page_queue_function(indexed: tuple[str, ...]) -> str:
    return (f"CREATE OR REPLACE FUNCTION {_PAGE_QUEUE}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_queued_articles('postgresql', indexed, 'a.page_id = NEW.id')} "
            "ON CONFLICT (article_id) DO NOTHING; RETURN NULL; END $$")


def _queued_articles(dialect: str, indexed: tuple[str, ...], where: str, joins: str = "") -> str:
    """The statement queueing the articles ``a`` that ``where`` picks, with the texts the index
    holds them with."""
    return (f"INSERT INTO {PENDING_TABLE} (article_id, indexed, {', '.join(indexed)}) "
            f"SELECT a.id, 1, {', '.join(column_sql(dialect, c) for c in indexed)} FROM articles a{joins} WHERE {where}")


def _pg_page_trigger(issues: bool) -> str:
    """The trigger queueing the articles of a page whose section changed, or (``issues``, from
    revision 0006) that moved to another issue, whose paper and year may differ."""
    changed = "OLD.section IS DISTINCT FROM NEW.section" + (" OR OLD.issue_id IS DISTINCT FROM NEW.issue_id" if issues else "")
    return (f"CREATE TRIGGER {_PAGE_TRIGGER} AFTER UPDATE ON pages FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION {_PAGE_QUEUE}()")


# From revision 0006: the lexemes name an article's paper and year, which belong to its issue.
_ISSUE_QUEUE = f"{PENDING_TABLE}_queue_issue"
_ISSUE_TRIGGER = f"{SEARCH_TABLE}_issue"


def renumbered_and_redated_statements(dialect: str) -> list[str]:
    """Revision 0006: an article whose id changed is indexed under its new one (both
    databases); on PostgreSQL, the articles of an issue given another date or paper, and of a
    page moved to another issue, are indexed again (their year and paper lexemes)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update", _sqlite_update_trigger(renumbered=True, indexed=INDEXED_0003)]
    return [
        _pg_queue_function(renumbered=True, indexed=INDEXED_0003),
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update ON articles",
        _pg_update_trigger(moves=True, indexed=INDEXED_0003, renumbered=True),
        f"DROP TRIGGER IF EXISTS {_PAGE_TRIGGER} ON pages",
        _pg_page_trigger(issues=True),
        _pg_issue_queue_function(INDEXED_0003),
        f"CREATE TRIGGER {_ISSUE_TRIGGER} AFTER UPDATE ON issues FOR EACH ROW "
        "WHEN (OLD.paper_id IS DISTINCT FROM NEW.paper_id OR OLD.issue_date IS DISTINCT FROM NEW.issue_date) "
        f"EXECUTE FUNCTION {_ISSUE_QUEUE}()",
    ]


def _pg_issue_queue_function(indexed: tuple[str, ...]) -> str:
    return (f"CREATE OR REPLACE FUNCTION {_ISSUE_QUEUE}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_queued_articles('postgresql', indexed, 'p.issue_id = NEW.id', ' JOIN pages p ON p.id = a.page_id')} "
            "ON CONFLICT (article_id) DO NOTHING; RETURN NULL; END $$")


# PostgreSQL's trigger functions name the archive's tables without a schema, which PostgreSQL
# looks up on the search_path of the session that writes. An archive in a schema of its own,
# found through its roles' search_path, then refused plain SQL from any other session (an
# admin's psql: "$user", public) with 'relation "article_search_pending" does not exist'.
# From revision 0009 each function carries the search_path of the archive's schema.
QUEUE_FUNCTIONS = (f"{PENDING_TABLE}_queue", _PAGE_QUEUE, _ISSUE_QUEUE)


def pinned_search_path_statements(functions: tuple[str, ...] = QUEUE_FUNCTIONS) -> list[str]:
    """Revision 0009 (PostgreSQL): the trigger functions look up tables in the archive's schema,
    the one the migration writes in (where the earlier migrations made the functions)."""
    return [f"DO $$ BEGIN EXECUTE format('ALTER FUNCTION {function}() SET search_path = %I', current_schema()); END $$"
            for function in functions]


def unpinned_search_path_statements() -> list[str]:
    return [f"ALTER FUNCTION {function}() RESET search_path" for function in QUEUE_FUNCTIONS]


def drop_renumbered_and_redated_statements(dialect: str) -> list[str]:
    """Revision 0005's triggers again."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update", _sqlite_update_trigger(renumbered=False, indexed=INDEXED_0003)]
    return [
        f"DROP TRIGGER IF EXISTS {_ISSUE_TRIGGER} ON issues",
        f"DROP FUNCTION IF EXISTS {_ISSUE_QUEUE}()",
        f"DROP TRIGGER IF EXISTS {_PAGE_TRIGGER} ON pages",
        _pg_page_trigger(issues=False),
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update ON articles",
        _pg_update_trigger(moves=True, indexed=INDEXED_0003),
        _pg_queue_function(renumbered=False, indexed=INDEXED_0003),
    ]


def drop_section_trigger_statements() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_PAGE_TRIGGER} ON pages",
        f"DROP FUNCTION IF EXISTS {_PAGE_QUEUE}()",
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update ON articles",
        _pg_update_trigger(moves=False, indexed=INDEXED_0003),
    ]


def indexed_columns_statements(dialect: str, indexed: tuple[str, ...]) -> list[str]:
    """Revision 0021 (``indexed`` INDEXED) and its downgrade (INDEXED_0003): the queue keeps the
    texts of ``indexed``, and the triggers, as revision 0006 left them, queue an article whose
    text among them changed. The queue's columns are added or dropped around these."""
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_delete", _sqlite_trigger("delete", indexed),
            f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update", _sqlite_update_trigger(renumbered=True, indexed=indexed),
        ]
    # Replaced functions lose the search_path revision 0009 pinned: pinned again.
    return [
        _pg_queue_function(renumbered=True, indexed=indexed),
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_update ON articles",
        _pg_update_trigger(moves=True, indexed=indexed, renumbered=True),
        _pg_page_queue_function(indexed),
        _pg_issue_queue_function(indexed),
    ] + pinned_search_path_statements()


def pending_columns_statements(add: bool, added: tuple[str, ...] = tuple(c for c in INDEXED if c not in INDEXED_0003)
                               ) -> list[str]:
    """The queue's columns for the texts revision 0021 indexes (``added``; 0023: the captions),
    added (or dropped: its downgrade)."""
    return [f"ALTER TABLE {PENDING_TABLE} ADD COLUMN {c} TEXT" if add else f"ALTER TABLE {PENDING_TABLE} DROP COLUMN {c}"
            for c in added]


# From revision 0023 the index holds the captions: a picture inserted, deleted or given another
# caption (or article) queues its article, before the change, so that the queue keeps the
# captions the index holds it with. A picture without a caption changes nothing the index holds.
# A re-crawl replaces the pictures of an article whose pictures changed only
# (storage.db.Archive.store_batch): an unchanged article is not indexed again.
_IMAGES_QUEUE = f"{PENDING_TABLE}_queue_images"
_IMAGES_TRIGGER = f"{SEARCH_TABLE}_images"
_IMAGE_CHANGES = {  # event: the rows whose article it queues, and when
    "insert": (("new",), "new.caption <> ''"),
    "update": (("old", "new"), "old.caption IS NOT new.caption OR (old.article_id IS NOT new.article_id AND old.caption <> '')"),
    "delete": (("old",), "old.caption <> ''"),
}


def caption_trigger_statements(dialect: str) -> list[str]:
    """Revision 0023's triggers on ``images``."""
    if dialect == "sqlite":
        def queued(row: str) -> str:
            return _queued_articles(dialect, SEARCHED, f"a.id = {row}.article_id AND NOT EXISTS "
                                                       f"(SELECT 1 FROM {PENDING_TABLE} WHERE article_id = a.id)") + ";"

        return [f"CREATE TRIGGER {_IMAGES_TRIGGER}_{event} BEFORE {event.upper()} ON images WHEN {when} "
                f"BEGIN {' '.join(map(queued, rows))} END"
                for event, (rows, when) in _IMAGE_CHANGES.items()]

    def branch(row: str) -> str:
        skipped = "INSERT" if row == "OLD" else "DELETE"
        return (f"IF TG_OP <> '{skipped}' THEN {_queued_articles(dialect, SEARCHED, f'a.id = {row}.article_id')} "
                "ON CONFLICT (article_id) DO NOTHING; END IF;")

    function = (f"CREATE OR REPLACE FUNCTION {_IMAGES_QUEUE}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{branch('OLD')} {branch('NEW')} IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$")
    return [function, *pinned_search_path_statements((_IMAGES_QUEUE,))] + [
        f"CREATE TRIGGER {_IMAGES_TRIGGER}_{event} BEFORE {event.upper()} ON images FOR EACH ROW "
        f"WHEN ({when.replace('old.', 'OLD.').replace('new.', 'NEW.').replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
        f"EXECUTE FUNCTION {_IMAGES_QUEUE}()"
        for event, (_, when) in _IMAGE_CHANGES.items()]


def drop_caption_trigger_statements(dialect: str) -> list[str]:
    on = "" if dialect == "sqlite" else " ON images"
    return [f"DROP TRIGGER IF EXISTS {_IMAGES_TRIGGER}_{event}{on}" for event in _IMAGE_CHANGES] + (
        [] if dialect == "sqlite" else [f"DROP FUNCTION IF EXISTS {_IMAGES_QUEUE}()"])


def index_statements(dialect: str) -> list[str]:
    """DDL creating the search index and its triggers as revision 0003 made them, with every
    article queued (:func:`flush`)."""
    return _sqlite_statements() if dialect == "sqlite" else _postgresql_statements()


def drop_index_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        # The triggers belong to articles, not to the index.
        statements = [f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{event}" for event in _EVENTS]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{event} ON articles" for event in ("insert_delete", "update")]
        statements += [f"DROP TRIGGER IF EXISTS {_PAGE_TRIGGER} ON pages", f"DROP FUNCTION IF EXISTS {_PAGE_QUEUE}()",
                       f"DROP TRIGGER IF EXISTS {_ISSUE_TRIGGER} ON issues", f"DROP FUNCTION IF EXISTS {_ISSUE_QUEUE}()"]
        statements.append(f"DROP FUNCTION IF EXISTS {PENDING_TABLE}_queue()")
    return statements + [f"DROP TABLE IF EXISTS {PENDING_TABLE}", f"DROP TABLE IF EXISTS {SEARCH_TABLE}"]


def flush(conn: Connection, chunk: int = 5000, progress: Callable[[int, int], None] | None = None,
          compact: bool = True, gaps: str = GAPS, indexed: tuple[str, ...] = SEARCHED) -> int:
    """Bring the index up to date with the articles queued by the triggers; return how many.
    ``progress(done, total)`` is told after each chunk. ``compact``: PostgreSQL's lexemes as
    :func:`pg_lexemes` makes them (False: revision 0003's, every bigram). ``gaps``: what is read
    as absent between two Han characters (:func:`search_terms`, :func:`gaps_at`). ``indexed``:
    the columns indexed (:func:`indexed_at`)."""
    columns = ", ".join(column_sql(conn.dialect.name, c) for c in indexed)
    old = ", ".join(f"q.{c}" for c in indexed)
    # Where each row's fields are: the queued texts, the article's id, its texts, its facets.
    n = len(indexed)
    queued, current, facet = slice(2, 2 + n), slice(3 + n, 3 + 2 * n), 3 + 2 * n
    total = conn.execute(text(f"SELECT count(*) FROM {PENDING_TABLE}")).scalar() if progress else 0
    # PostgreSQL's lexemes name the article's paper, year and section too (pg_lexemes).
    facets = ", i.paper_id, i.issue_date, p.section" if compact and conn.dialect.name == "postgresql" else ""
    joins = " LEFT JOIN pages p ON p.id = a.page_id LEFT JOIN issues i ON i.id = p.issue_id" if facets else ""
    done = 0
    while True:
        rows = conn.execute(text(
            f"SELECT q.article_id, q.indexed, {old}, a.id, {columns}{facets} FROM {PENDING_TABLE} q "
            f"LEFT JOIN articles a ON a.id = q.article_id{joins} ORDER BY q.article_id LIMIT :n"
        ), {"n": chunk}).all()
        if not rows:
            return done
        if conn.dialect.name == "sqlite":
            # The driver's own placeholders and tuples: SQLAlchemy making each row's parameters
            # from named ones cost ~2 µs a row a statement, ~4 µs of a crawl's write of an
            # article (docs/archive.md, "Scale").
            gone = [(r[0], search_terms(*r[queued], gaps=gaps)) for r in rows if r[1]]
            if gone:
                conn.exec_driver_sql(
                    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, terms) VALUES ('delete', ?, ?)", gone)
            added = [(r[0], search_terms(*r[current], gaps=gaps)) for r in rows if r[2 + n] is not None]
            if added:
                conn.exec_driver_sql(f"INSERT INTO {SEARCH_TABLE}(rowid, terms) VALUES (?, ?)", added)
            conn.exec_driver_sql(f"DELETE FROM {PENDING_TABLE} WHERE article_id = ?", [(r[0],) for r in rows])
        else:
            ids = [{"id": r[0]} for r in rows]
            conn.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE article_id = :id"), ids)
            if compact:
                added = [{"id": r[0], "terms": pg_lexemes(r[0], *r[facet : facet + 3], *r[current],
                                                          gaps=gaps)}
                         for r in rows if r[2 + n] is not None]
            else:
                added = [{"id": r[0], "terms": " ".join(set(search_terms(*r[current], gaps=gaps).split()))}
                         for r in rows if r[2 + n] is not None]
            if added:
                conn.execute(text(
                    f"INSERT INTO {SEARCH_TABLE} (article_id, terms) "
                    "VALUES (:id, array_to_tsvector(string_to_array(:terms, ' '))) "
                    "ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms"
                ), added)
            conn.execute(text(f"DELETE FROM {PENDING_TABLE} WHERE article_id = :id"), ids)
        done += len(rows)
        if progress:
            progress(done, total)


def pg_lexemes(article_id: int, paper_id: int, issue_date: date, section: str | None, *fields: str | None,
               gaps: str = GAPS) -> str:
    """PostgreSQL's lexemes for an article (revision 0004 on), each once, space-separated (as
    one string: psycopg's adaptation of a list of them costs more than the rest of the write).

    Its bigrams of letters and digits only: queries ask for nothing else, and GIN's cost goes
    by the entry (SQLite's FTS5 takes the others for less than leaving them out costs). Its
    block of ids (:func:`block_term`), and where it was published, its paper, year and (from
    0005) section (:func:`paper_term`, :func:`year_term`, :func:`section_term`), so that a
    search narrowed to them asks the index for those articles only. Longer than two
    characters, none is a bigram. ``gaps``: as :func:`search_terms`."""
    found = {pair for pair in search_terms(*fields, gaps=gaps).split(" ")
             if len(pair) == 2 and pair.isalnum()}
    found.update((block_term(block(article_id)), paper_term(paper_id), year_term(issue_date.year), section_term(section)))
    return " ".join(found)


def paper_term(paper_id: int) -> str:
    return f"pa{paper_id}"


def year_term(year: int) -> str:
    return f"y{year}"


def section_term(section: str | None) -> str:
    """A digest of the section's name: a name may hold spaces and quotes, which neither the
    lexemes' string nor a tsquery's text carries as it is."""
    return "se" + hashlib.blake2b((section or "").encode(), digest_size=6).hexdigest()


@contextmanager
def index_built_after(conn: Connection) -> Iterator[None]:
    """PostgreSQL's GIN index on the search table dropped for what is written inside, and built
    again after it in one pass over the lexemes, which costs a quarter of what adding them article
    by article does (docs/archive.md, "Scale"). Inside the caller's transaction: stopped part-way,
    the index is as it was. A role that does not own the table (a copy into tables another
    role made) may not drop its index: it is written article by article, as a crawl writes it."""
    if conn.dialect.name != "postgresql" or not conn.execute(text(
            f"SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = '{SEARCH_TABLE}'::regclass")).scalar():
        yield
        return
    conn.execute(text(f"DROP INDEX IF EXISTS {_PG_INDEX}"))
    yield
    conn.execute(text(_PG_INDEX_SQL))


def rebuild(conn: Connection, progress: Callable[[int, int], None] | None = None, compact: bool = True,
            gaps: str = GAPS, indexed: tuple[str, ...] = SEARCHED) -> int:
    """Empty the index and index every article again (a change to what the index holds needs
    it; SQLite keeps no copy of what it indexed to take out piece by piece). ``compact``,
    ``gaps`` and ``indexed``: as :func:`flush`."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('delete-all')"))
        conn.execute(text(f"DELETE FROM {PENDING_TABLE}"))
        conn.execute(text(_QUEUE_EVERY_ARTICLE))
        return flush(conn, progress=progress, compact=compact, gaps=gaps, indexed=indexed)
    # The last article counts once the index is built (a tenth of a millisecond an article).
    told = (lambda done, total: progress(min(done, total - 1), total)) if progress else None
    with index_built_after(conn):
        conn.execute(text(f"TRUNCATE {SEARCH_TABLE}"))
        conn.execute(text(f"DELETE FROM {PENDING_TABLE}"))
        conn.execute(text(_QUEUE_EVERY_ARTICLE))
        done = flush(conn, progress=told, compact=compact, gaps=gaps, indexed=indexed)
    if progress and done:
        progress(done, done)
    return done


def view_statements(dialect: str) -> list[str]:
    """The views as revision 0002 made them."""
    return [view_sql(dialect, originals=False), history_sql(dialect, VERSIONED_0002, images=False)]


def drop_view_statements() -> list[str]:
    return [f"DROP VIEW IF EXISTS {HISTORY_VIEW}", f"DROP VIEW IF EXISTS {VIEW}"]
