"""Background work through Django's tasks framework."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.tasks import task


@task
def send_email(*, subject: str, body: str, to: list[str]) -> None:
    EmailMessage(subject=subject, body=body, to=to).send()
