"""What events hold: one per protected read, never content, titles or secrets; and what people
typed or sent (a title, a browser string) stored as it was and shown inert on every log page."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test import Client

from coalition.audit import tree
from coalition.audit.models import AuditEvent
from coalition.library import services
from coalition.library.models import TLP, Audience
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

INJECTION = "<script>alert(1)</script>\r\nFAKE,row\x1b[31mRED\x1b[0m=cmd()"


def _every_event_as_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        return " ".join(str(row) for row in cursor.fetchall())


def test_n_protected_reads_give_exactly_n_events_and_public_reads_none(acme, acme_editor, acme_reader, client_for):
    protected = services.create_document(acting_user=acme_editor, owner=acme, title="Playbook", body="Steps.")
    public = services.create_document(
        acting_user=acme_editor, owner=acme, title="Open note", audience=Audience.PUBLIC, tlp=TLP.CLEAR
    )
    from coalition.drafting.services import publication

    publication.publish(acting_user=acme_editor, document=public)
    client = client_for(acme_reader)
    for _ in range(7):
        assert client.get(f"/library/{protected.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(actor_id=acme_reader.pk, action="document.viewed", target_id=str(protected.pk))
    assert reads.count() == 7
    for _ in range(3):
        assert client.get(f"/library/{public.pk}/").status_code == 200
    assert not AuditEvent.objects.filter(action="document.viewed", target_id=str(public.pk)).exists()


def test_events_never_hold_document_text_titles_or_secrets(acme, acme_editor, acme_reader, client_for):
    document = services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Zebratitle quartz",
        summary="Summaryword vortex",
        body="Bodyword obsidian in a sentence.",
        tlp=TLP.RED,
    )
    services.save_revision(
        acting_user=acme_editor, document=document, body="Bodyword2 basalt.", message="Msgword", base_number=1
    )
    services.update_details(acting_user=acme_editor, document=document, title="Zebratitle2 garnet")
    client_for(acme_editor).get(f"/library/{document.pk}/")
    client = Client()
    response = client.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/login/", {"login": acme_reader.email, "password": "wrong-" + PASSWORD})
    tree.integrate_all()
    text = _every_event_as_text()
    assert AuditEvent.objects.filter(action="auth.login", actor_id=acme_reader.pk).exists()
    for secret in ("Zebratitle", "Summaryword", "Bodyword", "obsidian", "basalt", "Msgword", PASSWORD):
        assert secret not in text, secret
    session_key = client.session.session_key
    assert session_key and session_key not in text


def test_what_people_typed_or_sent_is_stored_as_it_was_and_shown_inert(
    acme, acme_admin, acme_editor, acme_reader, client_for, overseer
):
    document = services.create_document(acting_user=acme_editor, owner=acme, title=INJECTION[:200], tlp=TLP.AMBER)
    client_for(acme_reader).get(f"/library/{document.pk}/", HTTP_USER_AGENT=INJECTION)
    event = AuditEvent.objects.filter(action="document.viewed", actor_id=acme_reader.pk).latest("id")
    assert event.user_agent == INJECTION  # stored verbatim
    tree.integrate_all()
    for client, path in (
        (client_for(acme_admin), "/audit/organisations/acme/activity/"),
        (client_for(overseer), "/audit/oversight/"),
        (client_for(acme_admin), f"/audit/events/{event.pk}/proof/"),
        (client_for(acme_editor), f"/audit/documents/{document.pk}/readers/"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert "<script>alert(1)</script>" not in page, path
        if "activity" in path:  # the admin may read the document: the row names it by its title
            assert "\x1b" not in page and "\\x1b[31mRED" in page, path
        if "oversight" in path:  # the overseer may not: never its title
            assert "FAKE,row" not in page and "a TLP:AMBER document of Acme" in page

    exported = client_for(acme_admin).get("/audit/organisations/acme/activity/?format=csv").content.decode()
    assert "\x1b" not in exported and "\r\nFAKE" not in exported
    rows = list(csv.reader(io.StringIO(exported)))
    at = next(i for i, row in enumerate(rows) if row[:1] == ["event"])
    header = rows[at]
    read = next(r for r in rows[at:] if len(r) == len(header) and r[header.index("action")] == "document.viewed")
    browser = read[header.index("browser")]
    assert browser.startswith("<script>") and "\\x1b[31mRED" in browser and "\\x0d\\x0aFAKE" in browser
    assert all(len(r) == len(header) for r in rows[at:] if len(r) > 1)  # no row was forged by a newline
