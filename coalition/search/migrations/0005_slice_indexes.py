"""PostgreSQL: the document entries' words indexed per text search configuration beside the slice
of entry ids they fall in (id / 16384), so the newest-first walk (backends._newest_pg) takes each
slice's matches from the index without reading a vector. The slice is a btree_gin key: the
extension ships with PostgreSQL and is trusted (the database owner may create it). The GIN index
on the vector alone stays for the searches that look words up over all entries (a prefix that is
not completed, "did you mean", saved-search alerts).
Nothing on SQLite (FTS5 walks its own rowids)."""

from typing import Any

from django.db import migrations

# As backends.SLICE and PG_CONFIGS, frozen here.
SLICE = 16384
CONFIGS = ("english", "french", "simple")


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for config in CONFIGS:
        schema_editor.execute(
            f"CREATE INDEX search_entry_{config}_slices ON search_entry"
            f" USING gin ((id / {SLICE}), vector) WHERE config = '{config}'"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for config in CONFIGS:
        schema_editor.execute(f"DROP INDEX IF EXISTS search_entry_{config}_slices")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_reporting_entries"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
