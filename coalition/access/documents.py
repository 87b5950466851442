"""Who may do what to library documents.

Reading follows, in order: TLP:RED is readable only through grants to named people; drafts and
documents in review only by the owner organisation, co-drafting organisations and grants; published
(and archived) documents also by their audience: the owner organisation, named organisations and
communities, every active organisation, or anyone. Grants to people or organisations sit in
guardian's direct-foreign-key tables, with view < comment < edit levels.

Listing is one SQL filter that reads grants, co-drafting, audiences and communities itself, from the
person's memberships (which every request has read already); decisions on one document read the
person's communities and grants once per request, in one query. Nothing about a person is cached
across requests (a revoked grant or membership counts from the next request); the only thing kept
per process is the ids of the three grant-level permissions, which change only when migrations
re-create permissions (see level_permission_ids). Measurements: docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler
from guardian.shortcuts import assign_perm, remove_perm

from coalition.access.memberships import MembershipInfo, memberships_of
from coalition.library.models import (
    TLP,
    Audience,
    Document,
    DocumentGroupGrant,
    DocumentUserGrant,
)
from coalition.organisations.models import Community, Organisation, Role

VIEW, COMMENT, EDIT = "view", "comment", "edit"
LEVELS = (VIEW, COMMENT, EDIT)
LEVEL_RANK = {VIEW: 1, COMMENT: 2, EDIT: 3}
LEVEL_PERMISSION = {VIEW: "view_document", COMMENT: "comment_document", EDIT: "change_document"}
PERMISSION_LEVEL = {codename: level for level, codename in LEVEL_PERMISSION.items()}
# The least role an organisation's member needs to use an organisation grant of each level.
LEVEL_ROLE = {VIEW: Role.READER, COMMENT: Role.CONTRIBUTOR, EDIT: Role.EDITOR}
OPEN_STATUSES = (Document.Status.PUBLISHED, Document.Status.ARCHIVED)

# Database alias -> ids of the three grant-level permissions (view, comment and change_document).
_LEVEL_PERMISSION_IDS: dict[str, tuple[int, ...]] = {}


def level_permission_ids(using: str = "default") -> tuple[int, ...]:
    """The ids of the grant-level permissions, read once per process and database.

    The list query names them as literals rather than as a subquery on auth_permission: two
    subqueries fewer to plan on every library page (PostgreSQL planning time 0.57 -> 0.39 ms at 1M
    documents, docs/performance.md). Permission rows are created by migrations (post_migrate) and
    never change otherwise; forget_level_permissions() runs on post_migrate (which a test database
    flush sends too), so a re-created row is read again. Should an id ever be stale all the same,
    grants would count for less, never for more."""
    ids = _LEVEL_PERMISSION_IDS.get(using)
    if ids is None:
        ids = tuple(
            sorted(
                Permission.objects.using(using)
                .filter(
                    content_type__app_label=Document._meta.app_label,
                    content_type__model=Document._meta.model_name,
                    codename__in=LEVEL_PERMISSION.values(),
                )
                .values_list("pk", flat=True)
            )
        )
        if len(ids) != len(LEVEL_PERMISSION):
            return ids or (0,)  # not migrated yet: nothing can be granted; read again next time
        _LEVEL_PERMISSION_IDS[using] = ids
    return ids


def forget_level_permissions(**_: Any) -> None:
    _LEVEL_PERMISSION_IDS.clear()


class Reader:
    """What one request knows about the user for document decisions; built once per request.

    The memberships come first (the MFA middleware has read them before any view runs). The
    communities and grants are read together, in one query, the first time a decision needs them:
    listing does not (visible_documents reads them in its own SQL), so the library page costs no
    query for them.
    """

    def __init__(self, memberships: list[MembershipInfo], user_id: int | None = None) -> None:
        self.memberships = memberships
        self._user_id = user_id
        self._links: tuple[set[int], dict[int, str], dict[int, str]] | None = None if user_id else (set(), {}, {})

    @property
    def community_ids(self) -> set[int]:
        return self._load()[0]

    @property
    def user_grants(self) -> dict[int, str]:
        """Document id -> level granted to the person."""
        return self._load()[1]

    @property
    def org_grants(self) -> dict[int, str]:
        """Document id -> best level usable through their organisations."""
        return self._load()[2]

    def _load(self) -> tuple[set[int], dict[int, str], dict[int, str]]:
        if self._links is None:
            assert self._user_id is not None
            self._links = _links_of(self._user_id, self.memberships)
        return self._links

    @property
    def organisation_ids(self) -> set[int]:
        return {m.organisation_id for m in self.memberships}

    def membership(self, organisation_id: int) -> MembershipInfo | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def grant_level(self, document_id: int, *, tlp: str) -> str | None:
        """The best grant level on a document; for TLP:RED only grants to the person count."""
        levels = [self.user_grants.get(document_id)]
        if tlp != TLP.RED:
            levels.append(self.org_grants.get(document_id))
        present = [level for level in levels if level]
        return max(present, key=LEVEL_RANK.__getitem__) if present else None


_READER_ATTR = "_coalition_document_reader"
_EMPTY = Reader([])


def reader_for(user: Any) -> Reader:
    if user is None or not user.is_authenticated or not user.is_active:
        return _EMPTY
    cached = getattr(user, _READER_ATTR, None)
    if cached is not None:
        return cached
    reader = Reader(memberships_of(user), user.pk)
    setattr(user, _READER_ATTR, reader)
    return reader


def forget(user: Any) -> None:
    if user is not None and hasattr(user, _READER_ATTR):
        delattr(user, _READER_ATTR)


def _links_of(user_id: int, memberships: list[MembershipInfo]) -> tuple[set[int], dict[int, str], dict[int, str]]:
    """The communities of the person's organisations, their own grants and their organisations'
    grants, in one UNION query. Rows: (document id, codename, NULL) for a grant to the person,
    (document id, codename, organisation id) for one to an organisation, (community id, NULL,
    NULL) for a community. SQL text (see _Sql): a person whose organisation holds thousands of
    grants reads thousands of rows here on every document page, and the ORM's per-row work took
    most of the time."""
    role_of = {m.organisation_id: m.role for m in memberships}
    # What an organisation grant of each level gives each member: up to what their role allows.
    usable = {
        (organisation_id, level): next(
            (lv for lv in reversed(LEVELS[: LEVEL_RANK[level]]) if _role_allows(role, lv)), None
        )
        for organisation_id, role in role_of.items()
        for level in LEVELS
    }
    q = _Sql()
    parts = [
        f"SELECT ug.content_object_id, ap.codename, NULL FROM {q.table(DocumentUserGrant)} ug"  # noqa: S608 - see _Sql
        f" INNER JOIN {q.table(Permission)} ap ON ap.id = ug.permission_id WHERE ug.user_id = {q.values(user_id)}"
    ]
    if role_of:
        orgs = sorted(role_of)
        parts += [
            f"SELECT gg.content_object_id, ap.codename, og.id FROM {q.table(DocumentGroupGrant)} gg"  # noqa: S608 - see _Sql
            f" INNER JOIN {q.table(Organisation)} og ON og.grant_group_id = gg.group_id"
            f" INNER JOIN {q.table(Permission)} ap ON ap.id = gg.permission_id WHERE og.id IN ({q.values(*orgs)})",
            f"SELECT cm.community_id, NULL, NULL FROM {q.table(Community.organisations.through)} cm"  # noqa: S608 - see _Sql
            f" WHERE cm.organisation_id IN ({q.values(*orgs)})",
        ]
    with connection.cursor() as cursor:  # one query
        cursor.execute(" UNION ALL ".join(parts), q.params)
        rows = cursor.fetchall()
    community_ids: set[int] = set()
    user_grants: dict[int, str] = {}
    org_grants: dict[int, str] = {}
    for object_id, codename, organisation_id in rows:
        if codename is None:
            community_ids.add(object_id)
            continue
        level = PERMISSION_LEVEL.get(codename)
        if level is None:
            continue
        if organisation_id is None:
            target = user_grants
        else:
            level, target = usable[(organisation_id, level)], org_grants
            if level is None:
                continue
        if LEVEL_RANK[level] > LEVEL_RANK.get(target.get(object_id, ""), 0):
            target[object_id] = level
    return community_ids, user_grants, org_grants


def _role_allows(role: str, level: str) -> bool:
    from coalition.organisations.models import ROLE_RANK

    return ROLE_RANK[role] >= ROLE_RANK[LEVEL_ROLE[level]]


# --- Decisions on one document ---------------------------------------------------------------


def _co_drafter_ids(document: Document) -> set[int]:
    cache = getattr(document, "_co_drafter_ids", None)
    if cache is None:
        cache = set(document.co_drafters.values_list("pk", flat=True))
        document._co_drafter_ids = cache  # type: ignore[attr-defined]
    return cache


def _audience_reaches(reader: Reader, document: Document) -> bool:
    if document.audience == Audience.PUBLIC:
        return True
    if document.audience == Audience.COALITION:
        return bool(reader.memberships)
    if document.audience == Audience.NAMED:
        orgs = reader.organisation_ids
        if not orgs:
            return False
        # can(), explain() and the page's other checks all ask this: query once per document and
        # set of organisations (the answer depends on nothing else).
        answers = document.__dict__.setdefault("_named_audience_reaches", {})
        key = frozenset(orgs)
        if key not in answers:
            answers[key] = (
                Document.audience_organisations.through.objects.filter(
                    document_id=document.pk, organisation_id__in=orgs
                ).exists()
                or Document.audience_communities.through.objects.filter(
                    document_id=document.pk, community_id__in=reader.community_ids
                ).exists()
            )
        return answers[key]
    return False


def can_view(user: Any, document: Document) -> bool:
    reader = reader_for(user)
    if document.tlp == TLP.RED:
        return document.pk in reader.user_grants
    if document.owner_id in reader.organisation_ids:
        return True
    if reader.grant_level(document.pk, tlp=document.tlp):
        return True
    if reader.organisation_ids & _co_drafter_ids(document):
        return True
    if document.status not in OPEN_STATUSES:
        return False
    return _audience_reaches(reader, document)


def _owner_editor(reader: Reader, document: Document) -> bool:
    membership = reader.membership(document.owner_id)
    return membership is not None and membership.at_least(Role.EDITOR)


def can_edit(user: Any, document: Document) -> bool:
    if document.status == Document.Status.ARCHIVED or not can_view(user, document):
        return False
    reader = reader_for(user)
    if document.tlp == TLP.RED:
        # TLP:RED: only what the person was granted by name, whatever their role.
        return reader.user_grants.get(document.pk) == EDIT
    if _owner_editor(reader, document):
        return True
    if reader.grant_level(document.pk, tlp=document.tlp) == EDIT:
        return True
    # Co-drafting organisations' editors work on drafts (and texts in review), not on what is out.
    if document.status in OPEN_STATUSES:
        return False
    return any(m.organisation_id in _co_drafter_ids(document) and m.at_least(Role.EDITOR) for m in reader.memberships)


def can_manage(user: Any, document: Document) -> bool:
    """Share, relabel, archive: only the owner organisation's editors, never recipients (TLP:AMBER
    and AMBER+STRICT material may not be re-shared by those it was shared with)."""
    reader = reader_for(user)
    if document.tlp == TLP.RED and reader.user_grants.get(document.pk) != EDIT:
        return False
    return can_view(user, document) and _owner_editor(reader, document)


def can_create_in(user: Any, organisation: Organisation) -> bool:
    membership = reader_for(user).membership(organisation.pk)
    return membership is not None and membership.at_least(Role.EDITOR)


def creatable_in(user: Any) -> list[MembershipInfo]:
    """The user's memberships in organisations they may create documents for."""
    return [m for m in reader_for(user).memberships if m.at_least(Role.EDITOR)]


