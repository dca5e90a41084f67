from django.urls import path

from accounts import notification_views

urlpatterns = [
    path(
        "settings/notifications/",
        notification_views.preferences,
        name="notification-preferences",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="notifications-unsubscribe",
    ),
]
