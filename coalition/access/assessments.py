"""Who may do what with crosswalks and self-assessments (coalition/assessments).

Crosswalks are coalition reference data: every signed-in member reads them, the secretariat's
editors and admins manage them, and applying one writes an organisation's records, so it needs
what writing those records needs (coalition/access/principles.py: the organisation's editors and
admins). A self-assessment is read like an implementation record, on its own audience and TLP
label (default: the organisation only, TLP:AMBER+STRICT); its organisation's editors and admins
answer, complete, share and apply it. Recipients never re-share. Questionnaires are written by the
secretariat's editors and admins, as frameworks are.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access.documents import reader_for
from coalition.access.memberships import membership_in, memberships_of
from coalition.access.principles import can_manage_principles, reporting_organisation_ids
from coalition.assessments.models import Crosswalk, SelfAssessment
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Community


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def readable_condition(user: Any) -> Q:
    public = Q(audience=Audience.PUBLIC, tlp=TLP.CLEAR)
    if not _signed_in(user):
        return public
    organisation_ids = sorted(m.organisation_id for m in memberships_of(user))
    if not organisation_ids:
        return public
    named_orgs = SelfAssessment.audience_organisations.through.objects.filter(
        organisation_id__in=organisation_ids
    ).values("selfassessment_id")
    their_communities = Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values(
        "community_id"
    )
    named_communities = SelfAssessment.audience_communities.through.objects.filter(
        community_id__in=their_communities
    ).values("selfassessment_id")
    return (
        public
        | Q(organisation_id__in=organisation_ids)
        | Q(audience=Audience.COALITION)
        | Q(audience=Audience.NAMED) & (Q(pk__in=named_orgs) | Q(pk__in=named_communities))
    )


def visible_assessments(user: Any, queryset: models.QuerySet[SelfAssessment]) -> models.QuerySet[SelfAssessment]:
    return queryset.filter(readable_condition(user))


def can_view_assessment(user: Any, assessment: SelfAssessment) -> bool:
    if assessment.audience == Audience.PUBLIC and assessment.tlp == TLP.CLEAR:
        return True
    if not _signed_in(user):
        return False
    reader = reader_for(user)
    if not reader.organisation_ids:
        return False
    if assessment.organisation_id in reader.organisation_ids:
        return True
    if assessment.audience == Audience.COALITION:
        return True
    if assessment.audience == Audience.NAMED:
        through_orgs = SelfAssessment.audience_organisations.through.objects
        through_communities = SelfAssessment.audience_communities.through.objects
        return (
            through_orgs.filter(selfassessment_id=assessment.pk, organisation_id__in=reader.organisation_ids).exists()
            or through_communities.filter(
                selfassessment_id=assessment.pk, community_id__in=reader.community_ids
            ).exists()
        )
    return False


def can_edit_assessment(user: Any, assessment: SelfAssessment) -> bool:
    """Answer, complete, share and apply: the organisation's editors and admins."""
    return _signed_in(user) and assessment.organisation_id in reporting_organisation_ids(user)


def can_view_answers_detail(user: Any, assessment: SelfAssessment) -> bool:
    """Notes and who answered: the organisation's own members (like a record's history)."""
    return _signed_in(user) and membership_in(user, assessment.organisation_id) is not None


def can_view_crosswalk(user: Any, crosswalk: Crosswalk) -> bool:
    return _signed_in(user) and bool(memberships_of(user))


def can_manage_crosswalks(user: Any) -> bool:
    return can_manage_principles(user)


def can_manage_questionnaires(user: Any) -> bool:
    """Write, version, publish and retire questionnaires: like frameworks and crosswalks, the
    secretariat's editors and admins (an oversight role or another organisation's staff never)."""
    return can_manage_principles(user)
