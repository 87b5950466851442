from django.contrib import admin

from coalition.audit.models import AuditEvent
from coalition.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "action", "actor_label", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("actor_label", "target_id", "request_id")
    ordering = ("-id",)
