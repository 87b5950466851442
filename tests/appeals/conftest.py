"""People and appeals for the appeals tests: a law-enforcement partner ("Police") allowed to
publish appeals, with an admin, an editor, a reader and two tip handlers; Acme and Globex from the
shared fixtures are members that may not publish."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from PIL import Image

from coalition.accounts.models import User
from coalition.appeals import services
from coalition.appeals.models import Appeal, Tip
from coalition.organisations.models import Membership, Organisation, Role
from tests.conftest import enrol_totp

FORM = "application/x-www-form-urlencoded"
ORIGIN = "http://testserver"


def png(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def police(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Police", slug="police", kind=Organisation.Kind.PARTNER, may_publish_appeals=True)


@pytest.fixture
def police_admin(make_member: Callable[..., User], police: Organisation) -> User:
    user = make_member(police, Role.ADMIN, email="admin@police.example", name="Pia Admin")
    enrol_totp(user)
    return user


@pytest.fixture
def police_editor(make_member: Callable[..., User], police: Organisation) -> User:
    return make_member(police, Role.EDITOR, email="editor@police.example", name="Pete Editor")


@pytest.fixture
def police_reader(make_member: Callable[..., User], police: Organisation) -> User:
    return make_member(police, Role.READER, email="reader@police.example", name="Rita Reader")


def _handler(make_member: Callable[..., User], police: Organisation, email: str, name: str) -> User:
    user = make_member(police, Role.READER, email=email, name=name)
    Membership.objects.filter(user=user, organisation=police).update(tip_handler=True)
    enrol_totp(user)
    return user


@pytest.fixture
def handler(make_member: Callable[..., User], police: Organisation) -> User:
    return _handler(make_member, police, "handler@police.example", "Hana Handler")


@pytest.fixture
def second_handler(make_member: Callable[..., User], police: Organisation) -> User:
    return _handler(make_member, police, "handler2@police.example", "Hugo Handler")


def make_appeal(
    editor: User, organisation: Organisation, *, status: str = Appeal.Status.OPEN, title: str = "Striped towel"
) -> Appeal:
    appeal = services.create_appeal(
        acting_user=editor,
        organisation=organisation,
        object_type="textile",
        countries=["BE", "NL"],
        languages=["nl"],
        language="en",
        title=title,
        description="A white towel with blue stripes.",
        questions=["Where is this sold?", "Which hotel uses it?"],
    )
    if status != Appeal.Status.DRAFT:
        services.add_image(acting_user=editor, appeal=appeal, data=png(), alt_text="A striped towel")
        services.publish(acting_user=editor, appeal=appeal)
        if status != Appeal.Status.OPEN:
            services.end_appeal(acting_user=editor, appeal=appeal, status=status, outcome_note="Thank you.")
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def open_appeal(police_editor: User, police: Organisation) -> Appeal:
    return make_appeal(police_editor, police)


@pytest.fixture
def draft_appeal(police_editor: User, police: Organisation) -> Appeal:
    return make_appeal(police_editor, police, status=Appeal.Status.DRAFT, title="Draft cereal box")


def form_token(client: Client, appeal: Appeal, **headers: Any) -> str:
    response = client.get(f"/tips/appeal/{appeal.pk}/", **headers)
    assert response.status_code == 200
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match
    return match.group(1)


def send_tip(client: Client, appeal: Appeal, fields: dict[str, str] | None = None, **headers: Any) -> Any:
    """GET the form, then POST it as a browser does (urlencoded, with Origin)."""
    token = form_token(client, appeal, **headers)
    data = {"token": token, "answer_0": "At the market in Ghent", "text": "", "contact": "", **(fields or {})}
    return client.post(f"/tips/appeal/{appeal.pk}/", urlencode(data), content_type=FORM, HTTP_ORIGIN=ORIGIN, **headers)


def receipt_of(response: Any) -> str:
    match = re.search(r'class="receipt-number"[^>]*><strong>([0-9 ]+)</strong>', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1).replace(" ", "")


def post(client: Client, path: str, data: dict[str, str], **headers: Any) -> Any:
    return client.post(path, urlencode(data), content_type=FORM, HTTP_ORIGIN=ORIGIN, **headers)


@pytest.fixture
def tip(open_appeal: Appeal, client: Client) -> Tip:
    send_tip(client, open_appeal)
    return Tip.objects.get()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
