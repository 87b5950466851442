"""Sending a tip, coming back with the receipt, and the handlers' triage: bad input gets a clear
message and saves nothing; every look and change by a handler is audited, the sender never is."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from coalition.appeals import anonymity, services
from coalition.appeals.models import Appeal, Tip, TipMessage
from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from tests.appeals.conftest import FORM, ORIGIN, form_token, make_appeal, post, receipt_of, send_tip

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    return response.content.decode()


def test_a_tip_is_sent_counted_and_answered_with_its_receipt(client, open_appeal, handler):
    response = send_tip(client, open_appeal, {"answer_1": "Hotel Central", "contact": "sender@example.org"})
    assert response.status_code == 200
    receipt = receipt_of(response)
    tip = Tip.objects.get()
    assert tip.answers == [
        {"question": "Where is this sold?", "answer": "At the market in Ghent"},
        {"question": "Which hotel uses it?", "answer": "Hotel Central"},
    ]
    assert tip.contact == "sender@example.org" and tip.status == Tip.Status.NEW
    open_appeal.refresh_from_db()
    assert open_appeal.tips_received == 1
    assert "1 tip received" in _text(client.get("/appeals/"))

    services.ask_sender(acting_user=handler, tip=tip, text="Which market day?")
    page = post(client, "/tips/status/", {"receipt": " ".join(receipt[i : i + 4] for i in range(0, 16, 4))})
    assert page.status_code == 200
    assert "Which market day?" in _text(page) and "Looked at by the team." not in _text(page)
    token = re.search(r'name="token" value="([^"]+)"', _text(page)).group(1)
    answered = post(client, "/tips/status/reply/", {"token": token, "text": "Saturdays."})
    assert answered.status_code == 200 and "Your answer was sent" in _text(answered)
    assert TipMessage.objects.filter(tip=tip, from_sender=True, author=None).get().text == "Saturdays."


def test_two_clicks_from_the_gallery_to_the_form(client, open_appeal):
    gallery = _text(client.get("/appeals/"))
    assert f'href="/tips/appeal/{open_appeal.pk}/?lang=en"' in gallery  # "Send information" on the card
    form = client.get(f"/tips/appeal/{open_appeal.pk}/?lang=en")
    assert form.status_code == 200 and "Where is this sold?" in _text(form)
    assert 'type="file"' not in _text(form) and "multipart" not in _text(form)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"answer_0": "", "text": "   "}, "Write what you know"),
        ({"text": "x" * 100_000}, "at most 10000 characters"),
        ({"answer_0": "y" * 2_001}, "at most 2000 characters"),
        ({"contact": "z" * 301}, "at most 300 characters"),
    ],
    ids=["empty", "100k-characters", "long-answer", "long-contact"],
)
def test_bad_tips_get_a_message_keep_the_text_and_save_nothing(client, open_appeal, fields, message):
    response = send_tip(client, open_appeal, fields)
    assert response.status_code == 400
    assert message in _text(response).replace(",", "")
    assert not Tip.objects.exists()
    assert 'name="token"' in _text(response)  # a fresh token: the person can correct and send again


def test_a_tip_to_a_closed_or_solved_appeal_is_refused(client, police_editor, police):
    for status in (Appeal.Status.SOLVED, Appeal.Status.CLOSED):
        appeal = make_appeal(police_editor, police, status=status, title=f"{status} bottle")
        page = client.get(f"/tips/appeal/{appeal.pk}/")
        assert page.status_code == 200 and "no longer takes information" in _text(page)
        refused = post(client, f"/tips/appeal/{appeal.pk}/", {"token": "x", "text": "hello"})
        assert refused.status_code == 410
    assert not Tip.objects.exists()


def test_an_appeal_closed_while_the_form_was_open_refuses_the_tip(client, open_appeal, police_editor):
    token = form_token(client, open_appeal)
    services.end_appeal(acting_user=police_editor, appeal=open_appeal, status="closed", outcome_note="")
    response = post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "late"})
    assert response.status_code == 410 and not Tip.objects.exists()


def test_a_draft_appeal_has_no_tip_form(client, draft_appeal):
    assert client.get(f"/tips/appeal/{draft_appeal.pk}/").status_code == 404


@pytest.mark.parametrize("token", ["", "forged", "x" * 400], ids=["missing", "forged", "too-long"])
def test_a_forged_or_missing_form_token_saves_nothing(client, open_appeal, token):
    response = post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "My tip text"})
    assert response.status_code == 400
    assert "could not be checked" in _text(response) and "My tip text" in _text(response)
    assert not Tip.objects.exists()


def test_a_token_for_another_appeal_or_one_used_twice_is_refused(client, open_appeal, police_editor, police):
    other = make_appeal(police_editor, police, title="Other towel")
    token = form_token(client, other)
    assert post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "a"}).status_code == 400
    token = form_token(client, open_appeal)
    assert post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "first"}).status_code == 200
    again = post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "second"})
    assert again.status_code == 400 and "already sent once" in _text(again)
    assert list(Tip.objects.values_list("text", flat=True)) == ["first"]


def test_an_expired_token_is_refused(client, open_appeal, monkeypatch):
    token = form_token(client, open_appeal)
    monkeypatch.setattr(anonymity, "FORM_TOKEN_MAX_AGE", -1)
    response = post(client, f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "late"})
    assert response.status_code == 400 and "more than two hours" in _text(response)


@pytest.mark.parametrize(
    ("origin", "fetch_site"),
    [
        ("https://evil.example", None),
        ("https://evil.example", "same-origin"),
        (None, None),
        ("null", None),
        ("null", "cross-site"),
        (None, "same-site"),
    ],
)
def test_a_post_from_another_site_or_of_unknown_origin_is_refused(client, open_appeal, origin, fetch_site):
    token = form_token(client, open_appeal)
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    if fetch_site:
        headers["HTTP_SEC_FETCH_SITE"] = fetch_site
    data = urlencode({"token": token, "text": "cross-site"})
    response = client.post(f"/tips/appeal/{open_appeal.pk}/", data, content_type=FORM, **headers)
    assert response.status_code == 400 and "must be sent from this site" in _text(response)
    assert not Tip.objects.exists()


def test_a_browser_under_no_referrer_sends_origin_null_and_fetch_metadata(client, open_appeal):
    token = form_token(client, open_appeal)
    data = urlencode({"token": token, "text": "from the page itself"})
    response = client.post(
        f"/tips/appeal/{open_appeal.pk}/",
        data,
        content_type=FORM,
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert response.status_code == 200 and Tip.objects.count() == 1


def test_files_are_never_accepted(client, open_appeal):
    import io

    token = form_token(client, open_appeal)
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n fake")
    upload.name = "photo.png"
    response = client.post(
        f"/tips/appeal/{open_appeal.pk}/", {"token": token, "text": "see photo", "file": upload}, HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 400 and "no files or images" in _text(response)
    assert not Tip.objects.exists()


def test_the_honeypot_gets_a_receipt_that_opens_nothing(client, open_appeal):
    response = send_tip(client, open_appeal, {"website": "http://spam.example"})
    assert response.status_code == 200
    receipt = receipt_of(response)
    assert not Tip.objects.exists()
    assert "No tip has this receipt" in _text(post(client, "/tips/status/", {"receipt": receipt}))


def test_floods_are_limited_per_sender(client, open_appeal, settings):
    settings.TIP_LIMIT_PER_HOUR = 2
    assert send_tip(client, open_appeal).status_code == 200
    assert send_tip(client, open_appeal).status_code == 200
    third = send_tip(client, open_appeal, {"text": "third"})
    assert third.status_code == 400 and "wait an hour" in _text(third) and "third" in _text(third)
    assert Tip.objects.count() == 2
    # Another address is not held back by this one.
    assert send_tip(Client(REMOTE_ADDR="192.0.2.9"), open_appeal).status_code == 200


@pytest.mark.parametrize(
    ("receipt", "message"),
    [("1234", "16 digits"), ("0000 0000 0000 0001", "No tip has this receipt"), ("", "This field is required")],
    ids=["short", "wrong", "empty"],
)
def test_a_wrong_receipt_is_refused_with_a_message(client, tip, receipt, message):
    response = post(client, "/tips/status/", {"receipt": receipt})
    assert response.status_code == 400 and message in _text(response)


def test_receipt_lookups_are_rate_limited(client, tip, settings):
    settings.TIP_RECEIPT_TRIES_PER_HOUR = 3
    for _ in range(3):
        assert "No tip has this receipt" in _text(post(client, "/tips/status/", {"receipt": "0" * 16}))
    assert "Too many receipts" in _text(post(client, "/tips/status/", {"receipt": "0" * 16}))


def test_a_reply_needs_a_fresh_token_and_an_open_tip(client, tip, handler):
    assert "more than 30 minutes" in _text(post(client, "/tips/status/reply/", {"token": "forged", "text": "hi"}))
    token = anonymity.reply_token(tip.pk)
    empty = post(client, "/tips/status/reply/", {"token": token, "text": ""})
    assert empty.status_code == 400 and "This field is required" in _text(empty)
    services.triage(acting_user=handler, tip=tip, status="closed")
    closed = post(client, "/tips/status/reply/", {"token": token, "text": "more"})
    assert closed.status_code == 400 and "This tip is closed" in _text(closed)
    assert not TipMessage.objects.exists()
    assert client.get("/tips/status/reply/").status_code == 405


def test_triage_assignment_notes_and_questions_are_audited(client_for, tip, handler, second_handler, police_reader):
    client = client_for(handler)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(f"/appeals/tips/{tip.pk}/").status_code == 200
    assert client.post(f"/appeals/tips/{tip.pk}/triage/", {"status": "useful"}).status_code == 302
    assert client.post(f"/appeals/tips/{tip.pk}/assign/", {"assignee": second_handler.pk}).status_code == 302
    assert client.post(f"/appeals/tips/{tip.pk}/notes/", {"text": "Check the market"}).status_code == 302
    assert client.post(f"/appeals/tips/{tip.pk}/ask/", {"text": "Which day?"}).status_code == 302
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    assert [e.action for e in events] == [
        "tip.viewed",
        "tip.triaged",
        "tip.assigned",
        "tip.note_added",
        "tip.question_asked",
    ]
    assert all(
        e.actor_id == handler.pk and e.target_id == str(tip.pk) and e.target_org_id == tip.organisation_id
        for e in events
    )
    assert "Check the market" not in " ".join(e.canonical_json() for e in events)  # no content in the log
    tip.refresh_from_db()
    assert tip.status == "useful" and tip.assigned_to == second_handler
    # Someone who is not a handler cannot be assigned.
    refused = client.post(f"/appeals/tips/{tip.pk}/assign/", {"assignee": police_reader.pk})
    assert refused.status_code == 400
    tip.refresh_from_db()
    assert tip.assigned_to == second_handler


def test_forwarding_says_to_whom_when_and_by_whom(client_for, tip, handler):
    client = client_for(handler)
    refused = client.post(f"/appeals/tips/{tip.pk}/triage/", {"status": "forwarded", "forwarded_to": ""})
    assert refused.status_code == 400 and "Say which authority" in _text(refused)
    tip.refresh_from_db()
    assert tip.status == "new"
    client.post(f"/appeals/tips/{tip.pk}/triage/", {"status": "forwarded", "forwarded_to": "Federal Police"})
    tip.refresh_from_db()
    assert (tip.status, tip.forwarded_to, tip.forwarded_by) == ("forwarded", "Federal Police", handler)
    assert tip.forwarded_at is not None
    page = _text(client.get(f"/appeals/tips/{tip.pk}/"))
    assert "Forwarded to Federal Police on" in page and "Hana Handler" in page
    event = AuditEvent.objects.filter(action="tip.triaged").latest("id")
    assert event.data["forwarded_to"] == "Federal Police"


def test_links_in_tips_are_shown_as_text(client, open_appeal, client_for, handler):
    send_tip(client, open_appeal, {"text": 'See https://evil.example/x and <a href="https://evil.example">here</a>'})
    page = _text(client_for(handler).get(f"/appeals/tips/{Tip.objects.get().pk}/"))
    assert "https://evil.example/x" in page
    assert 'href="https://evil.example' not in page and "&lt;a href=" in page


def test_handlers_cannot_question_a_closed_tip(tip, handler):
    services.triage(acting_user=handler, tip=tip, status="closed")
    with pytest.raises(ServiceError, match="closed"):
        services.ask_sender(acting_user=handler, tip=tip, text="?")


def test_the_sender_sees_a_status_but_never_the_triage(client, open_appeal, handler):
    receipt = receipt_of(send_tip(client, open_appeal))
    tip = Tip.objects.get()
    assert "Received" in _text(post(client, "/tips/status/", {"receipt": receipt}))
    services.triage(acting_user=handler, tip=tip, status="not_useful")
    page = _text(post(client, "/tips/status/", {"receipt": receipt}))
    assert "Looked at by the team." in page and "Not useful" not in page


def test_the_gallery_and_inbox_take_a_constant_number_of_queries(
    client, client_for, open_appeal, police_editor, police, handler, django_assert_max_num_queries
):
    def count(path: str, as_client: Any) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert as_client.get(path).status_code == 200
        return len(captured)

    inbox = client_for(handler)
    send_tip(client, open_appeal)
    inbox.get("/appeals/tips/")  # the first signed-in request records the session (once per minute)
    few = (count("/appeals/", Client()), count("/appeals/tips/", inbox))
    for n in range(6):
        appeal = make_appeal(police_editor, police, title=f"Towel {n}")
        send_tip(Client(REMOTE_ADDR=f"192.0.2.{n + 10}"), appeal)
    many = (count("/appeals/", Client()), count("/appeals/tips/", inbox))
    assert few == many
    assert many[0] <= 4  # appeals page, texts, images (+ the savepoint-free read of nothing else)


def test_receipt_lookups_have_a_ceiling_for_everyone_together(tip, settings):
    settings.TIP_RECEIPT_TRIES_GLOBAL_HOUR = 2
    answers = [
        post(Client(REMOTE_ADDR=f"192.0.2.{n}"), "/tips/status/", {"receipt": "0" * 16}).content.decode()
        for n in (1, 2, 3)
    ]
    assert ["Too many receipts" in a for a in answers] == [False, False, True]
