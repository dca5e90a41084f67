"""The one Markdown renderer for pages, the API and emails.

markdown-it-py with raw HTML off (the "js-default" preset, tables and strikethrough on,
no linkify) turns the text into HTML, fenced code is highlighted by Pygments with CSS
classes (never inline styles, which the CSP forbids), and nh3 then sanitises the result
against an allowlist, so what comes out is safe to store and to show as it is.

Decisions:

- Links: only http, https and mailto, plus paths within this site ("/questions/1/";
  "//host/..." takes the page's own https scheme) and fragments ("#answer-3"), which is
  how posts point at other threads. Any other relative reference ("foo", "?q=",
  "www.x.org") is almost always a mistake and would resolve against whichever page shows
  it, so it is refused. A refused link or image is shown as its plain text. Every link
  gets rel="nofollow ugc noopener".
- Images: none. A post must not make its readers' browsers (and mail clients) fetch
  from elsewhere, which would leak who read it and when; an image becomes a link to it
  labelled with its alt text, or just its alt text when it already sits inside a link.
- Headings: shifted down two levels (h1 becomes h3, capped at h6), so user content never
  competes with the page's own h1 and h2.
- No id or name attribute ever (DOM clobbering); class only with Pygments token classes,
  "highlight" on a highlighted <pre>, and "language-<name>" on fenced <code>.
- Time: markdown-it looks for the end of a link label from every "[", so a body made of
  thousands of "[" takes seconds (quadratic). Each render has a budget of characters
  scanned for labels; once it is spent, the remaining brackets are plain text. A real
  post uses a small fraction of it.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from functools import lru_cache
from html import unescape
from typing import Any

import nh3
from markdown_it import MarkdownIt, helpers
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import find_lexer_class_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
})  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "pre": {"class"},
    "code": {"class"},
    "span": {"class"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_PREFIXES = ("http://", "https://", "mailto:", "/", "#")
LINK_REL = "nofollow ugc noopener"
HEADING_SHIFT = 2
# Highlighting cost depends on the lexer; a pasted log or dump reads fine uncoloured.
HIGHLIGHT_MAX_CHARS = 20_000
# Characters scanned for the ends of link labels per render: a few tenths of a second at
# worst, and several times what a 30,000-character post full of links needs.
LINK_LABEL_BUDGET = 150_000

# Only class names, so the colours come from the site's stylesheet.
_FORMATTER = HtmlFormatter(nowrap=True)
_TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
_LANGUAGE = re.compile(r"[a-z0-9][a-z0-9_+#.-]{0,39}")
_LANGUAGE_CLASS = re.compile(r"language-[a-z0-9][a-z0-9_+#.-]{0,39}")
_ALIGNMENTS = frozenset({"left", "center", "right"})
_ORDERED_START = re.compile(r"[0-9]{1,9}")


def _is_allowed_url(url: str) -> bool:
    # markdown-it hands over the percent-encoded form, and nh3 the parsed attribute
    # value, so whitespace and control characters can no longer hide a scheme here.
    return url.lower().startswith(LINK_PREFIXES)


@lru_cache(maxsize=256)
def _lexer_class(language: str) -> Any:
    try:
        return find_lexer_class_by_name(language)
    except ClassNotFound:
        return None


def _highlight(code: str, language: str, attrs: str) -> str:
    """Pygments HTML for a fenced block, or "" to let markdown-it escape it plainly."""
    language = language.lower()
    if not _LANGUAGE.fullmatch(language) or len(code) > HIGHLIGHT_MAX_CHARS:
        return ""
    lexer_class = _lexer_class(language)
    if lexer_class is None:
        return ""
    body = highlight(code, lexer_class(), _FORMATTER)
    # A result starting with "<pre" is used by markdown-it as the whole block.
    return f'<pre class="highlight"><code class="language-{language}">{body}</code></pre>'


def _parse_link_label(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's own label parser, refused once this render's budget is spent."""
    left: int = state.env.get("link_label_budget", LINK_LABEL_BUDGET)
    if left <= 0:
        return -1
    end: int = helpers.parseLinkLabel(state, start, disable_nested)
    # Nested labels are charged again inside their parent: an overestimate, on purpose.
    spent = (end if end >= 0 else state.posMax) - start
    state.env["link_label_budget"] = state.env.get("link_label_budget", left) - spent
    return end


