from django.urls import path

from coalition.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:pk>/open/", views.open_notification, name="open"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("documents/<id:pk>/star/", views.star, name="star"),
    path("documents/<id:pk>/watch/", views.watch, name="watch"),
]
