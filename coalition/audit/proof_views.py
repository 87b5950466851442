"""The inclusion proof of one event, for the people who may see that event: the oversight role
(every event), an organisation's admins (their members' events) and a document's owners (the
events about it). Verifiable with any RFC 9162 tool against a signed checkpoint."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from coalition import access
from coalition.access import Action
from coalition.audit import tree
from coalition.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from coalition.audit.services import record
from coalition.library.models import Document
from coalition.organisations.models import Membership, Organisation


def may_see_event(user: object, event: AuditEvent) -> bool:
    if access.can(user, Action.VIEW_OVERSIGHT_LOG):
        return True
    if event.actor_id is not None:
        organisations = Organisation.objects.filter(
            pk__in=Membership.objects.filter(user_id=event.actor_id).values("organisation_id")
        )
        if any(access.can(user, Action.VIEW_ORGANISATION_ACTIVITY, o) for o in organisations):
            return True
    if event.target_type == "library.document" and event.target_id.isdigit():
        document = Document.objects.filter(pk=int(event.target_id)).first()
        if document is not None and access.can(user, Action.VIEW_DOCUMENT_READS, document):
            return True
    return False


def event_proof(request: HttpRequest, seq: int) -> HttpResponse:
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None or not may_see_event(request.user, event):
        raise Http404("No such page.")
    leaf = AuditLeaf.objects.filter(event=event).first()
    checkpoint = AuditCheckpoint.objects.order_by("-size").first()
    proof: list[str] = []
    if leaf is not None and checkpoint is not None and leaf.index < checkpoint.size:
        proof = [p.hex() for p in tree.inclusion_proof(leaf.index, checkpoint.size)]
    record(action="audit.proof_viewed", actor=request.user, target_type="audit.event", target_id=event.seq)
    return render(
        request,
        "audit/event_proof.html",
        {"event": event, "leaf": leaf, "checkpoint": checkpoint, "proof": proof, "integrated": bool(proof)},
    )
