"""coalition.access, the one place that decides who may do what: can(), visible(), the 404 helper,
explain() and requires_mfa(), for every named person."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.drafting.services import publication as workflow
from coalition.organisations.models import Community, Membership, Organisation, Role

PEOPLE = [
    "acme_admin",
    "acme_editor",
    "acme_contributor",
    "acme_reader",
    "acme_signatory",
    "globex_admin",
    "secretariat_admin",
    "secretariat_staff",
    "outsider",
    "anonymous",
]
ACME_MEMBERS = {"acme_admin", "acme_editor", "acme_contributor", "acme_reader", "acme_signatory"}

# (action, object: "acme" or None, who may)
CAN = [
    (Action.VIEW_ORGANISATION, "acme", ACME_MEMBERS),
    (Action.MANAGE_MEMBERS, "acme", {"acme_admin"}),
    (Action.VIEW_ALL_ORGANISATIONS, None, {"secretariat_admin", "secretariat_staff"}),
    (Action.MANAGE_ORGANISATIONS, None, {"secretariat_admin"}),
    (Action.MANAGE_COMMUNITIES, None, {"secretariat_admin"}),
]


def _person(request: Any, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


def _fresh(user: User) -> User:
    """The same account as a new request would load it: nothing cached on the object."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def everyone(request, acme, globex, secretariat) -> dict[str, Any]:
    return {name: _person(request, name) for name in PEOPLE}


# --- can() -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "target", "allowed"), CAN, ids=[str(c[0]) for c in CAN])
@pytest.mark.parametrize("person", PEOPLE)
def test_can_answers_for_every_person_and_action(everyone, acme, person, action, target, allowed):
    obj = acme if target == "acme" else None
    assert access.can(everyone[person], action, obj) is (person in allowed)
    assert access.can(everyone[person], str(action), obj) is (person in allowed)


def test_can_refuses_everything_to_a_deactivated_account(acme, acme_admin, secretariat_admin):
    for user in (acme_admin, secretariat_admin):
        User.objects.filter(pk=user.pk).update(is_active=False)
    assert not access.can(_fresh(acme_admin), Action.MANAGE_MEMBERS, acme)
    assert not access.can(_fresh(acme_admin), Action.VIEW_ORGANISATION, acme)
    assert not access.can(_fresh(secretariat_admin), Action.MANAGE_ORGANISATIONS)


def test_membership_of_a_suspended_organisation_grants_nothing(acme, acme_admin, acme_reader):
    Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    acme.refresh_from_db()
    assert not access.can(_fresh(acme_admin), Action.MANAGE_MEMBERS, acme)
    assert not access.can(_fresh(acme_reader), Action.VIEW_ORGANISATION, acme)
    assert access.memberships_of(_fresh(acme_admin)) == []


def test_can_rejects_an_unknown_action_and_a_missing_object(acme_admin):
    with pytest.raises(ValueError, match="not a valid Action"):
        access.can(acme_admin, "organisation.delete_everything", None)
    with pytest.raises(TypeError, match="needs an Organisation"):
        access.can(acme_admin, Action.VIEW_ORGANISATION, None)


def test_memberships_are_read_once_per_user_object_and_forget_drops_them(
    acme, globex, acme_reader, django_assert_num_queries
):
    user = _fresh(acme_reader)
    with django_assert_num_queries(1):
        assert access.can(user, Action.VIEW_ORGANISATION, acme)
        assert not access.can(user, Action.VIEW_ORGANISATION, globex)
        assert not access.can(user, Action.MANAGE_MEMBERS, acme)
    Membership.objects.filter(user=acme_reader).update(role=Role.ADMIN)
    assert not access.can(user, Action.MANAGE_MEMBERS, acme)  # still this request's view
    access.forget(user)
    assert access.can(user, Action.MANAGE_MEMBERS, acme)


# --- visible() ---------------------------------------------------------------------------------


