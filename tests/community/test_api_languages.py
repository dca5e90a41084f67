"""API errors in the request's language: with Accept-Language: zh-CN the JSON body of a
refused request is in Simplified Chinese (DRF's own messages from DRF's catalogue, the
services' from ours), and in English without the header."""

from __future__ import annotations

import pytest

from tests.factories import (
    TagFactory,
    UserFactory,
    api,
    approved_mentor,
    django_thread,
    ready_to_ask,
)

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
BODY = "Running `manage.py migrate` fails after merging two branches; output below."


def ask(client, headers, **fields):
    data = {"title": "migrate fails after merging two branches", "body": BODY, "tags": ["django"]}
    return client.post("/api/v1/questions/", {**data, **fields}, format="json", **headers)


@pytest.mark.parametrize(
    ("headers", "required", "too_long"),
    [
        (CHINESE, "该字段是必填项。", "请确保这个字段不能超过 150 个字符。"),
        ({}, "This field is required.", "Ensure this field has no more than 150 characters."),
    ],
)
def test_drf_s_own_field_errors_follow_the_request_language(headers, required, too_long):
    client = api(UserFactory())
    response = client.post("/api/v1/questions/", {"title": "x" * 151}, format="json", **headers)
    assert response.status_code == 400
    assert response.json()["body"] == [required]
    assert response.json()["title"] == [too_long]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (CHINESE, "没有这个标签：nosuchtag。"),
        ({}, "No such tag: nosuchtag."),
    ],
)
def test_a_bad_tag_is_refused_in_the_request_language(headers, message):
    TagFactory(name="django")
    member = UserFactory()
    response = ask(api(member), headers, tags=["nosuchtag"], checklist=ready_to_ask(member))
    assert response.status_code == 400
    assert response.json() == {"tags": [message]}


def test_missing_checklist_steps_are_named_in_chinese_too():
    TagFactory(name="django")
    member = UserFactory()
    english = ask(api(member), {})
    chinese = ask(api(member), CHINESE)
    assert english.status_code == chinese.status_code == 400
    steps = {"searched", "read_faq", "tried_locally"}
    assert steps <= set(english.json())
    assert steps <= set(chinese.json())
    # The texts themselves differ by language (qa.checklist words them).
    assert all(english.json()[step] != chinese.json()[step] for step in steps)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (CHINESE, "正在帮助这个帖子（从 UTC {since} 开始）"),
        ({}, "is already helping on this thread (since {since} UTC)."),
    ],
)
def test_a_second_claim_gets_a_409_in_the_request_language(headers, message):
    thread = django_thread()
    first, second = approved_mentor(), approved_mentor()
    claimed = api(first).post(f"/api/v1/questions/{thread.pk}/claim/")
    assert claimed.status_code == 201
    refused = api(second).post(f"/api/v1/questions/{thread.pk}/claim/", **headers)
    assert refused.status_code == 409
    since = claimed.json()["created_at"][11:16]
    assert refused.json()["detail"].startswith(first.public_name)
    assert message.format(since=since) in refused.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (CHINESE, "只有通过审核的导师才能认领帖子。"),
        ({}, "Only approved mentors can claim threads."),
    ],
)
def test_a_claim_by_a_member_who_is_no_mentor_gets_a_403_in_the_request_language(headers, message):
    thread = django_thread()
    refused = api(UserFactory()).post(f"/api/v1/questions/{thread.pk}/claim/", **headers)
    assert refused.status_code == 403
    assert refused.json() == {"detail": message}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (CHINESE, "身份认证信息未提供。"),
        ({}, "Authentication credentials were not provided."),
    ],
)
def test_drf_s_authentication_refusal_follows_the_request_language(headers, message):
    thread = django_thread()
    refused = api().post(f"/api/v1/questions/{thread.pk}/claim/", **headers)
    assert refused.status_code in (401, 403)
    assert refused.json() == {"detail": message}


@pytest.mark.parametrize(
    ("headers", "message"),
    [(CHINESE, "没有这个 API 接口。"), ({}, "There is no such API endpoint.")],
)
def test_an_unknown_endpoint_answers_in_the_request_language(headers, message):
    response = api().get("/api/v1/no-such-thing/", **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": message}
