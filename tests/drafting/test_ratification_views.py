"""Ratification through HTTP: opening it, signatories deciding for their organisation with a fresh
second factor (allauth's re-authentication, their text kept meanwhile), withdrawing, closing, and
the public record of what was adopted."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Endorsement, Ratification
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Organisation, Role
from tests.conftest import enrol_totp, totp_code

BODY = "# Principles\n\n## Scope\n\nEvery service a member runs.\n"
REAUTH = "/accounts/2fa/reauthenticate/"


def _principles(editor: Any, owner: Any, **kw: Any) -> Document:
    kw.setdefault("audience", Audience.COALITION)
    kw.setdefault("tlp", TLP.GREEN)
    document = library.create_document(
        acting_user=editor, owner=owner, title="Voluntary principles", kind=Document.Kind.PRINCIPLES, body=BODY, **kw
    )
    drafting.publish(acting_user=editor, document=document)
    document.refresh_from_db()
    return document


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Document:
    return _principles(acme_editor, acme)


@pytest.fixture
def globex_signer(make_member: Any, globex: Any) -> tuple[Any, str]:
    """A Globex signatory whose authenticator secret the test knows."""
    user = make_member(globex, Role.READER, signatory=True, email="signer@globex.example", name="Gina Signer")
    return user, enrol_totp(user)


def _open(doc: Document, editor: Any, quorum: int | None = None, **kw: Any) -> Ratification:
    return drafting.open_ratification(acting_user=editor, document=doc, quorum=quorum, **kw)


def _confirm_second_factor(client: Any, secret: str, next_url: str) -> Any:
    """allauth's re-authentication page, as a person fills it in."""
    page = client.get(f"{REAUTH}?next={next_url}")
    assert page.status_code == 200 and 'name="code"' in page.text
    return client.post(f"{REAUTH}?next={next_url}", {"code": totp_code(secret)})


def _decide_url(doc: Document) -> str:
    return f"/library/{doc.pk}/ratification/decide/"


def _data(fields: dict[str, Any]) -> dict[str, Any]:
    """The decision form as the page sends it: with the ratification it shows (the open one)."""
    shown = Ratification.objects.filter(state=Ratification.State.OPEN).first()
    return {"ratification": shown.pk if shown else "", **fields}


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Who may see and do what ----------------------------------------------------------------------------


def test_outsiders_get_404_on_every_ratification_page(client_for, outsider, acme_editor, acme_signatory, acme, doc):
    ratification = _open(doc, acme_editor)
    client = client_for(outsider)
    for path in ("ratification/", "ratification/decide/", "ratification/close/", "adopted/"):
        assert client.get(f"/library/{doc.pk}/{path}").status_code == 404
    for path in ("ratification/open/", "ratification/decide/", "ratification/close/"):
        assert client.post(f"/library/{doc.pk}/{path}", {"quorum": 1}).status_code == 404
    endorsement = drafting.endorse(
        acting_user=acme_signatory,
        ratification=ratification,
        organisation=acme,
        decision="endorse",
        mfa_confirmed=True,
    )
    withdraw = f"/library/{doc.pk}/ratification/endorsements/{endorsement.pk}/withdraw/"
    assert client.get(withdraw).status_code == 404 and client.post(withdraw).status_code == 404


def test_readers_of_a_named_audience_do_not_learn_who_else_it_is_shared_with(
    client_for, make_org, make_member, acme_editor, acme, globex, globex_signer
):
    # Shared by name with Globex and Initech: the library shows that list only to Acme's editors,
    # so the ratification page must not list Initech to Globex before Initech has decided.
    initech = make_org("Initech")
    initech_signer = make_member(initech, Role.READER, signatory=True, email="sign@initech.example")
    doc = _principles(acme_editor, acme, audience=Audience.NAMED, audience_organisations=[globex, initech])
    ratification = _open(doc, acme_editor, quorum=3)
    signer, _ = globex_signer
    page = client_for(signer).get(f"/library/{doc.pk}/ratification/")
    assert page.status_code == 200 and "Globex" in page.text
    assert "Initech" not in page.text
    assert "Initech" in client_for(acme_editor).get(f"/library/{doc.pk}/ratification/").text
    # Once Initech has decided, its decision is part of the record everyone reading it sees.
    drafting.endorse(
        acting_user=initech_signer,
        ratification=ratification,
        organisation=initech,
        decision="endorse",
        mfa_confirmed=True,
    )
    assert "Initech" in client_for(signer).get(f"/library/{doc.pk}/ratification/").text