def test_visible_lists_exactly_the_organisations_a_person_belongs_to(everyone, acme, globex, secretariat, make_org):
    make_org("Umbrella", slug="umbrella", status=Organisation.Status.SUSPENDED)
    Membership.objects.create(user=everyone["acme_reader"], organisation=globex, role=Role.ADMIN)
    Membership.objects.create(
        user=everyone["acme_reader"], organisation=Organisation.objects.get(slug="umbrella"), role=Role.ADMIN
    )
    everything = Organisation.objects.all()

    def slugs(name: str, action: Action) -> list[str]:
        user = everyone[name] if name == "anonymous" else _fresh(everyone[name])
        return sorted(access.visible(user, everything, action).values_list("slug", flat=True))

    assert slugs("acme_reader", Action.VIEW_ORGANISATION) == ["acme", "globex"]  # not the suspended one
    assert slugs("acme_reader", Action.MANAGE_MEMBERS) == ["globex"]
    assert slugs("acme_admin", Action.MANAGE_MEMBERS) == ["acme"]
    assert slugs("secretariat_admin", Action.VIEW_ORGANISATION) == ["secretariat"]
    assert slugs("secretariat_staff", Action.VIEW_ALL_ORGANISATIONS) == ["acme", "globex", "secretariat", "umbrella"]
    assert slugs("secretariat_staff", Action.MANAGE_ORGANISATIONS) == []
    assert slugs("secretariat_admin", Action.MANAGE_ORGANISATIONS) == ["acme", "globex", "secretariat", "umbrella"]
    assert slugs("acme_admin", Action.VIEW_ALL_ORGANISATIONS) == []
    assert slugs("outsider", Action.VIEW_ORGANISATION) == []
    assert slugs("anonymous", Action.VIEW_ORGANISATION) == []


def test_visible_filters_communities_for_the_secretariat_only(everyone, community):
    communities = Community.objects.all()
    assert list(access.visible(everyone["secretariat_staff"], communities, Action.VIEW_ALL_ORGANISATIONS)) == [
        community
    ]
    assert list(access.visible(everyone["secretariat_staff"], communities, Action.MANAGE_COMMUNITIES)) == []
    assert list(access.visible(everyone["secretariat_admin"], communities, Action.MANAGE_COMMUNITIES)) == [community]
    assert list(access.visible(everyone["acme_admin"], communities, Action.VIEW_ALL_ORGANISATIONS)) == []


def test_visible_refuses_an_action_it_does_not_know_for_a_model(acme_admin, community):
    with pytest.raises(ValueError, match="does not know"):
        access.visible(acme_admin, Community.objects.all(), Action.VIEW_ORGANISATION)


@pytest.mark.parametrize("organisations", [3, 30])
def test_visible_is_a_single_sql_filter(organisations, acme, globex, acme_reader, make_org, django_assert_num_queries):
    for _ in range(organisations - 2):
        other = make_org()
        Membership.objects.create(user=acme_reader, organisation=other, role=Role.READER)
    user = _fresh(acme_reader)
    access.memberships_of(user)  # read once per request, by the middleware or the first check

    with django_assert_num_queries(1):
        rows = list(access.visible(user, Organisation.objects.all(), Action.VIEW_ORGANISATION))
    assert len(rows) == organisations - 1  # all but Globex
    with django_assert_num_queries(1):
        assert (
            access.visible(user, Organisation.objects.all(), Action.VIEW_ORGANISATION).filter(slug="acme").count() == 1
        )


def test_visible_costs_one_membership_read_and_one_query_for_a_new_request(
    acme, acme_reader, django_assert_num_queries
):
    user = _fresh(acme_reader)
    with django_assert_num_queries(2):
        assert list(access.visible(user, Organisation.objects.all(), Action.VIEW_ORGANISATION)) == [acme]


# --- get_object_or_404() -----------------------------------------------------------------------


def _404_message(user: Any, **lookup: Any) -> str:
    with pytest.raises(Http404) as refused:
        access.get_object_or_404(user, Action.VIEW_ORGANISATION, Organisation.objects.all(), **lookup)
    return str(refused.value)


def test_get_object_or_404_gives_the_same_answer_for_missing_and_not_yours(acme, globex, acme_reader):
    missing = _404_message(acme_reader, slug="no-such-org")
    not_yours = _404_message(acme_reader, slug="globex")
    malformed = _404_message(acme_reader, pk="not-a-number")
    assert missing == not_yours == malformed == "No such page."


