"""The oversight role: named members of the organisation the secretariat made the oversight body
see every event of the coalition (who, when, what kind, whose material, its label and audience),
never content, a title only where they may read the document; nobody else does, whatever their
role; every look and export is recorded."""

from __future__ import annotations

import csv
import io

import pytest

from coalition import access
from coalition.access import Action
from coalition.audit.models import AuditEvent
from coalition.audit.services import record
from coalition.core.errors import ServiceError
from coalition.library import services
from coalition.library.models import TLP, Audience
from coalition.organisations import services as organisation_services
from coalition.organisations.models import Membership, Role
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def red(globex, make_member):
    editor = make_member(globex, Role.EDITOR, email="editor@globex.example")
    return services.create_document(
        acting_user=editor, owner=globex, title="Globex red case file", body="Body never shown", tlp=TLP.RED,
        audience=Audience.ORGANISATION,
    )  # fmt: skip


def test_the_overseer_sees_every_organisations_events_but_no_content(overseer, red, acme_reader, client_for, acme):
    record(action="document.viewed", actor=acme_reader, target=red, target_org_id=red.owner_id)
    page = client_for(overseer).get("/audit/oversight/?kind=reads")
    assert page.status_code == 200
    text = page.content.decode()
    assert "reader@acme.example" in text and "document.viewed" in text
    assert f"a TLP:RED document of Globex (#{red.pk}, TLP:RED, owner organisation only)" in text
    assert "Globex red case file" not in text and "Body never shown" not in text
    assert AuditEvent.objects.filter(action="audit.oversight_viewed", actor_id=overseer.pk).count() == 1


def test_filters_by_organisation_document_and_person(overseer, red, acme_reader, globex_admin, client_for, globex):
    record(action="document.viewed", actor=acme_reader, target=red, target_org_id=red.owner_id)
    record(action="auth.login", actor=globex_admin, target=globex_admin)
    client = client_for(overseer)
    by_document = client.get(f"/audit/oversight/?document={red.pk}").content.decode()
    assert "reader@acme.example" in by_document and "auth.login" not in by_document
    by_person = client.get("/audit/oversight/?person=ADMIN@globex.example").content.decode()
    assert "auth.login" in by_person and "reader@acme.example" not in by_person
    by_org = client.get(f"/audit/oversight/?organisation={globex.pk}&kind=reads").content.decode()
    assert "document.viewed" in by_org
    assert client.get("/audit/oversight/?document=x&organisation=99999999999999999999&after=no").status_code == 200


def test_the_export_is_labelled_and_recorded(overseer, red, acme_reader, client_for):
    record(action="document.viewed", actor=acme_reader, target=red, target_org_id=red.owner_id)
    response = client_for(overseer).get("/audit/oversight/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["TLP:AMBER+STRICT"] and "overseer@watchdog.example" in rows[1][0]
    assert rows[2] == ["The coalition's audit log: do not share outside the oversight body"]
    assert rows[-3:] == rows[2::-1]
    assert any("Globex" in cell for row in rows for cell in row)
    event = AuditEvent.objects.get(action="audit.oversight_exported", actor_id=overseer.pk)
    assert event.data["export"] in rows[1][0]


def test_nobody_else_sees_the_log_whatever_their_role(
    overseer, watchdog_admin, acme_admin, secretariat_admin, secretariat_staff, outsider, make_user, client_for
):
    superuser = make_user("root@example.org")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    enrol_totp(superuser)
    for person in (watchdog_admin, acme_admin, secretariat_admin, secretariat_staff, outsider, superuser):
        assert client_for(person).get("/audit/oversight/").status_code == 404, person
        assert not access.can(person, Action.VIEW_OVERSIGHT_LOG)
    assert client_for(None).get("/audit/oversight/").status_code == 302
    assert access.can(overseer, Action.VIEW_OVERSIGHT_LOG)


def test_the_role_exists_only_in_the_oversight_body_and_needs_mfa(
    acme_admin, acme_reader, watchdog, watchdog_admin, make_member, client_for
):
    with pytest.raises(ServiceError, match="not the coalition's oversight body"):
        organisation_services.set_oversight(
            acting_user=acme_admin, membership=Membership.objects.get(user=acme_reader), oversight=True
        )
    # A flag set behind the portal's back in another organisation gives nothing.
    Membership.objects.filter(user=acme_reader).update(oversight=True)
    assert not access.can(acme_reader, Action.VIEW_OVERSIGHT_LOG)
    newcomer = make_member(watchdog, Role.READER, email="new@watchdog.example")
    membership = Membership.objects.get(user=newcomer)
    asked = client_for(watchdog_admin).post(f"/orgs/watchdog/members/{membership.pk}/oversight/", {"oversight": "on"})
    assert asked.status_code == 200 and "Give New the oversight role?" in asked.content.decode()
    client_for(watchdog_admin).post(
        f"/orgs/watchdog/members/{membership.pk}/oversight/", {"oversight": "on", "confirm": "yes"}
    )
    membership.refresh_from_db()
    assert membership.oversight
    assert access.requires_mfa(newcomer)
    held = client_for(newcomer).get("/audit/oversight/")
    assert held.status_code == 302 and held["Location"] == "/accounts/mfa-required/"
    assert AuditEvent.objects.filter(action="membership.oversight_changed").count() == 1
