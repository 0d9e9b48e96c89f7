"""The archive's SQL objects beyond the tables: the full-text index and the views.

Chinese has no spaces to split words on, so the index holds every pair of adjacent characters
(bigram) of an article's title, subtitle and body, lower-cased: a query of two characters or
more is a set of bigrams that a matching article must all hold, and the articles found are
then checked for the exact query (storage/search.py). Bigrams, not the trigrams SQLite's and
PostgreSQL's own tokenizers offer, because two-character words (社工, 公益) are the commonest
queries and have no trigram; and a document-level index (which articles hold a bigram, not
where) because it is what makes writing fast (docs/archive.md, "Scale").

- SQLite: ``article_search``, a contentless FTS5 table (``detail=none``, the ``unicode61``
  tokenizer over the space-separated bigrams) whose rowid is the article's id.
- PostgreSQL: the table ``article_search(article_id, terms tsvector)`` with a GIN index. The
  lexemes come from Python, not from a text-search configuration, so the database's locale
  does not matter (pg_trgm finds no trigrams in CJK under ``--locale=C``; this index does).

Triggers on ``articles`` keep the index in step with every write, as the function
``archive_search_terms(title, subtitle, body)`` computes it: in SQL on PostgreSQL, and on
SQLite :func:`search_terms`, which storage.db registers on each connection it opens (so a
tool that writes ``articles`` without it is refused, "no such function", rather than leaving
the index stale; readers need nothing). SQLite keeps no copy of what it indexed: taking an
article out means computing its bigrams again, so a change to :func:`search_terms` needs a
migration that rebuilds the index.

The models (storage/models.py) describe the tables; these objects are created by the
migrations that introduced them, and :data:`NAMES` lets schema comparisons leave them out.
"""
from __future__ import annotations

import re
SEARCH_TABLE = "article_search"
VIEW = "article_view"
HISTORY_VIEW = "article_history"
# Article columns the index covers.
INDEXED = ("title", "subtitle", "body")

_SQLITE_SHADOW = tuple(f"{SEARCH_TABLE}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content"))
_PG_INDEX = "ix_article_search_terms"
# Everything here that a reflection of the database shows: not part of the models.
NAMES = frozenset((SEARCH_TABLE, VIEW, HISTORY_VIEW, _PG_INDEX, *_SQLITE_SHADOW))

# Two characters at a time; the text is cut at even and at odd offsets, so every adjacent pair
# is one token of one of the two cuts. A pair holding a space or punctuation is split again by
# the tokenizer (SQLite) or kept whole (PostgreSQL): queries use letter-and-digit pairs only.
_PAIRS = re.compile(r"..", re.S)
_QUERY_PAIR = re.compile(r"(?=([^\W_]{2}))")

_YEAR = {
    "sqlite": "CAST(strftime('%Y', i.issue_date) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(YEAR FROM i.issue_date) AS INTEGER)",
}


def search_terms(*fields: str | None) -> str:
    """What the index holds for an article: every bigram of its fields, space-separated."""
    joined = "\n".join(f or "" for f in fields).lower()
    return " ".join(_PAIRS.findall(joined)) + " " + " ".join(_PAIRS.findall(joined, 1))


def query_terms(word: str) -> list[str]:
    """The bigrams of letters and digits that every text holding ``word`` holds too."""
    return list(dict.fromkeys(_QUERY_PAIR.findall(word.lower())))


def view_sql(dialect: str) -> str:
    return f"""CREATE VIEW {VIEW} AS
SELECT a.id AS article_id, pa.code AS paper_code, pa.name AS paper_name, i.issue_date,
       {_YEAR[dialect]} AS year, p.page_number, p.page_label, p.section, a.url,
       a.pretitle, a.title, a.subtitle, a.byline, a.source, a.body, a.body_original,
       a.original_script
FROM articles a
JOIN pages p ON p.id = a.page_id
JOIN issues i ON i.id = p.issue_id
JOIN papers pa ON pa.id = i.paper_id"""


# Every text an article has had: its earlier versions, then the current one (is_current = 1),
# each with the time span it was served.
HISTORY_SQL = f"""CREATE VIEW {HISTORY_VIEW} AS
SELECT v.article_id, v.id AS version_id, v.pretitle, v.title, v.subtitle, v.byline, v.body,
       v.body_original, v.valid_from, v.valid_until, 0 AS is_current
FROM article_versions v
UNION ALL
SELECT a.id, NULL, a.pretitle, a.title, a.subtitle, a.byline, a.body, a.body_original,
       COALESCE((SELECT MAX(v.valid_until) FROM article_versions v WHERE v.article_id = a.id), a.first_seen),
       NULL, 1
FROM articles a"""


