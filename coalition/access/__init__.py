"""THE place that decides who may do what. Views, services, search, the API and notifications
ask here; nothing else reads memberships, roles or grants to make an access decision."""

from coalition.access.documents import (
    LEVELS,
    AudienceSummary,
    audience_is_public_only,
    creatable_in,
    delete_grant,
    editable_condition,
    grant_level_of,
    granted_to_person_condition,
    is_public,
    public_condition,
    sees_now,
    store_grant,
    visible_documents_at,
    working_copy_condition,
)
from coalition.access.drafting import (
    acknowledging_memberships,
    commenting_membership,
    default_watchers,
    review_owner_candidates,
    reviewer_membership,
    revision_readers_condition,
    sees_working_copy,
    signatory_memberships,
    watches_by_default,
)
from coalition.access.exports import export_ceiling, export_refusal
from coalition.access.memberships import held_for_mfa, memberships_of, organisation_ids_of, requires_mfa
from coalition.access.mileposts import readable_condition as readable_mileposts_condition
from coalition.access.policy import (
    Action,
    Navigation,
    audience_of,
    can,
    explain,
    forget,
    get_object_or_404,
    navigation_for,
    visible,
)
from coalition.access.principles import principles_readable_condition as readable_principles_condition
from coalition.access.principles import readable_condition as readable_records_condition
from coalition.access.principles import reporting_organisation_ids
from coalition.access.shared import SharedAudience

__all__ = [
    "LEVELS",
    "Action",
    "AudienceSummary",
    "Navigation",
    "SharedAudience",
    "acknowledging_memberships",
    "audience_is_public_only",
    "audience_of",
    "can",
    "commenting_membership",
    "creatable_in",
    "default_watchers",
    "delete_grant",
    "editable_condition",
    "explain",
    "export_ceiling",
    "export_refusal",
    "forget",
    "get_object_or_404",
    "grant_level_of",
    "granted_to_person_condition",
    "held_for_mfa",
    "is_public",
    "memberships_of",
    "navigation_for",
    "organisation_ids_of",
    "public_condition",
    "readable_mileposts_condition",
    "readable_principles_condition",
    "readable_records_condition",
    "reporting_organisation_ids",
    "requires_mfa",
    "review_owner_candidates",
    "reviewer_membership",
    "revision_readers_condition",
    "sees_now",
    "sees_working_copy",
    "signatory_memberships",
    "store_grant",
    "visible",
    "visible_documents_at",
    "watches_by_default",
    "working_copy_condition",
]
