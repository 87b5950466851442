"""Who may do what to implementation records (coalition/principles).

Reading follows the documents' audience rules (coalition/access/documents.py) on the record's own
audience: the owner organisation always; named organisations and communities; every active
organisation ("coalition"); anyone ("public", which needs TLP:CLEAR by a check constraint). Records
never carry TLP:RED, so there are no grants by name to read. Editing and sharing are for the owner
organisation's editors and admins only: recipients never re-share (TLP:AMBER and AMBER+STRICT).
Frameworks and principles are managed by the secretariat's editors and admins.

The reading and writing rules are those of every shared item (coalition/access/shared.py): one
SQL filter built from the person's memberships (read once per request) for lists.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from coalition.access import shared
from coalition.access.memberships import is_secretariat, membership_in
from coalition.access.shared import signed_in
from coalition.organisations.models import Organisation, Role
from coalition.principles.models import ImplementationRecord


def readable_condition(user: Any, path: str = "") -> Q:
    """The reading rules as a filter on records (or on rows reaching a record through `path`)."""
    return shared.readable_condition(ImplementationRecord, user, path)


def principles_readable_condition(user: Any, path: str = "") -> Q:
    """Who reads a principle: everyone, visitors included. Frameworks and their principles (retired
    ones too) are the coalition's published catalogue, listed on pages open to all; the condition
    is here so that search asks the access module like every other reader of principles does."""
    return Q()


def visible_records(
    user: Any, queryset: models.QuerySet[ImplementationRecord]
) -> models.QuerySet[ImplementationRecord]:
    return queryset.filter(readable_condition(user))


def editable_records(
    user: Any, queryset: models.QuerySet[ImplementationRecord]
) -> models.QuerySet[ImplementationRecord]:
    return queryset.filter(organisation_id__in=reporting_organisation_ids(user))


def reporting_organisation_ids(user: Any) -> list[int]:
    """The organisations whose records the person may write and share: their editors and admins."""
    return shared.editing_organisation_ids(user)


def can_view_record(user: Any, record: ImplementationRecord) -> bool:
    return shared.can_read(user, record)


def can_report_for(user: Any, organisation: Organisation) -> bool:
    """Create, edit and share the organisation's records: its editors and admins."""
    return organisation.pk in reporting_organisation_ids(user)


def can_edit_record(user: Any, record: ImplementationRecord) -> bool:
    return shared.can_edit(user, record)


def can_view_history(user: Any, record: ImplementationRecord) -> bool:
    """The change history: the owner organisation's members only (earlier texts may have been
    written for a narrower audience than the record has now)."""
    return signed_in(user) and membership_in(user, record.organisation_id) is not None


def can_manage_principles(user: Any) -> bool:
    return signed_in(user) and is_secretariat(user, role=Role.EDITOR)
