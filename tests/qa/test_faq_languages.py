"""The FAQ in the reader's language: the starter entries exist in English and Simplified
Chinese, each reader sees every entry once, in their language when it has been
translated (else as written), their language first: on /faq/, in the ask flow's step 2,
in GET /api/v1/faq/ and in the entries matched to a draft."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from qa.markdown import render_markdown
from qa.models import FaqEntry
from qa.selectors import faq_language, faq_matching, faq_published
from tests.factories import TagFactory, UserFactory

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
HOW_TO_ASK_EN = "How do I ask a good question here?"
HOW_TO_ASK_ZH = "怎样在这里提一个好问题？"


def entry(**fields):
    body = fields.pop("body", "Body of the entry.")
    return FaqEntry.objects.create(body=body, body_html=render_markdown(body), **fields)


def test_the_starter_faq_has_a_chinese_translation_of_every_english_entry():
    english = FaqEntry.objects.filter(language="en")
    chinese = FaqEntry.objects.filter(language="zh-hans").select_related("translation_of")
    assert english.count() == chinese.count() == 6
    assert {c.translation_of.slug for c in chinese} == set(english.values_list("slug", flat=True))
    for translated in chinese:
        # Same place in the list as the original, and written in Chinese.
        assert translated.order == translated.translation_of.order
        assert any("\u4e00" <= ch <= "\u9fff" for ch in translated.title)
        assert translated.body_html


def test_a_chinese_reader_gets_the_chinese_faq_page(client):
    page = client.get("/faq/", **CHINESE).content.decode()
    assert HOW_TO_ASK_ZH in page
    assert HOW_TO_ASK_EN not in page


def test_an_english_reader_gets_the_english_faq_page(client):
    page = client.get("/faq/").content.decode()
    assert HOW_TO_ASK_EN in page
    assert HOW_TO_ASK_ZH not in page


def test_an_untranslated_entry_is_shown_to_everyone_after_the_reader_s_own(client):
    entry(title="How do I run the test suite?", slug="run-tests", order=1)
    titles = [e.title for e in faq_published(language="zh-hans")]
    assert titles[:6] == [e.title for e in FaqEntry.objects.filter(language="zh-hans")]
    assert titles[6:] == ["How do I run the test suite?"]
    # In English it is first, by the admins' order.
    assert faq_published(language="en")[0].title == "How do I run the test suite?"


def test_a_chinese_only_entry_reaches_english_readers_too():
    entry(title="如何加入中文社区的聊天群？", slug="chat-zh", language="zh-hans")
    english = [e.slug for e in faq_published(language="en")]
    assert english[-1] == "chat-zh"
    assert "how-to-ask-zh" not in english


def test_an_unpublished_translation_falls_back_to_the_original():
    FaqEntry.objects.filter(slug="how-to-ask-zh").update(published=False)
    slugs = [e.slug for e in faq_published(language="zh-hans")]
    assert "how-to-ask" in slugs
    assert "how-to-ask-zh" not in slugs


def test_every_entry_still_opens_by_its_address_whatever_the_language(client):
    assert client.get("/faq/how-to-ask/", **CHINESE).status_code == 200
    assert client.get("/faq/how-to-ask-zh/").status_code == 200


def test_interface_languages_map_to_faq_languages():
    assert faq_language("zh-hans") == "zh-hans"
    assert faq_language("en-gb") == "en"
    assert faq_language("de") == "en"


def test_the_api_lists_the_faq_in_the_request_s_language():
    api = APIClient()
    chinese = api.get("/api/v1/faq/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert chinese["count"] == 6
    assert {e["language"] for e in chinese["results"]} == {"zh-hans"}
    assert chinese["results"][0]["title"] == HOW_TO_ASK_ZH
    english = api.get("/api/v1/faq/").json()
    assert english["count"] == 6
    assert english["results"][0]["title"] == HOW_TO_ASK_EN


def test_matching_a_draft_prefers_the_reader_s_language():
    # "traceback" is in the formatting entry in both languages.
    english = faq_matching(text="how to paste a traceback", language="en")
    chinese = faq_matching(text="how to paste a traceback", language="zh-hans")
    assert "formatting-code" in [e.slug for e in english]
    assert "formatting-code-zh" in [e.slug for e in chinese]
    assert not {e.slug for e in chinese} & {"formatting-code", "how-to-ask"}


def test_the_ask_flow_shows_a_chinese_reader_the_chinese_faq(client):
    TagFactory(name="celery")
    client.force_login(UserFactory())
    client.defaults.update(CHINESE)
    topic = {
        "title": "Celery beat 每小时把同一个任务发两次",
        "body": "每小时执行两次。",
        "tags": "celery",
    }
    client.post("/questions/ask/", {"step": 1, "go": "next", **topic})
    client.get("/questions/ask/?step=1")
    assert client.post("/questions/ask/", {"step": 1, "go": "next", **topic}).status_code == 302
    page = client.get("/questions/ask/?step=2").content.decode()
    assert HOW_TO_ASK_ZH in page
    assert HOW_TO_ASK_EN not in page


def test_a_translation_points_at_an_original_in_another_language():
    original = FaqEntry.objects.get(slug="how-to-ask")
    same_language = FaqEntry(
        title="Asking well", slug="asking-well", body="x", translation_of=original
    )
    with pytest.raises(ValidationError) as refused:
        same_language.full_clean()
    assert "translation_of" in refused.value.message_dict
    translation = FaqEntry.objects.get(slug="how-to-ask-zh")
    chained = FaqEntry(
        title="Asking", slug="asking", body="x", language="en", translation_of=translation
    )
    with pytest.raises(ValidationError):
        chained.full_clean()
    original.translation_of = translation
    with pytest.raises(ValidationError):
        original.full_clean()
