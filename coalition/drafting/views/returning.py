"""Forms in the document page's margin post to the discussion's own views (the same services, rules
and audit); a hidden `return=document` brings the person back to the text rather than to the
discussion tab. A fixed word, never a URL: nothing here can send anyone elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from coalition.library.models import Document

RETURN_FIELD = "return"
TO_DOCUMENT = "document"


def to_document(request: HttpRequest) -> bool:
    return request.POST.get(RETURN_FIELD) == TO_DOCUMENT or request.GET.get(RETURN_FIELD) == TO_DOCUMENT


def back_to_document(document: Document, fragment: str) -> HttpResponse:
    return redirect(reverse("library:detail", args=[document.pk]) + f"#{fragment}")
