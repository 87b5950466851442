"""The pages a tip's sender uses: the tip form, the receipt, and coming back with the receipt.

Anonymous by design (docs/appeals.md): every page here is under /tips/, where the middleware
does not read the client's address into the audit context and no session activity is written;
no cookie is set (the CSRF cookie is replaced by a signed one-time form token and an Origin
check); responses are never stored, send no referrer and run no script.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt

from coalition import access
from coalition.access import Action
from coalition.appeals import anonymity, services
from coalition.appeals.forms import ReceiptForm, ReplyForm, TipForm
from coalition.appeals.i18n import PUBLIC_LANGUAGES, public_language
from coalition.appeals.models import Appeal, Tip
from coalition.core.errors import ServiceError
from coalition.core.http import public_page

STRICT_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

TOKEN_PROBLEMS = {
    "missing": gettext_lazy("The form could not be checked. Your text is still here: send it again."),
    "forged": gettext_lazy("The form could not be checked. Your text is still here: send it again."),
    "expired": gettext_lazy("The form was open for more than two hours. Your text is still here: send it again."),
    "spent": gettext_lazy("This form was already sent once. If you did not get a receipt, send it again."),
}


def anonymous[F: Callable[..., HttpResponse]](view: F) -> F:
    """The headers and rules of every page for a tip's sender."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return public_page(csrf_exempt(csp_override(STRICT_CSP)(public_language(wrapped))))  # type: ignore[return-value]


def _refused_upload(request: HttpRequest) -> bool:
    return request.method == "POST" and (request.content_type or "").startswith("multipart/")


