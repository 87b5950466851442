"""Recording audit events: one INSERT with no lock, in the caller's transaction; the database
lets an event be numbered once and redacted once and refuses every other change; the closed hash
chain of the events written before the tree is still verified."""

from __future__ import annotations

import hashlib
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, DataError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.audit import guards, tree
from coalition.audit.models import (
    GENESIS_HASH,
    AuditEvent,
    AuditLeaf,
    AuditQueue,
    ChainHead,
    LeafFormat,
    personal_digest,
)
from coalition.audit.services import record, verify_chain
from coalition.core import request_context


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


def _numbered() -> list[tuple[int, str]]:
    """(number, action) of every integrated event, by number."""
    return [(leaf.index + 1, leaf.event.action) for leaf in AuditLeaf.objects.order_by("index").select_related("event")]


def _legacy(n: int) -> list[AuditEvent]:
    """Events as they were written before the tree: numbered and chained at once (format 1)."""
    events, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        event = AuditEvent(
            seq=i,
            created_at=timezone.now(),
            action="test.legacy",
            target_type="thing",
            target_id=str(i),
            ip="203.0.113.0/24",
            data={"i": i},
            leaf_format=LeafFormat.CHAINED,
            prev_hash=prev,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        events.append(event)
        prev = event.hash
    ChainHead.objects.filter(id=1).update(seq=n, hash=prev)
    return events


@pytest.mark.django_db
def test_recording_is_one_insert_and_takes_no_lock():
    record(action="test.warm")  # the first call reads the actor's memberships: not here
    with CaptureQueriesContext(connection) as queries:
        record(action="test.event", target_type="thing", target_id=1)
    # Django logs a statement executed as prepared (PostgreSQL) as "QUERY = '...' - PARAMS = ...".
    statements = [q["sql"].upper().removeprefix("QUERY = '") for q in queries.captured_queries]
    assert [s.split()[0] for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))] == ["INSERT"]
    assert not any("FOR UPDATE" in s or "CHAINHEAD" in s for s in statements)
    # Both wait for the sequencer: on SQLite on the queue the database's trigger fills, on
    # PostgreSQL by their transaction's id (no second row written).
    assert tree.status().waiting == 2
    assert AuditQueue.objects.count() == (0 if connection.vendor == "postgresql" else 2)


def _forget_prepared_statements() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # psycopg sees it and forgets its own list too


def _prepared_event_inserts() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f'INSERT INTO "{AuditEvent._meta.db_table}"%'],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_insert_is_prepared_once_per_connection_and_nothing_else_is(settings):
    _forget_prepared_statements()
    for i in range(3):
        record(action="test.event", data={"i": i})
    assert _prepared_event_inserts() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 1  # Django's own statements stay unprepared (poolers)
    assert connection.connection.prepare_threshold is None
    assert [e["data"] for e in AuditEvent.objects.filter(action="test.event").order_by("id").values("data")] == [
        {"i": 0},
        {"i": 1},
        {"i": 2},
    ]


@pytest.mark.django_db
def test_a_database_error_is_django_s_and_a_broken_transaction_takes_no_event():
    """The INSERT runs on a cursor kept for the connection on PostgreSQL, not through Django's
    wrapper: it still raises Django's errors and refuses to write in a transaction already broken."""
    if connection.vendor == "postgresql":  # SQLite does not check a column's length
        with pytest.raises(DataError), transaction.atomic():
            record(action="x" * 65)
    with transaction.atomic():
        with pytest.raises(DatabaseError), transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM audit_no_such_table")
        with pytest.raises(TransactionManagementError):
            record(action="test.after_error")
    assert not AuditEvent.objects.filter(action="test.after_error").exists()


@pytest.mark.django_db(transaction=True)
def test_recording_goes_on_over_a_new_connection():
    record(action="test.before")
    connection.close()  # the kept cursor's connection is gone: the next read takes a new one
    record(action="test.after")
    assert AuditEvent.objects.filter(action__in=["test.before", "test.after"]).count() == 2


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_behind_an_old_pooler_the_insert_is_not_prepared(settings):
    settings.AUDIT_PREPARED_INSERT = False
    _forget_prepared_statements()
    record(action="test.event")
    record(action="test.event")
    assert _prepared_event_inserts() == 0
    assert AuditEvent.objects.filter(action="test.event").count() == 2


@pytest.mark.django_db
def test_a_new_event_waits_unnumbered_and_commits_to_its_personal_data_by_a_digest():
    token = request_context.activate(
        request_context.RequestContext(request_id="r1", ip="203.0.113.77", user_agent="Firefox/140")
    )
    try:
        event = record(action="test.event")
    finally:
        request_context.deactivate(token)
    assert event.seq is None and event.leaf_format == LeafFormat.COMMITTED
    assert (event.ip, event.user_agent) == ("203.0.113.0/24", "Firefox/140")
    assert len(event.personal_salt) == 32
    assert event.personal_digest == personal_digest(salt=event.personal_salt, ip=event.ip, user_agent="Firefox/140")
    # The leaf covers the digest, never the address or the browser themselves.
    assert b"203.0.113" not in event.leaf_data() and b"Firefox" not in event.leaf_data()
    assert event.personal_digest.encode() in event.leaf_data()


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event_and_no_gap():
    _write(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="test.rolled_back")
        raise RuntimeError("the change failed")
    record(action="test.after")
    tree.integrate_all()
    assert _numbered() == [(1, "test.event"), (2, "test.after")]


