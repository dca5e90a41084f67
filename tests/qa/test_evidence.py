"""Checklist evidence: what the server records of a member's searches and FAQ reading."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from qa import services
from qa.models import FaqEntry, FaqEvidence, SearchEvidence
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db


def test_the_starter_faq_is_there_and_rendered(client):
    slugs = set(FaqEntry.objects.values_list("slug", flat=True))

    assert {"how-to-ask", "what-are-mentors", "how-claims-work", "minimal-reproduction",
            "formatting-code", "nobody-answers"} <= slugs  # fmt: skip
    page = client.get("/faq/minimal-reproduction/")
    assert page.status_code == 200
    assert "<code>django-admin startproject repro</code>" in page.content.decode()


def test_opening_an_faq_entry_records_it_for_the_member_only(client):
    member = UserFactory()
    client.get("/faq/how-to-ask/")
    assert not FaqEvidence.objects.exists()

    client.force_login(member)
    client.get("/faq/how-to-ask/")

    [evidence] = FaqEvidence.objects.all()
    assert (evidence.user, evidence.entry.slug) == (member, "how-to-ask")


def test_faq_api_lists_matches_and_records_opened_entries():
    member = UserFactory()
    api = APIClient()
    api.force_authenticate(member)

    matches = api.get("/api/v1/faq/?q=how do I format a traceback as code").json()["results"]
    assert "formatting-code" in [m["slug"] for m in matches]
    entry_id = matches[0]["id"]
    assert api.get(f"/api/v1/faq/{entry_id}/").status_code == 200

    assert FaqEvidence.objects.get(user=member).entry_id == entry_id
    assert api.get("/api/v1/faq/999999/").status_code == 404


def test_a_draft_that_matches_no_faq_entry_is_recorded_as_such():
    member = UserFactory()
    api = APIClient()
    api.force_authenticate(member)

    assert api.get("/api/v1/faq/?q=zebrafish kubernetes").json()["count"] == 0

    evidence = FaqEvidence.objects.get(user=member)
    assert (evidence.entry, evidence.no_match_query) == (None, "zebrafish kubernetes")


def test_searches_are_recorded_per_member_on_pages_and_api(client):
    member = UserFactory()
    client.force_login(member)
    api = APIClient()
    api.force_authenticate(member)

    client.get("/search/?q=migration conflict")
    api.get("/api/v1/search/?q=celery retries")
    APIClient().get("/api/v1/search/?q=anonymous search")

    assert sorted(SearchEvidence.objects.values_list("query", "source")) == [
        ("celery retries", "search"),
        ("migration conflict", "search"),
    ]
    assert set(SearchEvidence.objects.values_list("user", flat=True)) == {member.pk}


def test_similar_endpoint_returns_threads_and_records_the_query():
    original = question(title="Celery task runs twice after worker restart")
    member = UserFactory()
    api = APIClient()
    api.force_authenticate(member)

    response = api.get("/api/v1/questions/similar/?title=celery job executed twice on restart")

    assert response.status_code == 200
    [first, *_] = response.json()
    assert (first["id"], first["url"], first["status"]) == (
        original.pk,
        original.get_absolute_url(),
        "open",
    )
    assert first["has_accepted_answer"] is False
    assert SearchEvidence.objects.get(user=member).source == "similar"


@pytest.mark.parametrize(
    "query", ["", "?title=", "?title=%20%20", "?body=" + "x" * 40_000, "?title=" + "y" * 400]
)
def test_similar_endpoint_refuses_empty_or_huge_input_with_400(query):
    response = APIClient().get(f"/api/v1/questions/similar/{query}")

    assert response.status_code == 400
    assert "title" in response.json() or "body" in response.json()


def test_similar_endpoint_with_only_stopwords_answers_an_empty_list():
    question()

    response = APIClient().get("/api/v1/questions/similar/?title=how do i do this")

    assert response.status_code == 200
    assert response.json() == []


def test_evidence_older_than_thirty_days_is_purged():
    member = UserFactory()
    services.evidence_record_search(user=member, query="old", source="search")
    services.evidence_record_search(user=member, query="new", source="search")
    SearchEvidence.objects.filter(query="old").update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )

    assert services.evidence_purge() == 1
    assert list(SearchEvidence.objects.values_list("query", flat=True)) == ["new"]
