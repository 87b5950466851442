"""Documents in the Django admin: metadata only, read-only. Revisions (the text) and attachments are
not registered: being a superuser grants no reading of another organisation's material."""

from django.contrib import admin

from coalition.core.admin import ReadOnlyAdmin
from coalition.library.models import Document, Topic


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "owner", "kind", "audience", "tlp", "status", "created_at")
    list_filter = ("kind", "audience", "tlp", "status")
    list_select_related = ("owner",)
    fields = (
        "title",
        "kind",
        "owner",
        "audience",
        "tlp",
        "status",
        "language",
        "review_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug")
