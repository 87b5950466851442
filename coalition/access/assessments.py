"""Who may do what with crosswalks and self-assessments (coalition/assessments).

Crosswalks are coalition reference data: every signed-in member reads them, the secretariat's
editors and admins manage them, and applying one writes an organisation's records, so it needs
what writing those records needs (coalition/access/principles.py: the organisation's editors and
admins). A self-assessment is read like an implementation record (coalition/access/shared.py),
on its own audience and TLP label (default: the organisation only, TLP:AMBER+STRICT); its
organisation's editors and admins answer, complete, share and apply it. Recipients never re-share.
Questionnaires are written by the secretariat's editors and admins, as frameworks are.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access import shared
from coalition.access.memberships import membership_in, memberships_of
from coalition.access.principles import can_manage_principles
from coalition.access.shared import signed_in
from coalition.assessments.models import Crosswalk, SelfAssessment


def readable_condition(user: Any) -> Q:
    return shared.readable_condition(SelfAssessment, user)


def visible_assessments(user: Any, queryset: models.QuerySet[SelfAssessment]) -> models.QuerySet[SelfAssessment]:
    return queryset.filter(readable_condition(user))


def can_view_assessment(user: Any, assessment: SelfAssessment) -> bool:
    return shared.can_read(user, assessment)


def can_edit_assessment(user: Any, assessment: SelfAssessment) -> bool:
    """Answer, complete, share and apply: the organisation's editors and admins."""
    return shared.can_edit(user, assessment)


def can_view_answers_detail(user: Any, assessment: SelfAssessment) -> bool:
    """Notes and who answered: the organisation's own members (like a record's history)."""
    return signed_in(user) and membership_in(user, assessment.organisation_id) is not None


def can_view_crosswalk(user: Any, crosswalk: Crosswalk) -> bool:
    return signed_in(user) and bool(memberships_of(user))


def can_manage_crosswalks(user: Any) -> bool:
    return can_manage_principles(user)


def can_manage_questionnaires(user: Any) -> bool:
    """Write, version, publish and retire questionnaires: like frameworks and crosswalks, the
    secretariat's editors and admins (an oversight role or another organisation's staff never)."""
    return can_manage_principles(user)
