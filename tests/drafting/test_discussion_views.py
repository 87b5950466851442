"""The discussion page through HTTP: threads anchored to the whole text, a section or a quoted
passage; replies, edits, resolving; mentions; who may comment; what audience-only readers see; the
document's tab strip."""

from __future__ import annotations

import re
from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.drafting import anchors
from coalition.drafting import services as drafting
from coalition.drafting.models import Comment
from coalition.drafting.services import publication as workflow
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role
from tests.library.test_xss import PAYLOADS, assert_safe

BODY = """# Principles

## Scope

These principles apply to every service a member runs.

## Reporting

Members report suspected abuse to the hotline within 24 hours.
"""
WITHOUT_REPORTING = """# Principles

## Scope

These principles apply to every service a member runs.
"""


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Document:
    """An Acme draft shared with the whole coalition once it is out."""
    return library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Shared principles",
        kind=Document.Kind.PRINCIPLES,
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.AMBER,
    )


@pytest.fixture
def globex_contributor(make_member: Any, globex: Any) -> Any:
    return make_member(globex, Role.CONTRIBUTOR, email="contributor@globex.example", name="Gil Globex")


def _url(document: Document, tail: str = "") -> str:
    return f"/library/{document.pk}/discussion/{tail}"


def _comment(client: Any, document: Document, **data: Any) -> Any:
    shown = document.current_revision
    payload = {"anchor": "document", "section": "", "quote": "", "body": "A comment.", "revision": shown.number}
    payload.update(data)
    return client.post(_url(document, "comments/"), payload)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _errors(response: Any, field: str) -> str:
    return " ".join(response.context["comment_form"].errors.get(field, []))


# --- Reading the discussion ------------------------------------------------------------------------


def test_contributor_sees_the_discussion_with_tabs_labels_and_the_comment_form(client_for, acme_contributor, doc):
    response = client_for(acme_contributor).get(_url(doc))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("TLP:AMBER") >= 2
    assert 'aria-current="page">Discussion' in html
    assert f'href="/library/{doc.pk}/ratification/"' in html  # principles: the ratification tab
    assert f'action="/library/{doc.pk}/discussion/comments/"' in html
    assert 'value="doc-reporting"' in html and "Reporting" in html  # the section choice
    assert "@editor@acme.example" in html  # how to mention someone, in the help text
    assert "No comments yet." in html
    [event] = _events("document.discussion_viewed")
    assert event.actor_id == acme_contributor.pk


def test_reader_sees_the_discussion_but_no_comment_form_and_learns_why(client_for, acme_reader, acme_editor, doc):
    drafting.add_comment(acting_user=acme_editor, document=doc, body="Editors' note.")
    response = client_for(acme_reader).get(_url(doc))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Editors&#x27; note." in html or "Editors' note." in html
    assert "comments/" not in html.split("Threads")[0]  # no add-comment form
    assert "You can read this discussion but not take part" in html
    assert "Reply" not in html and "Propose a change" not in html


def test_reader_cannot_comment_and_nothing_is_saved(client_for, acme_reader, doc):
    assert _comment(client_for(acme_reader), doc).status_code == 404
    assert not Comment.objects.exists()


def test_outsiders_and_anonymous_visitors_get_nothing(client_for, client, outsider, globex_admin, doc):
    comment = drafting.add_comment(acting_user=doc.created_by, document=doc, body="Hello")
    for user in (outsider, globex_admin):  # a draft: the coalition audience does not see it yet
        c = client_for(user)
        assert c.get(_url(doc)).status_code == 404
        assert _comment(c, doc).status_code == 404
        assert c.post(_url(doc, f"comments/{comment.pk}/reply/"), {"body": "x"}).status_code == 404
        assert c.get(_url(doc, f"comments/{comment.pk}/edit/")).status_code == 404
        assert c.post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "1"}).status_code == 404
    assert client.get(_url(doc)).status_code == 302  # to sign in
    assert Comment.objects.count() == 1
    comment.refresh_from_db()
    assert comment.resolved_at is None


