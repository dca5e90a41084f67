"""Journey 3 in Chromium, in the Django admin: a member flags a post, a moderator
(staff in "Moderators", not a superuser) finds it from the admin index in the flag
queue and hides it; closes a duplicate whose banner then links the original; suspends
a member. Each admin page is checked with axe-core for accessibility violations."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from moderation.models import CloseReason, ModerationAction
from qa.models import Question
from qa.services import search_vectors_refresh
from tests.e2e.browser import admin_sign_in, sign_in
from tests.factories import TagFactory, UserFactory, question

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AXE = Axe()


def no_violations(page: Page) -> None:
    results = AXE.run(page)
    violations = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
    ]
    assert violations == [], violations


def run_action(page: Page, row_text: str, action_label: str) -> None:
    """Tick the changelist row with this text and run an admin action on it."""
    row = page.locator("#result_list tr", has_text=row_text)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Run").click()


def test_a_moderator_hides_closes_a_duplicate_and_suspends(live_server, browser):
    base = live_server.url
    group = Group.objects.get_or_create(name=MODERATORS_GROUP)[0]
    if not group.permissions.exists():  # a transactional test flushed the migration's data
        from django.core.management import call_command

        call_command("migrate", "community", "zero", verbosity=0)
        call_command("migrate", verbosity=0)
        group = Group.objects.get(name=MODERATORS_GROUP)
    if not CloseReason.objects.exists():
        CloseReason.objects.create(label="Duplicate of another thread", needs_target=True)
    moderator = UserFactory(username="mo", is_staff=True)
    moderator.groups.add(group)
    TagFactory(name="django")
    spammer = UserFactory(username="spammer")
    spam = question(author=spammer, title="Cheap watches and pills for sale today",
                    body="Buy cheap watches at shop.example now.")  # fmt: skip
    original = question(title="How do I squash migrations in Django?")
    duplicate = question(title="Squashing Django migrations, how?")
    search_vectors_refresh(question_ids=[spam.pk, original.pk, duplicate.pk])
    flagger = UserFactory(username="fran")

    # A member flags the spam from its page.
    member = browser.new_context().new_page()
    sign_in(member, base, "fran")
    member.goto(base + spam.get_absolute_url())
    member.get_by_role("link", name="Flag this question").click()
    member.get_by_label("Spam").check()
    member.get_by_role("button", name="Send the flag").click()
    expect(member.locator(".messages")).to_contain_text("moderators will look at it")
    member.context.close()
    assert flagger.flags.count() == 1

    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    admin_sign_in(page, base, "mo")
    no_violations(page)
    page.get_by_role("link", name="Open flags").click()
    expect(
        page.get_by_role("heading", name=re.compile("1 open flag on a question"))
    ).to_be_visible()
    no_violations(page)
    item = page.locator("section", has_text="Cheap watches")
    item.get_by_label("Reason to hide").fill("Spam: selling watches")
    item.get_by_role("button", name="Hide the post").click()
    expect(page.locator(".messagelist")).to_contain_text("audit log")
    assert Question.objects.get(pk=spam.pk).hidden

    # Gone from the page, search and the API for everyone else.
    anonymous = browser.new_context().new_page()
    assert anonymous.goto(base + spam.get_absolute_url()).status == 404
    anonymous.goto(f"{base}/search/?q=watches")
    expect(anonymous.locator("main")).not_to_contain_text("Cheap watches")
    api = anonymous.goto(f"{base}/api/v1/search/?q=watches")
    assert "Cheap watches" not in api.text()
    anonymous.context.close()

    # Close a duplicate from the question list; the banner links the original.
    page.goto(f"{base}/admin/qa/question/")
    no_violations(page)
    run_action(page, duplicate.title, "Close (with a reason; a duplicate links the original)")
    no_violations(page)
    page.get_by_label("Reason").select_option(label="Duplicate of another thread")
    page.get_by_label("Original thread (number)").fill(str(original.pk))
    page.get_by_role("button", name="Close with a reason").click()
    expect(page.locator(".messagelist")).to_contain_text("Closed: 1.")
    page.goto(base + duplicate.get_absolute_url())
    banner = page.locator(".banner", has_text="Closed")
    expect(banner.get_by_role("link", name=original.title)).to_have_attribute(
        "href", original.get_absolute_url()
    )
    no_violations(page)

    # Suspend the spammer with a reason and an end.
    page.goto(f"{base}/admin/accounts/user/?q=spammer")
    run_action(page, "spammer", "Suspend until a date (with a reason)")
    until = (timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Suspended until").fill(until)
    page.get_by_label("Reason").fill("Spam, repeatedly")
    page.get_by_role("button", name="Suspend with a reason and an end").click()
    expect(page.locator(".messagelist")).to_contain_text("Suspended: 1.")
    spammer = User.objects.get(pk=spammer.pk)
    assert spammer.is_suspended
    assert spammer.suspension_reason == "Spam, repeatedly"
    kinds = set(ModerationAction.objects.filter(moderator=moderator).values_list("kind", flat=True))
    assert kinds == {"hide", "close", "suspend"}
    page.context.close()
