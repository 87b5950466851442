"""Drafting pages hang off a document: /library/<pk>/discussion/, /review/, /ratification/, ..."""

from django.urls import path

from coalition.drafting.views import acknowledgements, discussion, editing, proposals, ratification, review

app_name = "drafting"

urlpatterns = [
    # Writing the text and moving the document through its life.
    path("<int:pk>/edit/", editing.edit, name="edit"),
    path("<int:pk>/revisions/<int:number>/restore/", editing.restore, name="restore"),
    path("<int:pk>/share/status/", editing.set_status, name="set_status"),
    # Comments and the disposition table.
    path("<int:pk>/discussion/", discussion.discussion, name="discussion"),
    path("<int:pk>/discussion/comments/", discussion.add_comment, name="add_comment"),
    path("<int:pk>/discussion/comments/<int:comment_id>/reply/", discussion.reply, name="reply"),
    path("<int:pk>/discussion/comments/<int:comment_id>/edit/", discussion.edit_comment, name="edit_comment"),
    path("<int:pk>/discussion/comments/<int:comment_id>/resolve/", discussion.resolve, name="resolve"),
    path("<int:pk>/disposition/", discussion.disposition, name="disposition"),
    path("<int:pk>/disposition.csv", discussion.disposition_csv, name="disposition_csv"),
    # Change proposals.
    path("<int:pk>/proposals/new/", proposals.new, name="propose"),
    path("<int:pk>/proposals/<int:proposal_id>/", proposals.detail, name="proposal"),
    path("<int:pk>/proposals/<int:proposal_id>/decide/", proposals.decide, name="decide_proposal"),
    path("<int:pk>/proposals/<int:proposal_id>/withdraw/", proposals.withdraw, name="withdraw_proposal"),
    # Review and publication.
    path("<int:pk>/review/", review.review, name="review"),
    path("<int:pk>/review/steps/", review.steps, name="review_steps"),
    path("<int:pk>/review/request/", review.request, name="request_review"),
    path("<int:pk>/review/decide/", review.decide, name="decide_review"),
    path("<int:pk>/review/withdraw/", review.withdraw, name="withdraw_review"),
    path("<int:pk>/publish/", review.publish, name="publish"),
    # Ratification (signatories, with a fresh second factor) and its public record.
    path("<int:pk>/ratification/", ratification.ratification, name="ratification"),
    path("<int:pk>/ratification/open/", ratification.open_, name="open_ratification"),
    path("<int:pk>/ratification/decide/", ratification.decide, name="endorse"),
    path(
        "<int:pk>/ratification/endorsements/<int:endorsement_id>/withdraw/",
        ratification.withdraw,
        name="withdraw_endorsement",
    ),
    path("<int:pk>/ratification/close/", ratification.close, name="close_ratification"),
    path("<int:pk>/adopted/", ratification.adopted, name="adopted"),
    # Acknowledgement of guidance.
    path("<int:pk>/acknowledgements/", acknowledgements.acknowledgements, name="acknowledgements"),
    path("<int:pk>/acknowledgements/request/", acknowledgements.request, name="request_acknowledgement"),
    path(
        "<int:pk>/acknowledgements/<int:request_id>/acknowledge/",
        acknowledgements.acknowledge,
        name="acknowledge",
    ),
]
