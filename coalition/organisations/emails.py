"""Emails about organisations; queued once the transaction that caused them has committed."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from coalition.core.tasks import send_email
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
    transaction.on_commit(partial(send_email.enqueue, subject=subject, body=body, to=[invitation.email]))
