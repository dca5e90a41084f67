"""Our templates and scripts hold nothing the Content-Security-Policy refuses: no inline
style attributes, no inline event handlers (on...= or htmx's hx-on), and no script that
writes styles onto elements. Styles live in static CSS as classes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"
# Mail bodies are not pages: they are not served under the policy, and mail readers
# need inline styles.
NOT_PAGES = {TEMPLATES / "emails"}

INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
# on...= as an attribute of its own (not data-...-onload=), and htmx's hx-on handlers.
INLINE_HANDLER = re.compile(r"(?:\s|^)(?:on[a-z]+|(?:data-)?hx-on[:\w-]*)\s*=", re.IGNORECASE)
STYLE_FROM_SCRIPT = re.compile(
    r"\.style\b|\.cssText\b|setAttribute\(\s*['\"]style['\"]|\bstyle\s*=", re.IGNORECASE
)


def page_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*")
        if path.is_file() and not any(path.is_relative_to(skip) for skip in NOT_PAGES)
    )


def offending_lines(path: Path, pattern: re.Pattern[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), start=1)
        if pattern.search(line)
    ]


def test_there_are_templates_to_check():
    names = {path.name for path in page_templates()}

    assert {"base.html", "question_detail.html", "flag_queue.html"} <= names


@pytest.mark.parametrize(
    ("what", "pattern"), [("style attribute", INLINE_STYLE), ("event handler", INLINE_HANDLER)]
)
def test_no_template_has_an_inline(what, pattern):
    found = [line for path in page_templates() for line in offending_lines(path, pattern)]

    assert found == [], f"inline {what}s: {found}"


def test_no_script_of_ours_writes_styles_onto_elements():
    scripts = sorted(SCRIPTS.rglob("*.js"))
    found = [line for path in scripts for line in offending_lines(path, STYLE_FROM_SCRIPT)]

    assert scripts
    assert found == [], found


@pytest.mark.parametrize(
    "line",
    [
        '<div style="padding: 0">',
        "<p class='x' STYLE='color:red'>",
        '<button onclick="go()">',
        '<body onload="start()">',
        '<form hx-on:submit="reset()">',
        '<form hx-on::after-request="this.reset()">',
    ],
)
def test_the_check_catches_inline_styles_and_handlers(line):
    assert INLINE_STYLE.search(line) or INLINE_HANDLER.search(line)


@pytest.mark.parametrize(
    "line",
    [
        '<script data-allauth-onload="allauth.account.forms.manageEmailForm">',
        '<link rel="stylesheet" href="site.css">',
        '<p class="question-summary">Click "online=true" to see it</p>',
    ],
)
def test_the_check_leaves_lookalikes_alone(line):
    assert not INLINE_STYLE.search(line)
    assert not INLINE_HANDLER.search(line)
