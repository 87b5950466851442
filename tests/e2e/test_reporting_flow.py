"""Issue 11's browser test, in one flow: Acme's editor fills the Safety by Design self-assessment,
applies it to Acme's implementation records (a preview, then the same plan written), writes
evidence with a marker of its own into each of the three records, shares two with the coalition
and one publicly (TLP:CLEAR); the secretariat previews and publishes the cycle's transparency
report; a visitor without an account reads the report and finds only the public cell: its result,
and on its own page its evidence, while the coalition's two cells and their markers are nowhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coalition.assessments.models import Inference
from coalition.organisations.models import Organisation, Role
from coalition.principles.models import ImplementationRecord, TransparencyReport
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import answer_every_section, share_record, sign_in

pytestmark = pytest.mark.e2e

MARKERS = {
    "SbD1": "COALITION-ONLY-7f3a1c",
    "SbD2": "COALITION-ONLY-b92e4d",
    "SbD3": "PUBLIC-CELL-5d81e0",
}


def _write_evidence(page: Page, record: ImplementationRecord, text: str) -> None:
    page.goto(f"/principles/records/{record.pk}/")
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Evidence (Markdown)").fill(text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".evidence")).to_contain_text(text)


def test_a_self_assessment_becomes_records_and_only_the_public_cell_reaches_the_report(
    new_page: Callable[[], Page], make_org: Any, make_member: Any, acme: Organisation
) -> None:
    secretariat = make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    staff = make_member(secretariat, Role.EDITOR, email="staff@secretariat.example", name="Sam Secretariat")
    secret = enrol_totp(staff)
    year = timezone.localdate().year

    # 1. Ed fills the self-assessment, completes it, previews and applies it.
    ed = new_page()
    sign_in(ed, editor.email, PASSWORD)
    ed.goto("/principles/")
    ed.get_by_role("link", name="Self-assessment").click()
    ed.get_by_label("Reporting cycle").select_option(str(year))
    ed.get_by_role("button", name="Start or continue").click()
    answer_every_section(ed)
    ed.get_by_role("button", name="Mark as completed").click()
    expect(ed.get_by_text("Self-assessment completed.")).to_be_visible()
    ed.get_by_role("button", name="Apply to my implementation records…").click()
    expect(ed.get_by_role("heading", name="Preview: apply to my implementation records")).to_be_visible()
    expect(ed.get_by_text("New record, in review")).to_have_count(3)
    assert not ImplementationRecord.objects.filter(organisation=acme).exists()
    ed.get_by_role("button", name="Apply to 3 records").click()
    expect(ed.get_by_text("3 records updated from the self-assessment.")).to_be_visible()
    records = {
        r.principle.code: r
        for r in ImplementationRecord.objects.filter(organisation=acme, cycle=year).select_related("principle")
    }
    assert sorted(records) == ["SbD1", "SbD2", "SbD3"]
    assert {r.result for r in records.values()} == {"implemented"}
    assert Inference.objects.filter(record__in=records.values(), kind="assessment").count() == 3

    # 2. Evidence with a marker per cell; two cells for the coalition, one for the public.
    for code, marker in MARKERS.items():
        _write_evidence(ed, records[code], f"Checked by our trust team ({marker}).")
    share_record(ed, records["SbD1"].pk, "The whole coalition", "TLP:GREEN")
    share_record(ed, records["SbD2"].pk, "The whole coalition", "TLP:GREEN")
    share_record(ed, records["SbD3"].pk, "Public", "TLP:CLEAR")

    # 3. Sam previews the report (only the public cell), publishes it and confirms.
    sam = new_page()
    sign_in(sam, staff.email, PASSWORD, totp_secret=secret)
    sam.goto("/principles/")
    sam.get_by_role("link", name="Transparency reports").click()
    sam.get_by_role("link", name=f"Preview {year}").click()
    preview = sam.locator(".report-preview")
    expect(preview).to_contain_text("SbD3: Implemented")
    expect(preview).not_to_contain_text("SbD1:")
    expect(preview).not_to_contain_text("SbD2:")
    sam.get_by_role("button", name="Publish…").click()
    sam.get_by_role("button", name="Publish", exact=True).click()
    expect(sam.get_by_text(f"The {year} report is being published as version 1.", exact=False)).to_be_visible()
    assert TransparencyReport.objects.filter(cycle=year, version=1).exists()

    # 4. A visitor reads the published report: Acme's public cell, nothing of the other two.
    visitor = new_page()
    visitor.goto("/principles/")
    visitor.get_by_role("link", name="Transparency reports").click()
    visitor.get_by_role("link", name=f"Transparency report {year}").click()
    expect(visitor.get_by_role("heading", name=f"Coalition transparency report {year}")).to_be_visible()
    published = visitor.locator(".published-results")
    expect(published).to_contain_text("Acme")
    expect(published).to_contain_text("SbD3: Implemented")
    whole_page = visitor.content()
    for absent in ("SbD1:", "SbD2:", MARKERS["SbD1"], MARKERS["SbD2"]):
        assert absent not in whole_page, absent
    # The public cell's own page shows its evidence; the coalition's cells stay closed.
    visitor.goto(f"/principles/records/{records['SbD3'].pk}/")
    expect(visitor.locator(".evidence")).to_contain_text(MARKERS["SbD3"])
    for code in ("SbD1", "SbD2"):
        visitor.goto(f"/principles/records/{records[code].pk}/")
        expect(visitor.get_by_role("heading", name="Sign in", exact=False).first).to_be_visible()
        assert MARKERS[code] not in visitor.content()
