"""Reading the audit log for the people who may oversee a part of it. Every figure is one
aggregate in SQL over the events of one document (indexed by target); pages are bounded."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, TextField
from django.db.models.functions import Cast

from coalition import access
from coalition.accounts.models import User
from coalition.audit.models import AuditEvent
from coalition.library.models import Document
from coalition.organisations.models import Membership, Organisation

# What counts as reading a document (coalition.library.services.record_read and the drafting pages).
READ_ACTIONS = frozenset(
    f"document.{what}"
    for what in (
        "viewed",
        "revision_viewed",
        "history_viewed",
        "diff_viewed",
        "edit_opened",
        "attachment_downloaded",
        "discussion_viewed",
        "comment_viewed",
        "proposal_viewed",
        "proposal_form_viewed",
        "disposition_viewed",
        "disposition_exported",
        "exported",
        "review_viewed",
        "ratification_viewed",
        "acknowledgements_viewed",
        "adopted_viewed",
    )
)
# Taken out of the portal: downloads and exports.
TAKEN_OUT = frozenset({"document.attachment_downloaded", "document.disposition_exported", "document.exported"})
PAGE_SIZE = 50
CAP = 1000
PERSON_LIMIT = 20_000


@dataclass(frozen=True)
class Reader:
    actor_id: int
    label: str
    reads: int
    taken_out: int
    last: datetime
    organisations: list[str]


@dataclass(frozen=True)
class OrganisationReads:
    name: str
    readers: int
    reads: int


@dataclass(frozen=True)
class ReadsOfDocument:
    readers: list[Reader]
    has_next: bool
    reader_count: int  # capped at CAP
    reader_count_capped: bool
    reads: int
    taken_out: int
    organisations: list[OrganisationReads]


def _reads(document_id: int) -> Any:
    return AuditEvent.objects.filter(
        target_type="library.document", target_id=str(document_id), action__in=READ_ACTIONS, actor_id__isnull=False
    ).order_by()


def reads_of(document_id: int, *, page: int = 1) -> ReadsOfDocument:
    """Who read the document, how often, when last, and what they took out; by organisation too.

    One grouped statement over the document's read events gives every person's figures (and the
    organisations their latest read recorded): totals, organisations and the page are summed from
    it, so the events are read once. A document read by more than PERSON_LIMIT people is paged in
    SQL instead, without the per-organisation table."""
    events = _reads(document_id)
    people = (
        events.values("actor_id")
        .annotate(
            reads=Count("id"),
            taken_out=Count("id", filter=Q(action__in=TAKEN_OUT)),
            last=Max("created_at"),
            label=Max("actor_label"),
            orgs=Max(Cast("actor_org_ids", TextField())),
        )
        .order_by("-last", "actor_id")
    )
    start = (page - 1) * PAGE_SIZE
    everyone = list(people[: PERSON_LIMIT + 1])
    complete = len(everyone) <= PERSON_LIMIT
    if complete:
        rows = everyone[start : start + PAGE_SIZE + 1]
        reads = sum(row["reads"] for row in everyone)
        taken_out = sum(row["taken_out"] for row in everyone)
        reader_count = len(everyone)
    else:
        rows = list(people[start : start + PAGE_SIZE + 1])
        totals = events.aggregate(reads=Count("id"), taken_out=Count("id", filter=Q(action__in=TAKEN_OUT)))
        reads, taken_out, reader_count = totals["reads"], totals["taken_out"], len(everyone)
    orgs_of = {row["actor_id"]: _org_ids(row["orgs"]) for row in (everyone if complete else rows)}
    names = dict(
        Organisation.objects.filter(pk__in={o for ids in orgs_of.values() for o in ids}).values_list("pk", "name")
    )
    by_org: dict[str, list[int]] = {}
    if complete:
        for row in everyone:
            ids: list[int | None] = list(orgs_of[row["actor_id"]]) or [None]
            for org in ids:
                name = (names.get(org) or f"#{org}") if org is not None else ""
                counts = by_org.setdefault(name, [0, 0])
                counts[0] += 1
                counts[1] += row["reads"]
    shown = rows[:PAGE_SIZE]
    # Today's names of the people shown (the events keep the address they signed in with).
    display = {
        pk: name
        for pk, name in User.objects.filter(pk__in=[row["actor_id"] for row in shown]).values_list("pk", "name")
        if name
    }
    return ReadsOfDocument(
        readers=[
            Reader(
                actor_id=row["actor_id"],
                label=f"{display[row['actor_id']]} ({row['label']})" if row["actor_id"] in display else row["label"],
                reads=row["reads"],
                taken_out=row["taken_out"],
                last=row["last"],
                organisations=[names.get(o) or f"#{o}" for o in orgs_of.get(row["actor_id"], [])],
            )
            for row in shown
        ],
        has_next=len(rows) > PAGE_SIZE,
        reader_count=min(reader_count, CAP),
        reader_count_capped=reader_count > CAP,
        reads=reads,
        taken_out=taken_out,
        organisations=sorted(
            (OrganisationReads(name, readers, reads) for name, (readers, reads) in by_org.items()),
            key=lambda o: (-o.reads, o.name),
        ),
    )


def _org_ids(text: str | None) -> list[int]:
    """The organisation ids of an event, from its JSON list as text (the greatest of a person's,
    which for people who did not change organisations is their only one)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [int(v) for v in value if isinstance(v, int)] if isinstance(value, list) else []


