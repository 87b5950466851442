"""Writes to the library. Each runs in a transaction, checks the acting user through
coalition.access, enforces the TLP 2.0 rules, and records its audit event."""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid
from typing import Any

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.access import Action
from coalition.audit.services import append, record
from coalition.core import markdown
from coalition.core.errors import AccessDenied, ServiceError
from coalition.library.filetypes import detect_type
from coalition.library.models import (
    AUDIENCE_RANK,
    TLP,
    TLP_RANK,
    Attachment,
    Audience,
    Document,
    RecentView,
    Revision,
    Topic,
)
from coalition.organisations.models import Community, Organisation
from coalition.search import index as search_index

logger = logging.getLogger(__name__)

MAX_BODY_CHARS = 500_000


class EditConflict(ServiceError):
    """Someone saved a newer revision since the editor opened the text; nothing was overwritten."""

    def __init__(self, current: Revision) -> None:
        super().__init__(
            f"Revision {current.number} was saved by {current.author or 'someone'} while you were editing.",
            code="conflict",
        )
        self.current = current


def _require(user: Any, action: Action, obj: Any) -> None:
    if not access.can(user, action, obj):
        raise AccessDenied(action)


def check_tlp_rules(*, audience: str, tlp: str, organisation_grants: int = 0) -> None:
    """TLP 2.0 as the portal enforces it (docs/architecture.md), with messages for the person choosing."""
    if audience == Audience.PUBLIC and tlp != TLP.CLEAR:
        raise ServiceError(
            "Only TLP:CLEAR material can be public. Choose TLP:CLEAR or a narrower audience.", code="tlp"
        )
    if tlp == TLP.RED and audience != Audience.ORGANISATION:
        raise ServiceError(
            "TLP:RED material is for named people only: keep the audience to the owner organisation and "
            "grant it to each person by name.",
            code="audience",
        )
    if tlp == TLP.RED and organisation_grants:
        raise ServiceError("TLP:RED material can be granted to named people only, not to organisations.", code="tlp")


def _audit_document(action: str, *, acting_user: Any, document: Document, **data: Any) -> None:
    record(action=action, actor=acting_user, target=document, target_org_id=document.owner_id, data=data)


def _new_revision(
    *, document: Document, body: str, author: Any, message: str, restored_from: int | None = None
) -> Revision:
    if len(body) > MAX_BODY_CHARS:
        raise ServiceError(
            f"The text is too long ({len(body):,} characters; the limit is {MAX_BODY_CHARS:,}).", code="body"
        )
    number = (document.current_revision.number if document.current_revision else 0) + 1
    revision = Revision.objects.create(
        document=document,
        number=number,
        body=body,
        html=markdown.render(body),
        author=author,
        message=message[:300],
        restored_from=restored_from,
    )
    document.current_revision = revision
    document.save(update_fields=["current_revision", "updated_at"])
    search_index.index_document(document, changed_by=author)
    return revision


def new_revision(*, acting_user: Any, document: Document, body: str, message: str) -> Revision:
    """A new revision for another service (accepting a proposal) that has already checked access
    and holds the document's row lock."""
    revision = _new_revision(document=document, body=body, author=acting_user, message=message)
    _audit_document("document.revised", acting_user=acting_user, document=document, revision=revision.number)
    return revision


@transaction.atomic
def create_document(
    *,
    acting_user: Any,
    owner: Organisation,
    title: str,
    kind: str = Document.Kind.POLICY,
    summary: str = "",
    body: str = "",
    message: str = "",
    audience: str = Audience.ORGANISATION,
    tlp: str = TLP.AMBER,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
    co_drafters: list[Organisation] | None = None,
    topics: list[Topic] | None = None,
    language: str = "en",
    review_by: datetime.date | None = None,
) -> Document:
    _require(acting_user, Action.CREATE_DOCUMENT, owner)
    check_tlp_rules(audience=audience, tlp=tlp)
    if audience == Audience.NAMED and not (audience_organisations or audience_communities):
        raise ServiceError("Name at least one organisation or community to share with.", code="audience_organisations")
    document = Document(
        owner=owner,
        title=title.strip(),
        kind=kind,
        summary=summary.strip(),
        audience=audience,
        tlp=tlp,
        language=language,
        review_by=review_by,
        review_owner=acting_user,
        created_by=acting_user,
    )
    document.full_clean(exclude=["current_revision", "review_owner", "created_by"])
    document.save()
    if audience == Audience.NAMED:
        document.audience_organisations.set(audience_organisations or [])
        document.audience_communities.set(audience_communities or [])
    document.co_drafters.set([o for o in co_drafters or [] if o.pk != owner.pk])
    document.topics.set(topics or [])
    if tlp == TLP.RED:
        # Otherwise its author could not read it either: RED is readable only through named grants.
        access.store_grant(document, level="edit", user=acting_user)
    _new_revision(document=document, body=body, author=acting_user, message=message or "First version")
    _audit_document("document.created", acting_user=acting_user, document=document, tlp=tlp, audience=audience)
    access.forget(acting_user)
    return document


