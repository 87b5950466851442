"""Questionnaires get versions (sharing a slug), a status (draft, published, retired) and a link
to the version they replace; section, question and choice orders are unique in their parent.
Questionnaires that exist already (the seeded one) are published as version 1."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def seed(apps: Any, schema_editor: Any) -> None:
    """Publish the questionnaires made before versions existed (tests/conftest.py runs this again
    after a flush, once migration 0002's seed has run)."""
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    for questionnaire in Questionnaire.objects.filter(status="draft", replaces__isnull=True, version=1):
        if not Questionnaire.objects.filter(slug=questionnaire.slug, status="published").exists():
            questionnaire.status = "published"
            questionnaire.published_at = questionnaire.created_at
            questionnaire.save(update_fields=["status", "published_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_seed_crosswalk_and_questionnaire"),
        ("library", "0004_recent_views_and_review_index"),
        ("principles", "0003_evidence_mileposts_reports"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="questionnaire",
            options={"ordering": ["title", "-version"]},
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="replaces",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaced_by",
                to="assessments.questionnaire",
            ),
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("published", "Published"), ("retired", "Retired")],
                default="draft",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="questionnaire",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="questionnaire",
            name="slug",
            field=models.SlugField(max_length=80),
        ),
        migrations.AddConstraint(
            model_name="choice",
            constraint=models.UniqueConstraint(fields=("question", "order"), name="assessments_choice_order_once"),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(fields=("section", "order"), name="assessments_question_order_once"),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.UniqueConstraint(
                fields=("slug", "version"), name="assessments_questionnaire_slug_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "published")),
                fields=("slug",),
                name="assessments_questionnaire_one_published",
            ),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "published", "retired"])),
                name="assessments_questionnaire_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="questionnaire",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1)), name="assessments_questionnaire_version_1"
            ),
        ),
        migrations.AddConstraint(
            model_name="section",
            constraint=models.UniqueConstraint(
                fields=("questionnaire", "order"), name="assessments_section_order_once"
            ),
        ),
    ]
