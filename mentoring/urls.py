from django.urls import path, re_path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("mentoring/", views.dashboard, name="dashboard"),
    path("mentoring/profile/", views.profile_edit, name="profile-edit"),
    path("mentoring/queue/", views.queue, name="queue"),
    path("mentoring/claims/", views.my_claims, name="claims"),
    path("mentoring/offers/", views.offers, name="offers"),
    path("mentoring/offers/<int:pk>/decline/", views.offer_decline, name="offer-decline"),
    path("questions/<int:pk>/claim/", views.claim, name="claim"),
    path("claims/<int:pk>/release/", views.claim_release, name="claim-release"),
    path("claims/<int:pk>/extend/", views.claim_extend, name="claim-extend"),
    path("claims/<int:pk>/handoff/", views.claim_handoff, name="claim-handoff"),
    path("claims/<int:pk>/feedback/", views.claim_feedback, name="claim-feedback"),
    path("mentors/<str:username>/", views.mentor_profile, name="mentor-profile"),
    path("mentorships/", views.mentorships, name="mentorships"),
    path("mentorships/<int:pk>/", views.mentorship, name="mentorship"),
    re_path(
        r"^mentorships/(?P<pk>[0-9]+)/(?P<step>accept|decline|end)/$",
        views.mentorship_step,
        name="mentorship-step",
    ),
]