def test_ratification_pages_exist_only_for_principles(client_for, acme_editor, acme):
    policy = library.create_document(acting_user=acme_editor, owner=acme, title="A policy", body=BODY)
    client = client_for(acme_editor)
    for path in ("ratification/", "ratification/decide/", "ratification/close/", "adopted/"):
        assert client.get(f"/library/{policy.pk}/{path}").status_code == 404
    assert client.post(f"/library/{policy.pk}/ratification/open/", {"quorum": 1}).status_code == 404


def test_reader_sees_the_ratification_but_cannot_open_close_or_decide(client_for, acme_reader, acme_editor, doc):
    client = client_for(acme_reader)
    page = client.get(f"/library/{doc.pk}/ratification/")
    assert page.status_code == 200 and "No ratification is open." in page.text
    assert "Open ratification" not in page.text
    assert client.post(f"/library/{doc.pk}/ratification/open/", {"quorum": 1}).status_code == 404
    assert not Ratification.objects.exists()
    _open(doc, acme_editor)
    assert client.get(_decide_url(doc)).status_code == 404
    assert client.post(_decide_url(doc), _data({"decision": "endorse"})).status_code == 404
    assert client.get(f"/library/{doc.pk}/ratification/close/").status_code == 404
    assert client.post(f"/library/{doc.pk}/ratification/close/").status_code == 404
    assert Ratification.objects.get().state == Ratification.State.OPEN


def test_a_partner_organisations_signatory_cannot_endorse(client_for, make_org, make_member, acme_editor, doc):
    partner = make_org("Safe Kids NGO", kind=Organisation.Kind.PARTNER)
    signer = make_member(partner, Role.EDITOR, signatory=True, email="sign@ngo.example")
    secret = enrol_totp(signer)
    _open(doc, acme_editor)
    client = client_for(signer)
    assert client.get(f"/library/{doc.pk}/ratification/").status_code == 200
    _confirm_second_factor(client, secret, _decide_url(doc))
    assert client.get(_decide_url(doc)).status_code == 404
    assert client.post(_decide_url(doc), _data({"organisation": partner.pk, "decision": "endorse"})).status_code == 404
    assert not Endorsement.objects.exists()


# --- Opening ----------------------------------------------------------------------------------------------


