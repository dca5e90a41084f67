"""In Chromium on a phone-sized screen (390 x 844): the pages a long unbroken word could
stretch (the thread, the mentor queue, the flag queue, the home page) and the API docs
break no rule of the Content-Security-Policy, log no console error, and are no wider
than the screen; and accepting an answer through htmx leaves no style attribute behind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypedDict

import pytest
from playwright.sync_api import Browser, Page, expect

from mentoring.services import offers_apply_timers
from moderation.services import flag_create
from qa.models import Question
from qa.services import answer_post, comment_post
from tests.e2e.browser import admin_sign_in, sign_in
from tests.factories import UserFactory, answer, approved_mentor, django_thread, question

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# 308 characters without a single break opportunity, and a URL of the same kind.
LONG_WORD = "Unbreakable" * 28
LONG_URL = "https://example.org/?q=" + "x" * 280
TITLE = f"Migrations fail for {LONG_WORD[:120]}"
BODY = (
    f"The model {LONG_WORD} cannot be migrated; the docs at {LONG_URL} say nothing.\n\n"
    f"```python\nclass {LONG_WORD}(models.Model):  # {LONG_WORD}\n    pass\n```\n\n"
    f"| model | table |\n|---|---|\n| {LONG_WORD} | {LONG_WORD} |\n"
)

# Installed before any script of the page runs: every violation the policy reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


# What is wrong with one page: "too wide" holds its width when that exceeds the phone's.
Found = TypedDict(
    "Found", {"page": str, "violations": list[str], "console": list[str], "too wide": int | None}
)


class Problems:
    """Console errors and uncaught exceptions a page logs, beside its CSP violations."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.console.append(str(error)))

    def of(self, path: str) -> Found:
        """What is wrong with the page now open: violations, errors, and its width."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        found: Found = {
            "page": path,
            "violations": self.page.evaluate("window.__cspViolations"),
            "console": list(self.console),
            "too wide": width if width > PHONE["width"] else None,
        }
        self.console.clear()
        return found


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def visit(page: Page, problems: Problems, url: str, ready: str) -> Found:
    page.goto(url)
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    return problems.of(url)


def clean(path: str) -> Found:
    return {"page": path, "violations": [], "console": [], "too wide": None}


def a_thread_with_long_words() -> Question:
    """A django thread with a long word everywhere one can go, in the queue of the
    mentor "mia"."""
    approved_mentor(username="mia", display_name="Mia")
    thread = django_thread(author=UserFactory(username="nia"), title=TITLE, body=BODY)
    Question.objects.filter(pk=thread.pk).update(
        what_i_tried=f"I renamed {LONG_WORD} and ran makemigrations again.",
        error_output=f"django.db.utils.ProgrammingError: relation {LONG_WORD} does not exist",
        environment=f"Python 3.13 on {LONG_WORD}",
    )
    reply = answer_post(
        author=UserFactory(), question=thread, body=f"Rename {LONG_WORD} back.", limits=False
    )
    comment_post(author=UserFactory(), question=thread, body=f"Same here: {LONG_URL}")
    comment_post(author=UserFactory(), answer=reply, body=f"Thanks, {LONG_WORD}")
    offers_apply_timers()
    return thread


def test_pages_with_long_words_break_no_csp_rule_and_fit_a_phone(live_server, phone: Page):
    base = live_server.url
    thread = a_thread_with_long_words()
    flag_create(flagger=UserFactory(), post=thread, reason="other", note=f"Look: {LONG_WORD}")
    UserFactory(username="root", is_staff=True, is_superuser=True)
    problems = Problems(phone)
    found: list[Found] = []

    found.append(visit(phone, problems, f"{base}/api/v1/docs/", ".swagger-ui .opblock"))
    phone.locator(".opblock-summary").first.click()  # Swagger UI draws more on opening
    expect(phone.locator(".opblock-body").first).to_be_visible()
    found.append(problems.of(f"{base}/api/v1/docs/ with an operation open"))
    sign_in(phone, base, "mia")
    found.append(visit(phone, problems, base + "/", "#recent-title"))
    found.append(visit(phone, problems, base + thread.get_absolute_url(), "#question-title"))
    found.append(visit(phone, problems, f"{base}/mentoring/queue/", f"#queue-{thread.pk}"))
    phone.context.clear_cookies()
    admin_sign_in(phone, base, "root")
    found.append(visit(phone, problems, f"{base}/admin/moderation/flag/queue/", ".flagged-post"))

    expected = [
        clean(f"{base}/api/v1/docs/"),
        clean(f"{base}/api/v1/docs/ with an operation open"),
        clean(base + "/"),
        clean(base + thread.get_absolute_url()),
        clean(f"{base}/mentoring/queue/"),
        clean(f"{base}/admin/moderation/flag/queue/"),
    ]
    assert found == expected


def test_the_api_in_a_browser_is_json_that_breaks_no_csp_rule(live_server, phone: Page):
    question(title="How do I merge two migration branches?")
    problems = Problems(phone)

    response = phone.goto(f"{live_server.url}/api/v1/questions/")

    assert response is not None
    assert response.headers["content-type"].startswith("application/json")
    assert "How do I merge two migration branches?" in response.text()
    found = problems.of("/api/v1/questions/")
    assert found["violations"] == []
    # JSON names no icon, so the browser asks for /favicon.ico on its own and may log
    # that request's 404: only what the policy refused counts here.
    assert [m for m in found["console"] if "Content Security Policy" in m] == []


def test_accepting_an_answer_with_htmx_leaves_no_style_attribute(live_server, phone: Page):
    base = live_server.url
    asker = UserFactory(username="nia")
    thread = question(author=asker, title="Celery beat sends the same task twice an hour")
    answer(question_obj=thread, body="Run one beat process only.")
    problems = Problems(phone)
    sign_in(phone, base, "nia")
    phone.goto(base + thread.get_absolute_url())
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.headers.get("hx-request", "")))

    # A member who drags a textarea's corner gets its size written into a style
    # attribute; the swap must not copy it onto the new page (the CSP refuses that).
    phone.get_by_role("textbox", name="Your answer").evaluate(
        "(box) => { box.style.height = '12rem'; }"
    )
    phone.get_by_role("button", name="Accept this answer").click()

    expect(phone.locator("article.answer.accepted")).to_be_visible()
    expect(phone.get_by_role("heading", name="What fixed it?")).to_be_visible()
    phone.wait_for_load_state("networkidle")
    # htmx settles in steps (swap, then settle, then the added classes go): wait them out.
    expect(phone.locator(".htmx-settling, .htmx-swapping, .htmx-added")).to_have_count(0)
    assert "true" in requests  # the accept went through htmx, not a page load
    styled = phone.evaluate(
        "[...document.querySelectorAll('[style]')].map((e) => e.outerHTML.slice(0, 120))"
    )
    assert styled == []
    assert problems.of(thread.get_absolute_url()) == clean(thread.get_absolute_url())
    assert re.search(r"/questions/\d+/", phone.url)
