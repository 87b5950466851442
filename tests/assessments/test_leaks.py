"""A secret marker planted in a self-assessment's notes never reaches anyone but the organisation
that wrote it: not in the report of those it is shared with, not in lists, not in the audit log.
An inferred record's provenance names its source records' results only to its own organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.assessments import services
from coalition.assessments.models import SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.principles.models import ImplementationRecord, Principle
from tests.assessments.conftest import World, cycle, record
from tests.assessments.helpers import answer_all

pytestmark = pytest.mark.django_db

OWN = ("admin", "editor", "contributor", "reader")
OTHERS = ("named_org", "community_org", "other_org", "secretariat", "outsider", "anonymous")
MARKER = "SECRET-MARKER-ANSWER-NOTE"


@pytest.mark.parametrize(
    ("audience", "tlp"), [("organisation", "amber_strict"), ("coalition", "green"), ("public", "clear")]
)
def test_the_marker_in_notes_reaches_only_the_own_organisation(
    audience: str, tlp: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    assessment = answer_all(world.people["editor"], world.questionnaire, world.acme, cycle(), note=MARKER)
    SelfAssessment.objects.filter(pk=assessment.pk).update(audience=audience, tlp=tlp)
    pages = [
        reverse("assessments:report", args=[assessment.pk]),
        reverse("assessments:index"),
        reverse("assessments:section", args=[assessment.pk, 1]),
    ]
    for viewer in OWN + OTHERS:
        client = client_for(world.people[viewer])
        for url in pages:
            body = client.get(url, follow=True).content.decode()
            if viewer in OWN and url != pages[1]:
                assert MARKER in body, (viewer, url)
            elif viewer not in OWN:
                assert MARKER not in body, (viewer, url)
    assert not any(MARKER in str(e.data) for e in AuditEvent.objects.all())


def test_the_provenance_of_a_shared_inferred_record_hides_private_sources(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    p1 = Principle.objects.get(framework__slug="voluntary-principles", code="P1")
    record(world.acme, p1, "implemented")  # private: organisation only, AMBER+STRICT
    editor = world.people["editor"]
    plan = services.plan_crosswalk(acting_user=editor, organisation=world.acme, cycle=cycle(), chain=[world.crosswalk])
    services.apply_crosswalk(
        acting_user=editor,
        organisation=world.acme,
        cycle=cycle(),
        chain=[world.crosswalk],
        fingerprint=plan.fingerprint,
    )
    sbd1 = ImplementationRecord.objects.get(principle__code="SbD1", organisation=world.acme)
    ImplementationRecord.objects.filter(pk=sbd1.pk).update(audience="coalition", tlp="green")
    url = reverse("principles:record", args=[sbd1.pk])
    own = client_for(editor).get(url).content.decode()
    other = client_for(world.people["other_org"]).get(url).content.decode()
    assert "P1 → SbD1" in own and "Implemented → Partially implemented" in own
    assert "Inferred from the crosswalk" in other
    assert "P1 → SbD1" not in other and "Implemented →" not in other
