"""Ratification of principles: signatories endorse or decline one fixed revision for their
organisation, with a fresh second factor; adopted at quorum."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.access import drafting as access_drafting
from coalition.core.errors import AccessDenied, ServiceError
from coalition.drafting.models import (
    Endorsement,
    Ratification,
)
from coalition.drafting.services.common import (
    audit,
    clean_text,
    locked,
    mark_done,
    notify,
    notify_watchers,
    require,
)
from coalition.library.models import Document
from coalition.organisations.models import Organisation


def ratifying_organisations(document: Document) -> Any:
    """The active member organisations the document reaches: those whose signatories ratify it."""
    from coalition.access.drafting import ratifying_organisation_ids

    return Organisation.objects.filter(pk__in=ratifying_organisation_ids(document))


def default_quorum(eligible: int) -> int:
    """A majority of the eligible organisations."""
    return eligible // 2 + 1


@transaction.atomic
def open_ratification(
    *, acting_user: Any, document: Document, quorum: int | None = None, deadline: datetime.date | None = None
) -> Ratification:
    document = locked(document)
    require(acting_user, Action.OPEN_RATIFICATION, document)
    if document.kind != Document.Kind.PRINCIPLES:
        raise ServiceError("Only principles documents are ratified.", code="ratification")
    if document.status != Document.Status.PUBLISHED or document.published_revision is None:
        raise ServiceError("Publish the document before opening it for ratification.", code="ratification")
    revision = document.published_revision
    if document.ratifications.filter(state=Ratification.State.OPEN).exists():
        raise ServiceError("A ratification of this document is already open.", code="ratification")
    if document.ratifications.filter(state=Ratification.State.ADOPTED, revision=revision).exists():
        raise ServiceError(f"Revision {revision.number} is already adopted.", code="ratification")
    eligible = ratifying_organisations(document).count()
    if eligible == 0:
        raise ServiceError(
            "No active member organisation can read this document, so none can ratify it. Widen its audience first.",
            code="ratification",
        )
    quorum = default_quorum(eligible) if quorum is None else quorum
    if not 1 <= quorum <= eligible:
        raise ServiceError(f"The quorum must be between 1 and {eligible} organisations.", code="quorum")
    if deadline is not None and deadline <= timezone.localdate():
        raise ServiceError("The deadline must be in the future.", code="deadline")
    try:
        with transaction.atomic():
            ratification = Ratification.objects.create(
                document=document,
                revision=revision,
                quorum=quorum,
                eligible=eligible,
                deadline=deadline,
                opened_by=acting_user,
            )
    except IntegrityError:
        raise ServiceError("A ratification of this document is already open.", code="ratification") from None
    audit(
        "ratification.opened",
        acting_user=acting_user,
        document=document,
        ratification=ratification.pk,
        revision=revision.number,
        quorum=quorum,
        deadline=deadline.isoformat() if deadline else None,
    )
    signatories = access_drafting.ratifying_signatories(document)
    notify(
        kind="ratification_opened",
        recipients=signatories,
        document=document,
        actor=acting_user,
        verb=f"opened ratification of revision {revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
        task=f"ratification:{ratification.pk}",
    )
    notify_watchers(
        document=document,
        actor=acting_user,
        verb=f"opened ratification of revision {revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
        told=signatories,
    )
    return ratification


def _open_for_decisions(ratification: Ratification) -> Ratification:
    ratification = (
        Ratification.objects.select_for_update().select_related("revision", "document").get(pk=ratification.pk)
    )
    if ratification.state != Ratification.State.OPEN:
        raise ServiceError(
            f"This ratification is {ratification.get_state_display().lower()}; its record can no longer change.",
            code="decision",
        )
    if ratification.deadline is not None and ratification.deadline < timezone.localdate():
        raise ServiceError(f"The deadline ({ratification.deadline:%-d %B %Y}) has passed.", code="decision")
    document = ratification.document
    if document.status != Document.Status.PUBLISHED:
        # Archived or taken back to draft while the ratification was open (set_status leaves it
        # open): say so, rather than speak of a newer revision that does not exist.
        raise ServiceError("This document is no longer published: this ratification no longer counts.", code="decision")
    if document.published_revision_id != ratification.revision_id:
        raise ServiceError("A newer revision has been published: this ratification no longer counts.", code="decision")
    return ratification


def _require_mfa(mfa_confirmed: bool) -> None:
    if not mfa_confirmed:
        raise ServiceError("Confirm with your second factor before deciding for your organisation.", code="mfa")


@transaction.atomic
def endorse(
    *,
    acting_user: Any,
    ratification: Ratification,
    organisation: Organisation,
    decision: str,
    reason: str = "",
    mfa_confirmed: bool,
) -> Endorsement:
    """A signatory endorses or declines, for one organisation, the exact revision under ratification.
    `mfa_confirmed`: the view saw a fresh second-factor re-authentication."""
    _lock_document_of(ratification)
    if not access.can(acting_user, Action.VIEW_DOCUMENT, ratification.document):
        raise AccessDenied(Action.ENDORSE)  # before any state is told
    ratification = _open_for_decisions(ratification)
    memberships = access.signatory_memberships(acting_user, ratification)
    if not memberships:
        raise AccessDenied(Action.ENDORSE)
    if organisation.pk not in {m.organisation_id for m in memberships}:
        raise ServiceError(f"You are not a signatory for {organisation.name}.", code="organisation")
    _require_mfa(mfa_confirmed)
    if decision not in Endorsement.Decision.values:
        raise ServiceError("Choose endorse or decline.", code="decision")
    reason = clean_text(
        reason, field="reason", label="the reason", limit=5000, required=decision == Endorsement.Decision.DECLINE
    )
    existing = ratification.endorsements.filter(organisation=organisation, withdrawn_at__isnull=True).first()
    if existing is not None:
        raise ServiceError(
            f"{organisation.name} has already {existing.get_decision_display().lower()} this revision "
            f"({existing.signatory}); withdraw that first.",
            code="decision",
        )
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                ratification=ratification,
                organisation=organisation,
                revision=ratification.revision,
                signatory=acting_user,
                decision=decision,
                reason=reason,
            )
    except IntegrityError:
        raise ServiceError(f"{organisation.name} has already decided on this revision.", code="decision") from None
    audit(
        "ratification.endorsed" if decision == Endorsement.Decision.ENDORSE else "ratification.declined",
        acting_user=acting_user,
        document=ratification.document,
        ratification=ratification.pk,
        organisation=organisation.pk,
        revision=ratification.revision.number,
    )
    _done_for_signatories_of(ratification, organisation)
    if not _adopt_if_quorate(ratification, acting_user):
        notify_watchers(
            document=ratification.document,
            actor=acting_user,
            verb="recorded their organisation's decision on the ratification of",
            url=reverse("drafting:ratification", args=[ratification.document_id]),
        )
    return endorsement


def _lock_document_of(ratification: Ratification) -> None:
    # Document row first, then the ratification: the same order as publish(), so no deadlock.
    Document.objects.select_for_update(of=("self",)).filter(pk=ratification.document_id).first()


def _adopt_if_quorate(ratification: Ratification, actor: Any) -> bool:
    endorsed = ratification.endorsements.filter(withdrawn_at__isnull=True, decision=Endorsement.Decision.ENDORSE)
    if endorsed.count() < ratification.quorum:
        return False
    ratification.state, ratification.adopted_at = Ratification.State.ADOPTED, timezone.now()
    ratification.save(update_fields=["state", "adopted_at"])
    document = ratification.document
    audit(
        "ratification.adopted",
        acting_user=actor,
        document=document,
        ratification=ratification.pk,
        revision=ratification.revision.number,
        organisations=sorted(endorsed.values_list("organisation_id", flat=True)),
    )
    mark_done(task=f"ratification:{ratification.pk}")
    owner = access_drafting.readers_by_organisation(document, [document.owner])
    told = [ratification.opened_by, *access_drafting.ratifying_signatories(document)] + [
        u for people in owner.values() for u in people
    ]
    notify(
        kind="ratification_adopted",
        # Who opened it, the signatories who could decide, and the owner organisation's members.
        recipients=told,
        document=document,
        actor=actor,
        verb=f"completed the quorum adopting revision {ratification.revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
    )
    notify_watchers(
        document=document,
        actor=actor,
        verb=f"completed the quorum adopting revision {ratification.revision.number} of",
        url=reverse("drafting:ratification", args=[document.pk]),
        told=told,
    )
    return True


@transaction.atomic
def _done_for_signatories_of(ratification: Ratification, organisation: Organisation) -> None:
    """The organisation has decided: the inbox item is done for each of its signatories, unless
    they also sign for another organisation that has not decided yet (three queries)."""
    from coalition.access.drafting import ratifying_organisation_ids
    from coalition.organisations.models import Membership

    decided = set(ratification.endorsements.filter(withdrawn_at__isnull=True).values_list("organisation_id", flat=True))
    undecided = ratifying_organisation_ids(ratification.document) - decided
    people = [
        m.user for m in Membership.objects.filter(organisation=organisation, signatory=True).select_related("user")
    ]
    waiting = set(
        Membership.objects.filter(
            user_id__in=[p.pk for p in people], signatory=True, organisation_id__in=undecided
        ).values_list("user_id", flat=True)
    )
    mark_done(task=f"ratification:{ratification.pk}", recipients=[p for p in people if p.pk not in waiting])


def withdraw_endorsement(*, acting_user: Any, endorsement: Endorsement, mfa_confirmed: bool) -> Endorsement:
    _lock_document_of(endorsement.ratification)
    if not access.can(acting_user, Action.VIEW_DOCUMENT, endorsement.ratification.document):
        raise AccessDenied(Action.WITHDRAW_ENDORSEMENT)  # before any state is told
    _open_for_decisions(endorsement.ratification)
    endorsement = (
        Endorsement.objects.select_for_update()
        .select_related("ratification__document", "organisation")
        .get(pk=endorsement.pk)
    )
    require(acting_user, Action.WITHDRAW_ENDORSEMENT, endorsement)
    _require_mfa(mfa_confirmed)
    endorsement.withdrawn_at, endorsement.withdrawn_by = timezone.now(), acting_user
    endorsement.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit(
        "ratification.withdrawn",
        acting_user=acting_user,
        document=endorsement.ratification.document,
        ratification=endorsement.ratification_id,
        organisation=endorsement.organisation_id,
    )
    return endorsement


@transaction.atomic
def close_ratification(*, acting_user: Any, ratification: Ratification) -> Ratification:
    document = locked(ratification.document)
    require(acting_user, Action.OPEN_RATIFICATION, document)
    ratification = Ratification.objects.select_for_update().get(pk=ratification.pk)
    if ratification.state != Ratification.State.OPEN:
        raise ServiceError(f"This ratification is already {ratification.get_state_display().lower()}.")
    ratification.state, ratification.closed_at = Ratification.State.CLOSED, timezone.now()
    ratification.save(update_fields=["state", "closed_at"])
    audit("ratification.closed", acting_user=acting_user, document=document, ratification=ratification.pk)
    mark_done(task=f"ratification:{ratification.pk}")
    notify_watchers(
        document=document,
        actor=acting_user,
        verb="closed without adoption the ratification of",
        url=reverse("drafting:ratification", args=[document.pk]),
    )
    return ratification
