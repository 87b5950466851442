"""The email outbox: queue an email in the caller's transaction, deliver it from a task, retry a
failed send with backoff, and let an operator sweep up what a lost task left behind.

A delivery is claimed (PENDING -> SENDING) under a row lock, sent with no lock held (a slow mail
server must not block other writers, which on SQLite means the whole database), then marked SENT.
A second task for the same row finds it claimed or sent and does nothing, so a duplicate task never
sends twice. Only a worker that dies between handing the message to the mail server and marking it
sent can cause a second copy, once its claim has gone stale and the sweep re-queues it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.library.models import Document
from coalition.notifications.emails import notification_email, one_line, stricter
from coalition.notifications.models import EmailDelivery, Notification

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, 4th and 5th attempt (and any after: the last one again).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(minutes=60))
# A claim older than this belongs to a worker that died mid-send (the SMTP timeout is 10 s).
STALE_CLAIM = timedelta(minutes=15)

State = EmailDelivery.State


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def queue_email(
    *,
    category: str,
    to_address: str,
    subject: str,
    body: str,
    recipient: Any = None,
    notification: Notification | None = None,
    tlp: str = "",
) -> EmailDelivery:
    """Write an email to the outbox; it is handed to the delivery task once the caller's
    transaction commits, and not at all if it rolls back."""
    delivery = EmailDelivery.objects.create(
        category=category,
        to_address=to_address,
        subject=one_line(subject)[:300],
        body=body,
        recipient=recipient,
        notification=notification,
        tlp=tlp,
    )
    enqueue(delivery.pk)
    return delivery


def enqueue(delivery_id: int, *, run_after: datetime | None = None) -> bool:
    """Hand a delivery to the task backend after the current transaction commits. Returns False
    when a later attempt cannot be scheduled because the backend cannot defer tasks (the
    in-process backend): the delivery then waits, pending, for `send_pending_email`."""
    if run_after is not None and not deliver_email.get_backend().supports_defer:
        return False
    queued = deliver_email.using(run_after=run_after) if run_after is not None else deliver_email
    # robust: the change is committed whatever happens here; a failed enqueue leaves the row
    # pending for the sweep rather than turning a successful request into an error.
    transaction.on_commit(lambda: queued.enqueue(delivery_id), robust=True)
    return True


def _claim(delivery_id: int, now: datetime) -> EmailDelivery | None:
    """Lock the row and move it to SENDING if it is due; None if there is nothing to send."""
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(of=("self",))
            .select_related("notification__document", "notification__actor", "recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != State.PENDING or delivery.next_attempt_at > now:
            # Sent, being sent, given up, or a retry is scheduled for later by another task.
            return None
        reason = _reason_not_to_send(delivery)
        if reason:
            delivery.state = State.CANCELLED
            delivery.last_error = reason
            delivery.body = ""
            delivery.save(update_fields=["state", "last_error", "body"])
            logger.info("Email delivery %s cancelled: %s", delivery.pk, reason)
            return None
        _relabel_if_stricter(delivery)
        delivery.state = State.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["state", "claimed_at", "attempts", "subject", "body", "tlp"])
        return delivery


def _reason_not_to_send(delivery: EmailDelivery) -> str:
    """A notification email goes only to an active person who can still read the document."""
    notification = delivery.notification
    if delivery.category != EmailDelivery.Category.NOTIFICATION or notification is None:
        return ""
    user = delivery.recipient
    if user is None or not user.is_active:
        return "The recipient's account is no longer active."
    if not access.can(user, Action.VIEW_DOCUMENT, notification.document):
        return "The recipient can no longer read the document."
    if notification.about_draft and not access.sees_working_copy(user, notification.document):
        return "The recipient no longer works on the draft the notification is about."
    return ""


def _relabel_if_stricter(delivery: EmailDelivery) -> None:
    """A document relabelled upwards (say GREEN -> AMBER) since the email was written: write it
    again under the new label, so it no longer carries the title or member text."""
    notification = delivery.notification
    if delivery.category != EmailDelivery.Category.NOTIFICATION or notification is None or not delivery.tlp:
        return
    document: Document = notification.document
    tlp = stricter(delivery.tlp, document.tlp)
    if tlp != delivery.tlp:
        delivery.subject, delivery.body = notification_email(
            notification, tlp=tlp, actor=notification.actor, title=document.title
        )
        delivery.tlp = tlp


def _describe(error: BaseException) -> str:
    """The error for the outbox row and the log, without the mail server's credentials."""
    text = f"{type(error).__name__}: {one_line(str(error))}"
    for mailer in getattr(settings, "MAILERS", {}).values():
        secret = str(mailer.get("OPTIONS", {}).get("password") or "")
        if secret:
            text = text.replace(secret, "***")
    return text[:500]


