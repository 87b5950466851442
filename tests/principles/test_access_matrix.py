"""Implementation records' access matrix through HTTP: every person (a role at the reporting
organisation, a named organisation, one in a named community, another member, the secretariat,
an outsider, an anonymous visitor) x every record (audience x TLP label) x action (view, edit,
share), allowed AND refused. Refused is a 404 for the signed-in (a sign-in redirect for visitors
on pages that need an account), and a refused write changes nothing and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition import access
from coalition.access import Action
from coalition.audit.models import AuditEvent
from coalition.principles.models import ImplementationRecord
from tests.principles.conftest import CASES, World, may_read, may_write

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


def _refused(response: Any, viewer: str) -> bool:
    if viewer == "anonymous" and response.status_code == 302:
        return "/accounts/login/" in response["Location"]
    return response.status_code == 404


@pytest.mark.parametrize("viewer", VIEWERS)
def test_view_edit_and_share_follow_the_rules_for_every_record(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    user = world.people[viewer]
    for (audience, tlp), record in world.records.items():
        case = f"{viewer} on {audience}/{tlp}"
        readable = may_read(viewer, audience, tlp)
        # The access module and the pages agree with the table.
        assert access.can(user, Action.VIEW_IMPLEMENTATION, record) is readable, case
        listed = access.visible(user, ImplementationRecord.objects.filter(pk=record.pk), Action.VIEW_IMPLEMENTATION)
        assert listed.exists() is readable, case
        page = client.get(reverse("principles:record", args=[record.pk]))
        assert page.status_code == (200 if readable else 404), case

        framework = record.principle.framework
        edit_url = reverse(
            "principles:edit", args=[framework.slug, record.organisation.slug, record.principle.code, record.cycle]
        )
        edit = client.get(edit_url)
        share_url = reverse("principles:share", args=[record.pk])
        events = AuditEvent.objects.count()
        target = "green" if tlp != "green" else "amber"
        shared = client.post(share_url, {"audience": "organisation", "tlp": target})
        record.refresh_from_db()
        if may_write(viewer):
            assert edit.status_code == 200, case
            assert shared.status_code == 302, case
            assert (record.audience, record.tlp) == ("organisation", target), case
            assert AuditEvent.objects.filter(action="implementation.shared", target_id=str(record.pk)).exists()
        else:
            assert _refused(edit, viewer), case
            assert _refused(shared, viewer), case
            assert (record.audience, record.tlp) == (audience, tlp), case
            assert AuditEvent.objects.count() == events, case


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_matrix_links_exactly_the_records_each_person_may_read(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    pages = "".join(
        client.get(reverse("principles:matrix", args=[slug])).content.decode()
        for slug in ("voluntary-principles", "safety-by-design")
    )
    for (audience, tlp), record in world.records.items():
        link = f'href="{reverse("principles:record", args=[record.pk])}"'
        assert (link in pages) is may_read(viewer, audience, tlp), f"{viewer} on {audience}/{tlp}"


def test_every_case_is_covered(world: World) -> None:
    assert len(world.records) == len(CASES) == 13


@pytest.mark.parametrize("viewer", ["contributor", "reader", "named_org", "other_org", "secretariat", "outsider"])
def test_only_the_organisations_editors_may_report_or_share_a_cycle(
    viewer: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    client = client_for(world.people[viewer])
    url = reverse("principles:share_cycle", args=["voluntary-principles", "acme", world.records[CASES[0]].cycle])
    response = client.post(url, {"audience": "coalition", "tlp": "green"})
    assert response.status_code == 404
    assert (
        not ImplementationRecord.objects.filter(audience="coalition", tlp="green")
        .exclude(pk=world.records[("coalition", "green")].pk)
        .exists()
    )


def test_the_history_is_for_the_organisations_members_only(world: World, client_for: Callable[[Any], Any]) -> None:
    record = world.records[("coalition", "green")]
    own = client_for(world.people["reader"]).get(reverse("principles:record", args=[record.pk]))
    other = client_for(world.people["other_org"]).get(reverse("principles:record", args=[record.pk]))
    assert own.context["history"] is not None
    assert other.status_code == 200 and other.context["history"] is None


def test_a_suspended_members_access_ends(world: World, client_for: Callable[[Any], Any]) -> None:
    world.initech.status = "suspended"
    world.initech.save(update_fields=["status"])
    record = world.records[("coalition", "green")]
    response = client_for(world.people["other_org"]).get(reverse("principles:record", args=[record.pk]))
    assert response.status_code == 404
