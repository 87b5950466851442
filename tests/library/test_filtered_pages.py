"""Library pages under the filters that access reads from the person's own routes (drafts, texts
in review, TLP:RED; see coalition/access/documents.py first_visible_documents): paging stays exact
and the number of queries does not grow with the library."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.drafting.services import publication as workflow
from coalition.library import selectors, services
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role


def _publish_many(editor: Any, organisation: Any, n: int, *, status: str) -> list[Document]:
    made = []
    for i in range(n):
        document = services.create_document(
            acting_user=editor, owner=organisation, title=f"Doc {i:02}", tlp=TLP.GREEN, audience=Audience.COALITION
        )
        if status != "draft":
            workflow.set_status(acting_user=editor, document=document, status=status)
        made.append(document)
    return made


def test_drafts_page_through_in_order_with_nothing_lost_or_repeated(
    client_for, acme_editor, acme, make_member, monkeypatch
):
    _publish_many(acme_editor, acme, 7, status="draft")
    colleague = make_member(acme, Role.READER)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)  # three pages of drafts from seven
    client = client_for(colleague)
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/library/?status=draft&sort=title&page={page}")
        seen += [d.title for d in response.context["page"].documents]
        assert response.context["page"].has_next == (page < 3)
    assert seen == [f"Doc {i:02}" for i in range(7)]


@pytest.mark.parametrize("n", [3, 30])
def test_a_filtered_library_page_costs_the_same_queries_whatever_the_number_of_documents(
    client_for, acme_editor, acme, make_member, n, django_assert_max_num_queries
):
    _publish_many(acme_editor, acme, n, status="draft")
    colleague = make_member(acme, Role.READER)
    client = client_for(colleague)
    client.get("/library/")  # the first request of a session records it; not what is counted here
    with django_assert_max_num_queries(13):  # measured: 13 for 3 or 30 drafts (one is the capped count)
        response = client.get("/library/?status=draft")
    assert len(response.context["page"].documents) == min(n, selectors.PAGE_SIZE)
    assert response.context["page"].count == n
