"""The interface in English and Simplified Chinese: the browser's Accept-Language picks
the language, a member's own setting wins over it, the switcher in the header works
without JavaScript, and `<html lang>` and Content-Language follow."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.language import bcp47
from accounts.models import User
from qa.services import evidence_record_faq_view
from tests.factories import TagFactory, UserFactory, answer, approved_mentor, question

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
ASK = "/questions/ask/"

# The navigation every page carries, in both languages.
NAV_ZH = ["首页", "问题", "标签", "搜索", "常见问题", "提问"]
NAV_EN = [">Home<", ">Questions<", ">Tags<", ">Search<", ">FAQ<", ">Ask<"]


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


def assert_chinese(response, *strings: str) -> str:
    html = response.content.decode()
    assert html_lang(html) == "zh-Hans"
    assert response["Content-Language"] == "zh-hans"
    for text in [*NAV_ZH, *strings]:
        assert text in html, f"{text!r} missing"
    return html


def assert_english(response, *strings: str) -> str:
    html = response.content.decode()
    assert html_lang(html) == "en"
    assert response["Content-Language"] == "en"
    for text in [*NAV_EN, *strings]:
        assert text in html, f"{text!r} missing"
    assert "首页" not in html
    return html


@pytest.fixture
def thread():
    q = question(title="How do I merge two migration branches?")
    answer(question_obj=q, body="Run makemigrations --merge, then migrate.")
    return q


def test_anonymous_pages_are_chinese_for_a_chinese_browser(client, thread):
    assert_chinese(client.get("/", **ZH), "提出好问题", "最新帖子", "如何使用")
    assert_chinese(client.get("/questions/", **ZH), "排序", "状态", "个回答")
    page = assert_chinese(client.get(thread.get_absolute_url(), **ZH), "1 个回答", "你的回答")
    # The member's words are not translated.
    assert "How do I merge two migration branches?" in page
    assert "Run makemigrations --merge, then migrate." in page
    assert_chinese(client.get("/faq/", **ZH), "常见问题", "提问前请先阅读")
    assert_chinese(client.get("/accounts/login/", **ZH), "登录")
    assert_chinese(client.get("/accounts/signup/", **ZH), "注册")
    not_found = client.get("/no-such-page/", **ZH)
    assert not_found.status_code == 404
    assert_chinese(not_found, "页面不存在", "返回首页")


def test_the_same_pages_are_english_for_an_english_browser_or_none(client, thread):
    for headers in (EN, {}):
        assert_english(client.get("/", **headers), "Ask good questions", "Recent threads")
        assert_english(client.get("/questions/", **headers), "Sort", "Status")
        assert_english(client.get(thread.get_absolute_url(), **headers), "1 answer<")
        assert_english(client.get("/faq/", **headers), "Frequently asked questions")
        assert_english(client.get("/accounts/login/", **headers), "Sign In")
        assert_english(client.get("/accounts/signup/", **headers), "Sign Up")
        assert_english(client.get("/no-such-page/", **headers), "Page not found")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN", "zh-hans"),
        ("zh-SG", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh-Hans-CN", "zh-hans"),
        # No Traditional Chinese translation: Simplified reads far better than English.
        ("zh-TW", "zh-hans"),
        ("zh-HK", "zh-hans"),
        ("fr-FR,fr;q=0.9", "en"),
        ("de-DE,zh-CN;q=0.8", "zh-hans"),
        ("", "en"),
    ],
)
def test_accept_language_maps_to_a_language_of_the_site(client, header, language):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)

    assert response["Content-Language"] == language
    assert html_lang(response.content.decode()) == bcp47(language)
    assert "Accept-Language" in response["Vary"]


def test_the_ask_flow_is_chinese_at_every_step(client):
    TagFactory(name="celery")
    member = UserFactory()
    client.force_login(member)
    topic = {
        "title": "Celery beat sends the same task twice an hour",
        "body": "Every hour `cleanup` runs twice.",
        "tags": "celery",
    }

    assert_chinese(client.get(ASK, **ZH), "提问", "第 1 步", "显示相似的帖子", "放弃草稿")
    # What the title brings up is shown first (on the Chinese page), then on to step 2.
    first = client.post(ASK, {"step": 1, "go": "next", **topic}, **ZH)
    assert_chinese(client.get(first["Location"], **ZH), "第 1 步")
    assert client.post(ASK, {"step": 1, "go": "next", **topic}, **ZH)["Location"].endswith("step=2")
    step_2 = assert_chinese(client.get(f"{ASK}?step=2", **ZH), "第 2 步", "下一步：我尝试过的")
    assert "上一步" in step_2
    assert client.post(ASK, {"step": 2, "go": "next"}, **ZH)["Location"].endswith("step=3")
    assert_chinese(client.get(f"{ASK}?step=3", **ZH), "第 3 步", "下一步：检查")
    tried = {
        "what_i_tried": "I ran celery beat with --pidfile and read the docs on schedules.",
        "expected": "One run an hour",
        "actual": "Two runs an hour",
        "error_output": "",
        "environment": "Celery 5.7, Python 3.13",
    }
    assert client.post(ASK, {"step": 3, "go": "next", **tried}, **ZH)["Location"].endswith("step=4")
    review = assert_chinese(
        client.get(f"{ASK}?step=4", **ZH), "第 4 步", "你的问题发布后的样子", "发布问题"
    )
    assert "我已经尝试过的" in review
    # What the asker typed stays as typed.
    assert "Celery beat sends the same task twice an hour" in review


def test_signed_in_pages_are_chinese(client, thread):
    mentor = approved_mentor()
    client.force_login(mentor)

    assert_chinese(client.get("/mentoring/queue/", **ZH), "你的待认领队列", "概览", "通知")
    assert_chinese(client.get("/settings/notifications/", **ZH), "通知设置", "保存")
    assert_chinese(client.get("/settings/profile/", **ZH), "界面语言", "跟随浏览器", "退出登录")


def test_a_members_setting_wins_over_the_browser(client):
    chinese = UserFactory(language="zh-hans")
    client.force_login(chinese)
    assert_chinese(client.get("/", **EN))
    assert_chinese(client.get("/"))

    english = UserFactory(language="en")
    client.force_login(english)
    assert_english(client.get("/", **ZH))

    # Blank follows the browser.
    client.force_login(UserFactory(language=""))
    assert_chinese(client.get("/", **ZH))
    assert_english(client.get("/", **EN))


def test_the_switcher_works_without_javascript(client):
    home = client.get("/faq/", **EN).content.decode()
    form = re.search(r'<form method="post" action="/i18n/setlang/"[^>]*>(.*?)</form>', home, re.S)
    assert form, "no language switcher in the header"
    assert 'name="next" value="/faq/"' in form.group(1)
    assert re.search(r'<button type="submit" name="language" value="zh-hans" lang="zh-Hans"', home)
    assert re.search(r'value="en" lang="en" class="link-button" aria-current="true"', home)

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/faq/"}, **EN)

    assert response.status_code == 302
    assert response["Location"] == "/faq/"
    # The cookie now wins over the browser's English.
    chinese = client.get("/faq/", **EN)
    assert_chinese(chinese, "常见问题")
    # Each language is named in its own words, so a reader finds theirs.
    for page in (home, chinese.content.decode()):
        assert ">English</button>" in page
        assert ">简体中文</button>" in page


def test_the_switcher_ignores_an_unknown_language_and_an_outside_next(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert_english(client.get("/"))

    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert_chinese(client.get("/"))


def test_the_switcher_saves_a_signed_in_members_choice(client):
    member = UserFactory(language="")
    client.force_login(member)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, **EN)

    member.refresh_from_db()
    assert member.language == "zh-hans"
    # On another device (no cookie), the saved choice holds.
    other = Client()
    other.force_login(member)
    assert_chinese(other.get("/", **EN))


def test_the_profile_form_saves_the_language(client):
    member = UserFactory(language="")
    client.force_login(member)
    form = {"display_name": "Ada", "bio": "", "languages": "en", "time_zone": "UTC"}

    response = client.post("/settings/profile/", {**form, "language": "zh-hans"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "zh-hans"
    assert_chinese(client.get("/settings/profile/", **EN), "保存资料")

    client.post("/settings/profile/", {**form, "language": ""})
    member.refresh_from_db()
    assert member.language == ""

    refused = client.post("/settings/profile/", {**form, "language": "klingon"})
    assert refused.status_code == 200
    member.refresh_from_db()
    assert member.language == ""


def test_the_api_reads_and_changes_the_language(api_client):
    member = UserFactory(language="")
    api_client.force_authenticate(member)

    assert api_client.get("/api/v1/me/").json()["language"] == ""
    changed = api_client.patch("/api/v1/me/", {"language": "zh-hans"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["language"] == "zh-hans"
    assert User.objects.get(pk=member.pk).language == "zh-hans"

    refused = api_client.patch("/api/v1/me/", {"language": "fr"}, format="json")
    assert refused.status_code == 400
    assert "language" in refused.json()
    assert User.objects.get(pk=member.pk).language == "zh-hans"


def test_the_faq_entry_and_evidence_pages_stay_in_the_members_words(client):
    # An FAQ entry's text is content: the page around it is Chinese, the entry is not.
    from qa.models import FaqEntry

    entry = FaqEntry.objects.order_by("order").first()
    assert entry is not None
    member = UserFactory()
    evidence_record_faq_view(user=member, entry=entry)
    page = assert_chinese(client.get(entry.get_absolute_url(), **ZH), "全部常见问题")
    assert entry.title in page


@pytest.mark.parametrize(
    ("code", "tag"),
    [("zh-hans", "zh-Hans"), ("en", "en"), ("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW")],
)
def test_bcp47_tags(code, tag):
    assert bcp47(code) == tag


def test_the_admin_is_chinese_for_a_chinese_moderator(client):
    staff = UserFactory(is_staff=True, is_superuser=True, language="zh-hans")
    client.force_login(staff)

    page = client.get("/admin/").content.decode()

    assert "Newcomers&#x27; Corner 管理后台" in page
    assert "版务" in page  # the moderation figures we add to the index
    assert 'lang="zh-hans"' in page
