from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from qa.search import MARK_START, MARK_STOP

register = template.Library()


@register.filter
def snippet(text: str | None, words: int = 40) -> SafeString:
    """A search snippet: escaped, shortened, with the matched words in <mark>."""
    plain = " ".join((text or "").split())
    if MARK_START not in plain:
        plain = Truncator(plain).words(words)
    html = escape(plain).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> tags added


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed (and the page reset)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def vote_of(votes: dict[str, int], post: object) -> int:
    """The viewer's vote on a question or answer, from selectors.viewer_votes."""
    prefix = "q" if post.__class__.__name__ == "Question" else "a"
    return votes.get(f"{prefix}{getattr(post, 'pk', '')}", 0)
