"""Database triggers that make audit events append-only: DELETE (and on PostgreSQL TRUNCATE) of
`audit_auditevent` is refused to every ordinary statement, and so is any UPDATE except the
retention task redacting an event's personal data once; on SQLite every new event is put on the
sequencer's queue by a trigger too, whatever wrote it (PostgreSQL finds new events by their
transaction id instead: coalition/audit/tree.py). A role
that owns the table can still drop the triggers; that deliberate tampering is what the Merkle tree
and its signed checkpoints, kept outside the database, are there to reveal."""

from __future__ import annotations

from typing import Any

from coalition.audit.models import LEAF_FIELDS

# Before the tree (migrations 0002 and 0003): no change of any kind.
_LEGACY_INSTALL = {
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

# Since migration 0004: an UPDATE may only (a) number an event once, the sequencer's job, or
# (b) redact its personal data once; everything the leaf covers stays as it was.
_KEPT = ("id", "created_at", *LEAF_FIELDS, "personal_digest", "leaf_format", "prev_hash", "hash")
_PERSONAL = ("ip", "user_agent", "personal_salt", "redacted_at")


def _same(columns: tuple[str, ...], equal: str) -> str:
    return " AND ".join(f"NEW.{c} {equal} OLD.{c}" for c in columns)


_NUMBERING = "OLD.seq IS NULL AND NEW.seq IS NOT NULL AND {personal}"
_REDACTION = (
    "{same_seq} AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL"
    " AND NEW.ip = '' AND NEW.user_agent = '' AND NEW.personal_salt = ''"
)
_SQLITE_ALLOWED = f"""({_same(_KEPT, "IS")}) AND (
    ({_NUMBERING.format(personal=_same(_PERSONAL, "IS"))})
    OR ({_REDACTION.format(same_seq="NEW.seq IS OLD.seq")}))"""
_PG_ALLOWED = f"""({_same(_KEPT, "IS NOT DISTINCT FROM")}) AND (
    ({_NUMBERING.format(personal=_same(_PERSONAL, "IS NOT DISTINCT FROM"))})
    OR ({_REDACTION.format(same_seq="NEW.seq IS NOT DISTINCT FROM OLD.seq")}))"""

# Since migration 0005: the sequencer no longer numbers events in place (the number is the leaf's),
# so the only change allowed is redaction; and every new event joins the queue.
_QUEUED_ALLOWED = {
    "sqlite": f"""({_same(("seq", *_KEPT), "IS")}) AND ({_REDACTION.format(same_seq="1")})""",
    "postgresql": f"""({_same(("seq", *_KEPT), "IS NOT DISTINCT FROM")}) AND ({_REDACTION.format(same_seq="TRUE")})""",
}
_INSTALL_QUEUED = {
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_guard_update BEFORE UPDATE ON audit_auditevent
            WHEN NOT ({_QUEUED_ALLOWED["sqlite"]})
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_enqueue AFTER INSERT ON audit_auditevent
           WHEN NEW.seq IS NULL
           BEGIN INSERT INTO audit_auditqueue (event_id) VALUES (NEW.id); END;""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE FUNCTION audit_event_guard_update() RETURNS trigger AS $$
            BEGIN
              IF {_QUEUED_ALLOWED["postgresql"]} THEN RETURN NEW; END IF;
              RAISE EXCEPTION 'audit events are append-only';
            END; $$ LANGUAGE plpgsql;""",
        """CREATE OR REPLACE FUNCTION audit_event_enqueue() RETURNS trigger AS $$
           BEGIN INSERT INTO audit_auditqueue (event_id) VALUES (NEW.id); RETURN NULL; END;
           $$ LANGUAGE plpgsql;""",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
        "DROP TRIGGER IF EXISTS audit_event_guard_update ON audit_auditevent;",
        "DROP TRIGGER IF EXISTS audit_event_enqueue ON audit_auditevent;",
        """CREATE TRIGGER audit_event_append_only BEFORE DELETE OR TRUNCATE
           ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();""",
        """CREATE TRIGGER audit_event_guard_update BEFORE UPDATE
           ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_event_guard_update();""",
        """CREATE TRIGGER audit_event_enqueue AFTER INSERT ON audit_auditevent
           FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION audit_event_enqueue();""",
    ],
}

# Since migration 0006, on PostgreSQL: no queue. A new event carries the id of the transaction that
# wrote it (`xid`, filled by the column's default) and the sequencer finds it by that
# (coalition/audit/tree.py); the id is kept unchanged like the columns the leaf covers, so that
# nobody moves an event out of the sequencer's sight without verification noticing.
_INSTALL_OUTBOX_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE FUNCTION audit_event_guard_update() RETURNS trigger AS $$
        BEGIN
          IF NEW.xid IS NOT DISTINCT FROM OLD.xid AND {_QUEUED_ALLOWED["postgresql"]} THEN RETURN NEW; END IF;
          RAISE EXCEPTION 'audit events are append-only';
        END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_event_guard_update ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_event_enqueue ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_event_enqueue();",
    """CREATE TRIGGER audit_event_append_only BEFORE DELETE OR TRUNCATE
       ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();""",
    """CREATE TRIGGER audit_event_guard_update BEFORE UPDATE
       ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_event_guard_update();""",
]

_INSTALL = {
    "sqlite": [
        f"""CREATE TRIGGER IF NOT EXISTS audit_event_guard_update BEFORE UPDATE ON audit_auditevent
            WHEN NOT ({_SQLITE_ALLOWED})
            BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
        """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
        f"""CREATE OR REPLACE FUNCTION audit_event_guard_update() RETURNS trigger AS $$
            BEGIN
              IF {_PG_ALLOWED} THEN RETURN NEW; END IF;
              RAISE EXCEPTION 'audit events are append-only';
            END; $$ LANGUAGE plpgsql;""",
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
        "DROP TRIGGER IF EXISTS audit_event_guard_update ON audit_auditevent;",
        """CREATE TRIGGER audit_event_append_only BEFORE DELETE OR TRUNCATE
           ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();""",
        """CREATE TRIGGER audit_event_guard_update BEFORE UPDATE
           ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_event_guard_update();""",
    ],
}
_REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update;",
        "DROP TRIGGER IF EXISTS audit_event_guard_update;",
        "DROP TRIGGER IF EXISTS audit_event_no_delete;",
        "DROP TRIGGER IF EXISTS audit_event_enqueue;",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
        "DROP TRIGGER IF EXISTS audit_event_guard_update ON audit_auditevent;",
        "DROP TRIGGER IF EXISTS audit_event_enqueue ON audit_auditevent;",
        "DROP FUNCTION IF EXISTS audit_event_append_only();",
        "DROP FUNCTION IF EXISTS audit_event_guard_update();",
        "DROP FUNCTION IF EXISTS audit_event_enqueue();",
    ],
}


def _event_triggers(connection: Any) -> list[str]:
    """The triggers for the events table as its schema stands (a migration before 0004 installs
    the older, stricter ones: their columns do not exist yet)."""
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "audit_auditevent")}
    if "xid" in columns and connection.vendor == "postgresql":
        return _INSTALL_OUTBOX_POSTGRESQL
    if "audit_auditqueue" in connection.introspection.table_names():
        return _INSTALL_QUEUED.get(connection.vendor, [])
    if "leaf_format" in columns:
        return _INSTALL.get(connection.vendor, [])
    return _LEGACY_INSTALL.get(connection.vendor, [])


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
    statements = _event_triggers(connection)
    with connection.cursor() as cursor:
        for sql in statements:
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
