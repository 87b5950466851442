"""Suggestions for @mentions as someone types a comment: the people who can read the revision the
comment is about, found by name or email address. Only for people who may comment (404 otherwise,
the same as for a document that does not exist), rate-limited, and a handful of names at a time."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coalition.access import Action
from coalition.core.errors import ServiceError
from coalition.core.http import query_int
from coalition.drafting import selectors, services
from coalition.library import selectors as library_selectors

# Each keystroke (debounced by drafting/mentions.js) asks once; a person typing fast asks a few
# times a second at most. Past this, in one minute, the answer is a 429 until the minute is over.
SUGGESTIONS_PER_MINUTE = 90


def _over_limit(user_id: int | None) -> bool:
    key = f"drafting:mention-suggestions:{user_id}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        return cache.incr(key) > SUGGESTIONS_PER_MINUTE
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=60)
        return False


@require_GET
@never_cache
def suggestions(request: HttpRequest, pk: int) -> JsonResponse:
    document = library_selectors.document_for(request.user, pk, Action.COMMENT_DOCUMENT)
    if _over_limit(request.user.pk):
        return JsonResponse({"error": _("Too many searches for people; wait a minute and try again.")}, status=429)
    query = request.GET.get("q", "")
    if len(query) > selectors.MENTION_QUERY_MAX:
        return JsonResponse({"people": []})
    number = query_int(request.GET.get("revision"), default=0)
    try:
        revision = services.revision_for(request.user, document, number or None)
    except ServiceError:
        return JsonResponse({"people": []})
    people = selectors.mention_suggestions(request.user, document, revision, query)
    return JsonResponse(
        {
            "people": [
                {"name": p.name, "organisation": p.organisation, "mention": p.mention, "email": p.email} for p in people
            ]
        }
    )
