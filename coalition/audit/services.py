"""Writing audit events, and verifying the closed chain of the first ones. Services of every app
call `record` inside their own transaction, so an event exists exactly when the change it
describes was committed."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.db.models.sql import InsertQuery
from django.utils import timezone

from coalition.audit.models import GENESIS_HASH, AuditEvent, ChainHead, LeafFormat, personal_digest
from coalition.core import request_context


def _policy_ip(ip: str) -> str:
    mode = settings.AUDIT_IP_MODE
    if mode == "none" or not ip:
        return ""
    if mode == "full":
        return ip
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _actor_fields(actor: Any) -> tuple[int | None, str, list[int]]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "", []
    # Imported here: organisations' services import this module.
    from coalition.access import organisation_ids_of

    return actor.pk, actor.email, sorted(organisation_ids_of(actor))


def record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_org_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Insert one event, in the caller's transaction (or its own). Never pass document content or
    secrets in `data`.

    One INSERT and no lock: the event is numbered and integrated into the tree by the sequencer
    once its transaction has committed; a rolled-back change leaves no event and takes no number."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    actor_id, actor_label, actor_org_ids = _actor_fields(actor)
    context = request_context.current()
    ip, user_agent, salt = _policy_ip(context.ip), context.user_agent, secrets.token_hex(16)
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        actor_org_ids=actor_org_ids,
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id != "" else "",
        target_org_id=target_org_id,
        request_id=context.request_id,
        ip=ip,
        user_agent=user_agent,
        personal_salt=salt,
        personal_digest=personal_digest(salt=salt, ip=ip, user_agent=user_agent),
        leaf_format=LeafFormat.COMMITTED,
        data=data or {},
    )
    _insert(event)
    return event


# Every read of protected material runs `record`: its INSERT statement is compiled once per
# database (Django's compiler took more time than the database's own work, about 0.25 ms a read),
# and only the values are prepared each time, by the same field methods `save()` would use.
_INSERT_FIELDS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
_insert_sql: dict[str, str] = {}


def _insert_statement(alias: str) -> str:
    if alias not in _insert_sql:
        query = InsertQuery(AuditEvent)
        query.insert_values(_INSERT_FIELDS, [AuditEvent(created_at=timezone.now())])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = [AuditEvent._meta.pk]
        [(sql, _params)] = compiler.as_sql()
        _insert_sql[alias] = sql
    return _insert_sql[alias]


def _insert(event: AuditEvent) -> None:
    alias = router.db_for_write(AuditEvent)
    connection = connections[alias]
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in _INSERT_FIELDS]
    with _bound_cursor(connection) as cursor:
        cursor.execute(_insert_statement(alias), params)
        row = cursor.fetchone()
    event.pk = row[0]
    event._state.adding, event._state.db = False, alias


def _bound_cursor(connection: Any) -> Any:
    """On PostgreSQL a cursor that sends the values apart from the statement (server-side
    binding), wrapped as Django wraps its own (query logging and counting, error translation),
    on the same connection and so in the caller's transaction. Django's default cursor writes
    each value into the statement's text in Python: 15.6 us for this INSERT of twenty values,
    against 7.1 us to send them apart. Nothing is prepared on the server, so connection poolers
    are not affected."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        raw = psycopg.Cursor(connection.connection)
        return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str


def verify_chain(*, chunk_size: int = 2000, using: str = "default") -> Iterator[ChainProblem]:
    """Walk the closed chain (the format 1 events, written before the tree) in sequence order;
    yield every inconsistency found (the first is the one that matters: later events inherit a
    broken predecessor). A redacted event is checked by the tree's kept leaf hash instead."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    chained = AuditEvent.objects.using(using).filter(leaf_format=LeafFormat.CHAINED).order_by("seq")
    for event in chained.iterator(chunk_size=chunk_size):
        assert event.seq is not None  # format 1 events were numbered when written
        if event.seq != expected_seq:
            yield ChainProblem(event.seq, f"expected event #{expected_seq} here: events are missing or reordered")
        if event.prev_hash != prev_hash:
            yield ChainProblem(event.seq, "its previous-hash does not match the event before it")
        if event.redacted_at is None and event.compute_hash() != event.hash:
            yield ChainProblem(event.seq, "its content does not match its hash (the event was edited)")
        expected_seq = event.seq + 1
        prev_hash = event.hash
    head = ChainHead.objects.using(using).filter(id=1).first()
    if head is None:
        yield ChainProblem(expected_seq - 1, "the chain head row is missing (no event can be written)")
    elif head.seq != expected_seq - 1 or head.hash != prev_hash:
        yield ChainProblem(head.seq, "the chain head does not match the last event (events were removed at the end)")
