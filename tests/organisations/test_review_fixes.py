"""Regression tests for problems found in review: concurrent demotions, long input, names with
control characters, demo data in production, no-op community saves."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command

from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied, ServiceError
from coalition.organisations import services
from coalition.organisations.models import Community, Membership, Organisation, Role
from tests.conftest import enrol_totp


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin_and_no_error(make_org, make_member):
    organisation = make_org("Duo")
    first = make_member(organisation, Role.ADMIN)
    second = make_member(organisation, Role.ADMIN)
    pairs = [(first, second), (second, first)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def demote(actor, target) -> None:
        from django.db import connections

        membership = Membership.objects.get(user=target, organisation=organisation)
        barrier.wait()
        try:
            services.change_role(acting_user=actor, membership=membership, role=Role.READER)
            outcomes.append("changed")
        except (ServiceError, AccessDenied):
            # Refused by the last-admin rule, or because the first demotion made this actor a
            # reader: either way a clear answer, not a deadlock or a 500.
            outcomes.append("refused")
        except Exception as error:  # a deadlock or a 500 would land here
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=demote, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["changed", "refused"]
    assert Membership.objects.filter(organisation=organisation, role=Role.ADMIN).count() == 1


def test_a_website_longer_than_allowed_is_a_form_error(client_for, secretariat_admin):
    response = client_for(secretariat_admin).post(
        "/secretariat/organisations/new/",
        {
            "name": "Longsite",
            "slug": "longsite",
            "kind": "member",
            "country": "GB",
            "website": "https://x.org/" + "a" * 260,
        },
    )
    assert response.status_code == 200
    assert "website" in response.context["form"].errors
    assert not Organisation.objects.filter(slug="longsite").exists()


@pytest.mark.parametrize("name", ["Acme\nBcc: someone@example.org", "Tab\tname", "Bell\x07"])
def test_names_with_control_characters_are_refused(client_for, secretariat_admin, name):
    response = client_for(secretariat_admin).post(
        "/secretariat/organisations/new/", {"name": name, "slug": "ctl", "kind": "member", "country": "GB"}
    )
    assert "control characters" in " ".join(response.context["form"].errors["name"])
    assert not Organisation.objects.filter(slug="ctl").exists()


def test_demo_data_is_refused_unless_enabled(settings, db):
    settings.DEMO_DATA = False
    with pytest.raises(CommandError, match="DEMO_DATA=1"):
        call_command("seed_demo")
    assert not Organisation.objects.exists()


def test_saving_a_community_unchanged_writes_no_event(secretariat_admin, acme):
    community = services.create_community(
        acting_user=secretariat_admin, name="Group", slug="group", organisations=[acme]
    )
    before = AuditEvent.objects.count()
    services.update_community(
        acting_user=secretariat_admin,
        community=community,
        name="Group",
        slug="group",
        description="",
        organisations=[acme],
    )
    assert AuditEvent.objects.count() == before
    assert Community.objects.get().name == "Group"


def test_a_superuser_without_a_second_factor_is_held_and_the_admin_edits_nothing(client_for, make_user, acme_admin):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    superuser = make_user("root@example.org")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    assert client_for(superuser).get("/django-admin/")["Location"] == "/accounts/mfa-required/"
    enrol_totp(superuser)
    client = client_for(superuser)
    assert client.get("/django-admin/").status_code == 200
    address = EmailAddress.objects.get(user=acme_admin)
    totp = Authenticator.objects.get(user=acme_admin)
    change = client.post(
        f"/django-admin/account/emailaddress/{address.pk}/change/",
        {"user": acme_admin.pk, "email": "evil@attacker.example", "verified": "on", "primary": "on"},
    )
    delete = client.post(f"/django-admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert change.status_code == 403 and delete.status_code == 403
    assert EmailAddress.objects.get(pk=address.pk).email == acme_admin.email
    assert Authenticator.objects.filter(pk=totp.pk).exists()
    session_page = client.get("/django-admin/usersessions/usersession/").content.decode()
    assert "session_key" not in session_page


def test_recovery_codes_alone_do_not_release_the_mfa_hold(client_for, make_member, acme):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    admin = make_member(acme, Role.ADMIN)
    RecoveryCodes.activate(admin)
    assert client_for(admin).get("/orgs/acme/")["Location"] == "/accounts/mfa-required/"
