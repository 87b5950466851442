"""Emails go through the outbox and a real worker: a failed send is retried with backoff and
delivered once, a send that keeps failing ends "failed" (logged, kept), and a duplicate task never
sends twice. Worker runs use django-tasks-db's `db_worker --batch`, with the clock moved forward
instead of waiting."""

from __future__ import annotations

import io
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from coalition.library.models import TLP
from coalition.notifications import outbox
from coalition.notifications.models import EmailDelivery
from coalition.notifications.outbox import deliver_email
from tests.conftest import DATABASE_TASKS

State = EmailDelivery.State


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


_real_now = timezone.now


@contextmanager
def clock_moved(by: timedelta) -> Iterator[None]:
    """Every `timezone.now()` (ours and the worker's) answers `by` later than it is."""
    with mock.patch("django.utils.timezone.now", lambda: _real_now() + by):
        yield


def run_worker(capture) -> None:
    """The worker command as operators run it, until no task is ready. Two things differ from
    production: it does not close the database connection between tasks (that would end the
    test's transaction), and its signal handlers are put back afterwards (so Ctrl-C still stops
    pytest)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        with capture(execute=True), mock.patch(f"{db_worker.__name__}.close_old_connections"):
            call_command(
                "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0", stdout=io.StringIO()
            )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@pytest.fixture
def queued(make_doc, notify_about, acme_reader, django_capture_on_commit_callbacks):
    """One notification email to Acme's reader, committed and handed to the task backend."""
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(TLP.AMBER), [acme_reader])
    return EmailDelivery.objects.get()


def test_an_email_waits_in_the_database_until_the_worker_sends_it(
    database_tasks, queued, mailoutbox, django_capture_on_commit_callbacks
):
    assert mailoutbox == []
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs) == (
        "coalition.notifications.outbox.deliver_email",
        {"args": [queued.pk], "kwargs": {}},
    )

    run_worker(django_capture_on_commit_callbacks)

    [email] = mailoutbox
    assert email.subject.startswith("[TLP:AMBER] ")
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (State.SENT, 1)


def test_a_send_that_fails_once_is_retried_and_the_email_is_delivered_once(
    database_tasks, flaky_mail, queued, mailoutbox, django_capture_on_commit_callbacks
):
    flaky_mail.failures = 1

    run_worker(django_capture_on_commit_callbacks)

    queued.refresh_from_db()
    assert mailoutbox == []
    assert (queued.state, queued.attempts) == (State.PENDING, 1)
    assert queued.last_error == "ConnectionRefusedError: mail.example:587 refused the connection"
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == queued.next_attempt_at
    assert timedelta(seconds=50) < queued.next_attempt_at - timezone.now() <= timedelta(minutes=1)

    run_worker(django_capture_on_commit_callbacks)  # not due yet: nothing runs
    assert mailoutbox == [] and flaky_mail.calls == 1

    with clock_moved(timedelta(minutes=2)):
        run_worker(django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert flaky_mail.calls == 2
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.last_error) == (State.SENT, 2, "")
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_send_that_keeps_failing_ends_failed_after_the_last_attempt_and_is_logged(
    database_tasks, settings, flaky_mail, queued, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 3
    flaky_mail.failures = 100
    waited = timedelta()
    with caplog.at_level(logging.WARNING, logger="coalition.notifications.outbox"):
        for step in (timedelta(), timedelta(minutes=2), timedelta(minutes=6), timedelta(hours=2)):
            waited += step
            with clock_moved(waited):
                run_worker(django_capture_on_commit_callbacks)

    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (State.FAILED, 3)
    assert flaky_mail.calls == 3  # at 0, 2 and 8 minutes (backoff 1, then 5); none after the last
    assert queued.body  # kept, so that an operator can send it again
    assert mailoutbox == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert [r.levelname for r in caplog.records if "failed after" in r.getMessage()] == ["ERROR"]


def test_a_duplicate_task_for_the_same_email_sends_it_once(
    database_tasks, queued, mailoutbox, django_capture_on_commit_callbacks
):
    deliver_email.enqueue(queued.pk)  # e.g. the sweep queued it again
    assert DBTaskResult.objects.count() == 2

    run_worker(django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert outbox.deliver(queued.pk) == "skipped"
    assert len(mailoutbox) == 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_without_a_worker_backend_a_failed_send_waits_for_the_sweep(
    flaky_mail, make_doc, notify_about, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    flaky_mail.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(), [acme_reader])  # ImmediateBackend: tried at once, in-process
    delivery = EmailDelivery.objects.get()
    assert (delivery.state, delivery.attempts, mailoutbox) == (State.PENDING, 1, [])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_email", "--overdue=0", stdout=io.StringIO())
    assert mailoutbox == []  # its retry is not due yet

    out = io.StringIO()
    with clock_moved(timedelta(minutes=2)), django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_email", "--overdue=0", stdout=out)
    assert out.getvalue().strip() == "Queued 1 email for delivery."
    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.SENT, 2)


def test_the_sweep_takes_back_an_email_claimed_by_a_worker_that_died(
    queued, mailoutbox, django_capture_on_commit_callbacks
):
    # The immediate backend sent it already; pretend a worker claimed it an hour ago and died.
    EmailDelivery.objects.filter(pk=queued.pk).update(
        state=State.SENDING, claimed_at=timezone.now() - timedelta(hours=1), sent_at=None, body="Hello"
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_email", "--overdue=0", stdout=io.StringIO())
    assert len(mailoutbox) == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT


def test_failed_emails_are_sent_again_only_when_the_operator_asks(
    settings, flaky_mail, make_doc, notify_about, acme_reader, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 1
    flaky_mail.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(), [acme_reader])
    assert EmailDelivery.objects.get().state == State.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_email", "--overdue=0", stdout=io.StringIO())
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_email", "--overdue=0", "--include-failed", stdout=io.StringIO())
    assert len(mailoutbox) == 1
    assert EmailDelivery.objects.get().state == State.SENT


def test_the_mail_servers_password_never_reaches_the_outbox(settings, flaky_mail, queued):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.notifications.conftest.FlakyBackend", "OPTIONS": {"password": "hunter2-secret"}}
    }
    EmailDelivery.objects.filter(pk=queued.pk).update(state=State.PENDING, body="Hello")

    class Refused(Exception):
        pass

    with mock.patch.object(flaky_mail, "send_messages", side_effect=Refused("535 bad login hunter2-secret")):
        assert outbox.deliver(queued.pk) == "retry"
    queued.refresh_from_db()
    assert "hunter2-secret" not in queued.last_error and "***" in queued.last_error


def test_an_invitation_email_that_fails_once_is_retried_by_the_worker(
    database_tasks, flaky_mail, acme_admin, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    flaky_mail.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        client_for(acme_admin).post("/orgs/acme/invitations/", {"email": "nia@example.org", "role": "reader"})
    run_worker(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    with clock_moved(timedelta(minutes=2)):
        run_worker(django_capture_on_commit_callbacks)

    [email] = mailoutbox
    assert email.to == ["nia@example.org"] and "/invitations/" in email.body
    delivery = EmailDelivery.objects.get()
    assert (delivery.category, delivery.state, delivery.attempts, delivery.body) == ("invitation", "sent", 2, "")