def deliver(delivery_id: int) -> str:
    """Send one queued email; returns what happened (for the task result and the logs)."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return "skipped"
    try:
        EmailMessage(subject=delivery.subject, body=delivery.body, to=[delivery.to_address]).send()
    except Exception as error:  # any failure to send is recorded and retried
        return _failed(delivery, error)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        state=State.SENT, sent_at=timezone.now(), body="", claimed_at=None, last_error=""
    )
    return "sent"


def _failed(delivery: EmailDelivery, error: Exception) -> str:
    described = _describe(error)
    now = timezone.now()
    with transaction.atomic():
        if delivery.attempts >= settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS:
            EmailDelivery.objects.filter(pk=delivery.pk).update(
                state=State.FAILED, last_error=described, claimed_at=None
            )
            # Logged as an error so that it reaches a person; the row keeps the text for a resend.
            logger.error(
                "Email delivery %s failed after %s attempts, giving up: %s", delivery.pk, delivery.attempts, described
            )
            return "failed"
        when = now + backoff(delivery.attempts)
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            state=State.PENDING, last_error=described, claimed_at=None, next_attempt_at=when
        )
        scheduled = enqueue(delivery.pk, run_after=when)
    logger.warning(
        "Email delivery %s attempt %s failed (%s); %s",
        delivery.pk,
        delivery.attempts,
        described,
        f"retrying after {when:%H:%M:%S}"
        if scheduled
        else "the task backend cannot defer, so it waits for `manage.py send_pending_email`",
    )
    return "retry"


def sweep(*, overdue_by: timedelta = timedelta(minutes=5), include_failed: bool = False) -> int:
    """Re-queue deliveries that no task will pick up: due (by at least `overdue_by`) but still
    pending, claimed by a worker that died, and, when asked, given up. A duplicate task is
    harmless (see the module docstring). Returns how many were queued."""
    now = timezone.now()
    with transaction.atomic():
        # Claimed by a worker that died: due again now, and queued in this same sweep.
        stale = list(
            EmailDelivery.objects.select_for_update()
            .filter(state=State.SENDING, claimed_at__lt=now - STALE_CLAIM)
            .values_list("pk", flat=True)
        )
        EmailDelivery.objects.filter(pk__in=stale).update(state=State.PENDING, claimed_at=None, next_attempt_at=now)
        if include_failed:
            EmailDelivery.objects.filter(state=State.FAILED).update(
                state=State.PENDING, attempts=0, next_attempt_at=now
            )
        overdue = EmailDelivery.objects.filter(Q(state=State.PENDING) & Q(next_attempt_at__lte=now - overdue_by))
        due = sorted({*stale, *overdue.values_list("pk", flat=True)})
        for pk in due:
            enqueue(pk)
    return len(due)


@task
def deliver_email(delivery_id: int) -> str:
    """The task: send one email from the outbox; a failure is recorded and retried later. Its
    argument is an id only: the task table never holds email text."""
    return deliver(delivery_id)
