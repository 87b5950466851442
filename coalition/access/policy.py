"""Access policy: `can` answers "may this user do X to this object", `visible` answers "which
objects may this user do X to" as a queryset filtered in SQL.

A user's memberships are read once per request and kept on that request's user object only, so a
removed member or a suspended organisation loses access on the very next request.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Any, overload

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from coalition.access import (
    appeals,
    assessments,
    documents,
    drafting,
    exports,
    memberships,
    mileposts,
    principles,
    shared,
)
from coalition.access.memberships import (
    MembershipInfo,
    held_for_mfa,
    is_secretariat,
    membership_in,
    memberships_of,
    organisation_ids_of,
)
from coalition.appeals.models import Appeal, Tip
from coalition.assessments.models import Crosswalk, SelfAssessment
from coalition.audit.models import AuditEvent
from coalition.drafting.models import AcknowledgementRequest, Endorsement, Ratification, Review
from coalition.library.models import Document
from coalition.organisations.models import Community, Membership, Organisation, Role
from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost


class Action(StrEnum):
    # On an organisation.
    VIEW_ORGANISATION = "organisation.view"
    MANAGE_MEMBERS = "organisation.manage_members"
    SET_EXPORT_CAP = "organisation.set_export_cap"  # its admins, and the secretariat's admins
    VIEW_ORGANISATION_ACTIVITY = "organisation.view_activity"  # the audit log of its members: its admins
    # Organisation admins invite to their organisation; secretariat admins, who admit
    # organisations, may send, resend and revoke invitations for any organisation, at any role.
    INVITE_MEMBERS = "organisation.invite_members"
    # Coalition-wide, held by the secretariat (no object).
    VIEW_ALL_ORGANISATIONS = "coalition.view_organisations"
    MANAGE_ORGANISATIONS = "coalition.manage_organisations"
    MANAGE_COMMUNITIES = "coalition.manage_communities"
    # Library: creating needs the organisation, the rest a document.
    CREATE_DOCUMENT = "organisation.create_document"
    VIEW_DOCUMENT = "document.view"
    EDIT_DOCUMENT = "document.edit"
    SHARE_DOCUMENT = "document.share"
    RELABEL_DOCUMENT = "document.relabel"
    VIEW_DOCUMENT_READS = "document.view_reads"  # who read it: the owners who manage it
    ARCHIVE_DOCUMENT = "document.archive"
    # Take it out as a file with its label and the person's name on it (coalition/access/exports.py).
    EXPORT_DOCUMENT = "document.export"
    # Drafting (coalition/access/drafting.py): on a document unless said otherwise.
    VIEW_DISCUSSION = "document.view_discussion"
    COMMENT_DOCUMENT = "document.comment"
    PROPOSE_CHANGE = "document.propose"
    DECIDE_PROPOSAL = "document.decide_proposal"
    REQUEST_REVIEW = "document.request_review"
    PUBLISH_DOCUMENT = "document.publish"
    OPEN_RATIFICATION = "document.open_ratification"
    REQUEST_ACKNOWLEDGEMENT = "document.request_acknowledgement"
    DECIDE_REVIEW = "review.decide"  # on a Review: approve or request changes at its current step
    ENDORSE = "ratification.endorse"  # on a Ratification: endorse or decline for an organisation
    WITHDRAW_ENDORSEMENT = "endorsement.withdraw"  # on an Endorsement
    ACKNOWLEDGE = "acknowledgement.acknowledge"  # on an AcknowledgementRequest
    # Appeals and tips (coalition/access/appeals.py).
    VIEW_APPEAL = "appeal.view"  # on an Appeal; public once published
    CREATE_APPEAL = "organisation.create_appeal"  # on an Organisation
    EDIT_APPEAL = "appeal.edit"  # on an Appeal: texts, images, publishing, outcome
    HANDLE_TIPS = "organisation.handle_tips"  # on an Organisation: its tip inbox
    HANDLE_TIP = "tip.handle"  # on a Tip: read, triage, notes, questions
    MANAGE_HELPLINES = "coalition.manage_helplines"  # the reporting page's directory (no object)
    # The oversight body's named members: the whole audit log, never content (no object).
    VIEW_OVERSIGHT_LOG = "coalition.view_oversight_log"
    VIEW_AUDIT_CHECKPOINTS = "coalition.view_audit_checkpoints"  # any member: to keep copies (no object)
    VIEW_AUDIT_EVENT = "audit.view_event"  # on an AuditEvent: its proof, for those who may see it
    # Principles and implementation records (coalition/access/principles.py).
    MANAGE_PRINCIPLES = "coalition.manage_principles"  # frameworks, themes, principles (no object)
    REPORT_IMPLEMENTATION = "organisation.report_implementation"  # on an Organisation: write and share its records
    VIEW_IMPLEMENTATION = "implementation.view"  # on an ImplementationRecord; public ones without an account
    EDIT_IMPLEMENTATION = "implementation.edit"  # on an ImplementationRecord
    SHARE_IMPLEMENTATION = "implementation.share"  # on an ImplementationRecord: audience and label
    VIEW_IMPLEMENTATION_HISTORY = "implementation.view_history"  # on an ImplementationRecord
    # Crosswalks and self-assessment (coalition/access/assessments.py). Applying a crosswalk or
    # starting a self-assessment is REPORT_IMPLEMENTATION on the organisation.
    MANAGE_CROSSWALKS = "coalition.manage_crosswalks"  # (no object)
    MANAGE_QUESTIONNAIRES = "coalition.manage_questionnaires"  # write, version, publish, retire (no object)
    VIEW_CROSSWALK = "crosswalk.view"  # on a Crosswalk: every signed-in member
    VIEW_ASSESSMENT = "assessment.view"  # on a SelfAssessment; public ones without an account
    EDIT_ASSESSMENT = "assessment.edit"  # on a SelfAssessment: answer, complete, share, apply
    VIEW_ASSESSMENT_DETAIL = "assessment.view_detail"  # on a SelfAssessment: notes, who answered
    # Evidence, mileposts, exports and the transparency report (coalition/access/mileposts.py).
    VIEW_EVIDENCE = "evidence.view"  # on an EvidenceItem: whoever reads its record
    EDIT_EVIDENCE = "evidence.edit"  # on an EvidenceItem: whoever edits its record
    LINK_EVIDENCE_DOCUMENT = "document.link_as_evidence"  # on a Document: whoever may read it
    VIEW_MILEPOST = "milepost.view"  # on a Milepost; public ones without an account
    EDIT_MILEPOST = "milepost.edit"  # on a Milepost: the owner organisation's editors and admins
    WRITE_MILEPOSTS = "organisation.write_mileposts"  # on an Organisation
    EXPORT_MATRIX = "coalition.export_matrix"  # the visible cells as CSV/XLSX (no object)
    PUBLISH_REPORT = "coalition.publish_report"  # preview and publish the transparency report (no object)


DOCUMENT_MANAGE_ACTIONS = frozenset(
    {Action.SHARE_DOCUMENT, Action.RELABEL_DOCUMENT, Action.ARCHIVE_DOCUMENT, Action.VIEW_DOCUMENT_READS}
)
STEERING_ACTIONS = frozenset(
    {Action.REQUEST_REVIEW, Action.PUBLISH_DOCUMENT, Action.OPEN_RATIFICATION, Action.REQUEST_ACKNOWLEDGEMENT}
)


def forget(user: Any) -> None:
    """Drop what this request knows about the user after a service changed their memberships."""
    memberships.forget(user)
    documents.forget(user)


def can(user: Any, action: Action | str, obj: models.Model | None = None) -> bool:
    action = Action(action)
    if action in (Action.VIEW_DOCUMENT, Action.VIEW_DISCUSSION):
        # Public documents are readable without an account, so this comes before the sign-in test.
        return documents.can_view(user, _document(obj))
    if action == Action.VIEW_APPEAL:
        return appeals.can_view_appeal(user, _instance(action, obj, Appeal))
    if action == Action.VIEW_IMPLEMENTATION:
        return principles.can_view_record(user, _instance(action, obj, ImplementationRecord))
    if action == Action.VIEW_ASSESSMENT:
        return assessments.can_view_assessment(user, _instance(action, obj, SelfAssessment))
    if action == Action.VIEW_EVIDENCE:
        return principles.can_view_record(user, _instance(action, obj, EvidenceItem).record)
    if action == Action.VIEW_MILEPOST:
        return mileposts.can_view_milepost(user, _instance(action, obj, Milepost))
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action == Action.EDIT_APPEAL:
        return appeals.can_edit_appeal(user, _instance(action, obj, Appeal))
    if action == Action.CREATE_APPEAL:
        return appeals.can_write_appeals_for(user, _instance(action, obj, Organisation))
    if action == Action.HANDLE_TIPS:
        return appeals.can_handle_tips_of(user, _instance(action, obj, Organisation).pk)
    if action == Action.HANDLE_TIP:
        return appeals.can_handle_tip(user, _instance(action, obj, Tip))
    if action == Action.MANAGE_HELPLINES:
        return appeals.can_manage_helplines(user)
    if action == Action.VIEW_OVERSIGHT_LOG:
        return any(m.oversight for m in memberships_of(user))
    if action == Action.VIEW_AUDIT_CHECKPOINTS:
        return bool(memberships_of(user))
    if action == Action.VIEW_AUDIT_EVENT:
        return _may_see_event(user, _instance(action, obj, AuditEvent))
    if action in (Action.EDIT_IMPLEMENTATION, Action.SHARE_IMPLEMENTATION):
        return principles.can_edit_record(user, _instance(action, obj, ImplementationRecord))
    if action == Action.VIEW_IMPLEMENTATION_HISTORY:
        return principles.can_view_history(user, _instance(action, obj, ImplementationRecord))
    if action == Action.REPORT_IMPLEMENTATION:
        return principles.can_report_for(user, _instance(action, obj, Organisation))
    if action == Action.MANAGE_PRINCIPLES:
        return principles.can_manage_principles(user)
    if action == Action.MANAGE_CROSSWALKS:
        return assessments.can_manage_crosswalks(user)
    if action == Action.MANAGE_QUESTIONNAIRES:
        return assessments.can_manage_questionnaires(user)
    if action == Action.VIEW_CROSSWALK:
        return assessments.can_view_crosswalk(user, _instance(action, obj, Crosswalk))
    if action == Action.EDIT_ASSESSMENT:
        return assessments.can_edit_assessment(user, _instance(action, obj, SelfAssessment))
    if action == Action.VIEW_ASSESSMENT_DETAIL:
        return assessments.can_view_answers_detail(user, _instance(action, obj, SelfAssessment))
    if action == Action.EDIT_EVIDENCE:
        return principles.can_edit_record(user, _instance(action, obj, EvidenceItem).record)
    if action == Action.LINK_EVIDENCE_DOCUMENT:
        return mileposts.can_link_document(user, _document(obj))
    if action == Action.EDIT_MILEPOST:
        return mileposts.can_edit_milepost(user, _instance(action, obj, Milepost))
    if action == Action.WRITE_MILEPOSTS:
        return _instance(action, obj, Organisation).pk in mileposts.writing_organisation_ids(user)
    if action == Action.EXPORT_MATRIX:
        return mileposts.can_export_matrix(user)
    if action == Action.PUBLISH_REPORT:
        return mileposts.can_publish_report(user)
    if action == Action.EDIT_DOCUMENT:
        return documents.can_edit(user, _document(obj))
    if action == Action.EXPORT_DOCUMENT:
        return exports.can_export(user, _document(obj))
    if action in DOCUMENT_MANAGE_ACTIONS:
        return documents.can_manage(user, _document(obj))
    if action in (Action.COMMENT_DOCUMENT, Action.PROPOSE_CHANGE):
        return drafting.can_comment(user, _document(obj))
    if action == Action.DECIDE_PROPOSAL:
        return drafting.can_decide_proposal(user, _document(obj))
    if action in STEERING_ACTIONS:
        return drafting.can_steer(user, _document(obj))
    if action == Action.DECIDE_REVIEW:
        return drafting.reviewer_membership(user, _instance(action, obj, Review)) is not None
    if action == Action.ENDORSE:
        return bool(drafting.signatory_memberships(user, _instance(action, obj, Ratification)))
    if action == Action.WITHDRAW_ENDORSEMENT:
        return drafting.can_withdraw_endorsement(user, _instance(action, obj, Endorsement))
    if action == Action.ACKNOWLEDGE:
        return bool(drafting.acknowledging_memberships(user, _instance(action, obj, AcknowledgementRequest)))
    if action == Action.CREATE_DOCUMENT:
        if not isinstance(obj, Organisation):
            raise TypeError(f"{action} needs an Organisation, not {type(obj).__name__}")
        return documents.can_create_in(user, obj)
    if action == Action.INVITE_MEMBERS:
        return can(user, Action.MANAGE_MEMBERS, obj) or is_secretariat(user, role=Role.ADMIN)
    if action == Action.VIEW_ORGANISATION_ACTIVITY:
        return can(user, Action.MANAGE_MEMBERS, obj)
    if action == Action.SET_EXPORT_CAP:
        return can(user, Action.MANAGE_MEMBERS, obj) or is_secretariat(user, role=Role.ADMIN)
    if action in (Action.VIEW_ORGANISATION, Action.MANAGE_MEMBERS):
        if not isinstance(obj, Organisation):
            raise TypeError(f"{action} needs an Organisation, not {type(obj).__name__}")
        membership = membership_in(user, obj.pk)
        if membership is None:
            return False
        return action == Action.VIEW_ORGANISATION or membership.role == Role.ADMIN
    if action == Action.VIEW_ALL_ORGANISATIONS:
        return is_secretariat(user)
    if action in (Action.MANAGE_ORGANISATIONS, Action.MANAGE_COMMUNITIES):
        return is_secretariat(user, role=Role.ADMIN)
    raise ValueError(f"Unknown action {action}")  # pragma: no cover - StrEnum guards this


def visible[M: models.Model](user: Any, queryset: models.QuerySet[M], action: Action | str) -> models.QuerySet[M]:
    """The objects of `queryset` on which `user` may perform `action`, as one SQL filter."""
    action = Action(action)
    model = queryset.model
    if model is Document and action == Action.VIEW_DOCUMENT:
        return documents.visible_documents(user, queryset)  # type: ignore[arg-type, return-value]
    if model is Appeal and action == Action.VIEW_APPEAL:
        return appeals.visible_appeals(user, queryset)  # type: ignore[arg-type, return-value]
    if model is Tip and action == Action.HANDLE_TIP:
        return appeals.visible_tips(user, queryset)  # type: ignore[arg-type, return-value]
    if model is ImplementationRecord and action == Action.VIEW_IMPLEMENTATION:
        return principles.visible_records(user, queryset)  # type: ignore[arg-type, return-value]
    if model is ImplementationRecord and action in (Action.EDIT_IMPLEMENTATION, Action.SHARE_IMPLEMENTATION):
        return principles.editable_records(user, queryset)  # type: ignore[arg-type, return-value]
    if model is SelfAssessment and action == Action.VIEW_ASSESSMENT:
        return assessments.visible_assessments(user, queryset)  # type: ignore[arg-type, return-value]
    if model is Milepost and action == Action.VIEW_MILEPOST:
        return mileposts.visible_mileposts(user, queryset)  # type: ignore[arg-type, return-value]
    if model is Milepost and action == Action.EDIT_MILEPOST:
        return mileposts.editable_mileposts(user, queryset)  # type: ignore[arg-type, return-value]
    if model is EvidenceItem and action == Action.VIEW_EVIDENCE:
        return queryset.filter(principles.readable_condition(user, "record"))
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if model is Document and action == Action.EDIT_DOCUMENT:
        return queryset.filter(documents.editable_condition(user))
    if model is Document and action == Action.DECIDE_PROPOSAL:
        return queryset.filter(documents.proposal_deciding_condition(user))
    if model is Review and action == Action.DECIDE_REVIEW:
        return drafting.reviews_to_decide(user, queryset)  # type: ignore[no-any-return]
    if model is Ratification and action == Action.ENDORSE:
        return drafting.ratifications_to_decide(user, queryset)  # type: ignore[no-any-return]
    if model is AcknowledgementRequest and action == Action.ACKNOWLEDGE:
        return drafting.acknowledgements_to_give(user, queryset)  # type: ignore[no-any-return]
    if model is Organisation:
        if action == Action.CREATE_APPEAL:
            return queryset.filter(pk__in=appeals.publishing_organisations(user))
        if action == Action.HANDLE_TIPS:
            return queryset.filter(pk__in=appeals.tip_organisations(user))
        if action == Action.REPORT_IMPLEMENTATION:
            return queryset.filter(pk__in=principles.reporting_organisation_ids(user))
        if action == Action.WRITE_MILEPOSTS:
            return queryset.filter(pk__in=mileposts.writing_organisation_ids(user))
        if action == Action.VIEW_ORGANISATION:
            return queryset.filter(pk__in=organisation_ids_of(user))
        if action == Action.MANAGE_MEMBERS:
            return queryset.filter(pk__in=[m.organisation_id for m in memberships_of(user) if m.role == Role.ADMIN])
        if action in (Action.VIEW_ALL_ORGANISATIONS, Action.MANAGE_ORGANISATIONS):
            return queryset if can(user, action) else queryset.none()
    if model is SelfAssessment and action == Action.EDIT_ASSESSMENT:
        return queryset.filter(organisation_id__in=principles.reporting_organisation_ids(user))
    if model is Crosswalk and action == Action.VIEW_CROSSWALK:
        return queryset if memberships_of(user) else queryset.none()
    if model is Community and action in (Action.VIEW_ALL_ORGANISATIONS, Action.MANAGE_COMMUNITIES):
        return queryset if can(user, action) else queryset.none()
    raise ValueError(f"visible() does not know {action} on {model.__name__}")


def _may_see_event(user: Any, event: AuditEvent) -> bool:
    """The oversight role sees every event; an organisation's admins their members' events; a
    document's owners (who may see who read it) the events about it."""
    if can(user, Action.VIEW_OVERSIGHT_LOG):
        return True
    if event.actor_id is not None:
        actor_organisations = Organisation.objects.filter(
            pk__in=Membership.objects.filter(user_id=event.actor_id).values("organisation_id")
        )
        if any(can(user, Action.VIEW_ORGANISATION_ACTIVITY, o) for o in actor_organisations):
            return True
    if event.target_type == "library.document" and event.target_id.isdigit():
        document = Document.objects.filter(pk=int(event.target_id)).first()
        if document is not None and can(user, Action.VIEW_DOCUMENT_READS, document):
            return True
    return False


