"""Requests insert events unnumbered, with no lock; the sequencer numbers them (issue 12).

The events written so far keep their numbers, their chain and their leaves: they are marked leaf
format 1. New events are format 2 (personal data committed by a salted digest, so that it can be
redacted). The triggers are set aside while the table changes and then replaced by ones that allow
numbering and redaction once each, and nothing else."""

from django.db import migrations, models

from coalition.audit import guards


def set_aside(apps, schema_editor):
    guards.remove(schema_editor.connection)


def reinstall(apps, schema_editor):
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_merkle_tree"),
    ]

    operations = [
        migrations.RunPython(set_aside, reinstall),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["id"]},
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_actor_seq_idx",
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_target_org_seq_idx",
        ),
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_action_seq_idx",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="leaf_format",
            # Every event so far is format 1; the default for new ones follows.
            field=models.PositiveSmallIntegerField(choices=[(1, "chained"), (2, "committed")], default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="leaf_format",
            field=models.PositiveSmallIntegerField(choices=[(1, "chained"), (2, "committed")], default=2),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="personal_digest",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="personal_salt",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="redacted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="user_agent",
            field=models.CharField(blank=True, max_length=256),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_id", "id"], name="audit_actor_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["target_org_id", "id"], name="audit_target_org_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "id"], name="audit_action_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsequenced_idx"),
        ),
        migrations.RunPython(reinstall, set_aside),
    ]
