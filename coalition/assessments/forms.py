"""Forms for crosswalks and self-assessments; they validate input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.assessments.models import Relation, Strength
from coalition.core.forms import ModelChoiceField
from coalition.principles.models import Framework, Principle


class CrosswalkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(label=_("Short address"), max_length=80)
    source = ModelChoiceField(label=_("From framework (source)"), queryset=Framework.objects.all())
    target = ModelChoiceField(label=_("To framework (target)"), queryset=Framework.objects.all())
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LinkForm(forms.Form):
    source = ModelChoiceField(label=_("Source principle"), queryset=Principle.objects.none())
    relation = forms.ChoiceField(
        label=_("The source principle is"),
        choices=Relation.choices,
        widget=forms.RadioSelect,
        help_text=_("Equal and superset carry a result over; subset and intersect give at most “partially”."),
    )
    target = ModelChoiceField(label=_("Target principle"), queryset=Principle.objects.none())
    strength = forms.TypedChoiceField(label=_("Strength"), choices=Strength.choices, coerce=int)
    rationale = forms.CharField(
        label=_("Rationale, in our own words"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, sources: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("source", sources), ("target", targets)):
            field = self.fields[name]
            assert isinstance(field, ModelChoiceField)
            field.queryset = queryset
            field.label_from_instance = lambda p: f"{p.code} {p.title}"  # type: ignore[method-assign, assignment]


class ApplyForm(forms.Form):
    """Where to apply: one of the person's reporting organisations and a cycle."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    cycle = forms.TypedChoiceField(label=_("Reporting cycle"), coerce=int)

    def __init__(self, *args: Any, organisations: list[Any], cycles: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]  # type: ignore[attr-defined]
        self.fields["cycle"].choices = [(c, str(c)) for c in cycles]  # type: ignore[attr-defined]
