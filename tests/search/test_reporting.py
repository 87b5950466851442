"""Principles, implementation records and mileposts in search as people use it: the index follows
every writing service at once (and sharing counts without it), the rebuild gives the same answers,
the results page costs the same queries for one hit or many, the box's filters select the kinds,
suggestions offer principles by code, and member text is escaped. The principles world
(tests/principles/conftest.py): Acme's editor writes; Globex is named in audiences; Initech is
another member."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.accounts.models import User
from coalition.library import services as library
from coalition.organisations import services as organisations
from coalition.principles import evidence_services, milepost_services, services
from coalition.principles.models import ImplementationRecord, Milepost, Principle
from coalition.search import reporting
from coalition.search.models import REPORTING_MODELS, MilepostEntry
from coalition.search.query import parse
from tests.principles.conftest import World, cycle, world

__all__ = ["world"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _found(world: World, viewer: str, text: str) -> dict[str, list[str]]:
    """What this person finds, kind by kind: each hit's address."""
    person = world.people[viewer]
    user = AnonymousUser() if person is None else User.objects.get(pk=person.pk)
    return {s.kind: [h.url for h in s.hits] for s in reporting.search(user, parse(text)) if s.hits}


def _record_url(record: ImplementationRecord) -> str:
    return f"/principles/records/{record.pk}/"


def _save(world: World, principle: Principle, evidence: str) -> ImplementationRecord:
    return services.save_record(
        acting_user=world.people["editor"],
        organisation=world.acme,
        principle=principle,
        cycle=cycle(),
        result="implemented",
        evidence=evidence,
    )


def test_a_record_is_found_as_it_is_saved_shared_relabelled_and_unshared(world: World) -> None:
    principle = world.principles[0]  # Acme's record for it exists (the world's first case)
    record = _save(world, principle, "We hash-match with **quokkasafe** at upload.")
    url = _record_url(record)
    assert _found(world, "editor", "quokkasafe") == {"record": [url]}
    assert _found(world, "named_org", "quokkasafe") == {}
    # Saved again: the new words are found, the old ones are not.
    _save(world, principle, "We hash-match with numbatsafe at upload.")
    assert _found(world, "editor", "quokkasafe") == {}
    assert _found(world, "editor", "numbatsafe") == {"record": [url]}
    # Shared with the coalition: another member finds it at once; a visitor does not.
    editor = world.people["editor"]
    services.share_record(acting_user=editor, record=record, audience="coalition", tlp="green")
    assert _found(world, "other_org", "numbatsafe") == {"record": [url]}
    assert _found(world, "anonymous", "numbatsafe") == {}
    # Named: Globex (and the community Umbrella is in) only.
    services.share_record(
        acting_user=editor, record=record, audience="named", tlp="amber", audience_organisations=[world.globex]
    )
    assert _found(world, "named_org", "numbatsafe") == {"record": [url]}
    assert _found(world, "other_org", "numbatsafe") == {}
    assert _found(world, "community_org", "numbatsafe") == {}
    # Public and CLEAR: visitors too. Then back to the organisation only: nobody outside.
    services.share_record(acting_user=editor, record=record, audience="public", tlp="clear")
    assert _found(world, "anonymous", "numbatsafe") == {"record": [url]}
    services.share_record(acting_user=editor, record=record, audience="organisation", tlp="amber_strict")
    for viewer in ("anonymous", "outsider", "named_org", "other_org", "secretariat"):
        assert _found(world, viewer, "numbatsafe") == {}, viewer
    assert _found(world, "reader", "numbatsafe") == {"record": [url]}
    # A cycle shared at once (share_cycle) counts the same way.
    services.share_cycle(
        acting_user=editor,
        organisation=world.acme,
        framework=world.framework,
        cycle=cycle(),
        audience="coalition",
        tlp="amber",
    )
    assert _found(world, "other_org", "numbatsafe") == {"record": [url]}


