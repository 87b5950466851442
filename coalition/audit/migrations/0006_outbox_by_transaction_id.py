"""On PostgreSQL the sequencer finds new events by the id of the transaction that wrote them, not on
a queue (issue 12, throughput of recorded reads).

Every new event carries its transaction's id (`xid`, the column's default, not a field of the
model: SQLite keeps the queue and its trigger). A read then writes its event row alone, where it
also wrote a queue row through a trigger, and the sequencer no longer deletes queue rows. Events
already on the queue stay there and are integrated first; the queue's trigger is dropped in the
same transaction as the column is added, so every event is either on the queue or has an id."""

from django.db import migrations, models

from coalition.audit import guards


def set_aside(apps, schema_editor):
    guards.remove(schema_editor.connection)


def reinstall(apps, schema_editor):
    guards.install(schema_editor.connection)


def add_transaction_ids(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # No default while the column is added: the existing rows keep NULL (no rewrite of the table).
        cursor.execute("ALTER TABLE audit_auditevent ADD COLUMN xid xid8")
        cursor.execute("ALTER TABLE audit_auditevent ALTER COLUMN xid SET DEFAULT pg_current_xact_id()")
        # Only events written from now on: the index starts empty and stays out of the older rows.
        cursor.execute(
            "CREATE INDEX audit_event_outbox_idx ON audit_auditevent (xid, id) WHERE seq IS NULL AND xid IS NOT NULL"
        )


def remove_transaction_ids(apps, schema_editor):
    """Backwards: the events not yet in the tree join the queue."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditqueue (event_id) SELECT e.id FROM audit_auditevent e"
            " WHERE e.seq IS NULL AND e.xid IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM audit_auditleaf l WHERE l.event_id = e.id) ORDER BY e.id"
        )
        cursor.execute("DROP INDEX audit_event_outbox_idx")
        cursor.execute("ALTER TABLE audit_auditevent DROP COLUMN xid")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_events_insert_only_queue"),
    ]

    operations = [
        migrations.RunPython(set_aside, reinstall),
        migrations.AddField(
            model_name="treehead",
            name="integrated_below_xid",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(add_transaction_ids, remove_transaction_ids),
        migrations.RunPython(reinstall, set_aside),
    ]