# --- Listing -----------------------------------------------------------------------------------
#
# The reading rules above, as SQL. Written as SQL text rather than Q objects with Subquery and
# OuterRef: at 1M documents the database answers a page in under a millisecond, and building and
# compiling the same rules through the ORM (six subqueries) took longer than that on every request
# (docs/performance.md). Every value is a query parameter; table names come from the models.


class _Sql:
    """Collects SQL text and its parameters in the order the text is written. Table names come
    from the models and every value is a parameter, so nothing outside this module reaches the text."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def values(self, *items: Any) -> str:
        self.params.extend(items)
        return ", ".join(["%s"] * len(items))

    @staticmethod
    def table(model: Any) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def granted_to_person(self, user_id: int) -> str:
        """Ids of documents granted to the person by name (any label: the only way to TLP:RED)."""
        return (
            f"SELECT ug.content_object_id FROM {self.table(DocumentUserGrant)} ug"  # noqa: S608 - see _Sql
            f" WHERE ug.user_id = {self.values(user_id)} AND ug.permission_id IN ({self._levels()})"
        )

    def linked_to_organisations(self, organisation_ids: list[int], grant_group_ids: list[int]) -> str:
        """Ids of documents the organisations co-draft or were granted (off TLP:RED only)."""
        sql = (
            f"SELECT cd.document_id FROM {self.table(Document.co_drafters.through)} cd"  # noqa: S608 - see _Sql
            f" WHERE cd.organisation_id IN ({self.values(*organisation_ids)})"
        )
        if grant_group_ids:  # an organisation never granted anything has no group yet
            sql += (
                f" UNION ALL SELECT gg.content_object_id FROM {self.table(DocumentGroupGrant)} gg"  # noqa: S608
                f" WHERE gg.group_id IN ({self.values(*grant_group_ids)}) AND gg.permission_id IN ({self._levels()})"
            )
        return sql

    def _levels(self) -> str:
        # Only the three levels count; a grant of any other permission reads as no grant.
        return self.values(*level_permission_ids(connection.alias))


class _Readable(Expression):
    """visible_documents' predicate. The document's own columns are compiled by Django (they are
    the source expressions), so it stays right when the queryset is relabelled, e.g. used as a
    subquery.

    - Grants to the person, and off TLP:RED the owner organisation, co-drafting organisations and
      grants to an organisation: `id IN (subquery)`. These sets are small (a few thousand ids at
      most); each is read once per query (hashed by PostgreSQL, a temporary index in SQLite), with
      no id list fetched beforehand.
    - Named audiences: a correlated probe, `id = (SELECT ... WHERE document_id = id ... LIMIT 1)`,
      one index lookup per row the scan reaches. As `id IN (subquery)` it would build, on every
      request, the set of every document shared with the person's communities (17,000 ids for a
      typical reader at 1M documents), and PostgreSQL turns EXISTS back into that same hash.
    """

    conditional = True
    COLUMNS = ("pk", "tlp", "status", "audience", "owner_id")

    def __init__(
        self,
        user_id: int,
        organisation_ids: list[int],
        grant_group_ids: list[int],
        columns: list[Any] | None = None,
    ) -> None:
        super().__init__(output_field=BooleanField())
        self.user_id = user_id
        self.organisation_ids = sorted(organisation_ids)
        self.grant_group_ids = sorted(grant_group_ids)
        self.columns: list[Any] = columns if columns is not None else [F(name) for name in self.COLUMNS]

    def get_source_expressions(self) -> list[Any]:
        return list(self.columns)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.columns = list(exprs)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        compiled = [compiler.compile(expression) for expression in self.columns]
        assert not any(params for _, params in compiled), "document columns compile without parameters"
        pk, tlp, status, audience, owner = (sql for sql, _ in compiled)
        q = _Sql()
        person = f"{pk} IN ({q.granted_to_person(self.user_id)})"
        if not self.organisation_ids:
            sql = (
                f"({person} OR ({tlp} <> {q.values(TLP.RED)} AND {status} IN ({q.values(*OPEN_STATUSES)})"
                f" AND {audience} = {q.values(Audience.PUBLIC)}))"
            )
            return sql, tuple(q.params)
        orgs = self.organisation_ids
        sql = (
            f"({person} OR ({tlp} <> {q.values(TLP.RED)} AND ("  # noqa: S608 - see _Sql
            f"({status} IN ({q.values(*OPEN_STATUSES)}) AND ("
            f"{audience} IN ({q.values(Audience.PUBLIC, Audience.COALITION)})"
            f" OR ({audience} = {q.values(Audience.NAMED)} AND ("
            f"{pk} = (SELECT ao.document_id FROM {q.table(Document.audience_organisations.through)} ao"
            f" WHERE ao.document_id = {pk} AND ao.organisation_id IN ({q.values(*orgs)}) LIMIT 1)"
            f" OR {pk} = (SELECT ac.document_id FROM {q.table(Document.audience_communities.through)} ac"
            f" WHERE ac.document_id = {pk} AND ac.community_id IN (SELECT cm.community_id"
            f" FROM {q.table(Community.organisations.through)} cm WHERE cm.organisation_id IN ({q.values(*orgs)}))"
            f" LIMIT 1)))))"
            f" OR {owner} IN ({q.values(*orgs)})"
            f" OR {pk} IN ({q.linked_to_organisations(orgs, self.grant_group_ids)}))))"
        )
        return sql, tuple(q.params)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        # Without a boolean type, Django compares a filter expression with true ("... = 1"), and
        # SQLite computes such an expression as a value, every OR and AND branch of it for every
        # row (each probe and subquery lookup); a CASE condition short-circuits as a WHERE does.
        sql, params = self.as_sql(compiler, connection)
        return f"CASE WHEN {sql} THEN 1 ELSE 0 END", params


def _is_visitor(user: Any) -> bool:
    return user is None or not user.is_authenticated or not user.is_active


def public_condition(path: str = "") -> Q:
    """The documents everyone reads, a visitor too: out (published or archived), for the public,
    and not TLP:RED (a public document is CLEAR by a check constraint: this is a second lock).
    `path`: the foreign key from other rows to their document ("" for documents themselves)."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}audience": Audience.PUBLIC, f"{prefix}status__in": OPEN_STATUSES}) & ~Q(
        **{f"{prefix}tlp": TLP.RED}
    )


