from django.urls import path

from mentoring import views

app_name = "mentoring"

urlpatterns = [
    path("mentoring/queue/", views.queue, name="queue"),
    path("questions/<int:pk>/claim/", views.claim, name="claim"),
    path("claims/<int:pk>/release/", views.claim_release, name="claim-release"),
]
