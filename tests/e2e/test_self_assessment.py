"""A self-assessment in Chromium: an editor starts one for their organisation, answers each
section (a dependent question appears only when its condition is met), sees the report with a
band in words per area, completes it, previews "apply to my implementation records" and applies
it; the records page then shows the results. On a phone-sized screen nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coalition.organisations.models import Role
from coalition.principles.models import ImplementationRecord
from tests.conftest import PASSWORD
from tests.e2e.helpers import answer_visible_questions, sign_in

pytestmark = pytest.mark.e2e


def test_an_editor_fills_a_self_assessment_and_applies_it_to_the_records(page: Page, make_org, make_member) -> None:  # type: ignore[no-untyped-def]
    acme = make_org("Acme", slug="acme")
    make_member(acme, Role.EDITOR, email="editor@acme.example", name="Eddie Editor")
    sign_in(page, "editor@acme.example", PASSWORD)
    page.goto("/principles/")
    page.get_by_role("link", name="Self-assessment").click()
    page.get_by_role("button", name="Start or continue").click()
    expect(page.get_by_role("heading", name="1. Online harms")).to_be_visible()

    # The dependent question shows only once its condition is chosen.
    dependent = page.locator("div.question[data-depends-question]").first
    expect(dependent).to_be_hidden()
    page.locator("div.question fieldset").first.get_by_role("radio", name="No", exact=True).check()
    expect(dependent).to_be_hidden()
    page.locator("div.question fieldset").first.get_by_role("radio").first.check()
    expect(dependent).to_be_visible()

    for _ in range(6):
        answer_visible_questions(page)
        next_button = page.get_by_role("button", name="Save and continue")
        if next_button.count():
            next_button.click()
        else:
            page.get_by_role("button", name="Save and see the report").click()
    expect(page.get_by_role("heading", name="Overview by area")).to_be_visible()
    expect(page.locator(".overview .band-strong").first).to_have_text("Strong")

    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_text("Self-assessment completed.")).to_be_visible()
    page.get_by_role("button", name="Apply to my implementation records…").click()
    expect(page.get_by_role("heading", name="Preview: apply to my implementation records")).to_be_visible()
    expect(page.get_by_text("New record, in review")).to_have_count(3)
    assert not ImplementationRecord.objects.filter(organisation=acme).exists()  # nothing before applying
    page.get_by_role("button", name="Apply to 3 records").click()
    expect(page.get_by_text("3 records updated from the self-assessment.")).to_be_visible()
    records = ImplementationRecord.objects.filter(organisation=acme, principle__framework__slug="safety-by-design")
    assert sorted(records.values_list("result", flat=True)) == ["implemented"] * 3
    page.get_by_role("link", name="Implemented").first.click()
    expect(page.get_by_text("Inferred from the self-assessment")).to_be_visible()

    # On a phone the report does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/principles/self-assessment/")
    page.get_by_role("main").get_by_role("link", name="Acme", exact=True).click()
    expect(page.get_by_role("heading", name="Overview by area")).to_be_visible()  # the report, loaded
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
