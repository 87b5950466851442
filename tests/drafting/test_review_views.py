"""The review page through HTTP: defining steps, asking for review, reviewers deciding in order,
withdrawing, and publishing only once every step has approved."""

from __future__ import annotations

from typing import Any

import pytest

from coalition.audit.models import AuditEvent
from coalition.drafting import services as drafting
from coalition.drafting.models import Review, ReviewDecision, ReviewStep
from coalition.library import services as library
from coalition.library.models import TLP, Audience, Document
from coalition.organisations.models import Role
from tests.conftest import enrol_totp

BODY = "# Policy\n\n## Scope\n\nEvery service we run.\n"


@pytest.fixture
def doc(acme_editor: Any, acme: Any) -> Document:
    return library.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Reporting policy",
        body=BODY,
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )


@pytest.fixture
def acme_editor_two(make_member: Any, acme: Any) -> Any:
    return make_member(acme, Role.EDITOR, email="editor2@acme.example", name="Eve Editor")


def _steps(doc: Document, editor: Any, *specs: tuple[str, str, Any]) -> None:
    drafting.set_review_steps(
        acting_user=editor,
        document=doc,
        steps=[drafting.StepSpec(name=name, role=role, organisation=org) for name, role, org in specs],
    )


def _step_data(*rows: dict[str, Any], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Who may see and do what ----------------------------------------------------------------------


def test_outsiders_get_404_on_every_review_page(client_for, outsider, globex_admin, doc):
    for person in (outsider, globex_admin):  # the draft is not out: Globex does not read it yet
        client = client_for(person)
        for path in ("review/", "review/steps/", "review/withdraw/"):
            assert client.get(f"/library/{doc.pk}/{path}").status_code == 404
        for path in ("review/request/", "review/decide/", "review/withdraw/", "publish/"):
            assert client.post(f"/library/{doc.pk}/{path}", {"review": 1, "revision": 1}).status_code == 404
        assert client.post(f"/library/{doc.pk}/review/steps/", _step_data()).status_code == 404
    assert client_for(outsider).get("/library/999999/review/").status_code == 404


def test_reader_sees_the_review_but_cannot_request_it(client_for, acme_reader, acme_editor, acme, doc):
    _steps(doc, acme_editor, ("Legal review", Role.EDITOR, acme))
    client = client_for(acme_reader)
    page = client.get(f"/library/{doc.pk}/review/")
    assert page.status_code == 200
    assert "Legal review" in page.text and "editors and above at Acme" in page.text
    assert "Ask for review" not in page.text and "Edit steps" not in page.text and "Publish revision" not in page.text
    assert client.post(f"/library/{doc.pk}/review/request/").status_code == 404
    assert client.post(f"/library/{doc.pk}/publish/").status_code == 404
    assert client.get(f"/library/{doc.pk}/review/steps/").status_code == 404
    assert not Review.objects.exists()


def test_a_reader_through_the_audience_sees_only_what_is_published(client_for, globex_admin, acme_editor, acme, doc):
    drafting.publish(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nDraft change.\n", base_number=1)
    _steps(doc, acme_editor, ("Legal review", Role.EDITOR, acme))
    drafting.request_review(acting_user=acme_editor, document=doc)
    page = client_for(globex_admin).get(f"/library/{doc.pk}/review/")
    assert page.status_code == 200
    assert "Revision 1 is published" in page.text
    assert "Legal review" not in page.text and "Current review" not in page.text
    # Not even that a draft exists, nor its number (the library shows them only the published text).
    assert "revision 2" not in page.text.lower() and "newer draft" not in page.text
    response = client_for(globex_admin).post(
        f"/library/{doc.pk}/review/decide/", {"review": 1, "revision": 2, "step": 0, "outcome": "approve"}
    )
    assert response.status_code == 404


# --- Steps ----------------------------------------------------------------------------------------


def test_editor_defines_the_review_steps(client_for, acme_editor, acme, globex, community, doc):
    response = client_for(acme_editor).post(
        f"/library/{doc.pk}/review/steps/",
        _step_data(
            {"name": "Secretariat sign-off", "community": community.pk, "role": "admin", "ORDER": "2"},
            {"name": "Legal review", "organisation": acme.pk, "role": "editor", "ORDER": "1"},
            {"name": "", "role": "editor"},  # the spare row, left empty
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/library/{doc.pk}/review/"
    steps = list(ReviewStep.objects.filter(document=doc).order_by("position"))
    assert [(s.name, s.organisation, s.community, s.role) for s in steps] == [
        ("Legal review", acme, None, "editor"),
        ("Secretariat sign-off", None, community, "admin"),
    ]
    [event] = _events("review.steps_set")
    assert event.actor_id == acme_editor.pk
    page = client_for(acme_editor).get(f"/library/{doc.pk}/review/steps/")
    assert 'value="Legal review"' in page.text and 'value="Secretariat sign-off"' in page.text


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "", "organisation": "ACME", "role": "editor"}, "Give the step a name"),
        ({"name": "Legal", "role": "editor"}, "Choose the organisation or community that reviews this step."),
        ({"name": "Legal", "organisation": "ACME", "community": "COMMUNITY", "role": "editor"}, "not both"),
        ({"name": "Legal", "organisation": "ACME", "role": "owner"}, "Select a valid choice"),
    ],
)
def test_step_form_refuses_bad_rows_and_keeps_what_was_typed(
    client_for, acme_editor, acme, community, doc, row, message
):
    values = {k: {"ACME": acme.pk, "COMMUNITY": community.pk}.get(v, v) for k, v in row.items()}
    data = _step_data({"name": "First", "organisation": acme.pk, "role": "editor"}, values)
    response = client_for(acme_editor).post(f"/library/{doc.pk}/review/steps/", data)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="First"' in response.text
    assert not ReviewStep.objects.exists()


