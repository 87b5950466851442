"""A read-only Django admin base: changes to portal data go through audited services (the portal's
own pages), never through the admin, which would bypass both the rules and the audit log."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _make_read_only(model: Any, **options: Any) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(f"ReadOnly{model.__name__}Admin", (ReadOnlyAdmin,), options))


# allauth and django.contrib.auth register writable admins for their models: through them a
# superuser could swap a person's email address or delete their second factor, unaudited. They
# are read-only here, and never show credentials (session keys, authenticator secrets).
_make_read_only(Group)
_make_read_only(EmailAddress, list_display=("email", "user", "verified", "primary"))
_make_read_only(Authenticator, list_display=("user", "type", "created_at", "last_used_at"), exclude=("data",))
_make_read_only(UserSession, list_display=("user", "ip", "created_at", "last_seen_at"), exclude=("session_key", "data"))
