"""Forms for the principles pages; they validate input, services decide (TLP rules included)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.accounts.models import User
from coalition.core.forms import ModelChoiceField, ModelMultipleChoiceField
from coalition.library.models import Audience, Document
from coalition.organisations.models import Community, Organisation
from coalition.principles.models import MATURITY_MEANINGS, RECORD_TLPS, Maturity, Result, Status, Theme
from coalition.principles.services import MAX_EVIDENCE_CHARS

TLP_HELP = _(
    "TLP:CLEAR may be public. TLP:GREEN: the community. TLP:AMBER: recipients' organisations, need to know. "
    "TLP:AMBER+STRICT: recipients' organisations only. Records cannot be TLP:RED."
)


def _maturity_choices() -> list[tuple[Any, Any]]:
    return [("", _("Not rated"))] + [
        (value, f"{label}: {MATURITY_MEANINGS[Maturity(value)]}") for value, label in Maturity.choices
    ]


class RecordForm(forms.Form):
    status = forms.ChoiceField(label=_("Workflow status"), choices=Status.choices)
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices)
    maturity = forms.TypedChoiceField(
        label=_("Maturity"),
        choices=_maturity_choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label=_("Evidence (Markdown)"),
        required=False,
        max_length=MAX_EVIDENCE_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
        help_text=_("What you do, where it is documented, how you know it works. Links are welcome."),
    )
    owner = ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    next_review = forms.DateField(
        label=_("Next review"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, ModelChoiceField)
        owner.queryset = User.objects.filter(memberships__organisation=organisation, is_active=True).order_by(
            "name", "email"
        )
        owner.label_from_instance = lambda user: user.display_name  # type: ignore[method-assign, assignment]


class ShareForm(forms.Form):
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, widget=forms.RadioSelect)
    tlp = forms.ChoiceField(label=_("TLP label"), choices=RECORD_TLPS, help_text=TLP_HELP)
    audience_organisations = ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(status=Organisation.Status.ACTIVE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Organisations"),
    )
    audience_communities = ModelMultipleChoiceField(
        queryset=Community.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Communities")
    )


class FrameworkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(label=_("Short address"), max_length=80)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source_url = forms.URLField(label=_("Source"), required=False, assume_scheme="https")
    document = ModelChoiceField(
        label=_("Principles document in the library"), queryset=Document.objects.none(), required=False
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document"]
        assert isinstance(field, ModelChoiceField)
        field.queryset = documents


class ThemeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=200)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)


class PrincipleForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("Stable across revisions, e.g. P1."))
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Short text, in our own words"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    theme = ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    retired_on = forms.DateField(
        label=_("Retired on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A retired principle keeps its records; no new ones can be made."),
    )

    def __init__(self, *args: Any, themes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["theme"]
        assert isinstance(field, ModelChoiceField)
        field.queryset = themes
