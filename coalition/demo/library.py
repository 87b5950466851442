"""A living demo library for the demo coalition (see the `seed_demo` command).

About sixty fictional documents across every kind, owner, audience, TLP label and status, with
topics, co-drafters, a few revisions each and explicit grants. Every write goes through
coalition.library.services, acting as an editor or admin of the owner organisation, so the audit
log tells the same story a real library would. Bodies are assembled from a few templated sections
per kind and per topic, so each reads naturally without sixty hand-written essays.

Running it again creates nothing: a document whose owner and title already exist is skipped.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from coalition import access
from coalition.demo.organisations import PEOPLE
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document, Topic
from coalition.organisations.models import Community, Organisation, Role


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


# --- Topics ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicText:
    name: str
    context: str
    practices: tuple[tuple[str, str], ...]  # (short label, what to do)
    measures: tuple[tuple[str, str], ...]  # (measure, why it matters)
    caveat: str


TOPICS: dict[str, TopicText] = {
    "age": TopicText(
        "Age assurance",
        "Age assurance lets a service apply protections suited to a user's likely age without asking for more "
        "personal data than the risk warrants. Methods range from self-declaration through estimation to "
        "verification against a trusted source, and each carries different error rates, costs and privacy effects.",
        (
            ("Proportionate checks", "Match the strength of the age check to the risk of the feature, not to the "
             "service as a whole."),
            ("More than one route", "Offer more than one method, so that people without identity documents are "
             "not locked out."),
            ("Minimal retention", "Delete the evidence used for a check as soon as the result is recorded."),
            ("Protective defaults", "Apply the defaults for younger users whenever the result is uncertain."),
            ("Tested for fairness", "Test estimation models for accuracy across skin tones, ages and genders, "
             "and publish the error bands."),
        ),
        (
            ("False-adult rate at the 13–17 boundary", "How often a minor is treated as an adult"),
            ("Checks completed on the first attempt", "Friction that pushes people to riskier services"),
            ("Age appeals resolved within 7 days", "Fairness to adults wrongly restricted"),
        ),
        "No method is perfect. The aim is a proportionate reduction in risk, documented well enough that a "
        "regulator or auditor can follow the reasoning.",
    ),
    "detection": TopicText(
        "Detection",
        "Automated detection (hash matching against verified lists, classifiers for previously unseen material, "
        "and signals of suspicious behaviour) lets trust and safety teams find abuse at a scale no human team could "
        "review alone. That power is why it needs governance: every tool should have an owner, a documented "
        "purpose and a route for errors to be corrected.",
        (
            ("A register of tools", "Keep a register of every detection tool in production, with its owner, its "
             "data sources and the date of its last evaluation."),
            ("Verified hash lists", "Use hash lists only from sources that verify their entries, and record the "
             "list version behind each match."),
            ("Human review", "Route classifier hits to trained reviewers before any onward report that relies on "
             "them alone."),
            ("Regular evaluation", "Measure precision and recall on a held-out set at least twice a year and after "
             "any model change."),
            ("Contestable decisions", "Give affected users a way to contest an enforcement decision, and feed "
             "overturned decisions back into evaluation."),
        ),
        (
            ("Precision of classifier escalations", "Reviewer time and user trust"),
            ("Median time from upload to action on a hash match", "How long harmful material stays available"),
            ("Enforcement appeals upheld", "Whether errors are being caught"),
        ),
        "Detection tooling processes sensitive data. Privacy impact assessments and access controls for reviewers "
        "are part of the tool, not an afterthought.",
    ),
    "reporting": TopicText(
        "Reporting",
        "User reports are often the first signal that a child is at risk. A reporting flow that is hard to find, "
        "asks too much, or never tells the reporter what happened discourages the next report.",
        (
            ("Two taps away", "Make a report reachable within two taps from any content, profile or "
             "conversation."),
            ("A child-safety category", "Offer a dedicated category for child safety and prioritise it in review "
             "queues."),
            ("Room for context", "Let reporters add context in their own words without requiring it."),
            ("Closing the loop", "Acknowledge every report and, where it is safe to do so, tell the reporter the "
             "outcome."),
            ("Disclosures handled with care", "Route reports from children to reviewers trained to respond to "
             "disclosures."),
        ),
        (
            ("Median time to first review of child-safety reports", "Speed of protection"),
            ("Reporters told the outcome", "Trust in the reporting route"),
            ("Reports per 10,000 active users, by surface", "Where the flow is hard to find"),
        ),
        "Report volumes rise when flows improve; a higher count is not by itself a sign that harm has increased.",
    ),
    "transparency": TopicText(
        "Transparency",
        "Transparency reporting lets governments, civil society and users see how a service tackles child sexual "
        "exploitation and abuse. Figures are only useful if they are defined consistently, published on a "
        "predictable schedule and explained in plain language.",
        (
            ("A fixed schedule", "Publish at least once a year, on a predictable date, using the coalition's shared "
             "definitions."),
            ("Every metric explained", "Explain each metric in a sentence, including what it does not count."),
            ("Detection by method", "Report detection by method (hash match, classifier, user report) where the "
             "numbers are large enough to publish safely."),
            ("Changes described", "Describe material changes to policy or tooling since the last report."),
            ("History kept", "Keep earlier reports online so that trends can be followed."),
        ),
        (
            ("Reports made to the national hotline or clearing house", "Volume of onward reporting"),
            ("Accounts actioned for child-safety violations", "Enforcement activity"),
            ("Actioned content found proactively", "Reliance on detection versus user reports"),
        ),
        "Numbers without context invite misreading. Each report should say what changed in the service, its user "
        "base and its methods.",
    ),
    "sbd": TopicText(
        "Safety by design",
        "Safety by design asks product teams to anticipate how a feature could be misused against children before "
        "it ships, rather than retrofitting protections after harm occurs. It works best as a routine part of "
        "product review, not as a separate gate at the end.",
        (
            ("Risk review for contact features", "Run a child-safety risk review for every new feature that lets "
             "strangers find or contact users."),
            ("Private by default", "Default younger users' accounts to private, with direct messages limited to "
             "existing connections."),
            ("Safety tools from day one", "Build reporting, blocking and muting into the feature from its first "
             "release."),
            ("Decisions on record", "Record the risks identified, the mitigations chosen and the residual risk "
             "accepted, each with a named owner."),
            ("Revisit after launch", "Repeat the review when usage data shows the feature is used differently than "
             "expected."),
        ),
        (
            ("Features launched with a completed risk review", "Coverage of the process"),
            ("Median days the review adds to a launch", "Cost to product teams"),
            ("Risks reopened after launch", "Quality of the original assessment"),
        ),
        "The review should be proportionate: a change to a settings page does not need the same depth as a new "
        "discovery surface.",
    ),
    "live": TopicText(
        "Livestreaming",
        "Live video raises distinct risks: harm can happen in real time, audiences can pressure streamers, and "
        "there is often no recording to review afterwards. Protection therefore relies more on prevention and "
        "rapid intervention than on removal after the fact.",
        (
            ("Age limits for going live", "Restrict live broadcasting for accounts that are, or are likely to be, "
             "under the minimum age for the feature."),
            ("No gifting pressure", "Limit or disable gifting and private requests during streams by younger "
             "users."),
            ("Power to intervene", "Let moderators end a stream and keep a short buffer for review."),
            ("Behavioural signals", "Watch for signals such as rapid follower growth from new accounts or repeated "
             "requests to move to private channels."),
            ("Coverage when it matters", "Staff live review queues at the hours when younger users are most "
             "active."),
        ),
        (
            ("Median time from report to intervention on a live stream", "Speed of real-time response"),
            ("Streams ended for child-safety reasons per 100,000", "Scale of intervention"),
            ("Live reports reviewed while the stream is still running", "Whether review keeps pace"),
        ),
        "Retaining stream buffers has privacy costs: keep them short, access-controlled and deleted when no action "
        "follows.",
    ),
    "grooming": TopicText(
        "Grooming prevention",
        "Grooming is a process rather than a single message: an adult builds trust, isolates a child and escalates "
        "contact, often moving to a more private service. Preventing it means interrupting the pattern early while "
        "respecting the privacy of ordinary conversations.",
        (
            ("Limits on unsolicited contact", "Limit who can message younger users unprompted, and show a safety "
             "prompt on first contact from a stranger."),
            ("Pattern detection", "Detect patterns such as an adult contacting many unconnected minors in a short "
             "period."),
            ("Guidance in context", "Offer young users guidance in the conversation when it shows known warning "
             "signs."),
            ("Block and report in place", "Make it easy to block and report from within the conversation, and keep "
             "the evidence."),
            ("Shared indicators", "Share anonymised behavioural indicators with coalition members through the "
             "agreed channel."),
        ),
        (
            ("Unsolicited adult-to-minor message attempts blocked", "Reach of contact limits"),
            ("Safety prompts shown and acted on", "Whether prompts help"),
            ("Accounts actioned after behavioural signals", "Effect of pattern detection"),
        ),
        "Signals derived from behaviour can misfire. Human review and an appeal route protect legitimate users "
        "such as family members, coaches and teachers.",
    ),
    "hotlines": TopicText(
        "Hotlines",
        "Hotlines receive reports from the public, assess material against national law and pass confirmed cases "
        "to industry and law enforcement for action. Good cooperation between hotlines and platforms shortens the "
        "time that confirmed material remains available.",
        (
            ("One contact point", "Name a single point of contact for hotline notices, with a deputy, and keep "
             "the details current."),
            ("Prompt acknowledgement", "Acknowledge hotline notices within one working day and act on confirmed "
             "material without delay."),
            ("Feedback on outcomes", "Tell the hotline when material has been removed, and when it could not be "
             "found."),
            ("Secure channels", "Agree secure channels for notices; never send the material itself by email."),
            ("Annual review", "Meet partner hotlines at least once a year to review volumes, delays and recurring "
             "problems."),
        ),
        (
            ("Median time from hotline notice to removal", "Availability of confirmed material"),
            ("Notices acknowledged within one working day", "Reliability of the contact point"),
            ("Notices where the material could not be located", "Quality of the information exchanged"),
        ),
        "Hotlines work under different national laws; a notice that is actionable in one jurisdiction may need "
        "legal review in another.",
    ),
    "wellbeing": TopicText(
        "Moderator wellbeing",
        "People who review child sexual abuse material and related reports carry a heavy load. Their wellbeing is "
        "both a duty of care and a condition for accurate, consistent decisions.",
        (
            ("Limited exposure", "Cap daily review time on the most severe queues and schedule breaks."),
            ("Protective tooling", "Blur, greyscale or mute material by default, and let reviewers choose when to "
             "reveal it."),
            ("Support for everyone", "Provide confidential psychological support to contractors on the same terms "
             "as employees."),
            ("Attentive team leads", "Train team leads to recognise signs of distress and to rotate people off "
             "severe queues."),
            ("Listening regularly", "Ask reviewers regularly and anonymously how the work affects them, and act on "
             "what they say."),
        ),
        (
            ("Reviewers using support services each quarter", "Take-up, not only availability"),
            ("Average daily hours on severe queues", "Exposure"),
            ("Reviewer attrition in the first year", "Sustainability of the team"),
        ),
        "Wellbeing measures are only credible if they also cover vendors and contractors, who often do the most "
        "exposed work.",
    ),
}  # fmt: skip


# --- The documents -----------------------------------------------------------------------------

ORG, NAMED, COALITION, PUBLIC = Audience.ORGANISATION, Audience.NAMED, Audience.COALITION, Audience.PUBLIC
CLEAR, GREEN, AMBER, STRICT, RED = TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED
PUBLISHED, DRAFT, ARCHIVED = Document.Status.PUBLISHED, Document.Status.DRAFT, Document.Status.ARCHIVED
K = Document.Kind


@dataclass(frozen=True)
class Doc:
    title: str
    kind: str
    owner: str  # organisation slug
    audience: str
    tlp: str
    status: str
    topics: tuple[str, ...]
    summary: str
    to: tuple[str, ...] = ()  # audience "named": organisation slugs, or "c:<community slug>"
    co: tuple[str, ...] = ()  # co-drafting organisations
    grants: tuple[tuple[str, str], ...] = ()  # (person's email or organisation slug, level)
    revs: int = 1
    start: tuple[str, str] | None = None  # (audience, TLP) it was first created with, widened later
    method: str = ""  # research only: a key of METHODS, if the topic's usual methods do not fit


# fmt: off
DOCUMENTS: list[Doc] = [
    # Coalition Secretariat
    Doc("Voluntary principles against online child sexual exploitation and abuse (consolidated text)",
        K.PRINCIPLES, "secretariat", PUBLIC, CLEAR, PUBLISHED, ("sbd", "reporting", "transparency"),
        "The consolidated text of the coalition's principles as adopted at the plenary, with the commentary agreed "
        "by the drafting group.", co=("northwind", "bluepeak", "safenet"), revs=3),
    Doc("Transparency reporting framework: shared definitions, 2026 edition", K.GUIDANCE, "secretariat", PUBLIC,
        CLEAR, PUBLISHED, ("transparency",),
        "Common definitions and counting rules so that members' transparency reports can be read side by side.",
        revs=2),
    Doc("Coalition transparency report 2025", K.OTHER, "secretariat", PUBLIC, CLEAR, PUBLISHED,
        ("transparency", "reporting"),
        "The coalition's own account of its year: what members committed to, what they reported and where progress "
        "has stalled.", revs=2),
    Doc("Terms of reference: principles drafting group", K.OTHER, "secretariat", NAMED, GREEN, PUBLISHED,
        ("transparency",),
        "How the drafting group is convened, how it takes decisions and how members outside the group are "
        "consulted.", to=("c:policy-drafting",)),
    Doc("Plenary meeting notes, March 2026", K.OTHER, "secretariat", COALITION, AMBER, PUBLISHED,
        ("hotlines", "transparency"),
        "Notes of the spring plenary, covering hotline cooperation, the next transparency cycle and open actions.",
        revs=2),
    Doc("Principles review 2026: revised commentary (working draft)", K.PRINCIPLES, "secretariat", NAMED, AMBER,
        DRAFT, ("sbd", "grooming"),
        "A working draft of the revised commentary on the principles, reflecting two years of implementation "
        "reports.", to=("c:policy-drafting",), co=("northwind", "bluepeak", "safenet"),
        grants=(("lumen", "comment"),), revs=4),
    Doc("Membership admission checklist", K.TEMPLATE, "secretariat", ORG, AMBER, PUBLISHED, ("sbd", "reporting"),
        "The checklist the secretariat completes with every organisation applying to join the coalition."),
    Doc("Handling information in the portal: a guide to TLP labels", K.GUIDANCE, "secretariat", COALITION, GREEN,
        PUBLISHED, ("transparency",),
        "Which label to choose, what each one allows recipients to do, and how audiences and grants work together.",
        revs=2),
    Doc("Coalition transparency report 2023", K.OTHER, "secretariat", PUBLIC, CLEAR, ARCHIVED, ("transparency",),
        "The first coalition-wide transparency report, kept for reference now that later editions replace it."),
    Doc("Coordinated account network targeting minors: shared indicators", K.OTHER, "secretariat", ORG, RED,
        PUBLISHED, ("grooming", "detection"),
        "Indicators of a coordinated network seen on several member services, relayed to named contacts only.",
        grants=(("nadia@northwind.example", "view"), ("sean@bluepeak.example", "view"),
                ("mei@harbor.example", "view"), ("jonas@lumen.example", "comment"))),
    # Northwind Social
    Doc("Northwind Social child safety policy", K.POLICY, "northwind", PUBLIC, CLEAR, PUBLISHED,
        ("sbd", "reporting"),
        "Northwind Social's public commitments on preventing, detecting and reporting child sexual exploitation "
        "and abuse.", revs=3),
    Doc("Teen account defaults: safety-by-design review", K.GUIDANCE, "northwind", COALITION, GREEN, PUBLISHED,
        ("sbd", "age"),
        "What we changed in the default settings for 13 to 17 year olds, why, and what it cost in engagement.",
        revs=2),
    Doc("Age assurance at sign-up: approach and error rates", K.RESEARCH, "northwind", NAMED, AMBER, PUBLISHED,
        ("age",), "A year of data from age estimation at sign-up, with error rates at the boundaries that matter.",
        to=("c:research", "ministry"), grants=(("henry@mda.example", "comment"),), revs=3),
    Doc("Direct messaging contact limits for under-18s", K.POLICY, "northwind", ORG, STRICT, PUBLISHED,
        ("grooming", "sbd"),
        "Internal rules on who may message younger users, and the exceptions product teams may ask for.", revs=2),
    Doc("Grooming signal classifier: governance record", K.OTHER, "northwind", ORG, STRICT, PUBLISHED,
        ("detection", "grooming"),
        "Ownership, data sources, evaluation history and known limitations of the grooming signal classifier.",
        revs=3),
    Doc("Gifting restrictions for younger creators (draft)", K.POLICY, "northwind", NAMED, AMBER, DRAFT,
        ("live",), "Proposed limits on gifting during live streams by creators under 18, drafted with Bluepeak.",
        to=("bluepeak",), co=("bluepeak",), revs=3),
    Doc("Moderator wellbeing programme: 2025 review", K.RESEARCH, "northwind", NAMED, GREEN, PUBLISHED,
        ("wellbeing",),
        "What reviewers told us about exposure, support and workload, and the changes we made in response.",
        to=("c:all-members",), revs=2),
    Doc("Reporting flow redesign: findings from usability testing", K.RESEARCH, "northwind", COALITION, GREEN,
        PUBLISHED, ("reporting",),
        "Moderated sessions with teenagers and parents showed where our reporting flow lost people, and why.",
        revs=2, method="sessions"),
    Doc("Northwind Social transparency report, second half of 2025", K.OTHER, "northwind", PUBLIC, CLEAR,
        PUBLISHED, ("transparency",),
        "Enforcement, detection and onward reporting figures for July to December 2025.", revs=2,
        start=(ORG, AMBER)),
    Doc("Imminent-risk escalation: named on-call contacts", K.OTHER, "northwind", ORG, RED, PUBLISHED,
        ("reporting",), "Who to call, in what order, when a report suggests a child is in immediate danger.",
        grants=(("nadia@northwind.example", "edit"), ("priya@northwind.example", "view"))),
    Doc("Handling hotline notices at Northwind Social", K.POLICY, "northwind", NAMED, AMBER, PUBLISHED,
        ("hotlines",), "How notices from partner hotlines reach the right team and how we report back.",
        to=("safenet", "childsafe"), grants=(("wanjiru@safenet.example", "comment"),), revs=2),
    # Bluepeak Video
    Doc("Bluepeak Video livestreaming safety standard", K.POLICY, "bluepeak", PUBLIC, CLEAR, PUBLISHED,
        ("live", "sbd"), "The safety standard every live feature on Bluepeak Video must meet before launch.",
        revs=3),
    Doc("Live review staffing by time zone", K.GUIDANCE, "bluepeak", ORG, STRICT, PUBLISHED, ("live", "wellbeing"),
        "How we staff live review queues around the clock without keeping anyone on severe queues too long.",
        revs=2),
    Doc("Creator age checks for monetisation: pilot results", K.RESEARCH, "bluepeak", NAMED, AMBER, PUBLISHED,
        ("age", "live"), "Results of a six-month pilot requiring stronger age checks before creators can earn.",
        to=("c:all-members",), grants=(("ministry", "view"),), revs=2),
    Doc("Hash matching for uploaded video: governance record", K.GUIDANCE, "bluepeak", COALITION, AMBER,
        PUBLISHED, ("detection",),
        "How hash matching is run on uploads, who owns it, and how matches are reviewed and reported.", revs=3),
    Doc("Comment controls on videos featuring minors", K.POLICY, "bluepeak", COALITION, GREEN, PUBLISHED,
        ("sbd", "grooming"), "Why comments are limited by default on videos that appear to feature children."),
    Doc("Appeals against child-safety enforcement (draft)", K.POLICY, "bluepeak", ORG, AMBER, DRAFT,
        ("detection", "reporting"),
        "A proposed appeals route for users whose accounts were actioned on child-safety grounds.",
        grants=(("raj@harbor.example", "comment"),), revs=2),
    Doc("Live stream intervention playbook", K.GUIDANCE, "bluepeak", NAMED, STRICT, PUBLISHED, ("live",),
        "Step-by-step guidance for moderators deciding whether to warn, restrict or end a live stream.",
        to=("c:all-members",), revs=2),
    Doc("Incident review: coordinated targeting of teen streamers", K.RESEARCH, "bluepeak", ORG, RED, PUBLISHED,
        ("live", "grooming"),
        "A review of a coordinated campaign against teenage streamers and the detection gaps it exposed.",
        grants=(("sean@bluepeak.example", "view"), ("amira@secretariat.example", "view"),
                ("jonas@lumen.example", "view"))),
    Doc("Livestream moderation guidelines 2022", K.GUIDANCE, "bluepeak", COALITION, GREEN, ARCHIVED, ("live",),
        "The first live moderation guidelines, replaced by the livestreaming safety standard."),
    # Lumen Messaging
    Doc("Lumen Messaging: child safety in end-to-end encrypted messaging", K.POLICY, "lumen", PUBLIC, CLEAR,
        PUBLISHED, ("sbd", "reporting", "grooming"),
        "How Lumen protects children in a service where we cannot read message content.", revs=3),
    Doc("User reporting in encrypted conversations: design notes", K.GUIDANCE, "lumen", NAMED, AMBER, PUBLISHED,
        ("reporting",),
        "Design choices that let users report an encrypted conversation with the evidence they choose to share.",
        to=("c:research",), grants=(("secretariat", "comment"),), revs=2),
    Doc("Metadata-based grooming signals: privacy impact assessment", K.RESEARCH, "lumen", ORG, STRICT, PUBLISHED,
        ("grooming", "detection"),
        "An assessment of the privacy effects of behavioural signals that do not rely on message content.", revs=2),
    Doc("Safety prompts in messaging: evaluation protocol (draft)", K.RESEARCH, "lumen", NAMED, GREEN, DRAFT,
        ("grooming",), "A protocol, drafted with Childsafe, for testing whether in-chat safety prompts help.",
        to=("c:research",), co=("childsafe",), revs=3),
    Doc("Lumen Messaging contact point for hotline notices", K.OTHER, "lumen", COALITION, GREEN, PUBLISHED,
        ("hotlines",), "Where hotlines and members should send notices about Lumen, and what to expect back."),
    Doc("Retention schedule for child-safety reports", K.POLICY, "lumen", ORG, AMBER, PUBLISHED, ("reporting",),
        "How long report data is kept, why, and who may extend retention for an investigation.",
        grants=(("grace@mda.example", "view"),), revs=2),
    Doc("Lumen Messaging transparency report 2025", K.OTHER, "lumen", PUBLIC, CLEAR, PUBLISHED, ("transparency",),
        "Our annual figures on reports received, accounts actioned and referrals made.", revs=2),
    Doc("Group invite link abuse: working notes", K.OTHER, "lumen", ORG, AMBER, ARCHIVED, ("grooming",),
        "Early notes on invite links being traded to bring adults into groups of teenagers; superseded."),
    # Harbor Cloud
    Doc("Harbor Cloud acceptable use policy: child sexual exploitation and abuse", K.POLICY, "harbor", PUBLIC,
        CLEAR, PUBLISHED, ("detection", "reporting"),
        "What customers of Harbor Cloud may not host, and what we do when we find or are told about it.", revs=2),
    Doc("Hash matching in hosted storage: customer notification template", K.TEMPLATE, "harbor", COALITION, GREEN,
        PUBLISHED, ("detection",),
        "A notice infrastructure providers can adapt when telling customers about matched files.", revs=2),
    Doc("Abuse desk intake runbook", K.GUIDANCE, "harbor", ORG, STRICT, PUBLISHED, ("reporting", "hotlines"),
        "How the abuse desk triages incoming reports, with priorities, timings and handovers.", revs=3),
    Doc("Detection tooling register", K.TEMPLATE, "harbor", NAMED, AMBER, PUBLISHED, ("detection",),
        "A register format for recording every detection tool in production, now kept jointly with Lumen.",
        to=("c:all-members",), grants=(("lumen", "edit"),), revs=2, start=(ORG, AMBER)),
    Doc("Hotline notices for infrastructure providers", K.GUIDANCE, "harbor", NAMED, GREEN, PUBLISHED,
        ("hotlines",), "How hosting and cloud providers can act on hotline notices when they cannot see content.",
        to=("safenet", "childsafe", "c:all-members"), grants=(("ministry", "view"),), revs=2),
    Doc("Exposure limits for contracted moderation vendors", K.POLICY, "harbor", COALITION, AMBER, PUBLISHED,
        ("wellbeing",), "Minimum wellbeing terms Harbor Cloud writes into every moderation vendor contract.",
        revs=2),
    Doc("Preservation requests in an active investigation: handling note", K.OTHER, "harbor", ORG, RED, PUBLISHED,
        ("reporting", "hotlines"),
        "Handling instructions for preserved data linked to an ongoing investigation; named recipients only.",
        grants=(("mei@harbor.example", "edit"), ("tom@secretariat.example", "view"))),
    Doc("Due diligence for file-sharing customers (draft)", K.GUIDANCE, "harbor", ORG, AMBER, DRAFT,
        ("sbd", "detection"),
        "Questions to ask before onboarding a file-sharing service, drafted with Lumen.", co=("lumen",), revs=2),
    # SafeNet Alliance
    Doc("Hotline cooperation protocol for member platforms", K.GUIDANCE, "safenet", COALITION, GREEN, PUBLISHED,
        ("hotlines",), "The protocol SafeNet agreed with member platforms for sending and closing notices.",
        co=("northwind", "harbor"), revs=3),
    Doc("Community-based reporting in low-bandwidth settings", K.RESEARCH, "safenet", NAMED, GREEN, PUBLISHED,
        ("reporting",),
        "How young people in low-connectivity areas report abuse, and what platforms can learn from it.",
        to=("c:research",), revs=2),
    Doc("Survivor-informed language in policy documents", K.GUIDANCE, "safenet", PUBLIC, CLEAR, PUBLISHED,
        ("sbd",), "Advice on writing about abuse in ways that respect survivors and stay precise.", revs=2),
    Doc("Referral pathways for children disclosing abuse in East Africa", K.GUIDANCE, "safenet", NAMED, AMBER,
        PUBLISHED, ("reporting", "hotlines"),
        "Where platforms should refer a child who discloses abuse, country by country.",
        to=("northwind", "bluepeak", "lumen"), grants=(("childsafe", "comment"),), revs=2),
    Doc("Hotline notice template", K.TEMPLATE, "safenet", COALITION, GREEN, PUBLISHED, ("hotlines",),
        "The fields every notice from SafeNet carries, so platforms can act on it without a follow-up."),
    Doc("Trend alert: financially motivated sextortion of teenage boys", K.RESEARCH, "safenet", NAMED, AMBER,
        PUBLISHED, ("grooming", "reporting"),
        "A rise in reports of coercion for money aimed at teenage boys, and what platforms can do now.",
        to=("c:all-members",), grants=(("henry@mda.example", "view"),), revs=2, method="data"),
    # Childsafe Research Institute
    Doc("Do safety prompts change young users' behaviour? A literature review", K.RESEARCH, "childsafe", PUBLIC,
        CLEAR, PUBLISHED, ("grooming", "sbd"),
        "What published studies say about in-product safety prompts for children, and where evidence is thin.",
        revs=3),
    Doc("Independent evaluation of age estimation: protocol", K.RESEARCH, "childsafe", NAMED, GREEN, PUBLISHED,
        ("age",), "A protocol for testing age estimation systems independently and comparably.",
        to=("c:research", "ministry"), revs=2),
    Doc("Interview guide for research with trust and safety staff", K.TEMPLATE, "childsafe", NAMED, GREEN,
        PUBLISHED, ("wellbeing",), "A semi-structured interview guide, with consent wording, for studies of "
        "moderation work.", to=("c:research",), revs=2),
    Doc("Research ethics policy for studies involving children", K.POLICY, "childsafe", PUBLIC, CLEAR, PUBLISHED,
        ("sbd",), "The ethical standards Childsafe applies to every study that involves children or their data.",
        revs=2),
    Doc("Comparability of transparency reports: draft findings", K.RESEARCH, "childsafe", ORG, AMBER, DRAFT,
        ("transparency",), "Early findings on how far members' transparency figures can be compared.",
        co=("secretariat",), grants=(("nadia@northwind.example", "comment"),), revs=2),
    Doc("Data sharing agreement for platform research", K.TEMPLATE, "childsafe", COALITION, AMBER, PUBLISHED,
        ("transparency", "detection"),
        "A model agreement for sharing platform data with researchers under strict safeguards.", revs=2,
        start=(ORG, STRICT)),
    # Ministry of Digital Affairs (observer)
    Doc("Observer briefing: online safety regulation in 2026", K.OTHER, "ministry", COALITION, GREEN, PUBLISHED,
        ("age", "transparency"), "A short briefing on regulatory developments members asked the observer about.",
        revs=2),
    Doc("Consultation response: age assurance code of practice", K.OTHER, "ministry", PUBLIC, CLEAR, PUBLISHED,
        ("age",), "A summary of responses to the consultation on age assurance and the ministry's next steps.",
        revs=2),
    Doc("Observer guidance on information requests (draft)", K.GUIDANCE, "ministry", ORG, AMBER, DRAFT,
        ("hotlines",), "Draft guidance on what the observer may ask members for, and through which channel."),
    Doc("Observer briefing 2024", K.OTHER, "ministry", COALITION, GREEN, ARCHIVED, ("transparency",),
        "Last year's briefing on regulatory developments, replaced by the 2026 edition."),
    # Federal Child Protection Unit (a law enforcement partner that publishes appeals)
    Doc("Preparing appeal images: cropping and checks before publication", K.GUIDANCE, "fcpu", ORG, STRICT,
        PUBLISHED, ("hotlines",),
        "The unit's own checklist for cropping an object out of investigated material and checking the crop twice "
        "before an appeal is published."),
]
# fmt: on


# --- Bodies ------------------------------------------------------------------------------------

SCOPE: dict[str, Any] = {
    Organisation.Kind.MEMBER: "every product and feature {owner} operates, including those in testing, and the "
    "staff, contractors and vendors who work on them",
    Organisation.Kind.PARTNER: "every programme {owner} runs, its staff and volunteers, and the partners who act "
    "on its behalf",
    Organisation.Kind.GOVERNMENT: "{owner}'s participation in the coalition as an observer, and the officials who "
    "take part",
    Organisation.Kind.SECRETARIAT: "the secretariat's own work and the working groups it convenes for the coalition",
}
READERS: dict[str, Any] = {
    PUBLIC: "anyone working on children's safety online, inside or outside the coalition: trust and safety leads, "
    "product managers, policy staff and researchers",
    COALITION: "trust and safety, product and policy staff across the coalition's member, partner and observer "
    "organisations",
    NAMED: "trust and safety, product and policy staff in the organisations and working groups it is shared with",
    ORG: "{owner} staff in trust and safety, product and policy who need it for their work",
}
OWNER_ROLE: dict[str, Any] = {
    Organisation.Kind.MEMBER: "trust and safety lead",
    Organisation.Kind.PARTNER: "programme director",
    Organisation.Kind.GOVERNMENT: "lead official for the coalition",
    Organisation.Kind.SECRETARIAT: "head of policy",
}
TEAMS = ["Trust and safety operations", "Product safety", "Policy", "Legal", "Data science"]
CHECKS = ["is there a named owner?", "is it written down where reviewers can find it?",
          "has it been tested since the last product change?", "do the people affected know about it?"]  # fmt: skip
TERMS = [
    ("CSEA", "Child sexual exploitation and abuse, online and offline, including material, grooming and coercion."),
    ("Hash matching", "Comparing a file's fingerprint with fingerprints of material already verified by a trusted "
     "source."),
    ("Classifier", "A machine-learning model that estimates how likely content or behaviour is to breach a policy."),
    ("Hotline", "An organisation that receives public reports of suspected abuse material and passes confirmed "
     "cases on for action."),
    ("Age assurance", "Any method of establishing a user's age or age range with a stated level of confidence."),
    ("TLP", "The Traffic Light Protocol (version 2.0), which tells recipients how far they may share information."),
    ("Proactive detection", "Finding violating content or behaviour before anyone reports it."),
]  # fmt: skip
CHANGES = [
    "Clarified which team is responsible for each step.",
    "Replaced informal wording with the coalition's shared definitions.",
    "Added an explicit route for escalating urgent cases.",
    "Shortened the introduction and moved background material to the end.",
    "Aligned the review cycle with the annual transparency report.",
    "Noted where national law may require a different approach.",
]
OUT_OF_SCOPE = [
    "requests from law enforcement for user data, which follow the legal process policy",
    "content that is unlawful for reasons unrelated to child safety",
    "advertising and commercial content rules, which are set out separately",
    "the conduct of staff outside work, which the code of conduct covers",
]
SOURCES = [
    "Terms and counting rules follow the coalition's transparency reporting framework (2026 edition), which is "
    "available in the library.",
    "Drawn from the drafting group's written comments and the discussion at the spring plenary.",
    "Figures are rounded; the underlying data is held by the owner organisation and available on request to "
    "coalition members.",
]
# How a study was done: named per document, or chosen from what it looked at (its first topic).
METHODS: dict[str, Any] = {
    "sessions": "We ran {n} moderated sessions with young people and parents, with consent and a safeguarding lead "
    "present, and compared the results with {m} services' published figures.",
    "data": "We analysed anonymised, aggregated service data for a twelve-month period and discussed the results "
    "with {n} practitioners from {m} organisations.",
    "interviews": "We combined a review of published studies with semi-structured interviews with {n} trust and "
    "safety practitioners across {m} organisations.",
    "reports": "We compared the published transparency reports of {m} organisations over two reporting cycles and "
    "discussed the differences with {n} of the people who prepare them.",
    "survey": "We ran an anonymous survey of {n} reviewers and team leads across {m} organisations, followed by two "
    "focus groups facilitated by a clinical psychologist.",
}
TOPIC_METHODS: dict[str, Any] = {
    "transparency": ["reports"],
    "wellbeing": ["survey"],
    "age": ["sessions", "data"],
    "reporting": ["sessions", "data"],
    "grooming": ["interviews", "sessions"],
    "sbd": ["interviews", "sessions"],
    "detection": ["data", "interviews"],
    "hotlines": ["data", "interviews"],
    "live": ["data", "interviews"],
}
DIRECTIONS = ["improved", "no clear change", "improved", "mixed", "worse", "improved"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


@dataclass(frozen=True)
class Context:
    doc: Doc
    index: int
    owner: Organisation
    organisations: dict[str, Organisation]
    communities: dict[str, Community]

    @property
    def topics(self) -> list[TopicText]:
        return [TOPICS[t] for t in self.doc.topics]

    def practices(self, count: int = 4) -> list[tuple[str, str]]:
        pool = [p for t in self.topics for p in t.practices]
        start = (self.index * 3) % len(pool)
        return [pool[(start + k) % len(pool)] for k in range(min(count, len(pool)))]

    def measures(self) -> list[tuple[str, str]]:
        return [m for t in self.topics for m in t.measures][:4]

    def pick[T](self, items: list[T], offset: int = 0) -> T:
        return items[(self.index + offset) % len(items)]

    @property
    def topic_phrase(self) -> str:
        return _join([t.name.lower() for t in self.topics])

    @property
    def readers(self) -> str:
        return READERS[self.doc.audience].format(owner=self.owner.name)

    def month(self, ahead: int) -> str:
        today = timezone.localdate()
        month = (today.month - 1 + ahead) % 12
        return f"{MONTHS[month]} {today.year + (today.month - 1 + ahead) // 12}"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _policy(c: Context) -> list[str]:
    scope = SCOPE[c.owner.kind].format(owner=c.owner.name)
    commitments = "\n".join(f"{n}. **{label}.** {text}" for n, (label, text) in enumerate(c.practices(5), 1))
    return [
        f"## Purpose\n\nThis policy sets out how {c.owner.name} approaches {c.topic_phrase}, and what people "
        f"inside and outside the organisation can expect from it.",
        f"## Scope\n\nIt covers {scope}.",
        f"## Context\n\n{c.topics[0].context}",
        f"## Commitments\n\n{c.owner.name} will:\n\n{commitments}",
        "## Measuring progress\n\n" + _table(("Measure", "Why it matters"), c.measures()),
        f"## Proportionality and exceptions\n\n{c.topics[-1].caveat}\n\nAny exception to this policy needs "
        f"written approval from the {OWNER_ROLE[c.owner.kind]} and is reviewed every six months.",
    ]


def _principles(c: Context) -> list[str]:
    items = "\n\n".join(f"### Principle {n}: {label}\n\n{text}" for n, (label, text) in enumerate(c.practices(5), 1))
    return [
        "## Preamble\n\nThe organisations endorsing these principles share a commitment to protecting children "
        f"online. {c.topics[0].context}",
        f"## Principles\n\n{items}",
        "## Implementation and reporting\n\nEach endorsing organisation describes, in the implementation matrix, "
        "how it meets every principle and what evidence it holds. It updates its status once a year and chooses, "
        "per principle, how widely to share that evidence. The secretariat publishes an "
        f"aggregate view in the coalition transparency report. {c.topics[-1].caveat}",
    ]


def _guidance(c: Context) -> list[str]:
    practices = c.practices(4)
    steps = "\n\n".join(f"**{label}.** {text}" for label, text in practices)
    checklist = _bullets([f"{label}: {c.pick(CHECKS, k)}" for k, (label, _) in enumerate(practices)])
    return [
        f"## Who this is for\n\nThis guidance is written for {c.readers}.",
        f"## Background\n\n{c.topics[0].context}",
        f"## Recommended practice\n\n{steps}",
        f"## Checklist\n\nBefore you rely on this guidance, confirm:\n\n{checklist}",
        f"## Caveats\n\n{c.topics[-1].caveat}",
    ]


def _research(c: Context) -> list[str]:
    n, m = 12 + (c.index * 7) % 31, 3 + c.index % 6
    rows = [(measure, str(1 + (c.index + k) % m), c.pick(DIRECTIONS, k)) for k, (measure, _) in enumerate(c.measures())]
    recommendations = _bullets([text for _, text in c.practices(3)])
    return [
        f"## Summary\n\nThis study by {c.owner.name} looks at {c.topic_phrase} across {m} organisations. "
        f"{c.topics[0].context}",
        "## Method\n\n" + METHODS[c.doc.method or c.pick(TOPIC_METHODS[c.doc.topics[0]])].format(n=n, m=m),
        "## Findings\n\n"
        + _table(("Measure", "Services with data", "Direction over the period"), rows)
        + "\n\nThe picture is uneven: the services that improved most had a named owner and a regular "
        + f"review.[^{c.index}]",
        f"## What we recommend\n\n{recommendations}",
        f"## Limitations\n\nThe sample is small and self-selected, and services count differently. "
        f"{c.topics[-1].caveat}\n\n[^{c.index}]: Based on {m} organisations that shared data for the whole period.",
    ]


def _template(c: Context) -> list[str]:
    practices = c.practices(4)
    about = _table(
        ("Field", "Your answer"),
        [("Organisation", "[name]"), ("Contact point", "[name, role, email]"), ("Completed on", "[date]")],
    )
    sections = "\n\n".join(
        f"### {label}\n\n*Guidance: {text}*\n\n[Describe how your organisation does this, who owns it and what "
        "evidence you hold.]"
        for label, text in practices
    )
    return [
        "> **How to use this template.** Replace everything in square brackets, delete the guidance notes in "
        "italics, and choose a TLP label for the finished document before you share it.",
        f"## 1. About your organisation\n\n{about}",
        f"## 2. {c.topics[0].name}\n\n{sections}",
        "## 3. Sign-off\n\n"
        + _table(("Role", "Name", "Date"), [("Prepared by", "[ ]", "[ ]"), ("Approved by", "[ ]", "[ ]")]),
    ]


def _other(c: Context) -> list[str]:
    # Coalition business is shared out among organisations; anyone else's actions stay in-house.
    if c.owner.kind == Organisation.Kind.SECRETARIAT and c.doc.tlp != RED:
        owners = [o.name for o in c.organisations.values()]
    else:
        owners = TEAMS
    actions = [
        (f"Collect current figures on {measure[0].lower()}{measure[1:]}", c.pick(owners, k * 3), c.month(k + 1))
        for k, (measure, _) in enumerate(c.measures()[:3])
    ]
    sections = [
        f"## Background\n\n{c.topics[0].context}",
        "## Key points\n\n" + _bullets([f"{label}: {text[0].lower()}{text[1:]}" for label, text in c.practices(4)]),
        "## Actions\n\n" + _table(("Action", "Owner", "Due"), actions),
    ]
    if c.doc.tlp == RED:
        sections.append(
            "## Handling\n\nTLP:RED. This note is for the people it is granted to by name. Do not forward, print or "
            f"discuss it with anyone else; if someone else needs it, ask {c.owner.name} to grant it to them."
        )
    return sections


KIND_SECTIONS: dict[str, Any] = {
    K.POLICY: _policy,
    K.PRINCIPLES: _principles,
    K.GUIDANCE: _guidance,
    K.RESEARCH: _research,
    K.TEMPLATE: _template,
    K.OTHER: _other,
}


def first_body(c: Context) -> str:
    return "\n\n".join([f"# {c.doc.title}", c.doc.summary, *KIND_SECTIONS[c.doc.kind](c)]) + "\n"


# Later revisions: each adds something a real reviewer would ask for.
def _add_definitions(c: Context, body: str) -> str:
    terms = [c.pick(TERMS, k * 2) for k in range(3)]
    return body + "\n## Definitions\n\n" + _table(("Term", "Meaning"), terms) + "\n"


def _add_review(c: Context, body: str) -> str:
    months = 6 if c.doc.tlp in (RED, STRICT) else 12
    return body + (
        f"\n## Review and ownership\n\nThis document is owned by {c.owner.name}'s {OWNER_ROLE[c.owner.kind]}. It is "
        f"reviewed at least every {months} months, or sooner after a significant incident or a change in the law. "
        f"Next review: {c.month(months)}.\n"
    )


def _add_changes(c: Context, body: str) -> str:
    who = [c.organisations[s].name for s in c.doc.co] or ["internal legal and policy review"]
    changes = _bullets([c.pick(CHANGES, k) for k in range(2)])
    return body + f"\n## Changes in this version\n\nFollowing comments from {_join(who)}:\n\n{changes}\n"


def _add_scope_note(c: Context, body: str) -> str:
    return body + f"\n## Out of scope\n\nThis document does not cover {c.pick(OUT_OF_SCOPE)}.\n"


def _add_source(c: Context, body: str) -> str:
    marked = body.replace(c.doc.summary, c.doc.summary + "[^source]", 1)
    return marked + f"\n[^source]: {c.pick(SOURCES)}\n"


REVISION_STEPS = [
    ("Added definitions of key terms", _add_definitions),
    ("Added review and ownership section", _add_review),
    ("Incorporated comments from {who}", _add_changes),
    ("Clarified scope after legal review", _add_scope_note),
    ("Added a note on sources", _add_source),
]


# --- Seeding -----------------------------------------------------------------------------------


def ensure_topics() -> dict[str, Topic]:
    existing = {t.slug: t for t in Topic.objects.filter(slug__in=[slugify(t.name) for t in TOPICS.values()])}
    topics: dict[str, Topic] = {}
    for key, text in TOPICS.items():
        slug = slugify(text.name)
        topics[key] = existing.get(slug) or Topic.objects.create(name=text.name, slug=slug)
    return topics


def _review_by(doc: Doc, index: int) -> datetime.date | None:
    if doc.status != PUBLISHED:
        return None
    days = -21 if index % 13 == 5 else 60 + (index * 37) % 420  # the odd one is overdue
    return timezone.localdate() + datetime.timedelta(days=days)


def seed_documents(*, stdout: _Writer) -> int:
    """Add the demo library to the demo coalition; returns how many documents it created."""
    wanted = {(d.owner, d.title) for d in DOCUMENTS}
    present = set(Document.objects.filter(title__in=[d.title for d in DOCUMENTS]).values_list("owner__slug", "title"))
    if wanted <= present:
        stdout.write(f"Library: all {len(DOCUMENTS)} demo documents are already there.")
        return 0
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in={d.owner for d in DOCUMENTS})}
    communities = {c.slug: c for c in Community.objects.all()}
    users = {u.email: u for u in get_user_model().objects.filter(email__in=[p[0] for p in PEOPLE])}
    # The people who may write for each organisation, editors first (admins run the organisation).
    writers: dict[str, list[Any]] = {}
    for role in (Role.EDITOR, Role.ADMIN):
        for email, _, slug, person_role, _ in PEOPLE:
            if person_role == role:
                writers.setdefault(slug, []).append(users[email])
    topics = ensure_topics()

    created = 0
    for index, doc in enumerate(DOCUMENTS):
        if (doc.owner, doc.title) in present:
            continue
        _seed_one(
            Context(doc, index, organisations[doc.owner], organisations, communities),
            writers=writers,
            users=users,
            topics=topics,
        )
        created += 1
    stdout.write(f"Library: {created} demo documents created ({len(DOCUMENTS) - created} were already there).")
    return created


def _seed_one(c: Context, *, writers: dict[str, list[Any]], users: dict[str, Any], topics: dict[str, Topic]) -> None:
    doc = c.doc
    author = writers[doc.owner][0]
    for person in {w for ws in writers.values() for w in ws}:
        access.forget(person)  # request-local caches: this loop is one long "request"
    audience, tlp = doc.start or (doc.audience, doc.tlp)
    named = [c.organisations[s] for s in doc.to if not s.startswith("c:")]
    named_communities = [c.communities[s[2:]] for s in doc.to if s.startswith("c:")]
    body = first_body(c)
    document = services.create_document(
        acting_user=author,
        owner=c.owner,
        title=doc.title,
        kind=doc.kind,
        summary=doc.summary,
        body=body,
        message="First draft" if doc.revs > 1 else "First version",
        audience=audience,
        tlp=tlp,
        audience_organisations=named if audience == NAMED else None,
        audience_communities=named_communities if audience == NAMED else None,
        co_drafters=[c.organisations[s] for s in doc.co],
        topics=[topics[t] for t in doc.topics],
        review_by=_review_by(doc, c.index),
    )

    # Later revisions, while it is still a draft: the owner's writers and co-drafters' editors take turns.
    # Only the author holds a grant on TLP:RED material, so they revise it alone.
    revisers = [author] if doc.tlp == RED else writers[doc.owner] + [writers[s][0] for s in doc.co]
    number = 1
    for step in range(1, doc.revs):
        message, change = REVISION_STEPS[(c.index + step) % len(REVISION_STEPS)]
        body = change(c, body)
        who = _join([c.organisations[s].name for s in doc.co]) if doc.co else "internal review"
        revision = workflow.save_revision(
            acting_user=revisers[step % len(revisers)],
            document=document,
            body=body,
            base_number=number,
            message=message.format(who=who),
        )
        number = revision.number

    for grantee, level in doc.grants:
        if "@" in grantee:
            services.grant(acting_user=author, document=document, level=level, user=users[grantee])
        else:
            services.grant(acting_user=author, document=document, level=level, organisation=c.organisations[grantee])

    if doc.start is not None:  # prepared narrowly, then widened once signed off
        if doc.tlp != tlp:
            services.relabel(acting_user=author, document=document, tlp=doc.tlp)
        if doc.audience != audience or doc.to:
            services.share(
                acting_user=author,
                document=document,
                audience=doc.audience,
                audience_organisations=named,
                audience_communities=named_communities,
            )

    if doc.status in (PUBLISHED, ARCHIVED):
        workflow.set_status(acting_user=author, document=document, status=PUBLISHED)
    if doc.status == ARCHIVED:  # published once, then replaced by something newer
        workflow.set_status(acting_user=author, document=document, status=ARCHIVED)
