"""Inferring implementation results from a crosswalk (or a chain of them) or a self-assessment.

One function, `plan_*`, computes what would change; the preview shows it and the apply service
recomputes it inside its transaction and writes exactly that (`write_plan`), refusing when the
plan differs from the one previewed (its fingerprint). Nothing a person set is ever overwritten.

The rules (docs/principles.md, "Crosswalks"):

- a path from a source record to a target principle runs through one link per crosswalk; it is
  *full* when every link is equal or superset, *partial* otherwise (the weakest link decides);
- along a full path the source result carries over; along a partial path it is capped at
  "partially" (not implemented stays not implemented; "not applicable" says nothing about a
  principle the source only partly covers, so it contributes nothing);
- many-to-many: the full paths decide (the lowest of their results: each claims to cover the whole
  principle, so the least implemented one is the honest answer), and a partial source that is
  "not implemented" lowers "implemented" to "partially" (that part of the principle is not done);
  with partial paths only, the result is "not implemented" when every one says so, else
  "partially"; "not applicable" only when every contribution says so;
- a record whose result a person set (it is assessed and its last change to the result was not
  an inference) is kept as it is.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from coalition import access
from coalition.access import Action
from coalition.assessments.models import CrosswalkLink, Inference
from coalition.principles.models import ImplementationRecord, Principle, RecordChange, Result
from coalition.principles.selectors import principles_in

ORDER = {Result.NOT_IMPLEMENTED: 0, Result.PARTIALLY: 1, Result.IMPLEMENTED: 2}
INFERABLE = frozenset({Result.IMPLEMENTED, Result.PARTIALLY, Result.NOT_IMPLEMENTED, Result.NOT_APPLICABLE})


class Outcome:
    CREATE = "create"  # no record yet: one is made, in review
    FILL = "fill"  # a record not yet assessed gets the result
    UPDATE = "update"  # an earlier inferred result is replaced
    UNCHANGED = "unchanged"  # already this result
    KEPT = "kept"  # a person set the result: never overwritten
    NONE = "none"  # nothing to infer from


WRITES = frozenset({Outcome.CREATE, Outcome.FILL, Outcome.UPDATE})


@dataclass(frozen=True)
class Contribution:
    """One source's say about a target principle: through a crosswalk path, or a score."""

    source_record_id: int | None
    path: tuple[str, ...]  # principle codes, source first
    relations: tuple[str, ...]
    strength: int
    full: bool
    source_result: str
    gives: str

    def as_json(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "relations": list(self.relations),
            "strength": self.strength,
            "full": self.full,
            "from": self.source_result,
            "gives": self.gives,
            "record": self.source_record_id,
        }


@dataclass
class Proposal:
    principle: Principle
    record: ImplementationRecord | None
    proposed: str | None
    outcome: str
    contributions: list[Contribution] = field(default_factory=list)
    detail: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> str:
        return self.record.result if self.record is not None else ""

    @property
    def current_label(self) -> str:
        return str(Result(self.current).label) if self.current else ""

    @property
    def proposed_label(self) -> str:
        return str(Result(self.proposed).label) if self.proposed else ""

    @property
    def writes(self) -> bool:
        return self.outcome in WRITES

    @property
    def source_record_ids(self) -> list[int]:
        return sorted({c.source_record_id for c in self.contributions if c.source_record_id is not None})


