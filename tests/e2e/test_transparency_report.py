"""The transparency report, in Chromium, as issue 11 asks: an Acme editor shares two of its records
with the coalition and one publicly; the secretariat previews and publishes the cycle's report; a
visitor without an account reads it and finds only the public cell (and can download the PDF)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coalition.audit.models import AuditEvent
from coalition.organisations.models import Organisation, Role
from coalition.principles import services
from coalition.principles.models import Principle, TransparencyReport
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import share_record, sign_in

pytestmark = pytest.mark.e2e


def test_a_visitor_reads_only_the_public_cell_in_the_published_report(
    new_page: Callable[[], Page], make_member: Any, make_org: Any, acme: Organisation
) -> None:
    secretariat = make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    staff = make_member(secretariat, Role.EDITOR, email="staff@secretariat.example", name="Sam Secretariat")
    secret = enrol_totp(staff)
    year = timezone.localdate().year
    codes = {"P1": "implemented", "P2": "not_implemented", "P3": "partially"}
    records = {}
    for code, result in codes.items():
        principle = Principle.objects.get(framework__slug="voluntary-principles", code=code)
        records[code] = services.save_record(
            acting_user=editor, organisation=acme, principle=principle, cycle=year, result=result, status="done"
        )

    # 1. Ed shares P1 and P2 with the coalition (GREEN), and P3 with the public (CLEAR).
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    share_record(ed, records["P1"].pk, "The whole coalition", "TLP:GREEN")
    share_record(ed, records["P2"].pk, "The whole coalition", "TLP:GREEN")
    share_record(ed, records["P3"].pk, "Public", "TLP:CLEAR")

    # 2. Sam previews the report, publishes it and confirms.
    sam = new_page()
    sign_in(sam, staff.email, PASSWORD, totp_secret=secret)
    sam.goto("/principles/")
    sam.get_by_role("link", name="Transparency reports").click()
    sam.get_by_role("link", name=f"Preview {year}").click()
    preview = sam.locator(".report-preview")
    expect(preview).to_contain_text("P3: Partially implemented")
    expect(preview).not_to_contain_text("P1: Implemented")
    sam.get_by_role("button", name="Publish…").click()
    expect(sam.get_by_role("heading", name=f"Publish the {year} transparency report?")).to_be_visible()
    sam.get_by_role("button", name="Publish", exact=True).click()
    expect(sam.get_by_text(f"The {year} report is being published as version 1.", exact=False)).to_be_visible()
    expect(sam.get_by_role("link", name=f"Transparency report {year}")).to_be_visible()
    assert TransparencyReport.objects.filter(cycle=year, version=1).exists()
    assert AuditEvent.objects.filter(action="report.published").count() == 1

    # 3. A visitor finds the report and reads only the public cell.
    visitor = new_page()
    visitor.goto("/principles/")
    visitor.get_by_role("link", name="Transparency reports").click()
    visitor.get_by_role("link", name=f"Transparency report {year}").click()
    expect(visitor.get_by_role("heading", name=f"Coalition transparency report {year}")).to_be_visible()
    published = visitor.locator(".published-results")
    expect(published).to_contain_text("Acme")
    expect(published).to_contain_text("P3: Partially implemented")
    body = visitor.locator(".transparency-report").inner_text()
    assert "P1: Implemented" not in body and "P2: Not implemented" not in body
    expect(visitor.locator(".tlp").first).to_have_text("TLP:CLEAR")
    with visitor.expect_download() as download:
        visitor.get_by_role("button", name="Download the PDF").click()
    assert re.fullmatch(rf"transparency-report-{year}-v1\.pdf", download.value.suggested_filename)