def test_open_form_is_prefilled_with_a_majority_of_member_organisations(client_for, acme_editor, globex, make_org, doc):
    make_org("Initech")
    make_org("Umbrella")
    make_org("Observer ministry", kind=Organisation.Kind.GOVERNMENT)
    page = client_for(acme_editor).get(f"/library/{doc.pk}/ratification/")
    assert 'name="quorum" value="3"' in page.text  # 4 member organisations
    assert "4 active member organisations may ratify." in page.text
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/ratification/open/", {"quorum": "3", "deadline": "", "confirm": "yes"}, follow=True
    )
    assert "Ratification of revision 1 is open" in response.text
    ratification = Ratification.objects.get()
    assert (ratification.quorum, ratification.eligible, ratification.deadline) == (3, 4, None)
    assert "Quorum: 3 of 4 organisations needed · 0 endorsed, 3 more needed" in response.text
    [event] = _events("ratification.opened")
    assert event.actor_id == acme_editor.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quorum": "0"}, "The quorum must be at least 1 organisation."),
        ({"quorum": "3"}, "The quorum must be between 1 and 2 organisations."),
        ({"quorum": ""}, "This field is required."),
        ({"quorum": "1", "deadline": "PAST"}, "The deadline must be in the future."),
        ({"quorum": "1", "deadline": "TODAY"}, "The deadline must be in the future."),
        ({"quorum": "1", "deadline": "31/02/2030"}, "Enter a valid date."),
    ],
)
def test_open_refuses_bad_quorum_and_deadline(client_for, acme_editor, globex, doc, data, message):
    today = timezone.localdate()
    dates = {"PAST": (today - datetime.timedelta(days=1)).isoformat(), "TODAY": today.isoformat()}
    data = {k: dates.get(v, v) for k, v in data.items()}
    response = client_for(acme_editor).post(f"/library/{doc.pk}/ratification/open/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not Ratification.objects.exists()


def test_an_unpublished_document_cannot_be_opened_for_ratification(client_for, acme_editor, acme):
    draft = library.create_document(
        acting_user=acme_editor, owner=acme, title="Draft principles", kind=Document.Kind.PRINCIPLES, body=BODY
    )
    client = client_for(acme_editor)
    page = client.get(f"/library/{draft.pk}/ratification/")
    assert "Publish the document before opening it for ratification" in page.text
    response = client.post(f"/library/{draft.pk}/ratification/open/", {"quorum": "1"}, follow=True)
    assert "Publish the document before opening it for ratification." in response.text
    assert not Ratification.objects.exists()


# --- Deciding, with a fresh second factor ------------------------------------------------------------------


def test_a_signatory_declines_after_confirming_their_second_factor_without_retyping(
    client_for, acme_editor, globex, globex_signer, doc
):
    signer, secret = globex_signer
    _open(doc, acme_editor, quorum=1)
    client = client_for(signer)
    page = client.get(f"/library/{doc.pk}/ratification/")
    assert "Endorse or decline for Globex" in page.text
    form = client.get(_decide_url(doc))
    assert form.status_code == 200 and "On behalf of <strong>Globex</strong>" in form.text

    reason = "Clause 2 conflicts with our <local> law."
    response = client.post(
        _decide_url(doc), _data({"organisation": globex.pk, "decision": "decline", "reason": reason})
    )
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next=%2Flibrary%2F{doc.pk}%2Fratification%2Fdecide%2F"
    assert not Endorsement.objects.exists()

    back = _confirm_second_factor(client, secret, _decide_url(doc))
    assert back.status_code == 302 and back["Location"] == _decide_url(doc)
    restored = client.get(back["Location"])
    assert "Clause 2 conflicts with our &lt;local&gt; law." in restored.text
    assert re.search(r'value="decline"[^>]*checked', restored.text)
    assert not Endorsement.objects.exists()  # coming back records nothing: they submit again

    response = client.post(
        _decide_url(doc), _data({"organisation": globex.pk, "decision": "decline", "reason": reason})
    )
    assert response.status_code == 302 and response["Location"] == f"/library/{doc.pk}/ratification/"
    endorsement = Endorsement.objects.get()
    assert (endorsement.organisation, endorsement.signatory, endorsement.decision, endorsement.reason) == (
        globex,
        signer,
        "decline",
        reason,
    )
    page = client.get(response["Location"])
    assert "Globex has declined revision 1." in page.text
    assert "Clause 2 conflicts with our &lt;local&gt; law." in page.text
    assert "Gina Signer" in page.text
    assert "drafting.endorse." not in str(dict(client.session))  # the kept text is gone
    assert [e.data["organisation"] for e in _events("ratification.declined")] == [globex.pk]


def test_declining_needs_a_reason_before_anything_else(client_for, acme_editor, globex, globex_signer, doc):
    signer, _ = globex_signer
    _open(doc, acme_editor)
    response = client_for(signer).post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "decline"}))
    assert response.status_code == 400
    assert "Give the reason your organisation declines." in response.text
    assert not Endorsement.objects.exists()


