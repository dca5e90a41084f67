"""Journey 2 in Chromium: a mentor follows the offer email's link to the queue, takes the
thread ("I'll take this"), answers; the asker sees who is helping, accepts the answer and
rates the help. And the same steps work without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Notification
from accounts.notifications import notification_send
from mentoring.models import Claim, Feedback, Offer
from mentoring.services import claims_apply_timers, offers_apply_timers
from tests.e2e.browser import sign_in
from tests.factories import UserFactory, approved_mentor, django_thread

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

QUEUE_LINK = re.compile(r"https?://\S+?(/mentoring/queue/#queue-\d+)")


def offer_email_path(mentor) -> str:
    """Send the mentor's offer email as the worker would; the path of its link."""
    row = Notification.objects.get(kind="mentor_offer", recipient=mentor)
    assert notification_send(notification_id=row.pk) == "sent"
    [email] = [m for m in mail.outbox if m.to == [mentor.email]]
    assert "A thread for you to mentor: Migrations conflict" in email.subject
    assert "Why you: expert in django (level 3)" in email.body
    found = QUEUE_LINK.search(email.body)
    assert found, email.body
    return found.group(1)


def a_thread_offered_to(mentor_name: str):
    mentor = approved_mentor(username=mentor_name, display_name="Mia")
    approved_mentor(), approved_mentor()
    asker = UserFactory(username="nia", display_name="Nia")
    thread = django_thread(author=asker, title="Migrations conflict after rebasing my branch")
    offers_apply_timers()
    assert Offer.objects.filter(mentor=mentor, question=thread).exists()
    return mentor, asker, thread


def mentor_answers(mentor_page: Page, thread) -> None:
    """The mentor answers on the thread page; the timer records the first reply."""
    mentor_page.get_by_role("textbox", name="Your answer").fill(
        "Run `makemigrations --merge`, then check the merged migration's dependencies."
    )
    mentor_page.get_by_role("button", name="Post your answer").click()
    expect(mentor_page.locator("article.answer")).to_contain_text("makemigrations --merge")
    claims_apply_timers()
    assert Claim.objects.get(question=thread).first_reply_at is not None


def test_a_mentor_claims_from_the_offer_email_and_the_asker_rates(live_server, browser):
    mentor, asker, thread = a_thread_offered_to("mia")
    base = live_server.url
    link = offer_email_path(mentor)

    mentor_page = browser.new_context().new_page()
    sign_in(mentor_page, base, "mia")
    mentor_page.goto(base + link)
    item = mentor_page.locator(f"article[aria-labelledby='queue-{thread.pk}']")
    expect(item).to_contain_text("Offered to you")
    expect(item).to_contain_text("Why you: expert in django (level 3)")
    item.get_by_role("button", name=re.compile("I'll take this")).click()

    expect(mentor_page).to_have_url(re.compile(rf"/questions/{thread.pk}/"))
    expect(mentor_page.locator(".mentoring-panel")).to_contain_text("Being helped by Mia since")
    assert Claim.objects.get(question=thread, state="active").mentor == mentor
    assert Notification.objects.filter(kind="mentor_claimed", recipient=asker).exists()
    mentor_answers(mentor_page, thread)
    mentor_page.context.close()

    asker_page = browser.new_context().new_page()
    sign_in(asker_page, base, "nia")
    asker_page.goto(base + thread.get_absolute_url())
    expect(asker_page.locator(".mentoring-panel")).to_contain_text("Being helped by Mia")
    asker_page.get_by_role("button", name="Accept this answer").click()
    expect(asker_page.locator(".badge.solved").first).to_be_visible()

    asker_page.reload()
    rating = asker_page.locator(".feedback-form")
    expect(rating).to_contain_text("How was Mia's help?")
    rating.get_by_label("Great").check()
    rating.get_by_label("A comment (optional)").fill("Clear and quick, thank you.")
    rating.get_by_role("button", name="Send the rating").click()
    expect(asker_page.locator(".messages")).to_contain_text("Thank you")
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.claim.mentor) == ("great", mentor)
    claims_apply_timers()
    assert Claim.objects.get(question=thread).state == "completed"
    asker_page.context.close()


def test_the_mentor_journey_works_without_javascript(live_server, browser):
    mentor, _asker, thread = a_thread_offered_to("mia")
    base = live_server.url
    link = offer_email_path(mentor)

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "mia")
    page.goto(base + link)
    page.locator(f"article[aria-labelledby='queue-{thread.pk}']").get_by_role(
        "button", name=re.compile("I'll take this")
    ).click()
    expect(page.locator(".mentoring-panel")).to_contain_text("Being helped by Mia since")
    mentor_answers(page, thread)
    context.close()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "nia")
    page.goto(base + thread.get_absolute_url())
    page.get_by_role("button", name="Accept this answer").click()
    page.goto(base + thread.get_absolute_url())
    page.get_by_label("Good").check()
    page.get_by_role("button", name="Send the rating").click()
    expect(page.locator(".messages")).to_contain_text("Thank you")
    assert Feedback.objects.get().rating == "good"
    context.close()
