"""The people offered as mentions, checked against the drafting authorisation matrix: for every
person and every revision of every document there, the SQL condition behind the suggestions
(coalition.access.revision_readers_condition) names exactly the people the comment service lets a
mention name, and exactly those the matrix's own reference says can read that revision. A module of
its own: the matrix's world lives for the whole module."""

from __future__ import annotations

from typing import Any

from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.library.models import Document, Revision
from tests.drafting.test_access_matrix import (  # noqa: F401 - `world` is the matrix's fixture, used here
    DOCS,
    VIEWERS,
    World,
    may_read,
    may_see_drafts,
    world,
)


def test_the_people_offered_are_exactly_those_a_mention_may_name(world: World, db: Any) -> None:  # noqa: F811
    """For every document of the drafting matrix and each of its revisions (the published text and
    the newer draft), the SQL condition picks the same people as the comment service's rule,
    can(VIEW_DOCUMENT) and, on a draft, the working copy, and as the matrix's own reference."""
    people = {v.key: User.objects.get(pk=world.people[v.key].pk) for v in VIEWERS if not v.anonymous}
    checked = 0
    for d in DOCS:
        document = Document.objects.get(pk=world.documents[d.key])
        for revision in Revision.objects.filter(document=document).order_by("number"):
            published = revision.published_at is not None
            offered = set(
                User.objects.filter(access.revision_readers_condition(document, published=published))
                .filter(pk__in=[u.pk for u in people.values()])
                .values_list("pk", flat=True)
            )
            service_rule = {
                u.pk
                for u in people.values()
                if access.can(u, Action.VIEW_DOCUMENT, document)
                and (published or access.sees_working_copy(u, document))
            }
            reference = {
                people[v.key].pk
                for v in VIEWERS
                if not v.anonymous and may_read(v, d) and (published or may_see_drafts(v, d))
            }
            assert offered == service_rule == reference, (d.key, revision.number)
            checked += 1
    assert checked >= 2 * len(DOCS) - 1
