"""Pages run a fixed number of queries however many rows they show (docs/architecture.md, "Listing in
SQL"): the same bound must hold for a small and a large organisation or coalition."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains

from coalition.organisations.models import Membership, Role

# Measured. Every signed-in page: the user, allauth's session tracking (a savepoint around a
# read, the user and an update), the memberships, the MFA check and the inbox's unread count: 9.
# The detail page adds the organisation, the member count, the open-invitation count and the page
# of members; the list adds its count and its page. A query per row would blow through these at 60
# members or 30 organisations.
DETAIL_PAGE_QUERIES = 13
ORGANISATIONS_PAGE_QUERIES = 11


@pytest.mark.parametrize("members", [3, 60])
def test_organisation_page_queries_do_not_grow_with_its_members(
    members, acme, acme_admin, make_member, client_for, django_assert_max_num_queries
):
    for n in range(members - 1):
        make_member(acme, Role.EDITOR if n % 2 else Role.READER, signatory=n % 5 == 0)
    assert Membership.objects.filter(organisation=acme).count() == members
    client = client_for(acme_admin)
    client.get("/orgs/acme/")  # warm up the session and allauth's per-session rows

    with django_assert_max_num_queries(DETAIL_PAGE_QUERIES):
        response = client.get("/orgs/acme/")

    rows = response.content.count(b'<tr id="member-')
    assert rows == min(members, 50)
    assertContains(response, "admin@acme.example")


@pytest.mark.parametrize("organisations", [3, 30])
def test_secretariat_organisations_list_queries_do_not_grow_with_the_coalition(
    organisations,
    secretariat,
    acme,
    globex,
    secretariat_admin,
    make_org,
    make_member,
    client_for,
    django_assert_max_num_queries,
):
    for _ in range(organisations - 3):
        organisation = make_org()
        make_member(organisation, Role.ADMIN)
        make_member(organisation, Role.READER)
    client = client_for(secretariat_admin)
    client.get("/secretariat/organisations/")

    with django_assert_max_num_queries(ORGANISATIONS_PAGE_QUERIES):
        response = client.get("/secretariat/organisations/")

    assert len(response.context["page"].object_list) == organisations
    assertContains(response, "/secretariat/organisations/acme/")
