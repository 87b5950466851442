"""The published checkpoints of the audit log, for members and the oversight body to keep copies
(and check them later with `audit_verify --checkpoint FILE`, or any RFC 9162 / C2SP tool)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from coalition import access
from coalition.audit import tree
from coalition.audit.models import AuditCheckpoint, TreeHead


def _require_member(request: HttpRequest) -> None:
    if not access.memberships_of(request.user):
        raise Http404("No such page.")


def checkpoint(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    latest = AuditCheckpoint.objects.order_by("-size").first()
    return render(
        request,
        "audit/checkpoint.html",
        {
            "latest": latest,
            "recent": list(AuditCheckpoint.objects.order_by("-size")[:10]),
            "head": TreeHead.objects.filter(id=1).first(),
            "origin": tree.origin(),
        },
    )


def checkpoint_file(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    latest = AuditCheckpoint.objects.order_by("-size").first()
    if latest is None:
        raise Http404("No checkpoint yet.")
    response = HttpResponse(latest.note, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-checkpoint-{latest.size}.txt"'
    return response
