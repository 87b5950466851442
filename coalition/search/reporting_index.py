"""Keeping the index of principles, implementation records and mileposts (PrincipleEntry,
RecordEntry, MilepostEntry) in step.
The principles services call these in their own transaction: a record saved, evidence added,
changed or removed, a milepost saved or removed, a principle edited or retired, an organisation
renamed. Sharing and relabelling change nothing here: who may read an item is decided on its live
columns at search time (coalition/search/reporting.py). `manage.py search_rebuild` rebuilds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import translation

from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost, Principle
from coalition.search import index as documents_index
from coalition.search import spelling
from coalition.search.models import REPORTING_CONFIG as PG_CONFIG
from coalition.search.models import (
    REPORTING_MODELS,
    MilepostEntry,
    PrincipleEntry,
    RecordEntry,
    ReportingEntry,
    ReportingKind,
    Word,
)

Kind = ReportingKind
# The migration freezes the same expression.
_PG_VECTOR = f"setweight(to_tsvector('{PG_CONFIG}', title), 'A') || setweight(to_tsvector('{PG_CONFIG}', body), 'C')"


def principle_entry(principle: Principle) -> PrincipleEntry:
    return PrincipleEntry(principle_id=principle.pk, title=f"{principle.code} {principle.title}", body=principle.text)


def record_entry(record: ImplementationRecord, notes: list[str]) -> RecordEntry:
    """The record's principle, its organisation, its evidence text (as rendered and sanitised) and
    its evidence items' notes: what its page shows to every reader of the record."""
    parts = [record.organisation.name, documents_index.words_of(record.evidence_html), *notes]
    return RecordEntry(
        record_id=record.pk,
        title=f"{record.principle.code} {record.principle.title}",
        body="\n".join(part for part in parts if part),
    )


def milepost_entry(milepost: Milepost) -> MilepostEntry:
    with translation.override("en"):
        category = str(milepost.get_category_display())  # type: ignore[attr-defined]
    return MilepostEntry(
        milepost_id=milepost.pk,
        title=milepost.text,
        body=f"{category}\n{milepost.organisation.name}",
    )


def _replace(kind: str, ids: list[int], entries: list[Any], known_words: set[str] | None) -> None:
    """These items' entries replaced by `entries` (the items that still exist)."""
    model: Any = REPORTING_MODELS[kind]
    old = list(model.objects.filter(**{f"{model.item_field}_id__in": ids}).values_list("pk", flat=True))
    _backend_forget(model, old)
    model.objects.filter(pk__in=old).delete()
    created = model.objects.bulk_create(entries)
    _backend_store(model, created, known_words)


@transaction.atomic
def index_principles(ids: Iterable[int], *, with_records: bool = False, known_words: set[str] | None = None) -> None:
    """(Re)index these principles; `with_records`: their implementation records too (a record's
    entry carries its principle's code and title)."""
    ids = sorted(set(ids))
    principles = list(Principle.objects.filter(pk__in=ids).order_by("pk"))
    _replace(Kind.PRINCIPLE, ids, [principle_entry(p) for p in principles], known_words)
    if with_records:
        records = ImplementationRecord.objects.filter(principle_id__in=ids).values_list("pk", flat=True)
        index_records(list(records), known_words=known_words)


@transaction.atomic
def index_records(ids: Iterable[int], *, known_words: set[str] | None = None) -> None:
    ids = sorted(set(ids))
    records = list(
        ImplementationRecord.objects.filter(pk__in=ids).select_related("organisation", "principle").order_by("pk")
    )
    notes: dict[int, list[str]] = {}
    for record_id, note in (
        EvidenceItem.objects.filter(record_id__in=ids).exclude(note="").order_by("pk").values_list("record_id", "note")
    ):
        notes.setdefault(record_id, []).append(note)
    _replace(Kind.RECORD, ids, [record_entry(r, notes.get(r.pk, [])) for r in records], known_words)


@transaction.atomic
def index_mileposts(ids: Iterable[int], *, known_words: set[str] | None = None) -> None:
    ids = sorted(set(ids))
    mileposts = list(Milepost.objects.filter(pk__in=ids).select_related("organisation").order_by("pk"))
    _replace(Kind.MILEPOST, ids, [milepost_entry(m) for m in mileposts], known_words)


def forget_milepost(milepost_id: int) -> None:
    """Before a milepost is deleted (its entry goes with it; SQLite's FTS5 row must go first)."""
    _replace(Kind.MILEPOST, [milepost_id], [], None)


@transaction.atomic
def organisation_renamed(organisation_id: int) -> None:
    """Its records and mileposts carry its name."""
    index_records(ImplementationRecord.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True))
    index_mileposts(Milepost.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True))


def rebuild(*, batch: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Drop and rebuild this index, `batch` items per transaction: principles, then records, then
    mileposts; returns how many were indexed."""
    with transaction.atomic():
        for model in REPORTING_MODELS.values():
            _backend_clear(model)
            model._default_manager.all().delete()
    known_words = set(Word.objects.values_list("text", flat=True))
    steps: list[tuple[Any, Callable[..., None]]] = [
        (Principle, index_principles),
        (ImplementationRecord, index_records),
        (Milepost, index_mileposts),
    ]
    total = sum(model.objects.count() for model, _ in steps)
    done = 0
    for model, index in steps:
        last = 0
        while ids := list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]):
            index(ids, known_words=known_words)
            done += len(ids)
            last = ids[-1]
            if progress is not None:
                progress(done, total)
    return done


# --- The backend's own index -------------------------------------------------------------------


def _backend_store(model: type[ReportingEntry], entries: list[Any], known_words: set[str] | None) -> None:
    if not entries:
        return
    spelling.remember((text for e in entries for text in (e.title, e.body)), known=known_words)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET vector = {_PG_VECTOR} WHERE id = ANY(%s)",  # noqa: S608 - constant
                [[entry.pk for entry in entries]],
            )
        elif connection.vendor == "sqlite":
            cursor.executemany(
                f"INSERT INTO {model.fts_table} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608 - constant
                [(e.pk, e.title, e.body) for e in entries],
            )


def _backend_forget(model: type[ReportingEntry], entry_ids: list[int]) -> None:
    if entry_ids and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for start in range(0, len(entry_ids), 500):
                chunk = entry_ids[start : start + 500]
                cursor.execute(
                    f"DELETE FROM {model.fts_table} WHERE rowid IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                    chunk,
                )


def _backend_clear(model: type[ReportingEntry]) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {model.fts_table}")  # noqa: S608 - constant
