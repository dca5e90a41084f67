"""Journey 1 in Chromium: a newcomer signs in, searches first through the live
suggestions, opens an FAQ entry, says what they tried and posts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qa.models import Question
from qa.services import answer_accept
from tests.factories import PASSWORD, TagFactory, UserFactory, answer, question

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_newcomer_asks_with_live_suggestions(live_server, page: Page):
    TagFactory(name="celery")
    solved = question(title="Celery task runs twice after worker restart")
    answer_accept(user=solved.author, answer=answer(question_obj=solved))
    UserFactory(username="nia")
    base = live_server.url

    sign_in(page, base, "nia")
    page.goto(f"{base}/questions/ask/")
    page.get_by_label("Title").press_sequentially("celery task executed twice", delay=30)

    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("Does this answer your question?")
    expect(suggestions.get_by_role("link", name=solved.title).first).to_be_visible()

    with page.expect_popup() as popup:
        page.get_by_role("link", name="How do I ask a good question here?").click()
    expect(popup.value.get_by_role("heading", level=1)).to_have_text(
        "How do I ask a good question here?"
    )
    popup.value.close()

    page.get_by_label("Body").fill("My task is delivered again when the worker restarts.")
    page.get_by_label("Tags").fill("celery")
    page.get_by_label("What I already tried").fill(
        "Set acks_late to False, which loses tasks instead; read the Celery FAQ on it."
    )
    page.get_by_label("Environment").fill("Celery 5.7, Redis 7, Python 3.13")
    page.get_by_role("button", name="Post your question").click()

    expect(page).to_have_url(re.compile(r"/questions/\d+/$"))
    expect(page.get_by_role("heading", name="What I already tried")).to_be_visible()
    assert Question.objects.filter(author__username="nia").count() == 1


def test_without_an_faq_reading_the_page_says_which_step_is_missing(live_server, page: Page):
    TagFactory(name="celery")
    UserFactory(username="omar")
    base = live_server.url

    sign_in(page, base, "omar")
    page.goto(f"{base}/questions/ask/")
    page.get_by_label("Title").fill("Celery beat sends the same task twice an hour")
    page.get_by_label("Body").fill("Details.")
    page.get_by_label("Tags").fill("celery")
    page.get_by_label("What I already tried").fill("n/a")
    page.get_by_role("button", name="Post your question").click()

    expect(page.locator(".form-errors")).to_contain_text("What I tried")
    assert not Question.objects.exists()
