"""Search as people use it: the index follows every change at once, the rebuild gives the same
answers, the results page costs a constant number of queries, and bad input gets a message."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coalition.accounts.models import User
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Audience, Document, Topic
from coalition.search import backends, index
from coalition.search.models import Entry
from coalition.search.query import Term, parse


def _titles(user: Any, text: str) -> list[str]:
    fresh = user if not user.is_authenticated else User.objects.get(pk=user.pk)
    return [hit.document.title for hit in backends.search(fresh, parse(text)).hits]


@pytest.fixture
def doc(acme_editor: User, acme: Any) -> Document:
    return services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Reporting policy",
        summary="How we report to hotlines.",
        body="# Scope\n\nWe report **confirmed** material within 24 hours.",
        tlp=TLP.GREEN,
        audience=Audience.COALITION,
    )


def test_a_member_finds_a_document_by_a_word_of_its_body(doc: Document, acme_editor: User, globex_admin: User) -> None:
    assert _titles(acme_editor, "confirmed") == ["Reporting policy"]
    assert _titles(globex_admin, "confirmed") == []  # not published yet: the audience waits


def test_ranking_phrases_exclusion_prefixes_and_accents(acme_editor: User, acme: Any) -> None:
    def make(title: str, body: str, language: str = "en") -> None:
        services.create_document(acting_user=acme_editor, owner=acme, title=title, body=body, language=language)

    make("Grooming signals", "Signals of grooming in chat. Grooming grooming.")
    make("Chat safety", "Safety in chat; grooming is mentioned once.")
    make("Livestream rules", "Rules for livestreams within one day.")
    make("Sécurité des élèves", "La sécurité des élèves en ligne.", language="fr")
    assert _titles(acme_editor, "grooming")[0] == "Grooming signals"  # title and frequency rank first
    assert set(_titles(acme_editor, "grooming")) == {"Grooming signals", "Chat safety"}
    assert _titles(acme_editor, "grooming -livestream -mentioned") == ["Grooming signals"]
    assert _titles(acme_editor, '"grooming signals"') == ["Grooming signals"]
    assert _titles(acme_editor, '"signals grooming"') == []  # the words, but not in this order
    assert _titles(acme_editor, 'grooming -"grooming signals"') == ["Chat safety"]
    assert _titles(acme_editor, '"signals grooming" OR livestream') == ["Livestream rules"]
    assert _titles(acme_editor, "livestream OR sécurité") != []
    assert set(_titles(acme_editor, "livestream OR élèves")) == {"Livestream rules", "Sécurité des élèves"}
    assert _titles(acme_editor, "securite") == ["Sécurité des élèves"] or connection.vendor == "postgresql"
    assert _titles(acme_editor, "sécurité") == ["Sécurité des élèves"]
    typed = backends.search(User.objects.get(pk=acme_editor.pk), parse("livest", prefix_last=True))
    assert [h.document.title for h in typed.hits] == ["Livestream rules"]


def test_or_joins_the_two_words_beside_it_on_both_databases(acme_editor: User, acme: Any) -> None:
    # `chat grooming OR livestream` is chat AND (grooming OR livestream), as FTS5 reads it; the
    # whole text in websearch_to_tsquery would be (chat AND grooming) OR livestream.
    for title, body in [("Both", "chat and grooming"), ("Other", "chat about livestreams"), ("Alone", "livestream")]:
        services.create_document(acting_user=acme_editor, owner=acme, title=title, body=body)
    assert set(_titles(acme_editor, "chat grooming OR livestream")) == {"Both", "Other"}
    assert set(_titles(acme_editor, "grooming OR livestream chat")) == {"Both", "Other"}
    # A word being typed in an OR group is one of the group's choices too.
    typed = backends.search(User.objects.get(pk=acme_editor.pk), parse("chat grooming OR lives", prefix_last=True))
    assert {hit.document.title for hit in typed.hits} == {"Both", "Other"}


def test_a_word_being_typed_finds_what_its_completions_find(acme_editor: User, acme: Any, monkeypatch: Any) -> None:
    # PostgreSQL looks a word being typed up as the known words it begins when they are few
    # (backends._completed), else as a prefix; SQLite always as a prefix. The same titles either way.
    for title, body in [("Lanterns", "lanterns at night"), ("Lantana", "a lantana hedge"), ("Covid", "covid19 notes")]:
        services.create_document(acting_user=acme_editor, owner=acme, title=title, body=body)
    editor = User.objects.get(pk=acme_editor.pk)
    for limit in (backends.PREFIX_WORDS, 1):  # the second: more completions than the limit
        monkeypatch.setattr(backends, "PREFIX_WORDS", limit)
        assert {title for _pk, title in backends.suggest(editor, "lant")} == {"Lanterns", "Lantana"}
        assert [title for _pk, title in backends.suggest(editor, "lanter")] == ["Lanterns"]
        assert [title for _pk, title in backends.suggest(editor, "lantern -hedge lanta")] == []
        assert [title for _pk, title in backends.suggest(editor, "covid1")] == ["Covid"]  # digits: a prefix
        assert [h.document.title for h in backends.search(editor, parse("night OR lanta", prefix_last=True)).hits]
    query = parse("night lanta", prefix_last=True)
    if connection.vendor == "postgresql":
        monkeypatch.setattr(backends, "PREFIX_WORDS", 32)
        assert backends._completed(query).groups == [[Term(("night",))], [Term(("lanta",)), Term(("lantana",))]]


def test_filters_in_the_box_select(doc: Document, acme_editor: User, acme: Any) -> None:
    topic = Topic.objects.create(name="Hotlines", slug="hotlines")
    services.update_details(acting_user=acme_editor, document=doc, topics=[topic])
    services.create_document(acting_user=acme_editor, owner=acme, title="Reporting guidance", kind="guidance", body="x")
    assert _titles(acme_editor, "reporting kind:policy") == ["Reporting policy"]
    assert _titles(acme_editor, "reporting kind:guidance") == ["Reporting guidance"]
    assert _titles(acme_editor, "reporting topic:hotlines") == ["Reporting policy"]
    assert _titles(acme_editor, "reporting tlp:green") == ["Reporting policy"]
    assert _titles(acme_editor, "reporting owner:acme") != []
    assert _titles(acme_editor, "reporting owner:globex") == []
    assert set(_titles(acme_editor, "owner:acme")) == {"Reporting policy", "Reporting guidance"}
    assert _titles(acme_editor, "reporting before:2000") == []
    assert len(_titles(acme_editor, "reporting after:2000-01-01")) == 2


def test_the_index_follows_each_change_at_once(
    doc: Document, acme_editor: User, globex_admin: User, globex: Any, acme_reader: User
) -> None:
    # A revision saved: the new words are found, the old ones are not.
    services.save_revision(acting_user=acme_editor, document=doc, body="# Scope\n\nWe escalate.", base_number=1)
    assert _titles(acme_editor, "escalate") == ["Reporting policy"]
    assert _titles(acme_editor, "confirmed") == []
    # Published: the coalition finds the published words.
    workflow.publish(acting_user=acme_editor, document=Document.objects.get(pk=doc.pk))
    assert _titles(globex_admin, "escalate") == ["Reporting policy"]
    # A new draft: its drafters find it, the audience still finds the published text only.
    services.save_revision(acting_user=acme_editor, document=doc, body="# Scope\n\nWe triage first.", base_number=2)
    assert _titles(acme_editor, "triage") == ["Reporting policy"]
    assert _titles(globex_admin, "triage") == []
    assert _titles(globex_admin, "escalate") == ["Reporting policy"]
    # Relabelled to AMBER+STRICT and kept to the owner: Globex no longer finds it.
    services.share(acting_user=acme_editor, document=doc, audience=Audience.ORGANISATION)
    assert _titles(globex_admin, "escalate") == []
    # Shared by a grant, then revoked.
    services.grant(acting_user=acme_editor, document=doc, level="view", organisation=globex)
    assert _titles(globex_admin, "triage") == ["Reporting policy"]  # a grant holder works on the draft
    services.revoke_grant(acting_user=acme_editor, document=doc, organisation=globex)
    assert _titles(globex_admin, "triage") == []
    # Relabelled TLP:RED: only people granted by name.
    services.relabel(acting_user=acme_editor, document=doc, tlp=TLP.RED)
    assert _titles(acme_reader, "triage") == []
    # Title changed.
    services.relabel(acting_user=acme_editor, document=doc, tlp=TLP.AMBER)
    services.update_details(acting_user=acme_editor, document=doc, title="Escalation policy")
    assert _titles(acme_editor, "escalation") == ["Escalation policy"]
    # Archived: still found by its readers, marked as such.
    services.set_status(acting_user=acme_editor, document=Document.objects.get(pk=doc.pk), status="archived")
    assert _titles(acme_editor, "escalation") == ["Escalation policy"]
    # Back to draft: the audience's published text is gone.
    services.share(acting_user=acme_editor, document=doc, audience=Audience.COALITION)
    services.set_status(acting_user=acme_editor, document=Document.objects.get(pk=doc.pk), status="draft")
    assert _titles(globex_admin, "escalation") == []


def test_the_rebuild_gives_the_same_answers(doc: Document, acme_editor: User, acme: Any, capsys: Any) -> None:
    services.save_revision(acting_user=acme_editor, document=doc, body="# Scope\n\nWe triage.", base_number=1)
    workflow.publish(acting_user=acme_editor, document=Document.objects.get(pk=doc.pk))
    services.save_revision(acting_user=acme_editor, document=doc, body="# Scope\n\nWe escalate.", base_number=2)
    for n in range(3):
        services.create_document(acting_user=acme_editor, owner=acme, title=f"Other {n}", body="triage notes")
    before = {q: _titles(acme_editor, q) for q in ("triage", "escalate", "reporting", "other")}
    entries = sorted(Entry.objects.values_list("document_id", "variant", "revision_number", "body"))
    call_command("search_rebuild", batch=2)
    assert "Search index rebuilt: 4 documents, comments and proposals" in capsys.readouterr().out
    assert sorted(Entry.objects.values_list("document_id", "variant", "revision_number", "body")) == entries
    assert {q: _titles(acme_editor, q) for q in before} == before


def test_the_results_page_costs_the_same_queries_for_one_result_or_many(
    client_for: Any, acme_editor: User, acme: Any
) -> None:
    client = client_for(acme_editor)

    asked = [
        ("/search/", {"q": "hotline"}),
        ("/search/", {"q": "hotline", "sort": "newest"}),
        ("/search/suggestions/", {"q": "hotl"}),  # a word being typed
    ]

    def queries() -> list[int]:
        counts = []
        for path, params in asked:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, params).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    services.create_document(acting_user=acme_editor, owner=acme, title="Hotline 0", body="hotline")
    queries()  # warm: the permission ids and the like are read once per process
    one = queries()
    for n in range(1, 30):
        services.create_document(acting_user=acme_editor, owner=acme, title=f"Hotline {n}", body="hotline")
    assert queries() == one
    page = client.get("/search/", {"q": "hotline"}).content.decode()
    assert "30 results" in page and 'rel="next"' in page


def test_counts_beyond_the_cap_are_said_as_such(acme_editor: User, acme: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(backends, "COUNT_LIMIT", 3)
    titles = ["Hotline hotline", "Note 1", "Note 2", "Hotline note", "Note 4"]  # oldest first
    for title in titles:
        services.create_document(acting_user=acme_editor, owner=acme, title=title, body="A hotline.")
    results = backends.search(User.objects.get(pk=acme_editor.pk), parse("hotline"))
    assert (results.count, results.count_capped) == (3, True)
    # Ranked among the three most recently changed (bounded work): the title match first.
    assert [h.document.title for h in results.hits] == ["Hotline note", "Note 4", "Note 2"]
    # Newest first: the same three, by last change, not every match sorted (bounded work too).
    newest = backends.search(User.objects.get(pk=acme_editor.pk), parse("hotline"), sort="newest")
    assert [h.document.title for h in newest.hits] == ["Note 4", "Hotline note", "Note 2"]
    assert (newest.count, newest.count_capped) == (3, True)
    # Suggestions as one types: the best titles among the same three, not every match ranked.
    typed = backends.suggest(User.objects.get(pk=acme_editor.pk), "hotl")
    assert [title for _pk, title in typed] == ["Hotline note", "Note 4", "Note 2"]


def test_the_page_says_which_results_it_shows_when_more_than_the_cap_match(
    client_for: Any, acme_editor: User, acme: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(backends, "COUNT_LIMIT", 3)
    for n in range(5):
        services.create_document(acting_user=acme_editor, owner=acme, title=f"Note {n}", body="A hotline.")
    client = client_for(acme_editor)
    best = client.get("/search/", {"q": "hotline"}).content.decode()
    assert "More than 1,000 results" in best and "the best matches among the 1,000 most recently changed" in best
    newest = client.get("/search/", {"q": "hotline", "sort": "newest"}).content.decode()
    assert "the 1,000 most recently changed, newest first" in newest
    assert newest.index("Note 4") < newest.index("Note 3") < newest.index("Note 2")
    assert "Note 1" not in newest  # beyond the cap: reached by narrowing, not by paging


@pytest.mark.parametrize("slice_size", [2, backends.SLICE])
def test_the_newest_matches_are_found_slice_by_slice(
    acme_editor: User, acme: Any, monkeypatch: Any, slice_size: int
) -> None:
    # On PostgreSQL the newest matches are walked a slice of entry ids at a time (two ids here:
    # the walk crosses slices; the index then answers no slice, the results must not change).
    monkeypatch.setattr(backends, "COUNT_LIMIT", 3)
    monkeypatch.setattr(backends, "SLICE", slice_size)
    for n in range(8):
        body = "The duty officer answers." if n % 2 == 0 else "The officer on duty answers."
        services.create_document(acting_user=acme_editor, owner=acme, title=f"Note {n}", body=body)
    editor = User.objects.get(pk=acme_editor.pk)
    results = backends.search(editor, parse('"duty officer"'), with_facets=True)
    assert (results.count, results.count_capped) == (3, True)
    # The phrase's words in another order match no phrase: the three newest of the four that do.
    assert {h.document.title for h in results.hits} == {"Note 6", "Note 4", "Note 2"}
    assert sum(n for _value, _label, n in results.facets["status"]) == 3
    assert [h.document.title for h in backends.search(editor, parse('"officer on duty" note')).hits] == [
        "Note 7",
        "Note 5",
        "Note 3",
    ]
    # A prefix is looked up once, not per slice: the same newest three.
    typed = backends.search(editor, parse("offi", prefix_last=True), with_facets=True)
    assert (typed.count, typed.count_capped) == (3, True)
    assert {h.document.title for h in typed.hits} == {"Note 7", "Note 6", "Note 5"}


def test_member_text_is_escaped_before_highlighting(client_for: Any, acme_editor: User, acme: Any) -> None:
    services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="<script>alert(1)</script> hotline",
        summary="<img src=x onerror=alert(2)>",
        body="`<b>hotline</b>` and hotline",
    )
    page = client_for(acme_editor).get("/search/", {"q": "hotline"}).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>hotline" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>hotline</mark>" in page


@pytest.mark.parametrize(
    "text",
    ["", "-", "OR", '"', '"""', "x" * 10_000, "\x00", "a\x00b", "-foo", "* AND (", "tlp:purple", "after:nope x"],
)
def test_bad_queries_give_a_message_never_a_500(client_for: Any, acme_editor: User, text: str) -> None:
    for client in (client_for(acme_editor), client_for(None)):
        response = client.get("/search/", {"q": text, "page": "999999999999", "sort": "x"})
        assert response.status_code == 200