def test_another_organisation_gets_404_on_an_organisation_only_document(client_for, acme_editor, acme, globex_admin):
    private = library.create_document(acting_user=acme_editor, owner=acme, title="Internal", body=BODY)
    workflow.set_status(acting_user=acme_editor, document=private, status="published")
    assert client_for(acme_editor).get(_url(private)).status_code == 200
    assert client_for(globex_admin).get(_url(private)).status_code == 404
    assert _comment(client_for(globex_admin), private).status_code == 404


def test_missing_document_is_404(client_for, acme_editor):
    assert client_for(acme_editor).get("/library/999999/discussion/").status_code == 404


def test_on_red_only_named_grant_holders_see_and_only_comment_grants_comment(
    client_for, acme_editor, acme_admin, acme_contributor, acme_reader, acme
):
    red = library.create_document(acting_user=acme_editor, owner=acme, title="Red file", body=BODY, tlp=TLP.RED)
    library.grant(acting_user=acme_editor, document=red, level="comment", user=acme_contributor)
    library.grant(acting_user=acme_editor, document=red, level="view", user=acme_reader)
    # Not even the owner organisation's admin, without a grant by name.
    assert client_for(acme_admin).get(_url(red)).status_code == 404
    assert _comment(client_for(acme_admin), red).status_code == 404
    viewer = client_for(acme_reader).get(_url(red))
    assert viewer.status_code == 200 and viewer.context["comment_form"] is None
    assert "only people granted comment access by name" in viewer.content.decode()
    assert _comment(client_for(acme_reader), red).status_code == 404
    response = _comment(client_for(acme_contributor), red, body="On the record.")
    assert response.status_code == 302
    assert Comment.objects.get().author == acme_contributor
    assert "TLP:RED" in client_for(acme_contributor).get(_url(red)).content.decode()


# --- Adding comments ---------------------------------------------------------------------------------


def test_contributor_comments_on_a_section_and_lands_on_its_anchor(client_for, acme_contributor, doc):
    response = _comment(client_for(acme_contributor), doc, anchor="section", section="doc-reporting", body="Too slow?")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/library/{doc.pk}/discussion/#comment-{comment.pk}"
    assert (comment.anchor, comment.section, comment.section_title) == ("section", "doc-reporting", "Reporting")
    assert comment.revision == doc.current_revision and comment.organisation.slug == "acme"
    [event] = _events("comment.added")
    assert event.actor_id == acme_contributor.pk and event.data["comment"] == comment.pk
    page = client_for(acme_contributor).get(_url(doc)).content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert "Section: " in page and "on <a" in page and "revision 1" in page
    assert "Cora Contributor" in page and "Acme" in page


def test_comment_on_a_quoted_passage_shows_the_quote(client_for, acme_contributor, doc):
    _comment(
        client_for(acme_contributor), doc, anchor="quote", quote="to the hotline   within 24 hours", body="Why 24?"
    )
    comment = Comment.objects.get()
    assert comment.quote == "to the hotline within 24 hours"
    page = client_for(acme_contributor).get(_url(doc)).content.decode()
    assert "<blockquote>to the hotline within 24 hours</blockquote>" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"body": ""}, "body", "Write your comment."),
        ({"body": "   "}, "body", "Write your comment."),
        ({"anchor": "section", "section": ""}, "section", "Choose the section you comment on."),
        ({"anchor": "section", "section": "doc-nowhere"}, "section", "Revision 1 has no section “doc-nowhere”."),
        ({"anchor": "quote", "quote": "not in the text at all"}, "quote", "must appear word for word in revision 1"),
        ({"anchor": "quote", "quote": ""}, "quote", "Paste the passage you comment on."),
        ({"anchor": "elsewhere"}, "anchor", "Select a valid choice"),
        ({"body": "x" * 10_001}, "body", "at most 10000 characters"),
    ],
)
def test_bad_comments_are_refused_with_the_text_kept_and_nothing_saved(
    client_for, acme_contributor, doc, data, field, message
):
    payload = {"body": "My carefully written point."} | data
    response = _comment(client_for(acme_contributor), doc, **payload)
    assert response.status_code == 200
    assert message in _errors(response, field)
    if payload["body"].strip() and len(payload["body"]) < 100:
        assert payload["body"] in response.content.decode()  # nothing typed is lost
    assert 'id="new-thread" open' in response.content.decode()
    assert not Comment.objects.exists() and not _events("comment.added")


