"""Small HTTP helpers shared by the apps."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from coalition.core.converters import INT32_MAX
from coalition.core.errors import AccessDenied, ServiceError

_WHOLE_NUMBER = re.compile(r"\s*([-+]?)0*([0-9]+)\s*")


def public_page[F: Callable[..., object]](view: F) -> F:
    """Marks a view anyone may see: no sign-in needed, and the MFA hold does not apply."""
    view.coalition_public = True  # type: ignore[attr-defined]
    return login_not_required(view)  # type: ignore[type-var]


def query_int(value: object, *, default: int, minimum: int = 1, maximum: int = INT32_MAX) -> int:
    """A number read from the request (`?page=`, `?from=`), within `minimum`..`maximum`: `default`
    when it is no whole number, the nearest bound when it is out of range. The bounds fit every
    integer column and every offset, so the result may go to the database as it is."""
    match = _WHOLE_NUMBER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return default
    sign, digits = match.groups()
    if len(digits) > len(str(maximum)) + 1:  # never int() a thousand digits
        return minimum if sign == "-" else maximum
    return min(max(int(sign + digits), minimum), maximum)


def run_service(request: HttpRequest, done: str, call: Callable[[], object]) -> bool:
    """Run a service call from a view. A refusal by a rule becomes an error message (and the
    service's transaction changed nothing); a refusal by access control becomes a 404."""
    try:
        call()
    except ServiceError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    except AccessDenied:
        raise Http404("No such page.") from None
    messages.success(request, done)
    return True


def submit_form[T](request: HttpRequest, form: forms.Form, call: Callable[[], T]) -> T | None:
    """On a valid POST, run a service with the form's data. Returns its result, or None when the
    form is invalid or the service refused: its message then sits on the matching field (or the
    whole form), and the service's transaction changed nothing. Access refusals become a 404."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return call()
    except ServiceError as error:
        form.add_error(error.code if error.code in form.fields else None, error)
        return None
    except AccessDenied:
        raise Http404("No such page.") from None


CONFIRM_FIELD = "confirm"


def is_confirmed(request: HttpRequest) -> bool:
    """Whether a POST comes from the confirmation page (see `confirmation`)."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def confirmation(
    request: HttpRequest,
    *,
    question: str,
    explanation: list[str],
    button: str,
    cancel_url: str,
    danger: bool = False,
) -> HttpResponse:
    """The one confirmation step before a consequential action: a page that asks, says what will
    happen, and posts the same fields again with `confirm=yes`. Works without JavaScript: the form
    that led here is an ordinary form, and nothing changes until the second POST."""
    carry = [
        (name, value)
        for name, values in (request.POST.lists() if request.method == "POST" else ())
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in values
    ]
    return render(
        request,
        "includes/confirm_post.html",
        {
            "question": question,
            "explanation": explanation,
            "button": button,
            "cancel_url": cancel_url,
            "danger": danger,
            "carry": carry,
            "confirm_field": CONFIRM_FIELD,
        },
    )
