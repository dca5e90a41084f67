from django.urls import re_path

from moderation import views

app_name = "moderation"

urlpatterns = [
    re_path(r"^flag/(?P<kind>question|answer|comment)/(?P<pk>[0-9]+)/$", views.flag, name="flag"),
]