def is_public(document: Document) -> bool:
    """public_condition() for one document, on its columns as loaded."""
    return document.audience == Audience.PUBLIC and document.status in OPEN_STATUSES and document.tlp != TLP.RED


def audience_is_public_only(user: Any) -> bool:
    """Whether the public is the only audience this person belongs to: a visitor, or an account in
    no organisation. Such a person reads the public documents (public_condition) and, an account,
    those granted to them by name (granted_to_person_condition): nothing else."""
    return _is_visitor(user) or not reader_for(user).memberships


def granted_to_person_condition(user: Any, path: str = "") -> Q | None:
    """Documents granted to this person by name (any label), as a filter; None for a visitor, who
    holds no grants. `path` as for public_condition()."""
    if _is_visitor(user):
        return None
    prefix = f"{path}__" if path else ""
    q = _Sql()
    return Q(**{f"{prefix}pk__in": RawSQL(q.granted_to_person(user.pk), q.params)})  # noqa: S611 - see _Sql


def visible_documents(user: Any, queryset: models.QuerySet[Document]) -> models.QuerySet[Document]:
    """The documents of `queryset` the user may read, as one filter (no per-row Python).

    Needs only the person's memberships, which every request has read already (the MFA check);
    communities, grants and audiences are looked up by the list query itself."""
    if _is_visitor(user):
        return queryset.filter(public_condition())
    memberships = reader_for(user).memberships
    organisation_ids = [m.organisation_id for m in memberships]
    grant_group_ids = [m.grant_group_id for m in memberships if m.grant_group_id is not None]
    return queryset.filter(_Readable(user.pk, organisation_ids, grant_group_ids))


