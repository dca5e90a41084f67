from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/profile/", views.profile_settings, name="profile-settings"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
]
