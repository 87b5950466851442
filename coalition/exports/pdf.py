"""HTML to PDF with WeasyPrint, fetching nothing from anywhere: member HTML may name remote images
(a tracking pixel, or an address inside our network), so the fetcher refuses every URL but data:
and the portal's own static files. Fonts come from the system (fonts-dejavu-core)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)
# What the export templates write before a static file's path; no other URL is ever fetched.
STATIC_BASE = "https://portal.invalid" + settings.STATIC_URL


class RefusedURL(ValueError):
    """WeasyPrint leaves out a resource whose fetch raises, and goes on."""


class PortalOnlyFetcher(URLFetcher):
    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_BASE):
            try:
                found = finders.find(url.removeprefix(STATIC_BASE).split("?")[0])
            except SuspiciousFileOperation:  # a path out of the static folders ("../")
                found = None
            if isinstance(found, str):
                return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": _content_type(found)})
        logger.info("PDF export: refused to fetch %.200r", url)
        raise RefusedURL(f"not fetched: {url[:200]}")


def _content_type(path: str) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        Path(path).suffix.lower(), "application/octet-stream"
    )


def render(html: str) -> bytes:
    pdf = HTML(string=html, url_fetcher=PortalOnlyFetcher()).write_pdf()
    assert pdf is not None  # no target given: the bytes are returned
    return pdf
