"""The secretariat manages frameworks, themes and principles; every change is audited; nobody else
finds the pages. A principle keeps its code once organisations have reported on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.audit.models import AuditEvent
from coalition.principles.models import Framework, Principle, Theme
from tests.principles.conftest import World

pytestmark = pytest.mark.django_db


def test_the_secretariat_adds_a_framework_theme_and_principle(world: World, client_for: Callable[[Any], Any]) -> None:
    client = client_for(world.people["secretariat"])
    response = client.post(
        reverse("principles:manage_new_framework"),
        {
            "name": "Trust framework",
            "slug": "trust",
            "short_name": "Trust",
            "source_url": "https://example.org",
            "order": 3,
        },
    )
    assert response.status_code == 302
    framework = Framework.objects.get(slug="trust")
    client.post(reverse("principles:manage_new_theme", args=["trust"]), {"code": "A", "title": "Reporting", "order": 1})
    theme = Theme.objects.get(framework=framework, code="A")
    client.post(
        reverse("principles:manage_new_principle", args=["trust"]),
        {"code": "T1", "title": "Publish a report", "text": "Once a year.", "theme": theme.pk, "order": 1},
    )
    assert Principle.objects.filter(framework=framework, code="T1", theme=theme).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"framework.created", "theme.created", "principle.created"} <= actions
    assert client.get(reverse("principles:manage_framework", args=["trust"])).status_code == 200


@pytest.mark.parametrize("viewer", ["admin", "editor", "reader", "other_org", "outsider"])
def test_nobody_else_finds_the_management_pages(viewer: str, world: World, client_for: Callable[[Any], Any]) -> None:
    client = client_for(world.people[viewer])
    assert client.get(reverse("principles:manage")).status_code == 404
    response = client.post(reverse("principles:manage_new_framework"), {"name": "X", "slug": "x", "order": 0})
    assert response.status_code == 404
    assert not Framework.objects.filter(slug="x").exists()


def test_a_reported_principle_keeps_its_code(world: World, client_for: Callable[[Any], Any]) -> None:
    p1 = world.principles[0]
    client = client_for(world.people["secretariat"])
    url = reverse("principles:manage_principle", args=["voluntary-principles", p1.pk])
    response = client.post(url, {"code": "P1a", "title": p1.title, "order": p1.order})
    assert response.status_code == 400
    assert "its code stays" in response.content.decode()
    p1.refresh_from_db()
    assert p1.code == "P1"
    retired = client.post(url, {"code": "P1", "title": p1.title, "order": p1.order, "retired_on": "2025-12-31"})
    assert retired.status_code == 302
    p1.refresh_from_db()
    assert p1.retired and p1.records.exists()


def test_a_theme_of_another_framework_is_refused(world: World, client_for: Callable[[Any], Any]) -> None:
    other = Theme.objects.filter(framework__slug="voluntary-principles").first()
    assert other is not None
    client = client_for(world.people["secretariat"])
    response = client.post(
        reverse("principles:manage_new_principle", args=["safety-by-design"]),
        {"code": "SbD4", "title": "New", "theme": other.pk, "order": 4},
    )
    assert response.status_code == 400
    assert not Principle.objects.filter(code="SbD4").exists()