def test_evidence_notes_follow_each_change(world: World) -> None:
    record = world.records[("coalition", "green")]
    editor = world.people["editor"]
    document = library.create_document(
        acting_user=editor, owner=world.acme, title="Wallabyplan", body="Body.", audience="coalition", tlp="green"
    )
    item = evidence_services.link_document(acting_user=editor, record=record, document=document, note="See kiwinote")
    assert _found(world, "other_org", "kiwinote") == {"record": [_record_url(record)]}
    # A linked document's title is the document's: its words are not the record's.
    assert "record" not in _found(world, "other_org", "wallabyplan")
    evidence_services.update_item(acting_user=editor, item=item, status="current", expires_on=None, note="See emunote")
    assert _found(world, "other_org", "kiwinote") == {}
    assert _found(world, "other_org", "emunote") == {"record": [_record_url(record)]}
    evidence_services.remove_item(acting_user=editor, item=item)
    assert _found(world, "other_org", "emunote") == {}
    upload = SimpleUploadedFile("audit.txt", b"An audit, in plain text.\n", content_type="text/plain")
    evidence_services.attach_file(
        acting_user=editor, record=record, upload=upload, tlp="green", max_bytes=10**6, note="The dingoaudit"
    )
    assert _found(world, "other_org", "dingoaudit") == {"record": [_record_url(record)]}
    assert _found(world, "outsider", "dingoaudit") == {}


def test_mileposts_are_found_as_they_are_saved_shared_edited_and_removed(world: World) -> None:
    editor = world.people["editor"]
    values: dict[str, Any] = {"category": "detection", "date": timezone.localdate(), "text": "Rolled out koalascan"}
    item = milepost_services.save_milepost(acting_user=editor, organisation=world.acme, **values)
    assert _found(world, "reader", "koalascan") == {"milepost": [_milepost_url(item)]}
    assert _found(world, "other_org", "koalascan") == {}
    milepost_services.save_milepost(
        acting_user=editor, organisation=world.acme, milepost=item, audience="coalition", tlp="green", **values
    )
    assert len(_found(world, "other_org", "koalascan")["milepost"]) == 1
    assert _found(world, "other_org", "detection koalascan") != {}  # the category's words too
    values["text"] = "Rolled out possumscan"
    milepost_services.save_milepost(
        acting_user=editor, organisation=world.acme, milepost=item, audience="public", tlp="clear", **values
    )
    assert _found(world, "other_org", "koalascan") == {}
    assert len(_found(world, "anonymous", "possumscan")["milepost"]) == 1
    milepost_services.remove_milepost(acting_user=editor, milepost=item)
    assert _found(world, "anonymous", "possumscan") == {}
    assert _found(world, "editor", "possumscan") == {}
    assert not MilepostEntry.objects.exists()


def _milepost_url(milepost: Milepost) -> str:
    return f"/principles/mileposts/?org=acme&year={milepost.date.year}#milepost-{milepost.pk}"


def test_a_principle_edited_or_retired_and_an_organisation_renamed_are_found_at_once(
    world: World, make_member: Callable[..., User]
) -> None:
    principle = world.principles[0]
    services.save_principle(
        acting_user=User.objects.get(pk=world.people["secretariat"].pk),
        framework=world.framework,
        principle=principle,
        theme=principle.theme,
        code=principle.code,
        title="Known abuse imagery (platypus)",
        text=principle.text,
        order=principle.order,
    )
    assert _found(world, "anonymous", "platypus") == {"principle": ["/principles/voluntary-principles/p/P1/"]}
    # Its records carry its title: Acme's record on P1 (for Acme only) is found by it, by Acme.
    assert "record" not in _found(world, "other_org", "platypus")
    p1_records = ImplementationRecord.objects.filter(principle=principle)
    assert {_record_url(r) for r in p1_records} == set(_found(world, "editor", "platypus in:records")["record"])
    retired = datetime.date(2025, 12, 31)
    services.save_principle(
        acting_user=User.objects.get(pk=world.people["secretariat"].pk),
        framework=world.framework,
        principle=principle,
        theme=principle.theme,
        code=principle.code,
        title=principle.title,
        text=principle.text,
        order=principle.order,
        retired_on=retired,
    )
    page = _page(None, "platypus")
    assert "P1 Known abuse imagery" in page and "retired on 31 Dec 2025" in page
    admin = make_member(world.secretariat, "admin", email="admin@secretariat.example")
    organisations.update_organisation(acting_user=admin, organisation=world.acme, name="Acme Wombatworks")
    # Its records carry its name: Initech finds the four shared with the coalition and the public one.
    found = _found(world, "other_org", "wombatworks in:records")["record"]
    shared = [r for (audience, _), r in world.records.items() if audience in ("coalition", "public")]
    assert sorted(found) == sorted(_record_url(r) for r in shared)