def _instance[M: models.Model](action: Action, obj: Any, model: type[M]) -> M:
    if not isinstance(obj, model):
        raise TypeError(f"{action} needs a {model.__name__}, not {type(obj).__name__}")
    return obj


def _document(obj: Any) -> Document:
    if not isinstance(obj, Document):
        raise TypeError(f"document actions need a Document, not {type(obj).__name__}")
    return obj


def get_object_or_404[M: models.Model](
    user: Any, action: Action | str, queryset: models.QuerySet[M], **lookup: Any
) -> M:
    """The object if it exists and the user may perform `action`; otherwise the same 404 whether
    it is missing or not theirs, so a refusal never confirms that something exists."""
    try:
        obj = queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("No such page.") from None
    if not can(user, action, obj):
        raise Http404("No such page.")
    return obj


def explain(user: Any, obj: models.Model) -> list[str]:
    """The reasons, in words, why `user` can or cannot see `obj` (and, for the items an
    organisation shares, whether they may edit and share it)."""
    if isinstance(obj, Document):
        return documents.explain_document(user, obj)
    if isinstance(obj, (ImplementationRecord, Milepost, SelfAssessment)):
        return shared.explain(user, obj)
    if isinstance(obj, EvidenceItem):
        return shared.explain_evidence(user, obj)
    if isinstance(obj, Organisation):
        if obj.status != Organisation.Status.ACTIVE:
            return [f"{obj.name} is suspended: nobody can use its pages until it is reactivated."]
        membership = membership_in(user, obj.pk)
        if membership is None:
            return [f"You are not a member of {obj.name}."]
        reasons = [f"{membership.role_label} at {obj.name}."]
        if membership.signatory:
            reasons.append(f"Signatory for {obj.name}.")
        return reasons
    raise TypeError(f"explain() does not know {type(obj).__name__}")


