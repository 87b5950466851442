"""Drafting pages hang off a document: /library/<pk>/discussion/, /review/, /ratification/, ..."""

from django.urls import path

from coalition.drafting.views import acknowledgements, discussion, editing, mentions, proposals, ratification, review

app_name = "drafting"

urlpatterns = [
    # Writing the text and moving the document through its life.
    path("<id:pk>/edit/", editing.edit, name="edit"),
    path("<id:pk>/revisions/<int32:number>/restore/", editing.restore, name="restore"),
    path("<id:pk>/share/status/", editing.set_status, name="set_status"),
    # Comments and the disposition table.
    path("<id:pk>/discussion/", discussion.discussion, name="discussion"),
    path("<id:pk>/discussion/comments/", discussion.add_comment, name="add_comment"),
    path("<id:pk>/discussion/comments/<id:comment_id>/reply/", discussion.reply, name="reply"),
    path("<id:pk>/discussion/comments/<id:comment_id>/edit/", discussion.edit_comment, name="edit_comment"),
    path("<id:pk>/discussion/comments/<id:comment_id>/resolve/", discussion.resolve, name="resolve"),
    path("<id:pk>/discussion/people/", mentions.suggestions, name="mention_suggestions"),
    path("<id:pk>/disposition/", discussion.disposition, name="disposition"),
    path("<id:pk>/disposition.csv", discussion.disposition_csv, name="disposition_csv"),
    # Change proposals.
    path("<id:pk>/proposals/new/", proposals.new, name="propose"),
    path("<id:pk>/proposals/<id:proposal_id>/", proposals.detail, name="proposal"),
    path("<id:pk>/proposals/<id:proposal_id>/decide/", proposals.decide, name="decide_proposal"),
    path("<id:pk>/proposals/<id:proposal_id>/withdraw/", proposals.withdraw, name="withdraw_proposal"),
    # Review and publication.
    path("<id:pk>/review/", review.review, name="review"),
    path("<id:pk>/review/steps/", review.steps, name="review_steps"),
    path("<id:pk>/review/request/", review.request, name="request_review"),
    path("<id:pk>/review/decide/", review.decide, name="decide_review"),
    path("<id:pk>/review/withdraw/", review.withdraw, name="withdraw_review"),
    path("<id:pk>/publish/", review.publish, name="publish"),
    # Ratification (signatories, with a fresh second factor) and its public record.
    path("<id:pk>/ratification/", ratification.ratification, name="ratification"),
    path("<id:pk>/ratification/open/", ratification.open_, name="open_ratification"),
    path("<id:pk>/ratification/decide/", ratification.decide, name="endorse"),
    path(
        "<id:pk>/ratification/endorsements/<id:endorsement_id>/withdraw/",
        ratification.withdraw,
        name="withdraw_endorsement",
    ),
    path("<id:pk>/ratification/close/", ratification.close, name="close_ratification"),
    path("<id:pk>/adopted/", ratification.adopted, name="adopted"),
    # Acknowledgement of guidance.
    path("<id:pk>/acknowledgements/", acknowledgements.acknowledgements, name="acknowledgements"),
    path("<id:pk>/acknowledgements/request/", acknowledgements.request, name="request_acknowledgement"),
    path(
        "<id:pk>/acknowledgements/<id:request_id>/acknowledge/",
        acknowledgements.acknowledge,
        name="acknowledge",
    ),
]
