"""Writing records: bad input is refused with a clear message and nothing saved (no half-saved
objects, no 500); every change leaves a history row and an audit event."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied, ServiceError
from coalition.principles import services
from coalition.principles.models import ImplementationRecord, RecordChange
from tests.principles.conftest import World, cycle, make_record

pytestmark = pytest.mark.django_db


def _edit_url(world: World, code: str = "P1", org: str = "acme", year: int | None = None) -> str:
    return reverse("principles:edit", args=["voluntary-principles", org, code, year or cycle()])


def _counts() -> tuple[int, int, int]:
    return ImplementationRecord.objects.count(), RecordChange.objects.count(), AuditEvent.objects.count()


VALID = {"status": "in_progress", "result": "partially", "maturity": "2", "evidence": "We **scan** uploads."}


def test_an_editor_reports_and_the_evidence_is_rendered_and_sanitised(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    ImplementationRecord.objects.filter(organisation=world.acme).delete()
    client = client_for(world.people["editor"])
    evidence = "We **scan** uploads. <script>alert(1)</script> [x](javascript:alert(1))"
    response = client.post(_edit_url(world), {**VALID, "evidence": evidence, "owner": world.people["reader"].pk})
    assert response.status_code == 302
    record = ImplementationRecord.objects.get(organisation=world.acme, principle__code="P1", cycle=cycle())
    assert (record.status, record.result, record.maturity, record.audience, record.tlp) == (
        "in_progress",
        "partially",
        2,
        "organisation",
        "amber_strict",
    )
    assert "<strong>scan</strong>" in record.evidence_html
    assert "<script" not in record.evidence_html and "javascript:" not in record.evidence_html
    page = client.get(reverse("principles:record", args=[record.pk])).content.decode()
    assert "<strong>scan</strong>" in page and "<script>alert" not in page
    assert "2 · Implemented" in page and "The process runs across the service as written." in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("maturity", "7"), ("maturity", "-1"), ("result", "excellent"), ("status", "finished"), ("next_review", "soon")],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    field: str, value: str, world: World, client_for: Callable[[Any], Any]
) -> None:
    ImplementationRecord.objects.filter(organisation=world.acme).delete()
    before = _counts()
    response = client_for(world.people["editor"]).post(_edit_url(world), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert _counts() == before


def test_the_service_refuses_a_maturity_of_7_and_the_database_would_too(world: World) -> None:
    principle = world.principles[2]
    with pytest.raises(ServiceError, match="0 to 4"):
        services.save_record(
            acting_user=world.people["editor"], organisation=world.acme, principle=principle, cycle=cycle(), maturity=7
        )
    with pytest.raises(ServiceError, match="result"):
        services.save_record(
            acting_user=world.people["editor"],
            organisation=world.acme,
            principle=principle,
            cycle=cycle(),
            result="great",
        )
    record = ImplementationRecord.objects.get(pk=world.records[("organisation", "amber")].pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImplementationRecord.objects.filter(pk=record.pk).update(maturity=7)


def test_public_needs_a_clear_label(world: World, client_for: Callable[[Any], Any]) -> None:
    record = world.records[("coalition", "amber")]
    before = _counts()
    response = client_for(world.people["editor"]).post(
        reverse("principles:share", args=[record.pk]), {"audience": "public", "tlp": "amber"}
    )
    assert response.status_code == 400
    assert "Only TLP:CLEAR material can be public" in response.content.decode()
    record.refresh_from_db()
    assert (record.audience, record.tlp) == ("coalition", "amber")
    assert _counts() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        ImplementationRecord.objects.filter(pk=record.pk).update(audience="public")


def test_records_cannot_be_red(world: World, client_for: Callable[[Any], Any]) -> None:
    record = world.records[("organisation", "amber")]
    response = client_for(world.people["editor"]).post(
        reverse("principles:share", args=[record.pk]), {"audience": "organisation", "tlp": "red"}
    )
    assert response.status_code == 400
    with pytest.raises(ServiceError, match="TLP:RED"):
        services.share_record(acting_user=world.people["editor"], record=record, audience="organisation", tlp="red")
    record.refresh_from_db()
    assert record.tlp == "amber"


def test_named_sharing_needs_someone_named(world: World) -> None:
    record = world.records[("organisation", "amber")]
    with pytest.raises(ServiceError, match="Name at least one"):
        services.share_record(acting_user=world.people["editor"], record=record, audience="named", tlp="amber")


def test_a_retired_principle_takes_no_new_record(world: World, client_for: Callable[[Any], Any]) -> None:
    principle = world.principles[10]
    ImplementationRecord.objects.filter(principle=principle).delete()
    principle.retired_on = datetime.date(cycle() - 1, 6, 30)
    principle.save(update_fields=["retired_on"])
    before = _counts()
    response = client_for(world.people["editor"]).post(_edit_url(world, "P11"), VALID)
    assert response.status_code == 400
    assert "was retired" in response.content.decode()
    assert _counts() == before


def test_a_cycle_outside_the_reporting_years_is_refused(world: World) -> None:
    with pytest.raises(ServiceError, match="not a reporting cycle"):
        services.save_record(
            acting_user=world.people["editor"], organisation=world.acme, principle=world.principles[0], cycle=1999
        )


def test_the_owner_must_belong_to_the_organisation(world: World) -> None:
    before = _counts()
    with pytest.raises(ServiceError, match="must be a member"):
        services.save_record(
            acting_user=world.people["editor"],
            organisation=world.acme,
            principle=world.principles[0],
            cycle=cycle(),
            owner=world.people["named_org"],
        )
    assert _counts() == before


def test_editing_another_organisations_record_is_404_and_changes_nothing(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    record = world.records[("coalition", "green")]  # Globex's admin may read it, not write it
    before = _counts()
    client = client_for(world.people["named_org"])
    url = _edit_url(world, record.principle.code, "acme")
    assert client.post(url, VALID).status_code == 404
    with pytest.raises(AccessDenied):
        services.save_record(
            acting_user=world.people["named_org"], organisation=world.acme, principle=record.principle, cycle=cycle()
        )
    assert _counts() == before
    record.refresh_from_db()
    assert record.status == "to_do"


def test_a_failure_after_the_record_is_written_leaves_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """No half-saved objects: if the audit event cannot be written, the record and its history go too."""
    ImplementationRecord.objects.filter(organisation=world.acme, principle=world.principles[0]).delete()
    before = _counts()

    def broken(**_: Any) -> None:
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit", broken)
    with pytest.raises(RuntimeError):
        services.save_record(
            acting_user=world.people["editor"], organisation=world.acme, principle=world.principles[0], cycle=cycle()
        )
    assert _counts() == before


def test_every_change_leaves_a_history_row_and_an_audit_event(world: World) -> None:
    editor = world.people["editor"]
    principle = world.principles[0]
    ImplementationRecord.objects.filter(organisation=world.acme, principle=principle).delete()
    record = services.save_record(
        acting_user=editor, organisation=world.acme, principle=principle, cycle=cycle(), evidence="First"
    )
    services.save_record(
        acting_user=editor,
        organisation=world.acme,
        principle=principle,
        cycle=cycle(),
        result="implemented",
        maturity=3,
        evidence="First",
    )
    # Saving the same values again changes nothing and records nothing.
    services.save_record(
        acting_user=editor,
        organisation=world.acme,
        principle=principle,
        cycle=cycle(),
        result="implemented",
        maturity=3,
        evidence="First",
    )
    services.share_record(acting_user=editor, record=record, audience="coalition", tlp="green")
    changes = list(record.changes.order_by("changed_at", "id"))
    assert len(changes) == 3
    assert changes[1].changes == {"result": ["not_assessed", "implemented"], "maturity": [None, 3]}
    assert changes[2].changes["audience"] == ["organisation", "coalition"]
    assert all(c.changed_by == editor for c in changes)
    events = list(AuditEvent.objects.filter(target_id=str(record.pk)).order_by("id").values_list("action", "data"))
    assert [action for action, _ in events] == [
        "implementation.created",
        "implementation.updated",
        "implementation.shared",
    ]
    assert events[1][1]["fields"] == ["maturity", "result"]
    assert events[2][1]["widened"] is True
    # The audit log never carries the evidence.
    assert all("First" not in str(data) for _, data in events)
    with pytest.raises(ValueError, match="immutable"):
        changes[0].save()


def test_sharing_a_whole_cycle_changes_each_record_with_its_own_trail(world: World) -> None:
    other = make_record(world.acme, world.principles[1], cycle_year=cycle() - 1)
    changed = services.share_cycle(
        acting_user=world.people["admin"],
        organisation=world.acme,
        framework=world.framework,
        cycle=cycle(),
        audience="named",
        tlp="amber",
        audience_organisations=[world.globex],
    )
    mine = ImplementationRecord.objects.filter(
        organisation=world.acme, cycle=cycle(), principle__framework=world.framework
    )
    assert changed == mine.count() == 11
    assert set(mine.values_list("audience", "tlp")) == {("named", "amber")}
    assert all(list(r.audience_organisations.all()) == [world.globex] for r in mine)
    assert AuditEvent.objects.filter(action="implementation.shared").count() == 11
    other.refresh_from_db()
    assert (other.audience, other.tlp) == ("organisation", "amber_strict")  # another cycle: untouched


def test_sharing_a_cycle_publicly_with_a_non_clear_label_changes_nothing(world: World) -> None:
    before = list(ImplementationRecord.objects.values_list("pk", "audience", "tlp").order_by("pk"))
    with pytest.raises(ServiceError, match="TLP:CLEAR"):
        services.share_cycle(
            acting_user=world.people["admin"],
            organisation=world.acme,
            framework=world.framework,
            cycle=cycle(),
            audience="public",
            tlp="green",
        )
    assert list(ImplementationRecord.objects.values_list("pk", "audience", "tlp").order_by("pk")) == before
