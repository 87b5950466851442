"""Emails about organisations, written to the outbox in the transaction that caused them and
delivered (and retried) by the notifications app's delivery task once it commits."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from coalition.notifications.models import EmailDelivery
from coalition.notifications.outbox import queue_email
from coalition.organisations.models import Invitation


def send_invitation_email(*, invitation: Invitation, url: str) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "url": url,
        "days": settings.INVITATION_DAYS,
    }
    subject = " ".join(render_to_string("organisations/email/invitation_subject.txt", context, using="text").split())
    body = render_to_string("organisations/email/invitation_body.txt", context, using="text")
    queue_email(category=EmailDelivery.Category.INVITATION, to_address=invitation.email, subject=subject, body=body)
