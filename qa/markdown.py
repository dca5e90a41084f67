"""The one Markdown renderer for pages, the API and emails.

markdown-it-py with raw HTML off (the "js-default" preset) renders the text, fenced
code is highlighted by Pygments with CSS classes (never inline styles, which the CSP
forbids), and nh3 sanitises the result against an allowlist: only http, https and
mailto links, rel="nofollow ugc noopener" on every link, no id or name attributes
(DOM clobbering), no images (a post cannot make readers' browsers fetch from
elsewhere; an image becomes a link to it, with its alt text). Headings are shifted
down so user content never competes with the page's own h1 and h2.
"""

from __future__ import annotations

import re
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_SHIFT = 2
_FORMATTER = HtmlFormatter(nowrap=True)
_LANGUAGE = re.compile(r"^[A-Za-z0-9_+#.-]{1,40}$")
_PYGMENTS_CLASS = re.compile(r"^[a-z]{1,3}[0-9]?$")


def _highlight(code: str, language: str, attrs: str) -> str:
    """Pygments HTML for a fenced block, or "" to let markdown-it escape it plainly."""
    if not language or not _LANGUAGE.match(language):
        return ""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return ""
    # Starting with <pre tells markdown-it to use this as the whole block.
    return f'<pre class="highlight"><code>{highlight(code, lexer, _FORMATTER)}</code></pre>'


def _image_as_link(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = escape(str(token.attrGet("src") or ""))
    alt = escape(self.renderInlineAsText(token.children or [], options, env) or "image")
    return f'<a href="{src}">{alt}</a>'


def _shift_heading(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)


def _parser() -> MarkdownIt:
    md = MarkdownIt("js-default", {"highlight": _highlight, "html": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("heading_open", _shift_heading)
    md.add_render_rule("heading_close", _shift_heading)
    md.add_render_rule("image", _image_as_link)
    return md


_MD = _parser()


LINK_PREFIXES = ("http://", "https://", "mailto:", "/", "#")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        # Absolute web and mail links, or paths on this site; anything else (an odd
        # relative reference such as "javascript%3A...") loses its link.
        return value if value.lower().startswith(LINK_PREFIXES) else None
    if attribute == "class":
        if tag == "pre":
            return "highlight" if value == "highlight" else None
        if tag == "span":
            kept = [c for c in value.split() if _PYGMENTS_CLASS.match(c)]
            return " ".join(kept) or None
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes={**ALLOWED_ATTRIBUTES, "span": {"class"}, "pre": {"class"}},
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML, ready to store and to show as it is."""
    return sanitize(_MD.render(text.replace("\x00", "\ufffd")))


def render_excerpt(text: str, length: int = 200) -> str:
    """Plain text from Markdown, whitespace collapsed, cut at a word with an ellipsis."""
    plain = nh3.clean(render_markdown(text), tags=set())
    plain = " ".join(unescape(plain).split())
    if len(plain) <= length:
        return plain
    cut = plain[: length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"
