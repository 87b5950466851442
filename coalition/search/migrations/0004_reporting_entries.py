"""The index of principles, implementation records and mileposts, its backend index (a GIN index
on PostgreSQL, an FTS5 table on SQLite), and the seeded principles indexed. Records and mileposts
that already exist are indexed by `manage.py search_rebuild` (docs/search.md)."""

import re
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import coalition.search.models

KINDS = ("principle", "record", "milepost")
FTS5 = (
    "CREATE VIRTUAL TABLE search_{kind}_fts USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
# As coalition/search/reporting_index.py writes it (title A, the rest C), frozen here.
PG_VECTOR = "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'C')"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def create_backend_index(apps: Any, schema_editor: Any) -> None:
    for kind in KINDS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"CREATE INDEX search_{kind}_entry_gin ON search_{kind}_entry USING gin (vector)")
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(FTS5.format(kind=kind))


def drop_backend_index(apps: Any, schema_editor: Any) -> None:
    for kind in KINDS:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS search_{kind}_entry_gin")
        elif schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f"DROP TABLE IF EXISTS search_{kind}_fts")


def seed(apps: Any, schema_editor: Any) -> None:
    """Index the principles (the seeded frameworks' and any added since): code and title, text.
    Also called by the tests after a flush took them (tests/conftest.py), with the live registry."""
    from django.db import connection

    Principle = apps.get_model("principles", "Principle")
    PrincipleEntry = apps.get_model("search", "PrincipleEntry")
    Word = apps.get_model("search", "Word")
    indexed = PrincipleEntry.objects.values("principle_id")
    entries = PrincipleEntry.objects.bulk_create(
        [
            PrincipleEntry(principle_id=p.pk, title=f"{p.code} {p.title}", body=p.text)
            for p in Principle.objects.exclude(pk__in=indexed).order_by("pk")
        ]
    )
    if not entries:
        return
    words = {w.lower() for e in entries for text in (e.title, e.body) for w in _WORD.findall(text) if 3 <= len(w) <= 40}
    Word.objects.bulk_create([Word(text=w, initial=w[0], length=len(w)) for w in sorted(words)], ignore_conflicts=True)
    ids = [e.pk for e in entries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE search_principle_entry SET vector = {PG_VECTOR} WHERE id = ANY(%s)",  # noqa: S608 - constant
                [ids],
            )
        elif connection.vendor == "sqlite":
            cursor.executemany(
                "INSERT INTO search_principle_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(e.pk, e.title, e.body) for e in entries],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("principles", "0003_evidence_mileposts_reports"),
        ("search", "0003_discussion_and_words"),
    ]

    operations = [
        migrations.CreateModel(
            name="MilepostEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("vector", coalition.search.models.VectorField(editable=False, null=True)),
                (
                    "milepost",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="principles.milepost"
                    ),
                ),
            ],
            options={
                "db_table": "search_milepost_entry",
            },
        ),
        migrations.CreateModel(
            name="PrincipleEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("vector", coalition.search.models.VectorField(editable=False, null=True)),
                (
                    "principle",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="principles.principle"
                    ),
                ),
            ],
            options={
                "db_table": "search_principle_entry",
            },
        ),
        migrations.CreateModel(
            name="RecordEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("vector", coalition.search.models.VectorField(editable=False, null=True)),
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="principles.implementationrecord",
                    ),
                ),
            ],
            options={
                "db_table": "search_record_entry",
            },
        ),
        migrations.CreateModel(
            name="MilepostFtsRow",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.milepostentry",
                    ),
                ),
            ],
            options={
                "db_table": "search_milepost_fts",
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="PrincipleFtsRow",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.principleentry",
                    ),
                ),
            ],
            options={
                "db_table": "search_principle_fts",
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="RecordFtsRow",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.recordentry",
                    ),
                ),
            ],
            options={
                "db_table": "search_record_fts",
                "managed": False,
            },
        ),
        migrations.RunPython(create_backend_index, drop_backend_index),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
