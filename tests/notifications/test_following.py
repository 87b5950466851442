"""Following documents: stars and watching, the new kinds of notification (a proposal submitted, a
comment on a document one works on, a change to a watched document, the review-by reminder), and
the inbox forgetting items about a draft once the person no longer works on it.

Each event reaches exactly its watchers who may read what it is about: never the actor, never
anyone who cannot read the document, and for a draft never anyone who reads only what is published.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.notifications import reminders, selectors, services
from coalition.notifications.models import Kind, Notification
from coalition.organisations.models import Organisation, Role

pytestmark = pytest.mark.django_db

BODY = "# Principles\n\n## Scope\n\nEvery service.\n\n## Reporting\n\nWithin 24 hours.\n"


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def globex_people(make_member: Any, globex: Organisation) -> dict[str, User]:
    return {
        "editor": make_member(globex, Role.EDITOR, email="editor@globex.example"),
        "reader": make_member(globex, Role.READER, email="reader@globex.example"),
        "contributor": make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example"),
    }


@pytest.fixture
def published(
    acme: Organisation, acme_editor: User, acme_admin: User, acme_signatory: User, acme_reader: User
) -> Document:
    document = library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Principles",
        kind="principles",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=acme_editor, document=document)
    document.refresh_from_db()
    Notification.objects.all().delete()
    return document


OWNER_EDITORS = {"admin@acme.example", "editor@acme.example", "signatory@acme.example"}


def test_a_proposal_tells_the_owners_editors_who_watch_by_default(
    published: Document, globex_people: dict[str, User], outsider: User, acme_contributor: User
) -> None:
    proposal = drafting.propose(
        acting_user=globex_people["contributor"],
        document=published,
        anchor="section",
        section="doc-reporting",
        replacement="Within 12 hours.\n",
        rationale="Faster.",
    )
    assert told(Kind.PROPOSAL_SUBMITTED) == OWNER_EDITORS
    item = Notification.objects.filter(kind=Kind.PROPOSAL_SUBMITTED).first()
    assert item is not None and item.url == f"/library/{published.pk}/proposals/{proposal.pk}/"
    assert item.task == f"proposal:{proposal.pk}" and not item.about_draft


def test_a_comment_tells_watchers_and_whoever_chose_to_watch_but_not_who_chose_not_to(
    published: Document, globex_people: dict[str, User], acme_admin: User, acme_reader: User, client_for: Any
) -> None:
    assert (
        client_for(acme_reader).post(f"/notifications/documents/{published.pk}/watch/", {"watching": "1"}).status_code
        == 302
    )
    assert (
        client_for(acme_admin).post(f"/notifications/documents/{published.pk}/watch/", {"watching": "0"}).status_code
        == 302
    )

    drafting.add_comment(acting_user=globex_people["contributor"], document=published, body="What of livestreams?")

    assert told(Kind.DOCUMENT_COMMENT) == (OWNER_EDITORS - {"admin@acme.example"}) | {"reader@acme.example"}
    watched = AuditEvent.objects.filter(action__in=["document.watched", "document.unwatched"])
    assert sorted(watched.values_list("action", flat=True)) == ["document.unwatched", "document.watched"]


def test_a_watcher_who_cannot_read_the_document_hears_nothing(
    published: Document, globex_people: dict[str, User], acme_editor: User, client_for: Any
) -> None:
    client_for(globex_people["reader"]).post(f"/notifications/documents/{published.pk}/watch/", {"watching": "1"})
    library.share(acting_user=acme_editor, document=published, audience="organisation")

    drafting.add_comment(acting_user=acme_editor, document=published, body="Narrowed it.")
    drafting.set_status(acting_user=acme_editor, document=published, status="archived")

    assert "reader@globex.example" not in told(Kind.DOCUMENT_COMMENT) | told(Kind.WATCHED)


def test_an_outsider_cannot_watch_or_star_and_is_told_nothing_exists(
    published: Document, outsider: User, client_for: Any
) -> None:
    acme_only = library.create_document(
        acting_user=published.created_by, owner=published.owner, title="Internal", body="x"
    )
    client = client_for(outsider)
    assert client.post(f"/notifications/documents/{acme_only.pk}/watch/", {"watching": "1"}).status_code == 404
    assert client.post(f"/notifications/documents/{acme_only.pk}/star/", {"starred": "1"}).status_code == 404
    assert client.post("/notifications/documents/999999/star/", {"starred": "1"}).status_code == 404


def test_a_comment_on_a_draft_revision_reaches_only_those_who_work_on_the_draft(
    published: Document, globex_people: dict[str, User], acme_editor: User, acme_contributor: User, client_for: Any
) -> None:
    # A Globex reader watches the published text; Acme then drafts a new revision and comments on it.
    client_for(globex_people["reader"]).post(f"/notifications/documents/{published.pk}/watch/", {"watching": "1"})
    library.save_revision(acting_user=acme_editor, document=published, body=BODY + "\nNew.\n", base_number=1)

    drafting.add_comment(acting_user=acme_contributor, document=published, body="On the new draft.")

    assert told(Kind.DOCUMENT_COMMENT) == OWNER_EDITORS
    assert all(n.about_draft for n in Notification.objects.filter(kind=Kind.DOCUMENT_COMMENT))


def test_publishing_and_status_changes_tell_watchers(
    published: Document, globex_people: dict[str, User], acme_editor: User, client_for: Any
) -> None:
    client_for(globex_people["reader"]).post(f"/notifications/documents/{published.pk}/watch/", {"watching": "1"})
    library.save_revision(acting_user=acme_editor, document=published, body=BODY + "\nNew.\n", base_number=1)
    drafting.publish(acting_user=acme_editor, document=published)
    assert told(Kind.WATCHED) == OWNER_EDITORS - {"editor@acme.example"} | {"reader@globex.example"}
    assert Notification.objects.filter(kind=Kind.WATCHED, verb="published revision 2 of").count() == 3


def test_the_review_by_reminder_goes_once_to_the_review_owner_and_again_once_the_date_passed(
    published: Document, acme_editor: User, acme_admin: User
) -> None:
    today = timezone.localdate()
    Document.objects.filter(pk=published.pk).update(review_by=today + datetime.timedelta(days=5))

    assert reminders.send_review_reminders(today) == 1
    assert reminders.send_review_reminders(today) == 0  # sent once, however often the worker runs
    [soon] = Notification.objects.filter(kind=Kind.REVIEW_DUE)
    assert soon.recipient == acme_editor and "is near" in soon.verb

    later = today + datetime.timedelta(days=6)
    assert reminders.send_review_reminders(later) == 1
    soon.refresh_from_db()
    assert soon.is_done  # the "near" reminder gave way to the "passed" one
    assert told(Kind.REVIEW_DUE) == {"editor@acme.example"}


def test_the_reminder_follows_the_review_owner_chosen_on_the_details_form(
    published: Document, acme_editor: User, acme_admin: User, acme_reader: User, client_for: Any
) -> None:
    today = timezone.localdate()
    form = {
        "title": published.title,
        "kind": published.kind,
        "language": "en",
        "review_by": (today + datetime.timedelta(days=2)).isoformat(),
        "review_owner": acme_admin.pk,
        "body": BODY,
        "base": 1,
    }
    assert client_for(acme_editor).post(f"/library/{published.pk}/edit/", form).status_code == 302
    published.refresh_from_db()
    assert published.review_owner == acme_admin

    # A reader cannot own a review: they could not act on it.
    refused = client_for(acme_editor).post(f"/library/{published.pk}/edit/", {**form, "review_owner": acme_reader.pk})
    assert refused.status_code == 200 and published.review_owner == acme_admin

    reminders.send_review_reminders(today)
    assert told(Kind.REVIEW_DUE) == {"admin@acme.example"}


def test_an_inbox_item_about_a_draft_vanishes_for_someone_who_lost_draft_access(
    acme: Organisation, acme_editor: User, globex: Organisation, globex_people: dict[str, User], client_for: Any
) -> None:
    document = library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Co-drafted",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
        co_drafters=[globex],
    )
    drafting.add_comment(
        acting_user=acme_editor, document=document, body="@editor@globex.example please look at this draft."
    )
    globex_editor = globex_people["editor"]
    [item] = Notification.objects.filter(recipient=globex_editor, kind=Kind.MENTION)
    assert item.about_draft
    client = client_for(globex_editor)
    assert [i.notification for i in client.get("/notifications/").context["inbox"].items] == [item]

    # Globex stops co-drafting; the document is published, so Globex still reads what is published,
    # but no longer the draft the mention was about.
    document.co_drafters.clear()
    drafting.publish(acting_user=acme_editor, document=document)

    assert client.get("/notifications/").context["inbox"].items == []
    assert selectors.unread_count(User.objects.get(pk=globex_editor.pk)) == 0
    assert client.post(f"/notifications/{item.pk}/open/").status_code == 404
    # An item about published text stays: the same person still sees what is not about a draft.
    document = Document.objects.get(pk=document.pk)
    services.notify(
        kind=Kind.WATCHED,
        recipients=[globex_editor],
        document=document,
        actor=acme_editor,
        verb="published revision 1 of",
        url=f"/library/{document.pk}/",
    )
    assert len(client.get("/notifications/").context["inbox"].items) == 1


def test_starring_is_audited_and_listed(published: Document, acme_reader: User, client_for: Any) -> None:
    client = client_for(acme_reader)
    response = client.post(
        f"/notifications/documents/{published.pk}/star/", {"starred": "1", "next": "//evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/library/{published.pk}/"
    assert AuditEvent.objects.filter(action="document.starred", actor_id=acme_reader.pk).count() == 1
    page = client.get(f"/library/{published.pk}/").content.decode()
    assert "★ Starred" in page
    client.post(f"/notifications/documents/{published.pk}/star/", {"starred": "0"})
    assert AuditEvent.objects.filter(action="document.unstarred").count() == 1
