"""Writing audit events, and verifying the closed chain of the first ones. Services of every app
call `record` inside their own transaction, so an event exists exactly when the change it
describes was committed."""

from __future__ import annotations

import ipaddress
import secrets
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections, models, router
from django.utils import timezone

from coalition.audit.models import (
    GENESIS_HASH,
    LEAF_FIELDS,
    AuditEvent,
    ChainHead,
    LeafFormat,
    personal_digest,
)
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
    """Insert one event, in the caller's transaction (or its own), and return it. Never pass
    document content or secrets in `data`.

    One INSERT and no lock: the event is numbered and integrated into the tree by the sequencer
    once its transaction has committed; a rolled-back change leaves no event and takes no number."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    values = _values(action, actor, target_type, target_id, target_org_id, data)
    alias = router.db_for_write(AuditEvent)
    fields = dict(zip(_COLUMNS, values, strict=True))
    event = AuditEvent(pk=_insert(alias, values), leaf_format=LeafFormat.COMMITTED, **fields)
    event._state.adding, event._state.db = False, alias
    return event


def append(
    *,
    action: str,
    actor: Any,
    target: models.Model,
    target_org_id: int | None,
    data: dict[str, Any] | None = None,
) -> None:
    """`record` for the read path (every read of protected material): the same event, written the
    same way, without building the model instance nobody looks at (19 us, a tenth of what a read
    costs in Python and the driver)."""
    values = _values(action, actor, target._meta.label_lower, target.pk, target_org_id, data)
    _insert(router.db_for_write(AuditEvent), values)


def _values(
    action: str, actor: Any, target_type: str, target_id: str | int, target_org_id: int | None, data: Any
) -> tuple[Any, ...]:
    """A new event's values, in the order of `_COLUMNS` (the leaf's fields in LEAF_FIELDS' order)."""
    actor_id, actor_label, actor_org_ids = _actor_fields(actor)
    context = request_context.current()
    ip, user_agent, salt = _policy_ip(context.ip), context.user_agent, secrets.token_hex(16)
    return (
        timezone.now(),
        actor_id,
        actor_label,
        actor_org_ids,
        action,
        target_type,
        str(target_id) if target_id != "" else "",
        target_org_id,
        context.request_id,
        data or {},
        ip,
        user_agent,
        salt,
        personal_digest(salt=salt, ip=ip, user_agent=user_agent),
    )


# Every read of protected material writes an event, so its INSERT is written once per database
# (Django's compiler took more time than the database's own work, about 0.25 ms a read) and sends
# only what varies: the time, the fields the leaf covers as they are, and the personal data, in
# this order. The others are constants of a new event, written into the statement (the leaf
# format) or left to their defaults (no number, no old chain hashes, not redacted; on PostgreSQL
# the transaction's id).
_COLUMNS = ("created_at", *LEAF_FIELDS, "ip", "user_agent", "personal_salt", "personal_digest")
_JSON_COLUMNS = frozenset({_COLUMNS.index("actor_org_ids"), _COLUMNS.index("data")})
_insert_sql: dict[str, str] = {}


def _insert_statement(connection: Any) -> str:
    if connection.alias not in _insert_sql:
        quote = connection.ops.quote_name
        meta = AuditEvent._meta
        columns = [*_COLUMNS, "leaf_format", "prev_hash", "hash"]  # each field's column is its name
        values = ["%s"] * len(_COLUMNS) + [str(int(LeafFormat.COMMITTED)), "''", "''"]
        names = ", ".join(quote(c) for c in columns)
        _insert_sql[connection.alias] = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(values)})"  # noqa: S608
        if connection.features.can_return_columns_from_insert:
            _insert_sql[connection.alias] += f" RETURNING {quote(meta.pk.column)}"
    return _insert_sql[connection.alias]


def _insert(alias: str, values: tuple[Any, ...]) -> int:
    """Write a new event's values (`_values`); returns its id."""
    connection = connections[alias]
    ops = connection.ops
    params: list[Any] = [
        ops.adapt_json_value(value, None) if i in _JSON_COLUMNS else value for i, value in enumerate(values)
    ]
    params[0] = ops.adapt_datetimefield_value(values[0])
    sql = _insert_statement(connection)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if connection.queries_logged or connection.execute_wrappers:
        # Someone is watching (query logging or counting, an execute wrapper): through Django's
        # cursor wrapper, on a cursor of this statement's own.
        wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
        with wrap(psycopg.Cursor(raw)) as wrapped, _prepared(connection):  # type: ignore[arg-type]
            wrapped.execute(sql, params)
            return wrapped.fetchone()[0]
    # Otherwise what Django's wrapper does around an execute (a broken transaction refused, errors
    # translated), on a cursor kept for the connection: a new cursor and its wrapper for every
    # read cost about 18 us of the 190 us the read spends in Python and the driver.
    connection.validate_no_broken_transaction()
    kept = _cursors.get(raw)
    if kept is None or kept.closed:
        kept = _cursors[raw] = psycopg.Cursor(raw)
    with connection.wrap_database_errors, _prepared(connection):
        kept.execute(sql, params)
        row = kept.fetchone()
    assert row is not None
    return row[0]


# On PostgreSQL: a cursor that sends the values apart from the statement (server-side binding),
# per connection, for the event's INSERT. Django's default cursor writes each value into the
# statement's text in Python (15.6 us for this INSERT, against 7.1 us to send them apart).
_cursors: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


@contextmanager
def _prepared(connection: Any) -> Iterator[None]:
    """On PostgreSQL, the statement run inside is prepared on its connection the first time and
    executed as prepared from then on: parsing and planning this INSERT was a third of the
    database's time for a read (about 65 us of 215). Django keeps psycopg from preparing anything
    (`prepare_threshold` None, for connection poolers); this lifts that for the one statement only.

    Not when AUDIT_PREPARED_INSERT is off: a pooler in transaction mode must keep prepared
    statements per server connection (PgBouncer 1.21 or later with `max_prepared_statements`).
    On a connection that lasts one request (DATABASE_CONN_MAX_AGE 0) preparing costs a round trip
    more for that request's first read, next to the new connection's own cost."""
    if not settings.AUDIT_PREPARED_INSERT:
        yield
        return
    raw = connection.connection
    threshold, raw.prepare_threshold = raw.prepare_threshold, 0
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


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