def visible_documents_at(user: Any, queryset: models.QuerySet[Any], path: str) -> models.QuerySet[Any]:
    """visible_documents() for rows of another model that reach their document through the foreign
    key `path` (a search entry's "document"): the same predicate, on the joined document's columns,
    in the same statement."""
    if _is_visitor(user):
        return queryset.filter(public_condition(path))
    memberships = reader_for(user).memberships
    organisation_ids = [m.organisation_id for m in memberships]
    grant_group_ids = [m.grant_group_id for m in memberships if m.grant_group_id is not None]
    columns: list[Any] = [F(f"{path}__{name}") for name in _Readable.COLUMNS]
    return queryset.filter(_Readable(user.pk, organisation_ids, grant_group_ids, columns=columns))


def working_copy_condition(user: Any, path: str = "") -> Q:
    """sees_working_copy() (coalition/access/drafting.py) as a filter, for rows that reach their
    document through `path` ("" for documents themselves): a grant to the person by name, or off
    TLP:RED the owner organisation, a co-drafting organisation or a grant to an organisation."""
    prefix = f"{path}__" if path else ""
    condition = granted_to_person_condition(user, path)
    if condition is None:
        return Q(**{f"{prefix}pk__in": []})
    memberships = reader_for(user).memberships
    organisation_ids = sorted(m.organisation_id for m in memberships)
    if organisation_ids:
        q = _Sql()
        grant_group_ids = sorted(m.grant_group_id for m in memberships if m.grant_group_id is not None)
        linked = RawSQL(q.linked_to_organisations(organisation_ids, grant_group_ids), q.params)  # noqa: S611
        condition |= ~Q(**{f"{prefix}tlp": TLP.RED}) & (
            Q(**{f"{prefix}owner_id__in": organisation_ids}) | Q(**{f"{prefix}pk__in": linked})
        )
    return condition