def test_add_a_step_shows_another_row_and_saves_nothing(client_for, acme_editor, acme, doc):
    data = _step_data({"name": "Legal review", "organisation": acme.pk, "role": "editor"})
    data["add"] = "1"
    response = client_for(acme_editor).post(f"/library/{doc.pk}/review/steps/", data)
    assert response.status_code == 200
    assert 'value="Legal review"' in response.text and 'name="steps-1-name"' in response.text
    assert not ReviewStep.objects.exists()


def test_removing_a_step(client_for, acme_editor, acme, doc):
    _steps(doc, acme_editor, ("Legal", Role.EDITOR, acme), ("Policy", Role.ADMIN, acme))
    data = _step_data(
        {"name": "Legal", "organisation": acme.pk, "role": "editor", "ORDER": "1", "DELETE": "on"},
        {"name": "Policy", "organisation": acme.pk, "role": "admin", "ORDER": "2"},
        initial=2,
    )
    assert client_for(acme_editor).post(f"/library/{doc.pk}/review/steps/", data).status_code == 302
    assert list(ReviewStep.objects.values_list("name", "position")) == [("Policy", 0)]


def test_steps_cannot_change_while_a_review_is_open(client_for, acme_editor, acme_admin, acme, doc):
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme))
    drafting.request_review(acting_user=acme_editor, document=doc)
    client = client_for(acme_editor)
    assert "A review is open: steps cannot change" in client.get(f"/library/{doc.pk}/review/steps/").text
    data = _step_data({"name": "Other", "organisation": acme.pk, "role": "editor"})
    response = client.post(f"/library/{doc.pk}/review/steps/", data)
    assert response.status_code == 400
    assert "Steps cannot change while a review is open: withdraw the review first." in response.text
    assert list(ReviewStep.objects.values_list("name", flat=True)) == ["Legal"]


def test_a_step_nobody_can_read_the_document_for_is_flagged(client_for, acme_editor, globex_admin, globex, doc):
    _steps(doc, acme_editor, ("Globex legal", Role.ADMIN, globex))
    client = client_for(acme_editor)
    page = client.get(f"/library/{doc.pk}/review/")
    assert "Nobody assigned to this step can read the document" in page.text
    response = client.post(f"/library/{doc.pk}/review/request/", follow=True)
    assert "Nobody who can review “Globex legal” (admins at Globex) can read this document." in response.text
    assert not Review.objects.exists()


# --- Asking for review, deciding, publishing -------------------------------------------------------


