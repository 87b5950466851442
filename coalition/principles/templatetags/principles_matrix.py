"""The matrix's cells as HTML, built in one Python loop per row: a page holds up to 2,500 cells,
and a template loop with its tags per cell was most of the page's time (docs/performance.md).
Every value is escaped here; the URLs come from reverse()."""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coalition.principles.models import Result
from coalition.principles.selectors import SHORT_RESULT, Aggregate, Matrix, Row

register = template.Library()
_PLACEHOLDER = 2147483647


@register.simple_tag
def matrix_cells(matrix: Matrix, row: Row) -> SafeString:
    record_url = reverse("principles:record", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
    organisation = escape(row.organisation.name)
    not_shared = escape(_("Not shared"))
    no_record = escape(_("No record"))
    maturity_word = escape(_("maturity"))
    by_maturity = matrix.by == "maturity"
    changes = {
        1: ("up", "▲", escape(_("better than in %(cycle)s") % {"cycle": matrix.previous_cycle})),
        -1: ("down", "▼", escape(_("worse than in %(cycle)s") % {"cycle": matrix.previous_cycle})),
        0: ("same", "=", escape(_("the same as in %(cycle)s") % {"cycle": matrix.previous_cycle})),
    }
    # Each result's words once per row, not once per cell (a translation lookup each time).
    labels = {value: (escape(str(label)), escape(str(SHORT_RESULT[Result(value)]))) for value, label in Result.choices}
    not_rated = escape(_("Not rated"))
    parts = []
    for principle, cell in row.cells:
        code = escape(principle.code)
        if cell.record_id is not None:
            maturity = ""
            spoken = ""
            if cell.maturity is not None:
                maturity = f' <span class="maturity">M{cell.maturity}</span>'
                spoken = f", {maturity_word} {cell.maturity}"
            label, short = labels.get(cell.result, ("", ""))
            change = cell.change(matrix.by)
            trend = ""
            if change is not None:
                name, arrow, words = changes[change]
                trend = f' <span class="trend trend-{name}" title="{words}" aria-hidden="true">{arrow}</span>'
                spoken += f"; {words}"
            if by_maturity:
                css = f"m-{cell.maturity}" if cell.maturity is not None else "m-none"
                text = f"M{cell.maturity}" if cell.maturity is not None else not_rated
                content = f'{text} <span class="maturity">{short}</span>'
            else:
                css = f"r-{escape(cell.result)}"
                content = f"{short}{maturity}"
            parts.append(
                f'<td class="{css}" data-label="{code}">'
                # The words around the visible text are for screen readers; the visible text stays
                # part of the link's name (WCAG 2.5.3, "label in name").
                f'<a href="{record_url.format(cell.record_id)}">'
                f'<span class="visually-hidden">{organisation}, {code}: </span>'
                f'{content}{trend}<span class="visually-hidden"> ({label}{spoken})</span></a></td>'
            )
        elif cell.own and row.editable and not principle.retired:
            url = reverse(
                "principles:edit", args=[matrix.framework.slug, row.organisation.slug, principle.code, matrix.cycle]
            )
            report = escape(_("Report on %(code)s") % {"code": principle.code})
            link = f'<a href="{escape(url)}">{no_record}<span class="visually-hidden">: {report}</span></a>'
            parts.append(f'<td class="no-record" data-label="{code}">{link}</td>')
        elif cell.own:
            parts.append(f'<td class="no-record" data-label="{code}">{no_record}</td>')
        else:
            parts.append(f'<td class="not-shared" data-label="{code}">{not_shared}</td>')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


@register.simple_tag
def aggregate_words(aggregate: Aggregate, code: str, minimum: int) -> SafeString:
    """An aggregate in words ("12 of 30 organisations implement P1; 4 partially"), or that it is
    suppressed below `minimum` organisations; escaped here."""
    if aggregate.suppressed:
        words = _("Too few organisations to show (fewer than %(min_aggregate)s)") % {"min_aggregate": minimum}
        return mark_safe(f'<span class="suppressed">{escape(words)}</span>')  # noqa: S308 - escaped
    words = _("%(n)s of %(total)s organisations implement %(code)s") % {
        "n": aggregate.implemented,
        "total": aggregate.contributing,
        "code": code,
    }
    if aggregate.partially:
        words += _("; %(n)s partially") % {"n": aggregate.partially}
    return mark_safe(escape(words))  # noqa: S308 - escaped


@register.simple_tag
def totals_rows(matrix: Matrix, cycle: int, minimum: int) -> SafeString:
    """The rows of the matrix's "Across organisations" table (one per principle, with the cycle
    before's figures), built in one loop as the cells are; every value escaped here."""
    principle_url = reverse("principles:principle", args=[matrix.framework.slug, "CODE"]).replace("CODE", "{}")
    principle_label = escape(_("Principle"))
    readable_label = escape(_("Records you may read"))
    before_label = escape(_("In %(before)s") % {"before": matrix.previous_cycle})
    parts = []
    for principle, aggregate, earlier in matrix.previous_list:
        code = escape(principle.code)
        theme = f" <small>· {escape(principle.theme.title)}</small>" if principle.theme else ""
        trend = ""
        if not aggregate.suppressed and not earlier.suppressed:
            words = _("%(then)s%% then, %(now)s%% now") % {"then": earlier.percent, "now": aggregate.percent}
            trend = f' <small class="trend-words">({escape(words)})</small>'
        link = escape(principle_url.format(principle.code))
        parts.append(
            "<tr>"
            f'<td data-label="{principle_label}"><a href="{link}?cycle={cycle}">'
            f"{code}</a> {escape(principle.title)}{theme}</td>"
            f'<td data-label="{readable_label}">{aggregate_words(aggregate, principle.code, minimum)}</td>'
            f'<td data-label="{before_label}">{aggregate_words(earlier, principle.code, minimum)}{trend}</td>'
            "</tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above
