"""What ``archive sql`` refuses on PostgreSQL before a query runs: the functions its read-only
transaction lets act, for a role allowed to call them (the superuser, an owner's role).

The query is read by pglast, PostgreSQL's own parser (libpg_query), so that a function is
known by the calls the server would make, not by words of the query's text: a name inside a
string or a comment (``body LIKE '%lo_export%'``) is no call, and a call is seen however it is
written (``pg_catalog."lo_export"(…)``, in a subquery, a CTE, ``EXPLAIN ANALYZE``). What a
query hands the server as text to run (``query_to_xml``, ``ts_stat``) cannot be read so: those
functions are refused as such, and so are ``DO`` and ``CALL``, whose code is not the query's, and
the commands a read-only transaction lets act (ANALYZE, REINDEX, CHECKPOINT, LOAD).

A function that a view or another function calls is not seen: a role that may only read
(README, the `reader` role) is what keeps an archive safe from everything. A superuser's query
runs as pg_read_all_data (cli._read_only), which sets aside the rights to what is not seen; a
set_config of the role, which would take them back, is refused here."""
from __future__ import annotations

import re

from pglast import parse_sql
from pglast.parser import ParseError
from pglast.visitors import Visitor

# What each refused function does that a read-only transaction does not stop, as archive sql's
# refusal says it: "archive sql is read-only: <name> <what it does>".
_LARGE_OBJECT = ("writes a large object or a file of the database server, which its read-only transaction does "
                 "not stop: use psql for it")
_SERVER = ("acts on the database server (its sessions, configuration, logs, statistics, write-ahead log or "
           "replication), which a read-only transaction does not stop: use psql for it")
_LOCK = "takes or frees a lock other sessions wait for, which a read-only transaction does not stop: use psql for it"
_SQL_AS_TEXT = "runs SQL given as text, which archive sql cannot check: give that SQL as the query"
_CODE = "runs code archive sql cannot check: use psql for it"
_SERVER_FILE = ("reads the database server's files, not the archive, which a read-only transaction does not stop: "
                "use psql for it")
_ROLE = "changes whose rights the query runs with, which archive sql sets: use psql for it"
# The settings through which set_config changes the role the query runs as (cli._read_only).
_ROLE_SETTINGS = ("role", "session_authorization")
_COMMAND = ("acts on the database server (its statistics, indexes, files or libraries), which a read-only "
            "transaction does not stop: use psql for it")

# Functions by their whole name (lower case, the schema left off).
_REFUSED = {
    **dict.fromkeys(("lo_creat", "lo_create", "lo_from_bytea", "lo_import", "lo_export", "lo_unlink", "lo_put",
                     "lo_truncate", "lo_truncate64", "lowrite"), _LARGE_OBJECT),
    **dict.fromkeys(("pg_terminate_backend", "pg_cancel_backend", "pg_log_backend_memory_contexts",
                     "pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal", "pg_create_restore_point",
                     "pg_logical_emit_message", "pg_promote", "pg_wal_replay_pause", "pg_wal_replay_resume",
                     "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup",
                     "pg_drop_replication_slot", "pg_replication_slot_advance", "pg_logical_slot_get_changes",
                     "pg_logical_slot_get_binary_changes"), _SERVER),
    **dict.fromkeys(("query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
                     "cursor_to_xmlschema", "ts_stat"), _SQL_AS_TEXT),
    **dict.fromkeys(("pg_read_file", "pg_read_binary_file", "pg_stat_file"), _SERVER_FILE),
}
# Families by the start of their names: statistics reset, replication slots and origins made,
# copied or moved, advisory locks, adminpack's server files, dblink (another connection, not
# read-only).
_REFUSED_FAMILIES = (
    (re.compile(r"pg_stat_reset|pg_create_\w*_replication_slot|pg_copy_\w*_replication_slot|pg_replication_origin_"
                r"(?!oid|progress|session_is_setup|session_progress)|pg_file_"), _SERVER),
    (re.compile(r"pg_(try_)?advisory_"), _LOCK),
    (re.compile(r"pg_ls_"), _SERVER_FILE),  # pg_ls_dir, pg_ls_waldir, pg_ls_logdir, …
    (re.compile(r"dblink"), _SQL_AS_TEXT),
)


class Unreadable(Exception):
    """pglast could not parse the query (a syntax of a newer server, or a mistake)."""


def refusal(query: str) -> str | None:
    """Why ``query`` (one statement) may not run in archive sql, in the words after "archive sql
    is read-only: ", or None if it may. Raises Unreadable where pglast cannot parse it."""
    try:
        statements = parse_sql(query)
    except ParseError as exc:
        raise Unreadable(str(exc)) from None
    found: list[str] = []

    class Calls(Visitor):
        def visit_DoStmt(self, ancestors, node):
            found.append(f"DO {_CODE}")

        def visit_CallStmt(self, ancestors, node):
            found.append(f"CALL {_CODE}")

        # Commands a read-only transaction lets run: ANALYZE writes the tables' statistics
        # (reltuples in place, past the rollback), REINDEX rebuilds and locks, CHECKPOINT
        # writes every dirty page, LOAD loads a library into the server.
        def visit_VacuumStmt(self, ancestors, node):
            if not node.is_vacuumcmd:  # VACUUM itself the server refuses in a transaction
                found.append(f"ANALYZE {_COMMAND}")

        def visit_ReindexStmt(self, ancestors, node):
            found.append(f"REINDEX {_COMMAND}")

        def visit_CheckPointStmt(self, ancestors, node):
            found.append(f"CHECKPOINT {_COMMAND}")

        def visit_LoadStmt(self, ancestors, node):
            found.append(f"LOAD {_COMMAND}")

        def visit_FuncCall(self, ancestors, node):
            name = node.funcname[-1].sval.lower()
            # ts_rewrite(query, 'SELECT …') runs its second argument; with three it rewrites.
            if name == "ts_rewrite" and len(node.args or ()) == 2:
                found.append(f"{name} {_SQL_AS_TEXT}")
            elif name == "set_config" and _names_a_role_setting(node.args):
                found.append(f"{name} of role {_ROLE}")
            elif what := _REFUSED.get(name) or next(
                    (what for family, what in _REFUSED_FAMILIES if family.match(name)), None):
                found.append(f"{name} {what}")

    for statement in statements:
        Calls()(statement)
        if found:
            return found[0]
    return None


# The statements that write rows, and what a message calls each.
_WRITES = {"InsertStmt": "an INSERT", "UpdateStmt": "an UPDATE", "DeleteStmt": "a DELETE", "MergeStmt": "a MERGE"}


def write_inside(query: str) -> str | None:
    """The first statement that writes rows within ``query``'s (a DELETE in its WITH), as a
    message names it ("a DELETE"), or None: also when the query is itself one (the server's
    refusal names it then) or pglast cannot read it. The server's refusal of such a query
    names the statement around it, "cannot execute SELECT in a read-only transaction"."""
    try:
        statements = parse_sql(query)
    except ParseError:
        return None
    found: list[str] = []

    class Writes(Visitor):
        def visit(self, ancestors, node):
            if not found and (write := _WRITES.get(type(node).__name__)):
                found.append(write)

    for raw in statements:
        if type(raw.stmt).__name__ in _WRITES:
            return None
        Writes()(raw.stmt)
        if found:
            return found[0]
    return None


def _names_a_role_setting(arguments) -> bool:
    """Whether set_config's first argument is the role setting, or may be (not a constant)."""
    setting = getattr(getattr(arguments[0], "val", None), "sval", None) if arguments else None
    return setting is None or setting.lower() in _ROLE_SETTINGS
