"""The audit log as a Merkle tree (RFC 9162): the sequencer that integrates events into it and
signs checkpoints, proofs read from the stored tree, and the tree's verification.

Requests insert events unnumbered. On SQLite a database trigger puts each new event's id on a
queue (`AuditQueue`); on PostgreSQL the event carries the id of the transaction that wrote it
instead (`_outbox_events`: no second row on the request's path, nothing to delete afterwards). The
sequencer locks the single `TreeHead` row, so two sequencers (two workers, or a worker and the
command) queue and never integrate an event twice; under the lock it takes the committed events not
yet in the tree, oldest first, gives them the numbers from the tree's size on and adds their leaves
(a leaf's index is its event's number less one), all in one transaction. The event rows are never
updated: their number lives in the leaf. An event whose transaction commits late (after a younger
one was integrated) is simply numbered by the next run: nothing is skipped and there is no gap.
Complete subtrees are stored as they fill (`AuditNode`), so a proof for any event reads O(log n)
rows in one statement.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from coalition.audit import checkpoints, merkle
from coalition.audit.models import (
    LEAF_FIELDS,
    AuditCheckpoint,
    AuditEvent,
    AuditLeaf,
    AuditQueue,
    LeafFormat,
    TreeHead,
    canonical_object,
    committed_leaf_text,
    leaf_data_at,
    personal_digest,
)


def origin() -> str:
    """The log's name in its checkpoints, e.g. "portal.example/audit"."""
    return settings.AUDIT_LOG_ORIGIN or f"{urlsplit(settings.SITE_URL).netloc or 'localhost'}/audit"


def signer() -> checkpoints.Signer:
    """The checkpoint key, from AUDIT_SIGNING_KEY or the file AUDIT_SIGNING_KEY_FILE names; in
    development only, one derived from SECRET_KEY."""
    key = settings.AUDIT_SIGNING_KEY
    if not key and settings.AUDIT_SIGNING_KEY_FILE:
        key = Path(settings.AUDIT_SIGNING_KEY_FILE).read_text().strip()
    if key:
        return checkpoints.Signer.from_key(key)
    if not settings.AUDIT_DEVELOPMENT_KEY:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE must be set to sign audit checkpoints.")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(f"coalition.audit.checkpoint:{settings.SECRET_KEY}".encode()).digest()
    return checkpoints.Signer(origin(), Ed25519PrivateKey.from_private_bytes(seed))


# --- Compact ranges: the tree's right edge, as complete subtrees ---------------------------------


@dataclass
class _Piece:
    level: int
    index: int  # in units of 2**level leaves
    hash: bytes


def _push(stack: list[_Piece], leaf: _Piece) -> list[_Piece]:
    """Add a leaf to the right edge and merge equal neighbours; returns the subtrees it completed."""
    stack.append(leaf)
    completed = []
    while len(stack) > 1 and stack[-1].level == stack[-2].level:
        right, left = stack.pop(), stack.pop()
        merged = _Piece(left.level + 1, left.index >> 1, merkle.node_hash(left.hash, right.hash))
        completed.append(merged)
        stack.append(merged)
    return completed


