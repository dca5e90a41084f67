"""The interface's texts that live in Python come out in Simplified Chinese for a Chinese
reader and unchanged in English: services' refusals, flash messages, form labels and
errors, choices, plurals built from a count, admin actions and filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.services import user_ensure_can_post, user_suspension_check
from mentoring.templatetags.mentoring_tags import duration_words
from qa.forms import AskTriedForm, ListFilterForm, QuestionForm
from qa.limits import posting_limits_check
from qa.models import Question
from tests.factories import TagFactory, UserFactory, question, ready_to_ask

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def test_a_suspended_member_is_told_why_in_their_language():
    member = UserFactory(
        suspended_until=dt.datetime(2099, 5, 1, 8, 30, tzinfo=dt.UTC), suspension_reason="spam"
    )
    with pytest.raises(PermissionDenied) as english:
        user_ensure_can_post(user=member)
    assert str(english.value) == "Your account is suspended until 2099-05-01 08:30 UTC: spam"
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as chinese:
        user_ensure_can_post(user=member)
    assert str(chinese.value) == "你的账号已被停用，直到 UTC 时间 2099-05-01 08:30：spam"


def test_a_suspension_s_field_errors_are_translated_with_their_numbers():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        user_suspension_check(
            by=None, member=UserFactory(), until=timezone.now() - dt.timedelta(days=1),
            reason="x" * 2001,
        )  # fmt: skip
    assert refused.value.message_dict == {
        "until": ["停用的结束时间必须在将来。"],
        "reason": ["原因请控制在 2,000 个字符以内（现在有 2,001 个）。"],
    }


def test_a_posting_limit_counts_time_in_the_reader_s_language():
    TagFactory(name="django")
    newcomer = UserFactory()
    client = APIClient()
    client.force_authenticate(newcomer)
    data = {"body": "Step 1: `migrate` stops with an error.", "tags": ["django"]}
    first = {"title": "Migration 1 fails with a conflict on the profiles app", **data}
    second = {"title": "Migration 2 fails with a conflict on the profiles app", **data}
    created = client.post(
        "/api/v1/questions/", {**first, "checklist": ready_to_ask(newcomer)}, format="json"
    )
    assert created.status_code == 201
    too_soon = client.post(
        "/api/v1/questions/",
        {**second, "body": "Another body.", "checklist": ready_to_ask(newcomer)},
        format="json",
        **CHINESE,
    )
    assert too_soon.status_code == 429
    assert too_soon.json()["detail"].startswith("新成员每两次提问之间需要间隔 2 分钟；请在 ")


def test_the_same_body_twice_is_refused_in_the_reader_s_language():
    TagFactory(name="django")
    asker = UserFactory(date_joined=timezone.now() - dt.timedelta(days=400))
    posted = question(author=asker)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        posting_limits_check(author=asker, kind="question", body=posted.body)
    assert refused.value.message_dict["body"] == [
        "你已经以问题的形式发过完全相同的内容。请链接到它，或者说明有什么不同。"
    ]


def test_a_flash_message_after_saving_the_profile_is_in_chinese(client):
    member = UserFactory()
    client.force_login(member)
    saved = client.post(
        "/settings/profile/",
        {"display_name": "小王", "bio": "", "languages": "zh, en", "time_zone": "Asia/Shanghai"},
        follow=True,
        **CHINESE,
    )
    assert saved.status_code == 200
    assert "个人资料已保存。" in saved.content.decode()


def test_form_labels_help_texts_and_choices_are_translated():
    with translation.override("zh-hans"):
        ask = QuestionForm()
        assert str(ask.fields["title"].label) == "标题"
        assert "django orm" in str(ask.fields["tags"].help_text)
        assert "至少 40 个字符" in str(AskTriedForm().fields["what_i_tried"].help_text)
        filters = ListFilterForm()
        assert [str(label) for _, label in filters.fields["sort"].choices] == [
            "最近活跃", "最新", "票数", "无回答",
        ]  # fmt: skip
        assert str(Question.Status.OPEN.label) == "待解决"
    with translation.override("en"):
        assert [str(label) for _, label in ListFilterForm().fields["status"].choices] == [
            "Any status", "Open", "Solved", "Unanswered", "Closed",
        ]  # fmt: skip
        assert "(at least 40 characters)" in str(AskTriedForm().fields["what_i_tried"].help_text)


def test_durations_are_counted_in_words_of_the_reader_s_language():
    assert duration_words(dt.timedelta(minutes=1)) == "1 minute"
    assert duration_words(dt.timedelta(hours=3)) == "about 3 hours"
    with translation.override("zh-hans"):
        assert duration_words(dt.timedelta(minutes=25)) == "25 分钟"
        assert duration_words(dt.timedelta(days=2)) == "约 2 天"


def test_the_admin_s_moderation_actions_and_filters_are_in_chinese(admin_client):
    question()  # the actions are offered over a list with rows in it
    page = admin_client.get("/admin/qa/question/", **CHINESE).content.decode()
    assert "关闭（需填写原因；重复问题会链接原帖）" in page
    assert "可见性" in page
    dashboard = admin_client.get("/admin/", **CHINESE).content.decode()
    assert "待处理的举报" in dashboard
    assert "问答" in dashboard
