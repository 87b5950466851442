"""The questionnaire editor in Chromium: a secretariat editor writes a questionnaire with a
question asked only after an answer to an earlier one, reorders a section with the keyboard,
publishes it (confirmed); a member's editor then finds it offered for a self-assessment, and the
dependent question appears only once its condition is chosen. On a phone nothing scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from coalition.assessments.models import Questionnaire, SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.organisations.models import Organisation, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


def _add_question(page: Page, section: str, text: str, answers: list[tuple[str, str]], *, after: str = "") -> None:
    page.get_by_role("link", name=f"Add a question to this section {section}").click()
    page.get_by_role("textbox", name=re.compile(r"^Question")).fill(text)
    page.get_by_role("checkbox", name=re.compile(r"^SbD1 ")).check()
    if after:
        page.get_by_label("Ask it only if an earlier question was answered with").select_option(label=after)
    page.get_by_role("button", name="Save and add answers").click()
    for label, points in answers:
        page.get_by_role("button", name="Add an answer").click()
        page.get_by_role("textbox", name=re.compile(r"^Answer")).fill(label)
        page.get_by_label("Score").fill(points)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Answer saved.")).to_be_visible()
    page.get_by_role("link", name="Back to the questionnaire").click()


def test_the_secretariat_writes_and_publishes_a_questionnaire_members_then_answer(
    new_page: Callable[[], Page], make_org: Any, make_member: Any, acme: Organisation
) -> None:
    secretariat = make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)
    staff = make_member(secretariat, Role.EDITOR, email="staff@secretariat.example", name="Sam Secretariat")
    secret = enrol_totp(staff)
    make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")

    sam = new_page()
    sign_in(sam, staff.email, PASSWORD, totp_secret=secret)
    sam.goto("/principles/self-assessment/")
    sam.get_by_role("button", name="Edit questionnaires").click()
    sam.get_by_role("button", name="New questionnaire").click()
    sam.get_by_label("Framework").select_option(label="Safety by Design")
    sam.get_by_label("Title").fill("Livestream safety check")
    sam.get_by_label("Short address").fill("livestream-check")
    sam.get_by_role("button", name="Save").click()
    expect(sam.get_by_text("Questionnaire created as a draft.")).to_be_visible()
    for title in ("Livestreams", "Before you start"):
        sam.get_by_role("button", name="Add a section").click()
        sam.get_by_label("Title").fill(title)
        sam.get_by_role("button", name="Save").click()
        expect(sam.get_by_text("Section saved.")).to_be_visible()
    _add_question(sam, "Livestreams", "Do you moderate livestreams?", [("Yes", "2"), ("No", "0")])
    _add_question(
        sam,
        "Livestreams",
        "Do you detect abuse in them as it happens?",
        [("Yes", "2"), ("Partly", "1"), ("No", "0")],
        after="1.1 Do you moderate livestreams? → Yes",
    )
    expect(sam.get_by_text("Asked only if 1.1 is answered “Yes”.")).to_be_visible()

    # "Before you start" moves up with the keyboard.
    up = sam.get_by_role("button", name=re.compile(r"^Up\W+Before you start$"))
    up.focus()
    sam.keyboard.press("Enter")
    expect(sam.get_by_text("Moved.")).to_be_visible()
    expect(sam.locator("section.q-section h2").first).to_have_text("1. Before you start")
    _add_question(sam, "Before you start", "Do you offer livestreams at all?", [("Yes", "2"), ("No", "")])

    sam.get_by_role("button", name="Publish…").click()
    expect(sam.get_by_role("heading", name="Publish version 1 of “Livestream safety check”?")).to_be_visible()
    sam.get_by_role("button", name="Publish", exact=True).click()
    expect(sam.get_by_text("Published: organisations can start self-assessments on it.")).to_be_visible()
    questionnaire = Questionnaire.objects.get(slug="livestream-check")
    assert questionnaire.status == "published"
    assert AuditEvent.objects.filter(action="questionnaire.published", target_id=str(questionnaire.pk)).exists()

    # Ed finds it offered, and the dependent question shows once its condition is chosen.
    ed = new_page()
    sign_in(ed, "editor@acme.example", PASSWORD)
    ed.goto("/principles/self-assessment/")
    offered = ed.locator("article").filter(has=ed.get_by_role("heading", name="Livestream safety check"))
    offered.get_by_role("button", name="Start or continue").click()
    expect(ed.get_by_role("heading", name="1. Before you start")).to_be_visible()
    assert SelfAssessment.objects.get(organisation=acme).questionnaire_id == questionnaire.pk
    ed.get_by_role("radio", name="Yes").first.check()
    ed.get_by_role("button", name="Save and continue").click()
    expect(ed.get_by_role("heading", name="2. Livestreams")).to_be_visible()
    dependent = ed.locator("div.question[data-depends-question]")
    expect(dependent).to_be_hidden()
    ed.locator("div.question fieldset").first.get_by_role("radio", name="Yes").check()
    expect(dependent).to_be_visible()
    expect(dependent).to_contain_text("Do you detect abuse in them as it happens?")

    # The editor's page on a phone: no sideways scrolling.
    sam.set_viewport_size({"width": 390, "height": 844})
    sam.goto(f"/principles/self-assessment/questionnaires/{questionnaire.pk}/")
    assert sam.evaluate("document.documentElement.scrollWidth") <= 390
