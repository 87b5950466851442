"""The append-only audit log.

A request only inserts its event, in the same transaction as the action it records, with no
shared lock; on SQLite a database trigger adds the event's id to the sequencer's queue, on
PostgreSQL the event carries its transaction's id. The sequencer (coalition/audit/tree.py) takes
committed events not yet integrated, in order, and integrates them into a
Merkle tree (RFC 9162) whose signed checkpoints anyone may keep: an event's number is its leaf's
index plus one, kept in the leaf, so the event row itself is never rewritten. Database triggers
(coalition/audit/guards.py) refuse every change to an event except one: redacting its personal
data once.

Events written before the tree (leaf format 1) also carry the old hash chain
(`hash = SHA-256(prev_hash + canonical JSON)`), still verified; the chain is closed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64


class ChainHead(models.Model):
    """The closed hash chain's last event (format 1 events only; nothing extends it now)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_singleton")]

    def __str__(self) -> str:
        return f"Audit chain head at #{self.seq}"


class LeafFormat(models.IntegerChoices):
    # The whole event, personal data included, hashed into the leaf (and the old chain).
    CHAINED = 1, "chained"
    # Personal data (address, browser) enters the leaf only as a salted digest, so it can be
    # redacted later while the leaf is still recomputed from the event.
    COMMITTED = 2, "committed"


class AuditEvent(models.Model):
    # The number of an event written before migration 0005 (format 1 events were numbered when
    # written; the sequencer of 0004 numbered the others in place). Since 0005 it stays empty: the
    # number is the leaf's (`number`), and the row is never updated to carry it.
    seq = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Plain ids and a label rather than foreign keys: the log must outlive the rows it mentions.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    actor_org_ids = models.JSONField(default=list)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_org_id = models.BigIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict)
    # Personal data, redacted after AUDIT_PERSONAL_DATA_DAYS (coalition/audit/retention.py).
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    personal_salt = models.CharField(max_length=32, blank=True)
    personal_digest = models.CharField(max_length=64, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    leaf_format = models.PositiveSmallIntegerField(choices=LeafFormat.choices, default=LeafFormat.COMMITTED)
    # The closed chain (format 1 only; empty for later events).
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_event_seq_positive"),
            # Only the old numbers are indexed: a new event adds no entry here.
            models.UniqueConstraint(
                fields=["seq"], condition=models.Q(seq__isnull=False), name="audit_event_seq_unique"
            ),
        ]
        indexes = [
            # Pages list events newest first by id: an event is listed as soon as it commits,
            # before the sequencer numbers it.
            models.Index(fields=["actor_id", "id"], name="audit_actor_id_idx"),
            models.Index(fields=["target_org_id", "id"], name="audit_target_org_id_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "id"], name="audit_action_id_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number or '-'} {self.action}"

    @property
    def number(self) -> int | None:
        """The event's place in the log (from 1), or None until the sequencer integrates it. Pages
        annotate `leaf_number` (a join on the leaf) so that a list does not look leaves up one by one."""
        if self.seq is not None:
            return self.seq
        if "leaf_number" in self.__dict__:
            return self.__dict__["leaf_number"]
        leaf = AuditLeaf.objects.filter(event_id=self.pk).values_list("index", flat=True).first()
        return None if leaf is None else leaf + 1

    def leaf_data(self) -> bytes:
        """What the tree's leaf hashes: SHA-256(0x00 || this) (None until the event is integrated:
        the leaf data holds its number)."""
        return leaf_data_of({**self.__dict__, "seq": self.number})

    def canonical_json(self) -> str:
        """Format 1: the whole event (the old chain's and the first leaves' input)."""
        return canonical_json(
            {
                "seq": self.seq,
                "created_at": self.created_at.isoformat(timespec="microseconds"),
                "actor_id": self.actor_id,
                "actor_label": self.actor_label,
                "actor_org_ids": self.actor_org_ids,
                "action": self.action,
                "target_type": self.target_type,
                "target_id": self.target_id,
                "target_org_id": self.target_org_id,
                "request_id": self.request_id,
                "ip": self.ip,
                "data": self.data,
            }
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical_json()).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# The columns the leaf covers as they are, besides the number, the time, the format and the
# personal digest (the database's guard keeps them unchanged: coalition/audit/guards.py).
LEAF_FIELDS = (
    "actor_id",
    "actor_label",
    "actor_org_ids",
    "action",
    "target_type",
    "target_id",
    "target_org_id",
    "request_id",
    "data",
)
# What verification reads of each event to recompute its leaf (and its personal digest).
LEAF_COLUMNS = (
    "seq",
    *LEAF_FIELDS,
    "created_at",
    "leaf_format",
    "ip",
    "user_agent",
    "personal_salt",
    "personal_digest",
)


def leaf_data_of(values: Mapping[str, Any]) -> bytes:
    """An event's leaf data from its column values (a model's __dict__ or a row read for
    verification). Format 1: the whole event, as the old chain hashed it. Format 2: the event
    with its personal data replaced by their salted digest."""
    return leaf_data_at(values, values["created_at"].isoformat(timespec="microseconds"))


def leaf_data_at(values: Mapping[str, Any], created_at: str) -> bytes:
    """The same, with the time already written as ISO 8601 with microseconds (verification reads
    it so from PostgreSQL, rather than making a datetime only to write it out again)."""
    if values["leaf_format"] != LeafFormat.CHAINED and _plain(values):
        return _committed_leaf(values, created_at).encode()
    out = {name: values[name] for name in ("seq", *LEAF_FIELDS)}
    out["created_at"] = created_at
    if values["leaf_format"] == LeafFormat.CHAINED:
        out["ip"] = values["ip"]
    else:
        out["v"] = 2
        out["personal"] = values["personal_digest"]
    return canonical_json(out).encode()


# Format 2's canonical JSON written out key by key, in sorted order: the same text as
# canonical_json() (tests/audit/test_canonical.py checks it on awkward values), about a third of
# its cost, which is most of verification's. Used only when every value is of the type the
# columns hold; anything else goes the general way.
_quote = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) escapes strings with
_DATA = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_object(value: dict[str, Any]) -> str:
    """A JSON object's canonical text (as canonical_json writes it)."""
    return _DATA.encode(value) if value else "{}"