@transaction.atomic
def save_revision(*, acting_user: Any, document: Document, body: str, base_number: int, message: str = "") -> Revision:
    """A new revision, unless someone saved one since `base_number`: then EditConflict, and the
    caller keeps the user's text."""
    document = Document.objects.select_for_update(of=("self",)).select_related("current_revision").get(pk=document.pk)
    _require(acting_user, Action.EDIT_DOCUMENT, document)
    current = document.current_revision
    if current is not None and current.number != base_number:
        raise EditConflict(current)
    if current is not None and current.body == body:
        raise ServiceError("Nothing changed: the text is the same as the current revision.", code="body")
    revision = _new_revision(document=document, body=body, author=acting_user, message=message)
    _audit_document("document.revised", acting_user=acting_user, document=document, revision=revision.number)
    return revision


@transaction.atomic
def restore_revision(*, acting_user: Any, document: Document, number: int) -> Revision:
    document = Document.objects.select_for_update(of=("self",)).select_related("current_revision").get(pk=document.pk)
    _require(acting_user, Action.EDIT_DOCUMENT, document)
    old = document.revisions.filter(number=number).first()
    if old is None:
        raise ServiceError(f"There is no revision {number}.")
    if document.current_revision and old.pk == document.current_revision.pk:
        raise ServiceError(f"Revision {number} is already the current text.")
    revision = _new_revision(
        document=document,
        body=old.body,
        author=acting_user,
        message=f"Restored revision {number}",
        restored_from=number,
    )
    _audit_document(
        "document.revision_restored",
        acting_user=acting_user,
        document=document,
        revision=revision.number,
        restored=number,
    )
    return revision


METADATA_FIELDS = ("title", "summary", "kind", "language", "review_by", "review_owner")


@transaction.atomic
def update_details(
    *, acting_user: Any, document: Document, topics: list[Topic] | None = None, **changes: Any
) -> Document:
    _require(acting_user, Action.EDIT_DOCUMENT, document)
    unknown = set(changes) - set(METADATA_FIELDS)
    if unknown:
        raise TypeError(f"update_details() cannot change {', '.join(sorted(unknown))}")
    changed = {f: v for f, v in changes.items() if getattr(document, f) != v}
    if "review_owner" in changed:
        _check_review_owner(document, changed["review_owner"])
    for field, value in changed.items():
        setattr(document, field, value.strip() if isinstance(value, str) else value)
    document.full_clean(exclude=["current_revision", "review_owner", "created_by"])
    if changed:
        document.save(update_fields=[*changed, "updated_at"])
    if topics is not None:
        before = set(document.topics.values_list("pk", flat=True))
        if before != {t.pk for t in topics}:
            document.topics.set(topics)
            changed["topics"] = sorted(t.name for t in topics)
    if changed:
        search_index.index_document(document, changed_by=acting_user)
        data: dict[str, Any] = {"fields": sorted(changed)}
        if "review_owner" in changed:
            data["review_owner"] = getattr(changed["review_owner"], "pk", None)
        _audit_document("document.details_changed", acting_user=acting_user, document=document, **data)
    return document


def _check_review_owner(document: Document, person: Any) -> None:
    """The person answering for the review-by date must be able to edit the document (no one is
    allowed too: the reminder then goes to nobody, which the form says)."""
    if person is not None and not access.can(person, Action.EDIT_DOCUMENT, document):
        raise ServiceError(
            _("%(name)s cannot edit this document, so cannot own its review.") % {"name": person.display_name},
            code="review_owner",
        )


