"""The daily digest: one email a day for the kinds a person chose "Daily digest" for, each item
under its own TLP label, the whole under the most restrictive one."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coalition.library import services as library
from coalition.library.models import TLP
from coalition.notifications import services
from coalition.notifications.digest import next_digest_time
from coalition.notifications.models import DigestSchedule, EmailDelivery, EmailStatus, Kind, Mode, Notification
from tests.notifications.conftest import EXCERPT, TITLE
from tests.notifications.test_delivery import clock_moved, database_tasks, run_worker  # noqa: F401


@pytest.fixture
def digest_reader(acme_reader):
    services.set_preferences(
        acting_user=acme_reader, modes={Kind.COMMENT_REPLY: Mode.DIGEST, Kind.REVIEW_REQUESTED: Mode.DIGEST}
    )
    return acme_reader


def _two_items(make_doc, notify_about, reader):
    green = make_doc(TLP.GREEN)
    amber = make_doc(TLP.AMBER)
    notify_about(green, [reader])
    notify_about(amber, [reader], kind=Kind.REVIEW_REQUESTED, verb="asked you to review", excerpt="")
    return green, amber


def _send_digests(capture, *args: str) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("send_digests", *args, stdout=out)
    return out.getvalue().strip()


def test_two_digest_items_make_one_email_the_next_morning_and_nothing_at_once(
    make_doc, notify_about, digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _two_items(make_doc, notify_about, digest_reader)
    assert mailoutbox == []
    schedule = DigestSchedule.objects.get(user=digest_reader)
    assert schedule.due_at == next_digest_time()

    assert _send_digests(django_capture_on_commit_callbacks) == "Wrote 0 digests (0 notifications)."
    assert mailoutbox == []

    with clock_moved(schedule.due_at - timezone.now() + timedelta(seconds=1)):
        assert _send_digests(django_capture_on_commit_callbacks) == "Wrote 1 digest (2 notifications)."

    [email] = mailoutbox
    assert email.to == ["reader@acme.example"]
    assert email.subject == "[TLP:AMBER] Your daily Coalition portal digest: 2 notifications"
    lines = email.body.strip().splitlines()
    assert lines[0] == lines[-1] == "TLP:AMBER - Coalition portal daily digest"
    assert f"[TLP:GREEN] Ed Editor replied to your comment on “{TITLE}”." in lines
    assert f"> {EXCERPT}" in lines
    assert "[TLP:AMBER] Ed Editor asked you to review a TLP:AMBER document." in lines
    assert email.body.count(TITLE) == 1  # the green item only
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.DIGESTED}
    assert not DigestSchedule.objects.exists()
    assert EmailDelivery.objects.get().category == "digest"

    assert _send_digests(django_capture_on_commit_callbacks, "--all") == "Wrote 0 digests (0 notifications)."
    assert len(mailoutbox) == 1


def test_a_digest_of_green_items_only_carries_tlp_green(
    make_doc, notify_about, digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    notify_about(make_doc(TLP.GREEN), [digest_reader])
    notify_about(make_doc(TLP.CLEAR), [digest_reader])
    _send_digests(django_capture_on_commit_callbacks, "--all")
    [email] = mailoutbox
    assert email.subject.startswith("[TLP:GREEN] ")


def test_the_digest_leaves_out_documents_the_person_can_no_longer_read(
    make_doc, notify_about, acme_editor, digest_reader, mailoutbox, django_capture_on_commit_callbacks
):
    red = make_doc(TLP.RED)
    library.grant(acting_user=acme_editor, document=red, level="view", user=digest_reader)
    notify_about(red, [digest_reader])
    notify_about(make_doc(TLP.GREEN), [digest_reader])
    library.revoke_grant(acting_user=acme_editor, document=red, user=digest_reader)

    _send_digests(django_capture_on_commit_callbacks, "--all")

    [email] = mailoutbox
    assert "1 notification since your last digest" in email.body
    assert "[TLP:RED]" not in email.body and email.subject.startswith("[TLP:GREEN] ")


def test_with_the_worker_the_digest_is_queued_for_its_time_and_sent_then(
    database_tasks,  # noqa: F811
    make_doc,
    notify_about,
    digest_reader,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _two_items(make_doc, notify_about, digest_reader)
    [task] = DBTaskResult.objects.all()
    due_at = DigestSchedule.objects.get().due_at
    assert (task.task_path, task.run_after) == ("coalition.notifications.digest.send_digest_task", due_at)

    run_worker(django_capture_on_commit_callbacks)
    assert mailoutbox == []

    with clock_moved(due_at - timezone.now() + timedelta(seconds=1)):
        run_worker(django_capture_on_commit_callbacks)  # writes the digest to the outbox
        # In a test the delivery task is queued when the worker's run ends (the test's
        # transaction never commits); a real worker queues it and sends it in the same run.
        run_worker(django_capture_on_commit_callbacks)
    [email] = mailoutbox
    assert "2 notifications" in email.subject


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2026, 3, 10, 6, 59, tzinfo=UTC), datetime(2026, 3, 10, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 10, 7, 0, tzinfo=UTC), datetime(2026, 3, 11, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), datetime(2026, 3, 11, 7, 0, tzinfo=UTC)),
    ],
)
def test_the_digest_is_due_at_the_next_digest_hour(now, due):
    assert next_digest_time(now) == due


def test_the_digest_hour_is_local_time_across_a_daylight_saving_change(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.NOTIFICATION_DIGEST_HOUR = 7
    # The clocks go forward on 29 March 2026: 07:00 is 07:00 UTC before, 06:00 UTC after.
    due = next_digest_time(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert timezone.localtime(due).hour == 7