def _plain(values: Mapping[str, Any]) -> bool:
    return (
        type(values["seq"]) is int
        and (values["actor_id"] is None or type(values["actor_id"]) is int)
        and (values["target_org_id"] is None or type(values["target_org_id"]) is int)
        and type(values["actor_org_ids"]) is list
        and all(type(i) is int for i in values["actor_org_ids"])
        and type(values["data"]) is dict
        and all(type(values[name]) is str for name in _STRINGS)
    )


_STRINGS = ("actor_label", "action", "target_type", "target_id", "request_id", "personal_digest")


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


def _committed_leaf(values: Mapping[str, Any], created_at: str) -> str:
    data = values["data"]
    return committed_leaf_text(
        action=values["action"],
        actor_id=values["actor_id"],
        actor_label=values["actor_label"],
        actor_org_ids="[" + ",".join(map(str, values["actor_org_ids"])) + "]",
        created_at=created_at,
        data=canonical_object(data),
        personal=values["personal_digest"],
        request_id=values["request_id"],
        seq=values["seq"],
        target_id=values["target_id"],
        target_org_id=values["target_org_id"],
        target_type=values["target_type"],
    )


def committed_leaf_text(
    *,
    action: str,
    actor_id: int | None,
    actor_label: str,
    actor_org_ids: str,
    created_at: str,
    data: str,
    personal: str,
    request_id: str,
    seq: int,
    target_id: str,
    target_org_id: int | None,
    target_type: str,
) -> str:
    """Format 2's canonical JSON from its values, the two JSON ones (`actor_org_ids`, `data`)
    already written canonically (verification writes them from PostgreSQL's text)."""
    return "".join(
        (
            '{"action":',
            _quote(action),
            ',"actor_id":',
            _number(actor_id),
            ',"actor_label":',
            _quote(actor_label),
            ',"actor_org_ids":',
            actor_org_ids,
            ',"created_at":',
            _quote(created_at),
            ',"data":',
            data,
            ',"personal":',
            _quote(personal),
            ',"request_id":',
            _quote(request_id),
            ',"seq":',
            str(seq),
            ',"target_id":',
            _quote(target_id),
            ',"target_org_id":',
            _number(target_org_id),
            ',"target_type":',
            _quote(target_type),
            ',"v":2}',
        )
    )


