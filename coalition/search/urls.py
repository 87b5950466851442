from django.urls import path

from coalition.search import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
]
