"""The outbox against a real SMTP server (aiosmtpd on a free local port) that is stopped and
started again, and the worker that outlasts a database outage and a kill mid-send (issue 14).
Nothing acknowledged is lost: every email queued is delivered exactly once in the end."""

from __future__ import annotations

import io
import signal
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from coalition.library.models import TLP
from coalition.notifications import outbox
from coalition.notifications.management.commands import worker as worker_command
from coalition.notifications.models import EmailDelivery
from tests.conftest import DATABASE_TASKS
from tests.notifications.test_delivery import clock_moved

State = EmailDelivery.State


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


class MailServer:
    """A local SMTP server on a fixed port that can be stopped and started like a real one."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    server = MailServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    settings.TASKS = DATABASE_TASKS
    yield server
    server.stop()


@pytest.fixture
def queued(make_doc, notify_about, acme_reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_about(make_doc(TLP.GREEN), [acme_reader])
    return EmailDelivery.objects.get()


def run_worker(capture: Any, *extra: str) -> None:
    """`manage.py worker` until no task is ready (as in test_delivery: the test's transaction is
    kept, and the signal handlers are put back)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        with capture(execute=True), mock.patch(f"{db_worker.__name__}.close_old_connections"):
            call_command(
                "worker", "--batch", "--no-startup-delay", "--no-reload", "--interval=0", *extra, stdout=io.StringIO()
            )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_an_email_waits_while_the_mail_server_is_down_and_goes_once_it_is_back(
    mail_server, queued, acme_reader, django_capture_on_commit_callbacks
):
    run_worker(django_capture_on_commit_callbacks)  # the server is not running: connection refused
    queued.refresh_from_db()
    assert (queued.state, queued.attempts) == (State.PENDING, 1)
    assert "Connection refused" in queued.last_error or "ConnectionRefusedError" in queued.last_error
    assert queued.body  # the text waits in the outbox

    mail_server.start()
    run_worker(django_capture_on_commit_callbacks)  # the retry is not due yet
    assert mail_server.inbox.messages == []
    with clock_moved(timedelta(minutes=2)):
        run_worker(django_capture_on_commit_callbacks)

    [(recipients, content)] = mail_server.inbox.messages
    assert recipients == [acme_reader.email]
    assert b"[TLP:GREEN]" in content
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.body) == (State.SENT, 2, "")

    mail_server.stop()  # down again: nothing more is sent, nothing is sent twice
    with clock_moved(timedelta(hours=3)):
        run_worker(django_capture_on_commit_callbacks)
    assert len(mail_server.inbox.messages) == 1


def test_an_email_whose_worker_was_killed_mid_send_is_sent_by_the_sweep(
    mail_server, queued, django_capture_on_commit_callbacks
):
    # The worker claimed it (SENDING) and was killed before it could say whether it was sent.
    assert outbox._claim(queued.pk, timezone.now()) is not None
    DBTaskResult.objects.all().delete()
    mail_server.start()
    worker = worker_command.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="after-the-kill",
        excluded_queue_names=[],
    )
    with clock_moved(outbox.STALE_CLAIM + timedelta(minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            worker._sweep_once()  # what the worker's sweep thread does every minute
        run_worker(django_capture_on_commit_callbacks)
    assert len(mail_server.inbox.messages) == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT


def test_the_worker_outlasts_a_database_outage_and_then_sends(
    mail_server, queued, django_capture_on_commit_callbacks, monkeypatch
):
    mail_server.start()
    real_run = db_worker.Worker.run
    calls = {"n": 0}

    def database_restarting_at_first(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("the database system is shutting down")
        real_run(self)

    monkeypatch.setattr(db_worker.Worker, "run", database_restarting_at_first)
    waits: list[float] = []
    reconnects: list[bool] = []
    monkeypatch.setattr(worker_command.threading.Event, "wait", lambda self, timeout=None: waits.append(timeout))
    # Closing the connection would end the test's transaction; count that the worker does it.
    monkeypatch.setattr(worker_command, "_close_connections", lambda: reconnects.append(True))
    run_worker(django_capture_on_commit_callbacks)
    assert waits == [1.0, 2.0] and len(reconnects) == 2  # it backed off, reconnected and carried on
    assert len(mail_server.inbox.messages) == 1
    queued.refresh_from_db()
    assert queued.state == State.SENT


def test_an_account_email_waits_in_the_outbox_while_the_mail_server_is_down(
    mail_server, client, acme_reader, django_capture_on_commit_callbacks
):
    # allauth's emails (here a password reset) are queued, not sent from the request: with the
    # mail server down the request still succeeds, and the email goes once the server is back.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": acme_reader.email})
    assert response.status_code == 302
    [delivery] = EmailDelivery.objects.filter(category=EmailDelivery.Category.ACCOUNT)
    assert delivery.state == State.PENDING and delivery.to_address == acme_reader.email
    run_worker(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (State.PENDING, 1)

    mail_server.start()
    with clock_moved(timedelta(minutes=2)):
        run_worker(django_capture_on_commit_callbacks)
    [(recipients, content)] = mail_server.inbox.messages
    assert recipients == [acme_reader.email]
    assert b"/accounts/password/reset/key/" in content
    delivery.refresh_from_db()
    assert delivery.state == State.SENT and delivery.body == ""