def _page(client: Any, text: str, **params: str) -> str:
    from django.test import Client

    response = (client or Client()).get("/search/", {"q": text, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_rebuild_gives_the_same_answers(world: World, capsys: Any) -> None:
    editor = world.people["editor"]
    _save(world, world.principles[1], "Checked by **quollcheck**.")
    milepost_services.save_milepost(
        acting_user=editor,
        organisation=world.acme,
        category="reporting",
        date=timezone.localdate(),
        text="Reported quollcheck results",
        audience="coalition",
        tlp="green",
    )
    from coalition.search import reporting_index

    reporting_index.index_records([r.pk for r in world.records.values()])
    searches = ("quollcheck", "abuse", "P3", "grooming in:principles", "acme in:records", "in:mileposts")
    viewers = ("editor", "other_org", "anonymous")
    before = {(v, q): _found(world, v, q) for v in viewers for q in searches}
    entries = _entries()
    call_command("search_rebuild", batch=3)
    out = capsys.readouterr().out
    assert "principles, implementation records and mileposts indexed" in out
    assert f"and {len(entries)} principles, implementation records and mileposts" in out
    assert _entries() == entries
    assert {(v, q): _found(world, v, q) for v in viewers for q in searches} == before
    assert before[("editor", "quollcheck")].keys() == {"record", "milepost"}


def _entries() -> list[tuple[str, int, str, str]]:
    return sorted(
        (kind, *row)
        for kind, model in REPORTING_MODELS.items()
        for row in model.objects.values_list(f"{model.item_field}_id", "title", "body")
    )


def test_the_results_page_costs_the_same_queries_for_one_hit_or_many(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    editor = world.people["editor"]
    client = client_for(editor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/", {"q": "echidna"}).status_code == 200
        return len(captured.captured_queries)

    every = list(Principle.objects.filter(framework__slug__in=["voluntary-principles", "safety-by-design"]))
    _save(world, every[0], "echidna")
    milepost_services.save_milepost(
        acting_user=editor, organisation=world.acme, category="detection", date=timezone.localdate(), text="echidna"
    )
    queries()  # warm: what is read once per process
    one = queries()
    for principle in every[1:12]:
        _save(world, principle, "echidna evidence")
    for n in range(11):
        milepost_services.save_milepost(
            acting_user=editor,
            organisation=world.acme,
            category="support",
            date=timezone.localdate(),
            text=f"echidna {n}",
        )
    assert queries() == one
    page = client.get("/search/", {"q": "echidna"}).content.decode()
    assert page.count('class="search-hits search-hits-record"') == 1
    assert "More Implementation records" in page and "More Mileposts" in page


def test_the_box_filters_select_the_kinds(world: World) -> None:
    _save(world, world.principles[0], "Grooming classifier evidence")
    found = _found(world, "editor", "grooming")
    assert {"principle", "record"} <= found.keys()
    assert _found(world, "editor", "grooming in:principles").keys() == {"principle"}
    assert _found(world, "editor", "grooming in:records").keys() == {"record"}
    assert _found(world, "editor", "grooming type:principle").keys() == {"principle"}
    assert _found(world, "editor", "grooming type:implementation").keys() == {"record"}
    assert _found(world, "editor", "grooming in:documents") == {}
    # Filters of documents only (kind:, topic:, status:, lang:) leave these kinds out; owner:,
    # tlp:, after: and before: apply to records and mileposts, and leave principles out.
    assert _found(world, "editor", "grooming kind:policy") == {}
    assert _found(world, "editor", "grooming owner:acme").keys() == {"record"}
    assert _found(world, "editor", "grooming owner:globex") == {}
    assert _found(world, "editor", f"grooming tlp:{world.records[('organisation', 'clear')].tlp}").keys() == {"record"}
    assert _found(world, "editor", "grooming tlp:red") == {}
    assert _found(world, "editor", f"grooming after:{cycle()}").keys() == {"record"}
    assert _found(world, "editor", f"grooming before:{cycle() - 1}") == {}
    # A filter alone lists the kind: every principle of both frameworks, the first page.
    section = reporting.search(AnonymousUser(), parse("in:principles"))[0]
    assert section.count == Principle.objects.count() and len(section.hits) == min(section.count, 20)


def test_counts_beyond_the_cap_are_said_as_such(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(reporting, "COUNT_LIMIT", 3)
    section = reporting.search(AnonymousUser(), parse("abuse in:principles"))[0]
    assert (section.count, section.count_capped) == (3, True)
    assert '<h2 id="search-section-principle">Principles <small>1,000+</small>' in _page(None, "abuse")


def test_principles_are_suggested_by_code_as_people_type(world: World, client: Any) -> None:
    found = reporting.suggest(AnonymousUser(), "P3")
    assert found[0] == (
        "/principles/voluntary-principles/p/P3/",
        "P3 Grooming and preparatory activity (Voluntary Principles)",
    )
    assert "/principles/voluntary-principles/p/P3/" in [url for url, _ in reporting.suggest(AnonymousUser(), "groom")]
    box = client.get("/search/suggestions/", {"q": "P3"}).content.decode()
    assert 'href="/principles/voluntary-principles/p/P3/"' in box and "Grooming and preparatory activity" in box
    for text in ("", "p", "-", '"', "x" * 5000, "tlp:purple p3", "kind:policy p3"):
        assert client.get("/search/suggestions/", {"q": text}).status_code == 200
    assert reporting.suggest(AnonymousUser(), "kind:policy P3") == []


def test_the_results_page_shows_each_kind_with_its_count_and_facet(world: World, client: Any) -> None:
    page = _page(client, "grooming")
    assert '<h2 id="search-section-principle">Principles <small>' in page
    assert 'href="/principles/voluntary-principles/p/P3/"' in page
    assert "<mark>Grooming</mark>" in page
    assert 'href="?q=grooming%20in%3Aprinciple&amp;sort=relevance"' in page  # the "Found in" facet
    narrowed = _page(client, "grooming in:principle")
    assert 'aria-current="true"' in narrowed and "search-hits-principle" in narrowed
    assert _page(client, "grooming in:mileposts").count("Nothing you can read matches") == 1
    assert "in:principles" in _page(client, "grooming in:nowhere")  # the message names the kinds


def test_member_text_is_escaped_before_highlighting(world: World, client_for: Callable[[Any], Any]) -> None:
    milepost_services.save_milepost(
        acting_user=world.people["editor"],
        organisation=world.acme,
        category="detection",
        date=timezone.localdate(),
        text="<script>alert(1)</script> bandicoot",
    )
    page = _page(client_for(world.people["editor"]), "bandicoot")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>bandicoot</mark>" in page


def test_a_passage_keeps_the_entry_parts_apart_and_the_line_says_what_it_counts(
    world: World, client_for: Callable[[Any], Any]
) -> None:
    editor = world.people["editor"]
    _save(world, world.principles[2], "Planned quollwatch triage.")
    client = client_for(editor)
    page = _page(client, "quollwatch")
    # The record's organisation and its evidence are two parts of its entry, kept apart.
    assert f"{world.acme.name} · Planned <mark>quollwatch</mark> triage" in page  # PostgreSQL drops the stop
    assert f"{world.acme.name} Planned" not in page
    assert "No document, comment or change proposal matches: see what else was found." in page
    library.create_document(acting_user=editor, owner=world.acme, title="Quollwatch", body="Body.")
    page = _page(client, "quollwatch")
    # Once a document matches too, the line says what it counts.
    assert "1 document, comment or change proposal, and what else was found below" in page