def first_visible_documents(
    user: Any, queryset: models.QuerySet[Document], *, rows: int, tlp: str = "", status: str = ""
) -> models.QuerySet[Document]:
    """For a list: the first `rows` documents of the ordered `queryset` that the user may read are
    the first `rows` of what this returns (in the same order), exactly as with visible_documents().
    `tlp` and `status` are the label and status the queryset is filtered to, if any; rows beyond
    the first `rows` are not for reading.

    Some filters leave no audience route: drafts and texts in review (audiences see only what is
    out), TLP:RED (grants by name only), and for someone without an organisation any label but
    CLEAR (a public document is CLEAR, by a check constraint). visible_documents() would then walk
    the whole table in the list's order to find the few rows the person reaches (a quarter to half
    a second at 1M documents). Here the rows come from the routes that remain: grants to the
    person, the owner organisation's documents, and co-drafted or organisation-granted ones, each
    cut to its own first `rows` in the list's order (a row among the first `rows` overall is among
    the first `rows` of its route). Every route is a subset of visible_documents(), so a wrong
    hint can only hide rows, never show one."""
    if not queryset.ordered:
        raise ValueError("first_visible_documents() needs an ordered queryset")
    if user is None or not user.is_authenticated or not user.is_active:
        if (status and status not in OPEN_STATUSES) or (tlp and tlp != TLP.CLEAR):
            # Visitors read public documents only, which are out and TLP:CLEAR: nothing to walk for.
            return queryset.none()
        return visible_documents(user, queryset)
    memberships = reader_for(user).memberships
    organisation_ids = sorted(m.organisation_id for m in memberships)
    audience_reachable = (
        (not status or status in OPEN_STATUSES)
        and tlp != TLP.RED
        and (bool(organisation_ids) or not tlp or tlp == TLP.CLEAR)
    )
    if audience_reachable:
        return visible_documents(user, queryset)
    q = _Sql()
    routes = [queryset.filter(pk__in=RawSQL(q.granted_to_person(user.pk), q.params))]  # noqa: S611 - see _Sql
    if organisation_ids and tlp != TLP.RED:
        q = _Sql()
        grant_group_ids = sorted(m.grant_group_id for m in memberships if m.grant_group_id is not None)
        linked = RawSQL(q.linked_to_organisations(organisation_ids, grant_group_ids), q.params)  # noqa: S611
        not_red = queryset.exclude(tlp=TLP.RED)
        routes += [not_red.filter(owner_id__in=organisation_ids), not_red.filter(pk__in=linked)]
    # Each route's first rows, as `id IN (SELECT ... ORDER BY ... LIMIT n)`: both databases take a
    # limit there (SQLite takes none on the members of a UNION itself).
    firsts = [Document.objects.filter(pk__in=route.values("pk")[:rows]).values("pk") for route in routes]
    ids = firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0]
    return queryset.filter(pk__in=ids)


