"""A tip's sender leaves no trace: tips sent with a distinctive address (through the trusted
proxy's header) and browser are searched for in every table, every log line and every audit
event; the sender's pages set no cookie and are never stored; receipts exist only as hashes."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from coalition.appeals import anonymity
from coalition.appeals.models import Tip
from coalition.audit.models import AuditEvent
from tests.appeals.conftest import post, receipt_of, send_tip

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
AGENT = "TipsterProbe/9.7 (distinctive-user-agent-4711)"
REFERRER = "https://referrer.example/secret-origin-page"
HEADERS = {
    "REMOTE_ADDR": "10.0.0.1",  # the proxy
    "HTTP_X_FORWARDED_FOR": ADDRESS,
    "HTTP_USER_AGENT": AGENT,
    "HTTP_REFERER": REFERRER,
}
NEEDLES = [ADDRESS, "203.0.113.", AGENT, "distinctive-user-agent", "referrer.example", "secret-origin-page"]


def _every_row_as_text() -> str:
    """Every column of every row of every table, as one text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                parts.append(f"{table}: " + " | ".join(str(value) for value in row))
    return "\n".join(parts)


def _assert_no_trace(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{needle!r} found in {where}"


@pytest.fixture
def trusted_proxy(settings: Any) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.AUDIT_IP_MODE = "full"  # the strictest test: the audit would keep a whole address


def _sender_session(client: Client, appeal: Any, caplog: pytest.LogCaptureFixture) -> tuple[str, list[Any]]:
    """Everything a sender does: read the appeal, send a tip, come back, answer a question."""
    from coalition.appeals import services

    responses = [client.get(f"/appeals/{appeal.pk}/", **HEADERS)]
    sent = send_tip(
        client,
        appeal,
        {"answer_0": "Sold at the corner shop", "text": "I saw it there.", "contact": "call me"},
        **HEADERS,
    )
    responses.append(sent)
    receipt = receipt_of(sent)
    handler_question = Tip.objects.get()
    services.ask_sender(acting_user=_handler_of(appeal), tip=handler_question, text="Which corner shop?")
    status = post(client, "/tips/status/", {"receipt": receipt}, **HEADERS)
    responses.append(status)
    token = re.search(r'name="token" value="([^"]+)"', status.content.decode()).group(1)
    responses.append(
        post(client, "/tips/status/reply/", {"token": token, "text": "The one on Main Street."}, **HEADERS)
    )
    # A few refusals too: they must not log the address either.
    responses.append(post(client, "/tips/status/", {"receipt": "0000 0000 0000 0000"}, **HEADERS))
    responses.append(post(client, f"/tips/appeal/{appeal.pk}/", {"token": "forged", "text": "x"}, **HEADERS))
    return receipt, responses


def _handler_of(appeal: Any) -> Any:
    from coalition.accounts.models import User

    return User.objects.get(memberships__organisation=appeal.organisation, memberships__tip_handler=True)


def test_no_table_log_line_or_audit_event_holds_the_senders_address_or_browser(
    trusted_proxy, client, open_appeal, handler, caplog
):
    caplog.set_level(logging.DEBUG)
    events_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    receipt, responses = _sender_session(client, open_appeal, caplog)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 400, 400]

    tip = Tip.objects.get()
    assert tip.messages.filter(from_sender=True).get().text == "The one on Main Street."
    _assert_no_trace(_every_row_as_text(), "the database")
    _assert_no_trace("\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records), "the logs")
    # The sender's actions wrote no audit event at all; the handler's question wrote one, without an address.
    new_events = list(AuditEvent.objects.filter(id__gt=events_before))
    assert [e.action for e in new_events] == ["tip.question_asked"]
    _assert_no_trace(" ".join(e.canonical_json() for e in AuditEvent.objects.all()), "the audit log")
    # The receipt is nowhere; its hash is.
    assert receipt not in _every_row_as_text()
    assert tip.receipt_hash == anonymity.receipt_hash(receipt) != receipt
    # Times are kept to the hour.
    assert tip.received_at.minute == tip.received_at.second == tip.received_at.microsecond == 0


def test_a_signed_in_member_sending_a_tip_leaves_no_address_either(
    trusted_proxy, client_for, open_appeal, handler, police_reader, caplog
):
    caplog.set_level(logging.DEBUG)
    client = client_for(police_reader)
    response = send_tip(client, open_appeal, **HEADERS)
    assert response.status_code == 200
    assert "You are signed in" in client.get(f"/tips/appeal/{open_appeal.pk}/").content.decode()
    _assert_no_trace(_every_row_as_text(), "the database")
    tip_rows = [line for line in _every_row_as_text().splitlines() if line.startswith("appeals_tip:")]
    assert len(tip_rows) == 1
    assert police_reader.email not in tip_rows[0] and str(police_reader.pk) not in tip_rows[0].split(" | ")[2:4]


def test_the_senders_pages_set_no_cookie_and_are_never_stored(client, open_appeal, handler):
    _receipt, responses = _sender_session(client, open_appeal, None)  # type: ignore[arg-type]
    tip_pages = responses[1:]
    for response in tip_pages:
        assert not response.cookies, response.cookies
        assert "Set-Cookie" not in response.headers
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"
        csp = response["Content-Security-Policy"]
        assert "script-src 'none'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert b"<script" not in response.content
    assert not client.cookies  # nothing was ever set, the appeal page included


def test_receipts_are_stored_only_as_argon2id_hashes(client, open_appeal):
    receipt = receipt_of(send_tip(client, open_appeal))
    assert re.fullmatch(r"\d{16}", receipt)
    stored = Tip.objects.get().receipt_hash
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert stored == anonymity.receipt_hash(receipt)
    assert stored != anonymity.receipt_hash(receipt[:-1] + str((int(receipt[-1]) + 1) % 10))


def _cache_keys() -> list[str]:
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return [str(key) for key in cache._cache]
    return [key.decode() for key in cache._cache.get_client().keys("*")]  # Redis: this worker's database


def test_rate_limit_counters_hold_a_keyed_hash_that_changes_daily(trusted_proxy, client, open_appeal, settings):
    send_tip(client, open_appeal, **HEADERS)
    stored = _cache_keys()
    keys = [k for k in stored if "appeals:limit:tip:" in k]
    assert keys and all(ADDRESS not in k for k in keys)
    assert len([k for k in stored if "appeals:limit-key:" in k]) == 1
