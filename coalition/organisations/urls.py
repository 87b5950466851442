from django.urls import path

from coalition.organisations.views import invitations, members

app_name = "organisations"

urlpatterns = [
    path("<slug:slug>/", members.detail, name="detail"),
    path("<slug:slug>/members/<int:pk>/role/", members.change_role, name="change_role"),
    path("<slug:slug>/members/<int:pk>/signatory/", members.set_signatory, name="set_signatory"),
    path("<slug:slug>/members/<int:pk>/remove/", members.remove_member, name="remove_member"),
    path("<slug:slug>/invitations/", invitations.index, name="invitations"),
    path("<slug:slug>/invitations/<int:pk>/resend/", invitations.resend, name="resend_invitation"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", invitations.revoke, name="revoke_invitation"),
]
