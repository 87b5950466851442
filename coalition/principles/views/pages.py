"""The principles pages anyone may open: frameworks, the matrix, a principle, an organisation.
What each person sees follows coalition/access: a visitor sees public (TLP:CLEAR) records only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from coalition import access
from coalition.access import Action
from coalition.core.http import query_int
from coalition.library.models import TLP, TLP_RANK
from coalition.organisations.models import Organisation
from coalition.principles import selectors
from coalition.principles.models import MATURITY_MEANINGS, Maturity, Principle, Result
from coalition.principles.services import cycles


def _cycle(request: HttpRequest) -> int:
    years = cycles()
    default = timezone.localdate().year
    cycle = query_int(request.GET.get("cycle"), default=default, minimum=years[-1], maximum=years[0])
    return cycle


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in dict(selectors.REPORTING_KINDS) else ""


def _legend() -> dict[str, object]:
    return {
        "results": Result.choices,
        "maturities": [(value, label, MATURITY_MEANINGS[Maturity(value)]) for value, label in Maturity.choices],
        "min_aggregate": selectors.settings.PRINCIPLES_MIN_AGGREGATE,
    }


@login_not_required  # visitors see public records; the MFA hold still applies to the signed in
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "principles/index.html",
        {"frameworks": selectors.frameworks(), "can_manage": access.can(request.user, Action.MANAGE_PRINCIPLES)},
    )


@login_not_required  # visitors see public records; the MFA hold still applies to the signed in
def matrix(request: HttpRequest, slug: str) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    cycle = _cycle(request)
    kind = _kind(request)
    themes = list(framework.themes.all())
    theme_code = request.GET.get("theme", "")
    theme = next((t for t in themes if t.code == theme_code), None)
    page = query_int(request.GET.get("page"), default=1, maximum=1000)
    by = request.GET.get("by", "result")
    by = by if by in selectors.HEAT_MAPS else "result"
    result = selectors.matrix(request.user, framework=framework, cycle=cycle, theme=theme, kind=kind, page=page, by=by)
    return render(
        request,
        "principles/matrix.html",
        {
            "framework": framework,
            "frameworks": selectors.frameworks(),
            "matrix": result,
            "themes": themes,
            "theme": theme,
            "cycle": cycle,
            "cycles": cycles(),
            "kind": kind,
            "kinds": selectors.REPORTING_KINDS,
            "filtered": bool(theme or kind),
            "by": by,
            **_legend(),
        },
    )


@login_not_required  # visitors see public records; the MFA hold still applies to the signed in
def principle(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    item = Principle.objects.filter(framework=framework, code=code).select_related("theme").first()
    if item is None:
        raise Http404("No such page.")
    cycle = _cycle(request)
    kind = _kind(request)
    records = selectors.principle_records(request.user, principle=item, cycle=cycle, kind=kind)
    aggregate = selectors.aggregates(request.user, cycle=cycle, principle_ids=[item.pk], kind=kind)[item.pk]
    strictest = max((r.tlp for r in records), key=TLP_RANK.__getitem__, default=TLP.CLEAR)
    return render(
        request,
        "principles/principle.html",
        {
            "framework": framework,
            "principle": item,
            "records": records,
            "aggregate": aggregate,
            "strictest": TLP(strictest),
            "cycle": cycle,
            "cycles": cycles(),
            "kind": kind,
            "kinds": selectors.REPORTING_KINDS,
            **_legend(),
        },
    )


@login_not_required  # visitors see public records; the MFA hold still applies to the signed in
def organisation(request: HttpRequest, slug: str, org: str) -> HttpResponse:
    framework = selectors.framework_or_404(slug)
    item = Organisation.objects.filter(slug=org).first()
    if item is None:
        raise Http404("No such page.")
    cycle = _cycle(request)
    rows = selectors.organisation_records(request.user, organisation=item, framework=framework, cycle=cycle)
    cells = selectors.previous_cells(request.user, organisation=item, framework=framework, cycle=cycle)
    changes = {pk: cell.change("result") for pk, cell in cells.items()}
    strictest = max((r.tlp for _, r in rows if r is not None), key=TLP_RANK.__getitem__, default=TLP.CLEAR)
    return render(
        request,
        "principles/organisation.html",
        {
            "framework": framework,
            "organisation": item,
            "rows": [(p, r, changes.get(p.pk)) for p, r in rows],
            "previous_cycle": cycle - 1,
            "strictest": TLP(strictest),
            "cycle": cycle,
            "cycles": cycles(),
            "can_report": access.can(request.user, Action.REPORT_IMPLEMENTATION, item),
            **_legend(),
        },
    )
