"""Writes to frameworks, principles and implementation records. Each runs in a transaction, checks
the acting user through coalition.access, validates before saving (nothing is half-saved), keeps
the record's history and records its audit event (field names and labels, never content)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core import markdown
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import AUDIENCE_RANK, TLP, TLP_RANK, Audience, Document
from coalition.library.services import check_tlp_rules
from coalition.organisations.models import Community, Membership, Organisation
from coalition.principles.evidence_services import check_record_label
from coalition.principles.models import (
    Framework,
    ImplementationRecord,
    Maturity,
    Principle,
    RecordChange,
    Result,
    Status,
    Theme,
)
from coalition.search import reporting_index

MAX_EVIDENCE_CHARS = 50_000
# The fields a person sets on a record, in the order the history lists them.
RECORD_FIELDS = ("status", "result", "maturity", "evidence", "owner", "next_review")


def _require(user: Any, action: Action, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def cycles() -> list[int]:
    """The reporting cycles people may write to, newest first."""
    return list(range(timezone.localdate().year + 1, settings.PRINCIPLES_FIRST_CYCLE - 1, -1))


# --- Implementation records --------------------------------------------------------------------


def _check_record_values(
    *, organisation: Organisation, principle: Principle, cycle: int, status: str, result: str, maturity: int | None
) -> None:
    if principle.retired:
        raise ServiceError(
            _("%(code)s was retired on %(date)s: it takes no new records.")
            % {"code": principle.code, "date": principle.retired_on},
            code="principle",
        )
    if cycle not in cycles():
        raise ServiceError(_("%(cycle)s is not a reporting cycle.") % {"cycle": cycle}, code="cycle")
    if status not in Status.values:
        raise ServiceError(_("Choose a workflow status from the list."), code="status")
    if result not in Result.values:
        raise ServiceError(_("Choose a result from the list."), code="result")
    if maturity is not None and maturity not in Maturity.values:
        raise ServiceError(_("Maturity is a level from 0 to 4."), code="maturity")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def save_record(
    *,
    acting_user: Any,
    organisation: Organisation,
    principle: Principle,
    cycle: int,
    status: str = Status.TO_DO,
    result: str = Result.NOT_ASSESSED,
    maturity: int | None = None,
    evidence: str = "",
    owner: Any = None,
    next_review: datetime.date | None = None,
) -> ImplementationRecord:
    """Create or update the organisation's record for a principle and cycle."""
    _require(acting_user, Action.REPORT_IMPLEMENTATION, organisation)
    _check_record_values(
        organisation=organisation, principle=principle, cycle=cycle, status=status, result=result, maturity=maturity
    )
    if len(evidence) > MAX_EVIDENCE_CHARS:
        raise ServiceError(_("Evidence is limited to %(n)s characters.") % {"n": MAX_EVIDENCE_CHARS}, code="evidence")
    if owner is not None and not Membership.objects.filter(user=owner, organisation=organisation).exists():
        raise ServiceError(_("The owner must be a member of %(name)s.") % {"name": organisation.name}, code="owner")
    record = (
        ImplementationRecord.objects.select_for_update()
        .filter(organisation=organisation, principle=principle, cycle=cycle)
        .first()
    )
    created = record is None
    if record is None:
        record = ImplementationRecord(organisation=organisation, principle=principle, cycle=cycle)
    before = {name: _plain(getattr(record, name)) for name in RECORD_FIELDS}
    record.status, record.result, record.maturity = status, result, maturity
    record.evidence, record.owner, record.next_review = evidence, owner, next_review
    after = {name: _plain(getattr(record, name)) for name in RECORD_FIELDS}
    changes = {name: [before[name], after[name]] for name in RECORD_FIELDS if created or before[name] != after[name]}
    if not changes:
        return record
    record.evidence_html = markdown.render(evidence)
    record.full_clean()
    record.save()
    RecordChange.objects.create(record=record, changed_by=acting_user, changes=changes)
    reporting_index.index_records([record.pk])
    audit(
        action="implementation.created" if created else "implementation.updated",
        actor=acting_user,
        target=record,
        target_org_id=organisation.pk,
        data={
            "principle": principle.code,
            "framework": principle.framework_id,
            "cycle": cycle,
            "fields": sorted(changes),
        },
    )
    return record


