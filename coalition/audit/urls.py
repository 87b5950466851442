from django.urls import path

from coalition.audit import proof_views, views

app_name = "audit"

urlpatterns = [
    path("checkpoint/", views.checkpoint, name="checkpoint"),
    path("checkpoint.txt", views.checkpoint_file, name="checkpoint_file"),
    path("documents/<id:pk>/readers/", views.document_reads, name="document_reads"),
    path("organisations/<slug:slug>/activity/", views.organisation_activity, name="organisation_activity"),
    path("oversight/", views.oversight, name="oversight"),
    path("events/<id:pk>/proof/", proof_views.event_proof, name="event_proof"),
]
