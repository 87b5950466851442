"""Writes for crosswalks and self-assessments. Each runs in a transaction, checks the acting user
through coalition.access, validates before saving (nothing is half-saved) and records its audit
event (identifiers, counts and field names, never answers or notes)."""

from __future__ import annotations

import itertools
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.assessments import inference, scoring
from coalition.assessments.models import (
    Answer,
    Crosswalk,
    CrosswalkLink,
    Inference,
    Question,
    Questionnaire,
    Relation,
    SelfAssessment,
    Strength,
)
from coalition.audit.services import record as audit
from coalition.core.errors import AccessDenied, ServiceError
from coalition.organisations.models import Community, Organisation
from coalition.principles import services as principle_services
from coalition.principles.models import Framework, ImplementationRecord, Principle, Status

MAX_NOTE_CHARS = 2000


def _require(user: Any, action: Action, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


# --- Crosswalks (the secretariat) ----------------------------------------------------------------


@transaction.atomic
def save_crosswalk(
    *,
    acting_user: Any,
    crosswalk: Crosswalk | None = None,
    name: str,
    slug: str,
    source: Framework,
    target: Framework,
    description: str = "",
) -> Crosswalk:
    _require(acting_user, Action.MANAGE_CROSSWALKS)
    if source.pk == target.pk:
        raise ServiceError(_("A crosswalk maps one framework onto another: choose two different ones."), code="target")
    item = crosswalk or Crosswalk()
    if item.pk is not None and (item.source_id != source.pk or item.target_id != target.pk) and item.links.exists():
        raise ServiceError(
            _("This crosswalk has links: its frameworks stay. Make a new crosswalk instead."), code="source"
        )
    values = {
        "name": name.strip(),
        "slug": slug,
        "source": source,
        "target": target,
        "description": description.strip(),
    }
    created = item.pk is None
    changed = [k for k, v in values.items() if created or getattr(item, k) != v]
    if not changed:
        return item
    for key, value in values.items():
        setattr(item, key, value)
    item.full_clean()
    item.save()
    audit(
        action="crosswalk.created" if created else "crosswalk.updated",
        actor=acting_user,
        target=item,
        data={"fields": sorted(changed)},
    )
    return item


@transaction.atomic
def save_link(
    *,
    acting_user: Any,
    crosswalk: Crosswalk,
    link: CrosswalkLink | None = None,
    source: Principle,
    target: Principle,
    relation: str,
    strength: int,
    rationale: str,
) -> CrosswalkLink:
    _require(acting_user, Action.MANAGE_CROSSWALKS)
    if link is not None and link.crosswalk_id != crosswalk.pk:
        raise ServiceError(_("This link belongs to another crosswalk."), code="source")
    if source.framework_id != crosswalk.source_id:
        raise ServiceError(_("Choose a principle of the source framework."), code="source")
    if target.framework_id != crosswalk.target_id:
        raise ServiceError(_("Choose a principle of the target framework."), code="target")
    if relation not in Relation.values:
        raise ServiceError(_("Choose a relation from the list."), code="relation")
    if strength not in Strength.values:
        raise ServiceError(_("Choose a strength from the list."), code="strength")
    if not rationale.strip():
        raise ServiceError(_("Say why the two principles relate this way."), code="rationale")
    duplicate = CrosswalkLink.objects.filter(crosswalk=crosswalk, source=source, target=target)
    if link is not None:
        duplicate = duplicate.exclude(pk=link.pk)
    if duplicate.exists():
        raise ServiceError(
            _("%(source)s is already mapped to %(target)s in this crosswalk: edit that link.")
            % {"source": source.code, "target": target.code},
            code="target",
        )
    item = link or CrosswalkLink(crosswalk=crosswalk)
    values = {
        "source": source,
        "target": target,
        "relation": relation,
        "strength": strength,
        "rationale": rationale.strip(),
    }
    created = item.pk is None
    changed = [k for k, v in values.items() if created or getattr(item, k) != v]
    if not changed:
        return item
    for key, value in values.items():
        setattr(item, key, value)
    item.full_clean()
    item.save()
    audit(
        action="crosswalk.link_created" if created else "crosswalk.link_updated",
        actor=acting_user,
        target=crosswalk,
        data={"link": item.pk, "source": source.code, "target": target.code, "fields": sorted(changed)},
    )
    return item


@transaction.atomic
def delete_link(*, acting_user: Any, link: CrosswalkLink) -> None:
    _require(acting_user, Action.MANAGE_CROSSWALKS)
    crosswalk = link.crosswalk
    data = {"link": link.pk, "source": link.source.code, "target": link.target.code}
    link.delete()
    audit(action="crosswalk.link_deleted", actor=acting_user, target=crosswalk, data=data)


# --- Applying: the preview and the write share one plan ------------------------------------------


def check_chain(chain: list[Crosswalk]) -> None:
    if not chain:
        raise ServiceError(_("Choose a crosswalk to apply."), code="crosswalk")
    for before, after in itertools.pairwise(chain):
        if before.target_id != after.source_id:
            raise ServiceError(
                _("“%(after)s” does not start where “%(before)s” ends: a chain needs matching frameworks.")
                % {"before": before.name, "after": after.name},
                code="crosswalk",
            )


def _check_cycle(cycle: int) -> None:
    if cycle not in principle_services.cycles():
        raise ServiceError(_("%(cycle)s is not a reporting cycle.") % {"cycle": cycle}, code="cycle")


def plan_crosswalk(
    *, acting_user: Any, organisation: Organisation, cycle: int, chain: list[Crosswalk], lock: bool = False
) -> inference.Plan:
    """What applying the chain of crosswalks would change (the preview; apply writes the same)."""
    _require(acting_user, Action.REPORT_IMPLEMENTATION, organisation)
    check_chain(chain)
    _check_cycle(cycle)
    contributions = inference.crosswalk_contributions(
        acting_user, organisation_id=organisation.pk, cycle=cycle, chain=chain
    )
    return inference.plan_for(
        organisation_id=organisation.pk,
        cycle=cycle,
        targets=inference.targets_of(chain[-1].target, cycle),
        contributions=contributions,
        lock=lock,
    )


def _refuse_if_changed(plan: inference.Plan, fingerprint: str) -> None:
    if fingerprint != plan.fingerprint:
        raise ServiceError(
            _("The records changed since the preview was made. Look at the new preview and apply again."),
            code="fingerprint",
        )


def write_plan(
    *,
    acting_user: Any,
    organisation: Organisation,
    cycle: int,
    plan: inference.Plan,
    kind: str,
    crosswalk: Crosswalk | None = None,
    assessment: SelfAssessment | None = None,
) -> list[ImplementationRecord]:
    """Write each proposal that changes something through the records' own service (history and
    audit event per record), and store where the result came from."""
    written = []
    for proposal in plan.writes:
        existing = proposal.record
        assert proposal.proposed is not None
        record = principle_services.save_record(
            acting_user=acting_user,
            organisation=organisation,
            principle=proposal.principle,
            cycle=cycle,
            # A new inferred record waits for a person to look at it.
            status=existing.status if existing is not None else Status.IN_REVIEW,
            result=proposal.proposed,
            maturity=existing.maturity if existing is not None else None,
            evidence=existing.evidence if existing is not None else "",
            owner=existing.owner if existing is not None else None,
            next_review=existing.next_review if existing is not None else None,
        )
        change = record.changes.order_by("-changed_at", "-id").first()
        made = Inference.objects.create(
            record=record,
            kind=kind,
            crosswalk=crosswalk,
            assessment=assessment,
            result=proposal.proposed,
            record_change=change,
            detail=proposal.detail,
            applied_by=acting_user,
        )
        made.source_records.set(proposal.source_record_ids)
        written.append(record)
    return written


@transaction.atomic
def apply_crosswalk(
    *, acting_user: Any, organisation: Organisation, cycle: int, chain: list[Crosswalk], fingerprint: str
) -> list[ImplementationRecord]:
    plan = plan_crosswalk(acting_user=acting_user, organisation=organisation, cycle=cycle, chain=chain, lock=True)
    _refuse_if_changed(plan, fingerprint)
    written = write_plan(
        acting_user=acting_user,
        organisation=organisation,
        cycle=cycle,
        plan=plan,
        kind=Inference.Kind.CROSSWALK,
        crosswalk=chain[-1],
    )
    audit(
        action="crosswalk.applied",
        actor=acting_user,
        target=chain[-1],
        target_org_id=organisation.pk,
        data={
            "chain": [c.pk for c in chain],
            "cycle": cycle,
            "written": len(written),
            "kept": sum(1 for p in plan.proposals if p.outcome == inference.Outcome.KEPT),
        },
    )
    return written


# --- Self-assessment --------------------------------------------------------------------------


@transaction.atomic
def start_assessment(
    *, acting_user: Any, questionnaire: Questionnaire, organisation: Organisation, cycle: int
) -> SelfAssessment:
    """The organisation's self-assessment for the cycle: the existing one if already started, of
    whichever version of the questionnaire it answers; otherwise a new one, on a published
    version. The questionnaire's row is locked, so the editor cannot change a version in place
    while someone starts answering it (coalition/assessments/editing.py)."""
    _require(acting_user, Action.REPORT_IMPLEMENTATION, organisation)
    _check_cycle(cycle)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    existing = (
        SelfAssessment.objects.filter(questionnaire__slug=questionnaire.slug, organisation=organisation, cycle=cycle)
        .order_by("-questionnaire__version")
        .first()
    )
    if existing is not None:
        return existing
    if questionnaire.status != Questionnaire.Status.PUBLISHED:
        raise ServiceError(
            _("This version of the questionnaire is not offered for new self-assessments."), code="questionnaire"
        )
    assessment = SelfAssessment.objects.create(
        questionnaire=questionnaire, organisation=organisation, cycle=cycle, created_by=acting_user
    )
    audit(
        action="assessment.started",
        actor=acting_user,
        target=assessment,
        target_org_id=organisation.pk,
        data={"questionnaire": questionnaire.pk, "cycle": cycle},
    )
    return assessment


@transaction.atomic
def save_answers(*, acting_user: Any, assessment: SelfAssessment, answers: dict[int, tuple[int | None, str]]) -> int:
    """Save answers, question id -> (choice id or None to clear, note). Refused as a whole when one
    names a question of another questionnaire, a choice the question does not offer, or answers a
    question whose condition the answers do not meet. Answers whose condition an earlier change
    no longer meets are removed. Returns how many answers changed."""
    assessment = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require(acting_user, Action.EDIT_ASSESSMENT, assessment)
    questions = {
        q.pk: q
        for q in Question.objects.filter(section__questionnaire_id=assessment.questionnaire_id).prefetch_related(
            "choices"
        )
    }
    stored = {a.question_id: a for a in assessment.answers.all()}
    chosen: dict[int, int] = {qid: a.choice_id for qid, a in stored.items()}
    for question_id, (choice_id, note) in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise ServiceError(_("That question is not part of this questionnaire."), code="question")
        if choice_id is not None and choice_id not in {c.pk for c in question.choices.all()}:
            raise ServiceError(
                _("“%(question)s”: choose one of the answers offered.") % {"question": question.text}, code="choice"
            )
        if len(note) > MAX_NOTE_CHARS:
            raise ServiceError(_("Notes are limited to %(n)s characters.") % {"n": MAX_NOTE_CHARS}, code="note")
        if choice_id is None:
            chosen.pop(question_id, None)
        else:
            chosen[question_id] = choice_id
    # Conditions are checked on the answers as they will be after this save, in questionnaire order.
    for question_id, question in questions.items():
        if question.depends_on_id is None or question_id not in chosen:
            continue
        parent_id = question.depends_on.question_id if question.depends_on else None
        if chosen.get(parent_id or 0) != question.depends_on_id:
            if question_id in answers:
                raise ServiceError(
                    _("“%(question)s” applies only if you answered “%(choice)s” to the earlier question.")
                    % {"question": question.text, "choice": question.depends_on.text if question.depends_on else ""},
                    code="question",
                )
            chosen.pop(question_id)  # an earlier answer changed: this one no longer applies
    changed = 0
    for question_id, old in stored.items():
        if question_id not in chosen:
            old.delete()
            changed += 1
    for question_id, choice_id in chosen.items():
        note = answers.get(question_id, (None, stored[question_id].note if question_id in stored else ""))[1]
        answer = stored.get(question_id)
        if answer is None:
            Answer.objects.create(
                assessment=assessment, question_id=question_id, choice_id=choice_id, note=note, answered_by=acting_user
            )
            changed += 1
        elif answer.choice_id != choice_id or answer.note != note:
            answer.choice_id, answer.note, answer.answered_by = choice_id, note, acting_user
            answer.save(update_fields=["choice", "note", "answered_by", "answered_at"])
            changed += 1
    if changed:
        reopened = False
        if assessment.state == SelfAssessment.State.COMPLETED and scoring.report_for(assessment).unanswered:
            # A change revealed a question without an answer: complete it again before applying.
            assessment.state, assessment.completed_at, reopened = SelfAssessment.State.DRAFT, None, True
        assessment.save(update_fields=["state", "completed_at", "updated_at"])
        audit(
            action="assessment.answered",
            actor=acting_user,
            target=assessment,
            target_org_id=assessment.organisation_id,
            data={"changed": changed, "questions": sorted(answers), "reopened": reopened},
        )
    return changed


@transaction.atomic
def complete_assessment(*, acting_user: Any, assessment: SelfAssessment) -> SelfAssessment:
    assessment = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require(acting_user, Action.EDIT_ASSESSMENT, assessment)
    report = scoring.report_for(assessment)
    if report.unanswered:
        raise ServiceError(
            _("%(n)s questions still need an answer before the self-assessment is complete.")
            % {"n": report.unanswered},
            code="state",
        )
    assessment.state = SelfAssessment.State.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["state", "completed_at", "updated_at"])
    audit(
        action="assessment.completed",
        actor=acting_user,
        target=assessment,
        target_org_id=assessment.organisation_id,
        data={"cycle": assessment.cycle},
    )
    return assessment


