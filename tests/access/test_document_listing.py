"""Listing documents: visible() writes the reading rules as SQL text over the document's columns,
so it must stay right wherever Django puts the queryset (a subquery, a count, further filters), and
first_visible_documents() must give the same first rows as visible()."""

from __future__ import annotations

from typing import Any

import pytest

from coalition import access
from coalition.access import Action
from coalition.access.documents import first_visible_documents, visible_documents
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document, Revision
from coalition.organisations.models import Role


@pytest.fixture
def library(acme_editor: Any, acme: Any, globex_admin: Any, globex: Any, community: Any) -> dict[str, Document]:
    """Documents Globex's people reach in different ways, and some they do not."""

    def make(title: str, *, by: Any = acme_editor, owner: Any = acme, status: str = "published", **kw: Any) -> Document:
        document = services.create_document(acting_user=by, owner=owner, title=title, **kw)
        if status != "draft":
            workflow.set_status(acting_user=by, document=document, status=status)
        return document

    made = {
        "coalition": make("Coalition", tlp=TLP.GREEN, audience=Audience.COALITION),
        "community": make("Community", tlp=TLP.AMBER, audience=Audience.NAMED, audience_communities=[community]),
        "named": make("Named", tlp=TLP.AMBER, audience=Audience.NAMED, audience_organisations=[globex]),
        "co_drafted_draft": make("Co-drafted draft", tlp=TLP.AMBER, co_drafters=[globex], status="draft"),
        "own_draft": make("Own draft", by=globex_admin, owner=globex, tlp=TLP.AMBER, status="draft"),
        "acme_only": make("Acme only", tlp=TLP.AMBER),
        "acme_draft": make("Acme draft", tlp=TLP.GREEN, audience=Audience.COALITION, status="draft"),
        "red": make("Red", tlp=TLP.RED),
    }
    services.grant(acting_user=acme_editor, document=made["red"], level="view", user=globex_admin)
    return made


def _titles(queryset: Any) -> set[str]:
    return set(queryset.values_list("title", flat=True))


READABLE_BY_GLOBEX_ADMIN = {"Coalition", "Community", "Named", "Co-drafted draft", "Own draft", "Red"}


def test_visible_documents_stay_right_as_a_subquery_a_count_and_under_further_filters(globex_admin, library):
    visible = access.visible(globex_admin, Document.objects.all(), Action.VIEW_DOCUMENT)
    assert _titles(visible) == READABLE_BY_GLOBEX_ADMIN
    assert visible.count() == len(READABLE_BY_GLOBEX_ADMIN)
    # As a subquery Django renames the tables (U0, ...): the rules must follow them.
    outer = Document.objects.filter(pk__in=visible.values("pk")).exclude(tlp=TLP.RED)
    assert _titles(outer) == READABLE_BY_GLOBEX_ADMIN - {"Red"}
    revisions = Revision.objects.filter(document__in=visible.filter(status="draft"))
    drafts = {library["co_drafted_draft"].pk, library["own_draft"].pk}
    assert set(revisions.order_by().values_list("document_id", flat=True)) == drafts  # no join to documents
    assert _titles(visible.filter(status="draft")) == {"Co-drafted draft", "Own draft"}


def test_a_removed_grant_or_membership_counts_on_the_next_request(globex_admin, acme_editor, globex, library):
    from coalition.accounts.models import User

    services.revoke_grant(acting_user=acme_editor, document=library["red"], user=globex_admin)
    fresh = User.objects.get(pk=globex_admin.pk)  # the next request's user object
    assert "Red" not in _titles(access.visible(fresh, Document.objects.all(), Action.VIEW_DOCUMENT))
    globex_admin.memberships.all().delete()
    fresh = User.objects.get(pk=globex_admin.pk)
    assert _titles(access.visible(fresh, Document.objects.all(), Action.VIEW_DOCUMENT)) == set()


@pytest.mark.parametrize(
    "filters",
    [{"status": "draft"}, {"tlp": "red"}, {"tlp": "amber"}, {"status": "published", "tlp": "amber"}, {}],
    ids=lambda f: "&".join(f"{k}={v}" for k, v in f.items()) or "none",
)
@pytest.mark.parametrize("who", ["globex_admin", "acme_reader", "outsider", "anonymous"])
def test_first_visible_documents_gives_the_first_rows_visible_gives(request, library, filters, who):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    ordered = Document.objects.filter(**filters).order_by("title", "id")
    everything = list(visible_documents(user, ordered).values_list("pk", flat=True))
    for rows in (1, 2, len(everything) + 1):
        first = first_visible_documents(
            user, ordered, rows=rows, tlp=filters.get("tlp", ""), status=filters.get("status", "")
        )
        assert list(first.values_list("pk", flat=True)[:rows]) == everything[:rows]


def test_first_visible_documents_needs_an_ordered_queryset(acme_reader):
    with pytest.raises(ValueError, match="ordered"):
        first_visible_documents(acme_reader, Document.objects.order_by(), rows=10)


def test_a_grant_of_another_permission_is_no_grant(acme_editor, acme, make_member, globex):
    from guardian.shortcuts import assign_perm

    document = services.create_document(acting_user=acme_editor, owner=acme, title="Internal", tlp=TLP.AMBER)
    stranger = make_member(globex, Role.EDITOR)
    assign_perm("library.delete_document", stranger, document)  # not one of the three levels
    assert not access.visible(stranger, Document.objects.all(), Action.VIEW_DOCUMENT).exists()
    assert not access.can(stranger, Action.VIEW_DOCUMENT, document)


def test_the_grant_level_permission_ids_are_read_again_after_migrations(acme_editor, acme, make_member, globex):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from coalition.access import documents

    document = services.create_document(acting_user=acme_editor, owner=acme, title="Shared", tlp=TLP.AMBER)
    reader = make_member(globex, Role.READER)
    services.grant(acting_user=acme_editor, document=document, level="view", user=reader)
    documents._LEVEL_PERMISSION_IDS["default"] = (-1, -2, -3)  # as if the permission rows had been re-created
    # A stale id makes a grant count for less, never for more...
    assert not access.visible(reader, Document.objects.all(), Action.VIEW_DOCUMENT).exists()
    # ...and migrations (post_migrate, which a test database flush sends too) make it read them again.
    post_migrate.send(
        sender=apps.get_app_config("library"),
        app_config=apps.get_app_config("library"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    assert _titles(access.visible(reader, Document.objects.all(), Action.VIEW_DOCUMENT)) == {"Shared"}
