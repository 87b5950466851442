"""Who may look at which part of the audit log, as one matrix: every log page, its CSV export
and an event's proof, for the oversight role, the organisation's admin and another organisation's
admin, the document's owner, a reader, the secretariat's admin and staff, a superuser, someone
with no organisation and a visitor. Allowed is 200; refused is 404 (never a 403 that confirms
what exists); a visitor is sent to sign in. Refused looks leave no event."""

from __future__ import annotations

import pytest

from coalition.audit import tree
from coalition.audit.models import AuditEvent
from coalition.audit.services import record
from coalition.library import services
from coalition.library.models import TLP
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db

PEOPLE = (
    "overseer",
    "acme_admin",
    "globex_admin",
    "acme_editor",
    "acme_reader",
    "secretariat_admin",
    "secretariat_staff",
    "superuser",
    "outsider",
)
# page -> the people who may open it (everyone else: 404; the visitor: sign in)
ALLOWED = {
    "oversight": {"overseer"},
    "oversight_csv": {"overseer"},
    "activity": {"acme_admin"},
    "activity_csv": {"acme_admin"},
    "readers": {"acme_editor", "acme_admin"},
    "proof": {"overseer", "acme_admin", "acme_editor"},
    "checkpoint": {"overseer", "acme_admin", "globex_admin", "acme_editor", "acme_reader", "secretariat_admin",
                   "secretariat_staff"},
}  # fmt: skip


@pytest.fixture
def world(request, acme, acme_editor, acme_reader, make_user):
    superuser = make_user("root@example.org")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    enrol_totp(superuser)
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Playbook", tlp=TLP.AMBER)
    read = record(action="document.viewed", actor=acme_reader, target=document, target_org_id=acme.pk)
    tree.integrate_all()
    people = {name: request.getfixturevalue(name) for name in PEOPLE if name != "superuser"}
    people["superuser"] = superuser
    paths = {
        "oversight": "/audit/oversight/",
        "oversight_csv": "/audit/oversight/?format=csv",
        "activity": "/audit/organisations/acme/activity/",
        "activity_csv": "/audit/organisations/acme/activity/?format=csv",
        "readers": f"/audit/documents/{document.pk}/readers/",
        "proof": f"/audit/events/{read.pk}/proof/",
        "checkpoint": "/audit/checkpoint/",
    }
    return people, paths


@pytest.mark.parametrize("page", sorted(ALLOWED))
def test_each_log_page_opens_for_exactly_the_right_people(page, world, client_for):
    people, paths = world
    for name, person in people.items():
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        status = client_for(person).get(paths[page]).status_code
        expected = 200 if name in ALLOWED[page] else 404
        assert status == expected, (page, name, status)
        if expected == 404:
            looks = AuditEvent.objects.filter(id__gt=before, action__startswith="audit.")
            assert not looks.exists(), (page, name, "a refused look left an event")
    assert client_for(None).get(paths[page]).status_code == 302
