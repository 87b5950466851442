from django.contrib import admin

from coalition.core.admin import ReadOnlyAdmin
from coalition.organisations.models import Community, Invitation, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "kind", "country", "status")
    list_filter = ("kind", "status")
    search_fields = ("name", "slug")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organisation", "role", "signatory")
    list_filter = ("role", "signatory")
    list_select_related = ("user", "organisation")


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organisation", "role", "sent_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)
    list_select_related = ("organisation",)
