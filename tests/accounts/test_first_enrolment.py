"""An admin's first sign-in is one path: sign in, enrol an authenticator app without typing the
password again, save the recovery codes, continue to where they were going. Re-authentication
stays everywhere else (issue 9, defect 10)."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from coalition.accounts import enrolment
from coalition.library import services as library
from coalition.organisations.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_admin(make_member: Any, acme: Any) -> Any:
    return make_member(acme, Role.ADMIN, email="new-admin@acme.example")


def _sign_in(client: Client, email: str, next_url: str = "") -> Any:
    return client.post(f"/accounts/login/?next={next_url}", {"login": email, "password": PASSWORD, "next": next_url})


def _activate(client: Client, capture: Any) -> Any:
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page.get("Location")
    secret = re.search(r'value="([A-Z2-7]{16,})"', page.content.decode()).group(1)
    with capture(execute=True):
        return client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})


def test_sign_in_enrol_save_codes_and_continue_where_they_were_going(
    client: Client, new_admin: Any, acme: Any, acme_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    document = library.create_document(acting_user=acme_editor, owner=acme, title="Plan", body="Text")
    target = f"/library/{document.pk}/"
    assert _sign_in(client, new_admin.email, target)["Location"] == target
    assert client.get(target)["Location"] == "/accounts/mfa-required/"  # held, and where they go is kept
    response = _activate(client, django_capture_on_commit_callbacks)  # no second password
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=new_admin, type=Authenticator.Type.TOTP).exists()
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    page = codes.content.decode()
    assert "Recovery codes" in page and "Recovery Codes" not in page  # sentence case
    assert 'href="/accounts/mfa-enrolled/"' in page and "Continue" in page
    done = client.get("/accounts/mfa-enrolled/")
    assert done.status_code == 302 and done["Location"] == target
    assert client.get(target).status_code == 200


def test_after_the_path_other_mfa_changes_still_ask_for_the_password(
    client: Client, new_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _sign_in(client, new_admin.email)
    client.get("/")
    _activate(client, django_capture_on_commit_callbacks)
    client.get("/accounts/mfa-enrolled/")
    for path in ("/accounts/2fa/totp/deactivate/", "/accounts/2fa/recovery-codes/generate/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/"), path
        assert "reauthenticate" in response["Location"], path


def test_enrolling_long_after_signing_in_asks_for_the_password(
    client: Client, new_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sign_in(client, new_admin.email)
    client.get("/")
    later = time.time() + enrolment.ENROLMENT_SECONDS + 1
    monkeypatch.setattr(enrolment.time, "time", lambda: later)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_someone_not_held_still_reauthenticates_to_add_a_factor(client: Client, acme_reader: Any) -> None:
    _sign_in(client, acme_reader.email)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_continue_never_leaves_the_site(client: Client, new_admin: Any) -> None:
    _sign_in(client, new_admin.email)
    session = client.session
    session[enrolment.AFTER_KEY] = "https://evil.example/"
    session.save()
    assert client.get("/accounts/mfa-enrolled/")["Location"] == "/"


def test_allauth_pages_use_sentence_case(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in" in page and "Sign In" not in page