def _apply_share(
    *,
    acting_user: Any,
    record: ImplementationRecord,
    audience: str,
    tlp: str,
    organisation_ids: list[int],
    community_ids: list[int],
) -> bool:
    before: dict[str, Any] = {
        "audience": record.audience,
        "tlp": record.tlp,
        "organisations": sorted(record.audience_organisations.values_list("pk", flat=True)),
        "communities": sorted(record.audience_communities.values_list("pk", flat=True)),
    }
    after: dict[str, Any] = {
        "audience": audience,
        "tlp": tlp,
        "organisations": organisation_ids,
        "communities": community_ids,
    }
    if before == after:
        return False
    check_record_label(record, tlp)  # never below the label of its evidence
    record.audience, record.tlp = audience, tlp
    record.save(update_fields=["audience", "tlp", "updated_at"])
    record.audience_organisations.set(organisation_ids)
    record.audience_communities.set(community_ids)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    RecordChange.objects.create(record=record, changed_by=acting_user, changes=changes)
    widened = (
        AUDIENCE_RANK[audience] > AUDIENCE_RANK[before["audience"]]
        or TLP_RANK[tlp] < TLP_RANK[before["tlp"]]
        or bool(set(organisation_ids) - set(before["organisations"]) or set(community_ids) - set(before["communities"]))
    )
    audit(
        action="implementation.shared",
        actor=acting_user,
        target=record,
        target_org_id=record.organisation_id,
        data={"before": before, "after": after, "widened": widened, "cycle": record.cycle},
    )
    return True


def _sharing_values(
    *,
    audience: str,
    tlp: str,
    audience_organisations: list[Organisation] | None,
    audience_communities: list[Community] | None,
) -> tuple[list[int], list[int]]:
    if audience not in Audience.values:
        raise ServiceError(_("Choose an audience from the list."), code="audience")
    if tlp not in TLP.values:
        raise ServiceError(_("“%(tlp)s” is not a TLP label.") % {"tlp": tlp}, code="tlp")
    if tlp == TLP.RED:
        raise ServiceError(
            _("Implementation records cannot be TLP:RED: keep them TLP:AMBER+STRICT within your organisation."),
            code="tlp",
        )
    check_tlp_rules(audience=audience, tlp=tlp)
    named = audience == Audience.NAMED
    orgs = sorted({o.pk for o in audience_organisations or []}) if named else []
    communities = sorted({c.pk for c in audience_communities or []}) if named else []
    if named and not orgs and not communities:
        raise ServiceError(_("Name at least one organisation or community to share with."), code="audience")
    return orgs, communities


@transaction.atomic
def share_record(
    *,
    acting_user: Any,
    record: ImplementationRecord,
    audience: str,
    tlp: str,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
) -> ImplementationRecord:
    record = ImplementationRecord.objects.select_for_update().get(pk=record.pk)
    _require(acting_user, Action.SHARE_IMPLEMENTATION, record)
    orgs, communities = _sharing_values(
        audience=audience,
        tlp=tlp,
        audience_organisations=audience_organisations,
        audience_communities=audience_communities,
    )
    _apply_share(
        acting_user=acting_user,
        record=record,
        audience=audience,
        tlp=tlp,
        organisation_ids=orgs,
        community_ids=communities,
    )
    return record


