"""Search finds, for every person of the principles' authorisation matrix, exactly the implementation
records, evidence notes and mileposts they may read, and every principle: the principles world
(tests/principles/conftest.py) gives Acme one record per audience x TLP label the models allow;
here each record's evidence, one evidence item's note on it and one milepost at the same audience
and label carry a secret word of their own (and a word they share with their kind). The expected
sets come from that world's reference rule (`may_read`, written from docs/principles.md), never
from the access module; checked in the results, the counts, the passages, the "Found in" facet,
the suggestions, "did you mean" and the results page. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from coalition.accounts.models import User
from coalition.core import markdown
from coalition.principles import milepost_services
from coalition.principles.models import EvidenceItem, ImplementationRecord, Milepost
from coalition.search import reporting, reporting_index, spelling
from coalition.search.query import parse
from tests.principles.conftest import CASES, World, may_read, world
from tests.principles.test_access_matrix import VIEWERS

__all__ = ["world"]  # the principles world's fixture, used here

pytestmark = pytest.mark.django_db

# Words each kind shares, and a secret word per item: "zorblrec" + two letters, each three times,
# so that any two secret words are at least three edits apart ("did you mean" offers a word one
# or two edits away, and must never offer another item's).
SHARED = {"record": "zephyrrecord", "note": "zephyrnote", "milepost": "zephyrmilepost"}


def secret(kind: str, n: int) -> str:
    letters = string.ascii_lowercase
    return f"zorbl{kind[:3]}{letters[n // 26] * 3}{letters[n % 26] * 3}"


Planted = dict[str, dict[str, tuple[str, str]]]  # kind -> secret word -> (audience, tlp)


@pytest.fixture
def planted(world: World) -> Planted:
    """The secret words, planted in every record's evidence, in an evidence note on every record
    and in a milepost at every audience x label (written through the services where they index)."""
    words: Planted = {"record": {}, "note": {}, "milepost": {}}
    for n, (case, record) in enumerate(sorted(world.records.items())):
        evidence = f"Our work: {SHARED['record']} {secret('record', n)}."
        ImplementationRecord.objects.filter(pk=record.pk).update(
            evidence=evidence, evidence_html=markdown.render(evidence)
        )
        EvidenceItem.objects.create(
            record=record,
            kind=EvidenceItem.Kind.FILE,
            note=f"Shows {SHARED['note']} {secret('note', n)}",
            original_name="audit.pdf",
            storage_name=f"evidence/test/{n}",
            sha256="0" * 64,
            tlp=record.tlp,
        )
        words["record"][secret("record", n)] = case
        words["note"][secret("note", n)] = case
    # The world writes its records straight to the tables: index them as the services do.
    reporting_index.index_records([r.pk for r in world.records.values()])
    for n, (audience, tlp) in enumerate(CASES):
        milepost_services.save_milepost(
            acting_user=world.people["editor"],
            organisation=world.acme,
            category="detection",
            date=timezone.localdate(),
            text=f"Rolled out {SHARED['milepost']} {secret('milepost', n)}",
            audience=audience,
            tlp=tlp,
            audience_organisations=[world.globex],
            audience_communities=[world.community],
        )
        words["milepost"][secret("milepost", n)] = (audience, tlp)
    return words


def _person(world: World, viewer: str) -> Any:
    person = world.people[viewer]
    return AnonymousUser() if person is None else User.objects.get(pk=person.pk)


def _expected(viewer: str, words: dict[str, tuple[str, str]]) -> set[str]:
    return {word for word, (audience, tlp) in words.items() if may_read(viewer, audience, tlp)}


def _section(user: Any, text: str, kind: str) -> reporting.Section | None:
    return next((s for s in reporting.search(user, parse(text)) if s.kind == kind), None)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_person_finds_exactly_the_records_notes_and_mileposts_they_may_read(
    viewer: str, world: World, planted: Planted
) -> None:
    user = _person(world, viewer)
    for kind, words in planted.items():
        expected = _expected(viewer, words)
        section_kind = "milepost" if kind == "milepost" else "record"
        # The words the kind shares, searched in that kind only (one page holds them all).
        section = _section(user, f"{SHARED[kind]} in:{section_kind}", section_kind)
        found = {w for w in words if section is not None and any(w in h.title + h.snippet for h in section.hits)}
        assert found == expected, (viewer, kind)
        assert (section.count if section else 0) == len(expected), (viewer, kind)
        assert all(f"<mark>{SHARED[kind]}</mark>" in h.title + h.snippet for h in (section.hits if section else []))
        # Each secret word alone: found by those who may read it, and by nobody else.
        for word, case in words.items():
            hits = _section(user, word, section_kind)
            assert (hits is not None and hits.count == 1) is may_read(viewer, *case), (viewer, word)
            assert reporting.finds_any(user, parse(word)) is may_read(viewer, *case), (viewer, word)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_results_page_facets_suggestions_and_did_you_mean_say_no_more(
    viewer: str, world: World, planted: Planted, client_for: Callable[[Any], Any]
) -> None:
    user = _person(world, viewer)
    client = client_for(world.people[viewer])
    readable = {kind: _expected(viewer, words) for kind, words in planted.items()}
    hidden = {w for kind, words in planted.items() for w in words if w not in readable[kind]}
    # Every word of every kind at once: the page shows the readable ones only, counted as such.
    text = f"{SHARED['record']} OR {SHARED['note']} OR {SHARED['milepost']}"
    page = client.get("/search/", {"q": text}).content.decode()
    assert not [w for w in hidden if w in page], viewer
    records = len(readable["record"])  # a record's evidence and its note: one record found
    facet = dict(re.findall(r'in%3A(record|milepost)&amp;sort=relevance"[^>]*>[^<]*</a> <small>(\d+)</small>', page))
    assert int(facet.get("record", 0)) == records, viewer
    assert int(facet.get("milepost", 0)) == len(readable["milepost"]), viewer
    if not records and not readable["milepost"]:
        assert "Nothing you can read matches" in page
    for kind, planted_kinds in (("record", ("record", "note")), ("milepost", ("milepost",))):
        listed = client.get("/search/", {"q": f"{text} in:{kind}"}).content.decode()
        assert not [w for w in hidden if w in listed], (viewer, kind)
        shown = {w for k in planted_kinds for w in planted[k] if w in listed}
        assert shown == {w for k in planted_kinds for w in readable[k]}, (viewer, kind)
    # Suggestions while typing offer principles only: never a record's or a milepost's words.
    for word in [SHARED["record"][:-2], SHARED["milepost"][:-2], *[w[:-1] for w in hidden]]:
        assert reporting.suggest(user, word) == []
        assert "zorbl" not in client.get("/search/suggestions/", {"q": word}).content.decode()
    # "Did you mean": a secret word one letter off is corrected for its readers only.
    for kind, words in planted.items():
        for word in words:
            typo = word[:-1] + ("x" if word[-1] != "x" else "y")
            assert spelling.did_you_mean(user, typo) == (word if word in readable[kind] else None), (viewer, typo)
    page = client.get("/search/", {"q": next(iter(hidden), "zorblzzz")[:-1] + "q"}).content.decode()
    assert "Did you mean" not in page


@pytest.mark.parametrize("viewer", VIEWERS)
def test_everyone_finds_the_principles(viewer: str, world: World, client_for: Callable[[Any], Any]) -> None:
    user = _person(world, viewer)
    section = _section(user, "livestreamed", "principle")
    assert section is not None and [h.item.code for h in section.hits] == ["P5"]
    assert "<mark>Livestreamed</mark>" in section.hits[0].title
    label = "P5 Livestreamed abuse (Voluntary Principles)"
    assert reporting.suggest(user, "P5")[0] == ("/principles/voluntary-principles/p/P5/", label)
    page = client_for(world.people[viewer]).get("/search/", {"q": "livestreamed"}).content.decode()
    assert 'href="/principles/voluntary-principles/p/P5/"' in page


def test_visitors_find_only_public_clear_records_and_mileposts(world: World, planted: Planted) -> None:
    public = {word for words in planted.values() for word, case in words.items() if case == ("public", "clear")}
    assert len(public) == 3
    for viewer in ("anonymous", "outsider"):
        found = {
            w for words in planted.values() for w in words if reporting.finds_any(_person(world, viewer), parse(w))
        }
        assert found == public, viewer
    assert Milepost.objects.count() == len(CASES) == 13
