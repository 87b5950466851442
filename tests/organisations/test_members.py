"""An organisation's admins manage its people: roles, signatories and removal, within the rules
that keep an organisation administrable."""

from __future__ import annotations

from pytest_django.asserts import assertContains, assertNotContains

from coalition.organisations.models import Membership, Role
from tests.organisations.conftest import database_state


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


def test_every_member_sees_the_members_and_only_admins_see_the_controls(acme_admin, acme_reader, client_for):
    as_reader = client_for(acme_reader).get("/orgs/acme/")
    assertContains(as_reader, "reader@acme.example")
    assertContains(as_reader, "admin@acme.example")
    assertContains(as_reader, "Reader at Acme.")
    assertNotContains(as_reader, "/role/")
    assertNotContains(as_reader, "Invite people")

    as_admin = client_for(acme_admin).get("/orgs/acme/")
    assertContains(as_admin, f"/orgs/acme/members/{_membership(acme_reader).pk}/role/")
    assertContains(as_admin, "Invite people")


def test_admin_changes_a_role_and_the_member_gets_it_on_their_next_request(acme_admin, acme_reader, client_for):
    reader = client_for(acme_reader)
    assertContains(reader.get("/orgs/acme/"), "Reader at Acme.")
    response = client_for(acme_admin).post(
        f"/orgs/acme/members/{_membership(acme_reader).pk}/role/", {"role": Role.EDITOR, "confirm": "yes"}, follow=True
    )
    assertContains(response, "Rea Reader is now editor.")
    assert _membership(acme_reader).role == Role.EDITOR
    assertContains(reader.get("/orgs/acme/"), "Editor at Acme.")


def test_a_member_made_admin_must_set_up_a_second_factor_on_their_next_request(acme_admin, acme_reader, client_for):
    reader = client_for(acme_reader)
    client_for(acme_admin).post(
        f"/orgs/acme/members/{_membership(acme_reader).pk}/role/", {"role": Role.ADMIN, "confirm": "yes"}
    )
    assert _membership(acme_reader).role == Role.ADMIN
    response = reader.get("/orgs/acme/")
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa-required/"


def test_admin_cannot_demote_the_last_admin(acme_admin, client_for):
    before = database_state()
    response = client_for(acme_admin).post(
        f"/orgs/acme/members/{_membership(acme_admin).pk}/role/", {"role": Role.EDITOR, "confirm": "yes"}, follow=True
    )
    assertContains(response, "Ada Admin is the last admin of Acme. Make someone else an admin first.")
    assert database_state() == before


def test_admin_cannot_remove_the_last_admin(acme_admin, client_for):
    client = client_for(acme_admin)
    url = f"/orgs/acme/members/{_membership(acme_admin).pk}/remove/"
    assert client.get(url).status_code == 200
    before = database_state()
    response = client.post(url, follow=True)
    assertContains(
        response, "Ada Admin is the last admin of Acme and cannot be removed. Make someone else an admin first."
    )
    assert database_state() == before


def test_an_admin_can_step_down_once_there_is_another_admin(acme_admin, acme_editor, client_for):
    client = client_for(acme_admin)
    client.post(f"/orgs/acme/members/{_membership(acme_editor).pk}/role/", {"role": Role.ADMIN, "confirm": "yes"})
    response = client.post(
        f"/orgs/acme/members/{_membership(acme_admin).pk}/role/", {"role": Role.READER, "confirm": "yes"}
    )
    assert response.status_code == 302
    assert _membership(acme_admin).role == Role.READER
    # From their very next request they are an ordinary reader.
    assert client.get("/orgs/acme/invitations/").status_code == 404
    assertContains(client.get("/orgs/acme/"), "Reader at Acme.")


def test_a_removed_member_loses_access_on_their_very_next_request(acme_admin, acme_reader, client_for):
    reader = client_for(acme_reader)
    assert reader.get("/orgs/acme/").status_code == 200
    response = client_for(acme_admin).post(f"/orgs/acme/members/{_membership(acme_reader).pk}/remove/", follow=True)
    assertContains(response, "Rea Reader was removed from Acme.")
    assert not Membership.objects.filter(user=acme_reader).exists()
    assert reader.get("/orgs/acme/").status_code == 404
    assertNotContains(reader.get("/"), "/orgs/acme/")


def test_an_admin_who_removes_themselves_is_sent_home_without_access(acme_admin, acme_editor, client_for):
    Membership.objects.filter(user=acme_editor).update(role=Role.ADMIN)
    client = client_for(acme_admin)
    response = client.post(f"/orgs/acme/members/{_membership(acme_admin).pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/orgs/acme/").status_code == 404


def test_admin_grants_and_revokes_the_signatory_flag(acme_admin, acme_reader, client_for):
    client = client_for(acme_admin)
    url = f"/orgs/acme/members/{_membership(acme_reader).pk}/signatory/"
    assertContains(client.post(url, {"signatory": "on"}, follow=True), "Rea Reader is now a signatory.")
    assert _membership(acme_reader).signatory
    assertContains(client.post(url, {}, follow=True), "Rea Reader is no longer a signatory.")
    assert not _membership(acme_reader).signatory


def test_a_value_that_is_not_a_role_is_refused_with_a_message(acme_admin, acme_reader, client_for):
    before = database_state()
    response = client_for(acme_admin).post(
        f"/orgs/acme/members/{_membership(acme_reader).pk}/role/", {"role": "owner"}, follow=True
    )
    assertContains(response, "Choose one of the roles: admin, editor, contributor or reader.")
    assert database_state() == before


def test_a_member_of_another_organisation_cannot_be_reached_through_ones_own(acme_admin, globex_admin, client_for):
    client = client_for(acme_admin)
    globex_membership = _membership(globex_admin).pk
    before = database_state()
    assert (
        client.post(
            f"/orgs/acme/members/{globex_membership}/role/", {"role": Role.READER, "confirm": "yes"}
        ).status_code
        == 404
    )
    assert client.post(f"/orgs/acme/members/{globex_membership}/signatory/", {"signatory": "on"}).status_code == 404
    assert client.get(f"/orgs/acme/members/{globex_membership}/remove/").status_code == 404
    assert client.post(f"/orgs/acme/members/{globex_membership}/remove/").status_code == 404
    assert database_state() == before


def test_member_pages_only_accept_post_for_changes(acme_admin, acme_reader, client_for):
    client = client_for(acme_admin)
    pk = _membership(acme_reader).pk
    assert client.get(f"/orgs/acme/members/{pk}/role/").status_code == 405
    assert client.get(f"/orgs/acme/members/{pk}/signatory/").status_code == 405


def test_an_unknown_organisation_and_one_that_is_not_yours_give_the_same_404(acme_reader, globex, client_for):
    client = client_for(acme_reader)
    missing = client.get("/orgs/no-such-org/")
    not_yours = client.get("/orgs/globex/")
    assert missing.status_code == not_yours.status_code == 404
    assert missing.content == not_yours.content
