"""explain() and audience_of() for the items an organisation shares (implementation records, their
evidence, mileposts, self-assessments): for every relationship (a role at the owner organisation, a
named organisation, a named community, the coalition, the public, another member, the secretariat,
the oversight role, an outsider, an anonymous visitor) x audience x kind, the words are the ones
below (written from docs/principles.md, not from the access module) and agree with can(); the
summary of who can see an item, read as a person reads it, agrees with can() too. The pages show
both to those who may read the item; everyone else gets a 404."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from coalition import access
from coalition.access import Action, SharedAudience
from coalition.accounts.models import User
from coalition.assessments.models import Questionnaire, SelfAssessment
from coalition.library import services as library
from coalition.library.models import Document
from coalition.organisations.models import Membership, Organisation, Role
from coalition.principles import evidence_services
from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost, Principle
from tests.conftest import Cast, cycle, enrol_totp
from tests.principles.test_access_matrix import VIEWERS as CAST_VIEWERS

pytestmark = pytest.mark.django_db

AUDIENCES = ("organisation", "named", "coalition", "public")
LABEL = {"organisation": "amber_strict", "named": "amber", "coalition": "green", "public": "clear"}
TLP_TEXT = {"amber_strict": "TLP:AMBER+STRICT", "amber": "TLP:AMBER", "green": "TLP:GREEN", "clear": "TLP:CLEAR"}
KINDS = ("record", "evidence", "milepost", "assessment")
VIEW = {
    "record": Action.VIEW_IMPLEMENTATION,
    "evidence": Action.VIEW_EVIDENCE,
    "milepost": Action.VIEW_MILEPOST,
    "assessment": Action.VIEW_ASSESSMENT,
}
VIEWERS = (*CAST_VIEWERS, "oversight")
# Each signed-in viewer's one membership: (role, organisation).
MEMBERSHIP = {
    "admin": ("Admin", "Acme"),
    "editor": ("Editor", "Acme"),
    "contributor": ("Contributor", "Acme"),
    "reader": ("Reader", "Acme"),
    "named_org": ("Admin", "Globex"),
    "community_org": ("Editor", "Umbrella"),
    "other_org": ("Admin", "Initech"),
    "secretariat": ("Editor", "Coalition Secretariat"),
    "oversight": ("Reader", "Watchdog"),
}

PUBLIC = "Public: shared with everyone, without an account (TLP:CLEAR)."
RECIPIENTS_NEVER_RESHARE = (
    "Only the organisation it belongs to edits it; those it is shared with never share it further."
)
NOT_SHARED = "It is not shared with any organisation you belong to."
REFUSALS = {
    "anonymous": ["It is not public: only the organisations it is shared with see it, once signed in."],
    "outsider": ["It is not public, and you belong to no organisation of the coalition."],
    "other_org": [NOT_SHARED],
    "named_org": [NOT_SHARED],
    "community_org": [NOT_SHARED],
    "secretariat": [
        NOT_SHARED,
        "Working for the secretariat does not open an organisation's reports: only sharing does.",
    ],
    "oversight": [NOT_SHARED, "The oversight role sees the audit log about it, never its content."],
}


def expected_reasons(viewer: str, audience: str) -> list[str]:
    """What explain() must say to `viewer` about an Acme item shared with `audience`."""
    reading = []
    if audience == "public":
        reading.append(PUBLIC)
    role, organisation = MEMBERSHIP.get(viewer, ("", ""))
    if organisation == "Acme":
        reading.append(f"{role} at Acme, the organisation it belongs to.")
    if audience == "coalition" and role:
        reading.append(f"Shared with the whole coalition; you are {role.lower()} at {organisation}.")
    if audience == "named" and viewer == "named_org":
        reading.append("Shared by name with Globex, your organisation.")
    if audience == "named" and viewer == "community_org":
        reading.append("Shared with the Research group community, which includes your organisation.")
    if not reading:
        return REFUSALS[viewer]
    if viewer in ("admin", "editor"):
        return [*reading, f"As {role.lower()} there, you may edit it and choose who sees it."]
    if viewer in ("contributor", "reader"):
        return [*reading, f"Only its editors and admins edit it and choose who sees it; you are {role.lower()}."]
    return [*reading, RECIPIENTS_NEVER_RESHARE]


def expected_evidence_reasons(viewer: str, audience: str) -> list[str]:
    record = expected_reasons(viewer, audience)
    if record == REFUSALS.get(viewer):
        return record
    label = TLP_TEXT[LABEL[audience]]
    return [
        "Evidence is read by whoever reads its record:",
        *record,
        f"Labelled {label}; its record is labelled {label}, never less strictly than its evidence.",
    ]


@dataclass
class Shared:
    cast: Cast
    people: dict[str, User | None]
    items: dict[tuple[str, str], Any]  # (kind, audience) -> item


def _named(item: Any, cast: Cast, audience: str) -> Any:
    if audience == "named":
        item.audience_organisations.set([cast.globex])
        item.audience_communities.set([cast.community])
    return item


@pytest.fixture
def shared(
    reporting_cast: Cast, make_org: Callable[..., Organisation], make_member: Callable[..., User], settings: Any
) -> Shared:
    """One Acme record (with a file as evidence), milepost and self-assessment per audience, each
    with the label the audience suggests; and a member of the oversight body with the role."""
    cast = reporting_cast
    watchdog = make_org("Watchdog", slug="watchdog", kind=Organisation.Kind.PARTNER, oversight_body=True)
    overseer = make_member(watchdog, Role.READER, email="overseer@watchdog.example")
    Membership.objects.filter(user=overseer).update(oversight=True)
    enrol_totp(overseer)
    people = {**cast.people, "oversight": overseer}
    principles = list(Principle.objects.filter(framework__slug="voluntary-principles").order_by("order"))
    questionnaire = Questionnaire.objects.get(slug="safety-by-design")
    items: dict[tuple[str, str], Any] = {}
    for n, audience in enumerate(AUDIENCES):
        tlp = LABEL[audience]
        record = ImplementationRecord.objects.create(
            organisation=cast.acme, principle=principles[n], cycle=cycle(), audience=audience, tlp=tlp
        )
        items[("record", audience)] = _named(record, cast, audience)
        items[("evidence", audience)] = EvidenceItem.objects.create(
            record=record,
            kind=EvidenceItem.Kind.FILE,
            original_name=f"audit-{audience}.pdf",
            storage_name=f"evidence-{audience}",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            tlp=tlp,
            note=f"Evidence {audience}",
        )
        milepost = Milepost.objects.create(
            organisation=cast.acme,
            category="detection",
            date=timezone.localdate(),
            text=f"Milepost shared {audience}",
            audience=audience,
            tlp=tlp,
        )
        items[("milepost", audience)] = _named(milepost, cast, audience)
        assessment = SelfAssessment.objects.create(
            questionnaire=questionnaire, organisation=cast.acme, cycle=cycle() - n, audience=audience, tlp=tlp
        )
        items[("assessment", audience)] = _named(assessment, cast, audience)
    return Shared(cast, people, items)


def _fresh(user: User | None) -> Any:
    """The person as a new request sees them (nothing of an earlier decision remembered)."""
    if user is None:
        return AnonymousUser()
    return User.objects.get(pk=user.pk)


def _item(shared: Shared, kind: str, audience: str) -> Any:
    """The item as a page loads it."""
    item = shared.items[(kind, audience)]
    return type(item).objects.get(pk=item.pk)


# --- explain() -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_explain_gives_the_reason_for_every_relationship(shared: Shared, viewer: str, kind: str) -> None:
    for audience in AUDIENCES:
        user = _fresh(shared.people[viewer])
        item = _item(shared, kind, audience)
        reasons = access.explain(user, item)
        want = expected_evidence_reasons(viewer, audience) if kind == "evidence" else expected_reasons(viewer, audience)
        assert reasons == want, f"{viewer} on {kind}/{audience}"
        # The words and the decision come from one rule: a refusal exactly when can() says no.
        assert (reasons != REFUSALS.get(viewer)) is access.can(user, VIEW[kind], item), f"{viewer} on {kind}/{audience}"


def test_explain_of_evidence_says_a_linked_document_was_relabelled_more_strictly(shared: Shared) -> None:
    """A record's label is never less strict than its evidence's, and a linked document's label
    counts as it is now: relabelled after it was linked, the document is stricter than its record."""
    record = shared.items[("record", "coalition")]
    document = library.create_document(
        acting_user=shared.people["editor"],
        owner=shared.cast.acme,
        title="Transparency policy",
        kind="policy",
        body="Body.",
        audience="coalition",
        tlp="green",
    )
    item = evidence_services.link_document(acting_user=shared.people["editor"], record=record, document=document)
    reader = _fresh(shared.people["named_org"])
    assert access.explain(reader, item)[-2:] == [
        "Labelled TLP:GREEN; its record is labelled TLP:GREEN, never less strictly than its evidence.",
        "The library document it links is opened only by those the library lets read it.",
    ]
    assert access.audience_of(item).tlp == "green" and access.audience_of(item).linked_document
    Document.objects.filter(pk=document.pk).update(tlp="amber")
    item = EvidenceItem.objects.select_related("record", "document").get(pk=item.pk)
    assert "The linked document is now labelled TLP:AMBER, more strictly than its record (TLP:GREEN)." in (
        access.explain(_fresh(shared.people["named_org"]), item)
    )
    summary = access.audience_of(item)
    assert (summary.tlp, summary.tlp_label) == ("amber", "TLP:AMBER")
    assert summary.every_organisation  # the entry stays where its record is; the document follows its label


def test_explain_and_audience_of_refuse_what_they_do_not_know(shared: Shared) -> None:
    with pytest.raises(TypeError, match="does not know Questionnaire"):
        access.explain(shared.people["admin"], Questionnaire.objects.first())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="does not know Questionnaire"):
        access.audience_of(Questionnaire.objects.first())  # type: ignore[call-overload]


# --- audience_of() -------------------------------------------------------------------------------


def _sees(summary: SharedAudience, user: User | None) -> bool:
    """The summary read as a person reads the page."""
    if summary.everyone:
        return True
    if user is None:
        return False
    organisations = set(
        Membership.objects.filter(user=user, organisation__status="active").values_list("organisation_id", flat=True)
    )
    reached = {summary.owner.pk, *(o.pk for o in summary.organisations)}
    reached |= {o.pk for c in summary.communities for o in c.organisations.all()}
    return bool(organisations) and (summary.every_organisation or bool(organisations & reached))


@pytest.mark.parametrize("kind", KINDS)
def test_audience_of_says_who_can_see_it_as_the_access_rules_do(shared: Shared, kind: str) -> None:
    for audience in AUDIENCES:
        item = _item(shared, kind, audience)
        summary = access.audience_of(item)
        assert summary.owner == shared.cast.acme
        assert (summary.tlp, summary.tlp_label) == (LABEL[audience], TLP_TEXT[LABEL[audience]])
        assert summary.everyone is (audience == "public")
        assert summary.every_organisation is (audience == "coalition")
        assert summary.organisations == ([shared.cast.globex] if audience == "named" else [])
        assert summary.communities == ([shared.cast.community] if audience == "named" else [])
        for viewer in VIEWERS:
            user = shared.people[viewer]
            assert _sees(summary, user) is access.can(_fresh(user), VIEW[kind], item), f"{viewer} {kind}/{audience}"


def test_a_suspended_organisation_in_a_named_audience_sees_nothing_though_it_is_listed(shared: Shared) -> None:
    Organisation.objects.filter(pk=shared.cast.globex.pk).update(status=Organisation.Status.SUSPENDED)
    record = _item(shared, "record", "named")
    assert access.audience_of(record).organisations == [shared.cast.globex]
    user = _fresh(shared.people["named_org"])
    assert not access.can(user, Action.VIEW_IMPLEMENTATION, record)
    assert access.explain(user, record) == REFUSALS["outsider"]


# --- The pages -----------------------------------------------------------------------------------


def _page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _shows_explanation(text: str, reasons: list[str]) -> bool:
    return "Why you can see this" in text and all(r in text for r in reasons)


SHARERS = ("admin", "editor")  # the owner's editors and admins: they alone are told who else reads it


@pytest.mark.parametrize("viewer", VIEWERS)
def test_record_and_self_assessment_pages_explain_to_readers_and_404_to_others(
    shared: Shared, viewer: str, client_for: Callable[..., Any]
) -> None:
    client = client_for(shared.people[viewer])
    pages = {"record": "principles:record", "assessment": "assessments:report"}
    for kind, name in pages.items():
        for audience in AUDIENCES:
            item = shared.items[(kind, audience)]
            response = client.get(reverse(name, args=[item.pk]))
            reasons = expected_reasons(viewer, audience)
            case = f"{viewer} on {kind}/{audience}"
            if reasons == REFUSALS.get(viewer):
                assert response.status_code == 404, case
                continue
            assert response.status_code == 200, case
            text = _page_text(response)
            assert _shows_explanation(text, reasons), case
            # Who else reads it is for those who share it, as on a document's page.
            assert ("Who can see this" in text) is (viewer in SHARERS), case
            if viewer not in SHARERS:
                assert "Everyone at Acme (owner)" not in text, case
                continue
            assert "Everyone at Acme (owner)" in text, case
            if audience == "named":
                assert "Globex" in text and "The Research group community" in text, case
            if audience == "public":
                assert "Everyone, without signing in (public)" in text, case
            if audience == "coalition":
                assert "Every active organisation of the coalition" in text, case


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_milepost_list_explains_each_milepost_shown(
    shared: Shared, viewer: str, client_for: Callable[..., Any]
) -> None:
    response = client_for(shared.people[viewer]).get(reverse("principles:mileposts"))
    assert response.status_code == 200
    text = _page_text(response)
    for audience in AUDIENCES:
        reasons = expected_reasons(viewer, audience)
        shown = f"Milepost shared {audience}" in text
        assert shown is (reasons != REFUSALS.get(viewer)), f"{viewer} on {audience}"
        if shown:
            assert all(r in text for r in reasons), f"{viewer} on {audience}"
    if any(f"Milepost shared {a}" in text for a in AUDIENCES):
        assert "Who can see this, and why you can" in text
        # Who else reads a milepost is for the owner's editors and admins only.
        assert ("Everyone at Acme (owner)" in text) is (viewer in SHARERS), viewer
    else:
        assert "Who can see this" not in text


@pytest.mark.parametrize("viewer", VIEWERS)
def test_milepost_and_evidence_edit_pages_explain_to_the_editors_only(
    shared: Shared, viewer: str, client_for: Callable[..., Any]
) -> None:
    client = client_for(shared.people[viewer])
    for audience in AUDIENCES:
        milepost = shared.items[("milepost", audience)]
        evidence = shared.items[("evidence", audience)]
        pages = {
            "milepost": (reverse("principles:milepost", args=[milepost.pk]), expected_reasons(viewer, audience)),
            "evidence": (
                reverse("principles:evidence_edit", args=[evidence.record_id, evidence.pk]),
                expected_evidence_reasons(viewer, audience),
            ),
        }
        for kind, (url, reasons) in pages.items():
            response = client.get(url)
            case = f"{viewer} on {kind}/{audience}"
            if viewer not in ("admin", "editor"):
                if viewer == "anonymous":
                    assert response.status_code in (302, 404), case
                    assert response.status_code == 404 or "/accounts/login/" in response["Location"], case
                else:
                    assert response.status_code == 404, case
                continue
            assert response.status_code == 200, case
            text = _page_text(response)
            assert _shows_explanation(text, reasons) and "Who can see this" in text, case


def test_the_milepost_list_explains_at_a_fixed_number_of_queries(
    shared: Shared, client_for: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    """Saying who sees each milepost and why reads the named audiences with the page, not per
    milepost: more mileposts named to more organisations and communities cost nothing more."""
    client = client_for(shared.people["community_org"])
    client.get(reverse("principles:mileposts"))
    with django_assert_max_num_queries(14) as before:
        client.get(reverse("principles:mileposts"))
    for n in range(10):
        milepost = Milepost.objects.create(
            organisation=shared.cast.acme,
            category="support",
            date=timezone.localdate(),
            text=f"More {n}",
            audience="named",
            tlp="amber",
        )
        _named(milepost, shared.cast, "named")
        milepost.audience_organisations.add(shared.cast.initech)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(reverse("principles:mileposts"))
    assert _page_text(response).count("Shared with the Research group community") == 11
