"""Who may read and write mileposts, and see evidence items and transparency reports.

Mileposts follow exactly the implementation records' rules, those of every shared item
(coalition/access/shared.py): the owner organisation always; named organisations and
communities; every active organisation ("coalition"); anyone ("public", TLP:CLEAR only, a check
constraint); never TLP:RED. The owner organisation's editors and admins write them. Evidence
items are read with their record; linking a library document also needs reading that document.
Transparency reports are published by the secretariat's editors and admins, and read by anyone
once published.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access import documents, shared
from coalition.access.memberships import is_secretariat
from coalition.access.shared import signed_in
from coalition.organisations.models import Role
from coalition.principles.models import Milepost


def readable_condition(user: Any, path: str = "") -> Q:
    """The reading rules as a filter on mileposts (or on rows reaching a milepost through `path`,
    such as the search index's entries)."""
    return shared.readable_condition(Milepost, user, path)


def visible_mileposts(user: Any, queryset: models.QuerySet[Milepost]) -> models.QuerySet[Milepost]:
    return queryset.filter(readable_condition(user))


def editable_mileposts(user: Any, queryset: models.QuerySet[Milepost]) -> models.QuerySet[Milepost]:
    return queryset.filter(organisation_id__in=writing_organisation_ids(user))


def writing_organisation_ids(user: Any) -> list[int]:
    return shared.editing_organisation_ids(user)


def can_view_milepost(user: Any, milepost: Milepost) -> bool:
    return shared.can_read(user, milepost)


def can_edit_milepost(user: Any, milepost: Milepost) -> bool:
    return shared.can_edit(user, milepost)


def can_link_document(user: Any, document: Any) -> bool:
    """Evidence may link only a library document the person linking it may read."""
    return signed_in(user) and documents.can_view(user, document)


def can_publish_report(user: Any) -> bool:
    return signed_in(user) and is_secretariat(user, role=Role.EDITOR)


def can_export_matrix(user: Any) -> bool:
    """Exports of the matrix need an account (each file names its recipient); what is in the file
    is what the person may read, within their export cap (coalition/access/exports.py)."""
    return signed_in(user)
