"""The secretariat keeps the reporting page's directory of hotlines and helplines."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.appeals import services
from coalition.appeals.forms import HelplineForm
from coalition.appeals.models import Helpline
from coalition.core.http import confirmation, is_confirmed, run_service, submit_form


def _require(request: HttpRequest) -> None:
    if not access.can(request.user, Action.MANAGE_HELPLINES):
        raise Http404("No such page.")


def index(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "appeals/helplines/index.html", {"helplines": list(Helpline.objects.all())})


def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request)
    helpline = None
    if pk is not None:
        helpline = Helpline.objects.filter(pk=pk).first()
        if helpline is None:
            raise Http404("No such page.")
    initial = {field: getattr(helpline, field) for field in services.HELPLINE_FIELDS} if helpline else {}
    form = HelplineForm(request.POST or None, initial=initial)
    saved = submit_form(
        request, form, lambda: services.save_helpline(acting_user=request.user, helpline=helpline, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
        return redirect("appeals:helplines")
    return render(request, "appeals/helplines/form.html", {"form": form, "helpline": helpline})


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    helpline = Helpline.objects.filter(pk=pk).first()
    if helpline is None:
        raise Http404("No such page.")
    if not is_confirmed(request):
        return confirmation(
            request,
            question=_("Remove “%(name)s” from the directory?") % {"name": helpline.name},
            explanation=[_("Visitors of the reporting page will no longer be sent there.")],
            button=_("Remove"),
            cancel_url=reverse("appeals:helplines"),
            danger=True,
        )
    run_service(
        request,
        _("“%(name)s” was removed.") % {"name": helpline.name},
        lambda: services.delete_helpline(acting_user=request.user, helpline=helpline),
    )
    return redirect("appeals:helplines")
