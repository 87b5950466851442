"""The secretariat's pages for frameworks, themes and principles (every change is audited by the
services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.core.http import submit_form
from coalition.library.models import Document
from coalition.principles import selectors, services
from coalition.principles.forms import FrameworkForm, PrincipleForm, ThemeForm
from coalition.principles.models import Framework, Principle, Theme


def _require_secretariat(request: HttpRequest) -> None:
    if not access.can(request.user, Action.MANAGE_PRINCIPLES):
        raise Http404("No such page.")


def _form_page(request: HttpRequest, form: Any, *, title: str, framework: Framework | None = None) -> HttpResponse:
    return render(
        request,
        "principles/manage/form.html",
        {"form": form, "title": title, "framework": framework},
        status=400 if request.method == "POST" else 200,
    )


def frameworks(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    return render(request, "principles/manage/list.html", {"frameworks": selectors.frameworks()})


def framework(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    _require_secretariat(request)
    item = selectors.framework_or_404(slug) if slug else None
    documents = access.visible(
        request.user, Document.objects.filter(kind=Document.Kind.PRINCIPLES), Action.VIEW_DOCUMENT
    )
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            name: getattr(item, name) for name in ("name", "slug", "short_name", "description", "source_url", "order")
        }
        initial["document"] = item.document_id
    form = FrameworkForm(request.POST or None, initial=initial, documents=documents)
    saved = submit_form(
        request, form, lambda: services.save_framework(acting_user=request.user, framework=item, **form.cleaned_data)
    )
    if saved is not None:
        messages.success(request, _("Framework saved."))
        return redirect("principles:manage_framework", slug=saved.slug)
    if item is not None and request.method != "POST":
        themes = list(item.themes.all())
        principles = list(item.principles.select_related("theme"))
        return render(
            request,
            "principles/manage/framework.html",
            {"form": form, "framework": item, "themes": themes, "principles": principles},
        )
    return _form_page(request, form, title=_("Framework"), framework=item)


def theme(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    _require_secretariat(request)
    parent = selectors.framework_or_404(slug)
    item = Theme.objects.filter(framework=parent, pk=pk).first() if pk else None
    if pk and item is None:
        raise Http404("No such page.")
    initial = {"code": item.code, "title": item.title, "order": item.order} if item else {}
    form = ThemeForm(request.POST or None, initial=initial)
    saved = submit_form(
        request,
        form,
        lambda: services.save_theme(acting_user=request.user, framework=parent, theme=item, **form.cleaned_data),
    )
    if saved is not None:
        messages.success(request, _("Theme saved."))
        return redirect("principles:manage_framework", slug=parent.slug)
    return _form_page(request, form, title=_("Theme"), framework=parent)


def principle(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    _require_secretariat(request)
    parent = selectors.framework_or_404(slug)
    item = Principle.objects.filter(framework=parent, pk=pk).first() if pk else None
    if pk and item is None:
        raise Http404("No such page.")
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {name: getattr(item, name) for name in ("code", "title", "text", "order", "retired_on")}
        initial["theme"] = item.theme_id
    form = PrincipleForm(request.POST or None, initial=initial, themes=parent.themes.all())
    saved = submit_form(
        request,
        form,
        lambda: services.save_principle(
            acting_user=request.user, framework=parent, principle=item, **form.cleaned_data
        ),
    )
    if saved is not None:
        messages.success(request, _("Principle saved."))
        return redirect("principles:manage_framework", slug=parent.slug)
    return _form_page(request, form, title=_("Principle"), framework=parent)