def test_publish_is_refused_before_every_step_approves(client_for, acme_editor, acme_admin, acme, doc):
    _steps(doc, acme_editor, ("Legal review", Role.ADMIN, acme))
    client = client_for(acme_editor)
    page = client.get(f"/library/{doc.pk}/review/")
    assert "Ask for review first: it can be published once every step has approved." in page.text
    response = client.post(f"/library/{doc.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert "ask for review; it can be published once every step has approved" in response.text
    client.post(f"/library/{doc.pk}/review/request/")
    response = client.post(f"/library/{doc.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert (
        "Publishing needs every review step&#x27;s approval of revision 1; the review is in progress." in response.text
    )
    doc.refresh_from_db()
    assert doc.status == Document.Status.IN_REVIEW and doc.published_revision is None


def test_reviewers_decide_in_order_and_the_editor_publishes(
    client_for, acme_editor, acme_admin, acme_contributor, acme, globex, community, make_member, doc
):
    globex_editor = make_member(globex, Role.EDITOR, email="editor@globex.example", name="Gil Globex")
    library.grant(acting_user=acme_editor, document=doc, level="comment", organisation=globex)
    drafting.set_review_steps(
        acting_user=acme_editor,
        document=doc,
        steps=[
            drafting.StepSpec(name="Legal review", role=Role.ADMIN, organisation=acme),
            drafting.StepSpec(name="Research group", role=Role.EDITOR, community=community),
        ],
    )
    editor = client_for(acme_editor)
    response = editor.post(f"/library/{doc.pk}/review/request/", follow=True)
    assert "Review requested" in response.text
    review = Review.objects.get()
    doc.refresh_from_db()
    assert doc.status == Document.Status.IN_REVIEW
    assert 'aria-current="step"' in response.text and "Who can decide: Ada Admin." in response.text

    # Globex's editor reviews the second step, not the first.
    globex_client = client_for(globex_editor)
    data = {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"}
    assert globex_client.post(f"/library/{doc.pk}/review/decide/", data).status_code == 404
    assert "Your decision" not in globex_client.get(f"/library/{doc.pk}/review/").text

    admin = client_for(acme_admin)
    assert "Your decision on “Legal review”" in admin.get(f"/library/{doc.pk}/review/").text
    response = admin.post(f"/library/{doc.pk}/review/decide/", {**data, "comment": "Fine by legal."}, follow=True)
    assert "You approved step “Legal review”." in response.text
    review.refresh_from_db()
    assert review.current_position == 1

    response = globex_client.post(f"/library/{doc.pk}/review/decide/", {**data, "step": 1}, follow=True)
    assert "You approved step “Research group”." in response.text
    review.refresh_from_db()
    assert review.state == Review.State.APPROVED
    page = editor.get(f"/library/{doc.pk}/review/")
    assert "Every step has approved revision 1." in page.text
    assert "Fine by legal." in page.text and "Gil Globex" in page.text and "(Globex)" in page.text

    response = editor.post(f"/library/{doc.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert "Revision 1 is published" in response.text
    doc.refresh_from_db()
    assert doc.status == Document.Status.PUBLISHED and doc.published_revision.number == 1
    review.refresh_from_db()
    assert review.state == Review.State.COMPLETED
    assert "No review is open." in response.text and "Earlier reviews" in response.text
    assert [e.data["outcome"] for e in _events("review.decided")] == ["approve", "approve"]
    assert len(_events("document.published")) == 1


def test_the_person_who_asked_for_review_cannot_approve_it(client_for, acme_admin, acme_editor, acme, doc):
    _steps(doc, acme_editor, ("Legal review", Role.EDITOR, acme))
    client = client_for(acme_admin)  # an admin: reviewer of the step, had someone else asked
    client.post(f"/library/{doc.pk}/review/request/")
    review = Review.objects.get()
    page = client.get(f"/library/{doc.pk}/review/")
    assert "You asked for this review, so others decide on it." in page.text
    response = client.post(
        f"/library/{doc.pk}/review/decide/", {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"}
    )
    assert response.status_code == 404
    assert not ReviewDecision.objects.exists()


def test_requesting_changes_needs_a_comment(client_for, acme_editor, acme_admin, acme, doc):
    _steps(doc, acme_editor, ("Legal review", Role.ADMIN, acme))
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    client = client_for(acme_admin)
    data = {"review": review.pk, "revision": 1, "step": 0, "outcome": "changes", "comment": "   "}
    response = client.post(f"/library/{doc.pk}/review/decide/", data)
    assert response.status_code == 400
    assert "Say what needs to change." in response.text
    assert not ReviewDecision.objects.exists()
    response = client.post(
        f"/library/{doc.pk}/review/decide/", {"review": review.pk, "revision": 1, "step": 0}, follow=False
    )
    assert response.status_code == 400 and "Choose approve or request changes." in response.text

    data["comment"] = "Section 2 <b>needs</b> a deadline."
    response = client.post(f"/library/{doc.pk}/review/decide/", data, follow=True)
    assert "You requested changes at step “Legal review”." in response.text
    assert "Section 2 &lt;b&gt;needs&lt;/b&gt; a deadline." in response.text
    review.refresh_from_db()
    assert review.state == Review.State.CHANGES_REQUESTED
    assert "Your decision" not in response.text
    response = client.post(
        f"/library/{doc.pk}/review/decide/",
        {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"},
        follow=True,
    )
    assert "Changes were requested: the review goes on when a new revision is saved." in response.text
    assert ReviewDecision.objects.count() == 1


def test_a_new_revision_sends_the_review_back_and_an_old_decision_form_is_refused(
    client_for, acme_editor, acme_admin, acme, make_member, doc
):
    second_admin = make_member(acme, Role.ADMIN, email="admin2@acme.example", name="Abe Admin")
    enrol_totp(second_admin)
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme), ("Policy", Role.ADMIN, acme))
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    drafting.decide_review(acting_user=acme_admin, review=review, outcome="approve")
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    # The second admin opened the page when revision 1 was under review.
    response = client_for(second_admin).post(
        f"/library/{doc.pk}/review/decide/", {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"}
    )
    assert response.status_code == 400
    assert "Revision 2 was saved since you opened this page" in response.text
    assert ReviewDecision.objects.count() == 1
    review.refresh_from_db()
    assert review.current_position == 0 and review.revision.number == 2


def test_a_second_click_on_approve_does_not_approve_the_next_step_as_well(
    client_for, acme_editor, acme_admin, acme, doc
):
    # Both steps fall to Acme's admins: a double-submitted approval of "Legal" must not also pass
    # "Policy", which the reviewer never looked at.
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme), ("Policy", Role.ADMIN, acme))
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    client = client_for(acme_admin)
    form = client.get(f"/library/{doc.pk}/review/")
    assert '<input type="hidden" name="step" value="0">' in form.text
    data = {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve", "comment": "Legal is fine."}
    assert client.post(f"/library/{doc.pk}/review/decide/", data).status_code == 302
    second = client.post(f"/library/{doc.pk}/review/decide/", data)
    assert second.status_code == 400
    assert "Step “Legal” was decided since you opened this page; the review is now at step “Policy”." in second.text
    assert "Nothing more was recorded" in second.text
    review.refresh_from_db()
    assert (review.current_position, review.state) == (1, Review.State.IN_PROGRESS)
    assert [d.step_name for d in ReviewDecision.objects.all()] == ["Legal"]
    # The page offers the decision on "Policy", with nothing chosen for them and their comment kept.
    assert "Your decision on “Policy”" in second.text
    assert '<input type="hidden" name="step" value="1">' in second.text
    assert 'value="approve" checked' not in second.text and "Legal is fine." in second.text


def test_a_decision_form_refused_as_stale_is_shown_again_for_the_new_revision(
    client_for, acme_editor, acme_admin, acme, doc
):
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme))
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nMore.\n", base_number=1)
    client = client_for(acme_admin)
    data = {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"}
    response = client.post(f"/library/{doc.pk}/review/decide/", data)
    assert response.status_code == 400 and "Revision 2 was saved since you opened this page" in response.text
    # Submitting the page as shown now decides on revision 2, not again on the stale revision 1.
    assert '<input type="hidden" name="revision" value="2">' in response.text
    assert not ReviewDecision.objects.exists()
    response = client.post(f"/library/{doc.pk}/review/decide/", {**data, "revision": 2}, follow=True)
    assert "You approved step “Legal”." in response.text
    assert ReviewDecision.objects.get().revision.number == 2


def test_deciding_on_a_closed_review_is_refused(client_for, acme_editor, acme_admin, acme, doc):
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme))
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    drafting.withdraw_review(acting_user=acme_editor, document=doc)
    response = client_for(acme_admin).post(
        f"/library/{doc.pk}/review/decide/",
        {"review": review.pk, "revision": 1, "step": 0, "outcome": "approve"},
        follow=True,
    )
    assert response.status_code == 200
    assert "This review is withdrawn; it takes no more decisions." in response.text
    assert not ReviewDecision.objects.exists()


