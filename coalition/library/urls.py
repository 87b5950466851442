from django.urls import path

from coalition.library.views import documents, sharing

app_name = "library"

urlpatterns = [
    path("", documents.library, name="list"),
    path("new/", documents.new, name="new"),
    path("preview/", documents.preview, name="preview"),
    path("<int:pk>/", documents.detail, name="detail"),
    path("<int:pk>/history/", documents.history, name="history"),
    path("<int:pk>/revisions/<int:number>/", documents.revision, name="revision"),
    path("<int:pk>/compare/", documents.compare, name="compare"),
    path("<int:pk>/share/", sharing.share, name="share"),
    path("<int:pk>/share/label/", sharing.relabel, name="relabel"),
    path("<int:pk>/share/grants/", sharing.add_grant, name="add_grant"),
    path("<int:pk>/share/grants/revoke/", sharing.revoke_grant, name="revoke_grant"),
    path("<int:pk>/attachments/", sharing.upload, name="upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", sharing.download, name="download"),
]