def test_a_signatory_endorses_only_for_their_own_organisation(
    client_for, acme_editor, acme, globex, globex_signer, doc
):
    signer, secret = globex_signer
    _open(doc, acme_editor, quorum=2)
    client = client_for(signer)
    _confirm_second_factor(client, secret, _decide_url(doc))
    response = client.post(_decide_url(doc), _data({"organisation": acme.pk, "decision": "endorse"}))
    assert response.status_code == 400
    assert "You are not a signatory for that organisation." in response.text
    assert not Endorsement.objects.exists()
    response = client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}), follow=True)
    assert "Globex has endorsed revision 1." in response.text
    assert list(Endorsement.objects.values_list("organisation__name", flat=True)) == ["Globex"]

    # One organisation counts once: the page no longer offers to decide, and a second submission
    # (a double click, an old tab) records nothing.
    page = client.get(f"/library/{doc.pk}/ratification/")
    assert "Endorse or decline for" not in page.text
    assert "Globex has decided. To change a decision, withdraw it first" in page.text
    response = client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}), follow=True)
    assert response.redirect_chain == [(f"/library/{doc.pk}/ratification/", 302)]
    assert "Globex has already decided on revision 1. To change a decision, withdraw it first" in response.text
    assert Endorsement.objects.count() == 1


def test_a_signatory_of_two_organisations_chooses_which(client_for, acme_editor, acme, globex, make_member, doc):
    signer = make_member(acme, Role.READER, signatory=True, email="both@example.org")
    from coalition.organisations.models import Membership

    Membership.objects.create(user=signer, organisation=globex, role=Role.READER, signatory=True)
    secret = enrol_totp(signer)
    _open(doc, acme_editor, quorum=2)
    client = client_for(signer)
    form = client.get(_decide_url(doc))
    assert '<select name="organisation"' in form.text and ">Acme<" in form.text and ">Globex<" in form.text
    _confirm_second_factor(client, secret, _decide_url(doc))
    client.post(_decide_url(doc), _data({"organisation": acme.pk, "decision": "endorse"}))
    client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}))
    ratification = Ratification.objects.get()
    assert ratification.state == Ratification.State.ADOPTED


def test_decisions_after_the_deadline_are_refused(client_for, acme_editor, globex, globex_signer, doc):
    signer, secret = globex_signer
    ratification = _open(doc, acme_editor, deadline=timezone.localdate() + datetime.timedelta(days=3))
    Ratification.objects.filter(pk=ratification.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    client = client_for(signer)
    _confirm_second_factor(client, secret, _decide_url(doc))
    response = client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}))
    assert response.status_code == 400
    assert "has passed." in response.text
    assert not Endorsement.objects.exists()


def test_a_newer_published_revision_supersedes_the_ratification(client_for, acme_editor, globex, globex_signer, doc):
    signer, secret = globex_signer
    _open(doc, acme_editor)
    client = client_for(signer)
    _confirm_second_factor(client, secret, _decide_url(doc))
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    drafting.publish(acting_user=acme_editor, document=doc)
    response = client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}), follow=True)
    assert "No ratification of this document is open." in response.text
    assert "Superseded by a newer revision" in response.text
    assert not Endorsement.objects.exists()


def test_a_decision_counts_only_for_the_revision_the_signatory_was_shown(
    client_for, acme_editor, globex, globex_signer, doc
):
    signer, secret = globex_signer
    first = _open(doc, acme_editor)
    client = client_for(signer)
    _confirm_second_factor(client, secret, _decide_url(doc))
    form = client.get(_decide_url(doc))
    assert f'<input type="hidden" name="ratification" value="{first.pk}">' in form.text
    assert "Endorse or decline revision 1 of" in form.text
    # Meanwhile revision 2 is published and opened for ratification: the form on the signatory's
    # screen is about revision 1.
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nNew clause.\n", base_number=1)
    drafting.publish(acting_user=acme_editor, document=doc)
    second = _open(doc, acme_editor)
    stale = {"ratification": first.pk, "organisation": globex.pk, "decision": "endorse"}
    response = client.post(_decide_url(doc), stale)
    assert response.status_code == 400
    assert "The ratification changed since you opened this page: revision 2 is now up for decision." in response.text
    assert not Endorsement.objects.exists()
    # The page now shows revision 2; submitting it decides on revision 2.
    assert "Endorse or decline revision 2 of" in response.text
    assert f'<input type="hidden" name="ratification" value="{second.pk}">' in response.text
    assert client.post(_decide_url(doc), {**stale, "ratification": second.pk}).status_code == 302
    assert Endorsement.objects.get().revision.number == 2


