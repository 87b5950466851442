"""Demo drafting rounds for seed_demo: a principles text co-drafted by three organisations (comments,
accepted and rejected proposals, a completed review, a ratification in progress and a new draft
under way), a second text waiting at its second review step, and guidance being acknowledged.

Everything goes through the services, so the demo shows what real use leaves behind, audit
events and notifications included. Running it again changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.utils import timezone

from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Community, Organisation, Role

PRINCIPLES_TITLE = "Shared principles on stopping the spread of abuse material"
REVIEW_TITLE = "Principles for safer livestreaming"
GUIDANCE_TITLE = "Guidance for moderators handling reports of child exploitation"


class _Writer(Protocol):
    def write(self, msg: str) -> Any: ...


PRINCIPLES_BODY = """\
# Shared principles on stopping the spread of abuse material

These principles describe what every member company commits to. They are written so that a
product team can check its own service against them.

## Scope

These principles apply to every public service a member runs, including services in testing
with outside users.

## Detection

Members detect known abuse material with hash matching on every upload surface where the law
allows it, and review new detection methods once a year.

## Reporting

Members report confirmed abuse material to the relevant hotline or authority within 24 hours
of confirming it.

## Transparency

Members publish, at least once a year, how many reports they made and how long they took.
"""

LIVESTREAM_BODY = """\
# Principles for safer livestreaming

## Who can go live

Accounts that belong to children cannot start a public livestream.

## Moderation during a stream

Live moderation covers every stream with more than a small audience, and viewers can report a
stream in two taps.

## After a stream

Recordings of streams that were reported are kept for review for ninety days.
"""

GUIDANCE_BODY = """\
# Guidance for moderators handling reports of child exploitation

## Before you start

Check that you have had this year's wellbeing briefing and know who your support contact is.

## Handling a report

1. Do not download or forward the material.
2. Record the report identifier, not the content.
3. Escalate to the specialist team within one hour.

## Looking after yourself

