"""Forms for crosswalks, self-assessments and the questionnaire editor; they validate input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.assessments.models import Choice, Question, Questionnaire, Relation, Section, Strength
from coalition.core.forms import ModelChoiceField, ModelMultipleChoiceField
from coalition.library.models import Topic
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


# --- The questionnaire editor (the secretariat) ---------------------------------------------------

ORDER_HELP = _("Its place among the others (1 comes first). Leave empty to add it at the end.")


def _order_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Order"), min_value=1, max_value=999, required=False, help_text=ORDER_HELP)


class NewQuestionnaireForm(forms.Form):
    framework = ModelChoiceField(
        label=_("Framework"),
        queryset=Framework.objects.all(),
        help_text=_("Answers score toward this framework's principles, and “apply to my records” writes to it."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short address"), max_length=80, help_text=_("Letters, digits and hyphens; every version keeps it.")
    )
    description = forms.CharField(
        label=_("Introduction"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    source_url = forms.URLField(label=_("Source (link to the assessment it follows)"), required=False)


class QuestionnaireForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Introduction"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    source_url = forms.URLField(label=_("Source (link to the assessment it follows)"), required=False)


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    topics = ModelMultipleChoiceField(
        label=_("Guidance topics"),
        queryset=Topic.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the section scores low, the report suggests published guidance on these topics."),
    )
    order = _order_field()


def _condition_label(choice: Choice) -> str:
    question = choice.question
    return f"{question.section.order}.{question.order} {question.text} → {choice.text}"


class QuestionForm(forms.Form):
    section = ModelChoiceField(label=_("Section"), queryset=Section.objects.none())
    text = forms.CharField(label=_("Question"), max_length=500)
    help = forms.CharField(
        label=_("Help (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    principles = ModelMultipleChoiceField(
        label=_("Principles it scores toward"),
        queryset=Principle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    depends_on = ModelChoiceField(
        label=_("Ask it only if an earlier question was answered with"),
        queryset=Choice.objects.none(),
        required=False,
        empty_label=_("— always ask it —"),
        help_text=_("Only answers to questions that come before this one can be chosen."),
    )
    order = _order_field()

    def __init__(
        self, *args: Any, questionnaire: Questionnaire, question: Question | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        section = self.fields["section"]
        principles = self.fields["principles"]
        depends_on = self.fields["depends_on"]
        assert isinstance(section, ModelChoiceField) and isinstance(depends_on, ModelChoiceField)
        assert isinstance(principles, ModelMultipleChoiceField)
        section.queryset = Section.objects.filter(questionnaire=questionnaire).order_by("order", "pk")
        section.label_from_instance = lambda s: f"{s.order}. {s.title}"  # type: ignore[method-assign, assignment]
        principles.queryset = Principle.objects.filter(framework_id=questionnaire.framework_id).order_by(
            "order", "code"
        )
        principles.label_from_instance = lambda p: f"{p.code} {p.title}"  # type: ignore[method-assign, assignment]
        depends_on.queryset = (
            Choice.objects.filter(question__section__questionnaire=questionnaire)
            .select_related("question__section")
            .order_by("question__section__order", "question__order", "order", "pk")
        )
        depends_on.label_from_instance = _condition_label  # type: ignore[method-assign, assignment]
        if question is not None:
            # Offer the answers of earlier questions only. Any answer of the questionnaire still
            # validates here, so that the service says why a later one or its own cannot be chosen.
            here = (question.section.order, question.order)
            earlier = [
                (c.pk, _condition_label(c))
                for c in depends_on.queryset
                if (c.question.section.order, c.question.order) < here
            ]
            depends_on.widget.choices = [("", depends_on.empty_label), *earlier]


class ChoiceForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=300)
    points = forms.IntegerField(
        label=_("Score"),
        min_value=0,
        max_value=Choice.MAX_POINTS,
        required=False,
        help_text=_(
            "0, 1 or 2 points toward the question's principles; leave empty for “not applicable” (not counted)."
        ),
    )
    order = _order_field()