# --- Explanations ------------------------------------------------------------------------------


def explain_document(user: Any, document: Document) -> list[str]:
    """Why this user can (or cannot) read the document, in words."""
    reader = reader_for(user)
    reasons: list[str] = []
    if document.tlp == TLP.RED:
        level = reader.user_grants.get(document.pk)
        if level:
            return [f"TLP:RED: granted to you by name ({level})."]
        return ["TLP:RED: readable only by the people it is granted to by name, and you are not one of them."]
    owner = reader.membership(document.owner_id)
    if owner is not None:
        reasons.append(f"{owner.role_label} at {owner.organisation_name}, the owner organisation.")
    for m in reader.memberships:
        if m.organisation_id in _co_drafter_ids(document):
            reasons.append(f"{m.role_label} at {m.organisation_name}, which co-drafts this document.")
    if document.pk in reader.user_grants:
        reasons.append(f"Granted to you by name ({reader.user_grants[document.pk]}).")
    if document.pk in reader.org_grants:
        reasons.append(f"Granted to one of your organisations ({reader.org_grants[document.pk]}).")
    if document.status in OPEN_STATUSES and _audience_reaches(reader, document):
        reasons.append(_audience_reason(reader, document))
    if not reasons:
        if document.status not in OPEN_STATUSES:
            return [f"{document.get_status_display()}: only the owner organisation, co-drafters and grants see it."]
        return ["It is not shared with any organisation you belong to."]
    return reasons


def _audience_reason(reader: Reader, document: Document) -> str:
    if document.audience == Audience.PUBLIC:
        return "Published for everyone (TLP:CLEAR)."
    if document.audience == Audience.COALITION:
        first = reader.memberships[0]
        return f"Shared with the whole coalition; you are {first.role_label.lower()} at {first.organisation_name}."
    names = list(document.audience_organisations.filter(pk__in=reader.organisation_ids).values_list("name", flat=True))
    communities = list(document.audience_communities.filter(pk__in=reader.community_ids).values_list("name", flat=True))
    parts = [f"shared with {name}" for name in names] + [f"shared with the {name}" for name in communities]
    text = "; ".join(parts)
    # Upper-case the first letter only: str.capitalize() would lower-case the organisations' names.
    return f"{text[:1].upper()}{text[1:]}, which includes your organisation."


