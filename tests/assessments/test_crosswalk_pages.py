"""Crosswalk pages through HTTP: members read them, the secretariat manages them (audited), an
organisation's editors preview and apply; everyone else gets a 404 and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.assessments.models import Crosswalk, CrosswalkLink, Inference
from coalition.audit.models import AuditEvent
from coalition.principles.models import Framework, ImplementationRecord, Principle
from tests.assessments.conftest import World, cycle, record

pytestmark = pytest.mark.django_db

MEMBERS = ["admin", "editor", "contributor", "reader", "named_org", "community_org", "other_org", "secretariat"]


def _refused(response: Any, viewer: str) -> bool:
    if viewer == "anonymous":
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code == 404


@pytest.mark.parametrize("viewer", [*MEMBERS, "outsider", "anonymous"])
def test_members_read_crosswalks_and_only_the_secretariat_manages_them(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    pages = [
        reverse("assessments:crosswalks"),
        reverse("assessments:crosswalk", args=[world.crosswalk.slug]),
    ]
    manage = [
        reverse("assessments:crosswalk_new"),
        reverse("assessments:crosswalk_edit", args=[world.crosswalk.slug]),
        reverse("assessments:link_new", args=[world.crosswalk.slug]),
    ]
    for url in pages:
        response = client.get(url)
        if viewer in MEMBERS:
            assert response.status_code == 200, url
            assert "Voluntary Principles to Safety by Design" in response.content.decode()
        else:
            assert _refused(response, viewer), url
    for url in manage:
        response = client.get(url)
        if viewer == "secretariat":
            assert response.status_code == 200, url
        else:
            assert _refused(response, viewer), url


def test_the_secretariat_adds_a_link_and_it_is_audited(world: World, client_for: Callable[[Any], Any]) -> None:
    client = client_for(world.people["secretariat"])
    p10 = Principle.objects.get(framework__slug="voluntary-principles", code="P10")
    sbd1 = Principle.objects.get(framework__slug="safety-by-design", code="SbD1")
    url = reverse("assessments:link_new", args=[world.crosswalk.slug])
    response = client.post(
        url,
        {"source": p10.pk, "target": sbd1.pk, "relation": "intersect", "strength": "1", "rationale": "Shared tools."},
    )
    assert response.status_code == 302
    link = CrosswalkLink.objects.get(crosswalk=world.crosswalk, source=p10)
    assert AuditEvent.objects.filter(action="crosswalk.link_created", data__link=link.pk).exists()
    # The same pair again is refused with a message; a principle of another framework too.
    before = (CrosswalkLink.objects.count(), AuditEvent.objects.count())
    again = client.post(
        url, {"source": p10.pk, "target": sbd1.pk, "relation": "equal", "strength": "2", "rationale": "Again."}
    )
    assert again.status_code == 400 and "already mapped" in again.content.decode()
    wrong = client.post(
        url, {"source": sbd1.pk, "target": sbd1.pk, "relation": "equal", "strength": "2", "rationale": "x"}
    )
    assert wrong.status_code == 400 and wrong.context["form"].errors["source"]
    no_reason = client.post(url, {"source": p10.pk, "target": sbd1.pk, "relation": "equal", "strength": "2"})
    assert no_reason.status_code == 400
    assert (CrosswalkLink.objects.count(), AuditEvent.objects.count()) == before
    # Deleting asks first, then deletes and records it.
    delete = reverse("assessments:link_delete", args=[world.crosswalk.slug, link.pk])
    assert "Delete the link" in client.post(delete).content.decode()
    assert CrosswalkLink.objects.filter(pk=link.pk).exists()
    client.post(delete, {"confirm": "yes"})
    assert not CrosswalkLink.objects.filter(pk=link.pk).exists()
    assert AuditEvent.objects.filter(action="crosswalk.link_deleted").exists()


def test_a_crosswalk_onto_its_own_framework_is_refused(world: World, client_for: Callable[[Any], Any]) -> None:
    client = client_for(world.people["secretariat"])
    vp = world.crosswalk.source
    response = client.post(
        reverse("assessments:crosswalk_new"), {"name": "Loop", "slug": "loop", "source": vp.pk, "target": vp.pk}
    )
    assert response.status_code == 400 and "two different" in response.content.decode()
    assert not Crosswalk.objects.filter(slug="loop").exists()


def _voluntary(world: World) -> None:
    vp = {p.code: p for p in Principle.objects.filter(framework__slug="voluntary-principles")}
    for code, result in (("P1", "implemented"), ("P2", "implemented"), ("P8", "partially"), ("P11", "implemented")):
        record(world.acme, vp[code], result)


def test_an_editor_previews_then_applies_the_seeded_crosswalk(world: World, client_for: Callable[[Any], Any]) -> None:
    _voluntary(world)
    client = client_for(world.people["editor"])
    url = reverse("assessments:crosswalk_apply", args=[world.crosswalk.slug])
    query = {"organisation": world.acme.pk, "cycle": cycle()}
    preview = client.get(url, query)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert {p.principle.code: p.proposed for p in plan.proposals} == {
        "SbD1": "partially",
        "SbD2": "partially",
        "SbD3": "partially",
    }
    assert not ImplementationRecord.objects.filter(principle__framework__slug="safety-by-design").exists()
    response = client.post(url, {**query, "fingerprint": plan.fingerprint})
    assert response.status_code == 302
    applied = ImplementationRecord.objects.filter(principle__framework__slug="safety-by-design")
    assert {r.principle.code: r.result for r in applied} == {p.principle.code: p.proposed for p in plan.proposals}
    assert Inference.objects.filter(record__in=applied, crosswalk=world.crosswalk).count() == 3
    # The record's page says where its result came from; the paths only to its own organisation.
    sbd1 = applied.get(principle__code="SbD1")
    page = client.get(reverse("principles:record", args=[sbd1.pk])).content.decode()
    assert "Inferred from the crosswalk" in page and "P1 → SbD1" in page


def test_a_stale_preview_is_refused_with_a_message_and_the_new_preview(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    _voluntary(world)
    client = client_for(world.people["editor"])
    url = reverse("assessments:crosswalk_apply", args=[world.crosswalk.slug])
    response = client.post(url, {"organisation": world.acme.pk, "cycle": cycle(), "fingerprint": "stale"})
    assert response.status_code == 400
    assert "changed since the preview" in response.content.decode() and response.context["plan"]
    assert not ImplementationRecord.objects.filter(principle__framework__slug="safety-by-design").exists()


@pytest.mark.parametrize("viewer", ["contributor", "reader", "named_org", "other_org", "secretariat", "outsider"])
def test_applying_for_an_organisation_one_may_not_report_for_is_refused(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    _voluntary(world)
    client = client_for(world.people[viewer])
    url = reverse("assessments:crosswalk_apply", args=[world.crosswalk.slug])
    events = AuditEvent.objects.count()
    preview = client.get(url, {"organisation": world.acme.pk, "cycle": cycle()})
    applied = client.post(url, {"organisation": world.acme.pk, "cycle": cycle(), "fingerprint": "x"})
    assert preview.status_code in (400, 404) and applied.status_code in (400, 404)
    assert b"SbD1" not in preview.content and b"SbD1" not in applied.content
    assert not ImplementationRecord.objects.filter(principle__framework__slug="safety-by-design").exists()
    assert AuditEvent.objects.count() == events


def test_a_cycle_outside_the_reporting_years_gives_a_clear_error(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people["editor"])
    url = reverse("assessments:crosswalk_apply", args=[world.crosswalk.slug])
    response = client.post(url, {"organisation": world.acme.pk, "cycle": 1999, "fingerprint": "x"})
    assert response.status_code == 400 and "Reporting cycle" in response.content.decode()
    assert not ImplementationRecord.objects.exists()


def test_a_chain_is_offered_and_applied_from_the_first_framework(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    """Through HTTP: a crosswalk from a third framework onto the Voluntary Principles is offered as
    a start on the seeded crosswalk's page, and the preview follows the path through both."""
    trust = Framework.objects.create(name="Trust framework", slug="trust")
    t1 = Principle.objects.create(framework=trust, code="T1", title="Detection", order=1)
    p1 = Principle.objects.get(framework__slug="voluntary-principles", code="P1")
    first = Crosswalk.objects.create(
        name="Trust to Voluntary Principles", slug="trust-to-vp", source=trust, target=p1.framework
    )
    CrosswalkLink.objects.create(crosswalk=first, source=t1, target=p1, relation="equal", rationale="Same.")
    record(world.acme, t1, "implemented")
    client = client_for(world.people["editor"])
    page = client.get(reverse("assessments:crosswalk", args=[world.crosswalk.slug])).content.decode()
    assert "Trust to Voluntary Principles" in page
    url = reverse("assessments:crosswalk_apply", args=[world.crosswalk.slug])
    query = {"organisation": world.acme.pk, "cycle": cycle(), "via": "trust-to-vp"}
    plan = client.get(url, query).context["plan"]
    sbd1 = next(p for p in plan.proposals if p.principle.code == "SbD1")
    assert sbd1.proposed == "partially" and sbd1.contributions[0].path == ("T1", "P1", "SbD1")
    client.post(url, {**query, "fingerprint": plan.fingerprint})
    inferred = ImplementationRecord.objects.get(organisation=world.acme, principle__code="SbD1")
    assert inferred.result == "partially"
    assert not ImplementationRecord.objects.filter(organisation=world.acme, principle=p1).exists()
