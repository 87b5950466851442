from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import coalition.search.models

FTS5 = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "title, summary, topics, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def create_backend_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX search_entry_vector_gin ON search_entry USING gin (vector)")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS5)


def drop_backend_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_vector_gin")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("library", "0003_listing_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Entry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "variant",
                    models.CharField(
                        choices=[("all", "Every reader"), ("working", "Working copy"), ("published", "Published revision")],
                        max_length=10,
                    ),
                ),
                ("revision_number", models.PositiveIntegerField(null=True)),
                ("title", models.TextField()),
                ("summary", models.TextField(blank=True)),
                ("topics", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("config", models.CharField(default="simple", max_length=20)),
                ("vector", coalition.search.models.VectorField(editable=False, null=True)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="library.document"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("document", "variant"), name="search_entry_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("variant__in", ["all", "working", "published"])),
                        name="search_entry_variant_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="FtsRow",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.entry",
                    ),
                ),
            ],
            options={"db_table": "search_fts", "managed": False},
        ),
        migrations.RunPython(create_backend_index, drop_backend_index),
    ]
