"""Background tasks of the notifications app (Django's tasks framework; `manage.py db_worker` runs
them with the database backend). Arguments are ids only: the task table never holds email text."""

from __future__ import annotations

from django.tasks import task

from coalition.notifications import digest, outbox


@task
def deliver_email(delivery_id: int) -> str:
    """Send one email from the outbox; a failure is recorded and retried later (see outbox)."""
    return outbox.deliver(delivery_id)


@task
def send_digest(user_id: int) -> int:
    """Write one person's daily digest to the outbox, when it is due."""
    return digest.send_digest(user_id=user_id)
