"""The matrix's visible cells as a CSV or XLSX file: every cell the person may read for a framework
and cycle (with the matrix's filters), within their export cap (coalition/access/exports.py),
carrying the most restrictive label among the exported cells and the recipient watermark first
and last (coalition/exports/labels.py), and one audit event naming the export id."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied, ServiceError
from coalition.exports import labels
from coalition.exports.labels import Stamp
from coalition.library.models import TLP, TLP_RANK
from coalition.organisations.models import Organisation
from coalition.principles import selectors
from coalition.principles.models import Framework, Maturity, Result, Status, Theme

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# 500 organisations x 50 principles: the largest matrix we plan for, in one file.
MAX_EXPORT_CELLS = 25_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class MatrixExport:
    content: bytes
    content_type: str
    filename: str
    stamp: Stamp
    cells: int
    left_out: int


def _cell(value: Any) -> str:
    """Member-controlled text as inert text: a leading = + - @ (or tab, carriage return) would
    make a spreadsheet read it as a formula, so such a cell starts with a quote."""
    text = "" if value is None else labels._plain(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _header() -> list[str]:
    return [
        _("Organisation"),
        _("Organisation kind"),
        _("Principle"),
        _("Title"),
        _("Cycle"),
        _("Result"),
        _("Maturity"),
        _("Workflow status"),
        _("Cell label"),
    ]


def _rows(
    user: Any, *, framework: Framework, cycle: int, theme: Theme | None, kind: str
) -> tuple[list[list[str]], str, int]:
    """The readable cells within the person's export cap (one query), the strictest label among
    them, and how many readable cells the cap left out."""
    principles = selectors.principles_in(framework, cycle=cycle, theme=theme)
    records = selectors.visible_records(user, cycle=cycle, principle_ids=[p.pk for p in principles]).filter(
        organisation__status=Organisation.Status.ACTIVE
    )
    if kind:
        records = records.filter(organisation__kind=kind)
    ceiling, _membership = access.export_ceiling(user)
    values = list(
        records.order_by("organisation__name", "organisation_id", "principle__order", "principle__code").values_list(
            "organisation__name",
            "organisation__kind",
            "principle__code",
            "principle__title",
            "result",
            "maturity",
            "status",
            "tlp",
        )[: MAX_EXPORT_CELLS + 1]
    )
    if len(values) > MAX_EXPORT_CELLS:
        raise ServiceError(
            _("More than %(n)s cells: choose a theme or an organisation kind to export less at a time.")
            % {"n": MAX_EXPORT_CELLS},
            code=None,
        )
    kinds = dict(Organisation.Kind.choices)
    strictest = TLP.CLEAR
    rows, left_out = [], 0
    for name, org_kind, code, title, result, maturity, status, tlp in values:
        if TLP_RANK[tlp] > TLP_RANK[ceiling]:
            left_out += 1
            continue
        if TLP_RANK[tlp] > TLP_RANK[strictest]:
            strictest = TLP(tlp)
        rows.append(
            [
                _cell(name),
                str(kinds.get(org_kind, org_kind)),
                _cell(code),
                _cell(title),
                str(cycle),
                str(Result(result).label),
                str(Maturity(maturity).label) if maturity is not None else "",
                str(Status(status).label),
                str(TLP(tlp).label).upper(),
            ]
        )
    return rows, strictest, left_out


def _closing(*, framework: Framework, cycle: int, cells: int, left_out: int, ceiling: str) -> list[str]:
    lines = [
        _cell(
            _("%(framework)s, %(cycle)s: %(n)s cells you may read.")
            % {"framework": framework.name, "cycle": cycle, "n": cells}
        )
    ]
    if left_out:
        lines.append(
            _("%(n)s more cells are above your export cap (%(cap)s) and were left out.")
            % {"n": left_out, "cap": str(TLP(ceiling).label)}
        )
    return lines


def _csv(rows: list[list[str]], stamp: Stamp, closing: list[str]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte-order mark, so spreadsheets read UTF-8 as UTF-8
    writer = csv.writer(buffer)
    writer.writerows([line] for line in stamp.lines())
    writer.writerow(_header())
    writer.writerows(rows)
    writer.writerows([line] for line in closing)
    writer.writerows([line] for line in reversed(stamp.lines()))
    return buffer.getvalue().encode()


def _xlsx(rows: list[list[str]], stamp: Stamp, closing: list[str], title: str) -> bytes:
    """Every value is written as a string (never a formula, a URL or a number guessed from text);
    the label and watermark are in the first and last rows, in every printed page's header and
    footer, and in the file's properties."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    book.set_properties({"title": title, "subject": stamp.label, "keywords": stamp.label, "comments": stamp.watermark})
    sheet = book.add_worksheet(_("Matrix")[:31])
    bold = book.add_format({"bold": True})
    label = book.add_format({"bold": True, "font_color": stamp.colour, "bg_color": "#000000"})
    escaped_label = stamp.label.replace("&", "&&")
    sheet.set_header(f"&C{escaped_label}")
    sheet.set_footer(f"&L{escaped_label}&R{stamp.watermark.replace('&', '&&')[:200]}")
    row = 0
    for line, fmt in zip(stamp.lines(), (label, None), strict=True):
        sheet.write_string(row, 0, line, fmt)
        row += 1
    sheet.write_row(row, 0, _header(), bold)
    row += 1
    for values in rows:
        for column, value in enumerate(values):
            sheet.write_string(row, column, value)
        row += 1
    for line in closing:
        sheet.write_string(row, 0, line)
        row += 1
    for line, fmt in zip(reversed(stamp.lines()), (None, label), strict=True):
        sheet.write_string(row, 0, line, fmt)
        row += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(3, 3, 40)
    sheet.set_column(5, 8, 18)
    book.close()
    return buffer.getvalue()


def export_matrix(
    *, acting_user: Any, framework: Framework, cycle: int, fmt: str, theme: Theme | None = None, kind: str = ""
) -> MatrixExport:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if not access.can(acting_user, Action.EXPORT_MATRIX):
        raise AccessDenied(Action.EXPORT_MATRIX)
    rows, strictest, left_out = _rows(acting_user, framework=framework, cycle=cycle, theme=theme, kind=kind)
    stamp = labels.stamp_for(acting_user, strictest)
    ceiling, _membership = access.export_ceiling(acting_user)
    closing = _closing(framework=framework, cycle=cycle, cells=len(rows), left_out=left_out, ceiling=ceiling)
    title = f"{framework.name} · {cycle}"
    content = _xlsx(rows, stamp, closing, title) if fmt == "xlsx" else _csv(rows, stamp, closing)
    with transaction.atomic():
        audit(
            action="implementation.exported",
            actor=acting_user,
            target=framework,
            data={
                "format": fmt,
                "export": stamp.export_id,
                "framework": framework.slug,
                "cycle": cycle,
                "theme": theme.code if theme else "",
                "kind": kind,
                "cells": len(rows),
                "left_out": left_out,
                "label": stamp.label,
            },
        )
    filename = f"matrix-{framework.slug}-{cycle}-{stamp.export_id}.{fmt}"
    return MatrixExport(content, FORMATS[fmt], filename, stamp, len(rows), left_out)
