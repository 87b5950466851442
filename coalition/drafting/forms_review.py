"""Forms for review steps, review decisions, ratification and acknowledgement. They check what a
person typed; the services in coalition/drafting/services.py decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from coalition.core.forms import ModelChoiceField, ModelMultipleChoiceField
from coalition.drafting.models import Endorsement, Ratification, ReviewDecision
from coalition.drafting.services import MAX_STEPS
from coalition.organisations.models import Community, Organisation, Role


def _active_organisations() -> Any:
    return Organisation.objects.filter(status=Organisation.Status.ACTIVE).only("pk", "name")


class StepForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Step name",
        error_messages={"required": "Give the step a name, such as “Legal review”."},
        widget=forms.TextInput(attrs={"placeholder": "Legal review"}),
    )
    organisation = ModelChoiceField(
        queryset=_active_organisations(), required=False, empty_label="(none)", label="Organisation"
    )
    community = ModelChoiceField(
        queryset=Community.objects.only("pk", "name"), required=False, empty_label="(none)", label="or community"
    )
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.EDITOR,
        label="Role",
        help_text="People with this role or a higher one decide the step.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_org, has_community = data.get("organisation") is not None, data.get("community") is not None
        if has_org == has_community:
            self.add_error(
                "organisation",
                "Choose an organisation or a community, not both."
                if has_org
                else "Choose the organisation or community that reviews this step.",
            )
        return data


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = "Position"
        form.fields["ORDER"].help_text = "Steps are taken from the lowest position up."
        form.fields["DELETE"].label = "Remove this step"


StepFormSet = forms.formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=MAX_STEPS,
    validate_max=True,
    absolute_max=MAX_STEPS + 5,
)


class DecideReviewForm(forms.Form):
    review = forms.IntegerField(widget=forms.HiddenInput)
    # The revision the reviewer saw: a decision never applies to text saved after the page opened.
    revision = forms.IntegerField(widget=forms.HiddenInput)
    # The step they decide (its position): a second click, or a page opened before someone else
    # decided, must not count for the next step (often assigned to the same people).
    step = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    outcome = forms.ChoiceField(
        choices=[(ReviewDecision.Outcome.APPROVE, "Approve"), (ReviewDecision.Outcome.CHANGES, "Request changes")],
        widget=forms.RadioSelect,
        label="Your decision",
        error_messages={"required": "Choose approve or request changes."},
    )
    comment = forms.CharField(
        max_length=5000,
        required=False,
        label="Comment",
        help_text="Required when you request changes: say what needs to change.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("outcome") == ReviewDecision.Outcome.CHANGES and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say what needs to change.")
        return data


class OpenRatificationForm(forms.Form):
    quorum = forms.IntegerField(
        min_value=1,
        label="Quorum (organisations whose endorsement adopts it)",
        error_messages={"min_value": "The quorum must be at least 1 organisation."},
    )
    deadline = forms.DateField(
        required=False,
        label="Deadline (optional)",
        help_text="Decisions are taken until the end of this day.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, eligible: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eligible = eligible
        quorum = self.fields["quorum"]
        assert isinstance(quorum, forms.IntegerField)
        quorum.max_value = eligible
        quorum.widget.attrs["max"] = eligible
        quorum.help_text = f"{eligible} active member organisation{'s' if eligible != 1 else ''} may ratify."

    def clean_quorum(self) -> int:
        quorum: int = self.cleaned_data["quorum"]
        if quorum > self.eligible:
            raise forms.ValidationError(f"The quorum must be between 1 and {self.eligible} organisations.")
        return quorum

    def clean_deadline(self) -> datetime.date | None:
        deadline: datetime.date | None = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.localdate():
            raise forms.ValidationError("The deadline must be in the future.")
        return deadline


class EndorseForm(forms.Form):
    # The ratification (so the revision) the signatory had in front of them: a decision never
    # counts for a newer revision opened for ratification after the page was shown.
    ratification = forms.IntegerField(widget=forms.HiddenInput)
    organisation = forms.TypedChoiceField(coerce=int, label="On behalf of")
    decision = forms.ChoiceField(
        choices=[(Endorsement.Decision.ENDORSE, "Endorse"), (Endorsement.Decision.DECLINE, "Decline")],
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Choose endorse or decline."},
    )
    reason = forms.CharField(
        max_length=5000,
        required=False,
        label="Reason",
        help_text="Required when you decline; shown to readers of this document.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, memberships: list[Any], ratification: Ratification, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown = ratification
        self.initial["ratification"] = ratification.pk
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.TypedChoiceField)
        organisation.choices = [(m.organisation_id, m.organisation_name) for m in memberships]
        organisation.error_messages["invalid_choice"] = "You are not a signatory for that organisation."
        if len(memberships) == 1:
            organisation.widget = forms.HiddenInput()
            self.initial.setdefault("organisation", memberships[0].organisation_id)
        self.single = memberships[0] if len(memberships) == 1 else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("ratification") != self.shown.pk:
            number = self.shown.revision.number
            raise forms.ValidationError(
                f"The ratification changed since you opened this page: revision {number} is now up for decision. "
                "Read it, then decide again.",
                code="stale",
            )
        if data.get("decision") == Endorsement.Decision.DECLINE and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason your organisation declines.")
        return data


class AcknowledgementRequestForm(forms.Form):
    organisations = ModelMultipleChoiceField(
        queryset=_active_organisations(),
        widget=forms.CheckboxSelectMultiple,
        label="Organisations to ask",
        error_messages={"required": "Choose at least one organisation."},
    )
    message = forms.CharField(
        max_length=2000, required=False, label="Message (optional)", widget=forms.Textarea(attrs={"rows": 3})
    )
