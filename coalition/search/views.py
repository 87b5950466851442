"""The results page: anyone may search; each person finds only what they may read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from coalition.core.http import query_int, run_service
from coalition.search import alerts, backends, reporting, spelling
from coalition.search.models import SavedSearch
from coalition.search.query import MAX_QUERY_CHARS, Query, QueryError, parse

MAX_PAGE = backends.COUNT_LIMIT // backends.PAGE_SIZE
FACET_TITLES = {
    "type": _("Found in"),
    "kind": _("Kind"),
    "owner": _("Owner"),
    "topic": _("Topic"),
    "tlp": _("TLP label"),
    "status": _("Status"),
    "language": _("Language"),
    "year": _("Last changed"),
}
# The facet's name in the search box.
BOX_NAME = {"language": "lang", "type": "in"}


@dataclass
class FacetValue:
    label: str
    count: int
    href: str
    selected: bool


def _without(text: str, *names: str) -> str:
    for name in names:
        text = re.sub(rf"(?<!\S)-?{name}:\S*", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def _facet_values(text: str, query: Query, name: str, values: list[tuple[str, str, int]]) -> list[FacetValue]:
    out = []
    for value, label, count in values:
        if name == "year":
            selected = query.after is not None and query.after.year == int(value) == getattr(query.before, "year", 0)
            base = _without(text, "after", "before")
            href = base if selected else f"{base} after:{value} before:{value}"
        else:
            box = BOX_NAME.get(name, name)
            selected = query.filters.get(name) == value
            base = _without(text, *{box, name})
            href = base if selected else f"{base} {box}:{value.replace('_', '+') if name == 'tlp' else value}"
        out.append(FacetValue(label=label, count=count, href=href.strip(), selected=selected))
    return out


@login_not_required
def suggestions(request: HttpRequest) -> HttpResponse:
    """Titles while typing in the header box (htmx): the same rules as the results page."""
    text = request.GET.get("q", "")[: MAX_QUERY_CHARS + 1]
    long_enough = len(text.strip()) >= 2
    found = backends.suggest(request.user, text) if long_enough else []
    principles = reporting.suggest(request.user, text) if long_enough else []
    return render(request, "search/_suggestions.html", {"suggestions": found, "principles": principles, "q": text})


# Visitors search public material; for a signed-in person the MFA hold still applies.
@login_not_required
def results(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    sort = request.GET.get("sort", "relevance")
    sort = sort if sort in backends.SORTS else "relevance"
    page = query_int(request.GET.get("page"), default=1, maximum=MAX_PAGE)
    context: dict[str, object] = {
        "q": text[: MAX_QUERY_CHARS * 2],
        "sort": sort,
        "max_length": MAX_QUERY_CHARS,
    }
    if text.strip():
        try:
            query = parse(text)
        except QueryError as error:
            context["error"] = str(error)
        else:
            context.update(_found(request, text, query, sort=sort, page=page))
    return render(request, "search/results.html", context)


def _found(request: HttpRequest, text: str, query: Query, *, sort: str, page: int) -> dict[str, object]:
    """The documents' page of results and, on the first page, the sections of principles,
    implementation records and mileposts (coalition/search/reporting.py, statements of their own).
    Their counts join the "Found in" facet."""
    if reporting.searches_documents(query):
        found = backends.search(request.user, query, sort=sort, page=page, with_facets=True)
    else:
        found = backends.Results(hits=[], page=1, has_next=False, count=0, count_capped=False)
    sections = [s for s in reporting.search(request.user, query, sort=sort) if s.hits] if page == 1 else []
    for section in sections:
        section.more_q = f"{_without(text, 'in', 'type')} in:{section.kind}".strip()
    context: dict[str, object] = {
        "results": found,
        "sections": sections,
        "documents_searched": reporting.searches_documents(query),
        "anything": bool(found.hits or sections),
        # The line above the results: the documents' count, or the one kind searched.
        "status_count": found.count if reporting.searches_documents(query) else (sections[0].count if sections else 0),
        "status_capped": found.count_capped
        if reporting.searches_documents(query)
        else any(s.count_capped for s in sections),
    }
    if not found.hits and not sections and page == 1 and query.has_text:
        context["did_you_mean"] = spelling.did_you_mean(request.user, text)
    facets = dict(found.facets)
    if sections:
        found_in = list(facets.get("type", [])) + [(s.kind, s.label, s.count) for s in sections]
        facets["type"] = sorted(found_in, key=lambda value: -value[2])
    context["facets"] = [
        (FACET_TITLES[name], _facet_values(text, query, name, values)) for name, values in facets.items() if values
    ]
    return context


@require_http_methods(["GET", "POST"])
def saved(request: HttpRequest) -> HttpResponse:
    """The person's saved searches; POST saves the search in `q` (from the results page)."""
    if request.method == "POST":
        text = request.POST.get("q", "")[: MAX_QUERY_CHARS * 2]
        done = _("Search saved: you will be told when a new or changed document matches it.")
        if run_service(request, str(done), lambda: alerts.save_search(acting_user=request.user, text=text)):
            return redirect("search:saved")
        return redirect(f"{reverse('search:results')}?{urlencode({'q': text})}")
    owner = request.user.pk or 0  # signed in: the middleware sends visitors to sign in first
    searches = list(SavedSearch.objects.filter(user_id=owner).annotate(alerts_sent=Count("alerts")))
    return render(request, "search/saved.html", {"searches": searches, "limit": alerts.MAX_SAVED})


@require_POST
def delete_saved(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)  # another's: the same 404
    run_service(
        request,
        str(_("Saved search deleted.")),
        lambda: alerts.delete_saved_search(acting_user=request.user, saved=search),
    )
    return redirect("search:saved")