def test_a_comment_on_a_revision_the_person_cannot_see_is_refused(client_for, acme_contributor, doc):
    response = _comment(client_for(acme_contributor), doc, revision=7)
    assert response.status_code == 200
    assert "There is no revision 7 you can see." in response.content.decode()
    assert not Comment.objects.exists()


def test_mentioning_someone_who_can_read_it_records_the_mention(client_for, acme_contributor, acme_editor, doc):
    response = _comment(client_for(acme_contributor), doc, body="What do you think, @editor@acme.example?")
    assert response.status_code == 302
    assert list(Comment.objects.get().mentions.all()) == [acme_editor]


def test_mentioning_someone_who_cannot_read_it_is_refused_and_nothing_saved(
    client_for, acme_contributor, globex_admin, doc
):
    body = "Looping in @admin@globex.example and @nobody@nowhere.example"
    response = _comment(client_for(acme_contributor), doc, body=body)
    assert response.status_code == 200
    errors = _errors(response, "body")
    assert "You can mention only people who can read this document" in errors
    assert "@admin@globex.example" in errors and "@nobody@nowhere.example" in errors
    assert body in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_bodies_are_sanitised_on_the_page(client_for, acme_contributor, doc):
    payload = (
        '<script>alert("x")</script><img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(2)">click</a> <b onmouseover="alert(3)">bold</b>'
    )
    _comment(client_for(acme_contributor), doc, body=payload)
    html = client_for(acme_contributor).get(_url(doc)).content.decode()
    assert "<script>alert" not in html and "onerror" not in html
    assert "javascript:" not in html and "onmouseover" not in html


# --- Replies, edits, resolving ------------------------------------------------------------------------


def test_reply_joins_the_thread(client_for, acme_contributor, acme_editor, doc):
    root = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Question.")
    response = client_for(acme_editor).post(_url(doc, f"comments/{root.pk}/reply/"), {"body": "Answer."})
    reply = Comment.objects.get(parent=root)
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{reply.pk}")
    assert reply.author == acme_editor and reply.revision == root.revision
    assert _events("comment.replied")
    page = client_for(acme_contributor).get(_url(doc)).content.decode()
    assert f'id="comment-{reply.pk}"' in page and "Answer." in page


def test_replying_to_a_reply_answers_in_its_thread(client_for, acme_contributor, acme_editor, doc):
    root = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Question.")
    first = drafting.reply(acting_user=acme_editor, parent=root, body="Answer.")
    client_for(acme_contributor).post(_url(doc, f"comments/{first.pk}/reply/"), {"body": "Thanks."})
    assert Comment.objects.filter(parent=root).count() == 2


def test_empty_reply_shows_the_thread_again_with_the_error(client_for, acme_contributor, doc):
    root = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Question.")
    response = client_for(acme_contributor).post(_url(doc, f"comments/{root.pk}/reply/"), {"body": " "})
    assert response.status_code == 200
    assert "Write your reply." in response.content.decode() and "Question." in response.content.decode()
    assert Comment.objects.count() == 1


def test_reply_page_offers_the_form_without_javascript(client_for, acme_contributor, doc):
    root = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Question.")
    response = client_for(acme_contributor).get(_url(doc, f"comments/{root.pk}/reply/"))
    assert response.status_code == 200 and 'name="body"' in response.content.decode()


def test_reader_cannot_reply_and_a_comment_of_another_document_is_404(client_for, acme_reader, acme_editor, acme, doc):
    root = drafting.add_comment(acting_user=acme_editor, document=doc, body="Question.")
    assert client_for(acme_reader).post(_url(doc, f"comments/{root.pk}/reply/"), {"body": "x"}).status_code == 404
    other = library.create_document(acting_user=acme_editor, owner=acme, title="Other", body=BODY)
    response = client_for(acme_editor).post(_url(other, f"comments/{root.pk}/reply/"), {"body": "x"})
    assert response.status_code == 404
    assert Comment.objects.count() == 1


