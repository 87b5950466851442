"""The matrix's visible cells as CSV or XLSX: POST, so that a link or a prefetch never takes a
copy out in someone's name; the same filters as the matrix page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from coalition.core.errors import ServiceError
from coalition.core.http import query_int
from coalition.principles import export_services, selectors
from coalition.principles.services import cycles


@require_POST
def export_matrix(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    if fmt not in export_services.FORMATS:
        raise Http404("No such page.")
    years = cycles()
    cycle = query_int(request.POST.get("cycle"), default=years[0], minimum=years[-1], maximum=years[0])
    theme_code = request.POST.get("theme", "")
    theme = framework.themes.filter(code=theme_code).first() if theme_code else None
    kind = request.POST.get("kind", "")
    kind = kind if kind in dict(selectors.REPORTING_KINDS) else ""
    try:
        export = export_services.export_matrix(
            acting_user=request.user, framework=framework, cycle=cycle, fmt=fmt, theme=theme, kind=kind
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('principles:matrix', args=[framework.slug])}?cycle={cycle}")
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