_SQLITE_TRIGGERS = ("insert", "delete", "update")
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in INDEXED)
_ARGUMENTS = {prefix: ", ".join(f"{prefix}.{c}" for c in INDEXED) for prefix in ("new", "old", "NEW", "OLD")}


def _sqlite_statements() -> list[str]:
    remove = (f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, terms) "
              f"VALUES ('delete', old.id, archive_search_terms({_ARGUMENTS['old']}));")
    add = f"INSERT INTO {SEARCH_TABLE}(rowid, terms) VALUES (new.id, archive_search_terms({_ARGUMENTS['new']}));"
    return [
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(terms, content='', detail=none)",
        f"CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON articles BEGIN {add} END",
        f"CREATE TRIGGER {SEARCH_TABLE}_delete AFTER DELETE ON articles BEGIN {remove} END",
        # A re-crawl rewrites every column of an unchanged article: only a text change
        # costs re-indexing.
        f"CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE ON articles WHEN {_CHANGED} BEGIN {remove} {add} END",
        f"INSERT INTO {SEARCH_TABLE}(rowid, terms) SELECT id, archive_search_terms({', '.join(INDEXED)}) FROM articles",
    ]


def _postgresql_statements() -> list[str]:
    distinct = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in INDEXED)
    return [
        # The same pairs as search_terms (pairs with a space stay whole here: no query asks for them).
        "CREATE FUNCTION archive_search_terms(title text, subtitle text, body text) RETURNS tsvector "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
        "SELECT array_to_tsvector(ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) i)) "
        "FROM (SELECT lower(concat_ws(E'\\n', title, subtitle, body)) AS t) s $$",
        f"CREATE TABLE {SEARCH_TABLE} (article_id BIGINT PRIMARY KEY REFERENCES articles (id) "
        "ON DELETE CASCADE, terms TSVECTOR NOT NULL)",
        f"CREATE FUNCTION {SEARCH_TABLE}_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {SEARCH_TABLE} (article_id, terms) VALUES (NEW.id, archive_search_terms({_ARGUMENTS['NEW']})) "
        "ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms; RETURN NULL; END $$",
        f"CREATE TRIGGER {SEARCH_TABLE}_insert AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION {SEARCH_TABLE}_sync()",
        f"CREATE TRIGGER {SEARCH_TABLE}_update AFTER UPDATE ON articles FOR EACH ROW WHEN ({distinct}) "
        f"EXECUTE FUNCTION {SEARCH_TABLE}_sync()",
        f"INSERT INTO {SEARCH_TABLE} (article_id, terms) SELECT id, archive_search_terms({', '.join(INDEXED)}) FROM articles",
        # After the rows: one bulk build instead of an insert per article.
        f"CREATE INDEX {_PG_INDEX} ON {SEARCH_TABLE} USING gin (terms)",
    ]


def index_statements(dialect: str) -> list[str]:
    """DDL creating the search index over what ``articles`` holds, and its triggers."""
    return _sqlite_statements() if dialect == "sqlite" else _postgresql_statements()


def drop_index_statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        # The triggers belong to articles, not to the index.
        statements = [f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{event}" for event in _SQLITE_TRIGGERS]
        return statements + [f"DROP TABLE IF EXISTS {SEARCH_TABLE}"]
    return [
        f"DROP TRIGGER IF EXISTS {SEARCH_TABLE}_{event} ON articles" for event in ("insert", "update")
    ] + [
        f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
        f"DROP FUNCTION IF EXISTS {SEARCH_TABLE}_sync()",
        "DROP FUNCTION IF EXISTS archive_search_terms(text, text, text)",
    ]


def view_statements(dialect: str) -> list[str]:
    return [view_sql(dialect), HISTORY_SQL]


def drop_view_statements() -> list[str]:
    return [f"DROP VIEW IF EXISTS {HISTORY_VIEW}", f"DROP VIEW IF EXISTS {VIEW}"]


def register(dbapi_connection) -> None:
    """Make ``archive_search_terms`` known to a SQLite connection (its triggers call it)."""
    dbapi_connection.create_function("archive_search_terms", 3, search_terms, deterministic=True)
