from django.urls import path

from coalition.appeals.views import helplines, members, public

app_name = "appeals"

urlpatterns = [
    path("", public.gallery, name="gallery"),
    path("<id:pk>/", public.appeal, name="appeal"),
    path("<id:pk>/images/<id:image_pk>/<str:size>.jpg", public.image, name="image"),
    path("manage/", members.index, name="manage"),
    path("manage/new/", members.new, name="new"),
    path("manage/<id:pk>/", members.edit, name="edit"),
    path("manage/<id:pk>/details/", members.save_details, name="save_details"),
    path("manage/<id:pk>/texts/", members.save_text, name="save_text"),
    path("manage/<id:pk>/texts/<slug:language>/remove/", members.remove_text, name="remove_text"),
    path("manage/<id:pk>/images/", members.add_image, name="add_image"),
    path("manage/<id:pk>/images/<id:image_pk>/remove/", members.remove_image, name="remove_image"),
    path("manage/<id:pk>/publish/", members.publish, name="publish"),
    path("manage/<id:pk>/end/", members.end, name="end"),
    path("tips/", members.tips, name="tips"),
    path("tips/<id:pk>/", members.tip, name="tip"),
    path("tips/<id:pk>/triage/", members.triage, name="triage"),
    path("tips/<id:pk>/assign/", members.assign, name="assign"),
    path("tips/<id:pk>/notes/", members.note, name="note"),
    path("tips/<id:pk>/ask/", members.ask, name="ask"),
    path("helplines/", helplines.index, name="helplines"),
    path("helplines/new/", helplines.edit, name="helpline_new"),
    path("helplines/<id:pk>/", helplines.edit, name="helpline_edit"),
    path("helplines/<id:pk>/delete/", helplines.delete, name="helpline_delete"),
]
