"""Creates the chain head row and makes audit events append-only in the database itself."""

from django.db import migrations

from coalition.audit import guards


def forward(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.get_or_create(id=1)
    guards.install(schema_editor.connection)


def backward(apps, schema_editor):
    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