@dataclass(frozen=True)
class AudienceSummary:
    """Who can see a document, for its owners. The owner organisation, co-drafters and grants see it
    now; the audience (`everyone`, `every_organisation`, `organisations`, `communities`) only once it
    is out (`published`: published or archived). On TLP:RED only the people granted by name."""

    published: bool
    red: bool
    owner: Organisation | None  # None on TLP:RED: its staff read it only through grants by name
    everyone: bool
    every_organisation: bool
    organisations: list[Organisation]
    communities: list[Community]
    co_drafters: list[Organisation]
    people: list[tuple[Any, str]]
    organisation_grants: list[tuple[Organisation, str]]

    @property
    def waiting_organisations(self) -> list[Organisation]:
        """Named organisations of the audience that do not already see it as owner, co-drafter or
        through a grant."""
        now = {o.pk for o in self.co_drafters} | {o.pk for o, _ in self.organisation_grants}
        if self.owner is not None:
            now.add(self.owner.pk)
        return [o for o in self.organisations if o.pk not in now]

    @property
    def audience_waits(self) -> bool:
        """An audience that will read it once published, and does not yet."""
        return not self.published and (
            self.everyone or self.every_organisation or bool(self.waiting_organisations or self.communities)
        )


def audience_of(document: Document) -> AudienceSummary:
    """Who can see the document, for its owners."""
    red = document.tlp == TLP.RED
    people = [
        (grant.user, PERMISSION_LEVEL[grant.permission.codename])
        for grant in DocumentUserGrant.objects.filter(content_object=document).select_related("user", "permission")
    ]
    organisation_grants = [
        (grant.group.organisation, PERMISSION_LEVEL[grant.permission.codename])
        for grant in DocumentGroupGrant.objects.filter(content_object=document).select_related(
            "group__organisation", "permission"
        )
    ]
    named = document.audience == Audience.NAMED and not red
    return AudienceSummary(
        published=document.status in OPEN_STATUSES,
        red=red,
        owner=None if red else document.owner,
        everyone=document.audience == Audience.PUBLIC and not red,
        every_organisation=document.audience == Audience.COALITION and not red,
        organisations=list(document.audience_organisations.all()) if named else [],
        communities=list(document.audience_communities.prefetch_related("organisations")) if named else [],
        co_drafters=[] if red else list(document.co_drafters.all()),
        people=people,
        organisation_grants=[] if red else organisation_grants,
    )


def sees_now(summary: AudienceSummary, user: Any) -> bool:
    """Whether `user` is among those the summary says can see the document now: the summary read
    as a person would read the page. Tests hold it equal to can_view for every person and document,
    so the page never tells owners something the access rules do not do."""
    if any(person.pk == getattr(user, "pk", None) and person.is_active for person, _ in summary.people):
        return getattr(user, "is_active", False)
    if summary.red:
        return False
    if summary.published and summary.everyone:
        return True
    organisations = {m.organisation_id for m in memberships_of(user)}
    if not organisations:
        return False
    reached = {o.pk for o in summary.co_drafters} | {o.pk for o, _ in summary.organisation_grants}
    if summary.owner is not None:
        reached.add(summary.owner.pk)
    if summary.published:
        if summary.every_organisation:
            return True
        reached |= {o.pk for o in summary.organisations}
        reached |= {o.pk for c in summary.communities for o in c.organisations.all()}
    return bool(organisations & reached)


# --- Grant storage (guardian) ------------------------------------------------------------------


def grant_group_of(organisation: Organisation) -> Group:
    if organisation.grant_group_id is None:
        group, _ = Group.objects.get_or_create(name=f"coalition-organisation-{organisation.pk}")
        organisation.grant_group = group
        organisation.save(update_fields=["grant_group"])
    assert organisation.grant_group is not None
    return organisation.grant_group


def store_grant(document: Document, *, level: str, user: Any = None, organisation: Organisation | None = None) -> None:
    """Replace any grant the person or organisation has on the document with one of `level`."""
    subject = user if user is not None else grant_group_of(organisation)  # type: ignore[arg-type]
    delete_grant(document, user=user, organisation=organisation)
    assign_perm(LEVEL_PERMISSION[level], subject, document)


def delete_grant(document: Document, *, user: Any = None, organisation: Organisation | None = None) -> None:
    subject = user if user is not None else grant_group_of(organisation)  # type: ignore[arg-type]
    for codename in LEVEL_PERMISSION.values():
        remove_perm(codename, subject, document)


