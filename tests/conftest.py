"""Shared fixtures: named organisations and people, and clients signed in as them.

People: at Acme (a member company) an admin, an editor, a contributor, a reader and a signatory;
Globex's admin (another organisation); the secretariat's admin and staff; an outsider with an
account but no organisation; and anonymous visitors (the plain `client`). The reporting cast
(principles, mileposts, self-assessments) is set up by `reporting_cast`.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from pytest_django.fixtures import _get_databases_for_setup
from pytest_django.plugin import blocking_manager_key

from coalition.access.documents import level_permission_ids
from coalition.accounts.models import User
from coalition.audit import guards
from coalition.audit.models import ChainHead, TreeHead
from coalition.organisations.models import Community, Membership, Organisation, Role
from coalition.search import index as search_index
from coalition.search.models import Entry

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs tasks in-process (TASKS_BACKEND=immediate), whatever the environment says:
    an email queued by a request is in `mail.outbox` once its transaction commits. Settings are
    loaded before this hook, so the choice is applied as a settings override rather than through
    the variable. Tests of the worker switch to DATABASE_TASKS themselves."""
    override_settings(TASKS=IMMEDIATE_TASKS).enable()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Full-strength PBKDF2 costs ~0.3 s per login; tests only need a working hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tip receipts' Argon2id (64 MiB per hash in production): the same code path, cheaper.
    settings.TIP_RECEIPT_ARGON2_TIME_COST = 1
    settings.TIP_RECEIPT_ARGON2_MEMORY_KIB = 1024


@pytest.fixture(scope="session", autouse=True)
def _own_cache_per_worker() -> Iterator[None]:
    """With Redis, `cache.clear()` empties the whole Redis database: give each xdist worker its
    own (10, 11, ...) so one worker's clean slate does not wipe another's sessions or used codes."""
    default = settings.CACHES["default"]
    if not default["BACKEND"].endswith("RedisCache"):
        yield
        return
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    location = re.sub(r"/\d+$", "", default["LOCATION"].rstrip("/")) + f"/{10 + worker}"
    with override_settings(CACHES={"default": {**default, "LOCATION": location}}):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # allauth keeps rate limits and used TOTP codes in the cache: no test inherits another's.
    cache.clear()


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return (
        bool(marker and marker.kwargs.get("transaction")) or "live_server" in fixtures or "transactional_db" in fixtures
    )


def _restore_migrated_state() -> None:
    """What migration 0002 of the audit app leaves in the database and a flush takes away: the
    append-only triggers and the chain's head row (every `record()` locks it). A flush also
    re-creates the permission rows, so the grant-level permission ids are read again here rather
    than by whichever request lists documents next (a query-count test would count it)."""
    guards.install(connection)
    ChainHead.objects.get_or_create(id=1)
    TreeHead.objects.get_or_create(id=1)
    level_permission_ids()
    # The frameworks, the crosswalk and the questionnaire the migrations seed, when a flush took them.
    for model, modules in MIGRATION_SEEDS:
        if not django_apps.get_model(model).objects.exists():
            for module in modules:
                import_module(module).seed(django_apps, None)


MIGRATION_SEEDS = (
    ("principles.Framework", ("coalition.principles.migrations.0002_seed_voluntary_principles_and_safety_by_design",)),
    (
        "assessments.Crosswalk",
        (
            "coalition.assessments.migrations.0002_seed_crosswalk_and_questionnaire",
            "coalition.assessments.migrations.0003_questionnaire_versions",
        ),
    ),
    # The seeded principles in the search index (after the frameworks above).
    ("search.PrincipleEntry", ("coalition.search.migrations.0004_reporting_entries",)),
)


