from django.urls import path

from coalition.exports import views

app_name = "exports"

urlpatterns = [
    path("<id:pk>/export/<slug:fmt>/", views.export_document, name="document"),
]
