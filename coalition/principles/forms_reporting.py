"""Forms for evidence items, mileposts, matrix exports and the transparency report. They check
input; the services decide (labels, access)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.core.forms import ModelMultipleChoiceField
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Community, Organisation
from coalition.principles.evidence_services import MAX_NOTE_CHARS
from coalition.principles.forms import TLP_HELP
from coalition.principles.mileposts import MAX_MILEPOST_CHARS, MILEPOST_TLPS, MilepostCategory
from coalition.principles.models import EvidenceStatus

_DOCUMENT_NUMBER = re.compile(r"(?:/library/)?(\d{1,12})/?(?:[?#].*)?$")


class _EvidenceFields(forms.Form):
    note = forms.CharField(
        label=_("What it shows"),
        max_length=MAX_NOTE_CHARS,
        required=False,
        help_text=_("One line, e.g. “Quarterly classifier review, section 3”."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=EvidenceStatus.choices, initial=EvidenceStatus.CURRENT)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When this evidence stops being valid, if it does (a certificate, an audit)."),
    )


class EvidenceDocumentForm(_EvidenceFields):
    document = forms.CharField(
        label=_("Library document"),
        max_length=300,
        help_text=_("Paste the document's address from the library (…/library/123/) or its number."),
    )

    def clean_document(self) -> Document:
        value = self.cleaned_data["document"].strip()
        match = _DOCUMENT_NUMBER.search(value)
        document = Document.objects.filter(pk=int(match.group(1))).first() if match else None
        if document is None:
            # The same words as for a document the person may not read (the service says them).
            raise forms.ValidationError(_("Choose a library document you may read."))
        return document


class EvidenceFileForm(_EvidenceFields):
    file = forms.FileField(label=_("File"))
    tlp = forms.ChoiceField(
        label=_("The file's TLP label"),
        choices=TLP.choices,
        help_text=_("At most as restrictive as the record's own label."),
    )


class EvidenceUpdateForm(_EvidenceFields):
    pass


class MilepostForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("Category"), choices=MilepostCategory.choices)
    text = forms.CharField(
        label=_("What was achieved"),
        max_length=MAX_MILEPOST_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_MILEPOST_CHARS}),
        help_text=_("One or two sentences, e.g. “Rolled out the grooming classifier to all surfaces.”"),
    )
    tlp = forms.ChoiceField(label=_("TLP label"), choices=MILEPOST_TLPS, help_text=TLP_HELP, initial=TLP.AMBER_STRICT)
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, widget=forms.RadioSelect, initial=Audience.ORGANISATION
    )
    audience_organisations = ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(status=Organisation.Status.ACTIVE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Organisations"),
    )
    audience_communities = ModelMultipleChoiceField(
        queryset=Community.objects.all(), required=False, widget=forms.CheckboxSelectMultiple, label=_("Communities")
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Organisation"), queryset=organisations, empty_label=None
            )
            self.order_fields(["organisation"])
