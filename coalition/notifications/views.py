"""The inbox, opening an item, marking everything read, and email preferences. Everyone signed in
has an inbox; each view touches only the signed-in person's own notifications."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition import access
from coalition.access import Action
from coalition.core.http import run_service
from coalition.library.models import Document
from coalition.notifications import selectors, services
from coalition.notifications.models import Mode


@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    page = selectors.inbox(request.user, unread_only=unread_only, page=request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"inbox": page, "unread_only": unread_only})


@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the item read and go to what it is about, if that is still readable and on this site."""
    notification = selectors.notification_of(request.user, pk)
    if notification is None:
        raise Http404("No such page.")
    services.mark_read(acting_user=request.user, notification=notification)
    if not access.can(request.user, Action.VIEW_DOCUMENT, notification.document):
        messages.info(request, "You can no longer read the document this notification was about.")
        return redirect("notifications:inbox")
    if not services.is_site_relative(notification.url):
        return redirect("notifications:inbox")
    return redirect(notification.url)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(acting_user=request.user)
    messages.success(request, "Every notification is marked as read." if count else "Nothing was unread.")
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # One radio group per kind, named "mode_<kind>"; a kind missing from the form is left as it is.
        modes = {
            key.removeprefix("mode_"): request.POST.get(key, "") for key in request.POST if key.startswith("mode_")
        }
        saved = run_service(
            request,
            "Your email preferences are saved.",
            lambda: services.set_preferences(acting_user=request.user, modes=modes),
        )
        if saved:
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"rows": selectors.preferences_of(request.user), "modes": Mode.choices},
        status=200 if request.method == "GET" else 400,
    )


def _back(request: HttpRequest, document: Document) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and services.is_site_relative(target):
        return redirect(target)
    return redirect("library:detail", pk=document.pk)


@require_POST
def star(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.get_object_or_404(request.user, Action.VIEW_DOCUMENT, Document.objects.all(), pk=pk)
    starred = request.POST.get("starred") == "1"
    services.set_star(acting_user=request.user, document=document, starred=starred)
    messages.success(request, _("Starred: it is listed on My work.") if starred else _("Star removed."))
    return _back(request, document)


@require_POST
def watch(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.get_object_or_404(request.user, Action.VIEW_DOCUMENT, Document.objects.all(), pk=pk)
    watching = request.POST.get("watching") == "1"
    services.set_watch(acting_user=request.user, document=document, watching=watching)
    messages.success(
        request,
        _("You are watching this document: its changes reach your inbox.")
        if watching
        else _("You no longer watch this document."),
    )
    return _back(request, document)
