from django.urls import path

from coalition.principles.views import manage, pages, records

app_name = "principles"

urlpatterns = [
    path("", pages.index, name="index"),
    path("records/<id:pk>/", records.record, name="record"),
    path("records/<id:pk>/share/", records.share, name="share"),
    path("manage/", manage.frameworks, name="manage"),
    path("manage/new/", manage.framework, name="manage_new_framework"),
    path("manage/<slug:slug>/", manage.framework, name="manage_framework"),
    path("manage/<slug:slug>/themes/new/", manage.theme, name="manage_new_theme"),
    path("manage/<slug:slug>/themes/<id:pk>/", manage.theme, name="manage_theme"),
    path("manage/<slug:slug>/principles/new/", manage.principle, name="manage_new_principle"),
    path("manage/<slug:slug>/principles/<id:pk>/", manage.principle, name="manage_principle"),
    path("<slug:slug>/", pages.matrix, name="matrix"),
    path("<slug:slug>/p/<str:code>/", pages.principle, name="principle"),
    path("<slug:slug>/orgs/<slug:org>/", pages.organisation, name="organisation"),
    path("<slug:slug>/orgs/<slug:org>/share/<int32:cycle>/", records.share_cycle, name="share_cycle"),
    path("<slug:slug>/orgs/<slug:org>/<str:code>/<int32:cycle>/", records.edit, name="edit"),
]
