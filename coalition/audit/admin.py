from typing import Any

from django.contrib import admin
from django.db.models import F

from coalition.audit.models import AuditEvent
from coalition.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("number", "created_at", "action", "actor_label", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("actor_label", "target_id", "request_id")
    ordering = ("-id",)

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).annotate(leaf_number=F("leaf__index") + 1)

    @admin.display(description="number")
    def number(self, event: AuditEvent) -> int | None:
        return event.number
