from django.urls import path

from accounts import views

urlpatterns = [
    path("members/<str:username>/", views.member_profile, name="member-profile"),
    path("settings/profile/", views.profile_settings, name="profile-settings"),
]
