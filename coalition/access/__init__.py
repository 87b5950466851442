"""THE place that decides who may do what. Views, services, search, the API and notifications
ask here; nothing else reads memberships, roles or grants to make an access decision."""

from coalition.access.documents import (
    LEVELS,
    AudienceSummary,
    audience_of,
    creatable_in,
    delete_grant,
    grant_level_of,
    store_grant,
)
from coalition.access.policy import (
    Action,
    Navigation,
    can,
    explain,
    forget,
    get_object_or_404,
    held_for_mfa,
    memberships_of,
    navigation_for,
    organisation_ids_of,
    requires_mfa,
    visible,
)

__all__ = [
    "LEVELS",
    "Action",
    "AudienceSummary",
    "Navigation",
    "audience_of",
    "can",
    "creatable_in",
    "delete_grant",
    "explain",
    "forget",
    "get_object_or_404",
    "grant_level_of",
    "held_for_mfa",
    "memberships_of",
    "navigation_for",
    "organisation_ids_of",
    "requires_mfa",
    "store_grant",
    "visible",
]