@transaction.atomic
def reopen_assessment(*, acting_user: Any, assessment: SelfAssessment) -> SelfAssessment:
    assessment = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require(acting_user, Action.EDIT_ASSESSMENT, assessment)
    assessment.state = SelfAssessment.State.DRAFT
    assessment.completed_at = None
    assessment.save(update_fields=["state", "completed_at", "updated_at"])
    audit(action="assessment.reopened", actor=acting_user, target=assessment, target_org_id=assessment.organisation_id)
    return assessment


@transaction.atomic
def share_assessment(
    *,
    acting_user: Any,
    assessment: SelfAssessment,
    audience: str,
    tlp: str,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
) -> SelfAssessment:
    assessment = SelfAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require(acting_user, Action.EDIT_ASSESSMENT, assessment)
    # The same audience and TLP rules as implementation records.
    orgs, communities = principle_services._sharing_values(
        audience=audience,
        tlp=tlp,
        audience_organisations=audience_organisations,
        audience_communities=audience_communities,
    )
    before: dict[str, Any] = {
        "audience": assessment.audience,
        "tlp": assessment.tlp,
        "organisations": sorted(assessment.audience_organisations.values_list("pk", flat=True)),
        "communities": sorted(assessment.audience_communities.values_list("pk", flat=True)),
    }
    after: dict[str, Any] = {"audience": audience, "tlp": tlp, "organisations": orgs, "communities": communities}
    if before == after:
        return assessment
    assessment.audience, assessment.tlp = audience, tlp
    assessment.full_clean()
    assessment.save(update_fields=["audience", "tlp", "updated_at"])
    assessment.audience_organisations.set(orgs)
    assessment.audience_communities.set(communities)
    audit(
        action="assessment.shared",
        actor=acting_user,
        target=assessment,
        target_org_id=assessment.organisation_id,
        data={"before": before, "after": after},
    )
    return assessment