@pytest.fixture(scope="session", autouse=True)
def _level_permission_ids_read(request: pytest.FixtureRequest, django_db_setup: Any, django_db_blocker: Any) -> None:
    """The grant-level permission ids are read once per process in production: read them before
    any test, so that no query-count test counts that one-time read. pytest-django creates a test
    database only when a selected test needs one: with none (say, only tests/core), nothing to read."""
    aliases, _ = _get_databases_for_setup(request.session.items)
    if not aliases:
        return
    with django_db_blocker.unblock():
        level_permission_ids()


@pytest.fixture(autouse=True)
def _audit_state_for_transactional_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests (the browser tests, the concurrency test) run on a database as the
    migrations leave it; afterwards the triggers go, so that pytest-django's flush can empty the
    tables (the triggers would refuse that, as they refuse any DELETE)."""
    if not _is_transactional(request.node):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so torn down (flushed) last
    _restore_migrated_state()
    yield
    guards.remove(connection)


@pytest.fixture(autouse=True)
def _search_hint_in_step(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that uses the database, no search entry's public hint (Entry.public) differs
    from its document: whatever a test did through the services (share, relabel, publish, archive,
    back to draft), they kept it in step. A test that makes a hint stale on purpose says so with
    @pytest.mark.stale_search_hint."""
    node = request.node
    uses_db = node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or node.get_closest_marker("stale_search_hint"):
        yield
        return
    request.getfixturevalue("transactional_db" if _is_transactional(node) else "db")  # torn down after this
    yield
    stale = list(search_index.out_of_step(Entry.objects.all()).values_list("document_id", "kind", "public")[:5])
    assert not stale, f"search entries whose public hint is out of step with their document: {stale}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's flush, restore the audit app's migrated state for the tests
    that follow. Not after the last test: the test database is gone by then. The connection
    opened here is closed again, or PostgreSQL could not drop the test database at the end."""
    try:
        return (yield)
    finally:
        if nextitem is not None and _is_transactional(item):
            with item.config.stash[blocking_manager_key].unblock():
                _restore_migrated_state()
                connection.close()


@pytest.fixture
def make_org(db: Any) -> Callable[..., Organisation]:
    def make(name: str | None = None, *, kind: str = Organisation.Kind.MEMBER, **extra: Any) -> Organisation:
        n = next(_counter)
        name = name or f"Organisation {n}"
        slug = extra.pop("slug", None) or name.lower().replace(" ", "-")[:60]
        return Organisation.objects.create(name=name, slug=slug, kind=kind, country=extra.pop("country", "GB"), **extra)

    return make


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(email: str | None = None, *, name: str = "", password: str = PASSWORD, verified: bool = True) -> User:
        email = email or f"person{next(_counter)}@example.org"
        user = User.objects.create_user(email, password, name=name or email.split("@")[0].title())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
        return user

    return make


@pytest.fixture
def make_member(make_user: Callable[..., User]) -> Callable[..., User]:
    def make(organisation: Organisation, role: str = Role.READER, *, signatory: bool = False, **user_kw: Any) -> User:
        user = make_user(**user_kw)
        Membership.objects.create(user=user, organisation=organisation, role=role, signatory=signatory)
        return user

    return make


def enrol_totp(user: User) -> str:
    """Give `user` an authenticator app; returns its secret so a test can compute codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


