"""The public transparency report: built only from public TLP:CLEAR records and mileposts (a
secret marker in everything else never reaches the page or the PDF), suppressed below the
threshold, previewed and published by the secretariat only, fixed and versioned once published."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied
from coalition.principles import report_services
from coalition.principles.models import TransparencyReport
from tests.principles.conftest import World, cycle, make_record, marker
from tests.principles.test_access_matrix import VIEWERS, _refused
from tests.principles.test_mileposts import make_mileposts, milepost_marker

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_no_secret_marker_reaches_the_report_page_or_its_pdf(world: World, client_for: Callable[..., Any]) -> None:
    mileposts = make_mileposts(world)
    report = report_services.publish(acting_user=world.people["secretariat"], cycle=cycle())
    page = client_for(None).get(reverse("principles:report", args=[cycle()])).content.decode()
    text = _pdf_text(bytes(report.pdf))
    preview = client_for(world.people["secretariat"]).get(reverse("principles:report_preview", args=[cycle()]))
    for (_audience, tlp), record in world.records.items():
        if tlp != "clear":
            for where in (page, text, preview.content.decode(), report.html):
                assert marker(record) not in where
    for (_audience, tlp), item in mileposts.items():
        if tlp != "clear":
            assert milepost_marker(item) not in page and milepost_marker(item) not in text
    # What is public is there: the public milepost, and Acme among the publishers (page and PDF).
    assert "Progress public clear" in page and "Progress public clear" in text
    assert "Acme" in page and "Acme" in text


def test_only_public_clear_records_count_and_small_figures_are_suppressed(
    world: World, make_org: Callable[..., Any]
) -> None:
    p2 = world.principles[1]
    public = world.records[("public", "clear")]
    data = report_services.build(cycle())
    # Acme published one record (public, CLEAR, a Safety by Design principle): one organisation,
    # below the threshold of 3; no Voluntary Principles record is public yet.
    assert [s.framework for s in data.sections] == [public.principle.framework]
    assert all(p.suppressed for p in data.sections[0].progress)
    assert data.sections[0].published == [("Acme", f"{public.principle.code}: Implemented")]
    for n in range(3):
        org = make_org(f"Publisher {n}", slug=f"publisher-{n}")
        make_record(org, p2, audience="public", tlp="clear", result="implemented" if n else "partially")
        make_record(org, world.principles[2], audience="coalition", tlp="green", result="implemented")
    data = report_services.build(cycle())
    section = next(s for s in data.sections if s.framework == world.framework)
    shown = {p.principle.code: p for p in section.progress if not p.suppressed}
    assert list(shown) == [p2.code]  # P3 is shared with the coalition only: not counted at all
    assert shown[p2.code].counts == {"implemented": 2, "partially": 1}
    assert "Too few organisations to show" in report_services.render_body(data)
    assert "<svg" in section.chart and "<title" in section.chart and "<desc" in section.chart


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_the_secretariat_previews_and_publishes(
    viewer: str, world: World, client_for: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.people[viewer])
    url = reverse("principles:report_preview", args=[cycle()])
    preview = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(url, {"confirm": "yes"})
    if viewer == "secretariat":
        assert preview.status_code == 200
        assert published.status_code == 302
        assert TransparencyReport.objects.filter(cycle=cycle(), version=1).exists()
    else:
        assert _refused(preview, viewer) and _refused(published, viewer)
        assert not TransparencyReport.objects.exists()
    # Nobody but the secretariat may publish through the service either.
    if viewer != "secretariat":
        with pytest.raises(AccessDenied):
            report_services.publish(acting_user=world.people[viewer], cycle=cycle())


def test_publishing_asks_first_then_makes_fixed_versions(
    world: World, client_for: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.people["secretariat"])
    url = reverse("principles:report_preview", args=[cycle()])
    assert "Publish the" in client.post(url).content.decode()
    assert not TransparencyReport.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "yes"})
    first = TransparencyReport.objects.get()
    assert first.sha256 == hashlib.sha256(first.html.encode()).hexdigest() and first.intact
    assert first.pdf_sha256 == hashlib.sha256(bytes(first.pdf)).hexdigest()
    event = AuditEvent.objects.get(action="report.published")
    assert event.data["version"] == 1 and event.data["sha256"] == first.sha256
    # Something more is published; the fixed version 1 does not change, version 2 shows it.
    make_record(world.globex, world.principles[5], audience="public", tlp="clear")
    assert "Globex" not in client_for(None).get(reverse("principles:report", args=[cycle()])).content.decode()
    assert "2 stays readable" not in client.post(url).content.decode()
    assert "version 1 stays readable" in client.post(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "yes"})
    second = TransparencyReport.objects.get(version=2)
    visitor = client_for(None)
    assert "Globex" in visitor.get(reverse("principles:report", args=[cycle()])).content.decode()
    old = visitor.get(reverse("principles:report", args=[cycle()]), {"version": 1}).content.decode()
    assert "Globex" not in old and "A newer version exists" in old
    first.refresh_from_db()
    assert first.intact and first.html != second.html
    with pytest.raises(ValueError, match="immutable"):
        first.save()
    pdf = visitor.get(reverse("principles:report_pdf", args=[cycle(), 1]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(first.pdf)


def test_the_public_report_pages_cost_a_fixed_number_of_queries(
    world: World, client_for: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    report_services.publish(acting_user=world.people["secretariat"], cycle=cycle())
    visitor = client_for(None)
    with django_assert_max_num_queries(6):
        assert visitor.get(reverse("principles:report", args=[cycle()])).status_code == 200
    with django_assert_max_num_queries(6):
        assert visitor.get(reverse("principles:reports")).status_code == 200
    assert visitor.get(reverse("principles:report", args=[cycle() - 1])).status_code == 404


def test_build_costs_a_fixed_number_of_queries(
    world: World, make_org: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    make_mileposts(world)
    report_services.build(cycle())
    with django_assert_num_queries(6) as captured:
        report_services.build(cycle())
    for n in range(4):
        org = make_org(f"More {n}", slug=f"more-{n}")
        for principle in world.principles[:4]:
            make_record(org, principle, audience="public", tlp="clear")
    with django_assert_num_queries(len(captured.captured_queries)):
        report_services.build(cycle())


def test_publishing_runs_in_the_task_worker_and_checks_the_publisher_again(
    world: World, client_for: Callable[..., Any], settings: Any
) -> None:
    from django.db import transaction

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with transaction.atomic():
        report_services.request_publication(acting_user=world.people["secretariat"], cycle=cycle())
    assert not TransparencyReport.objects.exists()  # queued, not done in the request
    # Run it as the worker would, after the publisher lost the right: nothing is published.
    staff = world.people["secretariat"]
    staff.memberships.update(role="reader")
    assert report_services.publish_in_background.call(cycle(), staff.pk) is None
    assert not TransparencyReport.objects.exists()
    staff.memberships.update(role="editor")
    assert report_services.publish_in_background.call(cycle(), staff.pk) == 1
