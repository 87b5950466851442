"""A signed-out visitor who opens a link to something that is not public is asked to sign in and
brought back, on a page that is the same for a protected and a missing document, so it confirms
nothing; a signed-in outsider keeps the plain 404 (issue 9, defect 6)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.library import services as library

pytestmark = pytest.mark.django_db


def _normalised(content: bytes, *paths: str) -> str:
    text = content.decode()
    for path in paths:  # the address itself differs, and is echoed in the sign-in link
        text = text.replace(path, "PATH").replace(path.replace("/", "%2F"), "PATH")
    return re.sub(r'nonce="[^"]*"', "", text)


def test_a_visitor_is_asked_to_sign_in_and_brought_back(client: Any, acme: Any, acme_editor: Any) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Internal plan", body="Text")
    response = client.get(f"/library/{document.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Sign in to open this" in page
    assert f"/accounts/login/?next=/library/{document.pk}/" in page
    assert "Internal plan" not in page


def test_the_page_is_the_same_for_a_protected_and_a_missing_document(client: Any, acme: Any, acme_editor: Any) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Internal plan", body="Text")
    protected, missing = f"/library/{document.pk}/", f"/library/{document.pk + 1000}/"
    first, second = client.get(protected), client.get(missing)
    assert first.status_code == second.status_code == 404
    assert _normalised(first.content, protected) == _normalised(second.content, missing)
    assert sorted(first.headers) == sorted(second.headers)


def test_signing_in_from_the_page_lands_on_the_document(
    client: Any, acme: Any, acme_editor: Any, acme_reader: Any
) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Internal plan", body="Text")
    response = client.post(
        f"/accounts/login/?next=/library/{document.pk}/",
        {"login": acme_reader.email, "password": "correct-horse-battery-staple", "next": f"/library/{document.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/library/{document.pk}/"


def test_a_signed_in_outsider_keeps_the_plain_404(
    client_for: Any, acme: Any, acme_editor: Any, globex_admin: Any
) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Internal plan", body="Text")
    response = client_for(globex_admin).get(f"/library/{document.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Sign in to open this" not in page