def grant_level_of(document: Document, *, user: Any = None, organisation: Organisation | None = None) -> str | None:
    codenames: Any
    if user is not None:
        codenames = DocumentUserGrant.objects.filter(content_object=document, user=user).values_list(
            "permission__codename", flat=True
        )
    else:
        assert organisation is not None
        if organisation.grant_group_id is None:
            return None
        codenames = DocumentGroupGrant.objects.filter(
            content_object=document, group_id=organisation.grant_group_id
        ).values_list("permission__codename", flat=True)
    levels = [PERMISSION_LEVEL[c] for c in codenames if c in PERMISSION_LEVEL]
    return max(levels, key=LEVEL_RANK.__getitem__) if levels else None


# --- Editing, as SQL ---------------------------------------------------------------------------
#
# can_edit() and can_decide_proposal() (drafting.py) as filters, for the lists of My work: the
# documents a person may edit, and those whose proposals they decide. Built from the person's
# memberships (read once per request) and grant tables, like the reading rules above.


def _edit_grant_sql(q: _Sql, *, user_id: int | None = None, grant_group_ids: list[int] | None = None) -> str:
    """Ids of documents granted at the edit level to the person, or to the organisations whose
    grant groups are named (the caller names only the groups of organisations where the person
    is an editor, since an organisation's edit grant serves editors and admins only). The text is
    written in order, so that the parameters are collected in the order they appear."""
    if user_id is not None:
        sql = (
            f"SELECT ug.content_object_id FROM {q.table(DocumentUserGrant)} ug"  # noqa: S608 - see _Sql
            f" WHERE ug.user_id = {q.values(user_id)} AND ug.permission_id IN ("
        )
    else:
        assert grant_group_ids
        sql = (
            f"SELECT gg.content_object_id FROM {q.table(DocumentGroupGrant)} gg"  # noqa: S608 - see _Sql
            f" WHERE gg.group_id IN ({q.values(*grant_group_ids)}) AND gg.permission_id IN ("
        )
    sql += f"SELECT ap.id FROM {q.table(Permission)} ap WHERE ap.codename = {q.values(LEVEL_PERMISSION[EDIT])}"  # noqa: S608
    return sql + f" AND ap.id IN ({q._levels()}))"


def _editor_memberships(user: Any) -> list[MembershipInfo]:
    return [m for m in reader_for(user).memberships if m.at_least(Role.EDITOR)]


def editable_condition(user: Any, path: str = "") -> Q:
    """can_edit() as a filter on documents (or on rows reaching them through `path`)."""
    prefix = f"{path}__" if path else ""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(**{f"{prefix}pk__in": []})
    q = _Sql()
    condition = Q(**{f"{prefix}pk__in": RawSQL(_edit_grant_sql(q, user_id=user.pk), q.params)})  # noqa: S611
    editors = _editor_memberships(user)
    if editors:
        organisation_ids = sorted(m.organisation_id for m in editors)
        groups = sorted(m.grant_group_id for m in editors if m.grant_group_id is not None)
        off_red = Q(**{f"{prefix}owner_id__in": organisation_ids})
        if groups:
            q = _Sql()
            off_red |= Q(**{f"{prefix}pk__in": RawSQL(_edit_grant_sql(q, grant_group_ids=groups), q.params)})  # noqa: S611
        # Co-drafting organisations' editors work on drafts and texts in review, not on what is out.
        co_drafted = Document.co_drafters.through.objects.filter(organisation_id__in=organisation_ids)
        off_red |= ~Q(**{f"{prefix}status__in": OPEN_STATUSES}) & Q(
            **{f"{prefix}pk__in": co_drafted.values("document_id")}
        )
        condition |= ~Q(**{f"{prefix}tlp": TLP.RED}) & off_red
    return ~Q(**{f"{prefix}status": Document.Status.ARCHIVED}) & condition


def proposal_deciding_condition(user: Any, path: str = "") -> Q:
    """can_decide_proposal() (drafting.py) as a filter: the owner organisation's editors, with an
    edit grant by name on TLP:RED, never once archived."""
    prefix = f"{path}__" if path else ""
    editors = _editor_memberships(user) if user is not None and user.is_authenticated and user.is_active else []
    if not editors:
        return Q(**{f"{prefix}pk__in": []})
    q = _Sql()
    named_edit = Q(**{f"{prefix}pk__in": RawSQL(_edit_grant_sql(q, user_id=user.pk), q.params)})  # noqa: S611
    return (
        ~Q(**{f"{prefix}status": Document.Status.ARCHIVED})
        & Q(**{f"{prefix}owner_id__in": sorted(m.organisation_id for m in editors)})
        & (~Q(**{f"{prefix}tlp": TLP.RED}) | named_edit)
    )