def personal_digest(*, salt: str, ip: str, user_agent: str) -> str:
    """SHA-256 over the canonical JSON array [salt, ip, user agent]: without the salt (random, 128
    bits, erased with the data) nobody can test guesses of an address against the digest. (Written
    out as json.dumps([...], separators=(",", ":"), ensure_ascii=False) would, at a fifth of the cost.)"""
    data = f"[{_quote(salt)},{_quote(ip)},{_quote(user_agent)}]"
    return hashlib.sha256(data.encode()).hexdigest()


# --- The Merkle tree over the events (RFC 9162; coalition/audit/tree.py) -------------------------

EMPTY_TREE_ROOT = hashlib.sha256(b"").hexdigest()


class TreeHead(models.Model):
    """How many events the tree holds and its root; one row, locked by the sequencer, so two
    sequencers never integrate the same event."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    root_hash = models.CharField(max_length=64, default=EMPTY_TREE_ROOT)
    # On PostgreSQL (migration 0006): every event written by a transaction whose id is below this
    # one is in the tree. The sequencer looks for new events from here on (coalition/audit/tree.py).
    integrated_below_xid = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_treehead_singleton")]

    def __str__(self) -> str:
        return f"Audit tree of {self.size} events"


class AuditQueue(models.Model):
    """The events waiting for the sequencer, by id. Filled only by the database's trigger on every
    new event (coalition/audit/guards.py; on PostgreSQL only until migration 0006, whose events wait
    by their transaction's id), emptied by the sequencer in the transaction that adds the events'
    leaves: an event is either waiting (here, or by its transaction's id) or in the tree, never
    both, never neither (verification checks it)."""

    event_id = models.BigIntegerField(primary_key=True)

    class Meta:
        ordering = ["event_id"]

    def __str__(self) -> str:
        return f"Event {self.event_id} waiting"


class AuditLeaf(models.Model):
    """An event's place in the tree: leaf `index` (from 0) is SHA-256(0x00 || its canonical JSON).
    The hash is kept so that proofs still verify once personal data in old events is redacted."""

    index = models.BigIntegerField(primary_key=True)
    # No foreign key in the database (migration 0007): its check locked the event's row for every
    # leaf (a rewrite of the event's page, 54 bytes of WAL and a lookup an event). Events cannot be
    # deleted (coalition/audit/guards.py), the unique index keeps an event to one leaf, and
    # verification names a leaf whose event is gone.
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="leaf", db_constraint=False)
    hash = models.CharField(max_length=64)
    integrated_at = models.DateTimeField()

    class Meta:
        ordering = ["index"]
        constraints = [models.CheckConstraint(condition=models.Q(index__gte=0), name="audit_leaf_index_valid")]

    def __str__(self) -> str:
        return f"Leaf {self.index}"


class AuditNode(models.Model):
    """A complete subtree: level L, index i covers leaves i * 2**L to (i + 1) * 2**L - 1 (L >= 1).
    Any range a proof needs is made of at most two of these per level."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="audit_node_unique"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="audit_node_level_valid"),
        ]

    def __str__(self) -> str:
        return f"Node {self.level}/{self.index}"


class AuditCheckpoint(models.Model):
    """A signed tree head: the C2SP checkpoint text signed as a note (coalition/audit/checkpoints.py)."""

    size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    note = models.TextField()
    verifier_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"Checkpoint at {self.size}"
