"""The SQL filters My work lists with (`access.visible` for editing, deciding proposals, deciding a
review step, ratifying, acknowledging) agree with `access.can` on one object, for every person of
the matrix and documents reached every way: owned, co-drafted (draft and published), granted at the
edit level to a person or to an organisation (whose edit grant serves its editors only), TLP:RED
granted by name, and archived."""

from __future__ import annotations

from typing import Any

import pytest

from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.drafting import services as drafting
from coalition.drafting.models import AcknowledgementRequest, Ratification, Review
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.mywork.conftest import BODY, PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(people: dict[str, User], make_member: Any, globex: Organisation) -> dict[str, User]:
    return {
        **people,
        "globex_editor": make_member(globex, Role.EDITOR, email="editor@globex.example"),
        "globex_reader": make_member(globex, Role.READER, email="reader@globex.example"),
        "globex_signatory": make_member(globex, Role.READER, signatory=True, email="sig@globex.example"),
    }


@pytest.fixture
def documents(everyone: dict[str, User], acme: Organisation, globex: Organisation, make_org: Any) -> list[Document]:
    editor = everyone["acme_editor"]
    initech = make_org("Initech")

    def make(title: str, **extra: Any) -> Document:
        return library.create_document(acting_user=editor, owner=acme, title=title, body=BODY, **extra)

    make("Owned draft")
    make("Co-drafted draft", co_drafters=[globex])
    co_published = make("Co-drafted, published", co_drafters=[globex], audience=Audience.COALITION, tlp=TLP.GREEN)
    drafting.publish(acting_user=editor, document=co_published)
    person_grant = make("Granted to a person")
    library.grant(acting_user=editor, document=person_grant, level="edit", user=everyone["globex_reader"])
    org_grant = make("Granted to Globex")
    library.grant(acting_user=editor, document=org_grant, level="edit", organisation=globex)
    red = make("Red", tlp=TLP.RED)
    library.grant(acting_user=editor, document=red, level="edit", user=everyone["acme_admin"])
    library.grant(acting_user=editor, document=red, level="view", user=everyone["acme_signatory"])
    archived = make("Archived", audience=Audience.COALITION, tlp=TLP.GREEN)
    drafting.publish(acting_user=editor, document=archived)
    drafting.set_status(acting_user=editor, document=archived, status="archived")
    # Another member organisation's own document: nobody at Acme or Globex edits it.
    initech_editor = User.objects.create_user("editor@initech.example", "x")
    initech.memberships.create(user=initech_editor, role=Role.EDITOR)
    library.create_document(acting_user=initech_editor, owner=initech, title="Initech's")
    return list(Document.objects.order_by("pk"))


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("action", [Action.EDIT_DOCUMENT, Action.DECIDE_PROPOSAL])
def test_documents_listed_as_editable_or_decidable_are_exactly_those_can_allows(
    everyone: dict[str, User], documents: list[Document], action: Action
) -> None:
    for name, person in everyone.items():
        listed = set(access.visible(fresh(person), Document.objects.all(), action).values_list("pk", flat=True))
        allowed = {d.pk for d in documents if access.can(fresh(person), action, Document.objects.get(pk=d.pk))}
        assert listed == allowed, (name, action)


def test_the_edit_grant_routes_are_listed(everyone: dict[str, User], documents: list[Document]) -> None:
    def editable(name: str) -> set[str]:
        found = access.visible(fresh(everyone[name]), Document.objects.all(), Action.EDIT_DOCUMENT)
        return set(found.values_list("title", flat=True))

    assert editable("globex_reader") == {"Granted to a person"}  # by name: whatever the role
    assert editable("globex_editor") == {"Co-drafted draft", "Granted to Globex"}  # not the published one
    assert "Red" in editable("acme_admin") and "Red" not in editable("acme_signatory")
    assert "Archived" not in editable("acme_editor")


def test_tasks_listed_for_a_person_are_exactly_those_can_allows(
    everyone: dict[str, User], acme: Organisation, globex: Organisation, community: Any
) -> None:
    editor = everyone["acme_editor"]
    under_review = library.create_document(
        acting_user=editor, owner=acme, title="Under review", body=BODY, co_drafters=[globex]
    )
    drafting.set_review_steps(
        acting_user=editor,
        document=under_review,
        steps=[drafting.StepSpec(name="Group", role=Role.EDITOR, community=community)],
    )
    drafting.request_review(acting_user=editor, document=under_review)
    principles = library.create_document(
        acting_user=editor,
        owner=acme,
        title="P",
        kind="principles",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=editor, document=principles)
    drafting.open_ratification(acting_user=editor, document=principles)
    guidance = library.create_document(
        acting_user=editor,
        owner=acme,
        title="G",
        kind="guidance",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=editor, document=guidance)
    drafting.request_acknowledgement(acting_user=editor, document=guidance, organisations=[acme, globex])
    checks = [
        (Review, Action.DECIDE_REVIEW),
        (Ratification, Action.ENDORSE),
        (AcknowledgementRequest, Action.ACKNOWLEDGE),
    ]
    for model, action in checks:
        for name, person in everyone.items():
            listed = set(access.visible(fresh(person), model.objects.all(), action).values_list("pk", flat=True))
            allowed = {o.pk for o in model.objects.all() if access.can(fresh(person), action, o)}
            assert listed == allowed, (name, model.__name__)
    assert PEOPLE  # the matrix's people are all in `everyone`


def test_review_owners_offered_are_the_owners_editors_who_can_edit(
    everyone: dict[str, User], documents: list[Document]
) -> None:
    known = {p.pk for p in everyone.values()}  # (Initech's editor is offered for Initech's document)
    for document in documents:
        offered = {u.pk for u in access.review_owner_candidates(document)} & known
        owners_editors = {
            p.pk
            for p in everyone.values()
            if access.can(fresh(p), Action.EDIT_DOCUMENT, document)
            and any(
                m.organisation_id == document.owner_id and m.at_least(Role.EDITOR) for m in access.memberships_of(p)
            )
        }
        assert offered == owners_editors, document.title
