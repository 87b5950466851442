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


def event_proof(request: HttpRequest, pk: int) -> HttpResponse:
    """By the event's id, which it has from the moment it is recorded (its number comes from the
    sequencer a few seconds later)."""
    event = AuditEvent.objects.filter(pk=pk).first()
    if event is None or not access.can(request.user, Action.VIEW_AUDIT_EVENT, event):
        raise Http404("No such page.")
    leaf = AuditLeaf.objects.filter(event=event).first()
    event.__dict__["leaf_number"] = None if leaf is None else leaf.index + 1  # AuditEvent.number
    checkpoint = AuditCheckpoint.objects.order_by("-size").first()
    proof: list[str] = []
    if leaf is not None and checkpoint is not None and leaf.index < checkpoint.size:
        proof = [p.hex() for p in tree.inclusion_proof(leaf.index, checkpoint.size)]
    record(action="audit.proof_viewed", actor=request.user, target_type="audit.event", target_id=event.pk)
    return render(
        request,
        "audit/event_proof.html",
        {
            "event": event,
            "leaf": leaf,
            "checkpoint": checkpoint,
            "proof": proof,
            "integrated": bool(proof),
        },
    )