def test_author_edits_their_comment_and_everyone_sees_it_was_edited(client_for, acme_contributor, acme_reader, doc):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="First thought.")
    c = client_for(acme_contributor)
    form = c.get(_url(doc, f"comments/{comment.pk}/edit/"))
    assert form.status_code == 200 and "First thought." in form.content.decode()
    response = c.post(_url(doc, f"comments/{comment.pk}/edit/"), {"body": "Second thought."})
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.body == "Second thought." and comment.edited_at is not None
    assert _events("comment.edited")
    page = client_for(acme_reader).get(_url(doc)).content.decode()
    assert "Second thought." in page and "(edited <time" in page


def test_own_comments_have_an_edit_link_and_others_do_not(client_for, acme_contributor, acme_editor, doc):
    mine = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Mine.")
    theirs = drafting.add_comment(acting_user=acme_editor, document=doc, body="Theirs.")
    page = client_for(acme_contributor).get(_url(doc)).content.decode()
    assert f"comments/{mine.pk}/edit/" in page and f"comments/{theirs.pk}/edit/" not in page


@pytest.mark.parametrize(
    ("body", "message"), [("", "Write your comment."), ("Original.", "Nothing changed."), ("x" * 10_001, "at most")]
)
def test_bad_edits_are_refused_and_change_nothing(client_for, acme_contributor, doc, body, message):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Original.")
    response = client_for(acme_contributor).post(_url(doc, f"comments/{comment.pk}/edit/"), {"body": body})
    assert response.status_code == 200 and message in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Original." and comment.edited_at is None


def test_nobody_edits_someone_elses_comment(client_for, acme_contributor, acme_editor, doc):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Original.")
    c = client_for(acme_editor)
    assert c.get(_url(doc, f"comments/{comment.pk}/edit/")).status_code == 404
    assert c.post(_url(doc, f"comments/{comment.pk}/edit/"), {"body": "Hijacked."}).status_code == 404
    comment.refresh_from_db()
    assert comment.body == "Original."


def test_author_resolves_and_reopens_a_thread(client_for, acme_contributor, doc):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Fix this.")
    c = client_for(acme_contributor)
    response = c.post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == acme_contributor
    page = c.get(_url(doc)).content.decode()
    assert "label-resolved" in page and "Reopen" in page
    assert "Fix this." not in c.get(_url(doc) + "?status=open").content.decode()
    assert "Fix this." in c.get(_url(doc) + "?status=resolved").content.decode()
    c.post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "0"})
    comment.refresh_from_db()
    assert not comment.is_resolved
    assert _events("comment.resolved") and _events("comment.reopened")


def test_resolving_twice_or_with_a_bad_value_changes_nothing(client_for, acme_contributor, doc):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Fix this.")
    c = client_for(acme_contributor)
    response = c.post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "0"}, follow=True)
    assert "The thread is already open." in response.content.decode()
    response = c.post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "maybe"}, follow=True)
    assert "Choose whether to resolve or reopen" in response.content.decode()
    comment.refresh_from_db()
    assert not comment.is_resolved and not _events("comment.resolved")


def test_editors_resolve_any_thread_but_other_contributors_and_readers_cannot(
    client_for, acme_contributor, acme_editor, acme_reader, make_member, acme, doc
):
    comment = drafting.add_comment(acting_user=acme_contributor, document=doc, body="Fix this.")
    colleague = make_member(acme, Role.CONTRIBUTOR, email="c2@acme.example")
    for user in (colleague, acme_reader):
        assert client_for(user).post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "1"}).status_code == 404
        assert "Resolve<" not in client_for(user).get(_url(doc)).content.decode()
    comment.refresh_from_db()
    assert not comment.is_resolved
    client_for(acme_editor).post(_url(doc, f"comments/{comment.pk}/resolve/"), {"resolved": "1"})
    comment.refresh_from_db()
    assert comment.resolved_by == acme_editor


# --- Revisions: outdated anchors, and what audience-only readers see -------------------------------------