def test_get_object_or_404_returns_the_object_to_someone_allowed(acme, acme_reader, acme_admin):
    assert (
        access.get_object_or_404(acme_reader, Action.VIEW_ORGANISATION, Organisation.objects.all(), slug="acme") == acme
    )
    assert access.get_object_or_404(acme_admin, "organisation.manage_members", Organisation.objects, pk=acme.pk) == acme
    with pytest.raises(Http404):
        access.get_object_or_404(acme_reader, Action.MANAGE_MEMBERS, Organisation.objects.all(), slug="acme")


# --- explain() ---------------------------------------------------------------------------------


def test_explain_gives_the_reasons_in_words(acme, globex, acme_reader, acme_signatory, acme_admin, outsider):
    assert access.explain(acme_reader, acme) == ["Reader at Acme."]
    assert access.explain(acme_admin, acme) == ["Admin at Acme."]
    assert access.explain(acme_signatory, acme) == ["Editor at Acme.", "Signatory for Acme."]
    assert access.explain(acme_reader, globex) == ["You are not a member of Globex."]
    assert access.explain(outsider, acme) == ["You are not a member of Acme."]
    assert access.explain(AnonymousUser(), acme) == ["You are not a member of Acme."]


def test_explain_says_a_suspended_organisation_is_suspended(acme, acme_admin):
    Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    acme.refresh_from_db()
    assert access.explain(_fresh(acme_admin), acme) == [
        "Acme is suspended: nobody can use its pages until it is reactivated."
    ]


def test_explain_refuses_what_it_does_not_know(acme_admin, community):
    with pytest.raises(TypeError, match="does not know Community"):
        access.explain(acme_admin, community)


# --- requires_mfa() ----------------------------------------------------------------------------

MFA = {"acme_admin", "acme_signatory", "globex_admin", "secretariat_admin", "secretariat_staff"}


@pytest.mark.parametrize("person", PEOPLE)
def test_requires_mfa_for_admins_signatories_and_secretariat_staff_only(everyone, person):
    assert access.requires_mfa(everyone[person]) is (person in MFA)


def test_a_secretariat_reader_must_use_mfa_too(secretariat, make_member):
    assert access.requires_mfa(make_member(secretariat, Role.READER))


def test_a_contributor_signatory_must_use_mfa(acme, make_member):
    assert access.requires_mfa(make_member(acme, Role.CONTRIBUTOR, signatory=True))


def test_roles_in_a_suspended_organisation_do_not_require_mfa(acme, acme_admin, acme_signatory):
    Organisation.objects.filter(pk=acme.pk).update(status=Organisation.Status.SUSPENDED)
    assert not access.requires_mfa(_fresh(acme_admin))
    assert not access.requires_mfa(_fresh(acme_signatory))


# --- navigation --------------------------------------------------------------------------------


def test_navigation_knows_where_a_person_is_admin_and_whether_they_run_the_coalition(
    everyone, acme, globex, make_member
):
    admin = _fresh(everyone["acme_admin"])
    Membership.objects.create(user=admin, organisation=globex, role=Role.READER)
    access.forget(admin)
    nav = access.navigation_for(admin)
    assert [m.organisation_slug for m in nav.memberships] == ["acme", "globex"]
    assert not nav.is_secretariat and not nav.manages_coalition
    staff = access.navigation_for(everyone["secretariat_staff"])
    assert staff.is_secretariat and not staff.manages_coalition
    assert access.navigation_for(everyone["secretariat_admin"]).manages_coalition


def test_explain_names_the_organisations_and_communities_a_document_is_shared_with(
    acme, globex, acme_editor, globex_admin, community
):
    from coalition.library import services
    from coalition.library.models import TLP, Audience

    document = services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Named",
        tlp=TLP.AMBER,
        audience=Audience.NAMED,
        audience_organisations=[globex],
        audience_communities=[community],
    )
    document = workflow.set_status(acting_user=acme_editor, document=document, status="published")
    # The names as they are written (not lower-cased by the sentence around them).
    assert access.explain(globex_admin, document) == [
        "Shared with Globex; shared with the Research group, which includes your organisation."
    ]
    assert access.explain(acme_editor, document) == [
        "Editor at Acme, the owner organisation.",
        "Shared with the Research group, which includes your organisation.",
    ]
