"""The results page: anyone may search; each person finds only what they may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from coalition.core.http import query_int
from coalition.search import backends
from coalition.search.query import MAX_QUERY_CHARS, QueryError, parse

MAX_PAGE = backends.COUNT_LIMIT // backends.PAGE_SIZE


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
            context["results"] = backends.search(request.user, query, sort=sort, page=page)
    return render(request, "search/results.html", context)
