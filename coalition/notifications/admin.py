"""The email outbox in the Django admin: read-only, for operators to see what is pending, retried
or failed. Neither subjects nor bodies are shown (they may name or quote documents), and
notifications themselves are not registered (they quote member text)."""

from django.contrib import admin

from coalition.core.admin import ReadOnlyAdmin
from coalition.notifications.models import EmailDelivery


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "category", "to_address", "tlp", "state", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("state", "category")
    search_fields = ("to_address",)
    fields = (
        "category",
        "to_address",
        "recipient",
        "tlp",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    )
    readonly_fields = fields
    list_select_related = ("recipient",)
