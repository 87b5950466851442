"""Reads for the principles pages: the matrix, aggregates, an organisation's and a principle's
records. Every record read starts from access.visible(); every page costs a fixed number of
queries whatever the number of organisations and records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from coalition import access
from coalition.access import Action
from coalition.library.models import TLP, TLP_RANK
from coalition.organisations.models import Organisation
from coalition.principles.models import Framework, ImplementationRecord, Principle, Result, Theme

ORGANISATIONS_PER_PAGE = 50
REPORTING_KINDS = [(k, label) for k, label in Organisation.Kind.choices if k != Organisation.Kind.SECRETARIAT]
# Short labels for the heat map's cells (the full label is in each cell's title and the legend).
SHORT_RESULT = {
    Result.NOT_ASSESSED: _("Not assessed"),
    Result.NOT_IMPLEMENTED: _("Not implemented"),
    Result.PARTIALLY: _("Partially"),
    Result.IMPLEMENTED: _("Implemented"),
    Result.NOT_APPLICABLE: _("N/A"),
}


# Results that compare from one cycle to the next ("not assessed" and "not applicable" do not).
RESULT_ORDER: dict[str, int] = {Result.NOT_IMPLEMENTED: 0, Result.PARTIALLY: 1, Result.IMPLEMENTED: 2}
HEAT_MAPS = ("result", "maturity")


@dataclass(frozen=True)
class Cell:
    record_id: int | None  # None: no record the viewer may read
    result: str = ""
    maturity: int | None = None
    status: str = ""
    own: bool = False  # the viewer's own organisation (so "no record yet", not "not shared")
    # The same organisation's record for the principle in the cycle before, if the viewer may read it.
    previous_result: str = ""
    previous_maturity: int | None = None

    def change(self, by: str) -> int | None:
        """+1 better than the cycle before, -1 worse, 0 the same; None when not comparable."""
        if by == "maturity":
            if self.maturity is None or self.previous_maturity is None:
                return None
            now, then = self.maturity, self.previous_maturity
        else:
            if self.result not in RESULT_ORDER or self.previous_result not in RESULT_ORDER:
                return None
            now, then = RESULT_ORDER[self.result], RESULT_ORDER[self.previous_result]
        return (now > then) - (now < then)

    @property
    def result_label(self) -> str:
        return str(Result(self.result).label) if self.result else ""

    @property
    def short_label(self) -> str:
        return str(SHORT_RESULT[Result(self.result)]) if self.result else ""


@dataclass
class Row:
    organisation: Organisation
    cells: list[tuple[Principle, Cell]]
    own: bool = False
    editable: bool = False


@dataclass(frozen=True)
class Aggregate:
    """Organisations whose record for the principle the viewer may read, by result."""

    implemented: int
    partially: int
    contributing: int  # organisations with an assessed result (anything but "not assessed")
    suppressed: bool

    @property
    def percent(self) -> int:
        return round(100 * self.implemented / self.contributing) if self.contributing else 0


@dataclass
class Matrix:
    framework: Framework
    cycle: int
    principles: list[Principle]
    rows: list[Row]
    aggregates: dict[int, Aggregate]
    page: int
    has_next: bool
    kind: str = ""
    theme: Theme | None = None
    strictest: TLP = TLP.CLEAR  # the most restrictive label among the cells shown
    aggregate_list: list[tuple[Principle, Aggregate]] = field(default_factory=list)
    by: str = "result"  # the heat map: by result or by maturity
    # Year-on-year: the cycle before, its aggregates per principle (the same suppression).
    previous_cycle: int = 0
    previous_list: list[tuple[Principle, Aggregate, Aggregate]] = field(default_factory=list)


def frameworks() -> QuerySet[Framework]:
    return Framework.objects.all()


def framework_or_404(slug: str) -> Framework:
    framework = Framework.objects.filter(slug=slug).first()
    if framework is None:
        raise Http404("No such page.")
    return framework


def principles_in(framework: Framework, *, cycle: int, theme: Theme | None = None) -> list[Principle]:
    """The framework's principles for a cycle: those not retired before the cycle began."""
    queryset = framework.principles.filter(Q(retired_on__isnull=True) | Q(retired_on__year__gte=cycle))
    if theme is not None:
        queryset = queryset.filter(theme=theme)
    return list(queryset.select_related("theme"))


def visible_records(user: Any, *, cycle: int, principle_ids: list[int]) -> QuerySet[ImplementationRecord]:
    return access.visible(
        user,
        ImplementationRecord.objects.filter(cycle=cycle, principle_id__in=principle_ids),
        Action.VIEW_IMPLEMENTATION,
    )


