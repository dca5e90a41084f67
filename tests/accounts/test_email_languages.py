"""Emails are written in the recipient's language: notifications in the member's chosen
language (whatever language the request or worker that sends them runs in), account
emails in the language of the request, or the member's own choice when they made one.
Checked on the bytes that reach a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from django.utils import translation

from accounts import notifications as n
from accounts.models import Notification
from community.celery import app as celery_app
from qa.services import answer_post
from tests.factories import UserFactory, question
from tests.processes import SmtpSink, message_text

pytestmark = pytest.mark.django_db

TITLE = "Why does my worker run the task twice?"


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    conf = celery_app.conf
    before = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@pytest.fixture
def sink(settings) -> Iterator[SmtpSink]:
    server = SmtpSink()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


def raw_subject(raw: bytes) -> tuple[str, str]:
    """The Subject header as it went over the wire (folded lines joined), and decoded."""
    match = re.search(rb"^Subject:(.*?)\r?\n(?![ \t])", raw, re.M | re.S)
    assert match, "no Subject header"
    wire = re.sub(r"\r?\n[ \t]", " ", match.group(1).decode("ascii")).strip()
    return wire, str(make_header(decode_header(wire)))


def answer_to(asker, django_capture_on_commit_callbacks) -> None:
    q = question(author=asker, title=TITLE)
    with django_capture_on_commit_callbacks(execute=True):
        answer_post(author=UserFactory(), question=q, body="Use **acks_late**.", limits=False)


def test_a_chinese_member_gets_a_chinese_notification(sink, django_capture_on_commit_callbacks):
    asker = UserFactory(language="zh-hans")

    # Sent from an English context: the recipient's language still wins.
    with translation.override("en"):
        answer_to(asker, django_capture_on_commit_callbacks)

    [message] = sink.wait_for(1)
    wire, subject = raw_subject(sink.raw[0])
    # Non-ASCII goes out as RFC 2047 encoded words, which decode to the Chinese subject.
    assert "=?utf-8?" in wire.lower()
    assert subject == f"[Newcomers' Corner] 新回答：{TITLE}"
    body = message_text(message)
    assert f"{asker.public_name}，你好：" in body
    assert "我的帖子有新回答：" in body
    assert "你收到这封邮件，是因为你在 Newcomers' Corner 上的通知设置。" in body
    assert "Hello" not in body
    html = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/html"
    )
    assert '<html lang="zh-Hans">' in html
    assert "修改设置" in html


def test_an_english_member_gets_an_english_notification(sink, django_capture_on_commit_callbacks):
    asker = UserFactory(language="en")

    # Sent while a Chinese page is being served: still English for this member.
    with translation.override("zh-hans"):
        answer_to(asker, django_capture_on_commit_callbacks)

    [message] = sink.wait_for(1)
    _, subject = raw_subject(sink.raw[0])
    assert subject == f"[Newcomers' Corner] New answer: {TITLE}"
    body = message_text(message)
    assert f"Hello {asker.public_name}," in body
    assert "A new answer on my thread:" in body
    assert "你好" not in body


def test_a_member_who_follows_the_browser_gets_the_sites_default(
    sink, django_capture_on_commit_callbacks
):
    asker = UserFactory(language="")
    with translation.override("zh-hans"):
        answer_to(asker, django_capture_on_commit_callbacks)

    sink.wait_for(1)
    assert raw_subject(sink.raw[0])[1].startswith("[Newcomers' Corner] New answer:")


def test_the_digest_is_in_the_members_language():
    member = UserFactory(language="zh-hans")
    rows = []
    for number in range(2):
        [pk] = n.notify(
            kind="new_answer",
            recipients=[member.pk],
            dedupe_key=f"digest-language:{number}",
            payload={"title": f"Thread {number}", "url": "/questions/1/"},
        )
        rows.append(Notification.objects.get(pk=pk))

    message = n.build_email(recipient=member, notifications=rows, digest=True)

    assert message.subject == "[Newcomers' Corner] 你的每日摘要：2 条动态"
    assert "自上次摘要以来，Newcomers' Corner 上有这些动态：" in message.body
    assert "不再接收关于“每日摘要”的邮件" in message.body


def test_a_password_reset_asked_from_a_chinese_browser_is_chinese(
    client, sink, django_capture_on_commit_callbacks
):
    UserFactory(email="lin@example.org", language="")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password/reset/",
            {"email": "lin@example.org"},
            HTTP_ACCEPT_LANGUAGE="zh-CN",
        )

    [message] = sink.wait_for(1)
    _, subject = raw_subject(sink.raw[0])
    assert "密码" in subject
    assert "密码" in message_text(message)


def test_an_account_email_follows_the_members_choice_over_the_browser(
    client, sink, django_capture_on_commit_callbacks
):
    UserFactory(email="wang@example.org", language="zh-hans")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password/reset/", {"email": "wang@example.org"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    sink.wait_for(1)
    assert "密码" in raw_subject(sink.raw[0])[1]

    english = UserFactory(email="ada@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password/reset/",
            {"email": english.email},
            HTTP_ACCEPT_LANGUAGE="zh-CN",
        )
    sink.wait_for(2)
    assert "Password" in raw_subject(sink.raw[1])[1]
