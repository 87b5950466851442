"""Shared items: implementation records, mileposts and self-assessments. Each belongs to one
organisation and carries its own audience and TLP label (never RED, never grants by name).

Who reads one is written once, as the routes of READING_RULE: the SQL filter (`readable_condition`),
the decision on one item (`can_read`) and the reasons in words (`explain`) are all read from it, so
they cannot say different things. Writing and sharing is for the owner organisation's members of
at least EDITING_ROLE; those it is shared with never re-share it (TLP:AMBER and AMBER+STRICT).

coalition/access/principles.py, mileposts.py and assessments.py keep their own public functions
and call these.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cache, reduce
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from coalition.access.documents import Reader, reader_for
from coalition.access.memberships import MembershipInfo
from coalition.assessments.models import SelfAssessment
from coalition.library.models import TLP, TLP_RANK, Audience
from coalition.organisations.models import Community, Organisation, Role
from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost

type SharedItem = ImplementationRecord | Milepost | SelfAssessment

EDITING_ROLE = Role.EDITOR


def signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


@dataclass(frozen=True)
class Links:
    """Where a kind of shared item keeps its named audience: the many-to-many table of each
    relation ("audience_organisations", "audience_communities") and the column in them that names
    the item."""

    through: dict[str, type[models.Model]]
    item_column: str


@cache
def links_of(model: type[models.Model]) -> Links:
    field = model._meta.get_field("audience_organisations")
    return Links(
        through={
            relation: getattr(model, relation).through
            for relation in ("audience_organisations", "audience_communities")
        },
        item_column=f"{field.m2m_field_name()}_id",  # type: ignore[union-attr]
    )


def _named(item: SharedItem, relation: str, ids: set[int]) -> list[Any]:
    """The item's named organisations or communities among `ids`: read from a prefetch when the
    page made one (lists), else from the database."""
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get(relation)
    if prefetched is not None:
        return [o for o in prefetched if o.pk in ids]
    return list(getattr(item, relation).filter(pk__in=ids))


# --- The reading rule --------------------------------------------------------------------------


class Route:
    """One way to read a shared item: an item audience it needs (None: any) and TLP:CLEAR or not,
    then who among those signed in (or anyone) it reaches. `condition` says it in SQL, `reaches`
    for one item, `reason` in words for someone it reaches."""

    audience: str | None = None
    clear_only = False

    def opens(self, item: SharedItem) -> bool:
        return (self.audience is None or item.audience == self.audience) and (
            not self.clear_only or item.tlp == TLP.CLEAR
        )

    def gate(self, prefix: str) -> Q:
        gate = Q()
        if self.audience is not None:
            gate &= Q(**{f"{prefix}audience": self.audience})
        if self.clear_only:
            gate &= Q(**{f"{prefix}tlp": TLP.CLEAR})
        return gate

    def condition(self, links: Links, organisation_ids: list[int], prefix: str) -> Q | None:
        """Who it reaches, as a filter on the items (Q(): everyone it is open to; None: nobody)."""
        raise NotImplementedError

    def reaches(self, reader: Reader, item: SharedItem) -> bool:
        raise NotImplementedError

    def reason(self, reader: Reader, item: SharedItem) -> str:
        raise NotImplementedError


def _first(reader: Reader) -> MembershipInfo:
    return reader.memberships[0]


class Public(Route):
    audience = Audience.PUBLIC
    clear_only = True

    def condition(self, links: Links, organisation_ids: list[int], prefix: str) -> Q | None:
        return Q()

    def reaches(self, reader: Reader, item: SharedItem) -> bool:
        return True

    def reason(self, reader: Reader, item: SharedItem) -> str:
        return _("Public: shared with everyone, without an account (TLP:CLEAR).")


class Owner(Route):
    def condition(self, links: Links, organisation_ids: list[int], prefix: str) -> Q | None:
        return Q(**{f"{prefix}organisation_id__in": organisation_ids}) if organisation_ids else None

    def reaches(self, reader: Reader, item: SharedItem) -> bool:
        return item.organisation_id in reader.organisation_ids

    def reason(self, reader: Reader, item: SharedItem) -> str:
        membership = reader.membership(item.organisation_id)
        assert membership is not None
        return _("%(role)s at %(organisation)s, the organisation it belongs to.") % {
            "role": membership.role_label,
            "organisation": membership.organisation_name,
        }


class Coalition(Route):
    audience = Audience.COALITION

    def condition(self, links: Links, organisation_ids: list[int], prefix: str) -> Q | None:
        return Q() if organisation_ids else None

    def reaches(self, reader: Reader, item: SharedItem) -> bool:
        return bool(reader.memberships)

    def reason(self, reader: Reader, item: SharedItem) -> str:
        return _("Shared with the whole coalition; you are %(role)s at %(organisation)s.") % {
            "role": _first(reader).role_label.lower(),
            "organisation": _first(reader).organisation_name,
        }


class Named(Route):
    """Named by the item's audience: one of the viewer's organisations, or a community one of
    them is in."""

    audience = Audience.NAMED
    relation = ""  # the item's many-to-many field
    column = ""  # its table's column for the organisation or community

    def named_in_sql(self, organisation_ids: list[int]) -> Any:
        """The viewer's organisations or communities, as the filter's value."""
        raise NotImplementedError

    def viewer_ids(self, reader: Reader) -> set[int]:
        raise NotImplementedError

    def condition(self, links: Links, organisation_ids: list[int], prefix: str) -> Q | None:
        if not organisation_ids:
            return None
        named = links.through[self.relation].objects.filter(  # type: ignore[attr-defined]
            **{f"{self.column}__in": self.named_in_sql(organisation_ids)}
        )
        return Q(**{f"{prefix}pk__in": named.values(links.item_column)})

    def reaches(self, reader: Reader, item: SharedItem) -> bool:
        if not reader.organisation_ids:
            return False
        if self.relation in getattr(item, "_prefetched_objects_cache", {}):
            return bool(_named(item, self.relation, self.viewer_ids(reader)))
        links = links_of(type(item))
        return bool(
            links.through[self.relation]
            .objects.filter(  # type: ignore[attr-defined]
                **{links.item_column: item.pk, f"{self.column}__in": self.viewer_ids(reader)}
            )
            .exists()
        )

    def names(self, reader: Reader, item: SharedItem) -> str:
        return ", ".join(o.name for o in _named(item, self.relation, self.viewer_ids(reader)))


class NamedOrganisation(Named):
    relation, column = "audience_organisations", "organisation_id"

    def named_in_sql(self, organisation_ids: list[int]) -> Any:
        return organisation_ids

    def viewer_ids(self, reader: Reader) -> set[int]:
        return reader.organisation_ids

    def reason(self, reader: Reader, item: SharedItem) -> str:
        return _("Shared by name with %(names)s, your organisation.") % {"names": self.names(reader, item)}


class NamedCommunity(Named):
    relation, column = "audience_communities", "community_id"

    def named_in_sql(self, organisation_ids: list[int]) -> Any:
        return Community.organisations.through.objects.filter(organisation_id__in=organisation_ids).values(
            "community_id"
        )

    def viewer_ids(self, reader: Reader) -> set[int]:
        return reader.community_ids

    def reason(self, reader: Reader, item: SharedItem) -> str:
        return _("Shared with the %(names)s community, which includes your organisation.") % {
            "names": self.names(reader, item)
        }


# In the order the reasons are given. Routes with the same gate stand together: the SQL filter
# puts them under one test of the audience.
READING_RULE: tuple[Route, ...] = (Public(), Owner(), Coalition(), NamedOrganisation(), NamedCommunity())


def readable_condition(model: type[models.Model], user: Any, path: str = "") -> Q:
    """READING_RULE as a filter on `model`'s items (or on rows reaching one through `path`):
    `public | owner | coalition | named & (organisations | communities)`."""
    prefix = f"{path}__" if path else ""
    links = links_of(model)
    organisation_ids = sorted(reader_for(user).organisation_ids) if signed_in(user) else []
    by_gate: dict[tuple[str | None, bool], tuple[Q, list[Q]]] = {}
    for route in READING_RULE:
        who = route.condition(links, organisation_ids, prefix)
        if who is not None:
            by_gate.setdefault((route.audience, route.clear_only), (route.gate(prefix), []))[1].append(who)
    return reduce(operator.or_, (gate & reduce(operator.or_, whos) for gate, whos in by_gate.values()))


def reading_routes(user: Any, item: SharedItem, *, first_only: bool = False) -> list[Route]:
    """The routes by which `user` reads `item` (all, or the first found)."""
    reader = reader_for(user)
    found = []
    for route in READING_RULE:
        if route.opens(item) and route.reaches(reader, item):
            found.append(route)
            if first_only:
                break
    return found


def can_read(user: Any, item: SharedItem) -> bool:
    return bool(reading_routes(user, item, first_only=True))


# --- Writing and sharing -----------------------------------------------------------------------


def editing_organisation_ids(user: Any) -> list[int]:
    """The organisations whose items the person may write and share."""
    if not signed_in(user):
        return []
    return sorted(m.organisation_id for m in reader_for(user).memberships if m.at_least(EDITING_ROLE))


def can_edit(user: Any, item: SharedItem) -> bool:
    return signed_in(user) and item.organisation_id in editing_organisation_ids(user)


# --- In words ----------------------------------------------------------------------------------


def explain(user: Any, item: SharedItem) -> list[str]:
    """Why `user` can or cannot read `item`, then whether they may edit and share it."""
    reader = reader_for(user)
    routes = reading_routes(user, item)
    if not routes:
        return _refusal(user, reader)
    reasons = [route.reason(reader, item) for route in routes]
    owner = reader.membership(item.organisation_id)
    if owner is not None and owner.at_least(EDITING_ROLE):
        reasons.append(
            _("As %(role)s there, you may edit it and choose who sees it.") % {"role": owner.role_label.lower()}
        )
    elif owner is not None:
        reasons.append(
            _("Only its editors and admins edit it and choose who sees it; you are %(role)s.")
            % {"role": owner.role_label.lower()}
        )
    else:
        reasons.append(
            _("Only the organisation it belongs to edits it; those it is shared with never share it further.")
        )
    return reasons


def _refusal(user: Any, reader: Reader) -> list[str]:
    if not signed_in(user):
        return [_("It is not public: only the organisations it is shared with see it, once signed in.")]
    if not reader.memberships:
        return [_("It is not public, and you belong to no organisation of the coalition.")]
    reasons = [_("It is not shared with any organisation you belong to.")]
    if any(m.organisation_kind == Organisation.Kind.SECRETARIAT for m in reader.memberships):
        reasons.append(_("Working for the secretariat does not open an organisation's reports: only sharing does."))
    if any(m.oversight for m in reader.memberships):
        reasons.append(_("The oversight role sees the audit log about it, never its content."))
    return reasons


def explain_evidence(user: Any, item: EvidenceItem) -> list[str]:
    """Evidence is read with its record, and labelled at most as strictly as the record."""
    reasons = explain(user, item.record)
    if not can_read(user, item.record):
        return reasons
    reasons.insert(0, _("Evidence is read by whoever reads its record:"))
    labels = {"evidence": TLP(item.label_tlp).label, "record": TLP(item.record.tlp).label}
    if TLP_RANK[item.label_tlp] > TLP_RANK[item.record.tlp]:
        # Only a linked document relabelled after it was linked gets here (the services refuse
        # anything else): its entry stays on the record, the document follows its new label.
        reasons.append(
            _("The linked document is now labelled %(evidence)s, more strictly than its record (%(record)s).") % labels
        )
    else:
        reasons.append(
            _("Labelled %(evidence)s; its record is labelled %(record)s, never less strictly than its evidence.")
            % labels
        )
    if item.kind == EvidenceItem.Kind.DOCUMENT:
        reasons.append(_("The library document it links is opened only by those the library lets read it."))
    return reasons


# --- Who can see it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedAudience:
    """Who reads a shared item, as READING_RULE has it: everyone at the owner organisation; then
    everyone (public), every active organisation (coalition), or the named organisations and the
    organisations of the named communities. `tlp` is the label that counts."""

    owner: Organisation
    everyone: bool
    every_organisation: bool
    organisations: list[Organisation]
    communities: list[Community]
    tlp: str
    # Evidence linking a library document: the document itself follows the library's rules.
    linked_document: bool = False

    @property
    def tlp_label(self) -> str:
        return str(TLP(self.tlp).label)

    @property
    def tlp_meaning(self) -> str:
        """What the label asks of those who read it (FIRST's TLP 2.0, in a sentence)."""
        return {
            TLP.CLEAR: _("No limit on passing it on."),
            TLP.GREEN: _("Readers may pass it on within the community, not publicly."),
            TLP.AMBER: _("Readers may pass it on within their organisation and to its clients who need to know."),
            TLP.AMBER_STRICT: _("Readers may pass it on within their own organisation only."),
        }.get(TLP(self.tlp), _("Only the people it is granted to by name."))


def audience_of(item: SharedItem) -> SharedAudience:
    named = item.audience == Audience.NAMED
    return SharedAudience(
        owner=item.organisation,
        everyone=item.audience == Audience.PUBLIC and item.tlp == TLP.CLEAR,
        every_organisation=item.audience == Audience.COALITION,
        organisations=list(item.audience_organisations.all()) if named else [],
        communities=list(item.audience_communities.all()) if named else [],
        tlp=item.tlp,
    )


def evidence_audience_of(item: EvidenceItem) -> SharedAudience:
    """Who sees the evidence entry: the record's audience. Its label is the stricter of the
    record's and the evidence's own (a linked document's current label: it may have been
    relabelled since it was linked; the document itself then follows its new label)."""
    summary = audience_of(item.record)
    tlp = max(summary.tlp, item.label_tlp, key=TLP_RANK.__getitem__)
    return SharedAudience(
        owner=summary.owner,
        everyone=summary.everyone,
        every_organisation=summary.every_organisation,
        organisations=summary.organisations,
        communities=summary.communities,
        tlp=tlp,
        linked_document=item.kind == EvidenceItem.Kind.DOCUMENT,
    )
