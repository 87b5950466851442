"""The public side of appeals: the gallery, one page per appeal, its images, and the reporting
and help page. Anyone may read them; drafts are seen by their organisation's members only."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.access.appeals import PUBLIC_STATUSES
from coalition.appeals.i18n import PUBLIC_LANGUAGES, public_language, suggested_country
from coalition.appeals.models import Appeal, AppealImage, AppealText, Helpline, ObjectType
from coalition.core.http import public_page, query_int

PAGE_SIZE = 24


def _with_texts_and_images(queryset):  # type: ignore[no-untyped-def]
    return queryset.select_related("organisation").prefetch_related(
        Prefetch("texts", queryset=AppealText.objects.order_by("language")),
        Prefetch("images", queryset=AppealImage.objects.order_by("order", "id")),
    )


@public_page
@public_language
def gallery(request: HttpRequest) -> HttpResponse:
    appeals = access.visible(request.user, Appeal.objects.all(), Action.VIEW_APPEAL).filter(status__in=PUBLIC_STATUSES)
    object_type = request.GET.get("type", "")
    if object_type in ObjectType.values:
        appeals = appeals.filter(object_type=object_type)
    else:
        object_type = ""
    status = request.GET.get("status", "")
    if status in (Appeal.Status.OPEN, Appeal.Status.SOLVED, Appeal.Status.CLOSED):
        appeals = appeals.filter(status=status)
    else:
        status = ""
    country = request.GET.get("country", "").strip().upper()[:2]
    if len(country) == 2 and country.isalpha() and country.isascii():
        appeals = appeals.filter(country_codes__contains=f"|{country}|")
    else:
        country = ""
    appeals = appeals.order_by("-published_at", "-id")
    # No count of a large set: the page asks for one row more than it shows.
    number = query_int(request.GET.get("page"), default=1, maximum=10_000)
    rows = list(_with_texts_and_images(appeals[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1]))
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    language = request.public_language  # type: ignore[attr-defined]
    cards = [{"appeal": a, "text": a.text_for(language), "image": next(iter(a.images.all()), None)} for a in rows]
    filters = {"type": object_type, "status": status, "country": country}
    return render(
        request,
        "appeals/gallery.html",
        {
            "cards": cards,
            "page_number": number,
            "has_next": has_next,
            "filters": filters,
            "query": "&".join(f"{key}={value}" for key, value in filters.items() if value),
            "object_types": ObjectType.choices,
            "statuses": [(s, Appeal.Status(s).label) for s in PUBLIC_STATUSES],
            "languages": PUBLIC_LANGUAGES,
        },
    )


@public_page
@public_language
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = access.get_object_or_404(
        request.user, Action.VIEW_APPEAL, _with_texts_and_images(Appeal.objects.all()), pk=pk
    )
    language = request.public_language  # type: ignore[attr-defined]
    text = appeal.text_for(language)
    share_url = request.build_absolute_uri(reverse("appeals:appeal", args=[appeal.pk]))
    response = render(
        request,
        "appeals/appeal.html",
        {
            "appeal": appeal,
            "text": text,
            "other_texts": [t for t in appeal.texts.all() if t != text],
            "images": list(appeal.images.all()),
            "share_url": share_url,
            "can_edit": access.can(request.user, Action.EDIT_APPEAL, appeal),
            "languages": PUBLIC_LANGUAGES,
        },
    )
    if not appeal.is_public:
        patch_cache_control(response, no_store=True, private=True)
    return response


@public_page
def image(request: HttpRequest, pk: int, image_pk: int, size: str) -> FileResponse:
    appeal = access.get_object_or_404(
        request.user, Action.VIEW_APPEAL, Appeal.objects.select_related("organisation"), pk=pk
    )
    picture = AppealImage.objects.filter(appeal=appeal, pk=image_pk).first()
    if picture is None or size not in ("display", "thumb"):
        raise Http404("No such page.")
    name = picture.display_name if size == "display" else picture.thumbnail_name
    try:
        handle = default_storage.open(name, "rb")
    except OSError:
        raise Http404("No such page.") from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    if appeal.is_public:
        patch_cache_control(response, public=True, max_age=3600)
    else:
        patch_cache_control(response, no_store=True, private=True)
    return response


@public_page
@public_language
def report(request: HttpRequest) -> HttpResponse:
    """Where to report abuse material and where to find help, per country."""
    countries = sorted(set(Helpline.objects.exclude(country="").values_list("country", flat=True)))
    chosen = request.GET.get("country", "").strip().upper()[:2]
    suggested = ""
    if chosen not in countries:
        suggested = suggested_country(request)
        chosen = suggested if suggested in countries else ""
    entries = list(Helpline.objects.filter(country__in=[chosen, ""] if chosen else [""]))
    by_kind = {
        kind: [e for e in entries if e.kind == kind and e.country == chosen]
        + [e for e in entries if e.kind == kind and e.country == ""]
        for kind in Helpline.Kind.values
    }
    return render(
        request,
        "appeals/report.html",
        {
            "countries": countries,
            "chosen": chosen,
            "suggested": bool(suggested and suggested == chosen and not request.GET.get("country")),
            "hotlines": by_kind[Helpline.Kind.HOTLINE],
            "child_helplines": by_kind[Helpline.Kind.CHILD_HELPLINE],
            "prevention": by_kind[Helpline.Kind.PREVENTION],
            "languages": PUBLIC_LANGUAGES,
            "title": _("Report illegal content"),
        },
    )
