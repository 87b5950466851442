"""An organisation admin manages members from the organisation page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coalition.organisations.models import Membership, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import at, sign_in

pytestmark = pytest.mark.e2e


def test_admin_changes_a_role_and_removes_a_member(page: Page, make_member, acme):
    admin = make_member(acme, Role.ADMIN, email="admin@acme.example", name="Ada Admin")
    secret = enrol_totp(admin)
    reader = make_member(acme, Role.READER, email="reader@acme.example", name="Rea Reader")
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    reader_row = f"#member-{Membership.objects.get(user=reader).pk}"
    editor_membership = Membership.objects.get(user=editor).pk
    editor_row = f"#member-{editor_membership}"

    sign_in(page, admin.email, PASSWORD, totp_secret=secret)
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    expect(page.locator("nav details.dropdown summary")).to_have_text("Ada Admin")
    page.get_by_role("link", name="Acme").first.click()
    expect(page).to_have_url(at("/orgs/acme/"))
    members = page.get_by_role("table", name="Members")
    expect(members.locator("tbody tr")).to_have_count(3)

    # Change the reader's role.
    row = page.locator(reader_row)
    role = row.get_by_label("Role of Rea Reader")
    expect(role).to_have_value(Role.READER)
    role.select_option(label="Contributor")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("heading", name="Make Rea Reader contributor of")).to_be_visible()  # asked first
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("status").filter(has_text="Rea Reader is now contributor.")).to_be_visible()
    expect(page.locator(reader_row).get_by_label("Role of Rea Reader")).to_have_value(Role.CONTRIBUTOR)
    expect(page.locator(reader_row).locator("option:checked")).to_have_text("Contributor")

    # Remove the editor, through the confirmation page.
    page.locator(editor_row).get_by_role("link", name="Remove Ed Editor").click()
    expect(page).to_have_url(at(f"/orgs/acme/members/{editor_membership}/remove/"))
    expect(page.get_by_role("heading", name="Remove Ed Editor from Acme?")).to_be_visible()
    expect(page.get_by_text("editor@acme.example is editor.")).to_be_visible()
    page.get_by_role("button", name="Remove member").click()
    expect(page).to_have_url(at("/orgs/acme/"))
    expect(page.get_by_role("status").filter(has_text="Ed Editor was removed from Acme.")).to_be_visible()
    expect(page.locator(editor_row)).to_have_count(0)
    expect(members.get_by_text("editor@acme.example")).to_have_count(0)
    expect(members.locator("tbody tr")).to_have_count(2)

    # The database agrees.
    assert Membership.objects.get(user=reader, organisation=acme).role == Role.CONTRIBUTOR
    assert not Membership.objects.filter(user=editor, organisation=acme).exists()
    assert Membership.objects.get(user=admin, organisation=acme).role == Role.ADMIN
    editor.refresh_from_db()
    assert editor.is_active  # the account stays; only the membership goes