@transaction.atomic
def share(
    *,
    acting_user: Any,
    document: Document,
    audience: str,
    audience_organisations: list[Organisation] | None = None,
    audience_communities: list[Community] | None = None,
) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require(acting_user, Action.SHARE_DOCUMENT, document)
    check_tlp_rules(audience=audience, tlp=document.tlp, organisation_grants=0)
    orgs = sorted({o.pk for o in audience_organisations or []}) if audience == Audience.NAMED else []
    communities = sorted({c.pk for c in audience_communities or []}) if audience == Audience.NAMED else []
    if audience == Audience.NAMED and not orgs and not communities:
        raise ServiceError("Name at least one organisation or community to share with.", code="audience_organisations")
    before_audience = document.audience
    before: dict[str, Any] = {
        "audience": before_audience,
        "organisations": sorted(document.audience_organisations.values_list("pk", flat=True)),
        "communities": sorted(document.audience_communities.values_list("pk", flat=True)),
    }
    after = {"audience": audience, "organisations": orgs, "communities": communities}
    if before == after:
        return document
    document.audience = audience
    document.save(update_fields=["audience", "updated_at"])
    document.audience_organisations.set(orgs)
    document.audience_communities.set(communities)
    search_index.access_changed(document)
    widened = AUDIENCE_RANK[audience] > AUDIENCE_RANK[before_audience] or bool(
        set(orgs) - set(before["organisations"]) or set(communities) - set(before["communities"])
    )
    _audit_document(
        "document.audience_changed",
        acting_user=acting_user,
        document=document,
        before=before,
        after=after,
        widened=widened,
    )
    return document


@transaction.atomic
def relabel(*, acting_user: Any, document: Document, tlp: str) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require(acting_user, Action.RELABEL_DOCUMENT, document)
    if tlp not in TLP.values:
        raise ServiceError(f"“{tlp}” is not a TLP label.", code="tlp")
    if tlp == document.tlp:
        return document
    org_grants = document.group_grants.count() if tlp == TLP.RED else 0
    check_tlp_rules(audience=document.audience, tlp=tlp, organisation_grants=org_grants)
    before = document.tlp
    document.tlp = tlp
    document.save(update_fields=["tlp", "updated_at"])
    search_index.access_changed(document)
    if tlp == TLP.RED and access.grant_level_of(document, user=acting_user) is None:
        # Keep the person relabelling able to read what they just restricted.
        access.store_grant(document, level="edit", user=acting_user)
    _audit_document(
        "document.relabelled",
        acting_user=acting_user,
        document=document,
        before=before,
        after=tlp,
        lowered=TLP_RANK[tlp] < TLP_RANK[before],
    )
    access.forget(acting_user)
    return document


@transaction.atomic
def grant(
    *, acting_user: Any, document: Document, level: str, user: Any = None, organisation: Organisation | None = None
) -> None:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require(acting_user, Action.SHARE_DOCUMENT, document)
    if (user is None) == (organisation is None):
        raise TypeError("grant() needs exactly one of user= or organisation=")
    if level not in access.LEVELS:
        raise ServiceError(f"“{level}” is not a grant level (view, comment or edit).", code="level")
    if organisation is not None:
        check_tlp_rules(audience=document.audience, tlp=document.tlp, organisation_grants=1)
        if organisation.pk == document.owner_id:
            raise ServiceError(f"{organisation.name} owns this document already.", code="organisation")
    if user is not None and not user.is_active:
        raise ServiceError("That account is deactivated.", code="user")
    before = access.grant_level_of(document, user=user, organisation=organisation)
    if before == level:
        return
    access.store_grant(document, level=level, user=user, organisation=organisation)
    _audit_document(
        "document.granted",
        acting_user=acting_user,
        document=document,
        to_user=user.pk if user is not None else None,
        to_organisation=organisation.pk if organisation is not None else None,
        level=level,
        before=before,
    )


@transaction.atomic
def revoke_grant(
    *, acting_user: Any, document: Document, user: Any = None, organisation: Organisation | None = None
) -> None:
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require(acting_user, Action.SHARE_DOCUMENT, document)
    before = access.grant_level_of(document, user=user, organisation=organisation)
    if before is None:
        raise ServiceError("There is no such grant on this document.")
    access.delete_grant(document, user=user, organisation=organisation)
    _audit_document(
        "document.grant_revoked",
        acting_user=acting_user,
        document=document,
        from_user=user.pk if user is not None else None,
        from_organisation=organisation.pk if organisation is not None else None,
        level=before,
    )


