"""The library list as people scan it: a capped count, page numbers, sortable columns, filters that
keep each other, topic chips that filter, and pages that stop where the count does."""

from __future__ import annotations

from typing import Any

from coalition.library import selectors, services
from coalition.library.models import TLP, Audience, Topic


def _many(editor: Any, owner: Any, n: int, **fields: Any) -> None:
    for i in range(n):
        services.create_document(acting_user=editor, owner=owner, title=f"Doc {i:02}", tlp=TLP.GREEN, **fields)


def test_the_count_page_numbers_and_sortable_columns(
    client_for: Any, acme_editor: Any, acme: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    _many(acme_editor, acme, 10)
    client = client_for(acme_editor)
    page = client.get("/library/?sort=title&page=2").content.decode()
    assert "4–6 of 10 documents" in page
    # Page numbers: the first, the last and those around this one; this one marked.
    assert 'aria-current="page" href="?sort=title&amp;page=2"' in page
    assert 'href="?sort=title&amp;page=4"' in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    # The title column sorts A to Z now; its link turns the order round and goes back to page 1.
    assert 'aria-sort="ascending"><a href="?sort=title_desc">' in page
    assert 'aria-sort="none"><a href="?sort=updated">' in page
    titles = [d.title for d in client.get("/library/?sort=title_desc").context["page"].documents]
    assert titles == ["Doc 09", "Doc 08", "Doc 07"]
    # An unknown order is the default one, never an error.
    assert client.get("/library/?sort=nonsense").status_code == 200


def test_counts_beyond_the_cap_and_pages_beyond_it(
    client_for: Any, acme_editor: Any, acme: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 4)
    monkeypatch.setattr(selectors, "MAX_PAGE", 2)
    _many(acme_editor, acme, 7)
    client = client_for(acme_editor)
    response = client.get("/library/")
    assert response.context["page"].count_capped and "of more than 1,000 documents" in response.content.decode()
    last = client.get("/library/?page=99")  # taken as the last page there is to walk to
    assert last.context["page"].number == 2 and not last.context["page"].has_next
    assert "The list stops at 1,000 documents" in last.content.decode()


def test_topic_chips_filter_and_filters_keep_each_other(client_for: Any, acme_editor: Any, acme: Any) -> None:
    topic = Topic.objects.create(name="Hotlines", slug="hotlines")
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Hotline notices")
    services.update_details(acting_user=acme_editor, document=document, topics=[topic])
    services.create_document(acting_user=acme_editor, owner=acme, title="Other", audience=Audience.ORGANISATION)
    client = client_for(acme_editor)
    page = client.get("/library/?kind=policy").content.decode()
    assert 'href="?kind=policy&amp;topic=hotlines" class="topic"' in page
    filtered = client.get("/library/?kind=policy&topic=hotlines")
    assert [d.title for d in filtered.context["page"].documents] == ["Hotline notices"]
    body = filtered.content.decode()
    assert "(2 applied)" in body and '<details class="library-filters" open>' in body
    assert "data-submit-on-change" in body  # the filters apply as they change (the button stays without JS)


def test_an_empty_library_and_an_empty_filter_say_so(client_for: Any, acme_reader: Any) -> None:
    client = client_for(acme_reader)
    assert "Nothing has been shared with you yet." in client.get("/library/").content.decode()
    assert "Nothing matches these filters." in client.get("/library/?kind=template").content.decode()
