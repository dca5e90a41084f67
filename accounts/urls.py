from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/profile/", views.profile_settings, name="profile-settings"),
]
