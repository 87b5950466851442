"""notify(): exactly the right people hear about a document, and each is emailed as they chose."""

from __future__ import annotations

import pytest

from coalition.drafting.services import publication as workflow
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.notifications import services
from coalition.notifications.models import (
    DigestSchedule,
    EmailDelivery,
    EmailStatus,
    Kind,
    Mode,
    Notification,
    Preference,
)


def _recipients(notifications):
    return sorted(n.recipient.email for n in notifications)


@pytest.mark.parametrize("kind", Kind.values)
def test_notify_drops_the_actor_duplicates_inactive_people_and_those_who_cannot_read(
    kind, make_doc, notify_about, acme_editor, acme_reader, acme_contributor, globex_admin, outsider, make_member, acme
):
    document = make_doc(TLP.AMBER)  # Acme only, a draft
    gone = make_member(acme, email="gone@acme.example")
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    created = notify_about(
        document, [acme_reader, acme_editor, acme_reader, acme_contributor, globex_admin, outsider, gone], kind=kind
    )

    assert _recipients(created) == ["contributor@acme.example", "reader@acme.example"]
    assert Notification.objects.count() == 2
    for notification in created:
        assert notification.pk is not None
        assert (notification.kind, notification.document, notification.actor) == (kind, document, acme_editor)
        assert (notification.tlp, notification.read_at) == (TLP.AMBER, None)
        assert notification.verb == "replied to your comment on"
        assert notification.url == f"/library/{document.pk}/discussion/#comment-1"


def test_notify_reaches_another_organisation_only_when_the_document_is_shared_with_it(
    make_doc, notify_about, acme_reader, globex_admin, acme_editor, globex
):
    document = make_doc(TLP.GREEN)
    assert _recipients(notify_about(document, [acme_reader, globex_admin])) == ["reader@acme.example"]

    library.share(acting_user=acme_editor, document=document, audience=Audience.NAMED, audience_organisations=[globex])
    workflow.set_status(acting_user=acme_editor, document=document, status="published")
    document = Document.objects.get(pk=document.pk)  # as the drafting service would load it
    assert _recipients(notify_about(document, [acme_reader, globex_admin])) == [
        "admin@globex.example",
        "reader@acme.example",
    ]


def test_on_red_only_people_granted_the_document_by_name_are_notified(
    make_doc, notify_about, acme_editor, acme_reader, acme_contributor, acme_admin, globex_admin
):
    document = make_doc(TLP.RED)
    library.grant(acting_user=acme_editor, document=document, level="view", user=acme_reader)

    created = notify_about(document, [acme_reader, acme_contributor, acme_admin, globex_admin], actor=acme_admin)

    # The editor who wrote it holds an edit grant; the admin of the owner organisation does not.
    assert _recipients(created) == ["reader@acme.example"]


def test_notify_with_nobody_left_writes_nothing(make_doc, notify_about, acme_editor, globex_admin):
    assert notify_about(make_doc(), [acme_editor, globex_admin]) == []
    assert not Notification.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_notify_without_an_actor_notifies_everyone_who_can_read(make_doc, notify_about, acme_editor, acme_reader):
    created = notify_about(make_doc(), [acme_editor, acme_reader], actor=None, kind=Kind.RATIFICATION_ADOPTED)
    assert _recipients(created) == ["editor@acme.example", "reader@acme.example"]


def test_notify_refuses_an_unknown_kind_and_a_url_off_the_site(make_doc, notify_about, acme_reader):
    document = make_doc()
    with pytest.raises(ValueError):
        notify_about(document, [acme_reader], kind="poke")
    for url in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "library/1/", "/a\nb"]:
        with pytest.raises(ValueError):
            notify_about(document, [acme_reader], url=url)
    assert not Notification.objects.exists()


def test_immediate_is_the_default_and_queues_one_email_per_person(
    make_doc, notify_about, acme_reader, acme_contributor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = notify_about(make_doc(), [acme_reader, acme_contributor])

    assert {n.email_status for n in created} == {EmailStatus.IMMEDIATE}
    assert sorted(d.to_address for d in EmailDelivery.objects.all()) == [
        "contributor@acme.example",
        "reader@acme.example",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["contributor@acme.example", "reader@acme.example"]
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {EmailDelivery.State.SENT}


def test_digest_and_off_preferences_send_nothing_at_once_but_always_fill_the_inbox(
    make_doc, notify_about, acme_reader, acme_contributor, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(acting_user=acme_reader, modes={Kind.COMMENT_REPLY: Mode.DIGEST})
    services.set_preferences(acting_user=acme_contributor, modes={Kind.COMMENT_REPLY: Mode.OFF})

    with django_capture_on_commit_callbacks(execute=True):
        created = notify_about(make_doc(), [acme_reader, acme_contributor])

    status = {n.recipient.email: n.email_status for n in created}
    assert status == {"reader@acme.example": EmailStatus.DIGEST_PENDING, "contributor@acme.example": EmailStatus.NONE}
    assert mailoutbox == []
    assert not EmailDelivery.objects.exists()
    assert list(DigestSchedule.objects.values_list("user__email", flat=True)) == ["reader@acme.example"]


def test_a_preference_applies_only_to_its_own_kind(
    make_doc, notify_about, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    services.set_preferences(acting_user=acme_reader, modes={Kind.MENTION: Mode.OFF})
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(), [acme_reader], kind=Kind.REVIEW_REQUESTED, verb="asked you to review")
    assert len(mailoutbox) == 1


def test_nothing_is_emailed_when_the_callers_transaction_rolls_back(
    make_doc, notify_about, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    document = make_doc()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify_about(document, [acme_reader])
                raise RuntimeError("the drafting service failed after notifying")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_preferences_refuse_unknown_kinds_and_modes_and_save_nothing(acme_reader):
    from coalition.core.errors import ServiceError

    with pytest.raises(ServiceError, match="Unknown notification type: poke"):
        services.set_preferences(acting_user=acme_reader, modes={Kind.MENTION: Mode.OFF, "poke": Mode.OFF})
    with pytest.raises(ServiceError, match="Unknown choice: weekly"):
        services.set_preferences(acting_user=acme_reader, modes={Kind.MENTION: Mode.OFF, Kind.REVIEW_DECIDED: "weekly"})
    assert not Preference.objects.exists()


def test_changing_preferences_is_audited_with_before_and_after(acme_reader):
    from coalition.audit.models import AuditEvent

    changed = services.set_preferences(
        acting_user=acme_reader, modes={Kind.MENTION: Mode.OFF, Kind.REVIEW_REQUESTED: Mode.IMMEDIATE}
    )
    assert changed == {Kind.MENTION: ["immediate", "off"]}
    event = AuditEvent.objects.get(action="notifications.preferences_changed")
    assert event.actor_id == acme_reader.pk and event.data == {"changed": {"mention": ["immediate", "off"]}}
    assert services.set_preferences(acting_user=acme_reader, modes={Kind.MENTION: Mode.OFF}) == {}
    assert AuditEvent.objects.filter(action="notifications.preferences_changed").count() == 1