def test_a_thread_on_a_removed_section_is_marked_outdated(client_for, acme_contributor, acme_editor, doc):
    on_reporting = drafting.add_comment(
        acting_user=acme_contributor, document=doc, body="Tighten.", anchor="section", section="doc-reporting"
    )
    on_scope = drafting.add_comment(
        acting_user=acme_contributor, document=doc, body="Fine.", anchor="section", section="doc-scope"
    )
    c = client_for(acme_contributor)
    assert not any(t.outdated for t in c.get(_url(doc)).context["page"].threads)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=WITHOUT_REPORTING, base_number=1)
    response = c.get(_url(doc))
    threads = {t.comment.pk: t for t in response.context["page"].threads}
    assert threads[on_reporting.pk].outdated and not threads[on_scope.pk].outdated
    html = response.content.decode()
    article = html.split(f'id="comment-{on_reporting.pk}"')[1].split("</article>")[0]
    assert "Outdated" in article and "revision 1" in article
    # Only revision 2's threads: none yet.
    assert "No threads match this filter." in c.get(_url(doc) + "?revision=this").content.decode()


def test_a_quote_that_is_gone_is_outdated(client_for, acme_contributor, acme_editor, doc):
    drafting.add_comment(
        acting_user=acme_contributor, document=doc, body="Hm.", anchor="quote", quote="within 24 hours"
    )
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY.replace("24", "12"), base_number=1)
    [thread] = client_for(acme_contributor).get(_url(doc)).context["page"].threads
    assert thread.outdated


def test_audience_only_readers_never_see_comments_on_an_unpublished_revision(
    client_for, acme_contributor, acme_editor, globex_contributor, doc
):
    drafting.publish(acting_user=acme_editor, document=doc)
    on_published = drafting.add_comment(acting_user=globex_contributor, document=doc, body="Published-text remark.")
    drafting.save_revision(acting_user=acme_editor, document=doc, body=WITHOUT_REPORTING, base_number=1)
    on_draft = drafting.add_comment(
        acting_user=acme_contributor, document=doc, body="Secret draft remark.", anchor="section", section="doc-scope"
    )
    globex = client_for(globex_contributor)
    page = globex.get(_url(doc))
    html = page.content.decode()
    assert "Published-text remark." in html and "Secret draft remark." not in html
    assert "You read revision 1." in html
    assert page.context["page"].counts == {"open": 1, "resolved": 0, "all": 1}
    assert globex.post(_url(doc, f"comments/{on_draft.pk}/reply/"), {"body": "x"}).status_code == 404
    assert globex.get(_url(doc, f"comments/{on_draft.pk}/reply/")).status_code == 404
    # Their comment is on revision 1, the revision they read: not outdated for them, outdated for drafters.
    assert not page.context["page"].threads[0].outdated
    drafter = {t.comment.pk: t for t in client_for(acme_contributor).get(_url(doc)).context["page"].threads}
    assert set(drafter) == {on_published.pk, on_draft.pk}
    # A new comment from the audience goes on the published revision.
    _comment(globex, doc, revision=1, body="Another.")
    assert Comment.objects.get(body="Another.").revision.number == 1
    assert _comment(globex, doc, revision=2, body="Sneaky.").status_code == 200
    assert not Comment.objects.filter(body="Sneaky.").exists()


# --- Lists stay fast ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 30])
def test_discussion_page_queries_do_not_grow_with_threads(
    client_for, acme_contributor, acme_editor, doc, n, django_assert_max_num_queries
):
    for i in range(n):
        root = drafting.add_comment(
            acting_user=acme_contributor, document=doc, body=f"Point {i}", anchor="quote", quote="within 24 hours"
        )
        drafting.reply(acting_user=acme_editor, parent=root, body=f"Answer {i}")
    drafting.propose(
        acting_user=acme_contributor,
        document=doc,
        anchor="quote",
        quote="within 24 hours",
        replacement="within 12 hours",
        rationale="Faster.",
    )
    c = client_for(acme_contributor)
    with django_assert_max_num_queries(23):  # measured: 23 for 3 or 30 threads (audit write included)
        response = c.get(_url(doc))
    assert len(response.context["page"].threads) == min(n, 20)


