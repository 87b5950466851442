from django.urls import path

from coalition.library.views import documents, sharing

app_name = "library"

urlpatterns = [
    path("", documents.library, name="list"),
    path("new/", documents.new, name="new"),
    path("preview/", documents.preview, name="preview"),
    path("<id:pk>/", documents.detail, name="detail"),
    path("<id:pk>/history/", documents.history, name="history"),
    path("<id:pk>/revisions/<int32:number>/", documents.revision, name="revision"),
    path("<id:pk>/compare/", documents.compare, name="compare"),
    path("<id:pk>/share/", sharing.share, name="share"),
    path("<id:pk>/share/label/", sharing.relabel, name="relabel"),
    path("<id:pk>/share/grants/", sharing.add_grant, name="add_grant"),
    path("<id:pk>/share/grants/revoke/", sharing.revoke_grant, name="revoke_grant"),
    path("<id:pk>/attachments/", sharing.upload, name="upload"),
    path("<id:pk>/attachments/<id:attachment_id>/", sharing.download, name="download"),
]
