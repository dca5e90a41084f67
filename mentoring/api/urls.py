from django.urls import path

from mentoring.api import views

urlpatterns = [
    path("mentors/me/", views.MentorMeApi.as_view(), name="api-mentor-me"),
    path("mentors/me/figures/", views.MentorFiguresApi.as_view(), name="api-mentor-figures"),
    path("mentoring/unserved-tags/", views.UnservedTagsApi.as_view(), name="api-unserved-tags"),
    path("mentorships/", views.MentorshipListApi.as_view(), name="api-mentorships"),
    path(
        "mentorships/<int:mentorship_id>/accept/",
        views.MentorshipAcceptApi.as_view(),
        name="api-mentorship-accept",
    ),
    path(
        "mentorships/<int:mentorship_id>/decline/",
        views.MentorshipDeclineApi.as_view(),
        name="api-mentorship-decline",
    ),
    path(
        "mentorships/<int:mentorship_id>/end/",
        views.MentorshipEndApi.as_view(),
        name="api-mentorship-end",
    ),
    path("mentoring/queue/", views.MentorQueueApi.as_view(), name="api-mentor-queue"),
    path("mentoring/offers/", views.OfferListApi.as_view(), name="api-mentor-offers"),
    path(
        "mentoring/offers/<int:offer_id>/decline/",
        views.OfferDeclineApi.as_view(),
        name="api-mentor-offer-decline",
    ),
    path(
        "mentors/<int:user_id>/approve/",
        views.MentorApproveApi.as_view(),
        name="api-mentor-approve",
    ),
    path(
        "questions/<int:question_id>/mentor-matches/",
        views.MentorMatchesApi.as_view(),
        name="api-mentor-matches",
    ),
    path("questions/<int:question_id>/claim/", views.ClaimCreateApi.as_view(), name="api-claim"),
    path("claims/<int:claim_id>/extend/", views.ClaimExtendApi.as_view(), name="api-claim-extend"),
    path(
        "claims/<int:claim_id>/handoff/", views.ClaimHandoffApi.as_view(), name="api-claim-handoff"
    ),
    path("claims/<int:claim_id>/feedback/", views.FeedbackApi.as_view(), name="api-claim-feedback"),
    path(
        "claims/<int:claim_id>/release/",
        views.ClaimReleaseApi.as_view(),
        name="api-claim-release",
    ),
]
