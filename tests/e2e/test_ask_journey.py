"""Journey 1 in Chromium: a newcomer signs in, searches first through the live
suggestions, opens a similar thread and an FAQ entry in place, says what they tried,
reviews the draft with the linter's hints and posts; and the same without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from qa.markdown import render_markdown
from qa.models import AskDraft, FaqEntry, Question
from qa.services import answer_accept
from tests.e2e.browser import sign_in
from tests.factories import TRIED, TagFactory, UserFactory, answer, question

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def solved_thread() -> Question:
    """A solved thread, and the FAQ entry the journeys open (a transactional test starts
    from empty tables, without the starter FAQ of the data migration)."""
    FaqEntry.objects.get_or_create(
        slug="how-to-ask",
        defaults={
            "title": "How do I ask a good question here?",
            "body": "Search first, then say what you tried.",
            "body_html": render_markdown("Search first, then say what you tried."),
        },
    )
    TagFactory(name="celery")
    solved = question(title="Celery task runs twice after worker restart")
    accepted = answer(question_obj=solved, body="Turn on acks_late and make the task idempotent.")
    answer_accept(user=solved.author, answer=accepted)
    return solved


def test_a_newcomer_asks_with_live_suggestions(live_server, page: Page):
    solved = solved_thread()
    UserFactory(username="nia")
    base = live_server.url

    sign_in(page, base, "nia")
    page.goto(f"{base}/questions/ask/")
    page.get_by_label("Title").press_sequentially("celery task executed twice", delay=30)

    suggestions = page.locator("#suggestions")
    expect(suggestions).to_contain_text("Does this answer your question?")
    suggestions.locator("summary", has_text=solved.title).click()
    expect(suggestions).to_contain_text("Turn on acks_late and make the task idempotent.")

    page.get_by_label("Body").fill(f"My task is delivered again when the worker restarts.\n{TOKEN}")
    page.get_by_label("Tags").fill("celery")
    page.get_by_role("button", name="Next: Read the FAQ").click()

    expect(page.get_by_role("heading", name="Step 2: Read the FAQ")).to_be_visible()
    page.locator("summary", has_text="How do I ask a good question here?").first.click()
    expect(page.locator(".faq-in-place .markdown").first).to_be_visible()
    page.get_by_role("button", name="Next: What I tried").click()

    page.get_by_label("What I already tried").fill(TRIED)
    page.get_by_label("Environment").fill("Celery 5.7, Redis 7, Python 3.13")
    page.get_by_role("button", name="Next: Review").click()

    expect(page.get_by_role("heading", name="Step 4: Review and post")).to_be_visible()
    expect(page.locator(".hints")).to_contain_text("Must fix:")
    page.get_by_role("button", name="Post your question").click()
    expect(page.locator(".form-errors")).to_be_visible()
    assert not Question.objects.filter(author__username="nia").exists()

    # Back to step 1 to take the token out; the rest of the draft is still there.
    page.get_by_role("button", name="1. Search first").click()
    page.get_by_label("Body").fill("My task is delivered again when the worker restarts.")
    page.get_by_role("button", name="4. Review and post").click()
    expect(page.locator(".draft-preview")).to_contain_text(TRIED)
    expect(page.locator(".draft-preview")).not_to_contain_text(TOKEN)
    page.get_by_role("button", name="Post your question").click()

    expect(page).to_have_url(re.compile(r"/questions/\d+/$"))
    expect(page.get_by_role("heading", name="What I already tried")).to_be_visible()
    assert Question.objects.filter(author__username="nia").count() == 1
    assert AskDraft.objects.get(author__username="nia").opened_solved


def test_without_javascript_the_steps_are_pages_of_one_form(live_server, page_without_js: Page):
    page = page_without_js
    solved = solved_thread()
    UserFactory(username="omar")
    base = live_server.url

    sign_in(page, base, "omar")
    page.goto(f"{base}/questions/ask/")
    page.get_by_label("Title").fill("Celery task executed twice after a restart")
    page.get_by_label("Body").fill("My task is delivered again when the worker restarts.")
    page.get_by_label("Tags").fill("celery")
    page.get_by_role("button", name="Next: Read the FAQ").click()

    # Search first: the similar threads are shown before moving on.
    expect(page.locator("#suggestions")).to_contain_text("Does this answer your question?")
    page.get_by_role("link", name=solved.title).first.click()
    expect(page.get_by_text("Turn on acks_late and make the task idempotent.")).to_be_visible()
    page.get_by_role("link", name="Back to your question").click()
    expect(page.get_by_label("Title")).to_have_value("Celery task executed twice after a restart")
    page.get_by_role("button", name="Next: Read the FAQ").click()

    expect(page.get_by_role("heading", name="Step 2: Read the FAQ")).to_be_visible()
    # Without JavaScript an entry opens as its own page, from inside its summary.
    page.locator("summary", has_text="How do I ask a good question here?").first.click()
    page.get_by_role("link", name="Read “How do I ask a good question here?”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How do I ask a good question here?")
    page.get_by_role("link", name="Back to your question").click()
    page.get_by_role("button", name="Next: What I tried").click()

    page.get_by_label("What I already tried").fill("n/a")
    page.get_by_role("button", name="Next: Review").click()
    expect(page.locator(".field-errors")).to_contain_text("Say what you tried")
    page.get_by_label("What I already tried").fill(TRIED)
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Next: What I tried").click()
    expect(page.get_by_label("What I already tried")).to_have_value(TRIED)
    page.get_by_role("button", name="Next: Review").click()

    expect(page.locator(".draft-preview")).to_contain_text(TRIED)
    page.get_by_role("button", name="Post your question").click()

    expect(page).to_have_url(re.compile(r"/questions/\d+/$"))
    expect(page.get_by_role("heading", name="What I already tried")).to_be_visible()
    assert Question.objects.filter(author__username="omar").count() == 1
