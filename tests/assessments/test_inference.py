"""Crosswalk inference: equal/superset copy the result, subset/intersect give at most "partially",
the weakest link decides along a chain, many-to-many combines all sources by the documented rule,
a person's value is never overwritten, provenance is stored, and the preview is what is applied."""

from __future__ import annotations

import pytest

from coalition.assessments import services
from coalition.assessments.inference import Outcome
from coalition.assessments.models import Inference
from coalition.audit.models import AuditEvent
from coalition.core.errors import AccessDenied, ServiceError
from coalition.principles import services as principle_services
from coalition.principles.models import ImplementationRecord, RecordChange
from tests.assessments.conftest import Frameworks, World, crosswalk, cycle, record

pytestmark = pytest.mark.django_db


def _apply(world: World, chain: list, user: str = "editor") -> dict[str, str]:
    person = world.people[user]
    plan = services.plan_crosswalk(acting_user=person, organisation=world.acme, cycle=cycle(), chain=chain)
    services.apply_crosswalk(
        acting_user=person, organisation=world.acme, cycle=cycle(), chain=chain, fingerprint=plan.fingerprint
    )
    target = chain[-1].target
    return {
        r.principle.code: r.result
        for r in ImplementationRecord.objects.filter(organisation=world.acme, principle__framework=target)
    }


@pytest.mark.parametrize(
    ("relation", "source", "expected"),
    [
        ("equal", "implemented", "implemented"),
        ("equal", "partially", "partially"),
        ("equal", "not_implemented", "not_implemented"),
        ("equal", "not_applicable", "not_applicable"),
        ("superset", "implemented", "implemented"),
        ("superset", "not_implemented", "not_implemented"),
        ("subset", "implemented", "partially"),
        ("subset", "partially", "partially"),
        ("subset", "not_implemented", "not_implemented"),
        ("subset", "not_applicable", None),
        ("intersect", "implemented", "partially"),
        ("intersect", "not_implemented", "not_implemented"),
        ("equal", "not_assessed", None),
    ],
)
def test_each_relation_carries_or_caps_the_result(
    relation: str, source: str, expected: str | None, world: World, frameworks: Frameworks
) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", relation, "B1")])
    record(world.acme, frameworks.p["A1"], source)
    results = _apply(world, [walk])
    assert results.get("B1") == expected
    assert "B2" not in results  # nothing maps to it: no record is made


@pytest.mark.parametrize(
    ("first", "second", "source", "expected"),
    [
        ("equal", "superset", "implemented", "implemented"),
        ("equal", "subset", "implemented", "partially"),
        ("intersect", "equal", "implemented", "partially"),
        ("subset", "equal", "not_implemented", "not_implemented"),
        ("equal", "intersect", "not_applicable", None),
    ],
)
def test_along_a_chain_the_weakest_link_decides(
    first: str, second: str, source: str, expected: str | None, world: World, frameworks: Frameworks
) -> None:
    a_to_b = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", first, "B1")])
    b_to_c = crosswalk(frameworks, frameworks.b, frameworks.c, [("B1", second, "C1")])
    record(world.acme, frameworks.p["A1"], source)
    assert _apply(world, [a_to_b, b_to_c]).get("C1") == expected
    # The chain reads A's records only: B has none and none was made on the way.
    assert not ImplementationRecord.objects.filter(principle__framework=frameworks.b).exists()
    inference = Inference.objects.filter(record__principle=frameworks.p["C1"]).first()
    if expected is not None:
        assert inference is not None and inference.detail[0]["path"] == ["A1", "B1", "C1"]
        assert inference.detail[0]["relations"] == [first, second]


def test_a_chain_applied_step_by_step_gives_the_same_result(world: World, frameworks: Frameworks) -> None:
    a_to_b = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "intersect", "B1")])
    b_to_c = crosswalk(frameworks, frameworks.b, frameworks.c, [("B1", "equal", "C1")])
    record(world.acme, frameworks.p["A1"], "implemented")
    assert _apply(world, [a_to_b]) == {"B1": "partially"}
    assert _apply(world, [b_to_c]) == {"C1": "partially"}