def test_withdrawing_a_review_asks_first(client_for, acme_editor, acme_admin, acme, doc):
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme))
    drafting.request_review(acting_user=acme_editor, document=doc)
    client = client_for(acme_editor)
    confirm = client.get(f"/library/{doc.pk}/review/withdraw/")
    assert confirm.status_code == 200 and "Withdraw the review of “Reporting policy”?" in confirm.text
    assert 'class="tlp tlp-green"' in confirm.text
    response = client.post(f"/library/{doc.pk}/review/withdraw/", follow=True)
    assert "The review was withdrawn" in response.text
    doc.refresh_from_db()
    assert doc.status == Document.Status.DRAFT
    assert Review.objects.get().state == Review.State.WITHDRAWN
    response = client.get(f"/library/{doc.pk}/review/withdraw/", follow=True)
    assert "There is no open review to withdraw." in response.text


def test_without_steps_the_owner_publishes_directly(client_for, acme_editor, doc):
    client = client_for(acme_editor)
    page = client.get(f"/library/{doc.pk}/review/")
    assert "There are no review steps: the owner&#x27;s editors publish directly." in page.text
    response = client.post(f"/library/{doc.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert "Revision 1 is published" in response.text
    response = client.post(f"/library/{doc.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert "Revision 1 is already published." in response.text


def test_after_publication_the_page_says_which_revision_readers_see(client_for, acme_editor, doc):
    drafting.publish(acting_user=acme_editor, document=doc)
    drafting.save_revision(acting_user=acme_editor, document=doc, body=BODY + "\nNext.\n", base_number=1)
    page = client_for(acme_editor).get(f"/library/{doc.pk}/review/")
    assert "Readers see revision 1, published" in page.text
    assert "A newer draft (revision 2) is being prepared" in page.text


# --- Audit and cost -----------------------------------------------------------------------------------


def test_reading_the_review_page_is_audited(client_for, acme_reader, doc):
    client_for(acme_reader).get(f"/library/{doc.pk}/review/")
    [event] = _events("document.review_viewed")
    assert event.actor_id == acme_reader.pk and event.target_id == str(doc.pk)


@pytest.mark.parametrize("rounds", [3, 30])
def test_review_page_queries_do_not_grow_with_its_history(
    client_for, acme_editor, acme_admin, acme, doc, rounds, django_assert_max_num_queries
):
    _steps(doc, acme_editor, ("Legal", Role.ADMIN, acme))
    for n in range(rounds):
        review = drafting.request_review(acting_user=acme_editor, document=doc)
        drafting.decide_review(acting_user=acme_admin, review=review, outcome="changes", comment=f"Round {n}")
        drafting.withdraw_review(acting_user=acme_editor, document=doc)
    review = drafting.request_review(acting_user=acme_editor, document=doc)
    client = client_for(acme_editor)
    with django_assert_max_num_queries(25):  # measured: 25 for 3 or 30 earlier reviews
        page = client.get(f"/library/{doc.pk}/review/")
    assert page.status_code == 200 and "Round 2" in page.text


def test_every_tab_of_a_document_is_styled_like_the_discussion(client_for, acme_editor, acme):
    # The tab strip and its current tab are drawn by drafting.css: without it the review,
    # ratification and acknowledgement tabs showed as a bare row of links.
    principles = library.create_document(
        acting_user=acme_editor, owner=acme, title="P", kind=Document.Kind.PRINCIPLES, body=BODY
    )
    guidance = library.create_document(
        acting_user=acme_editor, owner=acme, title="G", kind=Document.Kind.GUIDANCE, body=BODY
    )
    drafting.publish(acting_user=acme_editor, document=guidance)
    client = client_for(acme_editor)
    for path in (
        f"{principles.pk}/discussion/",
        f"{principles.pk}/review/",
        f"{principles.pk}/review/steps/",
        f"{principles.pk}/ratification/",
        f"{guidance.pk}/acknowledgements/",
    ):
        page = client.get(f"/library/{path}")
        assert page.status_code == 200, path
        assert "drafting/drafting.css" in page.text, path


def test_once_published_the_review_page_points_to_the_next_step(client_for, acme_editor, acme):
    principles = library.create_document(
        acting_user=acme_editor, owner=acme, title="P", kind=Document.Kind.PRINCIPLES, body=BODY
    )
    guidance = library.create_document(
        acting_user=acme_editor, owner=acme, title="G", kind=Document.Kind.GUIDANCE, body=BODY
    )
    client = client_for(acme_editor)
    assert "Next:" not in client.get(f"/library/{principles.pk}/review/").text  # not published yet
    page = client.post(f"/library/{principles.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert "Revision 1 is published" in page.text
    assert f'<a href="/library/{principles.pk}/ratification/">Next: ratification of revision 1</a>' in page.text
    page = client.post(f"/library/{guidance.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert f'<a href="/library/{guidance.pk}/acknowledgements/">Next: ask organisations to acknowledge' in page.text
