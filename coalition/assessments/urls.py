from django.urls import path

from coalition.assessments.views import assessments, crosswalks
from coalition.assessments.views import questionnaires as q

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
    # The questionnaire editor (the secretariat). "questionnaires" is no questionnaire's slug: those
    # pages end in /start/.
    path("self-assessment/questionnaires/", q.questionnaire_list, name="questionnaires"),
    path("self-assessment/questionnaires/new/", q.questionnaire_new, name="questionnaire_new"),
    path("self-assessment/questionnaires/<id:pk>/", q.questionnaire_detail, name="questionnaire"),
    path("self-assessment/questionnaires/<id:pk>/edit/", q.questionnaire_edit, name="questionnaire_edit"),
    path("self-assessment/questionnaires/<id:pk>/publish/", q.publish, name="questionnaire_publish"),
    path("self-assessment/questionnaires/<id:pk>/retire/", q.retire, name="questionnaire_retire"),
    path("self-assessment/questionnaires/<id:pk>/new-version/", q.make_version, name="questionnaire_version"),
    path("self-assessment/questionnaires/<id:pk>/discard/", q.discard, name="questionnaire_discard"),
    path("self-assessment/questionnaires/<id:pk>/sections/new/", q.section_edit, name="section_new"),
    path("self-assessment/questionnaires/<id:pk>/sections/<id:section_pk>/", q.section_edit, name="section_edit"),
    path("self-assessment/questionnaires/<id:pk>/sections/<id:section_pk>/move/", q.section_move, name="section_move"),
    path(
        "self-assessment/questionnaires/<id:pk>/sections/<id:section_pk>/delete/",
        q.section_delete,
        name="section_delete",
    ),
    path("self-assessment/questionnaires/<id:pk>/questions/new/", q.question_edit, name="question_new"),
    path("self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/", q.question_edit, name="question_edit"),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/move/",
        q.question_move,
        name="question_move",
    ),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/delete/",
        q.question_delete,
        name="question_delete",
    ),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/answers/new/",
        q.choice_edit,
        name="choice_new",
    ),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/answers/<id:choice_pk>/",
        q.choice_edit,
        name="choice_edit",
    ),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/answers/<id:choice_pk>/move/",
        q.choice_move,
        name="choice_move",
    ),
    path(
        "self-assessment/questionnaires/<id:pk>/questions/<id:question_pk>/answers/<id:choice_pk>/delete/",
        q.choice_delete,
        name="choice_delete",
    ),
    path("self-assessment/<slug:slug>/start/", assessments.start, name="start"),
    path("self-assessment/a/<id:pk>/", assessments.report, name="report"),
    path("self-assessment/a/<id:pk>/section/<int32:number>/", assessments.section, name="section"),
    path("self-assessment/a/<id:pk>/complete/", assessments.complete, name="complete"),
    path("self-assessment/a/<id:pk>/share/", assessments.share, name="share"),
    path("self-assessment/a/<id:pk>/apply/", assessments.apply, name="apply"),
]
