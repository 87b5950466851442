"""Who may take a document out of the portal as a file (Markdown, PDF, the disposition table's CSV).

Exporting needs reading first; then the label must be within the person's export cap: each
organisation sets the highest label its members may export (Organisation.export_cap), and someone in
several organisations is bound by the strictest of them (each organisation's rule is about its own
members). People with no active organisation export TLP:CLEAR only. TLP:RED also needs a grant to
the person by name, whatever the caps say (the design: TLP:RED is for named individuals).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from coalition.access import documents
from coalition.access.memberships import MembershipInfo
from coalition.library.models import TLP, TLP_RANK, Document


def export_ceiling(user: Any) -> tuple[str, MembershipInfo | None]:
    """The highest label the person may export, and the membership whose cap sets it (None when
    they have no active organisation: TLP:CLEAR only)."""
    memberships = documents.reader_for(user).memberships
    if not memberships:
        return TLP.CLEAR, None
    strictest = min(memberships, key=lambda m: TLP_RANK.get(m.export_cap, TLP_RANK[TLP.CLEAR]))
    return strictest.export_cap, strictest


def can_export(user: Any, document: Document) -> bool:
    return export_refusal(user, document) is None and documents.can_view(user, document)


def export_refusal(user: Any, document: Document) -> str | None:
    """Why a person who may read the document may not export it, in words; None if they may.
    (Someone who may not read it is not told anything: the caller answers 404.)"""
    if user is None or not user.is_authenticated or not user.is_active:
        return _("Sign in to export.")
    label = TLP(document.tlp).label
    if document.tlp == TLP.RED and document.pk not in documents.reader_for(user).user_grants:
        return _("TLP:RED material is exported only by the people it is granted to by name.")
    ceiling, membership = export_ceiling(user)
    if TLP_RANK[document.tlp] <= TLP_RANK[ceiling]:
        return None
    if membership is None:
        return _("People without an organisation may export TLP:CLEAR material only; this document is %(label)s.") % {
            "label": label
        }
    return _(
        "%(organisation)s lets its members export material up to %(ceiling)s; this document is %(label)s. "
        "Its admins can change that on the organisation's page."
    ) % {"organisation": membership.organisation_name, "ceiling": TLP(ceiling).label, "label": label}
