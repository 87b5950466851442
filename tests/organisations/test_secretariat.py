"""The secretariat admits, edits, suspends and reactivates organisations and defines communities;
bad input gets a clear error on the form and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from coalition.organisations.models import Community, Organisation
from tests.organisations.conftest import database_state

VALID = {
    "name": "Initrode",
    "slug": "initrode",
    "kind": Organisation.Kind.PARTNER,
    "country": "ke",
    "email_domains": "Initrode.example, @initrode.org\nINITRODE.example",
    "website": "initrode.example",
}


def _org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


# --- Admitting and editing organisations -------------------------------------------------------


def test_secretariat_admits_an_organisation_with_tidied_fields(secretariat_admin, client_for):
    response = client_for(secretariat_admin).post("/secretariat/organisations/new/", VALID, follow=True)
    assertContains(response, "Initrode")
    initrode = _org("initrode")
    assert (initrode.kind, initrode.country, initrode.status) == ("partner", "KE", "active")
    assert initrode.email_domains == ["initrode.example", "initrode.org"]
    assert initrode.website == "https://initrode.example"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"slug": "acme"}, "slug", "The short name “acme” is already used by another organisation."),
        ({"slug": "ACME"}, "slug", "The short name “acme” is already used by another organisation."),
        ({"name": "ACME"}, "name", "An organisation called “ACME” already exists."),
        ({"name": "acme"}, "name", "An organisation called “acme” already exists."),
        ({"country": "GBR"}, "country", "Enter a two-letter ISO country code, such as GB or KE."),
        ({"country": "G1"}, "country", "Enter a two-letter ISO country code, such as GB or KE."),
        ({"country": ""}, "country", "This field is required."),
        ({"email_domains": "acme.example, not a domain"}, "email_domains", None),
        ({"email_domains": "localhost"}, "email_domains", None),
        ({"kind": "club"}, "kind", "Select a valid choice. club is not one of the available choices."),
        ({"slug": "has spaces"}, "slug", None),
        ({"website": "not a website at all"}, "website", "Enter a valid URL."),
    ],
    ids=[
        "duplicate slug",
        "duplicate slug in capitals",
        "duplicate name in capitals",
        "duplicate name in lower case",
        "three-letter country",
        "country with a digit",
        "no country",
        "domain list with a non-domain",
        "domain without a dot",
        "unknown kind",
        "slug with spaces",
        "bad website",
    ],
)
def test_admitting_an_organisation_with_bad_input_shows_the_error_and_creates_nothing(
    secretariat_admin, acme, client_for, changes: dict[str, Any], field: str, error: str | None
):
    before = database_state()
    response = client_for(secretariat_admin).post("/secretariat/organisations/new/", {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if error is not None:
        assert error in errors[field]
    assertContains(response, errors[field][0])
    assert database_state() == before


def test_domain_list_error_names_the_expected_format(secretariat_admin, client_for, db):
    response = client_for(secretariat_admin).post(
        "/secretariat/organisations/new/", {**VALID, "email_domains": "acme.example, not a domain"}
    )
    assert response.context["form"].errors["email_domains"] == [
        "Enter domains such as example.org, separated by commas."
    ]


def test_secretariat_edits_an_organisation(secretariat_admin, acme, client_for):
    response = client_for(secretariat_admin).get("/secretariat/organisations/acme/edit/")
    assert response.context["form"]["name"].value() == "Acme"
    data = {**VALID, "name": "Acme Holdings", "slug": "acme", "kind": "member", "country": "gb"}
    response = client_for(secretariat_admin).post("/secretariat/organisations/acme/edit/", data, follow=True)
    assertContains(response, "Acme Holdings was saved.")
    acme.refresh_from_db()
    assert (acme.name, acme.country, acme.email_domains) == (
        "Acme Holdings",
        "GB",
        ["initrode.example", "initrode.org"],
    )


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"slug": "globex"}, "slug", "The short name “globex” is already used by another organisation."),
        ({"slug": "Globex"}, "slug", "The short name “globex” is already used by another organisation."),
        ({"name": "GLOBEX"}, "name", "An organisation called “GLOBEX” already exists."),
        ({"country": "U1"}, "country", "Enter a two-letter ISO country code, such as GB or KE."),
        (
            {"email_domains": "acme..example"},
            "email_domains",
            "Enter domains such as example.org, separated by commas.",
        ),
    ],
    ids=["duplicate slug", "duplicate slug in other case", "duplicate name", "bad country", "bad domain"],
)
def test_editing_an_organisation_into_a_clash_or_bad_value_changes_nothing(
    secretariat_admin, acme, globex, client_for, changes: dict[str, Any], field: str, error: str
):
    data = {**VALID, "name": "Acme", "slug": "acme", "kind": "member", **changes}
    before = database_state()
    response = client_for(secretariat_admin).post("/secretariat/organisations/acme/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert database_state() == before


def test_saving_an_organisation_unchanged_records_nothing(secretariat_admin, acme, client_for):
    data = {"name": "Acme", "slug": "acme", "kind": "member", "country": "GB", "email_domains": "", "website": ""}
    before = database_state()
    response = client_for(secretariat_admin).post("/secretariat/organisations/acme/edit/", data)
    assert response.status_code == 302
    assert database_state() == before


def test_unknown_organisation_pages_are_404_for_the_secretariat(secretariat_admin, client_for, db):
    client = client_for(secretariat_admin)
    for url in ["", "edit/", "suspend/", "reactivate/"]:
        assert client.get(f"/secretariat/organisations/no-such-org/{url}").status_code == 404


# --- Suspending and reactivating ---------------------------------------------------------------


def test_suspension_takes_effect_on_members_next_request_and_reactivation_restores_it(
    secretariat_admin, acme_admin, acme_reader, client_for
):
    secretariat = client_for(secretariat_admin)
    reader, admin = client_for(acme_reader), client_for(acme_admin)
    assert reader.get("/orgs/acme/").status_code == 200
    assert admin.get("/orgs/acme/invitations/").status_code == 200

    response = secretariat.post("/secretariat/organisations/acme/suspend/", {"reason": "Unpaid dues"}, follow=True)
    assertContains(response, "Acme is suspended. Its members lost access on their next request.")
    assert _org("acme").status == Organisation.Status.SUSPENDED
    assert reader.get("/orgs/acme/").status_code == 404
    assert admin.get("/orgs/acme/").status_code == 404
    assert admin.get("/orgs/acme/invitations/").status_code == 404
    assertNotContains(reader.get("/"), "/orgs/acme/")

    response = secretariat.post("/secretariat/organisations/acme/reactivate/", follow=True)
    assertContains(response, "Acme is active again.")
    assert _org("acme").status == Organisation.Status.ACTIVE
    assert _org("acme").suspended_at is None
    assert reader.get("/orgs/acme/").status_code == 200
    assert admin.get("/orgs/acme/invitations/").status_code == 200


def test_the_secretariat_cannot_be_suspended(secretariat_admin, secretariat, client_for):
    client = client_for(secretariat_admin)
    assertNotContains(client.get("/secretariat/organisations/secretariat/"), "/suspend/")
    before = database_state()
    response = client.post("/secretariat/organisations/secretariat/suspend/", {"reason": "Oops"}, follow=True)
    assertContains(response, "The secretariat cannot be suspended: nobody could reactivate it.")
    assert database_state() == before
    assert client.get("/secretariat/organisations/").status_code == 200


def test_the_secretariat_cannot_be_made_an_ordinary_organisation(secretariat_admin, secretariat, client_for):
    # Otherwise it could then be suspended, or simply lose every secretariat power at once.
    data = {"name": secretariat.name, "slug": "secretariat", "kind": "member", "country": "GB"}
    before = database_state()
    response = client_for(secretariat_admin).post("/secretariat/organisations/secretariat/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "kind": ["The secretariat must stay a secretariat: nobody could manage the coalition."]
    }
    assert database_state() == before


def test_suspending_needs_a_reason(secretariat_admin, acme, client_for):
    before = database_state()
    response = client_for(secretariat_admin).post("/secretariat/organisations/acme/suspend/", {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert database_state() == before


def test_suspending_a_suspended_organisation_or_reactivating_an_active_one_explains(
    secretariat_admin, acme, make_org, client_for
):
    make_org("Umbrella", slug="umbrella", status=Organisation.Status.SUSPENDED)
    client = client_for(secretariat_admin)
    before = database_state()
    response = client.post("/secretariat/organisations/umbrella/suspend/", {"reason": "Again"}, follow=True)
    assertContains(response, "Umbrella is already suspended.")
    response = client.post("/secretariat/organisations/acme/reactivate/", follow=True)
    assertContains(response, "Acme is already active.")
    assert database_state() == before


def test_a_suspended_organisation_stays_visible_to_the_secretariat(secretariat_staff, make_org, client_for):
    make_org("Umbrella", slug="umbrella", status=Organisation.Status.SUSPENDED)
    client = client_for(secretariat_staff)
    assertContains(client.get("/secretariat/organisations/"), "Suspended")
    assertContains(client.get("/secretariat/organisations/umbrella/"), "Suspended since")


# --- Communities -------------------------------------------------------------------------------


def test_secretariat_creates_edits_and_deletes_a_community(secretariat_admin, acme, globex, client_for):
    client = client_for(secretariat_admin)
    data = {"name": "Policy group", "slug": "policy", "description": "Drafting", "organisations": [acme.pk]}
    assertContains(
        client.post("/secretariat/communities/new/", data, follow=True), "The community Policy group was saved."
    )
    policy = Community.objects.get(slug="policy")
    assert list(policy.organisations.all()) == [acme]

    response = client.get("/secretariat/communities/policy/edit/")
    assert list(response.context["form"]["organisations"].value()) == [acme.pk]
    data = {"name": "Policy WG", "slug": "policy", "organisations": [acme.pk, globex.pk]}
    client.post("/secretariat/communities/policy/edit/", data)
    policy.refresh_from_db()
    assert policy.name == "Policy WG"
    assert list(policy.organisations.order_by("name")) == [acme, globex]

    assertContains(
        client.post("/secretariat/communities/policy/delete/", follow=True), "The community Policy WG was deleted."
    )
    assert not Community.objects.filter(slug="policy").exists()
    assert Organisation.objects.filter(pk__in=[acme.pk, globex.pk]).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"slug": "research"}, "slug", "The short name “research” is already used by another community."),
        ({"slug": "Research"}, "slug", "The short name “research” is already used by another community."),
        ({"name": "RESEARCH GROUP"}, "name", "A community called “RESEARCH GROUP” already exists."),
        ({"slug": "not a slug"}, "slug", None),
        ({"name": ""}, "name", "This field is required."),
        ({"organisations": ["999999"]}, "organisations", None),
    ],
    ids=[
        "duplicate slug",
        "duplicate slug in other case",
        "duplicate name",
        "bad slug",
        "no name",
        "unknown organisation",
    ],
)
def test_a_community_with_bad_input_shows_the_error_and_creates_nothing(
    secretariat_admin, community, client_for, data: dict[str, Any], field: str, error: str | None
):
    before = database_state()
    response = client_for(secretariat_admin).post(
        "/secretariat/communities/new/", {"name": "Policy group", "slug": "policy", **data}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if error is not None:
        assert errors[field] == [error]
    assert database_state() == before


def test_renaming_a_community_to_anothers_slug_changes_nothing(secretariat_admin, community, client_for):
    Community.objects.create(name="Policy group", slug="policy")
    before = database_state()
    response = client_for(secretariat_admin).post(
        "/secretariat/communities/policy/edit/", {"name": "Policy group", "slug": "research"}
    )
    assert response.context["form"].errors == {
        "slug": ["The short name “research” is already used by another community."]
    }
    assert database_state() == before


def test_unknown_community_pages_are_404(secretariat_admin, client_for, db):
    client = client_for(secretariat_admin)
    assert client.get("/secretariat/communities/nope/edit/").status_code == 404
    assert client.post("/secretariat/communities/nope/delete/").status_code == 404
