"""Writes to mileposts: create, edit, share and remove, each in a transaction with its audit event
(category, date, labels; never the text). The sharing rules are the records' (public needs
TLP:CLEAR, never TLP:RED, only the organisation's editors and admins write)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.models import AUDIENCE_RANK, TLP, TLP_RANK, Audience
from coalition.library.services import check_tlp_rules
from coalition.organisations.models import Community, Organisation
from coalition.principles.mileposts import MAX_MILEPOST_CHARS, Milepost, MilepostCategory
from coalition.search import reporting_index


def _sharing(
    *, audience: str, tlp: str, organisations: list[Organisation] | None, communities: list[Community] | None
) -> tuple[list[int], list[int]]:
    if audience not in Audience.values:
        raise ServiceError(_("Choose an audience from the list."), code="audience")
    if tlp not in TLP.values:
        raise ServiceError(_("“%(tlp)s” is not a TLP label.") % {"tlp": tlp}, code="tlp")
    if tlp == TLP.RED:
        raise ServiceError(
            _("Mileposts cannot be TLP:RED: keep them TLP:AMBER+STRICT within your organisation."), code="tlp"
        )
    check_tlp_rules(audience=audience, tlp=tlp)
    named = audience == Audience.NAMED
    org_ids = sorted({o.pk for o in organisations or []}) if named else []
    community_ids = sorted({c.pk for c in communities or []}) if named else []
    if named and not org_ids and not community_ids:
        raise ServiceError(_("Name at least one organisation or community to share with."), code="audience")
    return org_ids, community_ids


@transaction.atomic
def save_milepost(
    *,
    acting_user: Any,
    organisation: Organisation,
    milepost: Milepost | None = None,
    category: str,
    date: datetime.date,
    text: str,
    audience: str = Audience.ORGANISATION,
    tlp: str = TLP.AMBER_STRICT,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
) -> Milepost:
    if not access.can(acting_user, Action.WRITE_MILEPOSTS, organisation):
        raise AccessDenied(Action.WRITE_MILEPOSTS)
    if milepost is not None:
        milepost = Milepost.objects.select_for_update().get(pk=milepost.pk)
        if milepost.organisation_id != organisation.pk or not access.can(acting_user, Action.EDIT_MILEPOST, milepost):
            raise AccessDenied(Action.EDIT_MILEPOST)
    text = " ".join(text.split())
    if not text:
        raise ServiceError(_("Say in a sentence what was achieved."), code="text")
    if len(text) > MAX_MILEPOST_CHARS:
        raise ServiceError(_("A milepost is at most %(n)s characters.") % {"n": MAX_MILEPOST_CHARS}, code="text")
    if category not in MilepostCategory.values:
        raise ServiceError(_("Choose a category from the list."), code="category")
    if date > timezone.localdate():
        raise ServiceError(_("A milepost records progress made: its date cannot be in the future."), code="date")
    if date.year < 2000:
        raise ServiceError(_("Choose a date from 2000 on."), code="date")
    org_ids, community_ids = _sharing(
        audience=audience, tlp=tlp, organisations=audience_organisations, communities=audience_communities
    )
    created = milepost is None
    item = milepost or Milepost(organisation=organisation, created_by=acting_user)
    before: dict[str, Any] = {}
    if not created:
        before = {
            "audience": item.audience,
            "tlp": item.tlp,
            "organisations": sorted(item.audience_organisations.values_list("pk", flat=True)),
            "communities": sorted(item.audience_communities.values_list("pk", flat=True)),
        }
    fields = [
        name
        for name, value in (("category", category), ("date", date), ("text", text))
        if created or getattr(item, name) != value
    ]
    item.category, item.date, item.text, item.audience, item.tlp = category, date, text, audience, tlp
    item.full_clean()
    item.save()
    item.audience_organisations.set(org_ids)
    item.audience_communities.set(community_ids)
    if created or fields:
        reporting_index.index_mileposts([item.pk])
    after = {"audience": audience, "tlp": tlp, "organisations": org_ids, "communities": community_ids}
    data: dict[str, Any] = {"category": category, "date": date.isoformat(), "fields": sorted(fields)}
    if not created and before != after:
        data["before"], data["after"] = before, after
        data["widened"] = (
            AUDIENCE_RANK[audience] > AUDIENCE_RANK[before["audience"]]
            or TLP_RANK[tlp] < TLP_RANK[before["tlp"]]
            or bool(set(org_ids) - set(before["organisations"]) or set(community_ids) - set(before["communities"]))
        )
    elif created:
        data["after"] = after
    if not created and not fields and "after" not in data:
        return item
    audit(
        action="milepost.created" if created else "milepost.updated",
        actor=acting_user,
        target=item,
        target_org_id=organisation.pk,
        data=data,
    )
    return item


@transaction.atomic
def remove_milepost(*, acting_user: Any, milepost: Milepost) -> None:
    milepost = Milepost.objects.select_for_update().get(pk=milepost.pk)
    if not access.can(acting_user, Action.EDIT_MILEPOST, milepost):
        raise AccessDenied(Action.EDIT_MILEPOST)
    audit(
        action="milepost.removed",
        actor=acting_user,
        target=milepost,
        target_org_id=milepost.organisation_id,
        data={"category": milepost.category, "date": milepost.date.isoformat(), "tlp": milepost.tlp},
    )
    reporting_index.forget_milepost(milepost.pk)
    milepost.delete()
