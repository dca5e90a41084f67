"""The Markdown renderer: normal Markdown works, and hostile input never yields script,
handlers, dangerous URLs or clobbering attributes."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest

from qa.markdown import render_excerpt, render_markdown

SCHEMES = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    " javascript:alert(1)", "\x01javascript:alert(1)", "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)", "&#x6A;avascript:alert(1)", "&#0000106;avascript:alert(1)",
    "javascript%3Aalert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "data:text/html,<script>alert(1)</script>", "DATA:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd", "jav&#x09;ascript:alert(1)", "&#14;javascript:alert(1)",
    "javascript://%0aalert(1)", "livescript:alert(1)",
]  # fmt: skip
FORMS = [
    "[click]({url})",
    '[click]({url} "title")',
    "[click][ref]\n\n[ref]: {url}",
    "<{url}>",
    "![img]({url})",
    "![img][r]\n\n[r]: {url}",
    '[x](<{url}>)',
    "[![img](https://ok.example/a.png)]({url})",
    "**[bold]({url})**",
    "> [quoted]({url})",
]  # fmt: skip
RAW = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>", "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>", "<style>*{color:red}</style>", "<form action=//e><button>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>", "<base href=//evil.example>",
    "<link rel=stylesheet href=//evil.example/x.css>", "<a href=javascript:alert(1)>x</a>",
    "<a href='https://ok' onclick='alert(1)'>x</a>", "<div style='background:url(javascript:x)'>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>", "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>", "<body onload=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<img src=x id=location name=cookie>", "<form name=getElementById><input id=attributes>",
    "<a id=defaultView href=https://ok>x</a>", "<iframe srcdoc='<script>alert(1)</script>'>",
    "<button formaction=javascript:alert(1)>x</button>", "<!--><script>alert(1)</script>-->",
    "<scr<script>ipt>alert(1)</script>", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=`javascript:alert(1)`>", "<x onmouseover=alert(1)>hover</x>",
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    "<table background=javascript:alert(1)>", "<isindex action=javascript:alert(1)>",
    "<plaintext><script>", "<noscript><p title='</noscript><img src=x onerror=alert(1)>'>",
    "<template><script>alert(1)</script></template>", "<marquee onstart=alert(1)>",
    "<a href=\"https://ok\"\nonclick=alert(1)>x</a>", "<img/src/onerror=alert(1)>",
    "<svg/onload=alert(1)>", "<a href=&#x6a;avascript:alert(1)>x</a>",
]  # fmt: skip
MIXED = [
    "```html\n</code></pre><script>alert(1)</script>\n```",
    "```javascript onload=alert(1)\nx\n```",
    "```<script>\nx\n```",
    "```\" onmouseover=\"alert(1)\nx\n```",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    "![a\" onerror=\"alert(1)](https://ok.example/i.png)",
    "# heading <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |",
    "* [x](javascript:alert(1))\n* <svg onload=alert(1)>",
    "[x](https://ok.example)<script>alert(1)</script>",
    "\u202e[x](javascript:alert(1))",
    "[x](java\u200bscript:alert(1))",
    "<https://ok.example/\" onclick=\"alert(1)>",
    "[x](https://ok.example/?a=<script>)",
    "<a href=\"//evil.example\">protocol relative</a>",
    "[x](//evil.example/path)",
    "~~<img src=x onerror=alert(1)>~~",
    "text <!-- <script>alert(1)</script> --> more",
] + ["<" * n + "script>alert(1)" for n in range(1, 6)] + [
    "[x](" + "(" * 50 + "javascript:alert(1))",
    "x" * 10_000 + "<script>alert(1)</script>",
]  # fmt: skip

PAYLOADS = [form.format(url=url) for form, url in itertools.product(FORMS, SCHEMES)]
PAYLOADS += RAW + MIXED

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "form", "svg", "math", "base", "meta",
    "link", "img", "input", "button", "video", "source", "template", "noscript", "body",
    "details", "marquee", "isindex", "plaintext", "textarea", "select", "frame", "frameset",
}  # fmt: skip
FORBIDDEN_ATTRIBUTES = {"style", "id", "name", "srcdoc", "formaction", "xlink:href", "action"}
SAFE_URL_PREFIXES = ("http://", "https://", "mailto:", "/", "#")


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def test_the_corpus_is_large():
    assert len(PAYLOADS) >= 250


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"p{i}" for i in range(len(PAYLOADS))])
def test_hostile_markdown_renders_harmless(payload):
    html = render_markdown(payload)

    for tag, attrs in parsed(html):
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name not in FORBIDDEN_ATTRIBUTES, html
            if name in ("href", "src"):
                # The parser has already decoded character references once, as a browser does.
                url = value or ""
                assert url == url.strip(), html
                assert url.lower().startswith(SAFE_URL_PREFIXES), html
        if tag == "a":
            assert set((attrs.get("rel") or "").split()) >= {"nofollow", "ugc", "noopener"}, html
    lowered = html.lower()
    assert "<script" not in lowered
    assert 'href="javascript' not in lowered


def test_ordinary_markdown_renders():
    html = render_markdown(
        "Some *emphasis*, **strong**, `code` and ~~gone~~.\n\n"
        "1. one\n2. two\n\n- a\n- b\n\n> quoted\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "[a link](https://docs.djangoproject.com/) and [mail](mailto:team@example.org)"
    )

    assert "<em>emphasis</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<s>gone</s>" in html or "<del>gone</del>" in html
    assert "<ol>" in html
    assert "<ul>" in html
    assert "<blockquote>" in html
    assert "<table>" in html
    assert "<td>2</td>" in html
    assert (
        '<a href="https://docs.djangoproject.com/" rel="nofollow ugc noopener">a link</a>' in html
    )
    assert 'href="mailto:team@example.org"' in html


def test_fenced_python_is_highlighted_with_classes_not_styles():
    html = render_markdown("```python\ndef f():\n    return '<b>'\n```")

    assert '<pre class="highlight"><code>' in html
    assert '<span class="k">def</span>' in html
    assert "&lt;b&gt;" in html
    assert "style=" not in html


def test_unknown_language_is_an_escaped_plain_block():
    html = render_markdown("```nosuchlanguage\n<b>x</b>\n```")

    assert html.startswith("<pre><code>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_headings_never_compete_with_the_page_heading():
    html = render_markdown("# One\n\n## Two\n\n###### Six")

    assert "<h1" not in html
    assert "<h2" not in html
    assert "<h3>One</h3>" in html
    assert "<h4>Two</h4>" in html
    assert "<h6>Six</h6>" in html


def test_images_become_links_to_them():
    html = render_markdown("![a diagram](https://example.org/d.png)")

    assert "<img" not in html
    assert '<a href="https://example.org/d.png" rel="nofollow ugc noopener">a diagram</a>' in html


def test_excerpt_is_plain_text_cut_at_a_word():
    text = "# Title\n\nSome **bold** text with `code` and a [link](https://x.example). " * 10

    excerpt = render_excerpt(text, length=60)

    assert "<" not in excerpt
    assert len(excerpt) <= 60
    assert excerpt.endswith("…")
    assert excerpt.startswith("Title Some bold text with code")