def aggregates(
    user: Any, *, cycle: int, principle_ids: list[int], kind: str = "", organisation: Organisation | None = None
) -> dict[int, Aggregate]:
    """Per principle, over the records the viewer may read (one query). An aggregate over fewer
    organisations than PRINCIPLES_MIN_AGGREGATE is suppressed: no figure, only that it is.

    Filtering by organisation kind could reveal a suppressed figure by difference (the whole
    minus the kinds shown), so the kinds are suppressed together (`_kinds_shown`): whatever is
    left out of a shown whole is either nothing or at least the threshold."""
    records = visible_records(user, cycle=cycle, principle_ids=principle_ids).filter(
        organisation__status=Organisation.Status.ACTIVE
    )
    if organisation is not None:
        records = records.filter(organisation=organisation)
    rows = (
        records.order_by()
        .values("principle_id", "organisation__kind")
        .annotate(
            implemented=Count("pk", filter=Q(result=Result.IMPLEMENTED)),
            partially=Count("pk", filter=Q(result=Result.PARTIALLY)),
            contributing=Count("pk", filter=~Q(result=Result.NOT_ASSESSED)),
        )
    )
    by_kind: dict[int, dict[str, tuple[int, int, int]]] = {}
    for row in rows:
        by_kind.setdefault(row["principle_id"], {})[row["organisation__kind"]] = (
            row["implemented"],
            row["partially"],
            row["contributing"],
        )
    minimum = settings.PRINCIPLES_MIN_AGGREGATE
    empty = Aggregate(implemented=0, partially=0, contributing=0, suppressed=True)
    found = {}
    for principle_id, kinds in by_kind.items():
        if kind:
            figures = kinds.get(kind, (0, 0, 0))
            shown = kind in _kinds_shown(kinds, minimum)
        else:
            figures = (
                sum(v[0] for v in kinds.values()),
                sum(v[1] for v in kinds.values()),
                sum(v[2] for v in kinds.values()),
            )
            shown = figures[2] >= minimum
        found[principle_id] = Aggregate(*figures, suppressed=False) if shown else empty
    return {pk: found.get(pk, empty) for pk in principle_ids}


def _kinds_shown(kinds: dict[str, tuple[int, int, int]], minimum: int) -> set[str]:
    """The organisation kinds whose figures may be shown beside the whole: each over at least
    `minimum` organisations, and the kinds left out adding up to none or at least `minimum`
    (else the whole minus the kinds shown would give them away; the smallest shown kind is then
    left out too, and so on)."""
    contributing = {k: v[2] for k, v in kinds.items() if v[2]}
    shown = {k for k, n in contributing.items() if n >= minimum}
    if sum(contributing.values()) < minimum:
        return set()
    while shown and 0 < sum(n for k, n in contributing.items() if k not in shown) < minimum:
        shown.remove(min(shown, key=lambda k: (contributing[k], k)))
    return shown