@overload
def audience_of(obj: Document) -> documents.AudienceSummary: ...


@overload
def audience_of(obj: ImplementationRecord | EvidenceItem | Milepost | SelfAssessment) -> shared.SharedAudience: ...


def audience_of(obj: models.Model) -> documents.AudienceSummary | shared.SharedAudience:
    """Who can see `obj`: a document (for its owners: grants, co-drafters and the audience once
    it is out), or an item an organisation shares (records, evidence, mileposts, self-assessments)."""
    if isinstance(obj, Document):
        return documents.audience_of(obj)
    if isinstance(obj, (ImplementationRecord, Milepost, SelfAssessment)):
        return shared.audience_of(obj)
    if isinstance(obj, EvidenceItem):
        return shared.evidence_audience_of(obj)
    raise TypeError(f"audience_of() does not know {type(obj).__name__}")


class Navigation:
    """What the site navigation needs to know about the signed-in user, computed on first use."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def memberships(self) -> list[MembershipInfo]:
        return memberships_of(self.user)

    @cached_property
    def held_for_mfa(self) -> bool:
        return held_for_mfa(self.user)

    @cached_property
    def is_secretariat(self) -> bool:
        return can(self.user, Action.VIEW_ALL_ORGANISATIONS)

    @cached_property
    def appeals(self) -> bool:
        """Writes appeals or handles tips for one of the user's organisations."""
        return any((m.may_publish_appeals and m.at_least(Role.EDITOR)) or m.tip_handler for m in self.memberships)

    @cached_property
    def handles_tips(self) -> bool:
        return any(m.tip_handler for m in self.memberships)

    @cached_property
    def oversight(self) -> bool:
        return any(m.oversight for m in self.memberships)

    @cached_property
    def manages_helplines(self) -> bool:
        return can(self.user, Action.MANAGE_HELPLINES)

    @cached_property
    def manages_coalition(self) -> bool:
        return can(self.user, Action.MANAGE_ORGANISATIONS)


def navigation_for(user: Any) -> Navigation:
    return Navigation(user)