_HELPERS = types.ModuleType("community_markdown_helpers")
_HELPERS.__dict__.update(vars(helpers), parseLinkLabel=_parse_link_label)


class _Markdown(MarkdownIt):
    def __init__(self) -> None:
        super().__init__("js-default", {"highlight": _highlight, "html": False, "linkify": False})
        self.helpers = _HELPERS

    def validateLink(self, url: str) -> bool:
        return _is_allowed_url(url)


def _inline(children: Iterable[Token], *, in_link: bool = False) -> list[Token]:
    """Unwrap refused links and turn images into links (or plain alt text)."""
    out: list[Token] = []
    kept: list[bool] = []
    for token in children:
        if token.type == "link_open":
            keep = _is_allowed_url(str(token.attrGet("href") or ""))
            kept.append(keep)
            if keep:
                out.append(token)
        elif token.type == "link_close":
            if kept.pop() if kept else True:
                out.append(token)
        elif token.type == "image":
            out.extend(_image(token, in_link=in_link or any(kept)))
        else:
            out.append(token)
    return out


def _image(token: Token, *, in_link: bool) -> list[Token]:
    src = str(token.attrGet("src") or "")
    if in_link or not _is_allowed_url(src):
        return _inline(token.children or [], in_link=in_link)
    link_open = Token("link_open", "a", 1, attrs={"href": src})
    if title := token.attrGet("title"):
        link_open.attrSet("title", title)
    label = _inline(token.children or [], in_link=True) or [Token("text", "", 0, content=src)]
    return [link_open, *label, Token("link_close", "a", -1)]


def _adjust(state: StateCore) -> None:
    """Shift headings, turn table alignment into attributes, tidy links and images."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
        elif token.type in ("th_open", "td_open"):
            # markdown-it writes style="text-align:..."; the CSP allows no inline styles.
            style = str(token.attrs.pop("style", ""))
            if style.startswith("text-align:"):
                token.attrSet("align", style.removeprefix("text-align:"))
        elif token.type == "inline" and token.children:
            token.children = _inline(token.children)


def _parser() -> MarkdownIt:
    md = _Markdown()
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("community_adjust", _adjust)
    return md


_MD = _parser()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    match tag, attribute:
        case "a", "href":
            return value if _is_allowed_url(value) else None
        case "a", "title":
            return value
        case "a", "rel":  # nh3 adds it and passes it through here too
            return value if value == LINK_REL else None
        case "ol", "start":
            return value if _ORDERED_START.fullmatch(value) else None
        case ("th" | "td", "align"):
            return value if value in _ALIGNMENTS else None
        case "pre", "class":
            return value if value == "highlight" else None
        case "code", "class":
            return value if _LANGUAGE_CLASS.fullmatch(value) else None
        case "span", "class":
            return " ".join(c for c in value.split() if c in _TOKEN_CLASSES) or None
    return None


# Built once: nh3.clean converts the allowlist on every call, which for a post of a few
# paragraphs costs twice the sanitising itself (16 µs a post against 5 µs).
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)
# Every tag dropped, its text kept: the plain text of rendered HTML.
_TEXT_ONLY = nh3.Cleaner(tags=set())


def sanitize(html: str) -> str:
    """HTML reduced to the allowlist above; the last step before output, and enough alone."""
    return _CLEANER.clean(html)


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML, ready to store and to show as it is."""
    return sanitize(_MD.render(text))


def render_excerpt(text: str, length: int = 200) -> str:
    """Plain text (not HTML) from Markdown, whitespace collapsed, at most `length`
    characters, cut at a word boundary with an ellipsis."""
    plain = " ".join(unescape(_TEXT_ONLY.clean(render_markdown(text))).split())
    if len(plain) <= length:
        return plain
    head = plain[: max(length - 1, 0)]
    if plain[len(head)] != " ":  # the cut fell inside a word: drop that word
        head = head.rpartition(" ")[0] or head
    return head.rstrip(" ,.;:") + "…"