@pytest.mark.django_db
def test_ip_is_truncated_by_default_and_can_be_kept_or_dropped(settings):
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
    token = request_context.activate(request_context.RequestContext(request_id="r1", ip="2001:db8:abcd:12::1"))
    try:
        assert record(action="test.ip").ip == "2001:db8:abcd::/48"
    finally:
        request_context.deactivate(token)


def test_requests_record_the_browser_but_anonymous_tip_pages_nothing():
    from coalition.core.middleware import RequestContextMiddleware

    seen: list[request_context.RequestContext] = []

    def view(request):  # type: ignore[no-untyped-def]
        from django.http import HttpResponse

        seen.append(request_context.current())
        return HttpResponse()

    from django.test import RequestFactory

    factory = RequestFactory()
    RequestContextMiddleware(view)(factory.get("/library/", HTTP_USER_AGENT="Agent\x00/1"))
    RequestContextMiddleware(view)(factory.get("/tips/x/", HTTP_USER_AGENT="Agent/2"))
    assert seen[0].user_agent == "Agent\ufffd/1" and seen[0].ip
    assert (seen[1].user_agent, seen[1].ip) == ("", "")


# --- The database's guard ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_events():
    guards.install(connection)
    _write(2)
    tree.integrate_all()
    first, second = AuditEvent.objects.order_by("id").values_list("id", flat=True)
    for change in (
        {"action": "edited"},
        {"data": {"i": 99}},
        {"personal_digest": "0" * 64},
        {"seq": 7},
        {"actor_label": "someone@else.example"},
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=first).update(**change)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [second])
    # Redaction must clear everything personal at once, and only once.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first).update(ip="", redacted_at=timezone.now())
    AuditEvent.objects.filter(pk=first).update(ip="", user_agent="", personal_salt="", redacted_at=timezone.now())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first).update(ip="10.0.0.0/24")
    assert AuditEvent.objects.count() == 2
    assert "Tree of 2 events verified" in _verify()


@pytest.mark.django_db
def test_an_event_is_never_numbered_in_place_its_number_is_its_leafs():
    event = _write(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=1)
    assert event.number is None
    tree.integrate_all()
    assert AuditEvent.objects.get(pk=event.pk).number == 1 and AuditEvent.objects.get(pk=event.pk).seq is None
    assert not AuditQueue.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_event():
    """Threads with their own connections record at once; nothing serialises them now."""
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
    assert sorted(AuditEvent.objects.values_list("data__writer", "data__i")) == sorted(
        (n, i) for n in range(writers) for i in range(per_writer)
    )


# --- The closed chain of the first events (format 1) ------------------------------------------------


@pytest.mark.django_db
def test_the_first_events_chain_still_verifies_and_goes_into_the_tree_first():
    events = _legacy(3)
    _write(2)
    expected = hashlib.sha256((events[2].prev_hash + events[2].canonical_json()).encode()).hexdigest()
    assert events[2].hash == expected
    assert list(verify_chain()) == []
    tree.integrate_all()
    assert _numbered() == [
        (1, "test.legacy"),
        (2, "test.legacy"),
        (3, "test.legacy"),
        (4, "test.event"),
        (5, "test.event"),
    ]
    assert "Tree of 5 events verified" in _verify()


@pytest.mark.django_db
def test_verify_names_an_edited_event_of_the_chain():
    _legacy(4)
    _raw("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["auth.nothing_to_see", 2])
    with pytest.raises(CommandError, match=r"event #2: its content does not match its hash"):
        _verify()


@pytest.mark.django_db
def test_verify_names_the_event_after_a_deleted_one_of_the_chain():
    _legacy(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    with pytest.raises(CommandError, match=r"event #3: expected event #2"):
        _verify()


@pytest.mark.django_db
def test_verify_catches_chain_events_deleted_at_the_end():
    _legacy(4)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [4])
    with pytest.raises(CommandError, match=r"chain head does not match"):
        _verify()


@pytest.mark.django_db
def test_verify_passes_on_an_empty_log():
    assert "Tree of 0 events verified" in _verify()


@pytest.mark.django_db
def test_verify_reports_a_missing_chain_head():
    _legacy(2)
    ChainHead.objects.all().delete()
    with pytest.raises(CommandError, match=r"chain head row is missing"):
        _verify()


@pytest.mark.django_db
def test_the_precompiled_insert_stores_what_save_would(acme_reader):
    token = request_context.activate(
        request_context.RequestContext(request_id="r9", ip="2001:db8:1::5", user_agent="Ünïcode/1 \\u2028")
    )
    try:
        event = record(
            action="document.viewed",
            actor=acme_reader,
            target=acme_reader,
            target_org_id=7,
            data={"b": [1, "é"], "a": {"z": None, "y": True}},
        )
    finally:
        request_context.deactivate(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(event, field.attname), field.name
    assert stored.leaf_data() == event.leaf_data()
    assert stored.actor_org_ids == sorted(acme_reader.memberships.values_list("organisation_id", flat=True))