def test_quorum_adopts_the_revision_and_the_page_says_who_endorsed_which(
    client_for, acme_editor, acme_signatory, acme, globex, globex_signer, doc
):
    signer, secret = globex_signer
    ratification = _open(doc, acme_editor, quorum=2)
    drafting.endorse(
        acting_user=acme_signatory,
        ratification=ratification,
        organisation=acme,
        decision="endorse",
        mfa_confirmed=True,
    )
    client = client_for(signer)
    _confirm_second_factor(client, secret, _decide_url(doc))
    client.post(_decide_url(doc), _data({"organisation": globex.pk, "decision": "endorse"}))
    ratification.refresh_from_db()
    assert ratification.state == Ratification.State.ADOPTED
    page = client_for(acme_editor).get(f"/library/{doc.pk}/ratification/")
    assert f"Adopted on {timezone.localtime(ratification.adopted_at):%-d %B %Y}" in page.text
    assert "Revision 1 is adopted. Publish a new revision to ratify it again." in page.text

    # A new published revision needs a new ratification; the page tells which revision each endorsed.
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    drafting.publish(acting_user=acme_editor, document=doc)
    second = _open(doc, acme_editor, quorum=2)
    drafting.endorse(
        acting_user=acme_signatory, ratification=second, organisation=acme, decision="endorse", mfa_confirmed=True
    )
    page = client_for(acme_editor).get(f"/library/{doc.pk}/ratification/")
    assert "the published text is now revision 2, which needs its own ratification" in page.text
    versions = page.text.split("Which version each organisation endorsed")[1].split("Earlier ratifications")[0]
    assert "Acme" in versions and "Revision 2" in versions
    assert "Globex" in versions and "Revision 1 (adopted)" in versions


def test_withdrawing_a_decision_needs_confirmation_and_a_fresh_second_factor(
    client_for, acme_editor, globex, globex_signer, doc
):
    signer, secret = globex_signer
    ratification = _open(doc, acme_editor, quorum=2)
    endorsement = drafting.endorse(
        acting_user=signer, ratification=ratification, organisation=globex, decision="endorse", mfa_confirmed=True
    )
    url = f"/library/{doc.pk}/ratification/endorsements/{endorsement.pk}/withdraw/"
    client = client_for(signer)
    assert url in client.get(f"/library/{doc.pk}/ratification/").text
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Withdraw Globex's decision" in confirm.text
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    endorsement.refresh_from_db()
    assert endorsement.withdrawn_at is None
    back = _confirm_second_factor(client, secret, url)
    assert back["Location"] == url
    response = client.post(url, follow=True)
    assert "Globex&#x27;s decision was withdrawn." in response.text
    endorsement.refresh_from_db()
    assert endorsement.withdrawn_at is not None and endorsement.withdrawn_by == signer
    assert "withdrawn" in response.text
    assert len(_events("ratification.withdrawn")) == 1


def test_others_cannot_withdraw_an_organisations_decision(
    client_for, acme_editor, acme_signatory, acme, globex, globex_signer, doc
):
    ratification = _open(doc, acme_editor, quorum=2)
    endorsement = drafting.endorse(
        acting_user=acme_signatory,
        ratification=ratification,
        organisation=acme,
        decision="endorse",
        mfa_confirmed=True,
    )
    url = f"/library/{doc.pk}/ratification/endorsements/{endorsement.pk}/withdraw/"
    signer, _ = globex_signer
    for person in (signer, acme_editor):
        assert client_for(person).get(url).status_code == 404
        assert client_for(person).post(url).status_code == 404
    endorsement.refresh_from_db()
    assert endorsement.withdrawn_at is None


def test_the_owner_closes_a_ratification_after_confirming(client_for, acme_editor, doc):
    _open(doc, acme_editor)
    client = client_for(acme_editor)
    confirm = client.get(f"/library/{doc.pk}/ratification/close/")
    assert "Close the ratification of revision 1 without adoption?" in confirm.text
    response = client.post(f"/library/{doc.pk}/ratification/close/", follow=True)
    assert "closed without adoption" in response.text
    assert Ratification.objects.get().state == Ratification.State.CLOSED
    response = client.post(f"/library/{doc.pk}/ratification/close/", follow=True)
    assert "No ratification of this document is open." in response.text


