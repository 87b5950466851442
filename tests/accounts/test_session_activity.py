"""The sessions page's "last seen": recorded at most once a minute per session, not on every request."""

from __future__ import annotations

from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.utils import timezone

from tests.conftest import PASSWORD


def _signed_in(client, user) -> UserSession:
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return UserSession.objects.get(user=user)


def test_activity_is_recorded_once_a_minute_not_on_every_request(client, acme_reader, django_assert_max_num_queries):
    session = _signed_in(client, acme_reader)
    long_ago = timezone.now() - timedelta(hours=2)
    UserSession.objects.filter(pk=session.pk).update(last_seen_at=long_ago)
    cache.clear()  # as after a minute: the next request records activity...
    client.get("/library/")
    session.refresh_from_db()
    assert session.last_seen_at > long_ago
    seen = session.last_seen_at
    # ...and the requests within the minute write nothing (no session row update, no commit).
    with django_assert_max_num_queries(20) as captured:
        client.get("/library/")
    assert not [q for q in captured.captured_queries if "usersessions_usersession" in q["sql"]]
    session.refresh_from_db()
    assert session.last_seen_at == seen


def test_each_session_is_tracked_on_its_own(client_for, client, acme_reader):
    first = _signed_in(client, acme_reader)
    UserSession.objects.update(last_seen_at=timezone.now() - timedelta(hours=2))
    other = client_for(acme_reader)
    other.get("/library/")  # a second browser: its own session row, recorded at once
    assert UserSession.objects.filter(user=acme_reader).count() == 2
    first.refresh_from_db()
    assert first.last_seen_at < timezone.now() - timedelta(hours=1)  # the first browser did nothing since


def test_nothing_is_tracked_with_activity_tracking_off(client, acme_reader, settings):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    session = _signed_in(client, acme_reader)
    long_ago = timezone.now() - timedelta(hours=2)
    UserSession.objects.filter(pk=session.pk).update(last_seen_at=long_ago)
    cache.clear()
    client.get("/library/")
    session.refresh_from_db()
    assert session.last_seen_at == long_ago