def test_a_chain_whose_frameworks_do_not_meet_is_refused_and_nothing_saved(
    world: World, frameworks: Frameworks
) -> None:
    a_to_b = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    a_to_c = crosswalk(frameworks, frameworks.a, frameworks.c, [("A1", "equal", "C1")])
    record(world.acme, frameworks.p["A1"], "implemented")
    before = (ImplementationRecord.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError, match="matching frameworks"):
        services.apply_crosswalk(
            acting_user=world.people["editor"],
            organisation=world.acme,
            cycle=cycle(),
            chain=[a_to_b, a_to_c],
            fingerprint="",
        )
    assert (ImplementationRecord.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        # (relation, result) per source principle A1, A2, A3, all onto B1.
        ([("subset", "implemented"), ("subset", "implemented")], "partially"),
        ([("subset", "not_implemented"), ("intersect", "not_implemented")], "not_implemented"),
        ([("subset", "implemented"), ("subset", "not_implemented")], "partially"),
        ([("equal", "implemented"), ("subset", "implemented")], "implemented"),
        ([("equal", "implemented"), ("subset", "not_implemented")], "partially"),
        ([("equal", "implemented"), ("superset", "partially")], "partially"),
        ([("equal", "implemented"), ("superset", "not_implemented"), ("subset", "implemented")], "not_implemented"),
        ([("equal", "not_applicable"), ("subset", "implemented")], "partially"),
        ([("equal", "not_applicable"), ("superset", "not_applicable")], "not_applicable"),
        ([("subset", "not_assessed"), ("equal", "partially")], "partially"),
    ],
)
def test_many_to_many_combines_every_source(
    sources: list[tuple[str, str]], expected: str, world: World, frameworks: Frameworks
) -> None:
    codes = ["A1", "A2", "A3"]
    walk = crosswalk(
        frameworks, frameworks.a, frameworks.b, [(codes[i], rel, "B1") for i, (rel, _) in enumerate(sources)]
    )
    for i, (_, result) in enumerate(sources):
        record(world.acme, frameworks.p[codes[i]], result)
    assert _apply(world, [walk])["B1"] == expected
    inference = Inference.objects.get(record__principle=frameworks.p["B1"])
    assessed = [code for code, (rel, r) in zip(codes, sources, strict=False) if r != "not_assessed"]
    assert {d["path"][0] for d in inference.detail} <= set(assessed)
    assert all(d["path"][-1] == "B1" for d in inference.detail)


