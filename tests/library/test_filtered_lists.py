"""The library list under its label and status filters: for some of them (drafts, texts in review,
TLP:RED, and any label but CLEAR for someone without an active organisation) access reads the page
from the person's own routes rather than the single filter, so the authorisation matrix's list
test runs again under each filter, against the same world and the same reference rules.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.library import test_access_matrix as matrix
from tests.library.test_access_matrix import ALLOWED, DOCS, SIGN_IN, VIEWERS, Viewer, World, _client, expected

world = matrix.world  # the matrix's world (a module fixture), built again for this module

FILTERS = [
    {"status": "draft"},
    {"status": "in_review", "sort": "title"},
    {"status": "archived"},
    {"tlp": "red"},
    {"tlp": "red", "status": "draft", "sort": "oldest"},
    {"tlp": "amber", "sort": "updated"},
    {"tlp": "clear"},
    {"tlp": "green", "status": "published"},
]


def _matches(doc: Any, filters: dict[str, str]) -> bool:
    return all(getattr(doc, name) == value for name, value in filters.items() if name in ("status", "tlp"))


@pytest.mark.parametrize("viewer", VIEWERS, ids=[v.key for v in VIEWERS])
def test_each_filtered_list_shows_exactly_what_the_person_may_read_of_it(viewer: Viewer, world: World, db: Any) -> None:
    if all(expected(viewer, d, "list") == SIGN_IN for d in DOCS):
        return  # anonymous visitors are sent to sign in, as the matrix checks
    client = _client(world, viewer)
    wrong = []
    for filters in FILTERS:
        response = client.get(f"/library/?{urlencode(filters)}")
        assert response.status_code == 200
        html = response.content.decode()
        listed = {key for key, document in world.documents.items() if f'href="/library/{document.pk}/"' in html}
        wanted = {d.key for d in DOCS if _matches(d, filters) and expected(viewer, d, "list") == ALLOWED}
        if listed != wanted:
            wrong.append(f"{filters}: shown {sorted(listed)}, expected {sorted(wanted)}")
    assert not wrong, "\n".join(wrong)
