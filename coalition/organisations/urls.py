from django.urls import path

from coalition.organisations.views import invitations, members

app_name = "organisations"

urlpatterns = [
    path("<slug:slug>/", members.detail, name="detail"),
    path("<slug:slug>/members/<id:pk>/role/", members.change_role, name="change_role"),
    path("<slug:slug>/members/<id:pk>/signatory/", members.set_signatory, name="set_signatory"),
    path("<slug:slug>/members/<id:pk>/tip-handler/", members.set_tip_handler, name="set_tip_handler"),
    path("<slug:slug>/members/<id:pk>/oversight/", members.set_oversight, name="set_oversight"),
    path("<slug:slug>/members/<id:pk>/remove/", members.remove_member, name="remove_member"),
    path("<slug:slug>/exports/", members.set_export_cap, name="set_export_cap"),
    path("<slug:slug>/invitations/", invitations.index, name="invitations"),
    path("<slug:slug>/invitations/<id:pk>/resend/", invitations.resend, name="resend_invitation"),
    path("<slug:slug>/invitations/<id:pk>/revoke/", invitations.revoke, name="revoke_invitation"),
]
