"""Events are never updated to carry their number (issue 12): the number is the leaf's, and the
sequencer's queue is a table of its own, filled by a trigger on every new event.

Numbering an event in place rewrote its row and all its index entries; now a read writes its event
and one queue row, and the sequencer deletes that queue row. The numbers given so far stay on their
events (and equal their leaves'); the events still waiting join the queue in id order."""

from django.db import migrations, models

from coalition.audit import guards


def set_aside(apps, schema_editor):
    guards.remove(schema_editor.connection)


def reinstall(apps, schema_editor):
    guards.install(schema_editor.connection)


def enqueue_waiting(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditqueue (event_id) SELECT id FROM audit_auditevent WHERE seq IS NULL ORDER BY id"
        )


def number_dequeued(apps, schema_editor):
    """Backwards: the events that left the queue get their leaf's number on the row, as 0004 did."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            'UPDATE audit_auditevent SET seq = (SELECT l."index" + 1 FROM audit_auditleaf l'
            " WHERE l.event_id = audit_auditevent.id) WHERE seq IS NULL"
            " AND EXISTS (SELECT 1 FROM audit_auditleaf l WHERE l.event_id = audit_auditevent.id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_sequencer_numbers_events"),
    ]

    operations = [
        migrations.RunPython(set_aside, reinstall),
        migrations.CreateModel(
            name="AuditQueue",
            fields=[
                ("event_id", models.BigIntegerField(primary_key=True, serialize=False)),
            ],
            options={
                "ordering": ["event_id"],
            },
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_unsequenced_idx",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("seq__isnull", False)), fields=("seq",), name="audit_event_seq_unique"
            ),
        ),
        migrations.RunPython(enqueue_waiting, number_dequeued),
        migrations.RunPython(reinstall, set_aside),
    ]
