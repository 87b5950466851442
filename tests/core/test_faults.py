"""The portal through the faults of the parts it stands on (issue 14): a database that raises is a
styled 503 with Retry-After, never a 500; a cache that raises leaves pages working and makes
sign-in and one-time codes fail closed; the probes say which part is down. Run on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import OperationalError, connection
from django.test import Client, override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from coalition.audit.models import AuditEvent
from coalition.library import services
from coalition.library.models import TLP, Audience
from tests.conftest import PASSWORD, enrol_totp, totp_code


class FailingCache(BaseCache):
    """A cache whose server is gone: every operation raises what the Redis client raises."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def _down(self, *args: Any, **kwargs: Any) -> Any:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = has_key = incr = clear = get_many = set_many = delete_many = _down


CACHE_DOWN = {"default": {"BACKEND": f"{__name__}.FailingCache"}}


@contextmanager
def database_down() -> Iterator[None]:
    """Every statement on the default connection fails as it does while PostgreSQL restarts."""

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


def _client(client_for: Any, user: Any = None) -> Client:
    client = client_for(user)
    client.raise_request_exception = False  # see the response the person sees, as in production
    return client


@pytest.fixture
def document(acme_editor: Any, acme: Any) -> Any:
    return services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Handling reports",
        kind="policy",
        audience=Audience.ORGANISATION,
        tlp=TLP.AMBER,
        body="Text",
    )


def _assert_unavailable_page(response: Any, heading: bytes) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert heading in response.content
    assert b"Traceback" not in response.content and b"OperationalError" not in response.content
    assert b"portal.css" in response.content  # the portal's own styled page, not a bare one


@pytest.mark.parametrize("path", ["/", "/library/", "/search/?q=report", "/accounts/login/"])
def test_a_page_answers_503_with_retry_after_while_the_database_is_down(client_for, acme_reader, path):
    client = _client(client_for, acme_reader)
    with database_down():
        response = client.get(path)
    _assert_unavailable_page(response, b"The portal is unavailable for a moment")


def test_a_visitor_gets_the_same_503_and_the_portal_recovers_by_itself(client_for, db):
    client = _client(client_for)
    with database_down():
        _assert_unavailable_page(client.get("/"), b"The portal is unavailable for a moment")
    assert client.get("/").status_code == 200


def test_a_save_that_meets_the_database_fault_is_a_503_and_saves_nothing(client_for, acme_editor, document):
    client = _client(client_for, acme_editor)
    before = document.revisions.count()
    with database_down():
        data = {"title": document.title, "kind": document.kind, "language": "en", "body": "New", "base": 1}
        response = client.post(f"/library/{document.pk}/edit/", data)
    _assert_unavailable_page(response, b"check that it is there before trying again")
    # A form was sent: the page says how to send it again without losing the text, no reload.
    assert b"what you typed is still in the form" in response.content and b"Try again</a>" not in response.content
    assert document.revisions.count() == before


def test_a_bug_is_still_a_500_not_a_503(client_for, acme_reader, monkeypatch):
    from coalition.library.views import documents

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr(documents.selectors, "library_page", broken)
    response = _client(client_for, acme_reader).get("/library/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and "Retry-After" not in response


def test_signed_in_and_public_pages_work_while_the_cache_is_down(client_for, acme_reader, document):
    reader = _client(client_for, acme_reader)
    visitor = _client(client_for)
    with override_settings(CACHES=CACHE_DOWN):
        for path in ("/", "/library/", f"/library/{document.pk}/", "/search/?q=handling", "/notifications/"):
            assert reader.get(path).status_code == 200, path
        assert visitor.get("/").status_code == 200
        assert visitor.get("/accounts/login/").status_code == 200


def test_signing_in_fails_closed_while_the_cache_is_down(client_for, acme_reader):
    client = _client(client_for)
    with override_settings(CACHES=CACHE_DOWN):
        response = client.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})
    _assert_unavailable_page(response, b"Signing in is paused for a moment")
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    # Once the cache answers again, the same sign-in goes through without a restart.
    response = client.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_totp_code_is_refused_while_replay_cannot_be_ruled_out(client_for, acme_reader):
    secret = enrol_totp(acme_reader)
    client = _client(client_for)
    assert client.post("/accounts/login/", {"login": acme_reader.email, "password": PASSWORD})["Location"] == (
        "/accounts/2fa/authenticate/"
    )
    code = totp_code(secret)
    with override_settings(CACHES=CACHE_DOWN):
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
    _assert_unavailable_page(response, b"Signing in is paused for a moment")
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_the_probes_say_which_part_is_down_and_nothing_else(client_for, db):
    client = _client(client_for)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "cache": "ok", "storage": "ok"}
    with override_settings(CACHES=CACHE_DOWN):
        ready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable", "storage": "ok"}
    with database_down():
        ready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert ready.status_code == 503 and ready.json()["database"] == "unavailable"
    assert b"6379" not in ready.content and b"Error" not in ready.content
    assert ready["Cache-Control"].startswith("max-age=0")