@transaction.atomic
def set_status(*, acting_user: Any, document: Document, status: str) -> Document:
    """Archive, or take back to draft. Publishing has rules of its own (review), and so does what
    happens to an open review: coalition.drafting drives both and calls this for the change itself."""
    document = Document.objects.select_for_update(of=("self",)).get(pk=document.pk)
    action = Action.ARCHIVE_DOCUMENT if status == Document.Status.ARCHIVED else Action.SHARE_DOCUMENT
    _require(acting_user, action, document)
    if status not in (Document.Status.DRAFT, Document.Status.ARCHIVED):
        raise ServiceError(f"“{status}” is not a status you can set here.", code="status")
    if status == document.status:
        raise ServiceError(f"The document is already {document.get_status_display().lower()}.", code="status")
    before = document.status
    document.status = status
    fields = ["status", "updated_at"]
    if status == Document.Status.DRAFT:
        # Back to draft: the audience no longer reads it; the history of what was published stays.
        document.published_revision = None
        fields.append("published_revision")
    document.save(update_fields=fields)
    search_index.access_changed(document)
    if status == Document.Status.DRAFT:
        search_index.index_document(document, changed_by=acting_user)
    _audit_document("document.status_changed", acting_user=acting_user, document=document, before=before, after=status)
    return document


def add_attachment(*, acting_user: Any, document: Document, upload: File, max_bytes: int) -> Attachment:
    """Store the file, then its row and audit event in one transaction. A storage that fails (a
    full disk, a read-only or missing volume) is a clear refusal; whatever fails after the file
    is written, the file is removed again: never a row without its file, nor a file without a row."""
    _require(acting_user, Action.EDIT_DOCUMENT, document)
    name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    if upload.size is None or upload.size > max_bytes:
        raise ServiceError(f"“{name}” is larger than the limit of {max_bytes // (1024 * 1024)} MB.", code="file")
    if upload.size == 0:
        raise ServiceError(f"“{name}” is empty.", code="file")
    content_type = detect_type(upload, name)
    if content_type is None:
        raise ServiceError(
            f"“{name}” is not a PDF, image, office document, text or CSV file (its content was checked, not its name).",
            code="file",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    # A fresh random name: nothing else is ever stored under it, so removing it removes only ours.
    target = f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    try:
        storage_name = default_storage.save(target, upload)
    except OSError as error:
        _discard_file(target)  # the storage may have written part of it before failing
        logger.warning("Attachment for document %s could not be stored: %s", document.pk, error)
        raise ServiceError(
            _(
                "“%(name)s” could not be stored: the portal's file storage is full or unavailable. "
                "Nothing was attached; try again later, and tell your administrator if it persists."
            )
            % {"name": name},
            code="file",
        ) from error
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                document=document,
                original_name=name,
                storage_name=storage_name,
                content_type=content_type,
                size=upload.size,
                sha256=digest.hexdigest(),
                uploaded_by=acting_user,
            )
            _audit_document(
                "attachment.uploaded",
                acting_user=acting_user,
                document=document,
                attachment=attachment.pk,
                size=upload.size,
            )
    except BaseException:
        _discard_file(storage_name)  # no row, no file
        raise
    return attachment


def _discard_file(name: str) -> None:
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError:
        logger.exception("Could not remove the unattached file %s", name)


def record_view(*, user: Any, document: Document) -> None:
    """Remember that a signed-in person opened the document's page (My work's "recently viewed"),
    in one statement: insert, or move the time of the row that is there."""
    if user is None or not user.is_authenticated:
        return
    RecentView.objects.bulk_create(
        [RecentView(user=user, document=document, viewed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "document"],
        update_fields=["viewed_at"],
    )


def record_read(*, user: Any, document: Document, what: str, **data: Any) -> None:
    """Every read of non-public material is on the record (document, revision, diff, download)."""
    if document.audience == Audience.PUBLIC and document.tlp == TLP.CLEAR:
        return
    append(action=f"document.{what}", actor=user, target=document, target_org_id=document.owner_id, data=data)
