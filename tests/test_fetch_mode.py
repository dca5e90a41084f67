"""A request through the test client raises on a lazy load (tests/conftest.py); the test's
own code outside the request does not."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldFetchBlocked
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from qa.models import Answer
from tests.factories import UserFactory, answer, api, question

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def lazy_author(request: HttpRequest) -> HttpResponse:
    return HttpResponse(Answer.objects.get().author.username)


def joined_author(request: HttpRequest) -> HttpResponse:
    return HttpResponse(Answer.objects.select_related("author").get().author.username)


@api_view(["GET"])
def lazy_mentor_profile(request: Request) -> Response:
    return Response({"mentor": hasattr(request.user, "mentor_profile")})


urlpatterns = [
    path("fetch-mode/lazy/", lazy_author),
    path("fetch-mode/joined/", joined_author),
    path("fetch-mode/api/", lazy_mentor_profile),
    path("", include("community.urls")),  # what the factories and the models link to
]


def test_a_lazy_load_in_a_request_raises(client):
    answer(question_obj=question())
    with pytest.raises(FieldFetchBlocked, match=r"Answer\.author"):
        client.get("/fetch-mode/lazy/")


def test_what_the_request_fetched_is_read(client):
    posted = answer(question_obj=question())
    assert client.get("/fetch-mode/joined/").content.decode() == posted.author.username


def test_the_member_forced_on_the_api_client_raises_too():
    member = UserFactory()
    with pytest.raises(FieldFetchBlocked, match=r"User\.mentor_profile"):
        api(member).get("/fetch-mode/api/")
    assert not hasattr(member, "mentor_profile")  # the test's own object, after the request


def test_the_tests_own_code_loads_lazily():
    posted = answer(question_obj=question())
    assert Answer.objects.get(pk=posted.pk).author == posted.author
