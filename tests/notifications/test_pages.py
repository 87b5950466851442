"""The inbox, opening an item, marking all read, email preferences and the navigation badge,
through HTTP as a person uses them."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from coalition.library import services as library
from coalition.library.models import TLP
from coalition.notifications.models import Kind, Mode, Notification, Preference
from tests.notifications.conftest import EXCERPT, TITLE


def _item(recipient, document, **fields) -> Notification:
    """An inbox item written directly, for page tests that need many or odd ones."""
    values = {
        "kind": Kind.MENTION,
        "verb": "mentioned you in a comment on",
        "url": f"/library/{document.pk}/",
        "tlp": document.tlp,
        "excerpt": EXCERPT,
    }
    values.update(fields)
    return Notification.objects.create(recipient=recipient, document=document, **values)


def test_the_inbox_shows_ones_own_notifications_newest_first(
    make_doc, notify_about, acme_reader, acme_contributor, acme_editor, client_for
):
    document = make_doc(TLP.AMBER)
    notify_about(document, [acme_reader], verb="replied to your comment on")
    notify_about(document, [acme_reader, acme_contributor], kind=Kind.REVIEW_REQUESTED, verb="asked you to review")
    mine = Notification.objects.filter(recipient=acme_reader).order_by("-created_at", "-id")

    response = client_for(acme_reader).get("/notifications/")

    assert [item.notification for item in response.context["inbox"].items] == list(mine)
    content = response.content.decode()
    assert content.index("asked you to review") < content.index("replied to your comment on")
    assertContains(response, f"Ed Editor asked you to review “{TITLE}”")
    assertContains(response, EXCERPT)
    assertContains(response, '<span class="tlp tlp-amber">TLP:AMBER</span>', count=2, html=True)
    theirs = Notification.objects.get(recipient=acme_contributor)
    assertNotContains(response, f'id="notification-{theirs.pk}"')


def test_an_empty_inbox_says_so(acme_reader, client_for):
    assertContains(client_for(acme_reader).get("/notifications/"), "No notifications yet.")


def test_the_inbox_needs_a_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_opening_an_item_marks_it_read_and_goes_to_it(make_doc, notify_about, acme_reader, client_for):
    [notification] = notify_about(make_doc(), [acme_reader])
    client = client_for(acme_reader)

    response = client.post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/library/{notification.document_id}/discussion/#comment-1"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_cannot_be_opened(make_doc, notify_about, acme_reader, acme_contributor, client_for):
    [theirs] = notify_about(make_doc(), [acme_contributor])
    response = client_for(acme_reader).post(f"/notifications/{theirs.pk}/open/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_for(acme_reader).post("/notifications/999999/open/").status_code == 404


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_opening_an_item_never_leaves_the_site(make_doc, acme_reader, client_for, url):
    notification = _item(acme_reader, make_doc(), url=url)
    response = client_for(acme_reader).post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_writes_need_post(make_doc, notify_about, acme_reader, client_for):
    [notification] = notify_about(make_doc(), [acme_reader])
    client = client_for(acme_reader)
    assert client.get(f"/notifications/{notification.pk}/open/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_writes_need_the_csrf_token(make_doc, notify_about, acme_reader):
    from django.test import Client

    [notification] = notify_about(make_doc(), [acme_reader])
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme_reader, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(f"/notifications/{notification.pk}/open/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403


def test_an_item_about_a_document_one_can_no_longer_read_shows_no_title_text_or_link(
    make_doc, notify_about, acme_editor, acme_reader, client_for
):
    document = make_doc(TLP.RED)
    library.grant(acting_user=acme_editor, document=document, level="view", user=acme_reader)
    [notification] = notify_about(document, [acme_reader])
    library.revoke_grant(acting_user=acme_editor, document=document, user=acme_reader)
    client = client_for(acme_reader)

    response = client.get("/notifications/")

    assertContains(response, "Ed Editor replied to your comment on a document you can no longer read")
    assertNotContains(response, TITLE)
    assertNotContains(response, EXCERPT)
    assertNotContains(response, f"/notifications/{notification.pk}/open/")
    response = client.post(f"/notifications/{notification.pk}/open/", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    assertContains(response, "You can no longer read the document this notification was about.")


def test_the_navigation_shows_the_unread_count(make_doc, notify_about, acme_reader, client_for):
    document = make_doc()
    for _ in range(3):
        notify_about(document, [acme_reader])
    client = client_for(acme_reader)

    assertContains(client.get("/library/"), 'aria-label="Inbox, 3 unread"')

    Notification.objects.filter(pk=Notification.objects.first().pk).update(read_at="2026-01-01T00:00Z")
    assertContains(client.get("/library/"), 'aria-label="Inbox, 2 unread"')

    client.post("/notifications/read-all/")
    response = client.get("/library/")
    assertNotContains(response, "unread")
    assertContains(response, '<a href="/notifications/">Inbox</a>', html=True)


def test_mark_all_as_read_touches_only_ones_own(make_doc, notify_about, acme_reader, acme_contributor, client_for):
    notify_about(make_doc(), [acme_reader, acme_contributor])
    response = client_for(acme_reader).post("/notifications/read-all/", follow=True)
    assertContains(response, "Every notification is marked as read.")
    assert Notification.objects.get(recipient=acme_reader).read_at is not None
    assert Notification.objects.get(recipient=acme_contributor).read_at is None


def test_the_unread_filter_shows_only_unread_items(make_doc, acme_reader, client_for):
    document = make_doc()
    read = _item(acme_reader, document, read_at="2026-01-01T00:00Z")
    unread = _item(acme_reader, document)
    response = client_for(acme_reader).get("/notifications/?show=unread")
    assert [i.notification for i in response.context["inbox"].items] == [unread]
    assertNotContains(response, f'id="notification-{read.pk}"')


def test_the_inbox_is_paginated_by_25_and_keeps_the_filter(make_doc, acme_reader, client_for):
    document = make_doc()
    for _ in range(30):
        _item(acme_reader, document)
    client = client_for(acme_reader)
    first = client.get("/notifications/?show=unread")
    assert len(first.context["inbox"].items) == 25
    assertContains(first, 'href="?show=unread&amp;page=2"')
    second = client.get("/notifications/?show=unread&page=2")
    assert len(second.context["inbox"].items) == 5


@pytest.mark.parametrize("count", [5, 30])
def test_inbox_queries_do_not_grow_with_notifications(
    count, make_doc, acme_reader, acme_editor, client_for, django_assert_max_num_queries
):
    documents = [make_doc(tlp) for tlp in (TLP.GREEN, TLP.AMBER, TLP.RED)]  # RED: the reader cannot read it
    for n in range(count):
        _item(acme_reader, documents[n % 3], actor=acme_editor)
    client = client_for(acme_reader)
    client.get("/notifications/")  # warm up the session and allauth's per-session rows

    # Measured: 13. The user, allauth's session tracking (4) and the memberships; the unread count
    # in the navigation; the count and the page of items; then, for the titles the reader may
    # see, their communities, their grants and the documents (one query for the whole page).
    with django_assert_max_num_queries(13):
        response = client.get("/notifications/")

    items = response.context["inbox"].items
    assert len(items) == min(count, 25)
    assert {item.readable for item in items} == {True, False}


# --- Preferences ---------------------------------------------------------------------------


def test_the_preferences_page_shows_every_kind_with_its_current_choice(acme_reader, client_for):
    Preference.objects.create(user=acme_reader, kind=Kind.MENTION, mode=Mode.OFF)
    response = client_for(acme_reader).get("/notifications/preferences/")
    assertContains(response, "Every notification always appears in your inbox.")
    for kind, label in Kind.choices:
        assertContains(response, f'name="mode_{kind}"', count=3)
        assertContains(response, f'aria-label="{label}: Daily digest"')
    assertContains(response, 'value="off" id="mode-mention-off" aria-label="Mention: Off" checked')
    assertContains(
        response,
        'value="immediate" id="mode-review_requested-immediate" aria-label="Review requested: Immediately" checked',
    )


def test_saving_preferences(acme_reader, client_for):
    response = client_for(acme_reader).post(
        "/notifications/preferences/",
        {f"mode_{Kind.MENTION}": Mode.DIGEST, f"mode_{Kind.REVIEW_DECIDED}": Mode.OFF},
        follow=True,
    )
    assertContains(response, "Your email preferences are saved.")
    assert dict(Preference.objects.filter(user=acme_reader).values_list("kind", "mode")) == {
        Kind.MENTION: Mode.DIGEST,
        Kind.REVIEW_DECIDED: Mode.OFF,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode_mention": "weekly"}, "Unknown choice: weekly."),
        ({"mode_mention": "off", "mode_poke": "off"}, "Unknown notification type: poke."),
        ({"mode_mention": ""}, "Unknown choice: ."),
    ],
)
def test_bad_preferences_are_refused_and_nothing_is_saved(acme_reader, client_for, data, message):
    response = client_for(acme_reader).post("/notifications/preferences/", data)
    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert not Preference.objects.exists()
