"""An event's inclusion proof, on a page for the people who may see that event; it verifies
against the signed checkpoint, and looking is recorded."""

from __future__ import annotations

import re

import pytest

from coalition.audit import merkle, tree
from coalition.audit.models import AuditEvent, AuditLeaf
from coalition.audit.services import record
from coalition.library import services
from coalition.library.models import TLP

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_event(acme, acme_editor, acme_reader):
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Playbook", tlp=TLP.AMBER)
    for n in range(6):
        record(action="test.filler", data={"n": n})
    event = record(action="document.viewed", actor=acme_reader, target=document, target_org_id=acme.pk)
    tree.integrate_all()
    return event


def test_the_proof_on_the_page_verifies_against_the_checkpoint(read_event, client_for, acme_admin):
    page = client_for(acme_admin).get(f"/audit/events/{read_event.pk}/proof/")
    assert page.status_code == 200
    text = page.content.decode()
    leaf = AuditLeaf.objects.get(event=read_event)
    hashes = re.findall(r"<li><code>([0-9a-f]{64})</code></li>", text)
    root = re.search(r"Root hash</dt><dd><code>([0-9a-f]{64})", text).group(1)
    size = int(re.search(r"Tree size</dt><dd>(\d+)", text).group(1))
    assert merkle.verify_inclusion(
        bytes.fromhex(leaf.hash), leaf.index, size, [bytes.fromhex(h) for h in hashes], bytes.fromhex(root)
    )
    assert AuditEvent.objects.filter(action="audit.proof_viewed", actor_id=acme_admin.pk).exists()


def test_who_may_see_the_proof(
    read_event, client_for, acme_admin, acme_editor, acme_reader, globex_admin, secretariat_admin, overseer
):
    path = f"/audit/events/{read_event.pk}/proof/"
    for person in (acme_admin, acme_editor, overseer):  # the member's admin, the document's owner, oversight
        assert client_for(person).get(path).status_code == 200, person
    for person in (acme_reader, globex_admin, secretariat_admin):
        assert client_for(person).get(path).status_code == 404, person
    assert client_for(acme_admin).get("/audit/events/999999/proof/").status_code == 404


def test_an_event_not_yet_integrated_says_so(read_event, client_for, acme_admin, acme_reader):
    later = record(action="auth.login", actor=acme_reader, target=acme_reader)
    page = client_for(acme_admin).get(f"/audit/events/{later.pk}/proof/")
    assert page.status_code == 200 and "not in the tree yet" in page.content.decode()