def _pieces(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees that make up the first `size` leaves, left to right."""
    out, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            out.append((level, start >> level))
            start += 1 << level
    return out


def _fetch(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of complete subtrees (level 0: leaves), in one statement whatever their number
    (plain SQL: building a Django filter of some forty conditions cost more than running it)."""
    if not wanted:
        return {}
    leaves = [index for level, index in wanted if level == 0]
    nodes = [(level, index) for level, index in wanted if level > 0]
    parts, params = [], []
    if leaves:
        marks = ", ".join(["%s"] * len(leaves))
        parts.append(f'SELECT 0, "index", hash FROM audit_auditleaf WHERE "index" IN ({marks})')  # noqa: S608
        params += leaves
    if nodes:
        pairs = " OR ".join(['(level = %s AND "index" = %s)'] * len(nodes))
        parts.append(f'SELECT level, "index", hash FROM audit_auditnode WHERE {pairs}')  # noqa: S608
        params += [value for pair in nodes for value in pair]
    with transaction.atomic(), connection.cursor() as cursor:
        _planner_settings(queue=False)
        cursor.execute(" UNION ALL ".join(parts), params)  # the text is constants and placeholders only
        found = {(level, index): bytes.fromhex(value) for level, index, value in cursor.fetchall()}
    missing = set(wanted) - set(found)
    if missing:
        raise TreeError(f"the stored tree lacks {len(missing)} subtree(s), e.g. {sorted(missing)[0]}")
    return found


def _fold(hashes: list[bytes]) -> bytes:
    """The root over complete subtrees given left to right (largest first)."""
    if not hashes:
        return merkle.EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = merkle.node_hash(left, root)
    return root


class TreeError(Exception):
    """The stored tree is inconsistent or the request is outside it."""


# --- The sequencer -------------------------------------------------------------------------------


def integrate(*, limit: int | None = None) -> AuditCheckpoint | None:
    """Integrate the next committed events (at most `limit`) and sign a checkpoint; None when
    there was nothing new. Safe to run from several processes at once.

    Events are read as plain rows and leaves and subtrees written by plain multi-row INSERTs: the
    sequencer shares the database's cores with the requests, so it should cost them little."""
    limit = limit or settings.AUDIT_SEQUENCE_BATCH
    key = signer()
    with transaction.atomic():
        head = TreeHead.objects.select_for_update().get(id=1)
        _planner_settings()
        events: list[dict[str, Any]] = []
        # Events numbered before the tree existed (leaf format 1) come first, in their order. The
        # point look-up first: a range look-up planned on stale statistics may read the table.
        if AuditEvent.objects.filter(seq=head.size + 1).exists():
            legacy = AuditEvent.objects.filter(seq__gt=head.size).order_by("seq")[:limit]
            events = _orm_rows(legacy, ("id", *_EVENT_NAMES), ("id", *_EVENT_NAMES))
        elif AuditEvent.objects.filter(seq__gt=head.size).order_by("seq").values_list("seq", flat=True).first():
            raise TreeError(f"event #{head.size + 1} is missing: the tree cannot go on from {head.size}")
        below_xid = None
        if not events:
            events, queued = _queued_events(limit), True
            if not events and connection.vendor == "postgresql":
                (events, below_xid), queued = _outbox_events(head.integrated_below_xid, limit), False
            if not events:
                return None
            for number, event in enumerate(events, head.size + 1):
                event["seq"] = number  # the leaf data holds it; the row does not
            if queued:
                _dequeue([event["id"] for event in events])
        stack = [_Piece(level, index, value) for (level, index), value in _stack_of(head.size)]
        now = timezone.now()
        leaves: list[tuple[int, int, str]] = []
        nodes: list[tuple[int, int, str]] = []
        for offset, event in enumerate(events):
            index = head.size + offset
            if event["seq"] != index + 1:
                raise TreeError(f"event #{index + 1} is missing between #{index} and #{event['seq']}")
            value = _new_leaf(event)
            leaves.append((index, event["id"], value.hex()))
            nodes += [(m.level, m.index, m.hash.hex()) for m in _push(stack, _Piece(0, index, value))]
        stamp = connection.ops.adapt_datetimefield_value(now)
        _insert_rows('audit_auditleaf ("index", event_id, hash, integrated_at)', [(*leaf, stamp) for leaf in leaves])
        _insert_rows('audit_auditnode (level, "index", hash)', nodes)
        size = head.size + len(events)
        root = _fold([piece.hash for piece in stack])
        checkpoint = checkpoints.Checkpoint(origin(), size, root)
        head.size, head.root_hash = size, root.hex()
        if below_xid is not None:
            head.integrated_below_xid = below_xid
        head.save(update_fields=["size", "root_hash", "integrated_below_xid"])
        return AuditCheckpoint.objects.create(
            size=size,
            root_hash=root.hex(),
            created_at=now,
            note=key.sign(checkpoint.text()),
            verifier_key=key.verifier_key,
        )


_INSERT_CHUNK = 500


def _planner_settings(*, queue: bool = True) -> None:
    """On PostgreSQL, for the rest of the current transaction: no parallel workers (the tree's
    look-ups read a few rows; starting workers for them, which the planner does on statistics
    that lag behind a fast-growing log, cost more than the reads) and plain index scans for the
    queue. Each integrated event leaves a dead entry in the queue's index until VACUUM; a plain
    scan marks the entries it finds dead so that the next run skips them, where a bitmap scan
    reads them all every time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # A subtree look-up, by contrast, is a bitmap OR of index probes.
            cursor.execute(f"SET LOCAL enable_bitmapscan = {'off' if queue else 'on'}")


def _insert_rows(table: str, rows: list[tuple[Any, ...]]) -> None:
    """INSERTs of plain values (`table` is a constant of this module). On PostgreSQL
    one COPY whatever the number of rows: psycopg writes the rows in C, where an INSERT of the
    columns as arrays (`unnest`) had the driver quote every element in Python (about 40 us an
    event, more than the rest of the sequencer's Python), and a multi-row VALUES list of thousands
    of placeholders cost it more still."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        row_marks = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            sql = f"INSERT INTO {table} VALUES {', '.join([row_marks] * len(chunk))}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])


_DEQUEUE_CHUNK = 2000


