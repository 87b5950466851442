"""An organisation's admins see what its members did, from the audit log: filtered, paged by
keyset, exported as labelled CSV; a document's title only where the admin may read it; nobody
else sees it, and every look is recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.audit.models import AuditEvent
from coalition.audit.services import record
from coalition.drafting.services import publication
from coalition.library import services
from coalition.library.models import TLP, Audience
from coalition.organisations.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(acme, globex, acme_editor, globex_admin, make_member):
    ours = services.create_document(acting_user=acme_editor, owner=acme, title="Acme playbook", tlp=TLP.AMBER)
    globex_editor = make_member(globex, "editor", email="editor@globex.example")
    theirs = services.create_document(
        acting_user=globex_editor, owner=globex, title="Globex secret plan", tlp=TLP.RED, audience=Audience.ORGANISATION
    )
    shared = services.create_document(
        acting_user=globex_editor,
        owner=globex,
        title="Globex shared note",
        tlp=TLP.GREEN,
        audience=Audience.NAMED,
        audience_organisations=[acme],
    )
    publication.publish(acting_user=globex_editor, document=shared)
    return ours, theirs, shared


def test_admins_see_their_members_events_with_titles_only_where_they_may_read(
    documents, client_for, acme_admin, acme_reader, globex_admin
):
    ours, theirs, shared = documents
    client_for(acme_reader).get(f"/library/{ours.pk}/")
    client_for(acme_reader).get(f"/library/{shared.pk}/")
    # A read of a document the admin cannot read (recorded as if the reader had a grant).
    record(action="document.viewed", actor=acme_reader, target=theirs, target_org_id=theirs.owner_id)
    record(action="document.viewed", actor=globex_admin, target=shared, target_org_id=shared.owner_id)  # not ours
    page = client_for(acme_admin).get("/audit/organisations/acme/activity/?kind=reads")
    assert page.status_code == 200
    text = page.content.decode()
    assert "“Acme playbook”" in text and "“Globex shared note”" in text
    assert "Globex secret plan" not in text and f"a TLP:RED document of Globex (#{theirs.pk}, TLP:RED" in text
    assert "admin@globex.example" not in text
    assert AuditEvent.objects.filter(action="audit.activity_viewed", actor_id=acme_admin.pk).count() == 1


def test_filters_and_keyset_pages(documents, client_for, acme_admin, acme_reader, acme_editor):
    ours = documents[0]
    for _ in range(60):
        record(action="document.viewed", actor=acme_reader, target=ours, target_org_id=ours.owner_id)
    client = client_for(acme_admin)
    first = client.get(f"/audit/organisations/acme/activity/?kind=reads&person={acme_reader.pk}").content.decode()
    assert first.count("document.viewed") == 50 and "before_event=" in first
    older = first.split("before_event=")[1].split('"')[0]
    second = client.get(f"/audit/organisations/acme/activity/?kind=reads&person={acme_reader.pk}&before_event={older}")
    assert second.content.decode().count("document.viewed") == 10
    only_editor = client.get(f"/audit/organisations/acme/activity/?person={acme_editor.pk}&kind=reads").content.decode()
    assert "reader@acme.example" not in only_editor
    assert (
        client.get("/audit/organisations/acme/activity/?after=not-a-date&before=2026-99-99&person=x").status_code == 200
    )


def test_the_csv_export_is_labelled_audited_and_safe_in_spreadsheets(documents, client_for, acme_admin, acme_reader):
    ours = documents[0]
    record(action="document.viewed", actor=acme_reader, target=ours, target_org_id=ours.owner_id, data={})
    ours.title = "=HYPERLINK(evil)"
    ours.save(update_fields=["title"])
    response = client_for(acme_admin).get("/audit/organisations/acme/activity/?kind=reads&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # The label, the recipient's watermark and the export id, as every file taken out; then the audience.
    assert rows[0] == ["TLP:AMBER+STRICT"] and "admin@acme.example" in rows[1][0]
    assert "do not share outside" in rows[2][0]
    assert rows[-3:] == rows[2::-1]  # labelled at both ends
    assert any(cell.startswith("'“=HYPERLINK") or cell.startswith("“=HYPERLINK") for row in rows for cell in row)
    assert not any(cell.startswith("=") for row in rows for cell in row)
    event = AuditEvent.objects.get(action="audit.activity_exported")
    assert event.actor_id == acme_admin.pk and event.data["rows"] >= 1
    assert event.data["export"] in rows[1][0]  # a copy found elsewhere names its export


def test_nobody_but_the_admins_sees_it(
    documents, client_for, acme_editor, acme_reader, globex_admin, secretariat_admin, outsider
):
    for person in (acme_editor, acme_reader, globex_admin, secretariat_admin, outsider):
        assert client_for(person).get("/audit/organisations/acme/activity/").status_code == 404, person
        assert client_for(person).get("/audit/organisations/acme/activity/?format=csv").status_code == 404
    assert client_for(None).get("/audit/organisations/acme/activity/").status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="audit.activity").exists()


def test_the_page_takes_a_constant_number_of_queries(documents, client_for, acme_admin, acme_reader):
    client = client_for(acme_admin)
    client.get("/audit/organisations/acme/activity/")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/audit/organisations/acme/activity/").status_code == 200
        return len(captured)

    few = count()
    for document in documents:
        for _ in range(5):
            record(action="document.viewed", actor=acme_reader, target=document, target_org_id=document.owner_id)
    assert count() == few


def test_what_a_member_did_before_joining_is_not_shown_to_the_new_organisations_admins(
    documents, client_for, acme_admin, globex_admin, make_member, globex
):
    """Someone moves from Globex to Acme: Acme's admins see what they do at Acme, not what they
    did at Globex before (that is Globex's business)."""
    ours, theirs, _shared = documents
    mover = make_member(globex, "editor", email="mover@globex.example")
    record(action="document.viewed", actor=mover, target=theirs, target_org_id=theirs.owner_id)
    membership = Membership.objects.create(user=mover, organisation=ours.owner, role="reader")
    Membership.objects.filter(pk=membership.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    before = client_for(acme_admin).get("/audit/organisations/acme/activity/").content.decode()
    assert "mover@globex.example" not in before
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=5)):
        record(action="document.viewed", actor=mover, target=ours, target_org_id=ours.owner_id)
    after = client_for(acme_admin).get("/audit/organisations/acme/activity/").content.decode()
    assert after.count("mover@globex.example") == 1 and "“Acme playbook”" in after
    assert f"document of Globex (#{theirs.pk}" not in after
