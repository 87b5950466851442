"""A partner publishes an appeal with an image; a visitor without an account sends a tip and keeps
the receipt; a tip handler triages it and asks a question; the visitor answers with the receipt;
the handler marks it forwarded. The visitor's browser never receives a cookie."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from coalition.appeals.models import Appeal, Tip
from coalition.organisations.models import Membership, Organisation, Role
from tests.conftest import PASSWORD, enrol_totp
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e


def _photo(path: str) -> None:
    image = Image.new("RGB", (800, 600), (250, 250, 245))
    for y in (120, 160, 440, 480):
        image.paste((40, 80, 160), (0, y, 800, y + 20))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    image.save(path, "JPEG", exif=exif.tobytes())


ADDRESS = "198.51.100.203"
AGENT = "BrowserTipster/4.2 (distinctive-e2e-agent-0815)"


def test_an_appeal_from_publication_to_a_forwarded_tip(
    browser, new_page: Callable[[], Page], live_server, make_org, make_member, tmp_path, settings, caplog
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the visitor's address arrives in X-Forwarded-For
    settings.AUDIT_IP_MODE = "full"
    caplog.set_level(logging.DEBUG)
    police = make_org("Police", slug="police", kind=Organisation.Kind.PARTNER, may_publish_appeals=True)
    editor = make_member(police, Role.EDITOR, email="editor@police.example", name="Pete Editor")
    handler = make_member(police, Role.READER, email="handler@police.example", name="Hana Handler")
    Membership.objects.filter(user=handler).update(tip_handler=True)
    secret = enrol_totp(handler)
    photo = tmp_path / "towel.jpg"
    _photo(str(photo))

    # The partner's editor writes and publishes the appeal.
    partner = new_page()
    sign_in(partner, editor.email, PASSWORD)
    partner.get_by_role("navigation", name="Main").get_by_role("link", name="Appeals").click()
    partner.get_by_role("button", name="New appeal").click()
    partner.get_by_label("Title").fill("White towel with blue stripes")
    partner.get_by_label("Description").fill("A hotel towel with two blue stripes near each end.")
    partner.get_by_label("Questions to the public").fill(
        "Where have you seen towels like this?\nWhich hotel uses them?"
    )
    partner.get_by_label("Type of object").select_option("textile")
    partner.get_by_label("Country hints").fill("be, nl")
    partner.get_by_role("button", name="Save draft").click()
    expect(partner.get_by_role("status").filter(has_text="The draft was saved")).to_be_visible()
    partner.locator("input[name=image]").set_input_files(str(photo))
    partner.get_by_label("Describe the image for people who cannot see it").fill("A white towel with blue stripes")
    partner.get_by_role("button", name="Add image").click()
    expect(partner.get_by_role("status").filter(has_text="without its metadata")).to_be_visible()
    partner.get_by_role("button", name="Publish appeal").click()
    expect(partner.get_by_role("heading", name="Publish this appeal to the public?")).to_be_visible()
    partner.get_by_role("button", name="Publish appeal").click()
    expect(partner.get_by_role("heading", name="White towel with blue stripes")).to_be_visible()
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.OPEN

    # A visitor, without an account, sends a tip in two clicks from the gallery.
    visitor_context = browser.new_context(
        base_url=live_server.url, locale="en-GB", user_agent=AGENT, extra_http_headers={"X-Forwarded-For": ADDRESS}
    )
    visitor = visitor_context.new_page()
    visitor.goto("/appeals/")
    card = visitor.get_by_role("listitem").filter(has_text="White towel with blue stripes")
    expect(card.get_by_role("img", name="A white towel with blue stripes")).to_be_visible()
    card.get_by_role("button", name=re.compile("Send information")).click()
    expect(visitor.get_by_role("heading", name="Send information")).to_be_visible()
    expect(visitor.get_by_text("no files, photos or screenshots")).to_be_visible()
    visitor.get_by_label("Where have you seen towels like this?").fill("At a guest house in Ghent")
    visitor.get_by_role("button", name="Send", exact=True).click()
    expect(visitor.get_by_role("heading", name="Thank you: your information was sent")).to_be_visible()
    receipt = visitor.get_by_label("Receipt number").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{16}", receipt)
    tip = Tip.objects.get()

    # The handler triages it and asks a question.
    team = new_page()
    sign_in(team, handler.email, PASSWORD, totp_secret=secret)
    team.get_by_role("link", name="Tips", exact=True).click()
    team.get_by_role("link", name=f"#{tip.pk}").click()
    expect(team.get_by_text("At a guest house in Ghent")).to_be_visible()
    team.get_by_label("Status").select_option("useful")
    team.get_by_role("button", name="Save status").click()
    expect(team.get_by_role("status").filter(has_text="Useful")).to_be_visible()
    team.get_by_label("Question to the sender").fill("Do you remember the name of the guest house?")
    team.get_by_role("button", name="Ask").click()
    expect(team.get_by_role("status").filter(has_text="waits for the sender")).to_be_visible()

    # The visitor comes back with the receipt and answers.
    visitor.goto("/tips/status/")
    visitor.get_by_label("Your receipt").fill(receipt)
    visitor.get_by_role("button", name="Open my tip").click()
    expect(visitor.get_by_text("Do you remember the name of the guest house?")).to_be_visible()
    expect(visitor.get_by_text("Looked at by the team.")).to_be_visible()
    visitor.get_by_label("Your answer").fill("Het Blauwe Huis, near the station.")
    visitor.get_by_role("button", name="Send answer").click()
    expect(visitor.get_by_role("status").filter(has_text="Your answer was sent")).to_be_visible()
    assert visitor.context.cookies() == []

    # The handler reads the answer and marks the tip forwarded.
    team.reload()
    expect(team.get_by_text("Het Blauwe Huis, near the station.")).to_be_visible()
    team.get_by_label("Status").select_option("forwarded")
    team.get_by_label("Forwarded to").fill("Federal Police, Child Abuse Unit")
    team.get_by_role("button", name="Save status").click()
    expect(team.get_by_text("Forwarded to Federal Police, Child Abuse Unit on")).to_be_visible()
    tip.refresh_from_db()
    assert tip.status == Tip.Status.FORWARDED and tip.forwarded_by == handler

    # Nothing kept the visitor's address or browser: no table, no log line, no audit event.
    visitor_context.close()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            text = repr(cursor.fetchall())
            assert ADDRESS not in text and "distinctive-e2e-agent" not in text, table
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert ADDRESS not in logged and "distinctive-e2e-agent" not in logged

    # The served image carries none of the photo's metadata.
    served = partner.request.get(f"/appeals/{appeal.pk}/images/{appeal.images.get().pk}/display.jpg").body()
    assert b"SecretCamera" not in served
    with Image.open(io.BytesIO(served)) as back:
        assert not back.getexif()
