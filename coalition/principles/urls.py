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

# Evidence, mileposts, exports and the transparency report (issue 11, branch `report`).
from coalition.principles.views import evidence, exports, mileposts, report  # noqa: E402

# Put first: "<slug:slug>/" above would take "mileposts/" and "report/" for a framework.
urlpatterns[:0] = [
    path("records/<id:pk>/evidence/", evidence.add, name="evidence_add"),
    path("records/<id:pk>/evidence/<id:item_id>/", evidence.edit, name="evidence_edit"),
    path("records/<id:pk>/evidence/<id:item_id>/remove/", evidence.remove, name="evidence_remove"),
    path("records/<id:pk>/evidence/<id:item_id>/file/", evidence.download, name="evidence_file"),
    path("mileposts/", mileposts.mileposts, name="mileposts"),
    path("mileposts/new/", mileposts.new, name="milepost_new"),
    path("mileposts/<id:pk>/", mileposts.edit, name="milepost"),
    path("mileposts/<id:pk>/remove/", mileposts.remove, name="milepost_remove"),
    path("report/", report.reports, name="reports"),
    path("report/<int32:cycle>/", report.report, name="report"),
    path("report/<int32:cycle>/v<int32:version>.pdf", report.report_pdf, name="report_pdf"),
    path("report/<int32:cycle>/preview/", report.preview, name="report_preview"),
    path("<slug:slug>/export/<str:fmt>/", exports.export_matrix, name="export_matrix"),
]
