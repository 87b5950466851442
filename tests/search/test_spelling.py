"""'Did you mean': close spellings from the index's words, offered only when they find something."""

from __future__ import annotations

from typing import Any

from coalition.accounts.models import User
from coalition.library import services
from coalition.search import spelling
from coalition.search.models import Word


def test_distance_counts_edits_and_transpositions() -> None:
    assert spelling.distance("policy", "policy", 2) == 0
    assert spelling.distance("polcy", "policy", 2) == 1
    assert spelling.distance("plociy", "policy", 2) == 2  # a transposition and one more
    assert spelling.distance("ploicy", "policy", 2) == 1
    assert spelling.distance("pol", "policies", 2) == 3  # beyond the limit: limit + 1


def test_words_are_remembered_as_text_is_indexed(acme_editor: User, acme: Any) -> None:
    services.create_document(
        acting_user=acme_editor, owner=acme, title="Grooming signals", body="Sécurité des élèves, 2026 x1 ok"
    )
    known = set(Word.objects.values_list("text", flat=True))
    assert {"grooming", "signals", "sécurité", "élèves"} <= known
    assert not known & {"2026", "x1", "ok"}  # digits and words under three letters are left out


def test_a_misspelt_search_is_offered_the_word_that_finds_something(
    acme_editor: User, acme: Any, globex_admin: User, client_for: Any
) -> None:
    services.create_document(acting_user=acme_editor, owner=acme, title="Wombat signals", body="Livestream rules")
    editor = User.objects.get(pk=acme_editor.pk)
    assert spelling.did_you_mean(editor, "wombta signals") == "wombat signals"
    assert spelling.did_you_mean(editor, "livestraem kind:policy") == "livestream kind:policy"
    assert spelling.did_you_mean(editor, "wombat") is None  # nothing to correct
    assert spelling.did_you_mean(editor, "zzzzzz") is None
    # A draft of Acme's: Globex may not read it, so its words are never offered to Globex. (A word
    # of the seeded principles, such as "grooming", is: principles are public.)
    assert spelling.did_you_mean(User.objects.get(pk=globex_admin.pk), "wombta") is None
    assert spelling.did_you_mean(User.objects.get(pk=globex_admin.pk), "groomnig") == "grooming"
    page = client_for(acme_editor).get("/search/", {"q": "wombta"}).content.decode()
    assert "Did you mean" in page and "?q=wombat" in page
    page = client_for(globex_admin).get("/search/", {"q": "wombta"}).content.decode()
    assert "Did you mean" not in page and "Nothing you can read matches" in page


def test_the_work_is_bounded(acme_editor: User, monkeypatch: Any) -> None:
    Word.objects.bulk_create([Word(text=f"g{n:05d}x", initial="g", length=7) for n in range(50)])
    monkeypatch.setattr(spelling, "CANDIDATES", 10)
    assert len(spelling.close_words("g00001y")) <= 3
    long = " ".join(f"qqq{c}word" for c in "abcdefghij")
    assert spelling.did_you_mean(User.objects.get(pk=acme_editor.pk), long) is None