def _dequeue(ids: list[int]) -> None:
    """Take the events just integrated off the queue (on PostgreSQL in one statement, the ids as
    one array). A count that differs means another process took one of them: the transaction is
    rolled back."""
    table = connection.ops.quote_name(AuditQueue._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {table} WHERE event_id = ANY(%s)", [ids])  # noqa: S608 - constant text
            taken = cursor.rowcount
        else:
            taken = 0
            for start in range(0, len(ids), _DEQUEUE_CHUNK):
                chunk = ids[start : start + _DEQUEUE_CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE event_id IN ({marks})", chunk)  # noqa: S608 - constant text
                taken += cursor.rowcount
    if taken != len(ids):
        raise TreeError("another sequencer integrated these events meanwhile")


def integrate_all(*, limit: int | None = None) -> int:
    """Integrate what is waiting, in batches of at most `limit`; returns how many events were
    added. It stops after a batch smaller than the limit: events committed since then are the
    next call's. Chasing them under a steady stream of reads had the worker integrate a few events
    at a time, each batch paying for its transaction, its look-ups and a signed checkpoint (ten
    times the sequencer's cost per event)."""
    limit = limit or settings.AUDIT_SEQUENCE_BATCH
    added = 0
    while True:
        before = TreeHead.objects.get(id=1).size
        older = _older_events_waiting(before)
        checkpoint = integrate(limit=limit)
        if checkpoint is None:
            break
        taken = checkpoint.size - before
        added += taken
        if taken < limit and not older:
            break
    if added:
        _tidy_queue()
    return added


def _older_events_waiting(size: int) -> bool:
    """Whether the next batch comes from where events waited before: the closed chain (format 1
    events, numbered when written), or on PostgreSQL the queue left from before migration 0006.
    Each is taken in batches of its own, ahead of newer events, so a short batch from them does not
    mean that the newer ones were all taken."""
    if AuditEvent.objects.filter(seq=size + 1).exists():
        return True
    return connection.vendor == "postgresql" and AuditQueue.objects.exists()


def _tidy_queue() -> None:
    """On PostgreSQL, vacuum the queue after taking events off it: it is a few rows long, but every
    event leaves a dead row and index entry behind, and the queue's reads should not wade through
    them until autovacuum (which may be slow, or off) comes by. Not possible inside a transaction
    (a test's, say), where it is left to autovacuum."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(AuditQueue._meta.db_table)}")


@dataclass(frozen=True)
class Status:
    """How far the tree is behind the events (the integration delay), for the checkpoint page,
    `audit_status` and the worker's warning."""

    size: int
    waiting: int  # events not yet integrated, counted up to WAITING_CAP
    oldest_waiting_seconds: float  # 0 when none waits
    last_checkpoint_at: Any
    bound_seconds: int

    @property
    def within_bound(self) -> bool:
        return self.oldest_waiting_seconds <= self.bound_seconds


WAITING_CAP = 10_000


def status() -> Status:
    """A few indexed reads: the head, the oldest waiting event, and the waiting count (capped)."""
    now = timezone.now()
    waiting = AuditQueue.objects.all()
    first = waiting.order_by("event_id").values("event_id")[:1]
    oldest = AuditEvent.objects.filter(id__in=first).values_list("created_at", flat=True).first()
    count = waiting.order_by()[:WAITING_CAP].count()
    head = TreeHead.objects.get(id=1)
    if connection.vendor == "postgresql" and count < WAITING_CAP:
        with transaction.atomic(), connection.cursor() as cursor:
            _outbox_plan(cursor)
            cursor.execute(_PG_OUTBOX_STATUS, [head.integrated_below_xid, WAITING_CAP - count])
            times = [created_at for (created_at,) in cursor.fetchall()]
        count += len(times)
        oldest = min(filter(None, [oldest, *times[:1]]), default=None)
    last = AuditCheckpoint.objects.order_by("-size").values_list("created_at", flat=True).first()
    return Status(
        size=head.size,
        waiting=count,
        oldest_waiting_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        last_checkpoint_at=last,
        bound_seconds=settings.AUDIT_INTEGRATION_BOUND,
    )


def _stack_of(size: int) -> list[tuple[tuple[int, int], bytes]]:
    wanted = _pieces(size)
    found = _fetch(wanted)
    return [(piece, found[piece]) for piece in wanted]


# --- Proofs from the stored tree ------------------------------------------------------------------


def _ranges(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make up leaves start..end-1, left to right."""
    out = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def _stored_subtrees(requests: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    pieces = {piece: None for start, end in requests for piece in _ranges(start, end)}
    found = _fetch(list(pieces))
    return {(start, end): _fold([found[p] for p in _ranges(start, end)]) for start, end in requests}


def _with_stored(make: Callable[[merkle.SubtreeRoot, int, int], list[bytes]], first: int, second: int) -> list[bytes]:
    """Run a proof builder twice: once to learn which subtree roots it needs, then with them."""
    requests: list[tuple[int, int]] = []

    def note(start: int, end: int) -> bytes:
        requests.append((start, end))
        return merkle.EMPTY_ROOT

    make(note, first, second)
    roots = _stored_subtrees(requests)
    return make(lambda start, end: roots[(start, end)], first, second)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    if not 0 <= index < size <= TreeHead.objects.get(id=1).size:
        raise TreeError(f"leaf {index} is not in a tree of {size}")
    return _with_stored(merkle.inclusion_proof_from, index, size)


def consistency_proof(first: int, second: int) -> list[bytes]:
    if not 0 <= first <= second <= TreeHead.objects.get(id=1).size:
        raise TreeError(f"no consistency proof from {first} to {second}")
    return _with_stored(merkle.consistency_proof_from, first, second)


def root_at(size: int) -> bytes:
    if not 0 <= size <= TreeHead.objects.get(id=1).size:
        raise TreeError(f"the tree has no size {size}")
    return _fold([value for _piece, value in _stack_of(size)])


# --- Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeProblem:
    where: str
    reason: str


def verify_tree(*, kept: list[str] | None = None, workers: int = 1) -> Iterator[TreeProblem]:
    """Recompute every leaf from its event and every stored subtree; check each checkpoint's
    signature, and that its root is the tree's at its size (which makes each consistent with the
    ones before). `kept`: signed checkpoints kept outside the database, checked the same way.
    `workers` > 1 recomputes leaves in that many processes (each with its own connection: only
    for committed data, so not inside a transaction)."""
    head = TreeHead.objects.filter(id=1).first()
    if head is None:
        yield TreeProblem("tree head", "the tree head row is missing")
        return
    stored = list(AuditCheckpoint.objects.order_by("size"))
    wanted: dict[int, list[tuple[str, bytes]]] = {}
    for checkpoint in stored:
        problem = _open(checkpoint.note, checkpoint.verifier_key, f"checkpoint at size {checkpoint.size}")
        if isinstance(problem, TreeProblem):
            yield problem
            continue
        if problem.size != checkpoint.size or problem.root_hash.hex() != checkpoint.root_hash:
            yield TreeProblem(f"checkpoint at size {checkpoint.size}", "its signed text does not match its row")
            continue
        wanted.setdefault(problem.size, []).append((f"checkpoint at size {problem.size}", problem.root_hash))
    key = signer()
    for number, note in enumerate(kept or [], 1):
        problem = _open(note, key.verifier_key, f"kept checkpoint {number}")
        if isinstance(problem, TreeProblem):
            yield problem
            continue
        if problem.size > head.size:
            yield TreeProblem(f"kept checkpoint {number}", f"it is of size {problem.size}; the tree holds {head.size}")
            continue
        wanted.setdefault(problem.size, []).append(
            (f"kept checkpoint {number} (size {problem.size})", problem.root_hash)
        )
    yield from _rebuild(head, wanted, workers)


def _open(note: str, vkey: str, where: str) -> checkpoints.Checkpoint | TreeProblem:
    try:
        return checkpoints.open_checkpoint(note, checkpoints.parse_verifier_key(vkey), origin=origin())
    except checkpoints.CheckpointError as error:
        return TreeProblem(where, f"{error}")


# Verification splits the leaves into chunks of VERIFY_CHUNK (a power of two, so that every chunk
# but the last is one complete subtree). Each chunk is checked on its own, optionally in another
# process: its leaves recomputed from their events (read in one statement as plain rows), its
# complete subtrees rebuilt and compared with the stored ones. The chunk hands back only its
# subtrees on the right edge (one, for a full chunk) and, for the checkpoints whose size falls
# inside it, its right edge at that size; this process folds them into the whole tree.
VERIFY_CHUNK = 1 << 14

# On PostgreSQL the time is read already written out (as `isoformat(timespec="microseconds")`
# writes a UTC time) and the JSON columns as text: a datetime made only to be written out again,
# and Django's converters, cost more than the hashing. Other databases read through the ORM.
_EVENT_NAMES = (
    "seq",
    *LEAF_FIELDS,
    "leaf_format",
    "created_at",
    "ip",
    "user_agent",
    "personal_salt",
    "personal_digest",
)
_ROW_NAMES = ("index", "leaf_hash", "redacted", *_EVENT_NAMES)
_JSON_COLUMNS = {"actor_org_ids", "data"}
_PG_EVENT_COLUMNS = ", ".join(
    f"e.{name}::text"
    if name in _JSON_COLUMNS
    else """to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""
    if name == "created_at"
    else f"e.{name}"
    for name in _EVENT_NAMES
)
_PG_LEAF_ROWS = f"""
SELECT l."index", l.hash, e.redacted_at IS NOT NULL, {_PG_EVENT_COLUMNS}
FROM audit_auditleaf l LEFT JOIN audit_auditevent e ON e.id = l.event_id
WHERE l."index" >= %s AND l."index" < %s ORDER BY l."index"
"""  # noqa: S608 - constant text
_PG_WAITING = f"""
SELECT e.id, {_PG_EVENT_COLUMNS} FROM audit_auditevent e
WHERE e.id IN (SELECT event_id FROM audit_auditqueue ORDER BY event_id LIMIT %s) ORDER BY e.id
"""  # noqa: S608 - constant text


def _pg_rows(sql: str, params: list[Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as dictionaries, the JSON columns as PostgreSQL's text (`_new_leaf` reads them so)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _orm_rows(queryset: Any, columns: tuple[str, ...], names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = [dict(zip(names, row, strict=True)) for row in queryset.values_list(*columns)]
    for values in rows:
        values["created_at"] = values["created_at"].isoformat(timespec="microseconds")
    return rows


def _queued_events(limit: int) -> list[dict[str, Any]]:
    """The next `limit` events on the queue, oldest first, `created_at` as ISO 8601 text. On
    PostgreSQL the queue holds only events written before migration 0006 (looked at first, so that
    a join is not planned for an empty queue)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM audit_auditqueue)")
            if not cursor.fetchone()[0]:
                return []
        return _pg_rows(_PG_WAITING, [limit], ("id", *_EVENT_NAMES))
    waiting = AuditQueue.objects.order_by("event_id").values("event_id")[:limit]
    events = AuditEvent.objects.filter(id__in=waiting).order_by("id")
    return _orm_rows(events, ("id", *_EVENT_NAMES), ("id", *_EVENT_NAMES))


# On PostgreSQL a new event carries the id of the transaction that wrote it (`xid`, migration 0006)
# instead of joining a queue. Every transaction whose id is below the horizon of a snapshot
# (pg_snapshot_xmin) has ended, so all its events are visible to any later snapshot. The tree head
# keeps such a horizon, `integrated_below_xid`: every event of a transaction below it is in the
# tree. The next run takes the events from that id on that are visible (committed) and have no leaf
# yet, oldest transaction first, and moves the mark to the horizon it read before them (or to the
# first transaction it left for later). An event of a transaction still open is taken by a later
# run, once committed; a long transaction delays no one else's events (those of later transactions
# that commit are visible, and taken); two sequencers queue on the head's row as before, and a
# leaf's unique event stops any second integration.
_PG_OUTBOX = f"""
SELECT e.id, e.xid::text::bigint, {_PG_EVENT_COLUMNS} FROM audit_auditevent e
WHERE e.seq IS NULL AND e.xid >= %s::text::xid8
AND NOT EXISTS (SELECT 1 FROM audit_auditleaf l WHERE l.event_id = e.id)
ORDER BY e.xid, e.id LIMIT %s
"""  # noqa: S608 - constant text
_PG_OUTBOX_STATUS = """
SELECT e.created_at FROM audit_auditevent e
WHERE e.seq IS NULL AND e.xid >= %s::text::xid8
AND NOT EXISTS (SELECT 1 FROM audit_auditleaf l WHERE l.event_id = e.id)
ORDER BY e.xid, e.id LIMIT %s
"""


def _outbox_plan(cursor: Any) -> None:
    """For the rest of the transaction: the events from the horizon on by their index, one leaf
    look-up each. On statistics that lag behind the log (or none yet for the column, as after
    migration 0006) the planner read the whole events table instead, every run."""
    for setting in ("enable_hashjoin", "enable_mergejoin", "enable_seqscan", "enable_bitmapscan"):
        cursor.execute(f"SET LOCAL {setting} = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _outbox_events(below_xid: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The next `limit` events not yet in the tree, from the tree head's horizon on (PostgreSQL),
    and the horizon to keep once they are integrated."""
    with connection.cursor() as cursor:
        # Read before the events, by a snapshot no later than theirs: every transaction below it
        # had ended when the events were read, so the events read include all of its.
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        horizon = cursor.fetchone()[0]
        _outbox_plan(cursor)
    rows = _pg_rows(_PG_OUTBOX, [below_xid, limit + 1], ("id", "xid", *_EVENT_NAMES))
    if len(rows) > limit:
        horizon = min(horizon, rows[limit]["xid"])  # that transaction's events are not all taken
        rows = rows[:limit]
    return rows, max(horizon, below_xid)


_ORM_COLUMNS = (
    "index",
    "hash",
    "event__redacted_at",
    *(f"event__{name}" for name in _ROW_NAMES[3:]),
)


def _leaf_rows(start: int, end: int) -> list[tuple[Any, ...]]:
    """Leaves start..end-1 with their events' columns (`_ROW_NAMES`), `created_at` as ISO 8601
    text. On PostgreSQL the JSON columns stay text; other databases give them parsed."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            _planner_settings(queue=False)
            # A nested loop of index look-ups, one per leaf: on fresh statistics the planner
            # prefers hashing the whole events table for each chunk (9 us an event at 300,000
            # events, growing with the log, against 3 us).
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(_PG_LEAF_ROWS, [start, end])
            return cursor.fetchall()
    leaves = AuditLeaf.objects.filter(index__gte=start, index__lt=end).order_by("index")
    return [
        (*row[:2], row[2] is not None, *row[3:14], row[14].isoformat(timespec="microseconds"), *row[15:])
        for row in leaves.values_list(*_ORM_COLUMNS)
    ]


@dataclass
class _Chunk:
    """What checking leaves start..end-1 found."""

    start: int
    count: int  # leaves found in order from `start`; fewer than asked: the next one is missing
    problems: list[TreeProblem]
    edge: list[tuple[int, int, bytes]]  # the chunk's right edge: (level, index, hash), largest first
    at: dict[int, list[bytes]]  # the right edge's hashes at each asked size inside the chunk


def _leaf_problems(values: dict[str, Any]) -> tuple[bytes, list[TreeProblem]]:
    """The leaf hash recomputed from its event, and what is wrong with the event."""
    index, stored_seq = values["index"], values["seq"]
    seq = values["seq"] = index + 1  # the leaf holds the number: an event keeps one only from before 0005
    problems: list[TreeProblem] = []
    if values["leaf_format"] == LeafFormat.CHAINED and values["redacted"]:
        # A format 1 event hashed its address itself: once redacted, its leaf vouches for it.
        value = bytes.fromhex(values["leaf_hash"])
    else:
        value = merkle.leaf_hash(leaf_data_at(values, values["created_at"]))
        if value.hex() != values["leaf_hash"]:
            problems.append(_edited(index))
        elif values["leaf_format"] == LeafFormat.COMMITTED and not values["redacted"]:
            digest = personal_digest(salt=values["personal_salt"], ip=values["ip"], user_agent=values["user_agent"])
            if digest != values["personal_digest"]:
                problems.append(_personal_edited(index))
    if stored_seq is not None and stored_seq != seq:
        problems.append(TreeProblem(f"leaf {index}", f"it holds event #{stored_seq}, not #{seq}"))
    return value, problems


def _edited(index: int) -> TreeProblem:
    return TreeProblem(f"leaf {index} (event #{index + 1})", "the event does not match its leaf hash (it was edited)")


def _personal_edited(index: int) -> TreeProblem:
    return TreeProblem(
        f"leaf {index} (event #{index + 1})", "its address or browser does not match their digest (they were edited)"
    )


def _canonical_ids(text: str) -> str | None:
    """PostgreSQL's text of a JSON array of non-negative integers ("[3, 12]") written canonically
    ("[3,12]"), as json.dumps writes the parsed list; None for anything else."""
    if text == "[]":
        return text
    inner = text[1:-1].replace(" ", "")
    if text[:1] == "[" and inner.replace(",", "").isdigit() and inner.isascii():
        return f"[{inner}]"
    return None


_LEAF_PREFIX, _NODE_PREFIX = b"\x00", b"\x01"


def _committed_text(
    seq: int,
    actor_id: int | None,
    actor_label: str,
    org_ids: str,
    action: str,
    target_type: str,
    target_id: str,
    target_org_id: int | None,
    request_id: str,
    data: str,
    created_at: str,
    digest: str,
) -> str | None:
    """A format 2 event's leaf data as text, from a row read from PostgreSQL as it is (the JSON
    columns as their text), without making a dictionary of it: the same bytes as the general way
    (tests/audit/test_canonical.py). None when the values need the general way."""
    ids = _canonical_ids(org_ids)
    if ids is None:
        return None
    if data != "{}":
        parsed = json.loads(data)
        if type(parsed) is not dict:
            return None
        data = canonical_object(parsed)
    return committed_leaf_text(
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        actor_org_ids=ids,
        created_at=created_at,
        data=data,
        personal=digest,
        request_id=request_id,
        seq=seq,
        target_id=target_id,
        target_org_id=target_org_id,
        target_type=target_type,
    )


def _leaf_of(row: tuple[Any, ...], problems: list[TreeProblem]) -> bytes:
    """One leaf recomputed from its row (`_ROW_NAMES`), its problems added to `problems`. A format 2
    event read from PostgreSQL is written out from the row as it is (`_committed_text`); anything
    else, a dictionary of the values through `_leaf_problems`."""
    (index, leaf_hash, redacted, stored_seq, actor_id, actor_label, org_ids, action, target_type, target_id,
     target_org_id, request_id, data, leaf_format, created_at, ip, user_agent, salt, digest) = row  # fmt: skip
    if leaf_format is None:  # no event joined the leaf (PostgreSQL reads them with a LEFT JOIN)
        problems.append(TreeProblem(f"leaf {index} (event #{index + 1})", "its event is missing (it was deleted)"))
        return bytes.fromhex(leaf_hash)
    text = None
    if leaf_format == LeafFormat.COMMITTED and type(data) is str:
        text = _committed_text(
            index + 1, actor_id, actor_label, org_ids, action, target_type, target_id, target_org_id, request_id,
            data, created_at, digest,
        )  # fmt: skip
    if text is not None:
        value = hashlib.sha256(_LEAF_PREFIX + text.encode()).digest()
        if value.hex() != leaf_hash:
            problems.append(_edited(index))
        elif not redacted and personal_digest(salt=salt, ip=ip, user_agent=user_agent) != digest:
            problems.append(_personal_edited(index))
        if stored_seq is not None and stored_seq != index + 1:
            problems.append(TreeProblem(f"leaf {index}", f"it holds event #{stored_seq}, not #{index + 1}"))
        return value
    values = dict(zip(_ROW_NAMES, row, strict=True))
    for name in _JSON_COLUMNS:
        if type(values[name]) is str:
            values[name] = json.loads(values[name])
    value, found = _leaf_problems(values)
    problems += found
    return value


def _new_leaf(event: dict[str, Any]) -> bytes:
    """The leaf hash of an event about to be integrated (its number in "seq"); the JSON columns as
    PostgreSQL's text, or parsed."""
    if event["leaf_format"] == LeafFormat.COMMITTED and type(event["data"]) is str:
        text = _committed_text(*(event[name] for name in _COMMITTED_NAMES))
        if text is not None:
            return hashlib.sha256(_LEAF_PREFIX + text.encode()).digest()
    values = {name: json.loads(value) if name in _JSON_COLUMNS and type(value) is str else value
              for name, value in event.items()}  # fmt: skip
    return merkle.leaf_hash(leaf_data_at(values, values["created_at"]))


_COMMITTED_NAMES = (
    "seq", "actor_id", "actor_label", "actor_org_ids", "action", "target_type", "target_id", "target_org_id",
    "request_id", "data", "created_at", "personal_digest",
)  # fmt: skip


def _check_chunk(job: tuple[int, int, tuple[int, ...]]) -> _Chunk:
    return _check_rows(job, _leaf_rows(job[0], job[1]))


def _check_rows(job: tuple[int, int, tuple[int, ...]], rows: list[tuple[Any, ...]]) -> _Chunk:
    """Leaves start..end-1 (`rows`) recomputed, their complete subtrees rebuilt level by level and
    compared with the stored ones, and the right edge at each size in `sizes` (each in
    start+1..end). The chunk starts at a multiple of its (power of two) length, so its subtrees are
    the tree's."""
    start, _end, sizes = job
    problems: list[TreeProblem] = []
    leaves: list[bytes] = []
    expected = start
    for row in rows:
        if row[0] != expected:
            break
        leaves.append(_leaf_of(row, problems))
        expected += 1
    count = expected - start
    levels = [leaves]
    sha256 = hashlib.sha256
    while len(levels[-1]) > 1:
        pairs = iter(levels[-1])
        levels.append([sha256(_NODE_PREFIX + left + right).digest() for left, right in zip(pairs, pairs, strict=False)])
    problems += _compare_levels(start, levels)

    def edge_at(count: int) -> list[tuple[int, int, bytes]]:
        top = count.bit_length() - 1
        return [
            (level, (start >> level) + (count >> level) - 1, levels[level][(count >> level) - 1])
            for level in range(top, -1, -1)
            if count >> level & 1
        ]

    at = {size: [value for _level, _index, value in edge_at(size - start)] for size in sizes if size <= expected}
    return _Chunk(start, count, problems, edge_at(count), at)


def _compare_levels(start: int, levels: list[list[bytes]]) -> list[TreeProblem]:
    """The stored subtrees of a chunk against its levels just computed (level L's first subtree is
    number start >> L): one statement, a range per level, compared level by level."""
    ranges = [(level, start >> level, (start >> level) + len(hashes)) for level, hashes in enumerate(levels) if level]
    ranges = [(level, first, end) for level, first, end in ranges if end > first]
    if not ranges:
        return []
    where = " OR ".join(['(level = %s AND "index" >= %s AND "index" < %s)'] * len(ranges))
    with transaction.atomic(), connection.cursor() as cursor:
        _planner_settings(queue=False)
        cursor.execute(
            f'SELECT level, "index", hash FROM audit_auditnode WHERE {where} ORDER BY level, "index"',  # noqa: S608
            [value for triple in ranges for value in triple],
        )
        rows = cursor.fetchall()
    stored: dict[int, list[tuple[int, str]]] = {}
    for level, index, value in rows:
        stored.setdefault(level, []).append((index, value))
    problems = []
    for level, first, _end in ranges:
        computed = [(index, value.hex()) for index, value in enumerate(levels[level], first)]
        if stored.get(level, []) != computed:
            found = dict(stored.get(level, []))
            problems += [
                TreeProblem(f"node {level}/{index}", "the stored subtree hash is not its leaves'")
                for index, value in computed
                if found.get(index) != value
            ]
    return problems


def _checked_chunks(total: int, sizes: list[int], workers: int) -> Iterator[_Chunk]:
    if VERIFY_CHUNK & (VERIFY_CHUNK - 1):
        raise ValueError("VERIFY_CHUNK must be a power of two (a chunk is a complete subtree)")
    jobs = []
    for start in range(0, total, VERIFY_CHUNK):
        end = min(start + VERIFY_CHUNK, total)
        jobs.append((start, end, tuple(size for size in sizes if start < size <= end)))
    # An in-memory SQLite database (tests) is not shared with other processes.
    in_memory = connection.vendor == "sqlite" and bool(connection.is_in_memory_db())  # type: ignore[attr-defined]
    if workers <= 1 or len(jobs) <= 1 or in_memory:
        if connection.vendor == "postgresql" and len(jobs) > 1 and not connection.in_atomic_block:
            yield from _read_ahead(jobs)
        else:
            yield from map(_check_chunk, jobs)
        return
    connections.close_all()  # each process opens its own
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(_check_chunk, jobs)


def _read_ahead(jobs: list[tuple[int, int, tuple[int, ...]]]) -> Iterator[_Chunk]:
    """Chunks checked in this process while a thread reads the next chunk's rows (on a connection
    of its own, so only for committed data): the database's work and the reading overlap the
    hashing, as the second process of `--workers 2` would."""

    def close() -> None:
        connections.close_all()  # the thread's own connection

    with ThreadPoolExecutor(1) as pool:
        try:
            pending = pool.submit(_leaf_rows, jobs[0][0], jobs[0][1])
            for number, job in enumerate(jobs):
                rows = pending.result()
                if number + 1 < len(jobs):
                    pending = pool.submit(_leaf_rows, jobs[number + 1][0], jobs[number + 1][1])
                yield _check_rows(job, rows)
        finally:
            pool.submit(close).result()


def _rebuild(head: TreeHead, wanted: dict[int, list[tuple[str, bytes]]], workers: int = 1) -> Iterator[TreeProblem]:
    stack: list[_Piece] = []
    expected = 0

    def check_root(size: int, edge: list[bytes]) -> Iterator[TreeProblem]:
        root = _fold([piece.hash for piece in stack] + edge)
        for where, value in wanted.get(size, []):
            if value != root:
                yield TreeProblem(where, "its root hash is not the tree's at its size: the log was rewritten")

    yield from check_root(0, [])
    last = AuditLeaf.objects.order_by("-index").values_list("index", flat=True).first()
    total = 0 if last is None else last + 1
    for chunk in _checked_chunks(total, sorted(wanted), workers):
        yield from chunk.problems
        for size, edge in sorted(chunk.at.items()):
            yield from check_root(size, edge)
        expected = chunk.start + chunk.count
        if chunk.start + chunk.count < min(chunk.start + VERIFY_CHUNK, total):
            yield TreeProblem(
                f"leaf {expected} (event #{expected + 1})",
                "the tree lacks this leaf (it was removed, or leaves reordered)",
            )
            return
        merged: dict[tuple[int, int], bytes] = {}
        for level, index, value in chunk.edge:
            merged.update(((m.level, m.index), m.hash) for m in _push(stack, _Piece(level, index, value)))
        yield from _compare_nodes(merged)
    for size in sorted(size for size in wanted if size > expected):
        for where, _value in wanted[size]:
            yield TreeProblem(where, f"the tree holds only {expected} leaves (events #{expected + 1} on were removed)")
    if expected != head.size:
        yield TreeProblem(
            "tree head",
            f"it says {head.size} leaves; the tree holds {expected} (events #{expected + 1} on were removed)"
            if head.size > expected
            else f"it says {head.size} leaves; the tree holds {expected}",
        )
    elif _fold([piece.hash for piece in stack]).hex() != head.root_hash:
        yield TreeProblem("tree head", "its root hash is not the tree's")
    unintegrated = AuditEvent.objects.filter(seq__lte=expected).exclude(leaf__isnull=False).count()
    if unintegrated:
        yield TreeProblem("events", f"{unintegrated} event(s) below the tree's size have no leaf")
    # The sequencer numbered events before 0005 and added their leaves in one transaction: never one
    # without the other; since 0005 nothing numbers an event row.
    beyond = AuditEvent.objects.filter(seq__gt=expected, leaf__isnull=True).order_by("seq").first()
    if beyond is not None:
        yield TreeProblem(f"event #{beyond.seq}", "it is numbered but not in the tree (only the sequencer numbers)")
    # Every other event is in the tree or waiting on the queue: one taken off the queue without
    # its leaf would never be integrated.
    lost = _lost_events(head)
    if lost:
        yield TreeProblem(
            f"event id {lost[0]}",
            f"{len(lost)} event(s) are neither in the tree nor waiting for it"
            " (taken off the queue, or their transaction id changed)",
        )
    queued_twice = AuditQueue.objects.filter(event_id__in=AuditLeaf.objects.values("event_id"))
    if queued_twice.exists():
        yield TreeProblem("queue", f"{queued_twice.count()} event(s) in the tree are still waiting on the queue")


def _lost_events(head: TreeHead) -> list[int]:
    """Events neither in the tree nor waiting: not on the queue and (on PostgreSQL) without a
    transaction id from the tree head's horizon on."""
    if connection.vendor != "postgresql":
        waiting = AuditQueue.objects.filter(event_id=OuterRef("id"))
        lost = AuditEvent.objects.filter(seq__isnull=True, leaf__isnull=True).exclude(Exists(waiting))
        return list(lost.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id FROM audit_auditevent e WHERE e.seq IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM audit_auditleaf l WHERE l.event_id = e.id)"
            " AND NOT EXISTS (SELECT 1 FROM audit_auditqueue q WHERE q.event_id = e.id)"
            " AND (e.xid IS NULL OR e.xid < %s::text::xid8) ORDER BY e.id",
            [head.integrated_below_xid],
        )
        return [event_id for (event_id,) in cursor.fetchall()]


def _compare_nodes(computed: dict[tuple[int, int], bytes]) -> list[TreeProblem]:
    """The stored subtrees against those just computed: one statement, a range per level."""
    if not computed:
        return []
    levels: dict[int, list[int]] = {}
    for level, index in computed:
        levels.setdefault(level, []).append(index)
    ranges = [(level, min(indexes), max(indexes)) for level, indexes in sorted(levels.items())]
    where = " OR ".join(['(level = %s AND "index" >= %s AND "index" <= %s)'] * len(ranges))
    with transaction.atomic(), connection.cursor() as cursor:
        _planner_settings(queue=False)
        cursor.execute(
            f'SELECT level, "index", hash FROM audit_auditnode WHERE {where}',  # noqa: S608 - constant text
            [value for triple in ranges for value in triple],
        )
        stored = {(level, index): value for level, index, value in cursor.fetchall()}
    return [
        TreeProblem(f"node {key[0]}/{key[1]}", "the stored subtree hash is not its leaves'")
        for key, value in sorted(computed.items())
        if stored.get(key) != value.hex()
    ]
