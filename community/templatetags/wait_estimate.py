"""{% wait_estimate %}: how long a first response usually takes here, for askers.

On the ask page, `{% wait_estimate %}`; on a thread page, `{% wait_estimate question %}`,
shown only to the thread's asker while the thread waits for its first human response:
it is the asker who is waiting, and an unanswered thread asks its other readers for an
answer, not for patience."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from community.wait_estimate import thread_is_waiting, wait_estimate
from mentoring.templatetags.mentoring_tags import duration_words

register = template.Library()


@register.simple_tag(name="wait_estimate", takes_context=True)
def wait_estimate_tag(context: dict[str, Any], question: Any = None) -> SafeString | str:
    if question is not None and not _asker_is_waiting(context, question):
        return ""
    estimate = wait_estimate()
    if not estimate.enough:
        return format_html(
            '<p class="wait-estimate" role="note">{}</p>',
            gettext("Not enough data yet to estimate how long a first response takes."),
        )
    return format_html(
        '<p class="wait-estimate" role="note">{} <span class="muted">{}</span></p>',
        gettext(
            "Half of the questions here get a first response within %(median)s, and 9 in 10 "
            "within %(p90)s."
        )
        % {"median": duration_words(estimate.median), "p90": duration_words(estimate.p90)},
        ngettext(
            "Based on the %(count)s question of the last 30 days that had a response (of "
            "%(asked)s asked).",
            "Based on the %(count)s questions of the last 30 days that had a response (of "
            "%(asked)s asked).",
            estimate.responded,
        )
        % {"count": estimate.responded, "asked": estimate.asked},
    )


def _asker_is_waiting(context: dict[str, Any], question: Any) -> bool:
    """The viewer asked this open thread and no one has responded yet. The answer count
    and status are on the page's question already: the query runs only when they leave
    the question open."""
    # The page's viewer: the request's, or the member a cached page is rendered for.
    viewer = context.get("user") or getattr(context.get("request"), "user", None)
    return (
        viewer is not None
        and viewer.is_authenticated
        and viewer.pk == question.author_id
        and question.status == "open"
        and not question.hidden
        and not question.answer_count
        and thread_is_waiting(question=question)
    )