def test_visitors_search_public_material_only(client: Any, acme_editor: User, acme: Any) -> None:
    public = services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Public hotline guide",
        body="hotline",
        tlp=TLP.CLEAR,
        audience=Audience.PUBLIC,
    )
    services.create_document(acting_user=acme_editor, owner=acme, title="Member hotline notes", body="hotline")
    workflow.publish(acting_user=acme_editor, document=public)
    assert _titles(AnonymousUser(), "hotline") == ["Public hotline guide"]
    page = client.get("/search/", {"q": "hotline"}).content.decode()
    assert "Public <mark>hotline</mark> guide" in page and "Member" not in page
    empty = client.get("/search/", {"q": "zzzunknown"}).content.decode()
    assert "Nothing you can read matches" in empty and "sign in to search" in empty


def test_every_page_has_the_search_box(client_for: Any, acme_editor: User, client: Any) -> None:
    for page in (client_for(acme_editor).get("/library/"), client.get("/accounts/login/")):
        assert 'id="header-search"' in page.content.decode()


def test_index_of_a_document_with_no_text_yet(acme_editor: User, acme: Any) -> None:
    document = services.create_document(acting_user=acme_editor, owner=acme, title="Empty", body="")
    index.index_document(document)
    assert _titles(acme_editor, "empty") == ["Empty"]


