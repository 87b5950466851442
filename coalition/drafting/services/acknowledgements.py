"""Acknowledgement of guidance: owner editors ask organisations; contributors and above acknowledge
for their organisation."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from coalition import access
from coalition.access import Action
from coalition.access import drafting as access_drafting
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting.models import (
    Acknowledgement,
    AcknowledgementRequest,
)
from coalition.drafting.services.common import (
    audit,
    clean_text,
    locked,
    mark_done,
    notify,
    require,
)
from coalition.library.models import Document
from coalition.organisations.models import Organisation, Role


@transaction.atomic
def request_acknowledgement(
    *, acting_user: Any, document: Document, organisations: list[Organisation], message: str = ""
) -> AcknowledgementRequest:
    document = locked(document)
    require(acting_user, Action.REQUEST_ACKNOWLEDGEMENT, document)
    if document.kind != Document.Kind.GUIDANCE:
        raise ServiceError("Acknowledgement is asked for guidance documents.", code="organisations")
    if document.status != Document.Status.PUBLISHED or document.published_revision is None:
        raise ServiceError("Publish the guidance before asking organisations to acknowledge it.", code="organisations")
    if not organisations:
        raise ServiceError("Choose at least one organisation.", code="organisations")
    reach = access_drafting.readers_by_organisation(document, organisations, at_least=Role.CONTRIBUTOR)
    unreached = [o.name for o in organisations if not reach.get(o.pk)]
    if unreached:
        raise ServiceError(
            f"Nobody at {', '.join(unreached)} can read this guidance (or acknowledge it): share it with them first.",
            code="organisations",
        )
    request = AcknowledgementRequest.objects.create(
        document=document,
        revision=document.published_revision,
        message=clean_text(message, field="message", label="the message", limit=2000, required=False),
        requested_by=acting_user,
    )
    request.organisations.set(organisations)
    audit(
        "acknowledgement.requested",
        acting_user=acting_user,
        document=document,
        request=request.pk,
        organisations=sorted(o.pk for o in organisations),
        revision=request.revision.number,
    )
    notify(
        kind="acknowledgement_requested",
        recipients=[u for people in reach.values() for u in people],
        document=document,
        actor=acting_user,
        verb=f"asked your organisation to acknowledge revision {request.revision.number} of",
        url=reverse("drafting:acknowledgements", args=[document.pk]),
        task=f"acknowledgement:{request.pk}",
    )
    return request


@transaction.atomic
def acknowledge(*, acting_user: Any, request: AcknowledgementRequest, organisation: Organisation) -> Acknowledgement:
    request = AcknowledgementRequest.objects.select_related("document", "revision").get(pk=request.pk)
    memberships = access.acknowledging_memberships(acting_user, request)
    if not memberships:
        raise AccessDenied(Action.ACKNOWLEDGE)
    if organisation.pk not in {m.organisation_id for m in memberships}:
        raise ServiceError(f"{organisation.name} was not asked, or you cannot acknowledge for it.", code="organisation")
    if request.acknowledgements.filter(user=acting_user, organisation=organisation).exists():
        raise ServiceError(f"You have already acknowledged this for {organisation.name}.", code="organisation")
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(request=request, organisation=organisation, user=acting_user)
    except IntegrityError:
        raise ServiceError(
            f"You have already acknowledged this for {organisation.name}.", code="organisation"
        ) from None
    audit(
        "acknowledgement.given",
        acting_user=acting_user,
        document=request.document,
        request=request.pk,
        organisation=organisation.pk,
        revision=request.revision.number,
    )
    if not access.acknowledging_memberships(acting_user, request) or all(
        request.acknowledgements.filter(user=acting_user, organisation_id=m.organisation_id).exists()
        for m in access.acknowledging_memberships(acting_user, request)
    ):
        # Nothing left for this person to acknowledge on this request.
        mark_done(task=f"acknowledgement:{request.pk}", recipients=[acting_user])
    return ack
