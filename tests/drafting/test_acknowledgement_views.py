"""Acknowledgement of guidance through HTTP: the owner asks organisations, their members
acknowledge, the owner follows the per-organisation roll-up."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Acknowledgement, AcknowledgementRequest
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role

BODY = "# Guidance\n\n## Before launch\n\nCheck age assurance.\n"


def _guidance(editor: Any, owner: Any, **kw: Any) -> Document:
    kw.setdefault("audience", Audience.COALITION)
    kw.setdefault("tlp", TLP.GREEN)
    document = library.create_document(
        acting_user=editor, owner=owner, title="Launch checklist", kind=Document.Kind.GUIDANCE, body=BODY, **kw
    )
    drafting.publish(acting_user=editor, document=document)
    document.refresh_from_db()
    return document


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Document:
    return _guidance(acme_editor, acme)


@pytest.fixture
def globex_contributor(make_member: Any, globex: Any) -> Any:
    return make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example", name="Gwen Globex")


@pytest.fixture
def globex_reader(make_member: Any, globex: Any) -> Any:
    return make_member(globex, Role.READER, email="reader@globex.example", name="Rob Globex")


def _ask(doc: Document, editor: Any, *organisations: Any) -> AcknowledgementRequest:
    return drafting.request_acknowledgement(acting_user=editor, document=doc, organisations=list(organisations))


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_outsiders_get_404(client_for, outsider, acme_editor, acme, globex, globex_contributor, doc):
    request = _ask(doc, acme_editor, acme, globex)
    client = client_for(outsider)
    assert client.get(f"/library/{doc.pk}/acknowledgements/").status_code == 404
    assert client.post(f"/library/{doc.pk}/acknowledgements/request/", {"organisations": [acme.pk]}).status_code == 404
    url = f"/library/{doc.pk}/acknowledgements/{request.pk}/acknowledge/"
    assert client.post(url, {"organisation": acme.pk}).status_code == 404
    assert AcknowledgementRequest.objects.count() == 1 and not Acknowledgement.objects.exists()


def test_acknowledgement_pages_exist_only_for_guidance(client_for, acme_editor, acme):
    policy = library.create_document(acting_user=acme_editor, owner=acme, title="A policy", body=BODY)
    client = client_for(acme_editor)
    assert client.get(f"/library/{policy.pk}/acknowledgements/").status_code == 404
    assert (
        client.post(f"/library/{policy.pk}/acknowledgements/request/", {"organisations": [acme.pk]}).status_code == 404
    )


def test_owner_asks_organisations_and_sees_the_roll_up(client_for, acme_editor, acme, globex, globex_contributor, doc):
    client = client_for(acme_editor)
    page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert "Ask to acknowledge revision 1" in page.text and "No acknowledgements have been asked." in page.text
    response = client.post(
        f"/library/{doc.pk}/acknowledgements/request/",
        {"organisations": [acme.pk, globex.pk], "message": "Please confirm before <the> summit."},
        follow=True,
    )
    assert "2 organisations were asked to acknowledge revision 1." in response.text
    request = AcknowledgementRequest.objects.get()
    assert set(request.organisations.all()) == {acme, globex}
    assert "0 of 2 organisations" in response.text
    assert "Please confirm before &lt;the&gt; summit." in response.text
    assert len(_events("acknowledgement.requested")) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one organisation."),
        ({"organisations": ["999999"]}, "Select a valid choice."),
        ({"organisations": ["GLOBEX"], "message": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_request_form_refuses_bad_input(client_for, acme_editor, globex, doc, data, message):
    data = {k: [globex.pk] if v == ["GLOBEX"] else v for k, v in data.items()}
    response = client_for(acme_editor).post(f"/library/{doc.pk}/acknowledgements/request/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not AcknowledgementRequest.objects.exists()


def test_organisations_that_cannot_read_it_cannot_be_asked(
    client_for, acme_editor, acme, globex, make_org, make_member
):
    restricted = _guidance(acme_editor, acme, audience=Audience.NAMED, audience_organisations=[globex])
    make_member(globex, Role.CONTRIBUTOR)
    initech = make_org("Initech")
    make_member(initech, Role.CONTRIBUTOR)
    response = client_for(acme_editor).post(
        f"/library/{restricted.pk}/acknowledgements/request/", {"organisations": [globex.pk, initech.pk]}
    )
    assert response.status_code == 400
    assert "Nobody at Initech can read this guidance" in response.text
    assert "checked" in response.text  # the choices stay as they were
    assert not AcknowledgementRequest.objects.exists()


def test_an_unpublished_guidance_cannot_be_sent_for_acknowledgement(client_for, acme_editor, acme):
    draft = library.create_document(
        acting_user=acme_editor, owner=acme, title="Draft guidance", kind=Document.Kind.GUIDANCE, body=BODY
    )
    client = client_for(acme_editor)
    assert "Publish the guidance before asking" in client.get(f"/library/{draft.pk}/acknowledgements/").text
    response = client.post(f"/library/{draft.pk}/acknowledgements/request/", {"organisations": [acme.pk]})
    assert response.status_code == 400
    assert not AcknowledgementRequest.objects.exists()


def test_reader_cannot_ask_for_acknowledgement(client_for, acme_reader, acme, doc):
    client = client_for(acme_reader)
    page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert page.status_code == 200 and "Ask organisations" not in page.text
    assert client.post(f"/library/{doc.pk}/acknowledgements/request/", {"organisations": [acme.pk]}).status_code == 404
    assert not AcknowledgementRequest.objects.exists()


def test_a_member_acknowledges_for_their_organisation(
    client_for, acme_editor, acme, globex, globex_contributor, globex_reader, doc
):
    request = _ask(doc, acme_editor, acme, globex)
    client = client_for(globex_contributor)
    page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert "Acknowledge for Globex" in page.text and "0 of 2 organisations" not in page.text
    url = f"/library/{doc.pk}/acknowledgements/{request.pk}/acknowledge/"
    response = client.post(url, {"organisation": globex.pk}, follow=True)
    assert "You acknowledged revision 1 for Globex." in response.text
    assert "You acknowledged this for Globex on" in response.text
    [ack] = Acknowledgement.objects.all()
    assert (ack.user, ack.organisation) == (globex_contributor, globex)
    assert [e.data["organisation"] for e in _events("acknowledgement.given")] == [globex.pk]

    response = client.post(url, {"organisation": globex.pk}, follow=True)
    assert "You have already acknowledged this for Globex." in response.text
    assert Acknowledgement.objects.count() == 1
    response = client.post(url, {"organisation": acme.pk}, follow=True)
    assert "Choose the organisation you acknowledge for." in response.text
    response = client.post(url, {"organisation": "x"}, follow=True)
    assert "Choose the organisation you acknowledge for." in response.text
    assert Acknowledgement.objects.count() == 1

    roll_up = client_for(acme_editor).get(f"/library/{doc.pk}/acknowledgements/").text
    assert "1 of 2 organisations" in roll_up
    assert "Gwen Globex" in roll_up


def test_acknowledging_never_names_an_organisation_the_member_does_not_belong_to(
    client_for, acme_editor, acme, globex, globex_contributor, make_org, doc
):
    request = _ask(doc, acme_editor, acme, globex)
    hidden = make_org("Quietly Suspended Ministry")
    url = f"/library/{doc.pk}/acknowledgements/{request.pk}/acknowledge/"
    for pk in (hidden.pk, acme.pk):
        response = client_for(globex_contributor).post(url, {"organisation": pk}, follow=True)
        assert response.status_code == 200
        assert "Choose the organisation you acknowledge for." in response.text
        assert "Quietly Suspended Ministry" not in response.text
    assert not Acknowledgement.objects.exists()


def test_readers_of_an_asked_organisation_only_see_that_it_was_asked(
    client_for, acme_editor, acme, globex, globex_contributor, globex_reader, doc
):
    request = _ask(doc, acme_editor, acme, globex)
    drafting.acknowledge(acting_user=globex_contributor, request=request, organisation=globex)
    client = client_for(globex_reader)
    page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert "Globex was asked to acknowledge this revision" in page.text
    assert (
        "Acknowledge for" not in page.text and "Gwen Globex" not in page.text and "of 2 organisations" not in page.text
    )
    url = f"/library/{doc.pk}/acknowledgements/{request.pk}/acknowledge/"
    assert client.post(url, {"organisation": globex.pk}).status_code == 404
    assert Acknowledgement.objects.count() == 1


def test_members_of_organisations_not_asked_see_nothing_and_cannot_acknowledge(
    client_for, acme_editor, acme, globex, make_org, make_member, doc
):
    request = _ask(doc, acme_editor, acme)
    initech = make_org("Initech")
    initech_contributor = make_member(initech, Role.CONTRIBUTOR)
    client = client_for(initech_contributor)
    page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert "No acknowledgements have been asked of your organisation." in page.text
    url = f"/library/{doc.pk}/acknowledgements/{request.pk}/acknowledge/"
    assert client.post(url, {"organisation": initech.pk}).status_code == 404
    assert client.post(url, {"organisation": ""}).status_code == 404
    assert not Acknowledgement.objects.exists()


def test_reading_the_acknowledgements_page_is_audited(client_for, acme_reader, doc):
    client_for(acme_reader).get(f"/library/{doc.pk}/acknowledgements/")
    [event] = _events("document.acknowledgements_viewed")
    assert event.actor_id == acme_reader.pk


@pytest.mark.parametrize("n", [3, 30])
def test_roll_up_queries_do_not_grow_with_organisations_or_requests(
    client_for, acme_editor, acme, make_org, make_member, doc, n, django_assert_max_num_queries
):
    organisations = [make_org(f"Member {i}") for i in range(n)]
    people = [make_member(o, Role.CONTRIBUTOR) for o in organisations]
    for _ in range(n // 3):
        request = _ask(doc, acme_editor, *organisations)
        for person, organisation in zip(people[::2], organisations[::2], strict=True):
            drafting.acknowledge(acting_user=person, request=request, organisation=organisation)
    client = client_for(acme_editor)
    with django_assert_max_num_queries(21):  # measured: 21 for 1 request to 3 or 10 requests to 30
        page = client.get(f"/library/{doc.pk}/acknowledgements/")
    assert page.status_code == 200 and f"{(n + 1) // 2} of {n} organisations" in page.text
