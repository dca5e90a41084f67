"""In Chromium: staff follow the "Community health" link from the admin index to the
page, whose charts are drawn (SVG, no script) and fit a desktop and a phone screen; the
page breaks no rule of the Content-Security-Policy, logs no console error and has no
accessibility violation axe-core finds; the filters work without JavaScript and a table
downloads as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from mentoring.models import Claim
from qa.models import Question
from tests.e2e.browser import admin_sign_in
from tests.e2e.test_csp_and_width import RECORD_VIOLATIONS, Problems
from tests.e2e.test_moderator_journey import no_violations
from tests.factories import (
    UserFactory,
    answer,
    approved_mentor,
    django_thread,
    moments_recomputed,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
H = dt.timedelta(hours=1)


def a_month_of_threads() -> None:
    """Threads over the last three weeks: answered after some hours, one claimed by a
    mentor, one still waiting."""
    now = timezone.now()
    mentor = approved_mentor(username="mia")
    for days, wait in [(20, 3), (18, 30), (12, 1), (9, 50), (4, 6), (2, None)]:
        thread = django_thread(title=f"Migrations fail after {days} days of rebasing")
        created = now - dt.timedelta(days=days)
        Question.objects.filter(pk=thread.pk).update(created_at=created)
        if wait is not None:
            reply = answer(question_obj=thread, author=UserFactory())
            type(reply).objects.filter(pk=reply.pk).update(created_at=created + wait * H)
        if days == 18:
            Claim.objects.create(
                question=thread,
                mentor=mentor,
                created_at=created + 2 * H,
                reply_due_at=created + 6 * H,
                state=Claim.State.EXPIRED,
            )
    moments_recomputed()


def width_of(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def drawn_charts(page: Page) -> list[dict[str, float]]:
    charts = page.locator("svg[role=img]")
    boxes = []
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None
        boxes.append(box)
    return boxes


def test_staff_open_community_health_from_the_admin_index(live_server, browser: Browser):
    base = live_server.url
    a_month_of_threads()
    UserFactory(username="root", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = Problems(page)

    admin_sign_in(page, base, "root")
    page.get_by_role("link", name="Community health").click()
    expect(page.get_by_role("heading", name="Community health", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{base}/staff/health/")

    boxes = drawn_charts(page)
    assert len(boxes) >= 4
    assert all(box["width"] > 300 and box["height"] > 60 for box in boxes), boxes
    # Drawn with data: the first response chart has a line, the bars have bars.
    expect(page.locator("#first-response svg[role=img] polyline").first).to_be_attached()
    assert page.locator("#activity svg[role=img] rect[fill^='url(']").count() >= 2
    assert width_of(page) <= DESKTOP["width"]
    no_violations(page)

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_load_state("networkidle")
    boxes = drawn_charts(page)
    assert len(boxes) >= 4
    assert all(0 < box["width"] <= PHONE["width"] and box["height"] > 0 for box in boxes)
    assert width_of(page) <= PHONE["width"]
    no_violations(page)

    found = problems.of("/staff/health/")
    assert (found["violations"], found["console"], found["too wide"]) == ([], [], None)

    with page.expect_download() as download:
        page.locator("#figures").get_by_role("link", name=re.compile("Download CSV")).click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith("community-health-figures-")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert {row["name"]: row["value"] for row in rows}["threads"] == "6"
    context.close()


def test_the_filters_work_without_javascript(live_server, page_without_js: Page):
    base = live_server.url
    a_month_of_threads()
    UserFactory(username="root", is_staff=True)
    page = page_without_js
    admin_sign_in(page, base, "root")
    page.goto(f"{base}/staff/health/")
    today = timezone.now().date()

    page.get_by_label("From (included)").fill((today - dt.timedelta(days=10)).isoformat())
    page.get_by_label("Until (excluded)").fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show figures").click()

    threads = page.locator(
        "#figures tr", has=page.locator("code", has_text=re.compile("^threads$"))
    )
    # Threads of the last ten days: 9, 4 and 2 days old.
    expect(threads.locator("td").first).to_have_text("3")
    expect(page.locator("svg[role=img]").first).to_be_visible()

    page.get_by_label("Asker", exact=True).select_option(label="Newcomers")
    page.get_by_role("button", name="Show figures").click()
    assert "asker=newcomer" in page.url
    expect(page.get_by_label("Asker", exact=True)).to_have_value("newcomer")
    link = page.locator("#figures").get_by_role("link", name=re.compile("Download CSV"))
    assert "asker=newcomer" in (link.get_attribute("href") or "")

    page.get_by_label("From (included)").fill((today + dt.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("alert").first).to_contain_text("The start must be before the end")
    assert page.locator("svg[role=img]").count() == 0
