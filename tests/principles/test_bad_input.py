"""Bad input the issue names, through the pages: a record for a principle of another framework (in
that framework's address), a maturity of 7, evidence linking an unreadable document or AMBER
evidence on a CLEAR record (tests/principles/test_evidence.py): a clear refusal, nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.principles.models import ImplementationRecord
from tests.principles.conftest import World, cycle

pytestmark = pytest.mark.django_db


def test_a_record_for_a_principle_of_another_framework_is_refused(world: World, client_for: Callable[..., Any]) -> None:
    before = ImplementationRecord.objects.count()
    client = client_for(world.people["editor"])
    # SbD1 belongs to Safety by Design, not to the Voluntary Principles.
    url = reverse("principles:edit", args=["voluntary-principles", "acme", "SbD1", cycle()])
    assert client.get(url).status_code == 404
    assert client.post(url, {"status": "done", "result": "implemented"}).status_code == 404
    assert ImplementationRecord.objects.count() == before


def test_a_maturity_of_7_through_the_page_is_refused_with_a_message(
    world: World, client_for: Callable[..., Any]
) -> None:
    before = ImplementationRecord.objects.count()
    url = reverse("principles:edit", args=["safety-by-design", "acme", "SbD3", cycle()])
    response = client_for(world.people["editor"]).post(
        url, {"status": "done", "result": "implemented", "maturity": "7"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert ImplementationRecord.objects.count() == before
