"""The published checkpoints of the audit log, for members and the oversight body to keep copies
(and check them later with `audit_verify --checkpoint FILE`, or any RFC 9162 / C2SP tool)."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit import tree
from coalition.audit.models import AuditCheckpoint
from coalition.audit.selectors import (
    ACTIVITY_PAGE,
    EXPORT_CAP,
    KINDS,
    coalition_events,
    described,
    inert,
    member_events,
    reads_of,
)
from coalition.audit.services import record
from coalition.core.http import query_int
from coalition.exports import labels
from coalition.library.models import TLP, Document
from coalition.organisations.models import Membership, Organisation


def _require_member(request: HttpRequest) -> None:
    if not access.can(request.user, Action.VIEW_AUDIT_CHECKPOINTS):
        raise Http404("No such page.")


def checkpoint(request: HttpRequest) -> HttpResponse:
    _require_member(request)
    recent = list(AuditCheckpoint.objects.order_by("-size")[:10])
    return render(
        request,
        "audit/checkpoint.html",
        {"latest": recent[0] if recent else None, "recent": recent, "status": tree.status()},
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


def _day(request: HttpRequest, name: str) -> Any:

    try:
        return date.fromisoformat(request.GET.get(name, "")[:10])
    except ValueError:
        return None


def _kind(request: HttpRequest) -> str:

    kind = request.GET.get("kind", "")
    return kind if kind in KINDS else ""


def _csv(rows: list[Any], *, heading: list[str], filename: str) -> HttpResponse:
    """A labelled CSV of log rows: the label and watermark first and last; member-controlled values
    cannot be read as spreadsheet formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerows([_cell(line)] for line in heading)
    writer.writerow(["event", "time (UTC)", "person", "action", "on", "material of", "address", "browser"])
    for row in rows:
        values = (
            row.seq or "",
            row.created_at.isoformat(),
            row.actor_label,
            row.action,
            row.target,
            row.material_of,
            row.ip,
            row.user_agent,
        )
        writer.writerow([_cell(v) for v in values])
    if len(rows) == EXPORT_CAP:
        writer.writerow([f"(the first {EXPORT_CAP} events only: narrow the filters for the rest)"])
    writer.writerows([_cell(line)] for line in reversed(heading))
    return response


def _log_page(request: HttpRequest, events: Any, template: str, context: dict[str, Any]) -> HttpResponse:

    before = query_int(request.GET.get("before_event"), default=0, minimum=0)
    # Keyset by id: an event is listed as soon as it commits, numbered or not yet.
    page = list((events.filter(id__lt=before) if before else events)[: ACTIVITY_PAGE + 1])
    query = "&".join(f"{k}={v}" for k, v in context["filters"].items() if v)
    return render(
        request,
        template,
        {
            **context,
            "rows": described(request.user, page[:ACTIVITY_PAGE]),
            "next_before": page[ACTIVITY_PAGE - 1].pk if len(page) > ACTIVITY_PAGE else None,
            "query": query,
        },
    )


def _stamp(request: HttpRequest) -> labels.Stamp:
    """The log's rows name people and addresses: TLP:AMBER+STRICT, with the recipient's watermark
    and an export id, as every file taken out of the portal (coalition/exports/labels.py)."""
    return labels.stamp_for(request.user, TLP.AMBER_STRICT)


def _heading(stamp: labels.Stamp, what: str, audience: str) -> list[str]:
    return [
        *stamp.lines(),
        _("%(what)s: do not share outside %(audience)s") % {"what": what, "audience": audience},
    ]


def organisation_activity(request: HttpRequest, slug: str) -> HttpResponse:
    """What the organisation's members did: its admins' view of the audit log, never content.
    Looking (and exporting) is itself recorded."""
    organisation = access.get_object_or_404(
        request.user, Action.VIEW_ORGANISATION_ACTIVITY, Organisation.objects.all(), slug=slug
    )
    filters = {
        "person": query_int(request.GET.get("person"), default=0, minimum=0) or None,
        "kind": _kind(request),
        "after": _day(request, "after"),
        "before": _day(request, "before"),
    }
    events = member_events(organisation, **filters)
    logged = {k: str(v) for k, v in filters.items() if v}
    if request.GET.get("format") == "csv":
        rows = described(request.user, list(events[:EXPORT_CAP]))
        stamp = _stamp(request)
        record(
            action="audit.activity_exported",
            actor=request.user,
            target=organisation,
            target_org_id=organisation.pk,
            data={"filters": logged, "rows": len(rows), "export": stamp.export_id},
        )
        what = _("The audit log of %(organisation)s's members") % {"organisation": organisation.name}
        heading = _heading(stamp, what, organisation.name)
        return _csv(rows, heading=heading, filename=f"activity-{organisation.slug}.csv")
    record(
        action="audit.activity_viewed",
        actor=request.user,
        target=organisation,
        target_org_id=organisation.pk,
        data={"filters": logged},
    )
    members = Membership.objects.filter(organisation=organisation).select_related("user")
    return _log_page(
        request,
        events,
        "audit/organisation_activity.html",
        {"organisation": organisation, "filters": filters, "members": members.order_by("user__name", "user__email")},
    )


def oversight(request: HttpRequest) -> HttpResponse:
    """The oversight role's view: every event of the coalition (who, when, what kind, whose
    material, its label and audience), never content; a title only where the person may read the
    document. Looking (and exporting) is itself recorded."""
    if not access.can(request.user, Action.VIEW_OVERSIGHT_LOG):
        raise Http404("No such page.")
    filters = {
        "person": request.GET.get("person", "").strip()[:254],
        "organisation": query_int(request.GET.get("organisation"), default=0, minimum=0) or None,
        "document": query_int(request.GET.get("document"), default=0, minimum=0) or None,
        "kind": _kind(request),
        "after": _day(request, "after"),
        "before": _day(request, "before"),
    }
    events = coalition_events(**filters)
    logged = {k: str(v) for k, v in filters.items() if v}
    if request.GET.get("format") == "csv":
        rows = described(request.user, list(events[:EXPORT_CAP]))
        stamp = _stamp(request)
        record(
            action="audit.oversight_exported",
            actor=request.user,
            data={"filters": logged, "rows": len(rows), "export": stamp.export_id},
        )
        heading = _heading(stamp, _("The coalition's audit log"), _("the oversight body"))
        return _csv(rows, heading=heading, filename="audit-log.csv")
    record(action="audit.oversight_viewed", actor=request.user, data={"filters": logged})
    return _log_page(
        request,
        events,
        "audit/oversight.html",
        {"filters": filters, "organisations": Organisation.objects.order_by("name")},
    )


def _cell(value: object) -> str:
    """A value as inert text: no spreadsheet formula, and no control character (see `inert`)."""
    text = inert(str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
