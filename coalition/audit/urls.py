from django.urls import path

from coalition.audit import views

app_name = "audit"

urlpatterns = [
    path("checkpoint/", views.checkpoint, name="checkpoint"),
    path("checkpoint.txt", views.checkpoint_file, name="checkpoint_file"),
]