# --- The public record ---------------------------------------------------------------------------------------


def _adopt(doc: Document, editor: Any, signatory: Any, organisation: Any) -> Ratification:
    ratification = _open(doc, editor, quorum=1)
    drafting.endorse(
        acting_user=signatory,
        ratification=ratification,
        organisation=organisation,
        decision="endorse",
        mfa_confirmed=True,
    )
    ratification.refresh_from_db()
    return ratification


def test_anyone_reads_the_adopted_version_of_public_principles(client, client_for, acme_editor, acme_signatory, acme):
    public = _principles(acme_editor, acme, audience=Audience.PUBLIC, tlp=TLP.CLEAR)
    assert client.get(f"/library/{public.pk}/adopted/").status_code == 404  # nothing adopted yet
    ratification = _adopt(public, acme_editor, acme_signatory, acme)
    page = client.get(f"/library/{public.pk}/adopted/")
    assert page.status_code == 200
    assert "Voluntary principles" in page.text and "Revision 1, adopted on" in page.text
    assert "<li>Acme</li>" in page.text and "TLP:CLEAR" in page.text
    assert "Every service a member runs" not in page.text and "Sig Natory" not in page.text
    assert f"/library/{public.pk}/adopted/" in client_for(acme_editor).get(f"/library/{public.pk}/ratification/").text
    assert ratification.state == Ratification.State.ADOPTED
    assert not _events("document.adopted_viewed")  # public material: nothing to audit


def test_adopted_page_of_material_that_is_not_public_is_for_its_readers_only(
    client, client_for, acme_editor, acme_signatory, acme_reader, acme, doc
):
    _adopt(doc, acme_editor, acme_signatory, acme)
    assert client.get(f"/library/{doc.pk}/adopted/").status_code == 404
    # No public record to link to.
    assert "/adopted/" not in client_for(acme_editor).get(f"/library/{doc.pk}/ratification/").text
    page = client_for(acme_reader).get(f"/library/{doc.pk}/adopted/")
    assert page.status_code == 200 and "<li>Acme</li>" in page.text
    [event] = _events("document.adopted_viewed")
    assert event.actor_id == acme_reader.pk


# --- Audit and cost --------------------------------------------------------------------------------------------


def test_reading_the_ratification_page_is_audited(client_for, acme_reader, doc):
    client_for(acme_reader).get(f"/library/{doc.pk}/ratification/")
    [event] = _events("document.ratification_viewed")
    assert event.actor_id == acme_reader.pk


@pytest.mark.parametrize("n", [3, 30])
def test_ratification_page_queries_do_not_grow_with_organisations(
    client_for, acme_editor, make_org, make_member, doc, n, django_assert_max_num_queries
):
    organisations = [make_org(f"Member {i}") for i in range(n)]
    ratification = _open(doc, acme_editor, quorum=n + 1)
    for organisation in organisations:
        signer = make_member(organisation, Role.READER, signatory=True)
        drafting.endorse(
            acting_user=signer,
            ratification=ratification,
            organisation=organisation,
            decision="endorse",
            mfa_confirmed=True,
        )
    client = client_for(acme_editor)
    with django_assert_max_num_queries(24):  # measured: 24 for 3 or 30 organisations (one reads the session)
        page = client.get(f"/library/{doc.pk}/ratification/")
    assert page.status_code == 200 and "Member 2" in page.text


def test_the_public_page_does_not_let_someone_held_for_mfa_read_material_that_is_not_public(
    client_for, acme_editor, acme_signatory, acme, make_member, doc
):
    _adopt(doc, acme_editor, acme_signatory, acme)
    admin_without_factor = make_member(acme, Role.ADMIN, email="new-admin@acme.example")
    response = client_for(admin_without_factor).get(f"/library/{doc.pk}/adopted/")
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa-required/"
