"""Who sees and does what with appeals, tips and the helpline directory. Outsiders get 404, never
a hint that the thing exists; tip handlers alone read tips, not their colleagues, not the
secretariat, not a superuser."""

from __future__ import annotations

from typing import Any

import pytest

from coalition import access
from coalition.access import Action
from coalition.appeals.models import Appeal, Helpline, Tip
from coalition.organisations.models import Membership
from tests.appeals.conftest import make_appeal, send_tip
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db

PEOPLE = [
    "anonymous",
    "handler",
    "police_admin",
    "police_editor",
    "police_reader",
    "acme_admin",
    "acme_editor",
    "secretariat_admin",
    "secretariat_staff",
    "outsider",
    "superuser",
]


@pytest.fixture
def people(request: pytest.FixtureRequest, make_user: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"anonymous": None}
    for name in PEOPLE[1:-1]:
        found[name] = request.getfixturevalue(name)
    superuser = make_user("root@example.org", name="Root")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    enrol_totp(superuser)  # not held at enrolment: sees what a superuser sees
    found["superuser"] = superuser
    return found


def _status(client_for: Any, person: Any, path: str) -> int:
    return client_for(person).get(path).status_code


@pytest.fixture
def appeals(police_editor: Any, police: Any) -> dict[str, Appeal]:
    return {
        status: make_appeal(police_editor, police, status=status, title=f"{status} towel")
        for status in Appeal.Status.values
    }


# Who may open each appeal's public page (a draft: its organisation's members only).
VIEW = {
    "draft": {"handler", "police_admin", "police_editor", "police_reader"},
    "open": set(PEOPLE),
    "solved": set(PEOPLE),
    "closed": set(PEOPLE),
}
EDITORS = {"police_admin", "police_editor"}
HANDLERS = {"handler"}


@pytest.mark.parametrize("status", Appeal.Status.values)
def test_appeal_pages(status, appeals, people, client_for, settings):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    appeal = appeals[status]
    for name, person in people.items():
        expected_view = 200 if name in VIEW[status] else 404
        # MFA holds send people without a second factor to enrolment; the fixtures with MFA have one.
        assert _status(client_for, person, f"/appeals/{appeal.pk}/") == expected_view, name
        assert access.can(person, Action.VIEW_APPEAL, appeal) == (name in VIEW[status]), name
        refused = 302 if person is None else 404  # a member page: anonymous visitors are asked to sign in
        assert _status(client_for, person, f"/appeals/manage/{appeal.pk}/") == (200 if name in EDITORS else refused), (
            name
        )
        assert access.can(person, Action.EDIT_APPEAL, appeal) == (name in EDITORS), name
        image = appeal.images.first()
        if image is not None:
            assert _status(client_for, person, f"/appeals/{appeal.pk}/images/{image.pk}/thumb.jpg") == expected_view


def test_the_gallery_lists_published_appeals_only(appeals, people, client_for):
    for name, person in people.items():
        page = client_for(person).get("/appeals/").content.decode()
        assert "draft towel" not in page, name
        for status in ("open", "solved", "closed"):
            assert f"{status} towel" in page, name


def test_only_editors_of_a_publishing_organisation_create_appeals(people, client_for, police, acme):
    for name, person in people.items():
        expected = 200 if name in EDITORS else (302 if person is None else 404)
        assert _status(client_for, person, "/appeals/manage/new/") == expected, name
    # Acme may not publish: its editor is refused in the service too.
    assert not access.can(people["acme_editor"], Action.CREATE_APPEAL, acme)
    police.may_publish_appeals = False
    police.save()
    assert _status(client_for, people["police_editor"], "/appeals/manage/new/") == 404


def test_a_suspended_organisations_appeals_disappear(appeals, police, client_for):
    police.status = "suspended"
    police.save()
    assert client_for(None).get(f"/appeals/{appeals['open'].pk}/").status_code == 404
    assert "open towel" not in client_for(None).get("/appeals/").content.decode()


@pytest.fixture
def tip(open_appeal: Appeal, client: Any) -> Tip:
    send_tip(client, open_appeal)
    return Tip.objects.get()


TIP_ACTIONS = [
    ("get", "/appeals/tips/{pk}/", {}),
    ("post", "/appeals/tips/{pk}/triage/", {"status": "useful"}),
    ("post", "/appeals/tips/{pk}/assign/", {"assignee": ""}),
    ("post", "/appeals/tips/{pk}/notes/", {"text": "A note"}),
    ("post", "/appeals/tips/{pk}/ask/", {"text": "A question"}),
]


@pytest.mark.parametrize(
    ("method", "path", "data"), TIP_ACTIONS, ids=[a[1].split("/")[-2] or "view" for a in TIP_ACTIONS]
)
def test_tips_are_for_the_organisations_tip_handlers_only(method, path, data, tip, people, client_for):
    for name, person in people.items():
        client = client_for(person)
        response = getattr(client, method)(path.format(pk=tip.pk), data)
        if name in HANDLERS:
            assert response.status_code in (200, 302), name
        elif person is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
        else:
            assert response.status_code == 404, name
        assert access.can(person, Action.HANDLE_TIP, tip) == (name in HANDLERS), name


