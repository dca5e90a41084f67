from django.urls import path

from moderation.api import views

urlpatterns = [path("flags/", views.FlagCreateApi.as_view(), name="api-flags")]
