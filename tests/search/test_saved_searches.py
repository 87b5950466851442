"""Saved searches: saving, listing and deleting them (audited), and the alert when a new or
changed document matches, in the inbox, once per text read, never about what the person may not
read."""

from __future__ import annotations

from typing import Any

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document
from coalition.notifications.models import Notification
from coalition.search.models import SavedSearch


def _alerts(user: User) -> list[str]:
    return [n.document.title for n in Notification.objects.filter(recipient=user, kind="saved_search")]


def test_save_list_and_delete_a_search(client_for: Any, acme_reader: User, acme_editor: User) -> None:
    client = client_for(acme_reader)
    response = client.post("/search/saved/", {"q": "  hotline   kind:policy "})
    assert response.status_code == 302 and response.url == "/search/saved/"
    saved = SavedSearch.objects.get(user=acme_reader)
    assert saved.text == "hotline kind:policy"
    assert AuditEvent.objects.filter(action="search.saved", target_id=str(saved.pk)).exists()
    page = client.get("/search/saved/").content.decode()
    assert "<code>hotline kind:policy</code>" in page
    again = client.post("/search/saved/", {"q": "hotline kind:policy"}, follow=True).content.decode()
    assert "already saved this search" in again and SavedSearch.objects.count() == 1
    bad = client.post("/search/saved/", {"q": "-only"}, follow=True).content.decode()
    assert "a minus sign only leaves words out" in bad and SavedSearch.objects.count() == 1
    # Someone else's saved search: the same 404 as a missing one, and nothing deleted.
    assert client_for(acme_editor).post(f"/search/saved/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/search/saved/{saved.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.exists()
    assert AuditEvent.objects.filter(action="search.deleted", target_id=str(saved.pk)).exists()
    assert "No saved searches yet" in client.get("/search/saved/").content.decode()


def test_visitors_cannot_save_searches(client: Any, db: Any) -> None:
    response = client.post("/search/saved/", {"q": "hotline"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not SavedSearch.objects.exists()


def test_the_results_page_offers_to_save_the_search(client_for: Any, acme_reader: User, client: Any) -> None:
    assert "Save this search" in client_for(acme_reader).get("/search/", {"q": "hotline"}).content.decode()
    assert "Save this search" not in client.get("/search/", {"q": "hotline"}).content.decode()


def test_a_matching_change_alerts_once_per_text_read_and_never_beyond_what_they_read(
    acme: Any,
    acme_editor: User,
    acme_reader: User,
    globex_admin: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    SavedSearch.objects.create(user=acme_reader, text="quokka")
    SavedSearch.objects.create(user=globex_admin, text="quokka")
    SavedSearch.objects.create(user=acme_editor, text="quokka")
    with django_capture_on_commit_callbacks(execute=True):
        document = services.create_document(
            acting_user=acme_editor,
            owner=acme,
            title="Escalation playbook",
            body="Call when a report mentions a quokka.",
            tlp=TLP.GREEN,
            audience=Audience.COALITION,
        )
    # The draft: Acme's reader works on it and is told; Globex (the audience) waits; the editor
    # made the change.
    assert _alerts(acme_reader) == ["Escalation playbook"]
    assert _alerts(globex_admin) == [] and _alerts(acme_editor) == []
    assert Notification.objects.get(recipient=acme_reader, kind="saved_search").about_draft  # the draft's words
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(acting_user=acme_editor, document=Document.objects.get(pk=document.pk))
    assert _alerts(globex_admin) == ["Escalation playbook"]  # published: now it is theirs to read
    assert not Notification.objects.get(recipient=globex_admin, kind="saved_search").about_draft
    assert len(_alerts(acme_reader)) == 1  # the same revision: no second alert
    # A new draft without the word: no alert; the word in a draft only Acme reads: Acme only.
    with django_capture_on_commit_callbacks(execute=True):
        services.save_revision(acting_user=acme_editor, document=document, body="A quokka again.", base_number=1)
    assert len(_alerts(acme_reader)) == 2 and len(_alerts(globex_admin)) == 1
    notification = Notification.objects.filter(recipient=acme_reader, kind="saved_search").first()
    assert notification is not None and notification.url == f"/library/{document.pk}/"
    assert notification.excerpt == ""  # the alert carries no document text
    assert AuditEvent.objects.filter(action="search.alerted").count() == 3


def test_an_alert_about_a_document_they_cannot_read_is_never_sent(
    acme: Any, acme_editor: User, globex_admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    SavedSearch.objects.create(user=globex_admin, text="quokka")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_document(
            acting_user=acme_editor, owner=acme, title="Internal", body="quokka", tlp=TLP.AMBER_STRICT
        )
    assert _alerts(globex_admin) == []