def plan_assessment(*, acting_user: Any, assessment: SelfAssessment, cycle: int, lock: bool = False) -> inference.Plan:
    # Read afresh (and locked when applying): the state and answers decide the plan.
    fresh = SelfAssessment.objects.select_related("questionnaire__framework", "organisation")
    assessment = (fresh.select_for_update(of=("self",)) if lock else fresh).get(pk=assessment.pk)
    _require(acting_user, Action.EDIT_ASSESSMENT, assessment)
    _require(acting_user, Action.REPORT_IMPLEMENTATION, assessment.organisation)
    if cycle != assessment.cycle:
        raise ServiceError(
            _("This self-assessment is for %(cycle)s: it applies to the %(cycle)s records only.")
            % {"cycle": assessment.cycle},
            code="cycle",
        )
    _check_cycle(cycle)
    if assessment.state != SelfAssessment.State.COMPLETED:
        raise ServiceError(_("Complete the self-assessment before applying it."), code="state")
    report = scoring.report_for(assessment)
    contributions = {}
    details = {}
    for score in report.principles:
        if score.result is None:
            continue
        contributions[score.principle.pk] = [
            inference.Contribution(None, (score.principle.code,), ("assessment",), 3, True, "", score.result)
        ]
        details[score.principle.pk] = [
            {"assessment": assessment.pk, "points": score.points, "out_of": score.out_of, "gives": score.result}
        ]
    return inference.plan_for(
        organisation_id=assessment.organisation_id,
        cycle=cycle,
        targets=inference.targets_of(assessment.questionnaire.framework, cycle),
        contributions=contributions,
        details=details,
        lock=lock,
    )


@transaction.atomic
def apply_assessment(
    *, acting_user: Any, assessment: SelfAssessment, cycle: int, fingerprint: str
) -> list[ImplementationRecord]:
    plan = plan_assessment(acting_user=acting_user, assessment=assessment, cycle=cycle, lock=True)
    _refuse_if_changed(plan, fingerprint)
    written = write_plan(
        acting_user=acting_user,
        organisation=assessment.organisation,
        cycle=cycle,
        plan=plan,
        kind=Inference.Kind.ASSESSMENT,
        assessment=assessment,
    )
    audit(
        action="assessment.applied",
        actor=acting_user,
        target=assessment,
        target_org_id=assessment.organisation_id,
        data={"cycle": cycle, "written": len(written)},
    )
    return written
