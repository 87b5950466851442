"""The public appeal and reporting pages speak English or French: chosen by `?lang=`, else by the
browser's Accept-Language, never by a cookie or the address. The rest of the portal is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

PUBLIC_LANGUAGES = [("en", "English"), ("fr", "Français")]
_CODES = {code for code, _name in PUBLIC_LANGUAGES}


def _accepted(header: str) -> list[tuple[str, str]]:
    """(language, region) pairs from an Accept-Language header, best first; bounded work."""
    pairs = []
    for part in header[:500].split(",")[:20]:
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language, _dash, region = tag.strip().lower().partition("-")
        if language and language.isalpha() and quality > 0:
            pairs.append((quality, language, region.upper() if region.isalpha() and len(region) == 2 else ""))
    pairs.sort(key=lambda item: -item[0])
    return [(language, region) for _q, language, region in pairs]


def language_of(request: HttpRequest) -> str:
    # Only an ordinary form body is read here: a multipart one (files) is refused by the tip views.
    urlencoded = request.content_type == "application/x-www-form-urlencoded"
    chosen = request.POST.get("lang") if request.method == "POST" and urlencoded else None
    chosen = chosen or request.GET.get("lang")
    if chosen in _CODES:
        return str(chosen)
    for language, _region in _accepted(request.headers.get("Accept-Language", "")):
        if language in _CODES:
            return language
    return "en"


# A language alone suggests its main country; a region (fr-BE) says it outright.
_LANGUAGE_COUNTRY = {"fr": "FR", "de": "DE", "nl": "NL", "it": "IT", "es": "ES", "pl": "PL", "pt": "PT", "sv": "SE"}


def suggested_country(request: HttpRequest) -> str:
    for language, region in _accepted(request.headers.get("Accept-Language", "")):
        if region:
            return region
        if language in _LANGUAGE_COUNTRY:
            return _LANGUAGE_COUNTRY[language]
    return ""


def public_language[F: Callable[..., HttpResponse]](view: F) -> F:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = language_of(request)
        with translation.override(language):
            request.public_language = language  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render) and not response.is_rendered:  # type: ignore[attr-defined]
                response.render()  # type: ignore[attr-defined]
        response["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped  # type: ignore[return-value]
