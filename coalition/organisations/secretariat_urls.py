from django.urls import path

from coalition.organisations.views import secretariat

app_name = "secretariat"

urlpatterns = [
    path("organisations/", secretariat.organisations, name="organisations"),
    path("organisations/new/", secretariat.organisation_new, name="organisation_new"),
    path("organisations/<slug:slug>/", secretariat.organisation, name="organisation"),
    path("organisations/<slug:slug>/edit/", secretariat.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:slug>/suspend/", secretariat.organisation_suspend, name="organisation_suspend"),
    path("organisations/<slug:slug>/reactivate/", secretariat.organisation_reactivate, name="organisation_reactivate"),
    path("communities/", secretariat.communities, name="communities"),
    path("communities/new/", secretariat.community_form, name="community_new"),
    path("communities/<slug:slug>/edit/", secretariat.community_form, name="community_edit"),
    path("communities/<slug:slug>/delete/", secretariat.community_delete, name="community_delete"),
]
