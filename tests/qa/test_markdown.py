"""The Markdown renderer: normal Markdown works, and hostile input never yields script,
handlers, dangerous URLs or clobbering attributes."""

from __future__ import annotations

import re
import time
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from qa.markdown import render_excerpt, render_markdown
from tests.qa.xss_corpus import GENERATED, HAND_WRITTEN, PAYLOADS

Element = tuple[str, dict[str, str | None]]

# What the renderer may emit at all, per element.
ALLOWED = {
    "p": set(), "br": set(), "hr": set(), "strong": set(), "em": set(), "del": set(),
    "s": set(), "blockquote": set(), "ul": set(), "ol": {"start"}, "li": set(),
    "h3": set(), "h4": set(), "h5": set(), "h6": set(),
    "table": set(), "thead": set(), "tbody": set(), "tr": set(),
    "th": {"align"}, "td": {"align"},
    "a": {"href", "title", "rel"}, "pre": {"class"}, "code": {"class"}, "span": {"class"},
}  # fmt: skip
DANGEROUS_TAGS = {
    "script", "iframe", "object", "embed", "style", "form", "svg", "math", "base", "meta",
    "link", "img", "frame", "frameset", "input", "button", "textarea", "template", "noscript",
}  # fmt: skip
DANGEROUS_ATTRIBUTES = {"style", "id", "name", "srcdoc", "formaction", "xlink:href", "action"}
# Absolute http(s) and mail links, or references within this site: a path (or "//host",
# which takes the page's own https scheme) or a fragment. Nothing else.
SAFE_URL_PREFIXES = ("http://", "https://", "mailto:", "/", "#")
# Pygments' short token classes, "highlight" on <pre>, "language-<name>" on <code>.
SAFE_CLASS = re.compile(r"highlight|language-[a-z0-9][a-z0-9_+#.-]*|[a-z]{1,3}[0-9]?")
URL_STRIPPED = "".join(map(chr, range(0x21)))  # C0 controls and space, as browsers strip


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def elements(html: str) -> list[Element]:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def as_browser_sees(url: str) -> str:
    """The URL decoded again (against double encoding), with what a URL parser ignores
    removed, lowercased; the parser has already decoded character references once."""
    url = unquote(unescape(url))
    url = url.translate({ord(c): None for c in "\t\n\r"}).strip(URL_STRIPPED)
    return url.lower()


@pytest.fixture(autouse=True)
def _empty_cache():
    """The renderer uses no cache: skip the suite's clearing of it around each payload."""


def test_the_corpus_has_enough_distinct_payloads():
    assert len(PAYLOADS) == len(set(PAYLOADS))
    assert len(PAYLOADS) >= 250
    assert len(HAND_WRITTEN) >= 200
    assert len(GENERATED) >= 500


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_hostile_markdown_renders_harmless(payload):
    html = render_markdown(payload)

    for tag, attrs in elements(html):
        assert tag not in DANGEROUS_TAGS, html
        assert tag in ALLOWED, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name not in DANGEROUS_ATTRIBUTES, html
            assert name in ALLOWED[tag], html
            if name in ("href", "src"):
                assert as_browser_sees(value or "").startswith(SAFE_URL_PREFIXES), html
            if name == "class":
                assert all(SAFE_CLASS.fullmatch(c) for c in (value or "").split()), html
        if tag == "a":
            assert sorted((attrs.get("rel") or "").split()) == ["nofollow", "noopener", "ugc"]
    assert "<script" not in html.lower()


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://docs.djangoproject.com/", "https://docs.djangoproject.com/"),
        ("mailto:team@example.org", "mailto:team@example.org"),
        ("/questions/12/", "/questions/12/"),
        ("#answer-3", "#answer-3"),
        ("//cdn.example.org/x", "//cdn.example.org/x"),
    ],
)
def test_allowed_links_get_the_rel(url, href):
    assert render_markdown(f"[here]({url})") == (
        f'<p><a href="{href}" rel="nofollow ugc noopener">here</a></p>\n'
    )


@pytest.mark.parametrize(
    "source",
    [
        "[here](javascript:alert(1))",
        "[here](relative/page)",
        "[here](?q=1)",
        "[here](www.example.org)",
        "[here][r]\n\n[r]: data:text/html,x",
    ],
)
def test_refused_links_stay_plain_text(source):
    html = render_markdown(source)

    assert "<a" not in html
    assert "here" in html


def test_ordinary_markdown_renders():
    html = render_markdown(
        "Some *emphasis*, **strong**, `code` and ~~gone~~.\n\n"
        "1. one\n2. two\n\n- a\n- b\n\n> quoted\n\n---\n\n"
        "[a link](https://docs.djangoproject.com/) and <team@example.org>"
    )

    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<s>gone</s>" in html
    assert "<ol>\n<li>one</li>" in html
    assert "<ul>\n<li>a</li>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<hr>" in html
    assert (
        '<a href="https://docs.djangoproject.com/" rel="nofollow ugc noopener">a link</a>' in html
    )
    assert '<a href="mailto:team@example.org" rel="nofollow ugc noopener">' in html


