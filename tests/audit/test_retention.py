"""Old events lose their address and browser, and every leaf and proof still verifies; the
integration delay is reported against its bound."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from coalition.audit import merkle, retention, tree
from coalition.audit.models import AuditEvent, AuditLeaf, ChainHead, LeafFormat, TreeHead
from coalition.audit.services import record
from coalition.core import request_context

pytestmark = pytest.mark.django_db

ADDRESS, BROWSER = "198.51.100.0/24", "Mozilla/5.0 UniqueBrowser/77"


def _as_visitor(n: int) -> list[AuditEvent]:
    token = request_context.activate(
        request_context.RequestContext(request_id="r", ip="198.51.100.9", user_agent=BROWSER)
    )
    try:
        return [record(action="test.event", data={"i": i}) for i in range(n)]
    finally:
        request_context.deactivate(token)


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _every_proof_verifies() -> None:
    size = TreeHead.objects.get().size
    root = tree.root_at(size)
    for leaf in AuditLeaf.objects.order_by("index"):
        proof = tree.inclusion_proof(leaf.index, size)
        assert merkle.verify_inclusion(bytes.fromhex(leaf.hash), leaf.index, size, proof, root)
        # and the leaf is still the event's own hash, recomputed from what is left of it
        assert merkle.leaf_hash(leaf.event.leaf_data()).hex() == leaf.hash


def _later(days: int):  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(days=days)


def test_old_events_lose_address_and_browser_and_every_proof_still_verifies(settings):
    settings.AUDIT_PERSONAL_DATA_DAYS = 30
    old = _as_visitor(5)
    tree.integrate_all()
    before = {leaf.index: leaf.hash for leaf in AuditLeaf.objects.all()}
    checkpoint = tree.integrate() or tree.status()
    assert retention.redact_personal_data(now=_later(31)) == 5
    for event in AuditEvent.objects.filter(pk__in=[e.pk for e in old]):
        assert (event.ip, event.user_agent, event.personal_salt) == ("", "", "")
        assert event.redacted_at is not None and event.personal_digest  # the digest stays
    assert {leaf.index: leaf.hash for leaf in AuditLeaf.objects.all()} == before
    # Nothing of the address or browser is left in any column of the events table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        rows = " ".join(str(row) for row in cursor.fetchall())
    assert "198.51.100" not in rows and "UniqueBrowser" not in rows
    [event] = AuditEvent.objects.filter(action="audit.personal_data_redacted")
    assert event.data["events"] == 5 and event.actor_id is None
    tree.integrate_all()
    _every_proof_verifies()
    assert "verified" in _verify()
    assert checkpoint is not None


def test_recent_and_unintegrated_events_are_kept_and_a_second_run_does_nothing(settings):
    settings.AUDIT_PERSONAL_DATA_DAYS = 30
    _as_visitor(2)
    tree.integrate_all()
    waiting = _as_visitor(1)[0]  # not in the tree yet: its leaf is not kept yet
    assert retention.redact_personal_data(now=_later(10)) == 0  # too recent
    assert retention.redact_personal_data(now=_later(31)) == 2
    assert AuditEvent.objects.get(pk=waiting.pk).ip == ADDRESS
    assert retention.redact_personal_data(now=_later(31)) == 0
    assert AuditEvent.objects.filter(action="audit.personal_data_redacted").count() == 1


def test_zero_days_keeps_personal_data(settings):
    settings.AUDIT_PERSONAL_DATA_DAYS = 0
    _as_visitor(1)
    tree.integrate_all()
    assert retention.redact_personal_data(now=_later(10_000)) == 0
    out = StringIO()
    call_command("audit_redact", stdout=out)
    assert "personal data is kept" in out.getvalue()


def test_a_redacted_event_of_the_first_chain_is_vouched_for_by_its_leaf(settings):
    settings.AUDIT_PERSONAL_DATA_DAYS = 30
    event = AuditEvent(seq=1, created_at=timezone.now(), action="test.legacy", ip=ADDRESS, leaf_format=1)
    event.prev_hash = "0" * 64
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    ChainHead.objects.filter(id=1).update(seq=1, hash=event.hash)
    tree.integrate_all()
    assert retention.redact_personal_data(now=_later(31)) == 1
    assert AuditEvent.objects.get(seq=1).ip == ""
    out = _verify()
    assert "1 redacted format 1 event(s) vouched for by their kept leaf hash" in out
    assert AuditEvent.objects.get(seq=1).leaf_format == LeafFormat.CHAINED


def test_the_command_redacts_and_says_how_many(settings):
    settings.AUDIT_PERSONAL_DATA_DAYS = 30
    _as_visitor(3)
    tree.integrate_all()
    with mock.patch("coalition.audit.retention.timezone.now", return_value=_later(31)):
        out = StringIO()
        call_command("audit_redact", stdout=out)
    assert "3 event(s) older than 30 days redacted" in out.getvalue()


# --- The integration delay --------------------------------------------------------------------------


def test_status_reports_the_delay_and_the_command_fails_past_the_bound(settings):
    settings.AUDIT_INTEGRATION_BOUND = 10
    _as_visitor(2)
    state = tree.status()
    assert state.waiting == 2 and state.within_bound
    out = StringIO()
    call_command("audit_status", stdout=out)
    assert "2 waiting" in out.getvalue()
    with mock.patch("coalition.audit.tree.timezone.now", return_value=timezone.now() + timedelta(seconds=30)):
        assert not tree.status().within_bound
        with pytest.raises(CommandError, match="Integration delay over the bound"):
            call_command("audit_status", stdout=StringIO())
    tree.integrate_all()
    state = tree.status()
    assert (state.waiting, state.oldest_waiting_seconds, state.size) == (0, 0.0, 2)


def test_the_checkpoint_page_tells_members_how_far_integration_is(client_for, acme_reader):
    client = client_for(acme_reader)
    _as_visitor(1)
    tree.integrate_all()
    text = client.get("/audit/checkpoint/").content.decode()
    assert "Every recorded event is in the tree" in text and "Integration is late" not in text
    record(action="test.waiting")
    with mock.patch("coalition.audit.tree.timezone.now", return_value=timezone.now() + timedelta(seconds=60)):
        text = client.get("/audit/checkpoint/").content.decode()
    assert "1 event is waiting to be integrated" in text and "Integration is late" in text
