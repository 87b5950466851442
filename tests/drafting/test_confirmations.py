"""Consequential actions ask first, through one confirmation pattern, and change nothing until
confirmed; the share page has no second Publish control (issue 9, defect 7)."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Ratification
from coalition.library import services as library
from coalition.library.models import Audience, Document
from coalition.organisations.models import Membership, Role

pytestmark = pytest.mark.django_db


def _confirm_page(response: Any) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="confirm" value="yes"' in page and "Cancel" in page
    return page


def test_publishing_asks_first_and_publishes_once_confirmed(client_for: Any, acme: Any, acme_editor: Any) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Policy", body="Text")
    client = client_for(acme_editor)
    page = _confirm_page(client.post(f"/library/{document.pk}/publish/"))
    assert "Publish revision 1 of “Policy”?" in page
    document.refresh_from_db()
    assert document.status == Document.Status.DRAFT
    assert not AuditEvent.objects.filter(action="document.published").exists()
    response = client.post(f"/library/{document.pk}/publish/", {"confirm": "yes"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.PUBLISHED


def test_opening_a_ratification_asks_first(client_for: Any, acme: Any, globex: Any, acme_editor: Any) -> None:
    document = library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Principles",
        kind=Document.Kind.PRINCIPLES,
        body="Text",
        audience=Audience.COALITION,
        tlp="green",
    )
    drafting.publish(acting_user=acme_editor, document=document)
    client = client_for(acme_editor)
    url = f"/library/{document.pk}/ratification/open/"
    page = _confirm_page(client.post(url, {"quorum": "1", "deadline": ""}))
    assert "Open ratification of revision 1" in page and 'name="quorum" value="1"' in page
    assert not Ratification.objects.exists()
    assert client.post(url, {"quorum": "1", "deadline": "", "confirm": "yes"}).status_code == 302
    assert Ratification.objects.get().quorum == 1


def test_changing_a_role_asks_first(client_for: Any, acme: Any, acme_admin: Any, acme_reader: Any) -> None:
    membership = Membership.objects.get(user=acme_reader)
    client = client_for(acme_admin)
    url = f"/orgs/{acme.slug}/members/{membership.pk}/role/"
    page = _confirm_page(client.post(url, {"role": Role.ADMIN}))
    assert "two-factor authentication" in page
    membership.refresh_from_db()
    assert membership.role == Role.READER
    assert client.post(url, {"role": Role.ADMIN, "confirm": "yes"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_archiving_asks_first(client_for: Any, acme: Any, acme_editor: Any) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Policy", body="Text")
    client = client_for(acme_editor)
    _confirm_page(client.post(f"/library/{document.pk}/share/status/", {"status": "archived"}))
    document.refresh_from_db()
    assert document.status == Document.Status.DRAFT
    client.post(f"/library/{document.pk}/share/status/", {"status": "archived", "confirm": "yes"})
    document.refresh_from_db()
    assert document.status == Document.Status.ARCHIVED


def test_the_share_page_has_no_publish_control(client_for: Any, acme: Any, acme_editor: Any) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Policy", body="Text")
    page = client_for(acme_editor).get(f"/library/{document.pk}/share/").content.decode()
    assert 'value="published"' not in page
    assert f'href="/library/{document.pk}/review/"' in page


def test_a_forged_publish_through_the_status_form_is_refused(client_for: Any, acme: Any, acme_editor: Any) -> None:
    """The status route does not publish around the review page's confirmation (nor its review rules)."""
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Policy", body="Text")
    response = client_for(acme_editor).post(
        f"/library/{document.pk}/share/status/", {"status": "published", "confirm": "yes"}
    )
    assert response.status_code == 302 and response["Location"] == f"/library/{document.pk}/review/"
    document.refresh_from_db()
    assert document.status == Document.Status.DRAFT
