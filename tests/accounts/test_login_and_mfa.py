"""Sign-in through allauth: audited logins with their factors, TOTP failures and replays, and
TOTP secrets encrypted at rest."""

from __future__ import annotations

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.test import Client

from coalition.audit.models import AuditEvent
from tests.conftest import PASSWORD, enrol_totp, totp_code


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_password_login_is_audited_once_with_its_factor(client, acme_reader):
    response = _sign_in(client, acme_reader.email)
    assert response.status_code == 302 and response["Location"] == "/"
    [event] = _events("auth.login")
    assert event.actor_id == acme_reader.pk
    assert event.data == {"factors": ["password"]}
    assert event.actor_org_ids == [acme_reader.memberships.get().organisation_id]
    assert event.request_id and event.ip == "127.0.0.0/24"


def test_login_with_totp_is_audited_once_with_both_factors(client, acme_reader):
    secret = enrol_totp(acme_reader)
    response = _sign_in(client, acme_reader.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert _events("auth.login") == []
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/"
    [event] = _events("auth.login")
    assert event.data == {"factors": ["password", "mfa:totp"]}


def test_wrong_password_is_audited_without_storing_what_was_typed(client, acme_reader):
    response = _sign_in(client, acme_reader.email, "not-the-password")
    assert response.status_code == 200
    assert b"not correct" in response.content or b"incorrect" in response.content.lower()
    [event] = _events("auth.login_failed")
    assert event.data == {"factor": "password", "known_account": True}
    assert event.target_id == str(acme_reader.pk)
    assert "not-the-password" not in event.canonical_json()
    assert _events("auth.login") == []


def test_failed_login_for_an_unknown_address_keeps_no_trace_of_the_address(client, db):
    # Someone who types their password into the email field must not find it in the audit log.
    _sign_in(client, "my-secret-password@example.org", "whatever")
    [event] = _events("auth.login_failed")
    assert event.data == {"factor": "password", "known_account": False}
    assert event.target_id == ""
    assert "my-secret-password" not in event.canonical_json()


def test_wrong_totp_code_is_refused_and_audited(client, acme_reader):
    secret = enrol_totp(acme_reader)
    _sign_in(client, acme_reader.email)
    good = totp_code(secret)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert "_auth_user_id" not in client.session
    [event] = _events("auth.login_failed")
    assert event.data == {"factor": "totp", "known_account": True}
    assert _events("auth.login") == []


def test_a_totp_code_cannot_be_replayed(client, acme_reader):
    secret = enrol_totp(acme_reader)
    code = totp_code(secret)
    _sign_in(client, acme_reader.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/"
    client.post("/accounts/logout/")

    second = Client()
    _sign_in(second, acme_reader.email)
    response = second.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert "_auth_user_id" not in second.session
    assert len(_events("auth.login")) == 1


def test_logout_is_audited_once(client, acme_reader):
    _sign_in(client, acme_reader.email)
    client.post("/accounts/logout/")
    [event] = _events("auth.logout")
    assert event.actor_id == acme_reader.pk


def test_totp_secret_is_encrypted_at_rest(acme_reader):
    secret = enrol_totp(acme_reader)
    stored = Authenticator.objects.get(user=acme_reader, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert get_mfa_adapter().decrypt(stored) == secret


def test_secrets_stay_readable_after_a_key_rotation(settings, acme_reader):
    from cryptography.fernet import Fernet

    secret = enrol_totp(acme_reader)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key(), *settings.MFA_ENCRYPTION_KEYS]
    stored = Authenticator.objects.get(user=acme_reader, type=Authenticator.Type.TOTP).data["secret"]
    assert get_mfa_adapter().decrypt(stored) == secret


def test_activating_totp_needs_reauthentication_and_is_audited(client, acme_reader, django_capture_on_commit_callbacks):
    import re

    import pyotp

    _sign_in(client, acme_reader.email)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = re.search(r'value="([A-Z2-7]{16,})"', page.content.decode()).group(1)
    # allauth announces new authenticators once its transaction has committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=acme_reader, type=Authenticator.Type.TOTP).exists()
    # Recovery codes are generated along with the first factor.
    assert [e.data for e in _events("mfa.added")] == [{"type": "totp"}, {"type": "recovery_codes"}]
    assert {e.actor_id for e in _events("mfa.added")} == {acme_reader.pk}


def test_password_change_is_audited(client, acme_reader):
    _sign_in(client, acme_reader.email)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    assert len(_events("account.password_changed")) == 1


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/password/reset/", "/accounts/login/"])
def test_account_pages_render_in_the_portal_layout(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"Coalition portal" in response.content
    assert b"vendor/pico/pico.min.css" in response.content


def test_password_reset_does_not_reveal_whether_an_account_exists(client, acme_reader, mailoutbox):
    known = client.post("/accounts/password/reset/", {"email": acme_reader.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_wrong_password_when_confirming_access_is_a_reauthentication_failure(client, acme_reader):
    _sign_in(client, acme_reader.email)
    response = client.post("/accounts/reauthenticate/", {"password": "not-the-password"})
    assert response.status_code == 200
    [event] = _events("auth.reauthentication_failed")
    assert event.data == {"factor": "password"} and event.actor_id == acme_reader.pk
    assert _events("auth.login_failed") == []


def test_django_admin_sign_in_goes_through_the_portal_sign_in(client, make_user):
    staff = make_user("staff@example.org")
    staff.is_staff = staff.is_superuser = True
    staff.save(update_fields=["is_staff", "is_superuser"])
    enrol_totp(staff)
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # Django's own form would sign in with the password alone: it is not reachable.
    client.post("/django-admin/login/", {"username": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    # allauth's sign-in asks for the second factor first.
    assert _sign_in(client, staff.email)["Location"] == "/accounts/2fa/authenticate/"
