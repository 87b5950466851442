"""Forms for the library pages; they validate input, services decide (TLP rules included)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from coalition.core.forms import ModelChoiceField, ModelMultipleChoiceField
from coalition.library.models import LANGUAGES, TLP, Audience, Document, Topic
from coalition.library.services import MAX_BODY_CHARS
from coalition.organisations.models import Community, Organisation

MAX_MB = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
TLP_HELP = (
    "TLP:CLEAR may be public. TLP:GREEN: the community. TLP:AMBER: recipients' organisations, need to know. "
    "TLP:AMBER+STRICT: recipients' organisations only. TLP:RED: named people only."
)


class DetailsForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(choices=Document.Kind.choices)
    topics = ModelMultipleChoiceField(queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    language = forms.ChoiceField(choices=LANGUAGES, initial="en")
    review_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Review by")


class TextForm(forms.Form):
    body = forms.CharField(
        required=False,
        max_length=MAX_BODY_CHARS,
        strip=False,
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 22, "class": "markdown-input", "spellcheck": "true"}),
    )
    message = forms.CharField(max_length=300, required=False, label="What changed?")


class EditForm(DetailsForm, TextForm):
    base = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    review_owner = ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Review owner",
        empty_label="Nobody",
        help_text="Reminded when the review-by date is near or has passed; one of the owner's editors.",
    )

    def __init__(self, *args: Any, review_owners: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = review_owners or []
        field = self.fields["review_owner"]
        assert isinstance(field, ModelChoiceField)
        field.queryset = get_user_model().objects.filter(pk__in=[p.pk for p in people]).order_by("name", "email")
        field.label_from_instance = lambda person: person.display_name  # type: ignore[method-assign, assignment]


class AudienceForm(forms.Form):
    audience = forms.ChoiceField(choices=Audience.choices, widget=forms.RadioSelect)
    audience_organisations = ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(status=Organisation.Status.ACTIVE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Organisations",
    )
    audience_communities = ModelMultipleChoiceField(
        queryset=Community.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, label="Communities"
    )


class NewDocumentForm(DetailsForm, TextForm, AudienceForm):
    tlp = forms.ChoiceField(choices=TLP.choices, initial=TLP.AMBER, label="TLP label", help_text=TLP_HELP)
    co_drafters = ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(status=Organisation.Status.ACTIVE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Co-drafting organisations",
        help_text="Their editors may edit the draft with you.",
    )


class RelabelForm(forms.Form):
    tlp = forms.ChoiceField(choices=TLP.choices, label="TLP label", help_text=TLP_HELP)


class GrantForm(forms.Form):
    email = forms.EmailField(required=False, label="Person (email address)")
    organisation = ModelChoiceField(
        queryset=Organisation.objects.filter(status=Organisation.Status.ACTIVE), required=False
    )
    level = forms.ChoiceField(choices=[("view", "View"), ("comment", "Comment"), ("edit", "Edit")], initial="view")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("email")) == bool(data.get("organisation")):
            raise forms.ValidationError("Name either one person (by email) or one organisation.")
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(help_text=f"PDF, images, office documents, text or CSV, up to {MAX_MB} MB.")
