"""The index of principles, implementation records and mileposts, its backend index (a GIN index
on PostgreSQL, an FTS5 table on SQLite), and the seeded principles indexed. Records and mileposts
that already exist are indexed by `manage.py search_rebuild` (docs/search.md)."""

import re
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

import coalition.search.models

FTS5 = (
    "CREATE VIRTUAL TABLE search_reporting_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
# As coalition/search/reporting_index.py writes it (title A, the rest C), frozen here.
PG_VECTOR = "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'C')"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def create_backend_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX search_reportingentry_vector_gin ON search_reportingentry USING gin (vector)"
        )
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS5)


def drop_backend_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_reportingentry_vector_gin")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_reporting_fts")


def seed(apps: Any, schema_editor: Any) -> None:
    """Index the principles (the seeded frameworks' and any added since): code and title, text.
    Also called by the tests after a flush took them (tests/conftest.py), with the live registry."""
    from django.db import connection

    Principle = apps.get_model("principles", "Principle")
    ReportingEntry = apps.get_model("search", "ReportingEntry")
    Word = apps.get_model("search", "Word")
    indexed = ReportingEntry.objects.filter(kind="principle").values("principle_id")
    entries = ReportingEntry.objects.bulk_create(
        [
            ReportingEntry(kind="principle", principle_id=p.pk, title=f"{p.code} {p.title}", body=p.text)
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
                f"UPDATE search_reportingentry SET vector = {PG_VECTOR} WHERE id = ANY(%s)",  # noqa: S608 - constant
                [ids],
            )
        elif connection.vendor == "sqlite":
            cursor.executemany(
                "INSERT INTO search_reporting_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(e.pk, e.title, e.body) for e in entries],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("principles", "0003_evidence_mileposts_reports"),
        ("search", "0003_discussion_and_words"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportingEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("principle", "Principle"),
                            ("record", "Implementation record"),
                            ("milepost", "Milepost"),
                        ],
                        max_length=10,
                    ),
                ),
                ("title", models.TextField()),
                ("body", models.TextField(blank=True)),
                ("vector", coalition.search.models.VectorField(editable=False, null=True)),
                (
                    "milepost",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="principles.milepost",
                    ),
                ),
                (
                    "principle",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="principles.principle",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="principles.implementationrecord",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ReportingFtsRow",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.reportingentry",
                    ),
                ),
            ],
            options={
                "db_table": "search_reporting_fts",
                "managed": False,
            },
        ),
        migrations.AddConstraint(
            model_name="reportingentry",
            constraint=models.UniqueConstraint(fields=("principle",), name="search_reporting_principle_unique"),
        ),
        migrations.AddConstraint(
            model_name="reportingentry",
            constraint=models.UniqueConstraint(fields=("record",), name="search_reporting_record_unique"),
        ),
        migrations.AddConstraint(
            model_name="reportingentry",
            constraint=models.UniqueConstraint(fields=("milepost",), name="search_reporting_milepost_unique"),
        ),
        migrations.AddConstraint(
            model_name="reportingentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "principle"),
                        ("milepost__isnull", True),
                        ("principle__isnull", False),
                        ("record__isnull", True),
                    ),
                    models.Q(
                        ("kind", "record"),
                        ("milepost__isnull", True),
                        ("principle__isnull", True),
                        ("record__isnull", False),
                    ),
                    models.Q(
                        ("kind", "milepost"),
                        ("milepost__isnull", False),
                        ("principle__isnull", True),
                        ("record__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="search_reporting_kind_valid",
            ),
        ),
        migrations.RunPython(create_backend_index, drop_backend_index),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
