"""Exports of the matrix's visible cells (CSV, XLSX): exactly the cells the person may read,
within their export cap; the most restrictive label among them and the recipient watermark first
and last; formulas defused; audited with the export id; sign-in needed; fixed query count."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from coalition.audit.models import AuditEvent
from coalition.organisations.models import Organisation
from coalition.principles import export_services
from tests.principles.conftest import World, cycle, make_record, marker, may_read
from tests.principles.test_access_matrix import VIEWERS

pytestmark = pytest.mark.django_db
RANK = {"TLP:CLEAR": 0, "TLP:GREEN": 1, "TLP:AMBER": 2, "TLP:AMBER+STRICT": 3}


def _export(client: Any, fmt: str = "csv", **data: Any) -> Any:
    return client.post(
        reverse("principles:export_matrix", args=["voluntary-principles", fmt]), {"cycle": cycle(), **data}
    )


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_export_holds_exactly_the_cells_the_person_may_read(
    viewer: str, world: World, client_for: Callable[..., Any]
) -> None:
    response = _export(client_for(world.people[viewer]))
    if viewer == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == 200
    rows = _csv_rows(response)
    cells = {(r[0], r[2]) for r in rows if len(r) == 9 and r[0] != "Organisation"}
    expected = {
        ("Acme", record.principle.code)
        for (audience, tlp), record in world.records.items()
        if may_read(viewer, audience, tlp) and record.principle.framework_id == world.framework.pk
    }
    assert cells == expected, viewer
    labels = [r[8] for r in rows if len(r) == 9 and r[0] != "Organisation"]
    strictest = max(labels, key=RANK.__getitem__, default="TLP:CLEAR")
    # The label of the file, first and last, is the most restrictive among its cells.
    assert rows[0] == [strictest] and rows[-1] == [strictest]
    assert rows[1][0].startswith("Exported for") and rows[-2] == rows[1]
    event = AuditEvent.objects.get(action="implementation.exported")
    assert event.data["export"] in rows[1][0] and event.data["cells"] == len(cells)
    content = response.content.decode()
    assert not any(marker(record) in content for record in world.records.values())


def test_export_cap_leaves_out_cells_above_it(world: World, client_for: Callable[..., Any]) -> None:
    Organisation.objects.filter(pk=world.acme.pk).update(export_cap="green")
    rows = _csv_rows(_export(client_for(world.people["reader"])))
    labels = {r[8] for r in rows if len(r) == 9 and r[0] != "Organisation"}
    assert labels <= {"TLP:CLEAR", "TLP:GREEN"} and "TLP:GREEN" in labels
    assert any("above your export cap" in r[0] for r in rows if r)
    assert rows[0] == ["TLP:GREEN"]


def test_csv_cells_are_defused_against_formulas(
    world: World, make_org: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    evil = make_org('=HYPERLINK("http://evil.example","x")', slug="evil")
    make_record(evil, world.principles[0], audience="coalition", tlp="green")
    rows = _csv_rows(_export(client_for(world.people["reader"])))
    names = [r[0] for r in rows if len(r) == 9]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(name.startswith("=") for name in names)


def test_xlsx_carries_label_and_watermark_and_holds_only_strings(
    world: World, make_org: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    evil = make_org("=1+1", slug="evil")
    make_record(evil, world.principles[0], audience="coalition", tlp="green")
    response = _export(client_for(world.people["named_org"]), "xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = zipfile.ZipFile(io.BytesIO(response.content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = book.read("xl/sharedStrings.xml").decode()
    core = book.read("docProps/core.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    assert "=1+1" in strings  # stored as text
    label = "TLP:AMBER"  # Globex reads Acme's named AMBER record, nothing stricter
    assert f"&amp;C{label}" in sheet and label in core
    watermark = re.search(r"Exported for [^<]+", strings)
    assert watermark is not None and "admin@globex.example" in watermark.group(0)


def test_export_needs_post_and_a_known_format(world: World, client_for: Callable[..., Any]) -> None:
    client = client_for(world.people["reader"])
    assert client.get(reverse("principles:export_matrix", args=["voluntary-principles", "csv"])).status_code == 405
    assert _export(client, "docx").status_code == 404
    assert client.post(reverse("principles:export_matrix", args=["no-such", "csv"])).status_code == 404


def test_too_many_cells_are_refused_with_advice(world: World, client_for: Callable[..., Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(export_services, "MAX_EXPORT_CELLS", 2)
    response = _export(client_for(world.people["reader"]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="implementation.exported").exists()


def test_export_query_count_does_not_grow(
    world: World, make_org: Callable[..., Any], client_for: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.people["named_org"])
    _export(client)
    with django_assert_max_num_queries(20) as before:
        _export(client)
    for n in range(5):
        org = make_org(f"Sharer {n}", slug=f"sharer-{n}")
        for principle in world.principles[:5]:
            make_record(org, principle, audience="coalition", tlp="green")
    with django_assert_max_num_queries(len(before.captured_queries)):
        _export(client)
