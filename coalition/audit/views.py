"""The published checkpoints of the audit log, for members and the oversight body to keep copies
(and check them later with `audit_verify --checkpoint FILE`, or any RFC 9162 / C2SP tool)."""

from __future__ import annotations

from typing import Any

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


def document_reads(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Who read this": for the owners who manage the document (the share rule), never content.
    Looking is itself recorded."""
    from coalition.access import Action
    from coalition.audit.selectors import reads_of
    from coalition.audit.services import record
    from coalition.core.http import query_int
    from coalition.library.models import Document

    document = access.get_object_or_404(
        request.user, Action.VIEW_DOCUMENT_READS, Document.objects.select_related("owner"), pk=pk
    )
    page = query_int(request.GET.get("page"), default=1, maximum=10_000)
    record(action="document.reads_viewed", actor=request.user, target=document, target_org_id=document.owner_id)
    return render(
        request,
        "audit/document_reads.html",
        {"document": document, "reads": reads_of(document.pk, page=page), "page": page},
    )


def _activity_filters(request: HttpRequest, organisation: Any) -> dict[str, Any]:
    from datetime import date

    from coalition.audit.selectors import KINDS
    from coalition.core.http import query_int

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, "")[:10])
        except ValueError:
            return None

    kind = request.GET.get("kind", "")
    return {
        "person": query_int(request.GET.get("person"), default=0, minimum=0) or None,
        "kind": kind if kind in KINDS else "",
        "after": day("after"),
        "before": day("before"),
    }


def organisation_activity(request: HttpRequest, slug: str) -> HttpResponse:
    """What the organisation's members did: its admins' view of the audit log, never content.
    Looking (and exporting) is itself recorded."""
    import csv

    from django.utils import timezone

    from coalition.access import Action
    from coalition.audit.selectors import ACTIVITY_PAGE, EXPORT_CAP, KINDS, described, member_events
    from coalition.audit.services import record
    from coalition.core.http import query_int
    from coalition.organisations.models import Membership, Organisation

    organisation = access.get_object_or_404(
        request.user, Action.VIEW_ORGANISATION_ACTIVITY, Organisation.objects.all(), slug=slug
    )
    filters = _activity_filters(request, organisation)
    events = member_events(organisation, **filters)
    logged = {k: str(v) for k, v in filters.items() if v}
    if request.GET.get("format") == "csv":
        rows = described(request.user, list(events[:EXPORT_CAP]))
        record(
            action="audit.activity_exported",
            actor=request.user,
            target=organisation,
            target_org_id=organisation.pk,
            data={"filters": logged, "rows": len(rows)},
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="activity-{organisation.slug}.csv"'
        writer = csv.writer(response)
        email = getattr(request.user, "email", "")
        label = (
            f"TLP:AMBER+STRICT - audit log of {organisation.name}'s members - exported by {email} "
            f"on {timezone.now():%Y-%m-%d %H:%M} UTC - do not share outside {organisation.name}"
        )
        writer.writerow([label])
        writer.writerow(["event", "time (UTC)", "person", "action", "on", "address"])
        for row in rows:
            # Values are member-controlled: a leading = + - @ would be a formula in a spreadsheet.
            writer.writerow(
                [
                    _cell(v)
                    for v in (row.seq, row.created_at.isoformat(), row.actor_label, row.action, row.target, row.ip)
                ]
            )
        if len(rows) == EXPORT_CAP:
            writer.writerow([f"(the first {EXPORT_CAP} events only: narrow the filters for the rest)"])
        writer.writerow([label])
        return response
    before = query_int(request.GET.get("before_event"), default=0, minimum=0)
    page = list((events.filter(seq__lt=before) if before else events)[: ACTIVITY_PAGE + 1])
    record(
        action="audit.activity_viewed",
        actor=request.user,
        target=organisation,
        target_org_id=organisation.pk,
        data={"filters": logged},
    )
    query = "&".join(f"{k}={v}" for k, v in {**filters, "person": filters["person"] or ""}.items() if v)
    return render(
        request,
        "audit/organisation_activity.html",
        {
            "organisation": organisation,
            "rows": described(request.user, page[:ACTIVITY_PAGE]),
            "next_before": page[ACTIVITY_PAGE - 1].seq if len(page) > ACTIVITY_PAGE else None,
            "filters": filters,
            "query": query,
            "kinds": list(KINDS),
            "members": Membership.objects.filter(organisation=organisation)
            .select_related("user")
            .order_by("user__name", "user__email"),
        },
    )


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