def test_facets_count_the_results_and_their_links_add_or_remove_a_filter(
    client_for: Any, acme_editor: User, acme: Any
) -> None:
    services.create_document(acting_user=acme_editor, owner=acme, title="Hotline policy", body="hotline")
    services.create_document(acting_user=acme_editor, owner=acme, title="Hotline guide", kind="guidance", body="x")
    client = client_for(acme_editor)
    page = client.get("/search/", {"q": "hotline"}).content.decode()
    assert "Narrow the results" in page
    assert '<a href="?q=hotline%20kind%3Aguidance&amp;sort=relevance">Guidance</a> <small>1</small>' in page
    narrowed = client.get("/search/", {"q": "hotline kind:guidance"}).content.decode()
    assert "1 result" in narrowed and "Hotline policy" not in narrowed
    assert '<a href="?q=hotline&amp;sort=relevance" aria-current="true"' in narrowed  # selected: removes it


def test_suggestions_offer_titles_the_person_may_read_as_they_type(
    client_for: Any, client: Any, acme_editor: User, globex_admin: User, acme: Any
) -> None:
    services.create_document(acting_user=acme_editor, owner=acme, title="Livestream safety rules", body="rules")
    mine = client_for(acme_editor).get("/search/suggestions/", {"q": "livest"}).content.decode()
    assert "Livestream safety rules" in mine and "All results for" in mine
    # (The seeded principle P5 "Livestreamed abuse" is suggested to everyone: principles are public.)
    assert (
        "Livestream safety"
        not in client_for(globex_admin).get("/search/suggestions/", {"q": "livest"}).content.decode()
    )
    assert "Livestream safety" not in client.get("/search/suggestions/", {"q": "livest"}).content.decode()
    for text in ("", "l", "-", '"', "x" * 5000, "tlp:purple li"):
        assert client_for(acme_editor).get("/search/suggestions/", {"q": text}).status_code == 200


