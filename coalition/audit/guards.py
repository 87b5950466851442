"""Database triggers that make audit events append-only: UPDATE, DELETE (and on PostgreSQL
TRUNCATE) of `audit_auditevent` are refused to every ordinary statement. A role that owns the
table can still drop the triggers; that deliberate tampering is what the hash chain (and, later,
signed checkpoints kept outside the database) is there to reveal."""

from __future__ import annotations

from typing import Any

_INSTALL = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
        """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
           ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();""",
    ],
}
_REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update;",
        "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
        "DROP FUNCTION IF EXISTS audit_event_append_only();",
    ],
}


# The Merkle tree's leaves, complete subtrees and signed checkpoints are append-only too
# (migration 0003; the tree head is updated by the sequencer, like the chain head).
TREE_TABLES = ("audit_auditleaf", "audit_auditnode", "audit_auditcheckpoint")


def _tree_install(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;""",
            f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, 'the audit tree is append-only'); END;""",
        ]
    if vendor == "postgresql":
        return [
            """CREATE OR REPLACE FUNCTION audit_tree_append_only() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'the audit tree is append-only'; END; $$ LANGUAGE plpgsql;""",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
                ON {table} FOR EACH STATEMENT EXECUTE FUNCTION audit_tree_append_only();""",
        ]
    return []


def _tree_remove(vendor: str, table: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
    return []


def _existing_tree_tables(connection: Any) -> list[str]:
    present = set(connection.introspection.table_names())
    return [table for table in TREE_TABLES if table in present]


def install(connection: Any) -> None:
    """The triggers for every audit table that exists (migration 0002 runs before the tree's)."""
    with connection.cursor() as cursor:
        for sql in _INSTALL.get(connection.vendor, []):
            cursor.execute(sql)
        for table in _existing_tree_tables(connection):
            for sql in _tree_install(connection.vendor, table):
                cursor.execute(sql)


def remove(connection: Any) -> None:
    """For tests that must empty the database between runs, and for an operator's deliberate,
    documented maintenance; never called by the portal itself."""
    with connection.cursor() as cursor:
        for table in _existing_tree_tables(connection):
            for sql in _tree_remove(connection.vendor, table):
                cursor.execute(sql)
        for sql in _REMOVE.get(connection.vendor, []):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS audit_tree_append_only();")
