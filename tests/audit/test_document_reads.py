""" "Who read this": the owners who manage a document see who read it (people, organisations,
counts, last read, downloads and exports), nobody else; looking is itself recorded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.audit.models import AuditEvent
from coalition.drafting.services import publication
from coalition.library import services
from coalition.library.models import TLP, Audience

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(acme, globex, acme_editor):
    document = services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Escalation playbook",
        body="Secret body text",
        audience=Audience.NAMED,
        tlp=TLP.AMBER,
        audience_organisations=[globex],
    )
    return publication.publish(acting_user=acme_editor, document=document)


def _read(client_for, person, document, times=1, path=""):
    client = client_for(person)
    for _ in range(times):
        assert client.get(f"/library/{document.pk}/{path}").status_code == 200


def test_owners_see_people_organisations_counts_and_downloads(
    shared, client_for, acme_editor, acme_admin, acme_reader, globex_admin
):
    _read(client_for, acme_reader, shared, times=3)
    _read(client_for, globex_admin, shared, times=2)
    _read(client_for, globex_admin, shared, path="history/")
    page = client_for(acme_editor).get(f"/audit/documents/{shared.pk}/readers/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "6 recorded reads" in text and "2 people" in text
    assert "reader@acme.example" in text and "admin@globex.example" in text
    assert "Globex" in text and "Acme" in text
    assert "Secret body text" not in text
    assert AuditEvent.objects.filter(action="document.reads_viewed", actor_id=acme_editor.pk).count() == 1
    assert client_for(acme_admin).get(f"/audit/documents/{shared.pk}/readers/").status_code == 200


def test_readers_recipients_secretariat_and_outsiders_are_refused(
    shared, client_for, acme_reader, acme_contributor, globex_admin, secretariat_admin, outsider
):
    path = f"/audit/documents/{shared.pk}/readers/"
    for person in (acme_reader, acme_contributor, globex_admin, secretariat_admin, outsider):
        assert client_for(person).get(path).status_code == 404, person
    assert client_for(None).get(path).status_code == 302
    assert not AuditEvent.objects.filter(action="document.reads_viewed").exists()


def test_the_page_takes_a_constant_number_of_queries(shared, client_for, acme_editor, make_member, acme, globex):
    owner = client_for(acme_editor)
    owner.get(f"/audit/documents/{shared.pk}/readers/")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner.get(f"/audit/documents/{shared.pk}/readers/").status_code == 200
        return len(captured)

    _read(client_for, make_member(acme, "reader"), shared)
    few = count()
    for n in range(6):
        _read(client_for, make_member(globex if n % 2 else acme, "reader"), shared, times=2)
    assert count() == few
