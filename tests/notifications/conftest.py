"""Fixtures for the notification tests: documents at every TLP label with sentinel text in each
place document or member text lives, and a mail backend that fails on demand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.core.mail.backends.locmem import EmailBackend

from coalition.accounts.models import User
from coalition.drafting.services import publication as workflow
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.notifications import services
from coalition.notifications.models import Kind, Notification
from coalition.organisations.models import Organisation, Role

# Distinctive strings: an email that must not carry document or member text must contain none.
TITLE = "Zebrafinch title"
SUMMARY = "Quokka summary"
BODY = "Narwhal body text"
EXCERPT = "Axolotl comment excerpt"


class FlakyBackend(EmailBackend):
    """The test mail backend, failing the next `failures` sends as an unreachable server would."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def __init__(self, *, password: str = "", **kwargs: Any) -> None:
        # Accepts a password like the SMTP backend, to test that it never reaches the outbox.
        super().__init__(**kwargs)
        self.password = password

    def send_messages(self, messages: Any) -> int:
        type(self).calls += 1
        if type(self).failures > 0:
            type(self).failures -= 1
            raise ConnectionRefusedError("mail.example:587 refused the connection")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings: Any) -> type[FlakyBackend]:
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.conftest.FlakyBackend"}}
    FlakyBackend.failures = 0
    FlakyBackend.calls = 0
    return FlakyBackend


@pytest.fixture
def acme_contributor_two(make_member: Callable[..., User], acme: Organisation) -> User:
    return make_member(acme, Role.CONTRIBUTOR, email="contributor2@acme.example", name="Con Two")


@pytest.fixture
def make_doc(acme_editor: User, acme: Organisation) -> Callable[..., Document]:
    """A document owned by Acme, written by Acme's editor, with sentinel text everywhere."""

    def make(tlp: str = TLP.AMBER, *, audience: str = Audience.ORGANISATION, publish: bool = False) -> Document:
        document = library.create_document(
            acting_user=acme_editor,
            owner=acme,
            title=TITLE,
            summary=SUMMARY,
            body=BODY,
            tlp=tlp,
            audience=audience,
        )
        if publish:
            workflow.set_status(acting_user=acme_editor, document=document, status="published")
        return document

    return make


@pytest.fixture
def notify_about(acme_editor: User) -> Callable[..., list[Notification]]:
    """notify() as the drafting app calls it: the editor replied to a comment."""

    def call(document: Document, recipients: list[User], **overrides: Any) -> list[Notification]:
        arguments: dict[str, Any] = {
            "kind": Kind.COMMENT_REPLY,
            "recipients": recipients,
            "document": document,
            "actor": acme_editor,
            "verb": "replied to your comment on",
            "url": f"/library/{document.pk}/discussion/#comment-1",
            "excerpt": EXCERPT,
        }
        arguments.update(overrides)
        return services.notify(**arguments)

    return call