# --- What an organisation's members did (its admins' view) -------------------------------------------

KINDS = {
    "reads": READ_ACTIONS,
    "taken_out": TAKEN_OUT,
    "sharing": frozenset(
        {"document.audience_changed", "document.granted", "document.grant_revoked", "document.relabelled"}
    ),
    "sign_ins": frozenset(
        {"auth.login", "auth.logout", "auth.login_failed", "auth.reauthentication_failed", "auth.session_ended"}
    ),
    "security": frozenset(
        {
            "mfa.added",
            "mfa.removed",
            "mfa.reset",
            "account.password_changed",
            "account.password_set",
            "account.password_reset",
            "account.email_changed",
        }
    ),
}
ACTIVITY_PAGE = 50
EXPORT_CAP = 10_000


@dataclass(frozen=True)
class ActivityRow:
    id: int
    seq: int | None  # the event's number; None until the sequencer integrates it (seconds)
    created_at: datetime
    actor_label: str
    action: str
    target: str  # words: a title only where the viewer may read the document
    ip: str
    material_of: str = ""  # the organisation whose material it is (the event's target organisation)
    user_agent: str = ""


def numbered(events: Any) -> Any:
    """Events with their number (`AuditEvent.number`) from their leaf, in the same statement."""
    return events.annotate(leaf_number=F("leaf__index") + 1)


def member_events(organisation: Organisation, *, person: int | None, kind: str, after: Any, before: Any) -> Any:
    """The events of the organisation's current members (by actor) since they joined it, newest
    first, filtered: what a person did before joining (in another organisation, say) is not this
    organisation's admins' business."""
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    joined = Membership.objects.filter(
        organisation=organisation, user_id=OuterRef("actor_id"), created_at__lte=OuterRef("created_at")
    )
    # The IN implies nothing the EXISTS does not, but it lets the planner start from the
    # (actor_id, id) index rather than test every event of the log.
    events = AuditEvent.objects.filter(actor_id__in=members).filter(Exists(joined))
    if person:
        events = events.filter(actor_id=person)
    if kind in KINDS:
        events = events.filter(action__in=KINDS[kind])
    if after:
        events = events.filter(created_at__date__gte=after)
    if before:
        events = events.filter(created_at__date__lte=before)
    return numbered(events).order_by("-id")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def inert(text: str) -> str:
    """Text from members or browsers as shown in the log: control characters (newlines, terminal
    escapes) written out as \\xNN, so that a value cannot fake a line or recolour a terminal.
    HTML is escaped by the templates and the CSV writer quotes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def described(viewer: Any, events: list[AuditEvent]) -> list[ActivityRow]:
    """Rows for the page: a document's title only if `viewer` may read it, otherwise "a TLP:RED
    document of Northwind Social (#123)"; two queries for the documents of the whole page."""
    ids = {int(e.target_id) for e in events if e.target_type == "library.document" and e.target_id.isdigit()}
    documents = {d.pk: d for d in Document.objects.filter(pk__in=ids).select_related("owner")}
    readable = set(
        access.visible(viewer, Document.objects.filter(pk__in=ids), "document.view").values_list("pk", flat=True)
    )
    org_ids = {e.target_org_id for e in events if e.target_org_id}
    org_names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    rows = []
    for event in events:
        target = event.target_type
        if event.target_type == "library.document" and event.target_id.isdigit():
            document = documents.get(int(event.target_id))
            if document is None:
                target = f"a document (#{event.target_id})"
            else:
                label = f"#{document.pk}, {document.get_tlp_display()}, {str(document.get_audience_display()).lower()}"
                if document.pk in readable:
                    target = f"“{document.title}” ({label})"
                else:
                    target = f"a {document.get_tlp_display()} document of {document.owner.name} ({label})"
        elif event.target_type == "accounts.user":
            target = "their account" if event.target_id == str(event.actor_id) else f"account #{event.target_id}"
        elif event.target_id:
            target = f"{event.target_type} #{event.target_id}"
        material = org_names.get(event.target_org_id, "") if event.target_org_id else ""
        rows.append(
            ActivityRow(
                event.pk,
                event.number,
                event.created_at,
                inert(event.actor_label),
                event.action,
                inert(target),
                event.ip,
                inert(material),
                inert(event.user_agent),
            )
        )
    return rows


def coalition_events(
    *, person: str, organisation: int | None, document: int | None, kind: str, after: Any, before: Any
) -> Any:
    """Every event of the coalition, newest first, filtered (the oversight role's view)."""
    events = AuditEvent.objects.all()
    if person:
        events = events.filter(actor_id__in=User.objects.filter(email__iexact=person).values("pk"))
    if organisation:
        events = events.filter(target_org_id=organisation)
    if document:
        events = events.filter(target_type="library.document", target_id=str(document))
    if kind in KINDS:
        events = events.filter(action__in=KINDS[kind])
    if after:
        events = events.filter(created_at__date__gte=after)
    if before:
        events = events.filter(created_at__date__lte=before)
    return numbered(events).order_by("-id")
