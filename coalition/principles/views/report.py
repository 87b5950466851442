"""The public transparency report: the list of published reports, one cycle's report (its newest
version, or an earlier one) and its PDF, for anyone; the secretariat's preview and publishing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.core.http import confirmation, is_confirmed, query_int
from coalition.principles import report_services
from coalition.principles.models import TransparencyReport
from coalition.principles.services import cycles


@login_not_required  # public
def reports(request: HttpRequest) -> HttpResponse:
    published = list(TransparencyReport.objects.defer("html", "pdf").order_by("-cycle", "-version")[:200])
    latest: dict[int, TransparencyReport] = {}
    for report in published:
        latest.setdefault(report.cycle, report)
    return render(
        request,
        "principles/report/index.html",
        {
            "reports": list(latest.values()),
            "can_publish": access.can(request.user, Action.PUBLISH_REPORT),
            "cycles": cycles(),
        },
    )


def _version(cycle: int, version: int | None) -> TransparencyReport:
    queryset = TransparencyReport.objects.filter(cycle=cycle)
    report = (queryset.filter(version=version) if version else queryset.order_by("-version")).first()
    if report is None:
        raise Http404("No such page.")
    return report


@login_not_required  # public
def report(request: HttpRequest, cycle: int) -> HttpResponse:
    version = query_int(request.GET.get("version"), default=0, minimum=0, maximum=32767)
    item = _version(cycle, version or None)
    versions = list(TransparencyReport.objects.filter(cycle=cycle).defer("html", "pdf").order_by("-version"))
    return render(
        request,
        "principles/report/page.html",
        {
            "report": item,
            # Stored at publication from the portal's own templates (every member text escaped there).
            "body": mark_safe(item.html),  # noqa: S308
            "versions": versions,
            "newest": versions[0].version,
            "can_publish": access.can(request.user, Action.PUBLISH_REPORT),
        },
    )


@login_not_required  # public
def report_pdf(request: HttpRequest, cycle: int, version: int) -> HttpResponse:
    item = _version(cycle, version)
    response = HttpResponse(bytes(item.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="transparency-report-{cycle}-v{version}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def preview(request: HttpRequest, cycle: int) -> HttpResponse:
    """What publishing now would publish; publishing asks once more, then keeps a new version."""
    if not access.can(request.user, Action.PUBLISH_REPORT) or cycle not in cycles():
        raise Http404("No such page.")
    latest = report_services.latest_version(cycle)
    if request.method == "POST":
        if not is_confirmed(request):
            explanation = [
                _("Anyone, without an account, will be able to read it and download its PDF."),
                _("It is built only from public TLP:CLEAR records and mileposts, as the preview shows."),
            ]
            if latest:
                explanation.append(
                    _("It becomes version %(new)s; version %(old)s stays readable.")
                    % {"new": latest + 1, "old": latest}
                )
            return confirmation(
                request,
                question=_("Publish the %(cycle)s transparency report?") % {"cycle": cycle},
                explanation=explanation,
                button=_("Publish"),
                cancel_url=reverse("principles:report_preview", args=[cycle]),
            )
        report_services.request_publication(acting_user=request.user, cycle=cycle)
        messages.success(
            request,
            _(
                "The %(cycle)s report is being published as version %(v)s. Making its PDF takes up to a minute; "
                "it is listed here once ready."
            )
            % {"cycle": cycle, "v": latest + 1},
        )
        return redirect("principles:reports")
    body = report_services.render_body(report_services.build(cycle))
    return render(
        request,
        "principles/report/preview.html",
        {"cycle": cycle, "body": mark_safe(body), "latest": latest, "cycles": cycles()},  # noqa: S308 - our rendering
    )
