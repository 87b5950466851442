from django.urls import path

from coalition.assessments.views import assessments, crosswalks

app_name = "assessments"

urlpatterns = [
    path("crosswalks/", crosswalks.crosswalk_list, name="crosswalks"),
    path("crosswalks/new/", crosswalks.crosswalk_edit, name="crosswalk_new"),
    path("crosswalks/<slug:slug>/", crosswalks.crosswalk_detail, name="crosswalk"),
    path("crosswalks/<slug:slug>/edit/", crosswalks.crosswalk_edit, name="crosswalk_edit"),
    path("crosswalks/<slug:slug>/apply/", crosswalks.apply, name="crosswalk_apply"),
    path("crosswalks/<slug:slug>/links/new/", crosswalks.link_edit, name="link_new"),
    path("crosswalks/<slug:slug>/links/<id:pk>/", crosswalks.link_edit, name="link_edit"),
    path("crosswalks/<slug:slug>/links/<id:pk>/delete/", crosswalks.link_delete, name="link_delete"),
    path("self-assessment/", assessments.index, name="index"),
    path("self-assessment/<slug:slug>/start/", assessments.start, name="start"),
    path("self-assessment/a/<id:pk>/", assessments.report, name="report"),
    path("self-assessment/a/<id:pk>/section/<int32:number>/", assessments.section, name="section"),
    path("self-assessment/a/<id:pk>/complete/", assessments.complete, name="complete"),
    path("self-assessment/a/<id:pk>/share/", assessments.share, name="share"),
    path("self-assessment/a/<id:pk>/apply/", assessments.apply, name="apply"),
]
