"""Reads for the self-assessment pages: lists start from access.visible(); guidance suggestions
are library documents the person may read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coalition import access
from coalition.access import Action
from coalition.assessments.models import SelfAssessment
from coalition.assessments.scoring import Report
from coalition.library.models import Document

GUIDANCE_PER_SECTION = 3


def visible_assessments(user: Any) -> QuerySet[SelfAssessment]:
    return access.visible(user, SelfAssessment.objects.all(), Action.VIEW_ASSESSMENT).select_related(
        "questionnaire", "organisation"
    )


def assessment_or_404(user: Any, pk: int, action: Action = Action.VIEW_ASSESSMENT) -> SelfAssessment:
    return access.get_object_or_404(
        user,
        action,
        SelfAssessment.objects.select_related("questionnaire__framework", "organisation"),
        pk=pk,
    )


def guidance_for(user: Any, report: Report) -> dict[int, list[Document]]:
    """Per section that is not strong, up to three published guidance documents on its topics that
    the person may read, newest first (one query for all sections)."""
    wanted: dict[int, set[int]] = {}
    for score in report.sections:
        if score.band in ("strong", "none"):
            continue
        wanted[score.section.pk] = {t.pk for t in score.section.topics.all()}
    topic_ids = sorted(set().union(*wanted.values())) if wanted else []
    if not topic_ids:
        return {}
    documents = (
        access.visible(
            user,
            Document.objects.filter(
                kind=Document.Kind.GUIDANCE, status=Document.Status.PUBLISHED, topics__in=topic_ids
            ).distinct(),
            Action.VIEW_DOCUMENT,
        )
        .prefetch_related("topics")
        .order_by("-updated_at", "-pk")[:50]
    )
    found: dict[int, list[Document]] = {}
    for document in documents:
        mine = {t.pk for t in document.topics.all()}
        for section_id, topics in wanted.items():
            shelf = found.setdefault(section_id, [])
            if mine & topics and len(shelf) < GUIDANCE_PER_SECTION:
                shelf.append(document)
    return found