def _kinds(user: Any, text: str) -> list[tuple[str, str]]:
    fresh = user if not user.is_authenticated else User.objects.get(pk=user.pk)
    return [(hit.kind, hit.url) for hit in backends.search(fresh, parse(text)).hits]


def test_comments_and_proposals_are_found_and_follow_publication(
    doc: Document, acme_editor: User, globex_admin: User, client_for: Any, capsys: Any
) -> None:
    from coalition.drafting import services as drafting

    # Said on the draft: its drafters find it, the coalition (who cannot read the draft) does not.
    comment = drafting.add_comment(acting_user=acme_editor, document=doc, body="Should we add wombats here?")
    assert _kinds(acme_editor, "wombats") == [("comment", f"/library/{doc.pk}/discussion/#comment-{comment.pk}")]
    assert _kinds(globex_admin, "wombats") == []
    reply = drafting.reply(acting_user=acme_editor, parent=comment, body="Numbats rather.")
    assert [kind for kind, _ in _kinds(acme_editor, "numbats")] == ["comment"]
    drafting.edit_comment(acting_user=acme_editor, comment=reply, body="Quolls rather.")
    assert _kinds(acme_editor, "numbats") == [] and len(_kinds(acme_editor, "quolls")) == 1
    proposal = drafting.propose(
        acting_user=acme_editor,
        document=doc,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Bandicoots need it sooner.",
    )
    assert _kinds(acme_editor, "bandicoots") == [("proposal", f"/library/{doc.pk}/proposals/{proposal.pk}/")]
    drafting.decide_proposal(
        acting_user=acme_editor, proposal=proposal, outcome="reject", response="Potoroos disagree."
    )
    assert [kind for kind, _ in _kinds(acme_editor, "potoroos")] == ["proposal"]
    # Filters: in:comments, in:proposals, in:documents.
    assert _kinds(acme_editor, "bandicoots in:comments") == []
    assert [k for k, _ in _kinds(acme_editor, "wombats in:comments")] == ["comment"]
    assert _kinds(acme_editor, "wombats in:documents") == []
    # Published: revision 1 (where all this was said) is now read by the coalition.
    workflow.publish(acting_user=acme_editor, document=Document.objects.get(pk=doc.pk))
    assert [k for k, _ in _kinds(globex_admin, "wombats")] == ["comment"]
    assert [k for k, _ in _kinds(globex_admin, "bandicoots")] == ["proposal"]
    # The results page says what was found where and links to it; facets name the result type.
    page = client_for(globex_admin).get("/search/", {"q": "wombats"}).content.decode()
    assert "Comment on" in page and f"#comment-{comment.pk}" in page and "in%3Acomment" in page
    # The rebuild indexes them again, identically.
    entries = sorted(Entry.objects.values_list("kind", "document_id", "variant", "revision_number", "body"))
    call_command("search_rebuild")
    assert sorted(Entry.objects.values_list("kind", "document_id", "variant", "revision_number", "body")) == entries
    assert "documents, comments and proposals" in capsys.readouterr().out
