"""Members' pages: writing and publishing appeals, and the tip handlers' inbox and triage."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.appeals import services
from coalition.appeals.forms import (
    AppealDetailsForm,
    AppealTextForm,
    AssignForm,
    EndForm,
    ImageForm,
    NewAppealForm,
    NoteForm,
    QuestionForm,
    TriageForm,
)
from coalition.appeals.models import Appeal, AppealImage, AppealText, Tip
from coalition.core.errors import ServiceError
from coalition.core.http import confirmation, is_confirmed, query_int, run_service, submit_form
from coalition.organisations.models import Organisation

PAGE_SIZE = 50
COUNT_CAP = 1000


def _editable(request: HttpRequest, pk: int) -> Appeal:
    return access.get_object_or_404(
        request.user,
        Action.EDIT_APPEAL,
        Appeal.objects.select_related("organisation").prefetch_related(
            Prefetch("texts", queryset=AppealText.objects.order_by("language")),
            Prefetch("images", queryset=AppealImage.objects.order_by("order", "id")),
        ),
        pk=pk,
    )


def index(request: HttpRequest) -> HttpResponse:
    """The appeals of the user's organisations, drafts included, and the way to write one."""
    publishing = access.visible(request.user, Organisation.objects.all(), Action.CREATE_APPEAL)
    handling = access.visible(request.user, Organisation.objects.all(), Action.HANDLE_TIPS)
    mine = access.organisation_ids_of(request.user)
    appeals = (
        access.visible(request.user, Appeal.objects.all(), Action.VIEW_APPEAL)
        .filter(organisation_id__in=mine)
        .select_related("organisation")
        .prefetch_related("texts")
        .order_by("-updated_at", "-id")
    )
    number = query_int(request.GET.get("page"), default=1, maximum=10_000)
    rows = list(appeals[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    if not rows and not publishing.exists() and not handling.exists():
        raise Http404("No such page.")
    return render(
        request,
        "appeals/manage/index.html",
        {
            "rows": [(a, a.text_for(a.primary_language)) for a in rows[:PAGE_SIZE]],
            "has_next": len(rows) > PAGE_SIZE,
            "page_number": number,
            "can_create": publishing.exists(),
            "handles_tips": handling.exists(),
        },
    )


def new(request: HttpRequest) -> HttpResponse:
    organisations = access.visible(request.user, Organisation.objects.order_by("name"), Action.CREATE_APPEAL)
    if not organisations.exists():
        raise Http404("No such page.")
    form = NewAppealForm(request.POST or None, organisations=organisations, initial={"language": "en"})
    created = submit_form(
        request,
        form,
        lambda: services.create_appeal(
            acting_user=request.user,
            organisation=form.cleaned_data["organisation"],
            object_type=form.cleaned_data["object_type"],
            countries=form.cleaned_data["countries"],
            languages=form.cleaned_data["languages"],
            language=form.cleaned_data["language"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            questions=form.cleaned_data["questions"],
        ),
    )
    if created is not None:
        messages.success(request, _("The draft was saved. Add an image, then publish it."))
        return redirect("appeals:edit", pk=created.pk)
    return render(request, "appeals/manage/new.html", {"form": form})


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    return _edit_page(request, appeal)


def _edit_page(request: HttpRequest, appeal: Appeal, **forms: Any) -> HttpResponse:
    main = appeal.text_for(appeal.primary_language)
    context = {
        "appeal": appeal,
        "main": main,
        "texts": list(appeal.texts.all()),
        "images": list(appeal.images.all()),
        "details_form": forms.get("details_form")
        or AppealDetailsForm(
            initial={"object_type": appeal.object_type, "countries": appeal.countries, "languages": appeal.languages}
        ),
        "text_form": forms.get("text_form")
        or AppealTextForm(initial={"language": "fr" if appeal.primary_language == "en" else "en"}),
        "image_form": forms.get("image_form") or ImageForm(),
        "end_form": forms.get("end_form") or EndForm(),
    }
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "appeals/manage/edit.html", context, status=status)


@require_POST
def save_details(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    form = AppealDetailsForm(request.POST)
    saved = submit_form(
        request,
        form,
        lambda: services.update_appeal(
            acting_user=request.user,
            appeal=appeal,
            object_type=form.cleaned_data["object_type"],
            countries=form.cleaned_data["countries"],
            languages=form.cleaned_data["languages"],
        ),
    )
    if saved is None:
        return _edit_page(request, appeal, details_form=form)
    messages.success(request, _("The details were saved."))
    return redirect("appeals:edit", pk=appeal.pk)


@require_POST
def save_text(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    form = AppealTextForm(request.POST)
    saved = submit_form(
        request,
        form,
        lambda: services.save_text(acting_user=request.user, appeal=appeal, **form.cleaned_data),
    )
    if saved is None:
        return _edit_page(request, appeal, text_form=form)
    messages.success(request, _("The text in %(language)s was saved.") % {"language": saved.language})
    return redirect("appeals:edit", pk=appeal.pk)


@require_POST
def remove_text(request: HttpRequest, pk: int, language: str) -> HttpResponse:
    appeal = _editable(request, pk)
    run_service(
        request,
        _("The text was removed."),
        lambda: services.remove_text(acting_user=request.user, appeal=appeal, language=language),
    )
    return redirect("appeals:edit", pk=appeal.pk)


@require_POST
def add_image(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        # One byte more than allowed is enough for images.clean to refuse a larger file.
        data = form.cleaned_data["image"].read(settings.APPEAL_IMAGE_MAX_BYTES + 1)
        try:
            services.add_image(
                acting_user=request.user, appeal=appeal, data=data, alt_text=form.cleaned_data["alt_text"]
            )
        except ServiceError as error:
            form.add_error("image", error)
        else:
            messages.success(request, _("The image was added, without its metadata."))
            return redirect("appeals:edit", pk=appeal.pk)
    return _edit_page(request, appeal, image_form=form)


@require_POST
def remove_image(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Remove this image?"),
            explanation=[_("It disappears from the appeal page at once.")],
            button=_("Remove image"),
            cancel_url=reverse("appeals:edit", args=[appeal.pk]),
            danger=True,
        )
    run_service(
        request,
        _("The image was removed."),
        lambda: services.remove_image(acting_user=request.user, appeal=appeal, image_id=image_pk),
    )
    return redirect("appeals:edit", pk=appeal.pk)


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Publish this appeal to the public?"),
            explanation=[
                _("Anyone on the internet will see its texts and images (TLP:CLEAR) and can send tips."),
                _("Tips go to the tip handlers of %(organisation)s.") % {"organisation": appeal.organisation.name},
                _("Check once more that the images show nothing but the object."),
            ],
            button=_("Publish appeal"),
            cancel_url=reverse("appeals:edit", args=[appeal.pk]),
        )
    if run_service(
        request, _("The appeal is public."), lambda: services.publish(acting_user=request.user, appeal=appeal)
    ):
        return redirect("appeals:appeal", pk=appeal.pk)
    return redirect("appeals:edit", pk=appeal.pk)


@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _editable(request, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, appeal, end_form=form)
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Mark this appeal %(status)s?")
            % {"status": str(Appeal.Status(form.cleaned_data["status"]).label).lower()},
            explanation=[_("It stays public with its note, and takes no more tips.")],
            button=_("Confirm"),
            cancel_url=reverse("appeals:edit", args=[appeal.pk]),
        )
    run_service(
        request,
        _("The appeal takes no more tips."),
        lambda: services.end_appeal(acting_user=request.user, appeal=appeal, **form.cleaned_data),
    )
    return redirect("appeals:edit", pk=appeal.pk)


# --- Tip handlers ---------------------------------------------------------------------------------


def _capped_count(queryset: Any) -> int:
    return queryset[: COUNT_CAP + 1].count()


def tips(request: HttpRequest) -> HttpResponse:
    """The inbox of tips for the organisations the user handles tips for; newest first, by keyset."""
    visible = access.visible(request.user, Tip.objects.all(), Action.HANDLE_TIP)
    if not access.visible(request.user, Organisation.objects.all(), Action.HANDLE_TIPS).exists():
        raise Http404("No such page.")
    status = request.GET.get("status", "")
    filtered = visible.filter(status=status) if status in Tip.Status.values else visible
    status = status if status in Tip.Status.values else ""
    appeal_id = query_int(request.GET.get("appeal"), default=0, minimum=0)
    if appeal_id:
        filtered = filtered.filter(appeal_id=appeal_id)
    before = query_int(request.GET.get("before"), default=0, minimum=0)
    if before:
        anchor = visible.filter(pk=before).values_list("received_at", flat=True).first()
        if anchor is not None:
            # (received_at, id) < (anchor, before), with a plain range first so the index bounds the scan.
            filtered = filtered.filter(received_at__lte=anchor).filter(Q(received_at__lt=anchor) | Q(pk__lt=before))
    rows = list(
        filtered.select_related("appeal", "assigned_to")
        .prefetch_related("appeal__texts")
        .order_by("-received_at", "-pk")[: PAGE_SIZE + 1]
    )
    return render(
        request,
        "appeals/tips/inbox.html",
        {
            "rows": [(tip, tip.appeal.text_for(tip.appeal.primary_language)) for tip in rows[:PAGE_SIZE]],
            "next_before": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "status": status,
            "appeal_id": appeal_id,
            "statuses": Tip.Status.choices,
            "new_count": _capped_count(visible.filter(status=Tip.Status.NEW)),
            "cap": COUNT_CAP,
        },
    )


def _handled(request: HttpRequest, pk: int) -> Tip:
    return access.get_object_or_404(
        request.user, Action.HANDLE_TIP, Tip.objects.select_related("appeal", "assigned_to", "forwarded_by"), pk=pk
    )


def _handlers_of(tip: Tip) -> Any:
    return User.objects.filter(
        memberships__organisation_id=tip.organisation_id, memberships__tip_handler=True, is_active=True
    ).order_by("name", "email")


def tip(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _handled(request, pk)
    services.record_view(acting_user=request.user, tip=tip)
    return _tip_page(request, tip)


def _tip_page(request: HttpRequest, tip: Tip, **forms: Any) -> HttpResponse:
    appeal = Appeal.objects.prefetch_related("texts").get(pk=tip.appeal_id)
    context = {
        "tip": tip,
        "appeal": appeal,
        "appeal_text": appeal.text_for(appeal.primary_language),
        "notes": list(tip.notes.select_related("author")),
        "thread": list(tip.messages.select_related("author")),
        "triage_form": forms.get("triage_form")
        or TriageForm(initial={"status": tip.status, "forwarded_to": tip.forwarded_to}),
        "assign_form": forms.get("assign_form")
        or AssignForm(handlers=_handlers_of(tip), initial={"assignee": tip.assigned_to_id}),
        "note_form": forms.get("note_form") or NoteForm(),
        "question_form": forms.get("question_form") or QuestionForm(),
    }
    return render(request, "appeals/tips/detail.html", context, status=400 if forms else 200)


@require_POST
def triage(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _handled(request, pk)
    form = TriageForm(request.POST)
    saved = submit_form(request, form, lambda: services.triage(acting_user=request.user, tip=tip, **form.cleaned_data))
    if saved is None:
        return _tip_page(request, tip, triage_form=form)
    messages.success(request, _("The tip is now “%(status)s”.") % {"status": saved.get_status_display()})
    return redirect("appeals:tip", pk=tip.pk)


@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _handled(request, pk)
    form = AssignForm(request.POST, handlers=_handlers_of(tip))
    saved = submit_form(
        request,
        form,
        lambda: services.assign(acting_user=request.user, tip=tip, assignee=form.cleaned_data["assignee"]),
    )
    if saved is None:
        return _tip_page(request, tip, assign_form=form)
    messages.success(request, _("The assignment was saved."))
    return redirect("appeals:tip", pk=tip.pk)


@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _handled(request, pk)
    form = NoteForm(request.POST)
    saved = submit_form(
        request, form, lambda: services.add_note(acting_user=request.user, tip=tip, **form.cleaned_data)
    )
    if saved is None:
        return _tip_page(request, tip, note_form=form)
    messages.success(request, _("The note was saved."))
    return redirect(reverse("appeals:tip", args=[tip.pk]) + "#notes")


@require_POST
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _handled(request, pk)
    form = QuestionForm(request.POST)
    saved = submit_form(
        request, form, lambda: services.ask_sender(acting_user=request.user, tip=tip, **form.cleaned_data)
    )
    if saved is None:
        return _tip_page(request, tip, question_form=form)
    messages.success(
        request, _("The question waits for the sender: they see it when they come back with their receipt.")
    )
    return redirect(reverse("appeals:tip", args=[tip.pk]) + "#thread")