def matrix(
    user: Any,
    *,
    framework: Framework,
    cycle: int,
    theme: Theme | None = None,
    kind: str = "",
    page: int = 1,
    by: str = "result",
) -> Matrix:
    """Principles x organisations for one framework and cycle. Rows are the organisations with a
    record the viewer may read (and the viewer's own), a page at a time; each cell is the record
    or "not shared", with the readable record of the cycle before for year-on-year change.
    Queries: principles, organisations, cells, cells of the cycle before, aggregates of both."""
    principles = principles_in(framework, cycle=cycle, theme=theme)
    principle_ids = [p.pk for p in principles]
    visible = visible_records(user, cycle=cycle, principle_ids=principle_ids)
    memberships = access.memberships_of(user)
    own_ids = {m.organisation_id for m in memberships if m.organisation_kind != Organisation.Kind.SECRETARIAT}
    reporting = set(access.reporting_organisation_ids(user))
    organisations = Organisation.objects.filter(status=Organisation.Status.ACTIVE).filter(
        Q(pk__in=visible.order_by().values("organisation_id")) | Q(pk__in=sorted(own_ids))
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    start = (page - 1) * ORGANISATIONS_PER_PAGE
    shown = list(organisations.order_by("name", "pk")[start : start + ORGANISATIONS_PER_PAGE + 1])
    has_next = len(shown) > ORGANISATIONS_PER_PAGE
    shown = shown[:ORGANISATIONS_PER_PAGE]
    cells: dict[tuple[int, int], Cell] = {}
    strictest = TLP.CLEAR
    if shown and principle_ids:
        shown_ids = [o.pk for o in shown]
        before = {
            (organisation_id, principle_id): (result, maturity)
            for organisation_id, principle_id, result, maturity in visible_records(
                user, cycle=cycle - 1, principle_ids=principle_ids
            )
            .filter(organisation_id__in=shown_ids)
            .values_list("organisation_id", "principle_id", "result", "maturity")
        }
        for pk, organisation_id, principle_id, result, maturity, status, tlp in visible.filter(
            organisation_id__in=shown_ids
        ).values_list("pk", "organisation_id", "principle_id", "result", "maturity", "status", "tlp"):
            then_result, then_maturity = before.get((organisation_id, principle_id), ("", None))
            cells[(organisation_id, principle_id)] = Cell(
                pk, result, maturity, status, previous_result=then_result, previous_maturity=then_maturity
            )
            if TLP_RANK[tlp] > TLP_RANK[strictest]:
                strictest = TLP(tlp)
    rows = []
    for organisation in shown:
        own = organisation.pk in own_ids
        blank = Cell(None, own=own)
        rows.append(
            Row(
                organisation=organisation,
                cells=[(p, cells.get((organisation.pk, p.pk), blank)) for p in principles],
                own=own,
                editable=organisation.pk in reporting,
            )
        )
    sums = aggregates(user, cycle=cycle, principle_ids=principle_ids, kind=kind)
    earlier = aggregates(user, cycle=cycle - 1, principle_ids=principle_ids, kind=kind)
    return Matrix(
        framework=framework,
        cycle=cycle,
        principles=principles,
        rows=rows,
        aggregates=sums,
        page=page,
        has_next=has_next,
        kind=kind,
        theme=theme,
        strictest=strictest,
        aggregate_list=[(p, sums[p.pk]) for p in principles],
        by=by if by in HEAT_MAPS else "result",
        previous_cycle=cycle - 1,
        previous_list=[(p, sums[p.pk], earlier[p.pk]) for p in principles],
    )


def organisation_records(
    user: Any, *, organisation: Organisation, framework: Framework, cycle: int
) -> list[tuple[Principle, ImplementationRecord | None]]:
    """The organisation's records the viewer may read, one per principle (None where there is no
    readable record). 404 when the viewer is not a member and may read none of its records in any
    cycle: the page then would confirm nothing useful, and says nothing."""
    member = organisation.pk in access.organisation_ids_of(user)
    if organisation.status != Organisation.Status.ACTIVE and not member:
        raise Http404("No such page.")
    if not member:
        anything = access.visible(
            user,
            ImplementationRecord.objects.filter(organisation=organisation, principle__framework=framework),
            Action.VIEW_IMPLEMENTATION,
        )
        if not anything.exists():
            raise Http404("No such page.")
    principles = principles_in(framework, cycle=cycle)
    records = access.visible(
        user,
        ImplementationRecord.objects.filter(organisation=organisation, cycle=cycle, principle__framework=framework),
        Action.VIEW_IMPLEMENTATION,
    ).select_related("owner")
    by_principle = {r.principle_id: r for r in records}
    return [(p, by_principle.get(p.pk)) for p in principles]


def principle_records(user: Any, *, principle: Principle, cycle: int, kind: str = "") -> list[ImplementationRecord]:
    records = visible_records(user, cycle=cycle, principle_ids=[principle.pk]).filter(
        organisation__status=Organisation.Status.ACTIVE
    )
    if kind:
        records = records.filter(organisation__kind=kind)
    return list(records.select_related("organisation").order_by("organisation__name"))


def record_for(user: Any, pk: int, action: Action = Action.VIEW_IMPLEMENTATION) -> ImplementationRecord:
    return access.get_object_or_404(
        user,
        action,
        ImplementationRecord.objects.select_related("organisation", "principle__framework", "owner"),
        pk=pk,
    )


def previous_cells(user: Any, *, organisation: Organisation, framework: Framework, cycle: int) -> dict[int, Cell]:
    """Per principle, the organisation's record of `cycle` with the one of the cycle before, where
    the viewer may read both (one query): for the year-on-year column of its page."""
    rows = access.visible(
        user,
        ImplementationRecord.objects.filter(
            organisation=organisation, cycle__in=[cycle - 1, cycle], principle__framework=framework
        ),
        Action.VIEW_IMPLEMENTATION,
    ).values_list("pk", "principle_id", "cycle", "result", "maturity")
    now: dict[int, tuple[int, str, int | None]] = {}
    then: dict[int, tuple[str, int | None]] = {}
    for pk, principle_id, year, result, maturity in rows:
        if year == cycle:
            now[principle_id] = (pk, result, maturity)
        else:
            then[principle_id] = (result, maturity)
    return {
        principle_id: Cell(
            pk,
            result,
            maturity,
            previous_result=then.get(principle_id, ("", None))[0],
            previous_maturity=then.get(principle_id, ("", None))[1],
        )
        for principle_id, (pk, result, maturity) in now.items()
    }