def test_one_source_feeds_several_targets(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1"), ("A1", "subset", "B2")])
    record(world.acme, frameworks.p["A1"], "implemented")
    assert _apply(world, [walk]) == {"B1": "implemented", "B2": "partially"}


def test_a_value_a_person_set_is_never_overwritten(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1"), ("A2", "equal", "B2")])
    record(world.acme, frameworks.p["A1"], "implemented")
    record(world.acme, frameworks.p["A2"], "implemented")
    # A person reports B1 through the ordinary page's service: their value.
    principle_services.save_record(
        acting_user=world.people["editor"],
        organisation=world.acme,
        principle=frameworks.p["B1"],
        cycle=cycle(),
        result="not_implemented",
        evidence="Our own judgement.",
    )
    plan = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    outcomes = {p.principle.code: p.outcome for p in plan.proposals}
    assert outcomes == {"B1": Outcome.KEPT, "B2": Outcome.CREATE, "B3": Outcome.NONE}
    assert _apply(world, [walk]) == {"B1": "not_implemented", "B2": "implemented"}
    b1 = ImplementationRecord.objects.get(principle=frameworks.p["B1"])
    assert b1.evidence == "Our own judgement." and not b1.inferences.exists()

    # An inferred result follows its source when applied again...
    ImplementationRecord.objects.filter(principle=frameworks.p["A2"]).update(result="partially")
    assert _apply(world, [walk])["B2"] == "partially"
    # ...until a person changes it: then it is theirs.
    b2 = ImplementationRecord.objects.get(principle=frameworks.p["B2"])
    principle_services.save_record(
        acting_user=world.people["admin"],
        organisation=world.acme,
        principle=frameworks.p["B2"],
        cycle=cycle(),
        status=b2.status,
        result="implemented",
    )
    ImplementationRecord.objects.filter(principle=frameworks.p["A2"]).update(result="not_implemented")
    plan = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    assert {p.principle.code: p.outcome for p in plan.proposals}["B2"] == Outcome.KEPT
    assert _apply(world, [walk])["B2"] == "implemented"


def test_a_record_not_yet_assessed_is_filled_in_and_keeps_its_other_fields(
    world: World, frameworks: Frameworks
) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    record(world.acme, frameworks.p["A1"], "implemented")
    principle_services.save_record(
        acting_user=world.people["editor"],
        organisation=world.acme,
        principle=frameworks.p["B1"],
        cycle=cycle(),
        status="in_progress",
        maturity=3,
        evidence="Work in progress.",
    )
    assert _apply(world, [walk]) == {"B1": "implemented"}
    b1 = ImplementationRecord.objects.get(principle=frameworks.p["B1"])
    assert (b1.status, b1.maturity, b1.evidence) == ("in_progress", 3, "Work in progress.")


def test_provenance_is_stored_on_each_inferred_record(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1"), ("A2", "intersect", "B1")])
    a1 = record(world.acme, frameworks.p["A1"], "implemented")
    a2 = record(world.acme, frameworks.p["A2"], "implemented")
    _apply(world, [walk])
    b1 = ImplementationRecord.objects.get(principle=frameworks.p["B1"])
    assert b1.status == "in_review"  # a new inferred record waits for a person
    inference = b1.inferences.get()
    assert inference.kind == "crosswalk" and inference.crosswalk == walk
    assert inference.result == "implemented" and inference.applied_by == world.people["editor"]
    assert set(inference.source_records.all()) == {a1, a2}
    assert sorted(tuple(d["path"]) for d in inference.detail) == [("A1", "B1"), ("A2", "B1")]
    assert inference.record_change == b1.changes.first()
    # The history and the audit log show it as any other change, plus the application itself.
    assert RecordChange.objects.filter(record=b1).count() == 1
    assert AuditEvent.objects.filter(action="implementation.created", target_id=str(b1.pk)).exists()
    applied = AuditEvent.objects.get(action="crosswalk.applied")
    assert applied.data["written"] == 1 and applied.target_org_id == world.acme.pk


def test_the_preview_is_what_is_applied(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(
        frameworks,
        frameworks.a,
        frameworks.b,
        [("A1", "equal", "B1"), ("A2", "subset", "B2"), ("A3", "intersect", "B2"), ("A3", "superset", "B3")],
    )
    for code, result in (("A1", "partially"), ("A2", "implemented"), ("A3", "not_implemented")):
        record(world.acme, frameworks.p[code], result)
    principle_services.save_record(
        acting_user=world.people["editor"],
        organisation=world.acme,
        principle=frameworks.p["B3"],
        cycle=cycle(),
        result="implemented",
    )
    preview = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    expected = {p.principle.code: p.proposed for p in preview.proposals if p.writes}
    untouched = {p.principle.code for p in preview.proposals if not p.writes}
    before = {
        r.principle.code: r.result for r in ImplementationRecord.objects.filter(principle__framework=frameworks.b)
    }
    results = _apply(world, [walk])
    assert {code: results[code] for code in expected} == expected
    assert {code: results.get(code) for code in untouched} == {code: before.get(code) for code in untouched}
    # Applied again, the same plan writes nothing more.
    again = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    assert again.writes == []


def test_a_stale_preview_is_refused_and_nothing_saved(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    source = record(world.acme, frameworks.p["A1"], "implemented")
    preview = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    source.result = "not_implemented"
    source.save(update_fields=["result"])
    before = (ImplementationRecord.objects.count(), Inference.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceError, match="changed since the preview"):
        services.apply_crosswalk(
            acting_user=world.people["editor"],
            organisation=world.acme,
            cycle=cycle(),
            chain=[walk],
            fingerprint=preview.fingerprint,
        )
    assert (ImplementationRecord.objects.count(), Inference.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("viewer", ["contributor", "reader", "named_org", "other_org", "secretariat", "outsider"])
def test_only_the_organisations_editors_may_apply(viewer: str, world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    record(world.acme, frameworks.p["A1"], "implemented")
    with pytest.raises(AccessDenied):
        services.plan_crosswalk(acting_user=world.people[viewer], organisation=world.acme, cycle=cycle(), chain=[walk])
    with pytest.raises(AccessDenied):
        services.apply_crosswalk(
            acting_user=world.people[viewer], organisation=world.acme, cycle=cycle(), chain=[walk], fingerprint=""
        )
    assert not ImplementationRecord.objects.filter(principle__framework=frameworks.b).exists()


def test_a_cycle_outside_the_reporting_years_is_refused(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    with pytest.raises(ServiceError, match="not a reporting cycle"):
        services.plan_crosswalk(acting_user=world.people["editor"], organisation=world.acme, cycle=1999, chain=[walk])


def test_only_records_of_the_organisation_and_cycle_are_read(world: World, frameworks: Frameworks) -> None:
    walk = crosswalk(frameworks, frameworks.a, frameworks.b, [("A1", "equal", "B1")])
    record(world.globex, frameworks.p["A1"], "implemented", audience="coalition", tlp="green")
    record(world.acme, frameworks.p["A1"], "implemented", cycle=cycle() - 1)
    plan = services.plan_crosswalk(
        acting_user=world.people["editor"], organisation=world.acme, cycle=cycle(), chain=[walk]
    )
    assert [p.outcome for p in plan.proposals] == [Outcome.NONE] * 3
