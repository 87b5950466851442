from django.contrib import admin

from coalition.accounts.models import User
from coalition.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "name", "is_active", "date_joined", "last_login")
    search_fields = ("email", "name")
    exclude = ("password",)
