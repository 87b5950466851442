"""The oversight body and its overseer, for the oversight tests."""

from __future__ import annotations

import pytest

from coalition.organisations import services as organisation_services
from coalition.organisations.models import Membership, Organisation, Role
from tests.conftest import enrol_totp


@pytest.fixture
def watchdog(make_org):
    return make_org("Watchdog", slug="watchdog", kind=Organisation.Kind.PARTNER, oversight_body=True)


@pytest.fixture
def watchdog_admin(make_member, watchdog):
    user = make_member(watchdog, Role.ADMIN, email="admin@watchdog.example", name="Wanda Admin")
    enrol_totp(user)
    return user


@pytest.fixture
def overseer(make_member, watchdog, watchdog_admin):
    user = make_member(watchdog, Role.READER, email="overseer@watchdog.example", name="Olga Overseer")
    enrol_totp(user)
    organisation_services.set_oversight(
        acting_user=watchdog_admin, membership=Membership.objects.get(user=user), oversight=True
    )
    return user
