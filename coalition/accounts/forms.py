"""Sign-up from an invitation link: the address is the invited one, and the new account joins
the inviting organisation in the same transaction."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.db import transaction

from coalition.accounts import invitations
from coalition.organisations.services import accept_invitation


class InvitationSignupForm(SignupForm):
    name = forms.CharField(max_length=150, label="Full name", widget=forms.TextInput(attrs={"autocomplete": "name"}))
    field_order = ["name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitation = invitations.pending_invitation(context.request) if context.request else None
        self.invitation = invitation
        if invitation is not None:
            self.fields["email"].initial = invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = f"The address {invitation.organisation.name} invited."

    def clean_email(self) -> str:
        email: str = super().clean_email()
        invitation = invitations.pending_invitation(context.request)
        if invitation is None:
            raise forms.ValidationError("Sign-up needs a valid invitation link. Open the link from your email again.")
        if email.lower() != invitation.email.lower():
            raise forms.ValidationError(f"Use the address the invitation was sent to: {invitation.email}.")
        return email

    def save(self, request: Any) -> Any:
        token = invitations.token_of(request) or ""
        with transaction.atomic():
            user = super().save(request)
            user.name = self.cleaned_data["name"].strip()
            user.save(update_fields=["name"])
            accept_invitation(token=token, user=user)
        invitations.forget(request)
        return user