Take the breaks your team agreed. Nobody reviews this material alone for a full shift.
"""


def seed_drafting(*, stdout: _Writer) -> int:
    """Create the demo drafting rounds that are missing; returns how many documents it made."""
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith=".example")}
    organisations = {o.slug: o for o in Organisation.objects.all()}
    communities = {c.slug: c for c in Community.objects.all()}
    present = set(
        Document.objects.filter(title__in=[PRINCIPLES_TITLE, REVIEW_TITLE, GUIDANCE_TITLE]).values_list(
            "title", flat=True
        )
    )
    created = 0
    if PRINCIPLES_TITLE not in present:
        _principles_round(users, organisations)
        created += 1
    if REVIEW_TITLE not in present:
        _review_waiting(users, organisations, communities)
        created += 1
    if GUIDANCE_TITLE not in present:
        _guidance_acknowledged(users, organisations)
        created += 1
    stdout.write(f"Drafting: {created} demo drafting rounds created ({3 - created} were already there).")
    if _consolidated_text_adopted(users, organisations):
        stdout.write("Ratification: the consolidated principles adopted by the member companies.")
    return created


def _principles_round(users: dict[str, Any], orgs: dict[str, Organisation]) -> None:
    owen, priya, nadia = (
        users["owen@northwind.example"],
        users["priya@northwind.example"],
        users["nadia@northwind.example"],
    )
    maeve, lena, jonas = users["maeve@bluepeak.example"], users["lena@lumen.example"], users["jonas@lumen.example"]
    tom = users["tom@secretariat.example"]

    document = library.create_document(
        acting_user=owen,
        owner=orgs["northwind"],
        title=PRINCIPLES_TITLE,
        kind=Document.Kind.PRINCIPLES,
        summary="What every member company commits to on detecting, reporting and being open about abuse material.",
        body=PRINCIPLES_BODY,
        message="First draft for the drafting group",
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
        co_drafters=[orgs["bluepeak"], orgs["lumen"]],
    )
    # The secretariat signs off, so it reads (and may comment on) the draft.
    library.grant(acting_user=owen, document=document, level="comment", organisation=orgs["secretariat"])

    scope = drafting.add_comment(
        acting_user=maeve,
        document=document,
        anchor="section",
        section="doc-scope",
        body="Does “public service” include services only available to business customers? We run a few of those.",
    )
    drafting.reply(
        acting_user=owen,
        parent=scope,
        body="Good question. Business-only services are out of scope for now; we will say so in the next draft.",
    )
    drafting.reply(acting_user=maeve, parent=scope, body="Thanks, that works for Bluepeak.")
    drafting.set_resolved(acting_user=owen, comment=scope, resolved=True)
    drafting.add_comment(
        acting_user=lena,
        document=document,
        anchor="quote",
        quote="within 24 hours of confirming it",
        body="Some authorities ask for faster reports when a child may be in danger. @owen@northwind.example, "
        "could we say so here? I've put in a proposal.",
    )
    drafting.add_comment(
        acting_user=priya,
        document=document,
        body="Overall this reads well. Could the transparency section link to the reporting template?",
    )

    urgent = drafting.propose(
        acting_user=lena,
        document=document,
        anchor="quote",
        quote="within 24 hours of confirming it.",
        replacement="within 24 hours of confirming it, and at once where a child may be in immediate danger.",
        rationale="Several hotlines and police units ask for immediate reports when a child is at risk.",
    )
    drafting.decide_proposal(
        acting_user=owen,
        proposal=urgent,
        outcome="accept",
        response="Agreed: this matches what members already do.",
    )
    yearly = drafting.propose(
        acting_user=maeve,
        document=document,
        anchor="section",
        section="doc-detection",
        replacement=(
            "## Detection\n\nMembers detect known abuse material with hash matching where they judge it "
            "proportionate.\n"
        ),
        rationale="Hash matching on every surface may not suit end-to-end encrypted products.",
    )
    drafting.decide_proposal(
        acting_user=owen,
        proposal=yearly,
        outcome="reject",
        response="The drafting group agreed to keep “every upload surface where the law allows it”; "
        "encrypted products are covered by a separate principle now in preparation.",
    )
    report = drafting.propose(
        acting_user=maeve,
        document=document,
        anchor="quote",
        quote="at least once a year, how many reports they made and how long they took.",
        replacement="at least twice a year, how many reports they made, how long they took and how many were actioned.",
        rationale="Twice a year lets readers see change sooner.",
    )
    drafting.decide_proposal(
        acting_user=owen,
        proposal=report,
        outcome="accept_with_changes",
        response="We kept once a year (members report on different cycles) but added the actioned count.",
        final_text="at least once a year, how many reports they made, how long they took and how many were actioned.",
    )

    drafting.set_review_steps(
        acting_user=owen,
        document=document,
        steps=[
            drafting.StepSpec(name="Legal review", role=Role.ADMIN, organisation=orgs["northwind"]),
            drafting.StepSpec(name="Secretariat sign-off", role=Role.EDITOR, organisation=orgs["secretariat"]),
        ],
    )
    review = drafting.request_review(acting_user=owen, document=document)
    drafting.decide_review(acting_user=nadia, review=review, outcome="approve", comment="No legal concerns.")
    drafting.decide_review(acting_user=tom, review=review, outcome="approve", comment="Ready for the members.")
    drafting.publish(acting_user=owen, document=document)

    document.refresh_from_db()
    ratification = drafting.open_ratification(
        acting_user=owen, document=document, deadline=timezone.localdate() + datetime.timedelta(days=30)
    )
    drafting.endorse(
        acting_user=nadia,
        ratification=ratification,
        organisation=orgs["northwind"],
        decision="endorse",
        mfa_confirmed=True,
    )
    drafting.endorse(
        acting_user=maeve,
        ratification=ratification,
        organisation=orgs["bluepeak"],
        decision="endorse",
        mfa_confirmed=True,
    )
    drafting.endorse(
        acting_user=jonas,
        ratification=ratification,
        organisation=orgs["lumen"],
        decision="decline",
        reason="Our legal team needs another month to review the detection principle for our encrypted products.",
        mfa_confirmed=True,
    )

    # Work on the next version has started; readers keep seeing the published one.
    document.refresh_from_db()
    assert document.current_revision is not None
    drafting.save_revision(
        acting_user=owen,
        document=document,
        body=document.current_revision.body.replace(
            "including services in testing\nwith outside users.",
            "including services in testing\nwith outside users. Services offered only to business customers are out "
            "of scope.",
        ),
        base_number=document.current_revision.number,
        message="Business-only services out of scope (thread with Bluepeak)",
    )


CONSOLIDATED_TITLE = "Voluntary principles against online child sexual exploitation and abuse (consolidated text)"


def _consolidated_text_adopted(users: dict[str, Any], orgs: dict[str, Organisation]) -> int:
    """The public consolidated principles, adopted by the member companies (the public home lists
    adopted principles with the organisations that endorsed them)."""
    document = Document.objects.filter(title=CONSOLIDATED_TITLE).first()
    if document is None or document.ratifications.exists():
        return 0
    ratification = drafting.open_ratification(acting_user=users["tom@secretariat.example"], document=document)
    for email, slug in (
        ("nadia@northwind.example", "northwind"),
        ("maeve@bluepeak.example", "bluepeak"),
        ("mei@harbor.example", "harbor"),
        ("jonas@lumen.example", "lumen"),
    ):
        ratification.refresh_from_db()
        if ratification.state != ratification.State.OPEN:
            break
        drafting.endorse(
            acting_user=users[email],
            ratification=ratification,
            organisation=orgs[slug],
            decision="endorse",
            mfa_confirmed=True,
        )
    return 1


def _review_waiting(users: dict[str, Any], orgs: dict[str, Organisation], communities: dict[str, Community]) -> None:
    maeve, sean, raj = users["maeve@bluepeak.example"], users["sean@bluepeak.example"], users["raj@harbor.example"]
    document = library.create_document(
        acting_user=maeve,
        owner=orgs["bluepeak"],
        title=REVIEW_TITLE,
        kind=Document.Kind.PRINCIPLES,
        summary="Who may go live, how streams are moderated, and what happens afterwards.",
        body=LIVESTREAM_BODY,
        message="Draft for review",
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
        co_drafters=[orgs["harbor"]],
    )
    drafting.add_comment(
        acting_user=raj,
        document=document,
        anchor="section",
        section="doc-after-a-stream",
        body="Ninety days matches our retention policy. Fine by Harbor.",
    )
    drafting.set_review_steps(
        acting_user=maeve,
        document=document,
        steps=[
            drafting.StepSpec(name="Legal review", role=Role.ADMIN, organisation=orgs["bluepeak"]),
            drafting.StepSpec(name="Co-drafter check", role=Role.EDITOR, organisation=orgs["harbor"]),
        ],
    )
    review = drafting.request_review(acting_user=maeve, document=document)
    drafting.decide_review(acting_user=sean, review=review, outcome="approve", comment="Approved for Bluepeak.")


def _guidance_acknowledged(users: dict[str, Any], orgs: dict[str, Organisation]) -> None:
    tom, owen, raj = users["tom@secretariat.example"], users["owen@northwind.example"], users["raj@harbor.example"]
    document = library.create_document(
        acting_user=tom,
        owner=orgs["secretariat"],
        title=GUIDANCE_TITLE,
        kind=Document.Kind.GUIDANCE,
        summary="Practical steps for moderators, and how to look after themselves.",
        body=GUIDANCE_BODY,
        message="Guidance agreed by the moderators' forum",
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    drafting.publish(acting_user=tom, document=document)
    document.refresh_from_db()
    request = drafting.request_acknowledgement(
        acting_user=tom,
        document=document,
        organisations=[orgs["northwind"], orgs["bluepeak"], orgs["lumen"], orgs["harbor"]],
        message="Please confirm your moderation teams have received this guidance.",
    )
    drafting.acknowledge(acting_user=owen, request=request, organisation=orgs["northwind"])
    drafting.acknowledge(acting_user=raj, request=request, organisation=orgs["harbor"])
