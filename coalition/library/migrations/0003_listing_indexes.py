"""Indexes for the library list (docs/performance.md, "Listing at 1M documents").

- Sorting by title or by last update walks an index in that order, as "newest" walks
  library_doc_created_idx: without one, each page sorted the whole readable set (seconds at 1M).
- The organisations' co-drafted documents are read once per list query; (organisation_id,
  document_id) answers that from the index alone. The link table is Django's auto-created one,
  which has no model of its own to declare the index on, hence SQL (the same on PostgreSQL and
  SQLite).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0002_document_published_revision"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["title", "id"], name="library_doc_title_idx"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["-updated_at", "-id"], name="library_doc_updated_idx"),
        ),
        migrations.RunSQL(
            sql=(
                "CREATE INDEX library_codrafter_org_doc_idx"
                " ON library_document_co_drafters (organisation_id, document_id)"
            ),
            reverse_sql="DROP INDEX library_codrafter_org_doc_idx",
        ),
    ]
