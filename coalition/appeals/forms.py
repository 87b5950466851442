"""Forms for appeals, tips and the helpline directory; they validate input, services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.accounts.models import User
from coalition.appeals import services
from coalition.appeals.models import Appeal, Helpline, ObjectType, Tip
from coalition.core.forms import ModelChoiceField
from coalition.organisations.forms import no_control_characters
from coalition.organisations.models import Organisation

# Languages an appeal's texts may be written in; the public pages themselves are in English and French.
TEXT_LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("nl", "Nederlands"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("pl", "Polski"),
]
LANGUAGE_CODES = {code for code, _name in TEXT_LANGUAGES}


class CodeListField(forms.CharField):
    """Comma-separated codes (countries GB, FR; languages en, fr), checked one by one."""

    def __init__(self, *, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        items = [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]
        if self.kind == "country":
            items = [item.upper() for item in items]
            bad = [item for item in items if len(item) != 2 or not item.isascii() or not item.isalpha()]
            if bad:
                raise forms.ValidationError(
                    _("Use two-letter country codes such as GB, FR or BE, separated by commas.")
                )
        else:
            items = [item.lower() for item in items]
            if any(item not in LANGUAGE_CODES for item in items):
                raise forms.ValidationError(
                    _("Use language codes from this list: %(codes)s.") % {"codes": ", ".join(sorted(LANGUAGE_CODES))}
                )
        return list(dict.fromkeys(items))[:20]

    def validate(self, value: Any) -> None:
        super().validate(",".join(value))

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class QuestionsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        questions = [line.strip() for line in text.splitlines() if line.strip()]
        if len(questions) > services.MAX_QUESTIONS:
            raise forms.ValidationError(_("Ask at most %(count)d questions.") % {"count": services.MAX_QUESTIONS})
        if any(len(q) > 300 for q in questions):
            raise forms.ValidationError(_("Keep each question under 300 characters."))
        return questions

    def validate(self, value: Any) -> None:
        super().validate("\n".join(value))

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class AppealTextForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of this text"), choices=TEXT_LANGUAGES)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        validators=[no_control_characters],
        help_text=_("For example “Striped hotel towel”."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the object is and what is known about it. Never describe the case it comes from."),
    )
    questions = QuestionsField(
        label=_("Questions to the public"),
        max_length=3000,
        help_text=_("One per line, for example “Where is this sold?” or “Which country uses this socket?”."),
    )


class AppealDetailsForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Type of object"), choices=ObjectType.choices)
    countries = CodeListField(
        kind="country", label=_("Country hints"), help_text=_("Where it may be sold or found, e.g. BE, FR, NL.")
    )
    languages = CodeListField(
        kind="language", label=_("Languages that may matter"), help_text=_("On a label or a sign, e.g. fr, nl.")
    )


class NewAppealForm(AppealDetailsForm, AppealTextForm):
    organisation = ModelChoiceField(label=_("Published by"), queryset=Organisation.objects.none(), empty_label=None)

    field_order = [
        "organisation",
        "language",
        "title",
        "description",
        "questions",
        "object_type",
        "countries",
        "languages",
    ]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ImageForm(forms.Form):
    image = forms.FileField(label=_("Image"), help_text=_("JPEG, PNG or WebP. Every metadata block is removed."))
    alt_text = forms.CharField(
        label=_("Describe the image for people who cannot see it"),
        max_length=300,
        validators=[no_control_characters],
        help_text=_("For example “A white towel with two blue stripes and a woven border”."),
    )


class EndForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(Appeal.Status.SOLVED, _("Solved: the object was identified")), (Appeal.Status.CLOSED, _("Closed"))],
        widget=forms.RadioSelect,
    )
    outcome_note = forms.CharField(
        label=_("Public note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the appeal page, e.g. “Identified thanks to your tips. Thank you.”"),
    )


class TipForm(forms.Form):
    """The anonymous tip: the appeal's questions, free text, an optional way to be contacted, and a
    honeypot. No file field exists, and the view refuses multipart bodies."""

    text = forms.CharField(
        label=_("Anything else you know"),
        required=False,
        max_length=services.TIP_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact = forms.CharField(
        label=_("How the team may contact you (optional)"),
        required=False,
        max_length=services.CONTACT_MAX,
        help_text=_("An email address or phone number. Leave it empty to stay anonymous; your receipt is enough."),
    )
    # Hidden from people (CSS and aria-hidden); filled in by robots.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for number, question in enumerate(questions):
            self.fields[f"answer_{number}"] = forms.CharField(
                label=question, required=False, max_length=services.ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.order_fields([f"answer_{n}" for n in range(len(questions))] + ["text", "contact", "website"])

    def answers(self) -> list[dict[str, str]]:
        return [
            {"question": question, "answer": self.cleaned_data.get(f"answer_{number}", "").strip()}
            for number, question in enumerate(self.questions)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("text", "").strip() and not any(a["answer"] for a in self.answers()):
            raise forms.ValidationError(_("Write what you know: answer a question or use the free text."))
        return cleaned


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        max_length=40,
        help_text=_("The 16 digits you were given when you sent the tip."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), max_length=services.MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class TriageForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Tip.Status.choices)
    forwarded_to = forms.CharField(
        label=_("Forwarded to"),
        required=False,
        max_length=200,
        validators=[no_control_characters],
        help_text=_("The authority, for example “Federal Police, Child Abuse Unit”. Needed for “Forwarded”."),
    )


class AssignForm(forms.Form):
    assignee = ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = handlers  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note for the other handlers"),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question to the sender"),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They see it when they come back with their receipt. Never reveal case details."),
    )


class HelplineForm(forms.Form):
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Two-letter code; empty for a service open to all."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Helpline.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, validators=[no_control_characters])
    url = forms.URLField(label=_("Address (URL)"), max_length=300, assume_scheme="https")
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40, validators=[no_control_characters])
    languages = CodeListField(kind="language", label=_("Languages"))
    accepts = forms.CharField(
        label=_("What it takes or offers"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)

    def clean_country(self) -> str:
        value = (self.cleaned_data.get("country") or "").strip().upper()
        if value and (len(value) != 2 or not value.isalpha() or not value.isascii()):
            raise forms.ValidationError(_("Use a two-letter country code such as BE, or leave it empty."))
        return value

    def clean_url(self) -> str:
        value = self.cleaned_data["url"]
        if not value.startswith("https://"):
            raise forms.ValidationError(_("Use an https:// address."))
        return value
