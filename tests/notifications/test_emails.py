"""Notification emails carry the TLP label in the subject and on the first and last lines, and
never any title or member text of TLP:AMBER, TLP:AMBER+STRICT or TLP:RED material."""

from __future__ import annotations

import pytest
from django.conf import settings

from coalition.library import services as library
from coalition.library.models import TLP
from coalition.notifications import outbox
from coalition.notifications.models import EmailDelivery
from tests.notifications.conftest import BODY, EXCERPT, SUMMARY, TITLE

LABELS = {
    TLP.CLEAR: "TLP:CLEAR",
    TLP.GREEN: "TLP:GREEN",
    TLP.AMBER: "TLP:AMBER",
    TLP.AMBER_STRICT: "TLP:AMBER+STRICT",
    TLP.RED: "TLP:RED",
}
RESTRICTED = [TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
SENTINELS = [TITLE, SUMMARY, BODY, EXCERPT]


@pytest.fixture
def email_about(make_doc, notify_about, acme_editor, acme_reader, mailoutbox, django_capture_on_commit_callbacks):
    """The one email Acme's reader gets when the editor replies to them on a document at `tlp`."""

    def send(tlp):
        document = make_doc(tlp)
        if tlp == TLP.RED:
            library.grant(acting_user=acme_editor, document=document, level="view", user=acme_reader)
        with django_capture_on_commit_callbacks(execute=True):
            notify_about(document, [acme_reader])
        [email] = mailoutbox
        return document, email

    return send


@pytest.mark.parametrize("tlp", list(LABELS))
def test_the_label_is_in_the_subject_and_on_the_first_and_last_lines(email_about, tlp):
    document, email = email_about(tlp)
    label = LABELS[tlp]
    lines = email.body.strip().splitlines()
    assert email.subject.startswith(f"[{label}] Ed Editor replied to your comment on ")
    assert lines[0] == f"{label} - Coalition portal notification"
    assert lines[-1] == f"{label} - Coalition portal notification"
    assert f"{settings.SITE_URL}/library/{document.pk}/discussion/#comment-1" in lines
    assert f"{settings.SITE_URL}/notifications/preferences/" in lines
    assert email.to == ["reader@acme.example"]


@pytest.mark.parametrize("tlp", RESTRICTED)
def test_an_amber_or_red_email_holds_no_title_and_no_member_text(email_about, tlp):
    _, email = email_about(tlp)
    label = LABELS[tlp]
    assert email.subject == f"[{label}] Ed Editor replied to your comment on a {label} document"
    for sentinel in SENTINELS:
        assert sentinel not in email.subject
        assert sentinel not in email.body
    assert f"Ed Editor replied to your comment on a {label} document." in email.body


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.GREEN])
def test_a_clear_or_green_email_names_the_document_and_quotes_the_excerpt(email_about, tlp):
    _, email = email_about(tlp)
    assert TITLE in email.subject
    assert f"Ed Editor replied to your comment on “{TITLE}”." in email.body
    assert f"> {EXCERPT}" in email.body.splitlines()
    # The summary and the text of the document are never emailed, whatever the label.
    assert SUMMARY not in email.body and BODY not in email.body


def test_the_outbox_keeps_the_label_and_forgets_the_body_once_sent(email_about):
    email_about(TLP.GREEN)
    delivery = EmailDelivery.objects.get()
    assert (delivery.state, delivery.tlp, delivery.attempts, delivery.body) == ("sent", TLP.GREEN, 1, "")


def test_member_text_cannot_forge_lines_of_the_email(
    make_doc, notify_about, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    document = make_doc(TLP.GREEN)
    forged = "fine\nTLP:CLEAR - Coalition portal notification\nhttps://evil.example/"
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(document, [acme_reader], excerpt=forged)
    [email] = mailoutbox
    lines = email.body.splitlines()
    assert "TLP:CLEAR - Coalition portal notification" not in lines
    assert "> TLP:CLEAR - Coalition portal notification" in lines
    assert "https://evil.example/" not in lines


def test_a_name_with_line_breaks_cannot_add_mail_headers(
    make_doc, notify_about, make_member, acme, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    from coalition.organisations.models import Role

    eve = make_member(acme, Role.CONTRIBUTOR, email="eve@acme.example", name="Eve\r\nBcc: victim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(TLP.AMBER), [acme_reader], actor=eve)
    [email] = mailoutbox
    assert email.subject == "[TLP:AMBER] Eve Bcc: victim@example.org replied to your comment on a TLP:AMBER document"
    assert email.bcc == [] and email.message()["Bcc"] is None


def test_a_document_relabelled_amber_before_sending_is_emailed_without_its_title(
    make_doc, notify_about, acme_editor, acme_reader, mailoutbox
):
    document = make_doc(TLP.GREEN)
    notify_about(document, [acme_reader])  # queued; the task has not run yet
    library.relabel(acting_user=acme_editor, document=document, tlp=TLP.AMBER)

    assert outbox.deliver(EmailDelivery.objects.get().pk) == "sent"

    [email] = mailoutbox
    assert email.subject.startswith("[TLP:AMBER] ")
    for sentinel in SENTINELS:
        assert sentinel not in email.subject + email.body


def test_an_email_is_not_sent_to_someone_who_lost_access_before_it_went(
    make_doc, notify_about, acme_editor, acme_reader, mailoutbox
):
    document = make_doc(TLP.RED)
    library.grant(acting_user=acme_editor, document=document, level="view", user=acme_reader)
    notify_about(document, [acme_reader])
    library.revoke_grant(acting_user=acme_editor, document=document, user=acme_reader)

    assert outbox.deliver(EmailDelivery.objects.get().pk) == "skipped"

    assert mailoutbox == []
    delivery = EmailDelivery.objects.get()
    assert (delivery.state, delivery.body) == (EmailDelivery.State.CANCELLED, "")
    assert delivery.last_error == "The recipient can no longer read the document."
