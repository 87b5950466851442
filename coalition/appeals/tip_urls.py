"""The sender's pages, all under /tips/ (coalition.core.middleware.ANONYMOUS_PREFIX)."""

from django.urls import path

from coalition.appeals.views import anonymous

app_name = "tips"

urlpatterns = [
    path("appeal/<id:pk>/", anonymous.tip_form, name="form"),
    path("status/", anonymous.status, name="status"),
    path("status/reply/", anonymous.reply, name="reply"),
]
