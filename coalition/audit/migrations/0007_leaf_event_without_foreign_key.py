"""A leaf's event is no longer a foreign key in the database (issue 12, the sequencer's cost).

The key's check ran for every leaf the sequencer added and locked the event's row (FOR KEY SHARE):
a second write of the event's page, 54 bytes of WAL and an index lookup per event. What it
guarded is guarded otherwise: events cannot be deleted (the append-only triggers), the leaf's
unique index keeps each event to one leaf, and `audit_verify` names a leaf whose event is gone."""

import django.db.models.deletion
from django.db import migrations, models

from coalition.audit import guards


def set_aside(apps, schema_editor):
    guards.remove(schema_editor.connection)


def reinstall(apps, schema_editor):
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_outbox_by_transaction_id"),
    ]

    operations = [
        migrations.RunPython(set_aside, reinstall),
        migrations.AlterField(
            model_name="auditleaf",
            name="event",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="leaf",
                to="audit.auditevent",
            ),
        ),
        migrations.RunPython(reinstall, set_aside),
    ]
