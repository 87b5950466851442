"""Shared factories for the drafting tests: a principles text with sections, documents made and
moved along through the services (never by writing rows), and the audit log's newest event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document, Revision
from coalition.organisations.models import Organisation

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""


def last_seq() -> int:
    """The newest audit event's number (0 for none): events after it are what a call recorded."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=seq).order_by("id"))


def save(document: Document, body: str, *, by: Any) -> Revision:
    """A new revision on top of the current one, as the editor page saves it."""
    document.refresh_from_db()
    assert document.current_revision is not None
    return drafting.save_revision(
        acting_user=by, document=document, body=body, base_number=document.current_revision.number
    )


def step(name: str, role: str, *, organisation: Organisation | None = None, community: Any = None) -> Any:
    return drafting.StepSpec(name=name, role=role, organisation=organisation, community=community)


@pytest.fixture
def make_document(acme: Organisation, acme_editor: Any) -> Callable[..., Document]:
    """A document owned by Acme, written by its editor: a coalition-wide TLP:GREEN principles text
    unless told otherwise; `publish=True` publishes it (no review steps yet, so directly)."""

    def make(
        *,
        title: str = "Shared principles",
        kind: str = Document.Kind.PRINCIPLES,
        audience: str = Audience.COALITION,
        tlp: str = TLP.GREEN,
        body: str = BODY,
        by: Any = None,
        publish: bool = False,
        **extra: Any,
    ) -> Document:
        author = by or acme_editor
        document = library.create_document(
            acting_user=author,
            owner=acme,
            title=title,
            kind=kind,
            body=body,
            audience=audience,
            tlp=tlp,
            **extra,
        )
        if publish:
            drafting.publish(acting_user=author, document=document)
        document.refresh_from_db()
        return document

    return make
