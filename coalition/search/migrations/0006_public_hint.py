"""The entries' public hint (models.Entry.public): set from each entry's document as
access.public_condition() reads it, then, on PostgreSQL, the slice indexes of migration 0005 again
for the public entries only (one entry in eight at 1,000,000 documents), which the walk of those
who read public documents only takes its matches from (backends._routes).

At 1,000,000 documents (docs/performance.md): 160 s for both, the hint set on 118,371 of
1,290,148 entries and the partial indexes built (english 88 MB, french 13 MB; with
maintenance_work_mem at 1 GB), with the table locked meanwhile."""

from typing import Any

from django.db import migrations, models

# As backends.SLICE and PG_CONFIGS, and access.public_condition(), frozen here.
SLICE = 16384
CONFIGS = ("english", "french", "simple")


def set_hint(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(
        "UPDATE search_entry SET public = %s WHERE document_id IN (SELECT id FROM library_document"
        " WHERE audience = 'public' AND status IN ('published', 'archived') AND tlp <> 'red')",
        [True],
    )


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for config in CONFIGS:
        schema_editor.execute(
            f"CREATE INDEX search_entry_{config}_public_slices ON search_entry"
            f" USING gin ((id / {SLICE}), vector) WHERE config = '{config}' AND public"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for config in CONFIGS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_entry_{config}_public_slices")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_slice_indexes"),
    ]

    operations = [
        migrations.AddField(model_name="entry", name="public", field=models.BooleanField(default=False)),
        migrations.RunPython(set_hint, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