def _problem(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(
        request, "appeals/tips/problem.html", {"message": message, "languages": PUBLIC_LANGUAGES}, status=status
    )


def _appeal(request: HttpRequest, pk: int) -> Appeal:
    return access.get_object_or_404(
        request.user, Action.VIEW_APPEAL, Appeal.objects.select_related("organisation").prefetch_related("texts"), pk=pk
    )


@anonymous
def tip_form(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _appeal(request, pk)
    if not appeal.is_public:
        raise Http404("No such page.")
    language = request.public_language  # type: ignore[attr-defined]
    text = appeal.text_for(language)
    questions = list(text.questions) if text else []
    context: dict[str, Any] = {"appeal": appeal, "text": text, "languages": PUBLIC_LANGUAGES}
    if not appeal.takes_tips:
        return render(request, "appeals/tips/closed.html", context, status=410 if request.method == "POST" else 200)
    if _refused_upload(request):
        return _problem(
            request, _("This form takes no files or images. Never send images: describe what you know in words.")
        )
    form = TipForm(request.POST or None, questions=questions)
    message = ""
    if request.method == "POST":
        problem = None
        if not anonymity.same_origin(request):
            problem = _(
                "The form must be sent from this site's own page. Open the appeal again and send it from there."
            )
        else:
            code = anonymity.check_form_token(request.POST.get("token", ""), "tip", appeal.pk)
            if code:
                problem = str(TOKEN_PROBLEMS[code])
        if problem:
            message = problem
        elif not anonymity.within_limit(request, "tip", limit=settings.TIP_LIMIT_PER_HOUR, seconds=3600) or (
            not anonymity.within_global_limit(
                f"tip:{appeal.pk}", limit=settings.TIP_LIMIT_PER_APPEAL_HOUR, seconds=3600
            )
        ):
            message = _("Many tips were sent from here in the last hour. Please wait an hour and send it again.")
        elif form.is_valid():
            if form.cleaned_data.get("website"):
                # A robot filled in the hidden field: it gets a receipt that opens nothing.
                return _receipt(request, appeal, anonymity.new_receipt())
            try:
                _tip, receipt = services.submit_tip(
                    appeal=appeal,
                    language=language,
                    answers=form.answers(),
                    text=form.cleaned_data["text"],
                    contact=form.cleaned_data["contact"].strip(),
                )
            except ServiceError as error:
                message = " ".join(error.messages)
            else:
                return _receipt(request, appeal, receipt)
    context.update(
        {"form": form, "token": anonymity.form_token("tip", appeal.pk), "message": message, "language": language}
    )
    return render(request, "appeals/tips/form.html", context, status=400 if request.method == "POST" else 200)


def _receipt(request: HttpRequest, appeal: Appeal, receipt: str) -> HttpResponse:
    return render(
        request,
        "appeals/tips/receipt.html",
        {
            "appeal": appeal,
            "text": appeal.text_for(request.public_language),  # type: ignore[attr-defined]
            "receipt": anonymity.format_receipt(receipt),
            "languages": PUBLIC_LANGUAGES,
        },
    )


@anonymous
def status(request: HttpRequest) -> HttpResponse:
    """Come back with the receipt: the tip's status, the team's questions, and a way to answer."""
    form = ReceiptForm(request.POST or None)
    message = ""
    if request.method == "POST":
        if _refused_upload(request) or not anonymity.same_origin(request):
            message = _("The form must be sent from this site's own page. Open it again and send it from there.")
        elif form.is_valid():
            receipt = anonymity.normalise_receipt(form.cleaned_data["receipt"])
            # Each try costs an Argon2id computation (64 MiB): a ceiling for everyone too.
            allowed = anonymity.within_limit(
                request, "receipt", limit=settings.TIP_RECEIPT_TRIES_PER_HOUR, seconds=3600
            ) and anonymity.within_global_limit("receipt", limit=settings.TIP_RECEIPT_TRIES_GLOBAL_HOUR, seconds=3600)
            if not allowed:
                message = _("Too many receipts were tried from here. Please wait an hour and try again.")
            elif receipt is None:
                message = _("A receipt is 16 digits. Check the number and try again.")
            else:
                tip = services.tip_for_receipt(receipt)
                if tip is None:
                    message = _("No tip has this receipt. Check the number and try again.")
                else:
                    return _status_page(request, tip)
    return render(
        request,
        "appeals/tips/status_form.html",
        {"form": form, "message": message, "languages": PUBLIC_LANGUAGES},
        status=400 if message or form.errors else 200,
    )


def _status_page(request: HttpRequest, tip: Tip, *, form: ReplyForm | None = None, sent: bool = False) -> HttpResponse:
    appeal = Appeal.objects.prefetch_related("texts").get(pk=tip.appeal_id)
    return render(
        request,
        "appeals/tips/status.html",
        {
            "tip": tip,
            "appeal": appeal,
            "text": appeal.text_for(request.public_language),  # type: ignore[attr-defined]
            "state": services.sender_status(tip),
            "thread": list(tip.messages.all()),
            "reply_form": form or ReplyForm(),
            "reply_token": anonymity.reply_token(tip.pk),
            "sent": sent,
            "languages": PUBLIC_LANGUAGES,
        },
        status=400 if form is not None and form.errors else 200,
    )


@anonymous
def reply(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _problem(request, _("Open your tip with its receipt to answer."), status=405)
    if _refused_upload(request):
        return _problem(request, _("This form takes no files or images. Describe what you know in words."))
    if not anonymity.same_origin(request):
        return _problem(
            request, _("The form must be sent from this site's own page. Open it again and send it from there.")
        )
    tip_id = anonymity.tip_of_reply_token(request.POST.get("token", ""))
    tip = Tip.objects.filter(pk=tip_id).first() if tip_id is not None else None
    if tip is None:
        return _problem(
            request, _("This page was open for more than 30 minutes. Open your tip again with its receipt.")
        )
    if not anonymity.within_limit(request, "reply", limit=settings.TIP_LIMIT_PER_HOUR, seconds=3600):
        return _problem(
            request, _("Many answers were sent from here in the last hour. Please wait an hour."), status=429
        )
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.sender_reply(tip_id=tip.pk, text=form.cleaned_data["text"])
        except ServiceError as error:
            form.add_error(None, error)
        else:
            tip.refresh_from_db()
            return _status_page(request, tip, sent=True)
    return _status_page(request, tip, form=form)
