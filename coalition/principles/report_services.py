"""The public transparency report of a cycle: what goes in it (read as a visitor reads, so only
public TLP:CLEAR records and mileposts, and adopted principles with their endorsers), its charts
as server-rendered SVG, and publishing it as a fixed, versioned artefact (HTML and PDF with their
SHA-256, audited). Published versions are never rewritten; publishing again adds a version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Max, Prefetch
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied
from coalition.drafting.models import Endorsement, Ratification
from coalition.exports import pdf
from coalition.library import selectors as library_selectors
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation
from coalition.principles.models import (
    Framework,
    ImplementationRecord,
    Milepost,
    MilepostCategory,
    Principle,
    Result,
    TransparencyReport,
)

MAX_MILEPOSTS = 300  # per report: the newest, if more were published
MAX_ADOPTED = 20
# Colours of the results in the charts (the page's heat map colours); text always says it too.
RESULT_COLOURS = {
    Result.IMPLEMENTED: "#1b7f3b",
    Result.PARTIALLY: "#f2c14e",
    Result.NOT_IMPLEMENTED: "#b3261e",
    Result.NOT_APPLICABLE: "#aab4be",
}
CHART_RESULTS = [Result.IMPLEMENTED, Result.PARTIALLY, Result.NOT_IMPLEMENTED, Result.NOT_APPLICABLE]


@dataclass
class Progress:
    principle: Principle
    counts: dict[str, int]  # result -> organisations (zeros when suppressed)
    contributing: int
    suppressed: bool


@dataclass
class FrameworkSection:
    framework: Framework
    progress: list[Progress]
    # organisation -> "P1: Implemented; P6: Partially implemented" (one text per organisation: the
    # PDF lays out thousands of cells in a large coalition, and each element costs)
    published: list[tuple[str, str]]
    chart: SafeString = field(default_factory=lambda: mark_safe(""))


@dataclass
class ReportData:
    cycle: int
    participants: list[str]
    members: int
    sections: list[FrameworkSection]
    mileposts: list[tuple[str, list[Milepost]]]
    milepost_chart: SafeString
    adopted: list[tuple[Ratification, list[str]]]
    min_aggregate: int
    mileposts_left_out: int = 0
    generated_at: Any = field(default_factory=timezone.now)


def _public_records(cycle: int) -> Any:
    # As a visitor reads them (the access module's rule), and public TLP:CLEAR besides: the report
    # must never depend on one rule alone.
    return access.visible(
        AnonymousUser(), ImplementationRecord.objects.filter(cycle=cycle), Action.VIEW_IMPLEMENTATION
    ).filter(audience=Audience.PUBLIC, tlp=TLP.CLEAR, organisation__status=Organisation.Status.ACTIVE)


def _public_mileposts(cycle: int) -> Any:
    return access.visible(AnonymousUser(), Milepost.objects.filter(date__year=cycle), Action.VIEW_MILEPOST).filter(
        audience=Audience.PUBLIC, tlp=TLP.CLEAR, organisation__status=Organisation.Status.ACTIVE
    )


def _bar_chart(title: str, summary: str, rows: list[tuple[str, dict[str, int], int, bool]]) -> SafeString:
    """A horizontal stacked bar per row (label, counts by result, total, suppressed), as SVG with
    a title and description for screen readers; the table beside it carries the same figures."""
    width, label_w, bar_w, row_h = 640, 70, 440, 24
    height = row_h * len(rows) + 46
    ident = f"chart-{abs(hash(title)) % 10**8}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(summary)}</desc>',
    ]
    for index, (label, counts, total, suppressed) in enumerate(rows):
        y = index * row_h + 4
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12" font-family="DejaVu Sans, sans-serif">{escape(label)}</text>'
        )
        if suppressed or not total:
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h - 6}" fill="#f0f0f0" stroke="#bbb"/>'
                f'<text x="{label_w + 6}" y="{y + 14}" font-size="11" font-style="italic" '
                f'font-family="DejaVu Sans, sans-serif" fill="#444">{escape(_("too few organisations to show"))}</text>'
            )
            continue
        x = float(label_w)
        for result in CHART_RESULTS:
            share = counts.get(result, 0) / total
            if share:
                w = share * bar_w
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{RESULT_COLOURS[result]}"/>'
                )
                x += w
        done = counts.get(Result.IMPLEMENTED, 0)
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 14}" font-size="11" font-family="DejaVu Sans, sans-serif">'
            f"{escape(_('%(n)s of %(total)s') % {'n': done, 'total': total})}</text>"
        )
    legend_y = row_h * len(rows) + 16
    x = 0
    for result in CHART_RESULTS:
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{RESULT_COLOURS[result]}"/>'
            f'<text x="{x + 16}" y="{legend_y + 11}" font-size="11" font-family="DejaVu Sans, sans-serif">'
            f"{escape(str(Result(result).label))}</text>"
        )
        x += 160
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def _milepost_chart(groups: list[tuple[str, list[Milepost]]]) -> SafeString:
    width, label_w, bar_w, row_h = 640, 260, 300, 22
    rows = [(label, len(items)) for label, items in groups]
    if not rows:
        return mark_safe("")
    most = max(n for _, n in rows) or 1
    height = row_h * len(rows) + 6
    summary = "; ".join(f"{label}: {n}" for label, n in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="mileposts-chart-t mileposts-chart-d">',
        f'<title id="mileposts-chart-t">{escape(_("Mileposts by category"))}</title>'
        f'<desc id="mileposts-chart-d">{escape(summary)}</desc>',
    ]
    for index, (label, n) in enumerate(rows):
        y = index * row_h + 3
        w = bar_w * n / most
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12" font-family="DejaVu Sans, sans-serif">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="#3b5998"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="11" '
            f'font-family="DejaVu Sans, sans-serif">{n}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def _adopted() -> list[tuple[Ratification, list[str]]]:
    public = library_selectors.readable_documents(AnonymousUser())
    endorsed = (
        Endorsement.objects.filter(decision=Endorsement.Decision.ENDORSE, withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    ratifications = (
        Ratification.objects.filter(
            state=Ratification.State.ADOPTED, document__kind=Document.Kind.PRINCIPLES, document__in=public.values("pk")
        )
        .select_related("document", "revision")
        .defer("revision__body", "revision__html")
        .prefetch_related(Prefetch("endorsements", queryset=endorsed, to_attr="endorsed"))
        .order_by("-adopted_at", "-pk")[:MAX_ADOPTED]
    )
    return [(r, [e.organisation.name for e in r.endorsed]) for r in ratifications]  # type: ignore[attr-defined]


def build(cycle: int) -> ReportData:
    """Everything the report says, from public TLP:CLEAR material only (a fixed number of queries)."""
    minimum = settings.PRINCIPLES_MIN_AGGREGATE
    records = list(
        _public_records(cycle)
        .select_related("organisation", "principle__framework")
        .only(
            "result",
            "organisation__name",
            "principle__code",
            "principle__order",
            "principle__framework_id",
        )
        .order_by("organisation__name", "principle__order")
    )
    frameworks = list(Framework.objects.all())
    principles = list(Principle.objects.filter(framework__in=frameworks).select_related("framework"))
    sections = []
    # One pass over the records: counts per principle and result, records per framework.
    tallies: dict[int, dict[str, int]] = {}
    by_framework: dict[int, list[ImplementationRecord]] = {}
    for r in records:
        by_framework.setdefault(r.principle.framework_id, []).append(r)
        if r.result != Result.NOT_ASSESSED:
            counts = tallies.setdefault(r.principle_id, {})
            counts[r.result] = counts.get(r.result, 0) + 1
    for framework in frameworks:
        its_records = by_framework.get(framework.pk, [])
        if not its_records:
            continue
        progress = []
        for principle in principles:
            if principle.framework_id != framework.pk or (
                principle.retired_on is not None and principle.retired_on.year < cycle
            ):
                continue
            counts = tallies.get(principle.pk, {})
            contributing = sum(counts.values())
            suppressed = contributing < minimum
            progress.append(
                Progress(principle, {} if suppressed else counts, 0 if suppressed else contributing, suppressed)
            )
        published: dict[str, list[str]] = {}
        labels = {value: str(label) for value, label in Result.choices}
        for r in its_records:
            published.setdefault(r.organisation.name, []).append(f"{r.principle.code}: {labels[r.result]}")
        section = FrameworkSection(
            framework, progress, [(name, "; ".join(cells)) for name, cells in sorted(published.items())]
        )
        shown = sum(1 for p in progress if not p.suppressed)
        section.chart = _bar_chart(
            _("%(framework)s: published results per principle, %(cycle)s")
            % {"framework": framework.name, "cycle": cycle},
            _(
                "Share of organisations that published a result for each principle, by result. %(shown)s of "
                "%(total)s principles have enough organisations to show; the table below gives the figures."
            )
            % {"shown": shown, "total": len(progress)},
            [(p.principle.code, p.counts, p.contributing, p.suppressed) for p in progress],
        )
        sections.append(section)
    mileposts_qs = _public_mileposts(cycle).select_related("organisation").order_by("category", "-date", "-pk")
    mileposts = list(mileposts_qs[: MAX_MILEPOSTS + 1])
    left_out = 0
    if len(mileposts) > MAX_MILEPOSTS:
        left_out = _public_mileposts(cycle).count() - MAX_MILEPOSTS
        mileposts = mileposts[:MAX_MILEPOSTS]
    groups = [
        (str(label), [m for m in mileposts if m.category == value])
        for value, label in MilepostCategory.choices
        if any(m.category == value for m in mileposts)
    ]
    participants = sorted({r.organisation.name for r in records} | {m.organisation.name for m in mileposts})
    members = (
        Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .exclude(kind=Organisation.Kind.SECRETARIAT)
        .count()
    )
    return ReportData(
        cycle=cycle,
        participants=participants,
        members=members,
        sections=sections,
        mileposts=groups,
        milepost_chart=_milepost_chart(groups),
        adopted=_adopted(),
        min_aggregate=minimum,
        mileposts_left_out=left_out,
    )


def render_body(data: ReportData) -> str:
    return render_to_string("principles/report/body.html", {"data": data})


def render_pdf(*, html: str, cycle: int, version: int | None, sha256: str) -> bytes:
    page = render_to_string(
        "principles/report/pdf.html",
        {"body": mark_safe(html), "cycle": cycle, "version": version, "sha256": sha256},  # noqa: S308 - our own rendering, stored
    )
    return pdf.render(page)


def latest_version(cycle: int) -> int:
    return TransparencyReport.objects.filter(cycle=cycle).aggregate(v=Max("version"))["v"] or 0


def publish(*, acting_user: Any, cycle: int) -> TransparencyReport:
    """Render the cycle's report now and keep it: HTML and PDF with their SHA-256, as a new
    version (1 the first time). The rendering happens before the transaction; the version number
    is taken under a lock on the cycle's earlier versions."""
    if not access.can(acting_user, Action.PUBLISH_REPORT):
        raise AccessDenied(Action.PUBLISH_REPORT)
    html = render_body(build(cycle))
    digest = hashlib.sha256(html.encode()).hexdigest()
    with transaction.atomic():
        list(TransparencyReport.objects.select_for_update().filter(cycle=cycle).values_list("pk", flat=True))
        version = latest_version(cycle) + 1
        document = render_pdf(html=html, cycle=cycle, version=version, sha256=digest)
        report = TransparencyReport.objects.create(
            cycle=cycle,
            version=version,
            html=html,
            sha256=digest,
            pdf=document,
            pdf_sha256=hashlib.sha256(document).hexdigest(),
            published_at=timezone.now(),
            published_by=acting_user,
        )
        audit(
            action="report.published",
            actor=acting_user,
            target=report,
            data={"cycle": cycle, "version": version, "sha256": digest, "pdf_sha256": report.pdf_sha256},
        )
    return report


def request_publication(*, acting_user: Any, cycle: int) -> None:
    """Publish in the task worker once the request's transaction commits: the PDF of a large
    coalition's report takes seconds (docs/performance.md), more than a request should."""
    if not access.can(acting_user, Action.PUBLISH_REPORT):
        raise AccessDenied(Action.PUBLISH_REPORT)
    user_id = acting_user.pk
    transaction.on_commit(lambda: publish_in_background.enqueue(cycle, user_id), robust=True)


@task()
def publish_in_background(cycle: int, user_id: int) -> int | None:
    """The version published, or None if the person may no longer publish."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not access.can(user, Action.PUBLISH_REPORT):
        return None
    return publish(acting_user=user, cycle=cycle).version