@dataclass
class Plan:
    proposals: list[Proposal]

    @property
    def fingerprint(self) -> str:
        text = "|".join(
            f"{p.principle.pk}:{p.outcome}:{p.proposed}:{p.current}:{p.record.pk if p.record else ''}"
            for p in self.proposals
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def writes(self) -> list[Proposal]:
        return [p for p in self.proposals if p.writes]


def combine(contributions: list[Contribution]) -> str | None:
    """The many-to-many rule (see the module's docstring)."""
    values = [c for c in contributions if c.gives in INFERABLE]
    if not values:
        return None
    if all(c.gives == Result.NOT_APPLICABLE for c in values):
        return Result.NOT_APPLICABLE
    values = [c for c in values if c.gives != Result.NOT_APPLICABLE]
    full = [c.gives for c in values if c.full]
    partial = [c.gives for c in values if not c.full]
    if full:
        result = min(full, key=lambda value: ORDER[Result(value)])
        if result == Result.IMPLEMENTED and Result.NOT_IMPLEMENTED in partial:
            return Result.PARTIALLY
        return result
    return Result.NOT_IMPLEMENTED if all(v == Result.NOT_IMPLEMENTED for v in partial) else Result.PARTIALLY


def through(value: str, *, full: bool) -> str | None:
    """A source result carried along one link."""
    if value not in INFERABLE:
        return None
    if full:
        return value
    if value == Result.NOT_APPLICABLE:
        return None
    return min(value, Result.PARTIALLY, key=lambda v: ORDER[Result(v)])


def person_set_ids(records: list[ImplementationRecord]) -> set[int]:
    """Records whose result a person set: assessed, and the last change to the result was not
    written by an inference (two queries whatever the number of records)."""
    assessed = [r.pk for r in records if r.result != Result.NOT_ASSESSED]
    if not assessed:
        return set()
    last_change: dict[int, int] = {}
    for record_id, change_id in (
        RecordChange.objects.filter(record_id__in=assessed, changes__has_key="result")
        .order_by("record_id", "-changed_at", "-id")
        .values_list("record_id", "id")
    ):
        last_change.setdefault(record_id, change_id)
    inferred = set(
        Inference.objects.filter(record_change_id__in=list(last_change.values())).values_list("record_id", flat=True)
    )
    return {pk for pk in assessed if pk not in inferred}


def plan_for(
    *,
    organisation_id: int,
    cycle: int,
    targets: list[Principle],
    contributions: dict[int, list[Contribution]],
    details: dict[int, list[dict[str, Any]]] | None = None,
    lock: bool = False,
) -> Plan:
    """Proposals for the target principles from what each one's sources say."""
    existing: QuerySet[ImplementationRecord] = ImplementationRecord.objects.filter(
        organisation_id=organisation_id, cycle=cycle, principle_id__in=[p.pk for p in targets]
    )
    if lock:
        existing = existing.select_for_update()
    records = {r.principle_id: r for r in existing}
    person = person_set_ids(list(records.values()))
    proposals = []
    for principle in targets:
        record = records.get(principle.pk)
        found = contributions.get(principle.pk, [])
        proposed = combine(found)
        if proposed is None:
            outcome = Outcome.NONE
        elif record is None:
            outcome = Outcome.CREATE
        elif record.result == proposed:
            outcome = Outcome.UNCHANGED
        elif record.pk in person:
            outcome = Outcome.KEPT
        elif record.result == Result.NOT_ASSESSED:
            outcome = Outcome.FILL
        else:
            outcome = Outcome.UPDATE
        detail = (details or {}).get(principle.pk) or [c.as_json() for c in found]
        proposals.append(Proposal(principle, record, proposed, outcome, found, detail))
    return Plan(proposals)


def crosswalk_contributions(
    user: Any, *, organisation_id: int, cycle: int, chain: list[Any]
) -> dict[int, list[Contribution]]:
    """Every path from the organisation's readable source records through the chain of crosswalks
    to a target principle (one query for the records, one for the links)."""
    sources = access.visible(
        user,
        ImplementationRecord.objects.filter(
            organisation_id=organisation_id, cycle=cycle, principle__framework_id=chain[0].source_id
        ),
        Action.VIEW_IMPLEMENTATION,
    ).select_related("principle")
    links_by_step: dict[int, dict[int, list[CrosswalkLink]]] = defaultdict(lambda: defaultdict(list))
    step_of = {cw.pk: i for i, cw in enumerate(chain)}
    for link in CrosswalkLink.objects.filter(crosswalk_id__in=list(step_of)).select_related("source", "target"):
        links_by_step[step_of[link.crosswalk_id]][link.source_id].append(link)
    found: dict[int, list[Contribution]] = defaultdict(list)
    for record in sources:
        # (principle reached, codes, relations, weakest strength, full so far, value so far)
        paths: list[tuple[int, tuple[str, ...], tuple[str, ...], int, bool, str | None]] = [
            (record.principle_id, (record.principle.code,), (), 3, True, record.result)
        ]
        for step in range(len(chain)):
            extended = []
            for principle_id, codes, relations, strength, full, value in paths:
                for link in links_by_step[step].get(principle_id, []):
                    carried = through(value, full=link.full) if value is not None else None
                    extended.append(
                        (
                            link.target_id,
                            (*codes, link.target.code),
                            (*relations, link.relation),
                            min(strength, link.strength),
                            full and link.full,
                            carried,
                        )
                    )
            paths = extended
        for target_id, codes, relations, strength, full, value in paths:
            if value is None:
                continue
            found[target_id].append(Contribution(record.pk, codes, relations, strength, full, record.result, value))
    return found


def targets_of(framework: Any, cycle: int) -> list[Principle]:
    return [p for p in principles_in(framework, cycle=cycle) if not p.retired]
