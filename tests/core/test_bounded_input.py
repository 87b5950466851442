"""Every number a request carries is bounded before it reaches the database: no URL of the project
answers 5xx to huge, negative or non-numeric ids, query parameters or form fields.

The walk resolves the URLconf itself (so a new page is walked without being listed here), fills
each pattern with real ids from the demo coalition and then with bad ones, and sends every query
parameter the code reads and every field of every form with bad values: all at once, and one form
field at a time with the rest as the page filled it in (so a view that reads one field before the
form, like the owner of a new document, still lets the others through). It runs as a visitor and as
an editor, an organisation admin, a secretariat admin and a Django admin superuser, on whichever
database DATABASE_URL names. Each request is rolled back, so every one starts from the same data.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

import coalition
from coalition.accounts.models import User
from coalition.appeals.models import Appeal, AppealImage, Helpline, Tip
from coalition.assessments.models import Choice, CrosswalkLink, Question, Questionnaire, Section, SelfAssessment
from coalition.drafting.models import AcknowledgementRequest, Comment, Endorsement, Proposal
from coalition.library import services as library_services
from coalition.library.models import Document
from coalition.notifications.models import Notification
from coalition.organisations import services as organisation_services
from coalition.organisations.models import Invitation, Membership, Organisation, Role
from coalition.principles.models import EvidenceItem, ImplementationRecord
from tests.conftest import enrol_totp

HUGE = "99999999999999999999"
BAD_VALUES = (
    HUGE,
    str(2**63),  # one past the 64-bit columns (ids)
    str(2**31),  # one past the 32-bit columns (revision numbers, quorums)
    "-1",
    "abc",
)
# One field or parameter at a time (many requests): 2**63 lies between two of these already.
ONE_AT_A_TIME = (HUGE, str(2**31), "-1", "abc")
SOURCE = Path(coalition.__file__).parent


# --- What the project reads: URL patterns, query parameters, form fields --------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", for messages
    template: str  # "library/{pk}/compare/"
    params: tuple[str, ...]


def _routes(patterns: list[Any] | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            piece = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
        elif isinstance(pattern, RegexPattern):
            # Named groups become parameters; anchors go (allauth and the admin use a few of these).
            piece = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", str(pattern)).lstrip("^").rstrip("$")
            assert not re.search(r"[()\[\]\\*+?|]", piece), f"cannot walk the regex pattern {pattern}"
        else:  # pragma: no cover - Django has only these two
            raise AssertionError(f"unknown pattern type {pattern!r}")
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + piece, entry.namespace or namespace)
        else:
            assert isinstance(entry, URLPattern)
            template = prefix + piece
            yield Route(f"{namespace}:{entry.name}", template, tuple(re.findall(r"\{(\w+)\}", template)))


def _import_the_project() -> None:
    for module in pkgutil.walk_packages([str(SOURCE)], "coalition."):
        if ".migrations" not in module.name and ".management.commands" not in module.name:
            importlib.import_module(module.name)


def _project_forms() -> list[type[forms.Form]]:
    _import_the_project()
    found: list[type[forms.Form]] = []
    pending: list[type] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("coalition.") and issubclass(cls, forms.BaseForm):
            found.append(cls)
    return found


def _is_request_read(node: ast.AST) -> str | None:
    """ "page" for `request.GET.get("page", ...)` (or POST)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr in {"GET", "POST"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


@functools.cache
def _reads_by_function(path: Path) -> dict[str, tuple[set[str], set[str]]]:
    """For each function of a module: the request names it reads, and the names it calls."""
    functions: dict[str, tuple[set[str], set[str]]] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            reads, calls = functions.setdefault(node.name, (set(), set()))
            for inner in ast.walk(node):
                if (name := _is_request_read(inner)) is not None:
                    reads.add(name)
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
                    calls.add(inner.func.id)
    return functions


def _names_read_by_view(url: str) -> set[str]:
    """What the project's view behind `url` reads from the request, the helpers it calls in its
    module included. Sent one at a time: sent together, a bad filter can answer before the bad
    page number is read."""
    view = inspect.unwrap(resolve(urlsplit(url).path).func)
    path = Path(inspect.getsourcefile(view) or "")
    if not path.is_relative_to(SOURCE):
        return set()  # allauth's and the admin's: their names go all together
    functions = _reads_by_function(path)
    names: set[str] = set()
    pending, seen = [view.__name__], set()
    while pending:
        function = pending.pop()
        if function in seen or function not in functions:
            continue
        seen.add(function)
        reads, calls = functions[function]
        names |= reads
        pending.extend(calls)
    return names


def _all_names() -> set[str]:
    from coalition.library.selectors import FILTERS

    names = set(FILTERS) | {"next", "p", "o", "q"}  # the last three: the Django admin's
    for path in SOURCE.rglob("*.py"):
        for reads, _ in _reads_by_function(path).values():
            names |= reads
    for form in _project_forms():
        names |= set(getattr(form, "base_fields", {}))
    return names


# --- Forms as the pages fill them in ----------------------------------------------------------


@dataclass
class HtmlForm:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        attrs = {key: value or "" for key, value in attributes}
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            action = attrs.get("action") or self.page
            self._form = HtmlForm(action=urlsplit(action).path if action.startswith("/") else self.page)
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            if tag == "option" and self._select is not None and self._first_option is None:
                self._first_option = attrs.get("value", "")
            return
        name = attrs["name"]
        if tag == "input" and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                self._form.fields.setdefault(name, [])
                if "checked" in attrs:
                    self._form.fields[name].append(attrs.get("value", "on"))
            else:
                self._form.fields.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select, self._first_option = name, None
            self._form.fields.setdefault(name, [])
        elif tag == "textarea":
            self._textarea = name
            self._form.fields.setdefault(name, [""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select is not None:
            if not self._form.fields[self._select] and self._first_option is not None:
                self._form.fields[self._select] = [self._first_option]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] = [data]


def _forms_on(page: str, html: str) -> list[HtmlForm]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


# --- The demo coalition, with the few things it lacks ---------------------------------------------


@pytest.fixture
def seeded(db: Any, settings: Any, tmp_path: Path) -> None:
    settings.DEMO_DATA = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    nadia = User.objects.get(email="nadia@northwind.example")
    amira = User.objects.get(email="amira@secretariat.example")
    for person in (nadia, amira):
        enrol_totp(person)
    round_ = Document.objects.get(title="Shared principles on stopping the spread of abuse material")
    library_services.add_attachment(
        acting_user=nadia,
        document=round_,
        upload=SimpleUploadedFile("notes.txt", b"Meeting notes.\n", content_type="text/plain"),
        max_bytes=settings.ATTACHMENT_MAX_BYTES,
    )
    organisation_services.invite(
        acting_user=nadia,
        organisation=Organisation.objects.get(slug="northwind"),
        email="new.person@northwind.example",
        role=Role.READER,
    )
    # The secretariat admin runs the Django admin too (it grants nothing in the portal).
    amira.is_staff = amira.is_superuser = True
    amira.save(update_fields=["is_staff", "is_superuser"])


PEOPLE = {
    "visitor": None,
    # An organisation admin and signatory, so an editor too: members, invitations, documents, drafting.
    "organisation admin": "nadia@northwind.example",
    # Organisations, communities and the Django admin.
    "secretariat admin": "amira@secretariat.example",
}


def _first(queryset: Any) -> str:
    pk = queryset.order_by("pk").values_list("pk", flat=True).first()
    return str(pk if pk is not None else 1)


def _real_values(route: Route, user: User | None) -> Iterator[dict[str, str]]:
    """Real ids for a pattern's parameters: the pages as their users reach them."""
    namespace = route.name.split(":")[0]
    if namespace in {"library", "drafting", "exports"} and "pk" in route.params:
        worked_on = Q(comments__isnull=False) | Q(acknowledgement_requests__isnull=False)
        for document in Document.objects.filter(worked_on).distinct().order_by("pk"):
            current = document.current_revision
            yield {
                "pk": str(document.pk),
                "number": str(current.number if current else 1),
                "attachment_id": _first(document.attachments.all()),
                "fmt": "md",
                "comment_id": _first(Comment.objects.filter(document=document)),
                "proposal_id": _first(Proposal.objects.filter(document=document)),
                "endorsement_id": _first(Endorsement.objects.filter(ratification__document=document)),
                "request_id": _first(AcknowledgementRequest.objects.filter(document=document)),
            }
        return
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    slug = membership.organisation.slug if membership else "northwind"
    values = {
        "notifications": {"pk": _first(Notification.objects.filter(recipient=user))},
        "organisations": {
            "slug": slug,
            "pk": _first(Invitation.objects.filter(organisation__slug=slug))
            if "invitation" in route.name
            else _first(Membership.objects.filter(organisation__slug=slug).exclude(user=user)),
        },
        "secretariat": {"slug": "research" if "communit" in route.name else "northwind"},
        "admin": {"content_type_id": "1", "object_id": "1", "app_label": "library", "url": "library/"},
        "appeals": _appeal_values(route),
        "assessments": _assessment_values(route),
        "tips": {"pk": _first(Appeal.objects.filter(status="open"))},
        "audit": {"slug": slug, "pk": _first(Document.objects.filter(owner__slug=slug))},
        "principles": {
            "slug": "voluntary-principles",
            "org": slug,
            "code": "P1",
            "cycle": str(timezone.localdate().year),
            "pk": _first(ImplementationRecord.objects.filter(organisation__slug=slug)),
            "item_id": _first(EvidenceItem.objects.filter(record__organisation__slug=slug)),
            "version": "1",
            "fmt": "csv",
        },
    }.get(namespace, {"token": "not-a-token", "key": "not-a-key", "uidb36": "1", "pk": "1"})
    missing = set(route.params) - set(values)
    assert not missing, f"{route.name}: no real value for {missing}; say what to walk it with"
    yield {name: values[name] for name in route.params}


def _assessment_values(route: Route) -> dict[str, str]:
    """Crosswalks and self-assessments: the seeded crosswalk and its first link, or the demo's
    self-assessment (Harbor Cloud's), or the seeded questionnaire to start one."""
    name = route.name.split(":")[1]
    if name == "start":
        return {"slug": "safety-by-design"}
    if name in {"report", "section", "complete", "share", "apply"}:
        return {"pk": _first(SelfAssessment.objects.all()), "number": "1"}
    if name.startswith(("questionnaire", "section_", "question_", "choice_")):
        # The editor: the seeded questionnaire's first section, question and answer.
        questionnaire = Questionnaire.objects.filter(slug="safety-by-design").order_by("version").first()
        return {
            "pk": str(questionnaire.pk if questionnaire else 1),
            "section_pk": _first(Section.objects.filter(questionnaire=questionnaire)),
            "question_pk": _first(Question.objects.filter(section__questionnaire=questionnaire)),
            "choice_pk": _first(Choice.objects.filter(question__section__questionnaire=questionnaire)),
        }
    slug = "voluntary-principles-to-safety-by-design"
    return {"slug": slug, "pk": _first(CrosswalkLink.objects.filter(crosswalk__slug=slug))}


def _appeal_values(route: Route) -> dict[str, str]:
    """Appeals' routes: an appeal with images (or a tip, or a directory entry, by the route)."""
    name = route.name.split(":")[1]
    if name in {"tip", "triage", "assign", "note", "ask"}:
        return {"pk": _first(Tip.objects.all())}
    if name.startswith("helpline"):
        return {"pk": _first(Helpline.objects.all())}
    appeal = Appeal.objects.filter(status="open").order_by("pk").first()
    return {
        "pk": str(appeal.pk) if appeal else "1",
        "image_pk": _first(AppealImage.objects.filter(appeal=appeal)),
        "size": "thumb",
        "language": "fr",
    }


def _fill(route: Route, values: dict[str, str]) -> str:
    return "/" + route.template.format(**values)


# --- The walk -------------------------------------------------------------------------------------


@dataclass
class Walk:
    user: User | None
    client: Client = field(default_factory=Client)
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def sign_in(self) -> None:
        """Signed in again whenever a request signed them out (the sign-out page, a password form)."""
        if self.user is not None and self.client.session.get("_auth_user_id") != str(self.user.pk):
            self.client.force_login(self.user, backend="django.contrib.auth.backends.ModelBackend")

    def send(self, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
        self.sign_in()
        self.requests += 1
        try:
            # Rolled back: every request sees the seeded data, whatever the one before it changed.
            with transaction.atomic():
                response = getattr(self.client, method)(url, data or {})
                transaction.set_rollback(True)
        except Exception as error:  # the test client re-raises what the view raised: a 500
            self.failures.append(f"{method.upper()} {url} {sorted(data or {})[:6]}: {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url}: HTTP {response.status_code}")
        return response


@pytest.mark.parametrize("person", list(PEOPLE))
def test_no_url_or_form_answers_5xx_to_bad_numbers(seeded: None, person: str) -> None:
    email = PEOPLE[person]
    user = User.objects.get(email=email) if email else None
    walk = Walk(user)
    names = _all_names()
    page_forms: dict[tuple[str, tuple[str, ...]], HtmlForm] = {}
    for route in _routes():
        for index, values in enumerate(_real_values(route, user)):
            url = _fill(route, values)
            response = walk.send("get", url)
            reached = response is not None and response.status_code < 400  # shown, or redirected on
            if reached and response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for form in _forms_on(url, response.content.decode()):
                    try:
                        form_route = resolve(form.action).view_name
                    except Resolver404:
                        continue
                    page_forms.setdefault((form_route, tuple(sorted(form.fields))), form)
            if index:
                continue  # bad values once per pattern; the other documents give their forms
            for bad in BAD_VALUES:
                everything = dict.fromkeys(names, bad)
                walk.send("post", url, everything)
                if reached:
                    walk.send("get", url, everything)
                for param in route.params:
                    bad_url = _fill(route, {**values, param: bad})
                    walk.send("get", bad_url)
                    walk.send("post", bad_url)
            for name in _names_read_by_view(url) if reached else ():
                for bad in ONE_AT_A_TIME:
                    walk.send("get", url, {name: bad})
    for form in page_forms.values():
        for bad in BAD_VALUES:
            walk.send("post", form.action, dict.fromkeys(form.fields, bad))
        for name in form.fields:
            for bad in ONE_AT_A_TIME:
                walk.send("post", form.action, {**form.fields, name: bad})
    assert walk.requests > 500 and len(page_forms) >= (3 if user is None else 10)  # it reached pages and forms
    assert not walk.failures, f"{len(walk.failures)} of {walk.requests} requests failed:\n" + "\n".join(
        walk.failures[:40]
    )
