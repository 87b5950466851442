"""The append-only, hash-chained audit log.

Every event stores `hash = SHA-256(prev_hash + canonical JSON of the event)`. Writers take a row
lock on the single `ChainHead` row, so events get gap-free sequence numbers and each is chained
exactly once; database triggers (see the migrations) refuse UPDATE and DELETE on events.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64


class ChainHead(models.Model):
    """The last event's sequence number and hash; one row, locked by every writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_singleton")]

    def __str__(self) -> str:
        return f"Audit chain head at #{self.seq}"


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
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
    ip = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_event_seq_positive")]
        indexes = [
            models.Index(fields=["actor_id", "seq"], name="audit_actor_seq_idx"),
            models.Index(fields=["target_org_id", "seq"], name="audit_target_org_seq_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def canonical_json(self) -> str:
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


# --- The Merkle tree over the events (RFC 9162; coalition/audit/tree.py) -------------------------

EMPTY_TREE_ROOT = hashlib.sha256(b"").hexdigest()


class TreeHead(models.Model):
    """How many events the tree holds and its root; one row, locked by the sequencer, so two
    sequencers never integrate the same event."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    root_hash = models.CharField(max_length=64, default=EMPTY_TREE_ROOT)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_treehead_singleton")]

    def __str__(self) -> str:
        return f"Audit tree of {self.size} events"


class AuditLeaf(models.Model):
    """An event's place in the tree: leaf `index` (from 0) is SHA-256(0x00 || its canonical JSON).
    The hash is kept so that proofs still verify once personal data in old events is redacted."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="leaf")
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
