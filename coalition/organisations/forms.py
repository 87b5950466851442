"""Forms for organisation admins and the secretariat; they validate input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from coalition.core.forms import ModelMultipleChoiceField
from coalition.organisations.models import Organisation, Role

country_code = RegexValidator(r"^[A-Za-z]{2}$", "Enter a two-letter ISO country code, such as GB or KE.")
domain = RegexValidator(
    r"^@?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "Enter domains such as example.org, separated by commas.",
)


def no_control_characters(value: str) -> None:
    # A line break in a name would break email subjects and headings; nothing needs one.
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        raise forms.ValidationError("Names cannot contain line breaks, tabs or other control characters.")


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READER)
    signatory = forms.BooleanField(
        required=False, label="Signatory", help_text="May ratify principles for the organisation (requires MFA)."
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SignatoryForm(forms.Form):
    signatory = forms.BooleanField(required=False)


class DomainListField(forms.CharField):
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [item.strip().lower() for item in text.replace("\n", ",").split(",") if item.strip()]

    def validate(self, value: Any) -> None:
        super().validate(",".join(value))
        for item in value:
            domain(item)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_control_characters])
    slug = forms.SlugField(max_length=80, label="Short name", help_text="Used in addresses, e.g. acme.")
    kind = forms.ChoiceField(choices=Organisation.Kind.choices)
    # No max_length: the validator's one message covers "GBR" too.
    country = forms.CharField(validators=[country_code], help_text="ISO code, e.g. GB.")
    email_domains = DomainListField(
        required=False, label="Email domains", help_text="Comma-separated, e.g. acme.example, acme.org."
    )
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)
    may_publish_appeals = forms.BooleanField(
        required=False,
        label="May publish appeals",
        help_text="Its editors may publish public appeals and its tip handlers receive the tips.",
    )
    oversight_body = forms.BooleanField(
        required=False,
        label="Oversight body",
        help_text="The independent body that oversees access: its admins name members who see the whole audit log, "
        "never content.",
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), help_text="Recorded in the audit log."
    )


class CommunityForm(forms.Form):
    name = forms.CharField(max_length=200, validators=[no_control_characters])
    slug = forms.SlugField(max_length=80, label="Short name")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organisations = ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"), widget=forms.CheckboxSelectMultiple, required=False
    )
