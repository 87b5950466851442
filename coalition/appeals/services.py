"""Every change to appeals, tips and the helpline directory. Members' changes are audited; the
sender of a tip never is (no event, no address, no account: docs/appeals.md)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.appeals import anonymity, images
from coalition.appeals.models import Appeal, AppealImage, AppealText, Helpline, Tip, TipMessage, TipNote
from coalition.audit.services import record
from coalition.core.errors import AccessDenied, ServiceError
from coalition.organisations.models import Organisation

MAX_IMAGES = 8
MAX_QUESTIONS = 8
TIP_TEXT_MAX = 10_000
ANSWER_MAX = 2_000
CONTACT_MAX = 300
MESSAGE_MAX = 5_000


def _require(user: Any, action: Action, obj: Any = None) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def _locked(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update().select_related("organisation").get(pk=appeal.pk)


def _audit(action: str, actor: Any, appeal: Appeal, **data: Any) -> None:
    record(action=action, actor=actor, target=appeal, target_org_id=appeal.organisation_id, data=data)


# --- Appeals ------------------------------------------------------------------------------------


@transaction.atomic
def create_appeal(
    *,
    acting_user: Any,
    organisation: Organisation,
    object_type: str,
    countries: list[str],
    languages: list[str],
    language: str,
    title: str,
    description: str,
    questions: list[str],
) -> Appeal:
    _require(acting_user, Action.CREATE_APPEAL, organisation)
    appeal = Appeal.objects.create(
        organisation=organisation,
        object_type=object_type,
        countries=countries,
        languages=languages,
        primary_language=language,
        created_by=acting_user,
    )
    AppealText.objects.create(
        appeal=appeal, language=language, title=title, description=description, questions=questions[:MAX_QUESTIONS]
    )
    _audit("appeal.created", acting_user, appeal, object_type=object_type, language=language)
    return appeal


@transaction.atomic
def update_appeal(
    *, acting_user: Any, appeal: Appeal, object_type: str, countries: list[str], languages: list[str]
) -> Appeal:
    appeal = _locked(appeal)
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    changed = {
        name: value
        for name, value in {"object_type": object_type, "countries": countries, "languages": languages}.items()
        if getattr(appeal, name) != value
    }
    if not changed:
        return appeal
    for name, value in changed.items():
        setattr(appeal, name, value)
    appeal.save(update_fields=[*changed, "updated_at"])
    _audit("appeal.updated", acting_user, appeal, changed=sorted(changed))
    return appeal


@transaction.atomic
def save_text(
    *, acting_user: Any, appeal: Appeal, language: str, title: str, description: str, questions: list[str]
) -> AppealText:
    appeal = _locked(appeal)
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    if appeal.status == Appeal.Status.CLOSED:
        raise ServiceError(_("This appeal is closed: its texts can no longer be changed."))
    text, created = AppealText.objects.update_or_create(
        appeal=appeal,
        language=language,
        defaults={"title": title, "description": description, "questions": questions[:MAX_QUESTIONS]},
    )
    appeal.save(update_fields=["updated_at"])
    _audit("appeal.text_saved", acting_user, appeal, language=language, created=created)
    return text


@transaction.atomic
def remove_text(*, acting_user: Any, appeal: Appeal, language: str) -> None:
    appeal = _locked(appeal)
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    if language == appeal.primary_language:
        raise ServiceError(_("The text in the appeal's main language cannot be removed."))
    deleted, _rows = AppealText.objects.filter(appeal=appeal, language=language).delete()
    if deleted:
        _audit("appeal.text_removed", acting_user, appeal, language=language)


def add_image(*, acting_user: Any, appeal: Appeal, data: bytes, alt_text: str) -> AppealImage:
    """Re-encode the upload (images.clean), store the two files, then the row and its audit event
    in one transaction; if anything fails after the files were written, they are removed."""
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    if appeal.status == Appeal.Status.CLOSED:
        raise ServiceError(_("This appeal is closed: its images can no longer be changed."))
    if appeal.images.count() >= MAX_IMAGES:
        raise ServiceError(_("An appeal has at most %(count)d images. Remove one first.") % {"count": MAX_IMAGES})
    try:
        cleaned = images.clean(data)
    except images.ImageRefused as refused:
        raise ServiceError(str(refused), code="image") from None
    stem = f"appeals/{appeal.pk}/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        try:
            written.append(default_storage.save(f"{stem}.jpg", ContentFile(cleaned.display)))
            written.append(default_storage.save(f"{stem}-thumb.jpg", ContentFile(cleaned.thumbnail)))
        except OSError:
            raise ServiceError(
                _("The image could not be stored: the portal's file storage is full or unavailable. Nothing was added.")
            ) from None
        with transaction.atomic():
            locked = _locked(appeal)
            _require(acting_user, Action.EDIT_APPEAL, locked)
            image = AppealImage.objects.create(
                appeal=locked,
                order=locked.images.count(),
                display_name=written[0],
                thumbnail_name=written[1],
                width=cleaned.width,
                height=cleaned.height,
                size=len(cleaned.display),
                sha256=cleaned.sha256,
                alt_text=alt_text,
            )
            locked.save(update_fields=["updated_at"])
            _audit("appeal.image_added", acting_user, locked, image_id=image.pk, sha256=cleaned.sha256)
        return image
    except BaseException:
        for name in written:
            _discard(name)
        raise


def _discard(name: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(name)


def remove_image(*, acting_user: Any, appeal: Appeal, image_id: int) -> None:
    with transaction.atomic():
        appeal = _locked(appeal)
        _require(acting_user, Action.EDIT_APPEAL, appeal)
        image = AppealImage.objects.filter(appeal=appeal, pk=image_id).first()
        if image is None:
            raise ServiceError(_("That image was already removed."))
        if appeal.is_public and appeal.images.count() == 1:
            raise ServiceError(_("A published appeal keeps at least one image. Add another before removing this one."))
        names = [image.display_name, image.thumbnail_name]
        image.delete()
        _audit("appeal.image_removed", acting_user, appeal, image_id=image_id)
    for name in names:
        _discard(name)


@transaction.atomic
def publish(*, acting_user: Any, appeal: Appeal) -> Appeal:
    appeal = _locked(appeal)
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    if appeal.status != Appeal.Status.DRAFT:
        raise ServiceError(_("This appeal is already published."))
    problems = []
    if not appeal.images.exists():
        problems.append(_("Add at least one image of the object."))
    main = appeal.texts.filter(language=appeal.primary_language).first()
    if main is None or not main.questions:
        problems.append(_("Ask at least one question, such as “Where is this sold?”."))
    if problems:
        raise ServiceError(problems)
    appeal.status = Appeal.Status.OPEN
    appeal.published_at = timezone.now()
    appeal.save(update_fields=["status", "published_at", "updated_at"])
    _audit("appeal.published", acting_user, appeal)
    return appeal


@transaction.atomic
def end_appeal(*, acting_user: Any, appeal: Appeal, status: str, outcome_note: str) -> Appeal:
    appeal = _locked(appeal)
    _require(acting_user, Action.EDIT_APPEAL, appeal)
    allowed: dict[str, set[str]] = {
        Appeal.Status.OPEN: {Appeal.Status.SOLVED, Appeal.Status.CLOSED},
        Appeal.Status.SOLVED: {Appeal.Status.CLOSED},
    }
    if status not in allowed.get(appeal.status, set()):
        raise ServiceError(
            _("A %(before)s appeal cannot be marked %(after)s.")
            % {"before": appeal.get_status_display().lower(), "after": str(Appeal.Status(status).label).lower()}
        )
    appeal.status = status
    appeal.outcome_note = outcome_note
    appeal.ended_at = appeal.ended_at or timezone.now()
    appeal.save(update_fields=["status", "outcome_note", "ended_at", "updated_at"])
    _audit("appeal.ended", acting_user, appeal, status=status)
    return appeal


# --- Tips: the sender's side (never audited, nothing identifying) ---------------------------------


def submit_tip(
    *, appeal: Appeal, language: str, answers: list[dict[str, str]], text: str, contact: str
) -> tuple[Tip, str]:
    """Store a tip for an open appeal; returns it and its receipt, which exists nowhere else."""
    if not text.strip() and not any(a["answer"].strip() for a in answers):
        raise ServiceError(_("Write what you know: answer a question or use the free text."))
    for _attempt in range(5):
        receipt = anonymity.new_receipt()
        digest = anonymity.receipt_hash(receipt)
        try:
            with transaction.atomic():
                locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
                if not locked.takes_tips:
                    raise ServiceError(
                        _("This appeal is %(status)s and no longer takes information. Thank you for looking.")
                        % {"status": locked.get_status_display().lower()}
                    )
                tip = Tip.objects.create(
                    appeal=locked,
                    organisation_id=locked.organisation_id,
                    language=language,
                    answers=answers,
                    text=text,
                    contact=contact,
                    receipt_hash=digest,
                    received_at=anonymity.to_the_hour(),
                )
                Appeal.objects.filter(pk=locked.pk).update(tips_received=F("tips_received") + 1)
            return tip, receipt
        except IntegrityError:  # the same receipt twice: one chance in 10^16, draw again
            continue
    raise ServiceError(_("The tip could not be saved. Please send it again."))  # pragma: no cover


def tip_for_receipt(receipt: str) -> Tip | None:
    return Tip.objects.select_related("appeal").filter(receipt_hash=anonymity.receipt_hash(receipt)).first()


@transaction.atomic
def sender_reply(*, tip_id: int, text: str) -> TipMessage:
    tip = Tip.objects.select_for_update().get(pk=tip_id)
    if tip.status == Tip.Status.CLOSED:
        raise ServiceError(_("This tip is closed: the team no longer takes answers to it."))
    if not text.strip():
        raise ServiceError(_("Write your answer before sending it."))
    return TipMessage.objects.create(tip=tip, from_sender=True, text=text, created_at=anonymity.to_the_hour())


def sender_status(tip: Tip) -> str:
    """What the sender is told: received, being looked at, or closed; never the triage itself."""
    if tip.status == Tip.Status.NEW:
        return _("Received: the team has not looked at it yet.")
    if tip.status == Tip.Status.CLOSED:
        return _("Closed: the team has finished with it. Thank you.")
    return _("Looked at by the team.")


# --- Tips: the handlers' side (every look and change audited) --------------------------------------


def _locked_tip(acting_user: Any, tip: Tip) -> Tip:
    locked = Tip.objects.select_for_update().get(pk=tip.pk)
    _require(acting_user, Action.HANDLE_TIP, locked)
    return locked


def _audit_tip(action: str, actor: Any, tip: Tip, **data: Any) -> None:
    record(
        action=action,
        actor=actor,
        target=tip,
        target_org_id=tip.organisation_id,
        data={"appeal_id": tip.appeal_id, **data},
    )


@transaction.atomic
def record_view(*, acting_user: Any, tip: Tip) -> None:
    _require(acting_user, Action.HANDLE_TIP, tip)
    _audit_tip("tip.viewed", acting_user, tip)


@transaction.atomic
def triage(*, acting_user: Any, tip: Tip, status: str, forwarded_to: str = "") -> Tip:
    tip = _locked_tip(acting_user, tip)
    status = Tip.Status(status)
    forwarded_to = forwarded_to.strip()
    if status == Tip.Status.FORWARDED:
        if not forwarded_to:
            raise ServiceError(_("Say which authority the tip was forwarded to."), code="forwarded_to")
        tip.forwarded_to = forwarded_to
        tip.forwarded_at = timezone.now()
        tip.forwarded_by = acting_user
    if tip.status == status and status != Tip.Status.FORWARDED:
        return tip
    before = tip.status
    tip.status = status
    tip.save()
    data: dict[str, Any] = {"from": before, "to": str(status)}
    if status == Tip.Status.FORWARDED:
        data["forwarded_to"] = forwarded_to
    _audit_tip("tip.triaged", acting_user, tip, **data)
    return tip


@transaction.atomic
def assign(*, acting_user: Any, tip: Tip, assignee: Any | None) -> Tip:
    tip = _locked_tip(acting_user, tip)
    if assignee is not None and not access.can(assignee, Action.HANDLE_TIP, tip):
        raise ServiceError(_("Only a tip handler of the organisation can be assigned a tip."), code="assignee")
    tip.assigned_to = assignee
    tip.save(update_fields=["assigned_to", "updated_at"])
    _audit_tip("tip.assigned", acting_user, tip, assignee_id=assignee.pk if assignee else None)
    return tip


@transaction.atomic
def add_note(*, acting_user: Any, tip: Tip, text: str) -> TipNote:
    tip = _locked_tip(acting_user, tip)
    if not text.strip():
        raise ServiceError(_("Write the note before saving it."), code="text")
    note = TipNote.objects.create(tip=tip, author=acting_user, text=text)
    tip.save(update_fields=["updated_at"])
    _audit_tip("tip.note_added", acting_user, tip, note_id=note.pk)
    return note


@transaction.atomic
def ask_sender(*, acting_user: Any, tip: Tip, text: str) -> TipMessage:
    tip = _locked_tip(acting_user, tip)
    if tip.status == Tip.Status.CLOSED:
        raise ServiceError(_("This tip is closed: reopen it before asking its sender anything."), code="text")
    if not text.strip():
        raise ServiceError(_("Write the question before sending it."), code="text")
    message = TipMessage.objects.create(
        tip=tip, from_sender=False, author=acting_user, text=text, created_at=timezone.now()
    )
    tip.save(update_fields=["updated_at"])
    _audit_tip("tip.question_asked", acting_user, tip, message_id=message.pk)
    return message


# --- The helpline directory (the secretariat) -----------------------------------------------------

HELPLINE_FIELDS = ("country", "kind", "name", "url", "phone", "languages", "accepts", "order")


@transaction.atomic
def save_helpline(*, acting_user: Any, helpline: Helpline | None, **fields: Any) -> Helpline:
    _require(acting_user, Action.MANAGE_HELPLINES)
    unknown = set(fields) - set(HELPLINE_FIELDS)
    if unknown:
        raise TypeError(f"save_helpline() cannot set {', '.join(sorted(unknown))}")
    fields["country"] = fields.get("country", "").upper()
    created = helpline is None
    helpline = helpline or Helpline()
    for name, value in fields.items():
        setattr(helpline, name, value)
    helpline.save()
    record(
        action="helpline.created" if created else "helpline.updated",
        actor=acting_user,
        target=helpline,
        data={"name": helpline.name, "country": helpline.country, "kind": helpline.kind},
    )
    return helpline


@transaction.atomic
def delete_helpline(*, acting_user: Any, helpline: Helpline) -> None:
    _require(acting_user, Action.MANAGE_HELPLINES)
    record(
        action="helpline.deleted",
        actor=acting_user,
        target=helpline,
        data={"name": helpline.name, "country": helpline.country, "kind": helpline.kind},
    )
    helpline.delete()
