"""`{% provenance record user %}`: where a record's inferred result came from, on the record's page.
The paths name source records' results, which may be shared more narrowly than the record: only
the record's own organisation sees them; others see that the result was inferred, and from what."""

from __future__ import annotations

from typing import Any

from django import template

from coalition import access
from coalition.access import Action
from coalition.assessments.models import Inference
from coalition.principles.models import ImplementationRecord, Result

register = template.Library()


@register.inclusion_tag("assessments/_provenance.html")
def provenance(record: ImplementationRecord, user: Any) -> dict[str, Any]:
    latest = (
        Inference.objects.filter(record=record)
        .select_related("crosswalk", "assessment__questionnaire", "record_change")
        .first()
    )
    last_result_change = record.changes.filter(changes__has_key="result").order_by("-changed_at", "-id").first()
    current = latest is not None and last_result_change is not None and latest.record_change_id == last_result_change.pk
    return {
        "inference": latest,
        "current": current,
        "own": access.can(user, Action.VIEW_IMPLEMENTATION_HISTORY, record),
    }


@register.filter
def result_label(value: str) -> str:
    """A result's label in the person's language ("partially" -> "Partially implemented")."""
    return str(Result(value).label) if value in Result.values else value