@pytest.fixture
def acme(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Acme", slug="acme")


@pytest.fixture
def globex(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Globex", slug="globex")


@pytest.fixture
def secretariat(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)


@pytest.fixture
def acme_admin(make_member: Callable[..., User], acme: Organisation) -> User:
    user = make_member(acme, Role.ADMIN, email="admin@acme.example", name="Ada Admin")
    enrol_totp(user)
    return user


@pytest.fixture
def acme_editor(make_member: Callable[..., User], acme: Organisation) -> User:
    return make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")


@pytest.fixture
def acme_contributor(make_member: Callable[..., User], acme: Organisation) -> User:
    return make_member(acme, Role.CONTRIBUTOR, email="contributor@acme.example", name="Cora Contributor")


@pytest.fixture
def acme_reader(make_member: Callable[..., User], acme: Organisation) -> User:
    return make_member(acme, Role.READER, email="reader@acme.example", name="Rea Reader")


@pytest.fixture
def acme_signatory(make_member: Callable[..., User], acme: Organisation) -> User:
    user = make_member(acme, Role.EDITOR, signatory=True, email="signatory@acme.example", name="Sig Natory")
    enrol_totp(user)
    return user


@pytest.fixture
def globex_admin(make_member: Callable[..., User], globex: Organisation) -> User:
    user = make_member(globex, Role.ADMIN, email="admin@globex.example", name="Gus Globex")
    enrol_totp(user)
    return user


@pytest.fixture
def secretariat_admin(make_member: Callable[..., User], secretariat: Organisation) -> User:
    user = make_member(secretariat, Role.ADMIN, email="admin@secretariat.example", name="Sam Secretariat")
    enrol_totp(user)
    return user


@pytest.fixture
def secretariat_staff(make_member: Callable[..., User], secretariat: Organisation) -> User:
    user = make_member(secretariat, Role.EDITOR, email="staff@secretariat.example", name="Stef Staff")
    enrol_totp(user)
    return user


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("outsider@example.org", name="Otto Outsider")


@pytest.fixture
def community(acme: Organisation, globex: Organisation) -> Community:
    community = Community.objects.create(name="Research group", slug="research")
    community.organisations.set([acme, globex])
    return community


@pytest.fixture
def client_for(db: Any) -> Callable[[User | None], Client]:
    """A fresh client signed in as `user` (None: anonymous). Each has its own session."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


# --- The reporting cast (tests/principles, tests/assessments, tests/access) ----------------------


def cycle() -> int:
    """The current reporting cycle."""
    return timezone.localdate().year


@dataclass
class Cast:
    """Acme reports (its admin, editor, contributor, reader); Globex is named in audiences, Umbrella
    is in a named community, Initech is another member nothing is shared with; the secretariat's
    staff; an outsider; an anonymous visitor (None). `people` names them by their relationship."""

    acme: Organisation
    globex: Organisation
    umbrella: Organisation
    initech: Organisation
    secretariat: Organisation
    community: Community
    people: dict[str, User | None]


@pytest.fixture
def reporting_cast(make_org: Callable[..., Organisation], make_member: Callable[..., User], outsider: User) -> Cast:
    acme = make_org("Acme", slug="acme")
    globex = make_org("Globex", slug="globex")
    umbrella = make_org("Umbrella", slug="umbrella", kind=Organisation.Kind.PARTNER)
    initech = make_org("Initech", slug="initech")
    secretariat = make_org("Coalition Secretariat", slug="secretariat", kind=Organisation.Kind.SECRETARIAT)
    community = Community.objects.create(name="Research group", slug="research")
    community.organisations.set([umbrella])
    people: dict[str, User | None] = {
        "admin": make_member(acme, Role.ADMIN, email="admin@acme.example"),
        "editor": make_member(acme, Role.EDITOR, email="editor@acme.example"),
        "contributor": make_member(acme, Role.CONTRIBUTOR, email="contributor@acme.example"),
        "reader": make_member(acme, Role.READER, email="reader@acme.example"),
        "named_org": make_member(globex, Role.ADMIN, email="admin@globex.example"),
        "community_org": make_member(umbrella, Role.EDITOR, email="editor@umbrella.example"),
        "other_org": make_member(initech, Role.ADMIN, email="admin@initech.example"),
        "secretariat": make_member(secretariat, Role.EDITOR, email="staff@secretariat.example"),
        "outsider": outsider,
        "anonymous": None,
    }
    for key in ("admin", "named_org", "other_org", "secretariat"):
        enrol_totp(people[key])  # type: ignore[arg-type]
    return Cast(acme, globex, umbrella, initech, secretariat, community, people)