def test_raw_html_is_shown_as_text():
    assert (
        render_markdown("<b>bold</b> & <i>") == "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;</p>\n"
    )


def test_tables_align_with_attributes_not_styles():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |")

    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="right">3</td>' in html
    assert "style" not in html


def test_fenced_python_is_highlighted_with_classes_not_styles():
    html = render_markdown("```python\ndef f():\n    return '<b>'\n```")

    assert html.startswith('<pre class="highlight"><code class="language-python">')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">f</span>' in html
    assert "&lt;b&gt;" in html
    assert "style" not in html


def test_code_in_fences_is_escaped_not_executed():
    plain = render_markdown("```\n</code></pre><script>alert(1)</script>\n```")
    highlighted = render_markdown("```html\n</code></pre><script>alert(1)</script>\n```")

    assert plain == (
        "<pre><code>&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n"
    )
    assert '<span class="nt">script</span>' in highlighted
    assert {tag for tag, _ in elements(highlighted)} == {"pre", "code", "span"}


def test_unknown_language_is_an_escaped_plain_block():
    html = render_markdown("```nosuchlanguage\n<b>x</b>\n```")

    assert (
        html == '<pre><code class="language-nosuchlanguage">&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n'
    )


def test_a_huge_fence_is_shown_plain():
    html = render_markdown("```python\n" + "x = 1\n" * 5_000 + "```")

    assert html.startswith('<pre><code class="language-python">x = 1\n')
    assert "<span" not in html


def test_hostile_language_name_loses_its_class():
    html = render_markdown('```python" onclick="alert(1)\nx\n```')

    assert html == "<pre><code>x\n</code></pre>\n"


def test_headings_never_compete_with_the_page_heading():
    html = render_markdown("# One\n\n## Two\n\nThree\n-----\n\n###### Six")

    assert "<h1" not in html
    assert "<h2" not in html
    assert "<h3>One</h3>" in html
    assert "<h4>Two</h4>" in html
    assert "<h4>Three</h4>" in html
    assert "<h6>Six</h6>" in html


def test_images_become_links_to_them():
    html = render_markdown('![a diagram](https://example.org/d.png "Title")')

    assert html == (
        '<p><a href="https://example.org/d.png" title="Title" rel="nofollow ugc noopener">'
        "a diagram</a></p>\n"
    )


def test_an_image_inside_a_link_is_its_alt_text():
    html = render_markdown("[![badge](https://ci.example/b.svg)](https://ci.example/)")

    assert html == '<p><a href="https://ci.example/" rel="nofollow ugc noopener">badge</a></p>\n'


def test_an_image_without_alt_text_is_labelled_by_its_url():
    html = render_markdown("![](https://example.org/d.png)")

    assert ">https://example.org/d.png</a>" in html


@pytest.mark.parametrize("unit", ["[", "![", "[\n", "[a](", "*a_"])
def test_a_flood_of_brackets_renders_quickly(unit):
    source = unit * (30_000 // len(unit))  # as long as a post may be

    started = time.process_time()
    render_markdown(source)

    # Unbounded, "![" * 15_000 takes several seconds; the generous bound avoids flakiness.
    assert time.process_time() - started < 2


def test_a_long_post_full_of_links_keeps_every_link():
    paragraph = (
        "See [the docs](https://docs.djangoproject.com/en/stable/topics/db/queries/), "
        "[ticket 123](https://code.djangoproject.com/ticket/123), [1] and [a [nested] one]"
        "(https://example.org/).\n\n"
    )
    source = paragraph * (30_000 // len(paragraph))

    assert render_markdown(source).count("<a ") == 3 * source.count("\n\n")


def test_excerpt_is_plain_text_cut_at_a_word():
    text = "# Title\n\nSome **bold** text with `code` and a [link](https://x.example).\n\n" * 10

    excerpt = render_excerpt(text, length=60)

    assert "<" not in excerpt
    assert len(excerpt) <= 60
    assert excerpt == "Title Some bold text with code and a link. Title Some bold…"


def test_excerpt_keeps_a_word_that_ends_at_the_cut():
    assert render_excerpt("hello world again", length=12) == "hello world…"


def test_excerpt_of_short_text_is_whole_and_unescaped():
    source = "Is `a < b` & *c*\n\n\n   true?\n\n```python\nx = 1\n```"

    assert render_excerpt(source) == "Is a < b & c true? x = 1"


def test_excerpt_cuts_one_long_word():
    assert render_excerpt("x" * 50, length=10) == "x" * 9 + "…"
