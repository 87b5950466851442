"""My work, the signed-in home: each kind of task appears for exactly the people who may act on
it, links to where they act, and leaves once it is done (its inbox items marked done), across the
people of the authorisation matrix. Anonymous visitors get the public home at / and are sent to
sign in from /my-work/."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coalition.accounts.models import User
from coalition.drafting import services as drafting
from coalition.library import services as library
from coalition.library.models import Document
from coalition.notifications.models import Notification
from tests.mywork.conftest import PEOPLE, work_of

pytestmark = pytest.mark.django_db


def holders(client_for: Callable[[User | None], Client], people: dict[str, User], section: str) -> set[str]:
    """The people whose My work lists something in `section`."""
    return {name for name in PEOPLE if getattr(work_of(client_for, people[name]), section).items}


def test_anonymous_visitors_are_sent_to_sign_in_from_my_work(client: Client) -> None:
    response = client.get("/my-work/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # The home page is the public front door for them, with nothing of anyone's work.
    home = client.get("/")
    assert home.status_code == 200 and "work" not in home.context


def test_my_work_is_the_signed_in_home(client_for: Any, acme_reader: User) -> None:
    response = client_for(acme_reader).get("/")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "mywork/home.html"
    assert "Nothing waits for you right now." in response.content.decode()


def test_a_review_step_waits_for_its_reviewers_only_and_leaves_once_decided(
    client_for: Any, people: dict[str, User], review: Any, acme_contributor: User
) -> None:
    # Acme's contributors and above, except the editor who asked for the review.
    assert holders(client_for, people, "reviews") == {"acme_admin", "acme_contributor", "acme_signatory"}
    html = client_for(acme_contributor).get("/").content.decode()
    assert f'href="/library/{review.document_id}/review/"' in html
    assert Notification.objects.filter(kind="review_requested", done_at__isnull=True).count() == 3

    drafting.decide_review(acting_user=acme_contributor, review=review, outcome="approve")

    assert holders(client_for, people, "reviews") == set()
    # The step is decided: its request is done in every reviewer's inbox, not only the decider's.
    assert not Notification.objects.filter(kind="review_requested", done_at__isnull=True).exists()
    assert Notification.objects.filter(kind="review_requested", read_at__isnull=False).count() == 3


def test_a_ratification_waits_for_the_signatories_of_an_undecided_organisation(
    client_for: Any, people: dict[str, User], ratification: Any, acme_signatory: User, acme: Any
) -> None:
    assert holders(client_for, people, "ratifications") == {"acme_signatory"}
    html = client_for(acme_signatory).get("/").content.decode()
    assert f'href="/library/{ratification.document_id}/ratification/"' in html

    drafting.endorse(
        acting_user=acme_signatory, ratification=ratification, organisation=acme, decision="endorse", mfa_confirmed=True
    )

    assert holders(client_for, people, "ratifications") == set()
    [notification] = Notification.objects.filter(kind="ratification_opened", recipient=acme_signatory)
    assert notification.is_done


def test_an_acknowledgement_waits_for_each_contributor_of_the_asked_organisations_until_they_give_it(
    client_for: Any, people: dict[str, User], acknowledgement: Any, acme_contributor: User, acme: Any
) -> None:
    asked = {"acme_admin", "acme_editor", "acme_contributor", "acme_signatory", "globex_admin"}
    assert holders(client_for, people, "acknowledgements") == asked
    html = client_for(acme_contributor).get("/").content.decode()
    assert f'href="/library/{acknowledgement.document_id}/acknowledgements/"' in html

    drafting.acknowledge(acting_user=acme_contributor, request=acknowledgement, organisation=acme)

    assert holders(client_for, people, "acknowledgements") == asked - {"acme_contributor"}
    mine = Notification.objects.get(kind="acknowledgement_requested", recipient=acme_contributor)
    assert mine.is_done
    assert not Notification.objects.filter(kind="acknowledgement_requested", done_at__isnull=False).exclude(
        recipient=acme_contributor
    )


def test_a_proposal_waits_for_the_owners_editors_until_decided(
    client_for: Any, people: dict[str, User], proposal: Any, acme_editor: User
) -> None:
    deciders = {"acme_admin", "acme_editor", "acme_signatory"}
    assert holders(client_for, people, "proposals") == deciders
    html = client_for(acme_editor).get("/").content.decode()
    assert f'href="/library/{proposal.document_id}/proposals/{proposal.pk}/"' in html

    drafting.decide_proposal(acting_user=acme_editor, proposal=proposal, outcome="reject", response="Too soon.")

    assert holders(client_for, people, "proposals") == set()
    assert not Notification.objects.filter(kind="proposal_submitted", done_at__isnull=True).exists()


def test_a_comment_thread_waits_for_the_owners_editors_until_their_side_answers(
    client_for: Any, people: dict[str, User], thread: Any, acme_editor: User, globex_admin: User
) -> None:
    editors = {"acme_admin", "acme_editor", "acme_signatory"}
    assert holders(client_for, people, "threads") == editors
    html = client_for(acme_editor).get("/").content.decode()
    assert f'href="/library/{thread.document_id}/discussion/#comment-{thread.pk}"' in html

    # The commenter adding more keeps it waiting; the owner's side answering ends the wait.
    drafting.reply(acting_user=globex_admin, parent=thread, body="And live audio?")
    assert holders(client_for, people, "threads") == editors
    drafting.reply(acting_user=acme_editor, parent=thread, body="Yes, both.")

    assert holders(client_for, people, "threads") == set()
    assert not Notification.objects.filter(kind="document_comment", done_at__isnull=True, task__startswith="thread:")


def test_a_resolved_thread_leaves(client_for: Any, people: dict[str, User], thread: Any, acme_admin: User) -> None:
    drafting.set_resolved(acting_user=acme_admin, comment=thread, resolved=True)
    assert holders(client_for, people, "threads") == set()


def test_a_draft_is_listed_for_who_wrote_it_until_published(
    client_for: Any, people: dict[str, User], draft: Document, acme_editor: User, acme_admin: User
) -> None:
    assert holders(client_for, people, "drafts") == {"acme_editor"}
    library.save_revision(acting_user=acme_admin, document=draft, body="Revised by the admin.", base_number=1)
    assert holders(client_for, people, "drafts") == {"acme_editor", "acme_admin"}
    html = client_for(acme_editor).get("/").content.decode()
    assert f'href="/library/{draft.pk}/edit/"' in html

    drafting.publish(acting_user=acme_editor, document=draft)

    assert holders(client_for, people, "drafts") == set()


def test_a_review_by_date_near_is_listed_for_its_review_owner_until_a_new_date_is_set(
    client_for: Any, people: dict[str, User], due: Document, acme_editor: User
) -> None:
    assert holders(client_for, people, "review_due") == {"acme_editor"}
    far = timezone.localdate() + datetime.timedelta(days=365)
    response = client_for(acme_editor).post(
        f"/library/{due.pk}/edit/",
        {
            "title": due.title,
            "kind": due.kind,
            "language": "en",
            "review_by": far.isoformat(),
            "review_owner": acme_editor.pk,
            "body": due.current_revision.body,
            "base": due.current_revision.number,
        },
    )
    assert response.status_code == 302
    assert holders(client_for, people, "review_due") == set()


def test_recently_viewed_and_starred_documents_are_listed_only_while_readable(
    client_for: Any, make_document: Any, acme_editor: User, globex_admin: User
) -> None:
    document = make_document(title="Read by Globex", publish=True)
    client = client_for(globex_admin)
    assert client.get(f"/library/{document.pk}/").status_code == 200
    assert client.post(f"/notifications/documents/{document.pk}/star/", {"starred": "1"}).status_code == 302
    work = work_of(client_for, globex_admin)
    assert [v.document for v in work.recent.items] == [document]
    assert [f.document for f in work.starred.items] == [document]

    # Acme narrows the audience to itself: Globex no longer sees it anywhere on My work.
    library.share(acting_user=acme_editor, document=document, audience="organisation")
    work = work_of(client_for, globex_admin)
    assert not work.recent and not work.starred


@pytest.mark.parametrize("n", [1, 6])
def test_my_work_costs_the_same_number_of_queries_however_much_waits(
    n: int,
    client_for: Any,
    make_document: Any,
    acme: Any,
    globex: Any,
    acme_editor: User,
    acme_signatory: User,
    globex_admin: User,
    django_assert_max_num_queries: Any,
) -> None:
    from tests.mywork.conftest import step

    for i in range(n):
        under_review = make_document(title=f"Review {i}")
        drafting.set_review_steps(
            acting_user=acme_editor, document=under_review, steps=[step("Check", "editor", organisation=acme)]
        )
        drafting.request_review(acting_user=acme_editor, document=under_review)
        ratified = make_document(title=f"Ratify {i}", publish=True)
        drafting.open_ratification(acting_user=acme_editor, document=ratified)
        guidance = make_document(title=f"Guidance {i}", kind=Document.Kind.GUIDANCE, publish=True)
        drafting.request_acknowledgement(acting_user=acme_editor, document=guidance, organisations=[acme, globex])
        drafting.propose(
            acting_user=globex_admin,
            document=ratified,
            anchor="section",
            section="doc-reporting",
            replacement="Within 12 hours.\n",
            rationale="Faster.",
        )
        drafting.add_comment(acting_user=globex_admin, document=ratified, body=f"Question {i}")
        make_document(title=f"Draft {i}", by=acme_signatory)
        make_document(title=f"Due {i}", by=acme_signatory, review_by=timezone.localdate() + datetime.timedelta(days=1))
    client = client_for(acme_signatory)
    for document in Document.objects.filter(title__startswith="Ratify"):
        client.get(f"/library/{document.pk}/")
        client.post(f"/notifications/documents/{document.pk}/star/", {"starred": "1"})
    client.get("/")  # the first request of a minute also records the session's activity
    with django_assert_max_num_queries(14):  # measured: 14 with 1 or 6 of everything
        response = client.get("/")
    work = response.context["work"]
    assert len(work.reviews) == n and len(work.ratifications) == n and len(work.acknowledgements) == n
    assert len(work.proposals) == n and len(work.threads) == n and len(work.drafts) == min(2 * n, 10)
    assert len(work.review_due) == n and len(work.recent) == n and len(work.starred) == n
