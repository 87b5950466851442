"""The export of a document, from its page: POST, so that a link or a prefetch never takes a copy
out in someone's name."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from coalition import access
from coalition.exports import services
from coalition.library import selectors as library_selectors


@require_POST
def export_document(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    document = library_selectors.document_for(request.user, pk)  # the same 404 for outsiders
    if fmt not in services.FORMATS:
        raise Http404("No such page.")
    refusal = access.export_refusal(request.user, document)
    if refusal is not None:
        return render(request, "exports/refused.html", {"document": document, "refusal": refusal}, status=403)
    export = services.export_document(acting_user=request.user, document=document, fmt=fmt)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
