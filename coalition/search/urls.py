from django.urls import path

from coalition.search import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("saved/", views.saved, name="saved"),
    path("saved/<id:pk>/delete/", views.delete_saved, name="delete_saved"),
]