def test_the_tip_inbox_is_for_handlers_only(tip, people, client_for):
    for name, person in people.items():
        response = client_for(person).get("/appeals/tips/")
        if name in HANDLERS:
            assert response.status_code == 200 and f"#{tip.pk}" in response.content.decode()
        elif person is None:
            assert response.status_code == 302
        else:
            assert response.status_code == 404, name
        assert list(access.visible(person, Tip.objects.all(), Action.HANDLE_TIP)) == ([tip] if name in HANDLERS else [])


def test_a_handler_of_another_organisation_sees_none_of_these_tips(tip, make_member, globex, client_for):
    other = make_member(globex, "reader", email="handler@globex.example")
    Membership.objects.filter(user=other).update(tip_handler=True)
    enrol_totp(other)
    assert client_for(other).get(f"/appeals/tips/{tip.pk}/").status_code == 404
    assert f"#{tip.pk}" not in client_for(other).get("/appeals/tips/").content.decode()


def test_losing_the_flag_loses_the_tips_on_the_next_request(tip, handler, police_admin, client_for):
    from coalition.organisations import services

    client = client_for(handler)
    assert client.get(f"/appeals/tips/{tip.pk}/").status_code == 200
    services.set_tip_handler(
        acting_user=police_admin, membership=Membership.objects.get(user=handler), tip_handler=False
    )
    assert client.get(f"/appeals/tips/{tip.pk}/").status_code == 404


def test_only_admins_set_the_tip_handler_flag_and_it_needs_mfa(
    police_reader, police_admin, police_editor, client_for, police
):
    membership = Membership.objects.get(user=police_reader)
    path = f"/orgs/police/members/{membership.pk}/tip-handler/"
    assert client_for(police_editor).post(path, {"tip_handler": "on", "confirm": "yes"}).status_code == 404
    membership.refresh_from_db()
    assert not membership.tip_handler
    asked = client_for(police_admin).post(path, {"tip_handler": "on"})
    assert asked.status_code == 200 and "Make Rita Reader a tip handler of Police?" in asked.content.decode()
    assert client_for(police_admin).post(path, {"tip_handler": "on", "confirm": "yes"}).status_code == 302
    membership.refresh_from_db()
    assert membership.tip_handler
    # A tip handler must use a second factor: without one, the portal holds them at enrolment.
    assert access.requires_mfa(police_reader)
    response = client_for(police_reader).get("/appeals/tips/")
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa-required/"


HELPLINE_EDITORS = {"secretariat_admin", "secretariat_staff"}


def test_only_the_secretariat_edits_the_helpline_directory(people, client_for):
    entry = Helpline.objects.first()
    assert entry is not None  # seeded by the migration
    for name, person in people.items():
        client = client_for(person)
        for path in ("/appeals/helplines/", "/appeals/helplines/new/", f"/appeals/helplines/{entry.pk}/"):
            response = client.get(path)
            expected = 200 if name in HELPLINE_EDITORS else (302 if person is None else 404)
            assert response.status_code == expected, (name, path)
        if name in HELPLINE_EDITORS:
            assert client.post(f"/appeals/helplines/{entry.pk}/delete/").status_code == 200  # asks first
        else:
            client.post(f"/appeals/helplines/{entry.pk}/delete/", {"confirm": "yes"})
        assert Helpline.objects.filter(pk=entry.pk).exists(), name
    assert client_for(people["secretariat_staff"]).get("/report/").status_code == 200


def test_the_secretariat_edits_and_removes_entries_with_an_audit_trail(secretariat_staff, client_for):
    from coalition.audit.models import AuditEvent

    client = client_for(secretariat_staff)
    data = {
        "country": "lu",
        "kind": "hotline",
        "name": "BEE SECURE Stopline",
        "url": "https://stopline.bee-secure.lu/",
        "phone": "",
        "languages": "fr, de",
        "accepts": "Illegal content",
        "order": "0",
    }
    assert client.post("/appeals/helplines/new/", data).status_code == 302
    entry = Helpline.objects.get(name="BEE SECURE Stopline")
    assert entry.country == "LU" and entry.languages == ["fr", "de"]
    assert "BEE SECURE Stopline" in client_for(None).get("/report/?country=LU").content.decode()
    asked = client.get(f"/appeals/helplines/{entry.pk}/delete/")
    assert "Remove “BEE SECURE Stopline” from the directory?" in asked.content.decode()
    assert client.post(f"/appeals/helplines/{entry.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not Helpline.objects.filter(pk=entry.pk).exists()
    actions = list(AuditEvent.objects.filter(target_type="appeals.helpline").values_list("action", flat=True))
    assert actions == ["helpline.created", "helpline.deleted"]
    refused = client.post("/appeals/helplines/new/", {**data, "url": "http://insecure.example/"})
    assert refused.status_code == 200 and "https://" in refused.content.decode()
