"""Oversight in the browser: a member reads a document; its owner sees who read it; the
organisation's admin finds the read among the members' activity and opens its inclusion proof;
the oversight body sees the read without the title; a member keeps the signed checkpoint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coalition.audit import checkpoints, merkle, tree
from coalition.audit.models import AuditEvent, AuditLeaf
from coalition.library import services
from coalition.library.models import TLP
from coalition.organisations import services as organisation_services
from coalition.organisations.models import Membership, Organisation, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_who_read_what_is_answered_for_owners_admins_and_oversight_never_with_content(
    new_page, make_member, make_org, acme, acme_editor, acme_reader
):
    document = services.create_document(
        acting_user=acme_editor, owner=acme, title="Grooming triage playbook", body="Step one.", tlp=TLP.AMBER
    )
    admin = make_member(acme, Role.ADMIN, email="ada@acme.example", name="Ada Admin")
    admin_secret = enrol_totp(admin)
    watchdog = make_org("Watchdog", slug="watchdog", kind=Organisation.Kind.PARTNER, oversight_body=True)
    watchdog_admin = make_member(watchdog, Role.ADMIN, email="wanda@watchdog.example")
    enrol_totp(watchdog_admin)
    overseer = make_member(watchdog, Role.READER, email="olga@watchdog.example", name="Olga Overseer")
    overseer_secret = enrol_totp(overseer)
    organisation_services.set_oversight(
        acting_user=watchdog_admin, membership=Membership.objects.get(user=overseer), oversight=True
    )

    # A member reads the document.
    reader = new_page()
    sign_in(reader, acme_reader.email, PASSWORD)
    reader.goto(f"/library/{document.pk}/")
    expect(reader.get_by_role("heading", name="Grooming triage playbook")).to_be_visible()
    read = AuditEvent.objects.filter(action="document.viewed", actor_id=acme_reader.pk).get()
    tree.integrate_all()  # what the worker's sequencer does every two seconds
    read.refresh_from_db()

    # The owner: who read this.
    owner = new_page()
    sign_in(owner, acme_editor.email, PASSWORD)
    owner.goto(f"/library/{document.pk}/")
    owner.get_by_role("button", name="Who read this").click()
    expect(owner.get_by_role("cell", name=re.compile("Rea Reader"))).to_be_visible()

    # The organisation's admin: members' activity, then the read's proof.
    admin_page = new_page()
    sign_in(admin_page, admin.email, PASSWORD, totp_secret=admin_secret)
    admin_page.goto("/orgs/acme/")
    admin_page.get_by_role("button", name="Members' activity").click()
    admin_page.get_by_text("Filters", exact=True).click()
    admin_page.get_by_label("Kind").select_option("reads")
    admin_page.get_by_role("button", name="Show").click()
    row = admin_page.get_by_role("row").filter(has_text="reader@acme.example").filter(has_text="document.viewed")
    expect(row.first).to_contain_text("“Grooming triage playbook”")
    row.first.get_by_role("link", name=f"Proof of event #{read.number}").click()
    expect(admin_page.get_by_role("heading", name=f"Proof of event #{read.number}")).to_be_visible()
    leaf = AuditLeaf.objects.get(event=read)
    hashes = [bytes.fromhex(h) for h in admin_page.locator("dd ol li code").all_inner_texts()]
    size = int(admin_page.locator("dt:has-text('Tree size') + dd").inner_text())
    root = bytes.fromhex(admin_page.locator("dt:has-text('Root hash') + dd").inner_text().strip())
    assert merkle.verify_inclusion(bytes.fromhex(leaf.hash), leaf.index, size, hashes, root)

    # The oversight body: every event, never the title of what it may not read.
    overseer_page = new_page()
    sign_in(overseer_page, overseer.email, PASSWORD, totp_secret=overseer_secret)
    overseer_page.get_by_role("link", name="Oversight").click()
    overseer_page.get_by_text("Filters", exact=True).click()
    overseer_page.get_by_label("Document number").fill(str(document.pk))
    overseer_page.get_by_role("button", name="Show").click()
    expect(overseer_page.get_by_role("row").filter(has_text="reader@acme.example").first).to_contain_text(
        "a TLP:AMBER document of Acme"
    )
    expect(overseer_page.get_by_text("Grooming triage playbook")).to_have_count(0)

    # Any member keeps the signed checkpoint, which verifies with the key shown beside it.
    reader.get_by_role("link", name="Audit log checkpoints").click()
    with reader.expect_download() as download:
        reader.get_by_role("button", name="Download this checkpoint").click()
    note = Path(download.value.path()).read_text()
    key = reader.locator("section pre.checkpoint-note").nth(1).inner_text().strip()
    signed = checkpoints.open_checkpoint(note, checkpoints.parse_verifier_key(key), origin=tree.origin())
    assert signed.size >= leaf.index + 1
    sign_out(reader)
