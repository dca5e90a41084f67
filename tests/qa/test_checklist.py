"""The ask checklist through the API: each step holds only with recorded evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from qa.models import FaqEntry, FaqEvidence, Question, SearchEvidence
from qa.services import evidence_record_faq_no_match, evidence_record_search
from tests.factories import TRIED, TagFactory, UserFactory, ready_to_ask

pytestmark = pytest.mark.django_db

GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture
def member():
    TagFactory(name="django")
    return UserFactory()


def ask(member, checklist, **changes):
    api = APIClient()
    api.force_authenticate(member)
    data = {"title": "makemigrations reports conflicting migrations after a merge",
            "body": "Details of the conflict.", "tags": ["django"], "checklist": checklist,
            **changes}  # fmt: skip
    return api.post("/api/v1/questions/", data, format="json")


def test_a_new_member_who_has_not_searched_gets_400_naming_each_step(member):
    response = ask(member, {"searched": True, "read_faq": True, "tried_locally": True,
                            "what_i_tried": "x"})  # fmt: skip

    assert response.status_code == 400
    errors = response.json()
    assert {"searched", "read_faq", "tried_locally"} <= errors.keys()
    assert "Search first" in errors["searched"][0]
    assert not Question.objects.exists()


def test_a_missing_checklist_names_every_step(member):
    api = APIClient()
    api.force_authenticate(member)

    response = api.post(
        "/api/v1/questions/",
        {"title": "A title that is specific enough", "body": "b", "tags": ["django"]},
        format="json",
    )

    assert response.status_code == 400
    assert {"searched", "read_faq", "tried_locally"} <= response.json().keys()


def test_after_a_search_and_an_faq_view_the_same_question_posts(member):
    checklist = ready_to_ask(member)

    response = ask(member, checklist)

    assert response.status_code == 201, response.json()
    q = Question.objects.get()
    assert q.what_i_tried == TRIED
    assert q.environment == "Ubuntu 24.04, Python 3.13, Django 6.1"
    assert q.checklist_evidence["search_queries"] == ["migration conflict"]


def test_a_draft_the_faq_had_nothing_for_satisfies_the_faq_step(member):
    evidence_record_search(user=member, query="conflict", source="similar")
    evidence_record_faq_no_match(user=member, query="zebrafish")

    response = ask(member, {"searched": True, "read_faq": True, "tried_locally": True,
                            "what_i_tried": TRIED})  # fmt: skip

    assert response.status_code == 201, response.json()


def test_evidence_older_than_a_day_does_not_count(member):
    checklist = ready_to_ask(member)
    SearchEvidence.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))

    response = ask(member, checklist)

    assert response.status_code == 400
    assert list(response.json()) == ["searched"]


def test_evidence_belongs_to_its_member(member):
    other = UserFactory()
    checklist = ready_to_ask(other)

    response = ask(member, checklist)

    assert response.status_code == 400
    assert {"searched", "read_faq"} <= response.json().keys()


def test_faq_entries_the_member_did_not_open_are_refused(member):
    checklist = ready_to_ask(member)
    unopened = FaqEntry.objects.exclude(pk__in=checklist["faq_entries"]).first()

    response = ask(member, {**checklist, "faq_entries": [unopened.pk, 999_999]})

    assert response.status_code == 400
    assert list(response.json()) == ["read_faq"]


def test_searches_not_run_by_the_member_are_refused(member):
    checklist = ready_to_ask(member)

    response = ask(member, {**checklist, "search_queries": ["something I never searched"]})

    assert response.status_code == 400
    assert list(response.json()) == ["searched"]


@pytest.mark.parametrize(
    "tried",
    ["n/a", "nothing", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "asdf " * 12,
     "tried stuff", "   ", "short but real attempt"],
)  # fmt: skip
def test_placeholder_what_i_tried_is_refused(member, tried):
    checklist = ready_to_ask(member)

    response = ask(member, {**checklist, "what_i_tried": tried})

    assert response.status_code == 400
    assert list(response.json()) == ["tried_locally"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"searched": "yes"}, "searched"),
        ({"search_queries": "migration conflict"}, "searched"),
        ({"faq_entries": ["1"]}, "read_faq"),
        ({"faq_entries": [True]}, "read_faq"),
        ({"read_faq": 1}, "read_faq"),
        ({"what_i_tried": ["a list"]}, "what_i_tried"),
        ({"environment": {"os": "linux"}}, "environment"),
    ],
)
def test_wrong_types_get_400_naming_the_step(member, changes, field):
    checklist = ready_to_ask(member)

    response = ask(member, {**checklist, **changes})

    assert response.status_code == 400
    assert field in response.json()
    assert not Question.objects.exists()


def test_a_checklist_that_is_not_an_object_is_refused(member):
    response = ask(member, ["searched"])

    assert response.status_code == 400
    assert "checklist" in response.json()


def test_a_pasted_github_token_is_caught_before_the_thread_is_public(member):
    checklist = ready_to_ask(member)

    response = ask(member, {**checklist, "error_output": f"Bad credentials for {GITHUB}"})

    assert response.status_code == 400
    assert "error_output" in response.json()
    assert "GitHub token" in response.json()["error_output"][0]
    assert not Question.objects.exists()


def test_a_token_in_the_body_is_caught_too(member):
    response = ask(member, ready_to_ask(member), body=f"token = {GITHUB}")

    assert response.status_code == 400
    assert "body" in response.json()


def test_faq_evidence_model_refuses_a_row_that_is_neither(member):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FaqEvidence.objects.create(user=member)


def test_what_i_tried_in_chinese_is_counted_as_the_linter_counts():
    from qa.checklist import tried_problem

    # Seventeen characters of Chinese say as much as forty of English.
    assert tried_problem("我运行了迁移合并命令，然后删除了重复的迁移文件") is None
    assert tried_problem("试过了重启服务") is not None
    assert tried_problem("n/a") is not None


def test_refusals_are_worded_in_the_askers_language(member):
    api = APIClient()
    api.force_authenticate(member)
    checklist = {"searched": True, "read_faq": True, "what_i_tried": "试过了重启服务"}
    data = {
        "title": "makemigrations reports conflicting migrations after a merge",
        "body": "Details of the conflict.",
        "tags": ["django"],
        "checklist": checklist,
    }

    # The override puts back the language active before (LocaleMiddleware leaves its own).
    with translation.override(None):
        errors = api.post(
            "/api/v1/questions/", data, format="json", headers={"accept-language": "zh-CN"}
        ).json()

    assert errors["searched"][0].startswith("过去 24 小时内没有你为这个问题做过的搜索记录")
    assert "请先搜索" in errors["searched"][0]
    assert "请阅读 FAQ" in errors["read_faq"][0]
    # The counts are filled into the translation: 40 characters, about 14 in Chinese.
    assert "至少 40 个字符（中文约 14 个字）" in errors["tried_locally"][0]
