"""Self-assessments' access matrix through HTTP: every person x every audience and TLP label an
assessment may carry x action (read the report, answer, share, apply), allowed AND refused.
Refused is a 404 for the signed in, a sign-in redirect for visitors; a refused write changes
nothing and records nothing. Written from docs/principles.md, not from the access module."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition import access
from coalition.access import Action
from coalition.assessments import services
from coalition.assessments.models import Answer, SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.principles.models import ImplementationRecord
from tests.assessments.conftest import World, cycle
from tests.assessments.helpers import answer_all, questions

pytestmark = pytest.mark.django_db

VIEWERS = [
    "admin",
    "editor",
    "contributor",
    "reader",
    "named_org",
    "community_org",
    "other_org",
    "secretariat",
    "outsider",
    "anonymous",
]
AUDIENCES = ("organisation", "named", "coalition", "public")
TLPS = ("clear", "green", "amber", "amber_strict")
CASES = [(a, t) for a, t in itertools.product(AUDIENCES, TLPS) if a != "public" or t == "clear"]


def may_read(viewer: str, audience: str, tlp: str) -> bool:
    if audience == "public":
        return True
    if viewer in ("admin", "editor", "contributor", "reader"):
        return True
    if viewer in ("anonymous", "outsider"):
        return False
    if audience == "coalition":
        return True
    return audience == "named" and viewer in ("named_org", "community_org")


def may_write(viewer: str) -> bool:
    return viewer in ("admin", "editor")


def _refused(response: Any, viewer: str) -> bool:
    if viewer == "anonymous" and response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return response.status_code == 404


def _share(world: World, assessment: SelfAssessment, audience: str, tlp: str) -> None:
    SelfAssessment.objects.filter(pk=assessment.pk).update(audience=audience, tlp=tlp)
    if audience == "named":
        assessment.audience_organisations.set([world.globex])
        assessment.audience_communities.set([world.community])
    else:
        assessment.audience_organisations.clear()
        assessment.audience_communities.clear()
    assessment.refresh_from_db()


@pytest.mark.parametrize("viewer", VIEWERS)
def test_reading_answering_sharing_and_applying_follow_the_rules(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
    services.complete_assessment(acting_user=world.people["editor"], assessment=assessment)
    user = world.people[viewer]
    client = client_for(user)
    first = questions(world.questionnaire)[0]
    worst = first.choices.order_by("-order").first()
    for audience, tlp in CASES:
        _share(world, assessment, audience, tlp)
        case = f"{viewer} on {audience}/{tlp}"
        readable = may_read(viewer, audience, tlp)
        assert access.can(user, Action.VIEW_ASSESSMENT, assessment) is readable, case
        listed = access.visible(user, SelfAssessment.objects.filter(pk=assessment.pk), Action.VIEW_ASSESSMENT)
        assert listed.exists() is readable, case
        report = client.get(reverse("assessments:report", args=[assessment.pk]))
        if readable:
            assert report.status_code == 200, case
        else:
            assert _refused(report, viewer), case

        counts = (Answer.objects.count(), AuditEvent.objects.count(), ImplementationRecord.objects.count())
        answered = client.post(
            reverse("assessments:section", args=[assessment.pk, 1]), {f"q{first.pk}": worst.pk, "save": "1"}
        )
        named = {"audience_organisations": [world.globex.pk], "audience_communities": [world.community.pk]}
        shared = client.post(
            reverse("assessments:share", args=[assessment.pk]),
            {"audience": audience, "tlp": tlp, **(named if audience == "named" else {})},
        )
        preview = client.get(reverse("assessments:apply", args=[assessment.pk]))
        if may_write(viewer):
            assert answered.status_code == 302 and shared.status_code == 302, case
            assert preview.status_code == 200, case
            # Put the answers back (the worst answer hid a dependent question) for the next case.
            answer_all(world.people["editor"], world.questionnaire, world.acme, cycle())
            services.complete_assessment(acting_user=world.people["editor"], assessment=assessment)
        else:
            for response in (shared, preview):
                assert _refused(response, viewer), case
            # Readers of the assessment are sent to the report; others get a 404.
            if readable and viewer not in ("anonymous",):
                assert answered.status_code == 302 and "section" not in answered["Location"], case
            else:
                assert _refused(answered, viewer), case
            assert (Answer.objects.count(), AuditEvent.objects.count(), ImplementationRecord.objects.count()) == counts
            assert Answer.objects.get(assessment=assessment, question=first).choice_id == first.choices.first().pk


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_editors_and_admins_start_an_assessment_for_their_organisation(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    response = client.post(
        reverse("assessments:start", args=["safety-by-design"]), {"organisation": world.acme.pk, "cycle": cycle()}
    )
    made = SelfAssessment.objects.filter(organisation=world.acme).exists()
    assert made is may_write(viewer)
    if not may_write(viewer):
        assert response.status_code in (302, 404)
        if response.status_code == 302:  # another organisation's reporter: told to choose their own
            assert response["Location"] in (reverse("assessments:index"),) or "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("viewer", ["outsider", "anonymous"])
def test_people_outside_every_organisation_do_not_find_the_pages(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    for url in (reverse("assessments:index"), reverse("assessments:crosswalks")):
        assert _refused(client.get(url), viewer)