@transaction.atomic
def share_cycle(
    *,
    acting_user: Any,
    organisation: Organisation,
    framework: Framework,
    cycle: int,
    audience: str,
    tlp: str,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
) -> int:
    """Give every record of the organisation for this framework and cycle the same audience and
    label; each changed record gets its history row and audit event. Returns how many changed."""
    _require(acting_user, Action.REPORT_IMPLEMENTATION, organisation)
    orgs, communities = _sharing_values(
        audience=audience,
        tlp=tlp,
        audience_organisations=audience_organisations,
        audience_communities=audience_communities,
    )
    records = ImplementationRecord.objects.select_for_update().filter(
        organisation=organisation, principle__framework=framework, cycle=cycle
    )
    changed = 0
    for record in records.order_by("pk"):  # writes, one per record: its own history and audit event
        changed += _apply_share(
            acting_user=acting_user,
            record=record,
            audience=audience,
            tlp=tlp,
            organisation_ids=orgs,
            community_ids=communities,
        )
    return changed


# --- Frameworks, themes and principles (the secretariat) ----------------------------------------


def _audit_catalogue(action: str, *, acting_user: Any, target: Any, fields: list[str]) -> None:
    audit(action=action, actor=acting_user, target=target, data={"fields": sorted(fields)})


def _save_model(acting_user: Any, obj: Any, values: dict[str, Any], what: str) -> Any:
    _require(acting_user, Action.MANAGE_PRINCIPLES)
    created = obj.pk is None
    changed = [name for name, value in values.items() if created or getattr(obj, name) != value]
    if not changed:
        return obj
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    _audit_catalogue(
        f"{what}.{'created' if created else 'updated'}", acting_user=acting_user, target=obj, fields=changed
    )
    return obj


@transaction.atomic
def save_framework(
    *,
    acting_user: Any,
    framework: Framework | None = None,
    name: str,
    slug: str,
    short_name: str = "",
    description: str = "",
    source_url: str = "",
    document: Document | None = None,
    order: int = 0,
) -> Framework:
    values = {
        "name": name.strip(),
        "slug": slug,
        "short_name": short_name.strip(),
        "description": description.strip(),
        "source_url": source_url,
        "document": document,
        "order": order,
    }
    if document is not None and document.kind != Document.Kind.PRINCIPLES:
        raise ServiceError(_("Link a principles document from the library."), code="document")
    return _save_model(acting_user, framework or Framework(), values, "framework")


@transaction.atomic
def save_theme(
    *, acting_user: Any, framework: Framework, theme: Theme | None = None, code: str, title: str, order: int = 0
) -> Theme:
    if theme is not None and theme.framework_id != framework.pk:
        raise ServiceError(_("This theme belongs to another framework."), code="theme")
    values = {"code": code.strip(), "title": title.strip(), "order": order}
    return _save_model(acting_user, theme or Theme(framework=framework), values, "theme")


@transaction.atomic
def save_principle(
    *,
    acting_user: Any,
    framework: Framework,
    principle: Principle | None = None,
    theme: Theme | None,
    code: str,
    title: str,
    text: str = "",
    order: int = 0,
    retired_on: datetime.date | None = None,
) -> Principle:
    """A principle keeps its code once records refer to it: its identity across revisions."""
    if theme is not None and theme.framework_id != framework.pk:
        raise ServiceError(_("Choose a theme of this framework."), code="theme")
    if principle is not None and principle.framework_id != framework.pk:
        raise ServiceError(_("This principle belongs to another framework."), code="code")
    if principle is not None and code.strip() != principle.code and principle.records.exists():
        raise ServiceError(
            _("Organisations have reported on %(code)s: its code stays. Retire it and add a new one instead.")
            % {"code": principle.code},
            code="code",
        )
    values = {
        "theme": theme,
        "code": code.strip(),
        "title": title.strip(),
        "text": text.strip(),
        "order": order,
        "retired_on": retired_on,
    }
    saved = _save_model(acting_user, principle or Principle(framework=framework), values, "principle")
    # Its records' entries carry its code and title.
    reporting_index.index_principles([saved.pk], with_records=True)
    return saved