def test_threads_are_paginated_newest_activity_first(client_for, acme_contributor, acme_editor, doc):
    roots = [drafting.add_comment(acting_user=acme_contributor, document=doc, body=f"Point {i}") for i in range(22)]
    drafting.reply(acting_user=acme_editor, parent=roots[0], body="Late answer.")
    c = client_for(acme_contributor)
    first = c.get(_url(doc)).context["page"]
    assert [t.comment.pk for t in first.threads][:2] == [roots[0].pk, roots[21].pk]
    assert first.page.has_next()
    second = c.get(_url(doc) + "?page=2&status=all")
    assert len(second.context["page"].threads) == 2
    assert "?page=1&amp;status=all" in second.content.decode()  # the filter is kept across pages
    assert c.get(_url(doc) + "?page=zzz&status=bogus").status_code == 200


# --- The document page: tabs and the working-copy note -----------------------------------------------------


def test_document_page_has_tabs_and_tells_drafters_what_readers_see(client_for, acme_editor, globex_contributor, doc):
    drafting.publish(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    drafter = client_for(acme_editor).get(f"/library/{doc.pk}/").content.decode()
    assert 'aria-current="page">Document' in drafter
    assert f'href="/library/{doc.pk}/discussion/"' in drafter
    assert "You read revision 2, a draft: readers see revision 1." in drafter
    reader = client_for(globex_contributor).get(f"/library/{doc.pk}/").content.decode()
    assert "a draft: readers see" not in reader and f'href="/library/{doc.pk}/discussion/"' in reader


def test_tabs_follow_the_kind_of_document(client_for, acme_editor, acme):
    guidance = library.create_document(
        acting_user=acme_editor, owner=acme, title="Guide", kind=Document.Kind.GUIDANCE, body=BODY
    )
    html = client_for(acme_editor).get(_url(guidance)).content.decode()
    assert f"/library/{guidance.pk}/acknowledgements/" in html and f"/library/{guidance.pk}/ratification/" not in html


def test_a_link_with_a_quote_opens_the_form_filled_in(client_for, acme_contributor, doc):
    response = client_for(acme_contributor).get(_url(doc) + "?quote=within+24+hours")
    form = response.context["comment_form"]
    assert form.initial["anchor"] == "quote" and form.initial["quote"] == "within 24 hours"
    html = response.content.decode()
    assert 'id="new-thread" open' in html
    assert (
        '<textarea name="quote" cols="40" rows="2" maxlength="10000"' in html and "within 24 hours</textarea>" in html
    )
    section = client_for(acme_contributor).get(_url(doc) + "?section=doc-scope").context["comment_form"]
    assert section.initial["anchor"] == "section" and section.initial["section"] == "doc-scope"


def test_commenting_on_a_selection_is_offered_only_to_those_who_may_comment(
    client_for, acme_contributor, acme_reader, doc
):
    for path in (f"/library/{doc.pk}/", _url(doc)):
        contributor = client_for(acme_contributor).get(path).content.decode()
        assert "drafting/selection.js" in contributor and "Comment on selection" in contributor
        reader = client_for(acme_reader).get(path).content.decode()
        assert "drafting/selection.js" not in reader and "Comment on selection" not in reader
    # The discussion page carries the text being discussed, to select from.
    assert "Members report suspected abuse" in client_for(acme_reader).get(_url(doc)).content.decode()


# --- Every script-injection payload, everywhere member text reaches these pages ----------------------------

PAYLOAD_BATCHES = [PAYLOADS[i : i + 50] for i in range(0, len(PAYLOADS), 50)]


@pytest.mark.parametrize("batch", PAYLOAD_BATCHES, ids=[f"batch-{i}" for i in range(len(PAYLOAD_BATCHES))])
def test_payloads_in_comments_proposals_and_names_cannot_script_the_drafting_pages(
    batch, client_for, make_member, acme, acme_editor
):
    body = BODY + "\n".join(f"\nPassage {i}: {anchors.normalise(p)}\n" for i, p in enumerate(batch))
    document = library.create_document(acting_user=acme_editor, owner=acme, title=batch[0][:200], body=body)
    proposals = []
    for i, payload in enumerate(batch):
        author = make_member(acme, Role.CONTRIBUTOR, name=payload[:150] or "x")
        try:
            root = drafting.add_comment(acting_user=author, document=document, body=payload)
            if i < 3:  # replies go through the same renderer and template as first comments
                drafting.reply(acting_user=acme_editor, parent=root, body=payload)
        except ServiceError:  # e.g. a payload that reads as a mention of an unknown address
            pass
        proposals.append(
            drafting.propose(
                acting_user=author,
                document=document,
                anchor="quote",
                quote=f"Passage {i}:",
                replacement=f"{payload} (new)",
                rationale=payload,
            )
        )
    drafting.decide_proposal(
        acting_user=acme_editor, proposal=proposals[0], outcome="reject", response=batch[-1] or "No."
    )
    c = client_for(acme_editor)
    pages = {
        "discussion": _url(document),
        "discussion page 2": _url(document) + "?page=2",
        "disposition": f"/library/{document.pk}/disposition/",
        **{f"proposal {p.pk}": f"/library/{document.pk}/proposals/{p.pk}/" for p in proposals},
    }
    for where, url in pages.items():
        response = c.get(url)
        assert response.status_code == 200, where
        assert_safe(response.content.decode(), where)


def test_picking_a_section_or_pasting_a_passage_is_what_the_comment_is_about(client_for, acme_contributor, doc):
    c = client_for(acme_contributor)
    _comment(c, doc, anchor="document", section="doc-scope", body="On scope.")
    _comment(c, doc, anchor="document", quote="within 24 hours", body="On the deadline.")
    assert Comment.objects.get(body="On scope.").anchor == "section"
    assert Comment.objects.get(body="On the deadline.").anchor == "quote"
    both = _comment(c, doc, anchor="document", section="doc-scope", quote="within 24 hours", body="Both?")
    assert "Choose whether you comment on the section or on the quoted passage." in _errors(both, "anchor")
    assert not Comment.objects.filter(body="Both?").exists()


# --- One revision per person, on every tab (issue 9, defect 5) ---------------------------------------


@pytest.mark.parametrize(
    ("who", "reads"),
    [("acme_reader", 3), ("acme_editor", 3), ("globex_editor", 3), ("grantee", 3), ("audience_reader", 2)],
)
def test_every_tab_states_the_same_revision_for_each_person(
    request, client_for, make_member, acme, acme_editor, globex, make_org, who, reads
):
    """A principles text co-drafted with Globex, shared with Initech, granted to a Stark reader by name:
    revision 2 published, revision 3 a draft. The owner's reader, the owner's editor, a co-drafter and
    a grantee read revision 3; the audience's reader reads revision 2; every tab says the same."""
    initech, stark = make_org("Initech"), make_org("Stark")
    document = library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Principles",
        kind=Document.Kind.PRINCIPLES,
        body=BODY,
        audience=Audience.NAMED,
        tlp=TLP.GREEN,
        audience_organisations=[initech],
        co_drafters=[globex],
    )
    drafting.save_revision(acting_user=acme_editor, document=document, body=BODY + "\nTwo.\n", base_number=1)
    drafting.publish(acting_user=acme_editor, document=document)
    drafting.save_revision(acting_user=acme_editor, document=document, body=BODY + "\nThree.\n", base_number=2)
    people = {
        "acme_reader": lambda: request.getfixturevalue("acme_reader"),
        "acme_editor": lambda: acme_editor,
        "globex_editor": lambda: make_member(globex, Role.EDITOR, email="editor@globex.example"),
        "grantee": lambda: make_member(stark, Role.READER, email="reader@stark.example"),
        "audience_reader": lambda: make_member(initech, Role.READER, email="reader@initech.example"),
    }
    person = people[who]()
    if who == "grantee":
        library.grant(acting_user=acme_editor, document=document, level="view", user=person)
    client = client_for(person)
    said = {}
    for tab in ("", "discussion/", "review/", "ratification/"):
        page = client.get(f"/library/{document.pk}/{tab}").content.decode()
        said[tab or "document"] = re.findall(r"You read revision (\d+)", page)
    assert said == {tab: [str(reads)] for tab in said}
