"""Personal data in old audit events (the address and browser) is redacted after
AUDIT_PERSONAL_DATA_DAYS, by the worker once a day or `manage.py audit_redact`.

Redaction clears the address, the browser and the salt of their digest, and keeps the digest:
a format 2 leaf covers only the digest, so the leaf is still recomputed from the event and every
proof still verifies. Only integrated events are redacted (their leaf is already kept). Format 1
events (written before the tree) hashed their address itself: once redacted, their kept leaf hash
vouches for them (docs/oversight.md). Redaction is itself an event."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coalition.audit.models import AuditEvent, LeafFormat
from coalition.audit.services import record

BATCH = 5000


def due(now: datetime | None = None) -> datetime | None:
    """Events created before this have their personal data redacted; None: never (days = 0)."""
    days = settings.AUDIT_PERSONAL_DATA_DAYS
    if days <= 0:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def _redactable(cutoff: datetime) -> Q:
    personal = ~Q(ip="") | ~Q(user_agent="") | ~Q(personal_salt="")
    return Q(created_at__lt=cutoff, redacted_at__isnull=True, leaf__isnull=False) & (
        Q(leaf_format=LeafFormat.COMMITTED) & personal | Q(leaf_format=LeafFormat.CHAINED) & ~Q(ip="")
    )


def redact_personal_data(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Redact every due event, a batch per transaction; returns how many were redacted."""
    cutoff = due(now)
    if cutoff is None:
        return 0
    total, first, last = 0, None, None
    while True:
        with transaction.atomic():
            ids = list(
                AuditEvent.objects.filter(_redactable(cutoff)).order_by("id").values_list("id", flat=True)[:batch]
            )
            if not ids:
                break
            stamp = timezone.now()
            AuditEvent.objects.filter(pk__in=ids).update(ip="", user_agent="", personal_salt="", redacted_at=stamp)
            total += len(ids)
            first = ids[0] if first is None else first
            last = ids[-1]
    if total:
        record(
            action="audit.personal_data_redacted",
            data={
                "events": total,
                "created_before": cutoff.isoformat(timespec="seconds"),
                "first_id": first,
                "last_id": last,
            },
        )
    return total
