"""The audit chain: events are chained, append-only, and tampering is caught by audit_verify."""

from __future__ import annotations

import hashlib
import itertools
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from coalition.audit import guards
from coalition.audit.models import GENESIS_HASH, AuditEvent, ChainHead
from coalition.audit.services import record, verify_chain


def _write(n: int) -> list[AuditEvent]:
    return [record(action="test.event", target_type="thing", target_id=i, data={"i": i}) for i in range(n)]


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _raw(sql: str, params: list[object]) -> None:
    """Tamper as someone with direct database access would: around the append-only triggers."""
    guards.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        guards.install(connection)


@pytest.mark.django_db
def test_events_are_numbered_without_gaps_and_chained():
    events = _write(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    expected = hashlib.sha256((events[2].prev_hash + events[2].canonical_json()).encode()).hexdigest()
    assert events[2].hash == expected
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (5, events[-1].hash)


@pytest.mark.django_db
def test_verify_passes_on_a_clean_chain():
    _write(3)
    assert "3 events verified" in _verify()
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_verify_passes_on_an_empty_chain():
    assert "0 events verified" in _verify()


@pytest.mark.django_db
def test_verify_names_an_edited_event():
    _write(4)
    _raw("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["auth.nothing_to_see", 2])
    with pytest.raises(CommandError, match=r"event #2: its content does not match its hash"):
        _verify()


@pytest.mark.django_db
def test_verify_names_the_event_after_a_deleted_one():
    _write(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    with pytest.raises(CommandError, match=r"event #3: expected event #2"):
        _verify()


@pytest.mark.django_db
def test_verify_catches_events_deleted_at_the_end():
    _write(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [4])
    with pytest.raises(CommandError, match=r"chain head does not match"):
        _verify()


@pytest.mark.django_db
def test_verify_names_the_first_of_two_reordered_events():
    _write(4)
    # Swap the positions of events 2 and 3 (through a free number, as the column is unique).
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [1000, 2])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [2, 3])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [3, 1000])
    with pytest.raises(CommandError, match=r"event #2: "):
        _verify()


@pytest.mark.django_db
def test_the_database_refuses_to_update_or_delete_events():
    guards.install(connection)
    _write(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 2
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event_and_no_gap():
    _write(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="test.rolled_back")
        raise RuntimeError("the change failed")
    event = record(action="test.after")
    assert event.seq == 2
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.event", "test.after"]


@pytest.mark.django_db
def test_ip_is_truncated_by_default_and_can_be_kept_or_dropped(settings, client_for, outsider):
    from coalition.core import request_context

    token = request_context.activate(request_context.RequestContext(request_id="r1", ip="203.0.113.77"))
    try:
        assert record(action="test.ip").ip == "203.0.113.0/24"
        settings.AUDIT_IP_MODE = "full"
        assert record(action="test.ip").ip == "203.0.113.77"
        settings.AUDIT_IP_MODE = "none"
        assert record(action="test.ip").ip == ""
    finally:
        request_context.deactivate(token)


@pytest.mark.django_db
def test_ipv6_addresses_are_truncated_to_48_bits():
    from coalition.core import request_context

    token = request_context.activate(request_context.RequestContext(request_id="r1", ip="2001:db8:abcd:12::1"))
    try:
        assert record(action="test.ip").ip == "2001:db8:abcd::/48"
    finally:
        request_context.deactivate(token)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_event_and_chain_none_twice():
    """Threads with their own connections append at once; the head row lock serialises them."""
    writers, per_writer = 6, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def work(n: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            for i in range(per_writer):
                record(action="test.concurrent", data={"writer": n, "i": i})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_verify_reports_a_missing_chain_head():
    _write(2)
    ChainHead.objects.all().delete()
    with pytest.raises(CommandError, match=r"chain head row is missing"):
        _verify()
