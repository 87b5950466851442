"""Mentions by name: the suggestions offered as someone types @ in a comment box. Only people who can
read the revision the comment is about are offered (the rule the comment service applies to every
mention; tests/drafting/test_mentions_matrix.py checks that rule for every person of the
authorisation matrix), the endpoint is for people who may comment (404 for everyone else), it is rate- and
size-limited, and it costs the same few queries however many people match."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from coalition.accounts.models import User
from coalition.drafting import services as drafting
from coalition.drafting.views import mentions
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.drafting.conftest import save


def _offered(client: Any, document: Document, q: str, revision: int | None = None) -> list[str]:
    url = reverse("drafting:mention_suggestions", args=[document.pk])
    params: dict[str, Any] = {"q": q}
    if revision is not None:
        params["revision"] = revision
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return [p["mention"] for p in response.json()["people"]]


# --- The endpoint ---------------------------------------------------------------------------------


@pytest.fixture
def people(make_member: Any, make_org: Any, acme: Organisation, globex: Organisation) -> dict[str, User]:
    initech = make_org("Initech", slug="initech")
    return {
        "contributor": make_member(acme, Role.CONTRIBUTOR, email="cora@acme.example", name="Cora Contributor"),
        "reader": make_member(acme, Role.READER, email="alice@acme.example", name="Alice Acme"),
        "globex": make_member(globex, Role.EDITOR, email="alice@globex.example", name="Alice Globex"),
        "initech": make_member(initech, Role.EDITOR, email="alice@initech.example", name="Alice Initech"),
    }


def test_a_draft_offers_only_the_people_who_work_on_it(client_for, make_document, acme_editor, globex, people):
    document = make_document(audience=Audience.COALITION, co_drafters=[globex])
    offered = _offered(client_for(people["contributor"]), document, "alice")
    # Initech is in the coalition but a draft is not out: its people cannot read it, and are not named.
    assert offered == ["@alice@acme.example", "@alice@globex.example"]


def test_once_published_the_audience_is_offered_too(client_for, make_document, people):
    document = make_document(audience=Audience.COALITION, publish=True)
    offered = _offered(client_for(people["contributor"]), document, "Alice")
    assert offered == ["@alice@acme.example", "@alice@globex.example", "@alice@initech.example"]


def test_a_newer_draft_offers_only_its_drafters_while_the_published_text_offers_its_readers(
    client_for, make_document, acme_editor, people
):
    document = make_document(audience=Audience.COALITION, publish=True)
    save(document, "# Principles\n\nA new draft.\n", by=acme_editor)
    client = client_for(people["contributor"])
    assert _offered(client, document, "alice", revision=2) == ["@alice@acme.example"]
    assert len(_offered(client, document, "alice", revision=1)) == 3


def test_people_of_other_organisations_who_cannot_read_it_are_never_offered(client_for, make_document, people):
    document = make_document(audience=Audience.ORGANISATION, publish=True)
    client = client_for(people["contributor"])
    for q in ("alice@globex.example", "Alice Globex", "globex", "alice@initech"):
        assert _offered(client, document, q) == []
    assert _offered(client, document, "alice") == ["@alice@acme.example"]


def test_by_name_part_or_address_start_and_never_oneself_or_a_deactivated_account(
    client_for, make_document, make_member, acme, people
):
    gone = make_member(acme, Role.EDITOR, email="alice.gone@acme.example", name="Alice Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    document = make_document(audience=Audience.ORGANISATION)
    client = client_for(people["contributor"])
    assert _offered(client, document, "acme") == ["@alice@acme.example"]  # her name contains it
    assert _offered(client, document, "@ALI") == ["@alice@acme.example"]
    assert _offered(client, document, "cora") == []
    assert _offered(client, document, "  ") == []


def test_suggestions_give_name_and_organisation(client_for, make_document, people):
    document = make_document(audience=Audience.ORGANISATION)
    response = client_for(people["contributor"]).get(
        reverse("drafting:mention_suggestions", args=[document.pk]), {"q": "alice"}
    )
    assert response.json() == {
        "people": [
            {
                "name": "Alice Acme",
                "organisation": "Acme",
                "mention": "@alice@acme.example",
                "email": "alice@acme.example",
            }
        ]
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_revision_the_person_cannot_see_offers_nobody(client_for, make_document, acme_editor, globex, people):
    document = make_document(audience=Audience.COALITION, publish=True)
    save(document, "# Principles\n\nA new draft.\n", by=acme_editor)
    globex_contributor = people["globex"]  # reads only what was published
    client = client_for(globex_contributor)
    assert _offered(client, document, "alice", revision=2) == []
    assert _offered(client, document, "alice", revision=99) == []
    assert _offered(client, document, "alice", revision=1) == ["@alice@acme.example", "@alice@initech.example"]


def test_outsiders_readers_and_visitors_get_nothing(client_for, make_document, outsider, people):
    document = make_document(audience=Audience.COALITION, tlp=TLP.CLEAR, publish=True)
    url = reverse("drafting:mention_suggestions", args=[document.pk])
    assert client_for(outsider).get(url, {"q": "alice"}).status_code == 404
    # A reader reads the document but may not comment: no comment box, so no suggestions.
    assert client_for(people["reader"]).get(url, {"q": "alice"}).status_code == 404
    assert (
        client_for(people["contributor"]).get(reverse("drafting:mention_suggestions", args=[999999])).status_code == 404
    )
    assert client_for(None).get(url, {"q": "alice"}).status_code in (302, 404)
    red = make_document(audience=Audience.ORGANISATION, tlp=TLP.RED)
    url = reverse("drafting:mention_suggestions", args=[red.pk])
    assert client_for(people["contributor"]).get(url, {"q": "alice"}).status_code == 404


def test_only_a_get_is_answered(client_for, make_document, people):
    document = make_document()
    url = reverse("drafting:mention_suggestions", args=[document.pk])
    assert client_for(people["contributor"]).post(url, {"q": "alice"}).status_code == 405


def test_a_long_query_is_not_searched(client_for, make_document, people):
    document = make_document()
    assert _offered(client_for(people["contributor"]), document, "alice" * 100) == []


def test_too_many_searches_in_a_minute_are_refused(client_for, make_document, people, monkeypatch):
    monkeypatch.setattr(mentions, "SUGGESTIONS_PER_MINUTE", 3)
    document = make_document()
    client = client_for(people["contributor"])
    url = reverse("drafting:mention_suggestions", args=[document.pk])
    assert [client.get(url, {"q": "a"}).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "wait a minute" in client.get(url, {"q": "a"}).json()["error"]
    # Someone else is not held up by it.
    assert client_for(people["globex"]).get(url, {"q": "a"}).status_code in (200, 404)


@pytest.mark.parametrize("n", [3, 30])
def test_the_query_count_does_not_grow_with_the_people_who_match(
    client_for, make_document, make_member, acme, people, n, django_assert_num_queries
):
    for i in range(n):
        make_member(acme, Role.READER, email=f"alex{i}@acme.example", name=f"Alex {i:02}")
    document = make_document(audience=Audience.ORGANISATION)
    client = client_for(people["contributor"])
    url = reverse("drafting:mention_suggestions", args=[document.pk])
    client.get(url, {"q": "alex"})
    # Measured: the session, the user, their memberships, the document and the people (with their
    # organisation); for 3 or 30 people alike.
    with django_assert_num_queries(5):
        response = client.get(url, {"q": "alex"})
    assert len(response.json()["people"]) == min(n, 8)


def test_one_message_for_no_such_person_and_cannot_read_it(make_document, acme_editor, people):
    document = make_document(audience=Audience.ORGANISATION)
    messages = []
    for address in ("nobody@nowhere.example", "alice@globex.example"):
        with pytest.raises(Exception) as caught:
            drafting.add_comment(acting_user=acme_editor, document=document, body=f"See @{address} please.")
        messages.append(str(caught.value).replace(address, "ADDRESS"))
    assert messages[0] == messages[1]
    assert "can mention only people who can read this document" in messages[0]


def test_the_service_accepts_everyone_offered(client_for, make_document, acme_editor, globex, people):
    document = make_document(audience=Audience.COALITION, co_drafters=[globex])
    offered = _offered(client_for(people["contributor"]), document, "alice")
    comment = drafting.add_comment(
        acting_user=people["contributor"], document=document, body="Please look, " + " ".join(offered)
    )
    assert {u.email for u in comment.mentions.all()} == {m.lstrip("@") for m in offered}
