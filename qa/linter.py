"""The question linter: specific, kind hints on a draft before it is posted.

A pure function over the draft's text. Pasted secrets block posting until they are
removed (the hint names the field and the line); everything else is advice. Hints are
worded in the active language.

Many members write Chinese (or Japanese, or Korean): lengths are weighed so that a CJK
character counts for about as much as a short Latin word, "all capitals" is only said
of a title whose Latin letters really are all upper case, and vague words are found
among the title's segmented words (qa.segment), so 急 is a plea in "急！数据库连不上"
but not in 应急 or 紧急.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from qa.segment import words

MIN_TITLE_LENGTH = 15
# One CJK character carries about what three Latin characters do (a two-character
# Chinese word is about a five-letter English one), so a title of five of them is
# as long as MIN_TITLE_LENGTH Latin characters.
CJK_WEIGHT = 3
CJK = re.compile(
    "[\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, compatibility
    "\uac00-\ud7af"  # Hangul syllables
    "\U00020000-\U0003134f]"  # CJK ideographs, extensions B to G
)
# What the member sees each field called on the ask form, for hints that name it.
FIELD_LABELS: dict[str, Promise] = {
    "title": gettext_lazy("the title"),
    "body": gettext_lazy("the body"),
    "what_i_tried": gettext_lazy("“What I already tried”"),
    "expected": gettext_lazy("“What I expected”"),
    "actual": gettext_lazy("“What happened instead”"),
    "error_output": gettext_lazy("the error output"),
    "environment": gettext_lazy("the environment"),
}


class Severity(StrEnum):
    BLOCK = "block"
    ADVICE = "advice"


@dataclass(frozen=True)
class Hint:
    code: str
    severity: Severity
    field: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Draft:
    title: str = ""
    body: str = ""
    what_i_tried: str = ""
    expected: str = ""
    actual: str = ""
    error_output: str = ""
    environment: str = ""

    def prose_fields(self) -> dict[str, str]:
        """Fields where code belongs in a fenced block (error_output is code by nature)."""
        return {
            "body": self.body,
            "what_i_tried": self.what_i_tried,
            "expected": self.expected,
            "actual": self.actual,
        }

    def all_fields(self) -> dict[str, str]:
        return {
            "title": self.title,
            **self.prose_fields(),
            "error_output": self.error_output,
            "environment": self.environment,
        }


# Vague words are matched on the title's words as qa.segment gives them (normalised,
# simplified, lower case), never inside a longer word: 急 is a plea on its own or in
# 急急急, not in 应急 ("emergency") or 紧急 ("urgent", as in 紧急修复, a hotfix).
# Pleas say only that the asker wants help, or wants it fast.
PLEAS = (
    "help", "urgent", "asap", "please", "pls", "plz", "stuck", "noob", "newbie", "sos",
    "求助", "求救", "救命", "急", "急急", "急急急", "急求", "急需", "很急", "在线等", "大神",
    "求大神", "大佬", "跪求", "有人吗", "帮忙", "帮帮忙", "帮帮", "请教", "请问", "求解",
)  # fmt: skip
# Generic words name that something is wrong but not what. They belong in a good title
# ("Django 迁移报错 table already exists") and are only vague with next to nothing else.
GENERIC = (
    "problem", "issue", "error", "bug", "question", "doesn't work", "doesnt work",
    "does not work", "not working", "broken",
    "问题", "报错", "出错", "错误", "有问题", "出问题", "不行", "不能用", "没用", "失效",
    "不工作",
)  # fmt: skip
# Words that carry nothing on their own, in English and Chinese.
FILLER = frozenset(
    (
        *("i", "my", "me", "a", "an", "the", "with", "in", "on", "it", "is", "this"),
        *("need", "can", "someone", "anyone"),
        *("我", "我的", "你", "的", "了", "吗", "呢", "啊", "吧", "呀", "很", "在", "是", "有"),
        *("和", "都", "也", "就", "还", "们", "求", "帮", "请", "一下", "这个", "那个"),
        *("大家", "各位", "谢谢", "怎么", "怎么办", "什么", "看看", "谁", "知道"),
    )
)
# With fewer meaningful words than these, a title with a plea (or a generic word) is vague.
PLEA_NEEDS, GENERIC_NEEDS = 3, 2

TRACEBACK_LINE = re.compile(
    r"^(Traceback \(most recent call last\):"
    r"|\s+File \".+\", line \d+"
    r"|[A-Za-z_][\w.]*(Error|Exception|Warning): .+"
    r"|\s+at [\w.$]+\(.+:\d+\)"
    r"|panic: .+)$"
)
CODE_LINE = re.compile(
    r"^(\s{2,}\S|\s*(def|class|import|from|return|if|for|while|try|except|with|async|await)\b"
    r"|.*[;{}]\s*$|\s*[\w.\[\]]+\s*=\s*\S|\s*@\w+|\s*#include|\s*SELECT\b|\s*\$ )"
)
LONG_CODE_LINES = 5

TOOLS = re.compile(
    r"\b(python|django|postgres(ql)?|psycopg|celery|redis|node(\.?js)?|npm|pip|sqlite|mysql|"
    r"gunicorn|uwsgi|nginx|docker|ubuntu|debian|windows|macos|java|rust|go|ruby|rails|php|"
    r"react|vue|typescript|pytest)\b",
    re.IGNORECASE,
)
VERSION = re.compile(r"\b(v?\d+\.\d+(\.\d+)?|\d{2}\.\d{2}|python\s?3\b|py3\d+)", re.IGNORECASE)

PLACEHOLDER = re.compile(
    r"^(x+|\*+|\.+|<[^>]*>|\{[^}]*\}|\$\{?\w+\}?|your[-_]?\w*|change[-_]?me\w*|example\w*|"
    r"placeholder|redacted|secret|password|passw0rd|pass|token|xxx\w*|dummy\w*|test\w*|"
    r"\.\.\.|none|null|"
    r"(os\.)?(environ|getenv)\b.*|env(\.\w+)?\(.*|config\(.*|settings\..*)$",
    re.IGNORECASE,
)

SECRET_PATTERNS: list[tuple[str, re.Pattern[str], Promise]] = [
    (
        "private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----"
        ),
        gettext_lazy("a private key"),
    ),
    ("aws key", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), gettext_lazy("an AWS access key")),
    (
        "aws secret",
        re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?([A-Za-z0-9/+=]{40})\b", re.I),
        gettext_lazy("an AWS secret access key"),
    ),
    ("github token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), gettext_lazy("a GitHub token")),
    (
        "github token",
        re.compile(r"\bgithub_pat_[A-Za-z0-9_]{50,}\b"),
        gettext_lazy("a GitHub token"),
    ),
    ("gitlab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), gettext_lazy("a GitLab token")),
    ("slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), gettext_lazy("a Slack token")),
    ("google key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), gettext_lazy("a Google API key")),
    (
        "stripe key",
        re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
        gettext_lazy("a Stripe live key"),
    ),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
        gettext_lazy("a signed token (JWT)"),
    ),
]
ASSIGNED_SECRET = re.compile(
    r"\b(SECRET_KEY|DJANGO_SECRET_KEY|API_KEY|APIKEY|ACCESS_TOKEN|AUTH_TOKEN|PASSWORD|"
    r"DB_PASSWORD|DATABASE_PASSWORD|CLIENT_SECRET|PRIVATE_KEY)\b\s*[:=]\s*"
    r"(?:['\"]([^'\"]+)['\"]|([^'\"\s,#]+))",
    re.IGNORECASE,
)
URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://([^:/@\s]*):([^@/\s]+)@[^\s/]+", re.IGNORECASE)
BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9._~+/=-]{20,})", re.IGNORECASE)
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b")
EXAMPLE_DOMAINS = re.compile(
    r"@([\w-]+\.)*(example\.(com|org|net)|localhost|test|invalid|domain\.com|email\.com)\b",
    re.IGNORECASE,
)
AWS_DOCUMENTATION_KEYS = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def _is_placeholder(value: str) -> bool:
    value = value.strip().strip("'\"")
    return len(value) < 8 or bool(PLACEHOLDER.match(value)) or len(set(value)) <= 2


def _outside_fences(text: str) -> list[tuple[int, str]]:
    """Lines (1-based numbers) that are not inside a fenced code block."""
    lines, inside, fence = [], False, ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if not inside:
                inside, fence = True, marker
            elif marker == fence:
                inside = False
            continue
        if not inside:
            lines.append((number, line))
    return lines


def weighted_length(text: str) -> int:
    """The length of a text in characters, a CJK character counting CJK_WEIGHT times."""
    return len(text) + (CJK_WEIGHT - 1) * len(CJK.findall(text))


def _latin_letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha() and unicodedata.name(c, "").startswith("LATIN")]


def _is_shouting(title: str) -> bool:
    """All capitals: enough Latin letters, every one upper case, and Latin text carrying
    the title. Beside CJK text (which has no case), capitals are names such as SQL or
    HTTP, not shouting."""
    latin = _latin_letters(title)
    if len(latin) < 5 or any(not c.isupper() for c in latin):
        return False
    return len(latin) > CJK_WEIGHT * len(CJK.findall(title))


@cache
def _phrases(terms: tuple[str, ...]) -> tuple[str, ...]:
    """The terms as the segmenter normalises them, spaces dropped (as words() does)."""
    return tuple("".join(words(term)) for term in terms)


def _find_terms(tokens: list[str], terms: tuple[str, ...]) -> tuple[list[str], set[int]]:
    """The terms found among the tokens, each starting and ending on a word boundary
    (在线等 may come as 在线 + 等, 急急急 as 急急 + 急), in the order of the title, and the
    indexes of the tokens they cover. The longest term wins where terms overlap."""
    joined = "".join(tokens)
    starts, ends, offset = {}, {}, 0
    for index, token in enumerate(tokens):
        starts[offset] = index
        offset += len(token)
        ends[offset] = index
    found: list[tuple[int, str]] = []
    covered: set[int] = set()
    by_length = sorted(zip(terms, _phrases(terms), strict=True), key=lambda tp: -len(tp[1]))
    for term, phrase in by_length:
        at = joined.find(phrase) if phrase else -1
        while at != -1:
            if at in starts and at + len(phrase) in ends:
                span = set(range(starts[at], ends[at + len(phrase)] + 1))
                if not span <= covered:
                    found.append((starts[at], term))
                    covered |= span
            at = joined.find(phrase, at + 1)
    return list(dict.fromkeys(term for _, term in sorted(found))), covered


def _meaningful(token: str) -> float:
    """How much a word says: a Latin word of three or more letters or digits one, a word
    of two or more CJK characters one, a lone CJK character (写, 慢) half."""
    if token in FILLER:
        return 0
    if CJK.search(token):
        return 1 if len(token) > 1 else 0.5
    return 1 if len(re.sub(r"[^\w]", "", token)) >= 3 else 0


def vague_terms(title: str) -> tuple[list[str], list[str], float]:
    """The pleas and the generic words a title uses, and how many meaningful words it
    has besides them and the filler."""
    tokens = words(title)
    pleas, plea_tokens = _find_terms(tokens, PLEAS)
    generic, generic_tokens = _find_terms(tokens, GENERIC)
    covered = plea_tokens | generic_tokens
    meaningful = sum(_meaningful(t) for i, t in enumerate(tokens) if i not in covered)
    return pleas, generic, meaningful


def _is_vague(title: str) -> list[str]:
    """The vague words of a title that says nothing besides them, else []."""
    pleas, generic, meaningful = vague_terms(title)
    if pleas and meaningful < PLEA_NEEDS:
        return pleas + generic
    if generic and meaningful < GENERIC_NEEDS:
        return generic
    return []


def _title_hints(title: str) -> list[Hint]:
    title = title.strip()
    hints: list[Hint] = []
    # Examples in the language of the title, whatever the language of the interface.
    chinese = bool(CJK.search(title))
    if _is_shouting(title):
        hints.append(
            Hint("title-shouting", Severity.ADVICE, "title",
                 _("The title is all capitals. Write it in normal case: it reads as calmer "
                   "and gets better answers."))
        )  # fmt: skip
    if re.search(r"[!?\uff01\uff1f]{2,}", title):  # also the full-width ! and ? of CJK input
        hints.append(
            Hint("title-punctuation", Severity.ADVICE, "title",
                 _("Several ! or ? in the title make it sound urgent without saying more. "
                   "Name the problem instead."))
        )  # fmt: skip
    if weighted_length(title) < MIN_TITLE_LENGTH:
        example = (
            "数据库迁移失败提示表已存在"
            if chinese
            else "migrate fails with 'relation does not exist' after renaming a model"
        )
        hints.append(
            Hint("title-short", Severity.ADVICE, "title",
                 _("The title is very short. Say what you were doing and what went wrong, "
                   "for example “%(example)s”.") % {"example": example})
        )  # fmt: skip
    elif vague := _is_vague(title):
        example = (
            "Celery 任务超时后被无限重试"
            if chinese
            else "Celery task retried forever after a timeout"
        )
        hints.append(
            Hint("title-vague", Severity.ADVICE, "title",
                 _("The title says you need help but not with what (%(words)s). Name the "
                   "tool, the action and the symptom, such as “%(example)s”.")
                 % {"words": pgettext("list separator", ", ").join(f"“{w}”" for w in vague),
                    "example": example})
        )  # fmt: skip
    return hints


def _code_hints(draft: Draft) -> list[Hint]:
    hints: list[Hint] = []
    for field, text in draft.prose_fields().items():
        outside = _outside_fences(text)
        traceback_line = next((n for n, line in outside if TRACEBACK_LINE.match(line)), None)
        if traceback_line is not None:
            hints.append(
                Hint("traceback-unfenced", Severity.ADVICE, field,
                     _("There is error output outside a code block. Put it between lines "
                       "of three backticks (```) so it keeps its layout and nothing is lost."),
                     traceback_line)
            )  # fmt: skip
        run, start = 0, 0
        for number, line in outside:
            if line.strip() and CODE_LINE.match(line):
                run, start = run + 1, start if run else number
                if run == LONG_CODE_LINES:
                    hints.append(
                        Hint("code-unfenced", Severity.ADVICE, field,
                             _("Several lines look like code outside a code block. Fence "
                               "them with ``` (and a language, such as ```python) so they "
                               "are readable and highlighted."), start)
                    )  # fmt: skip
                    break
            elif line.strip():
                run = 0
    return hints


def _version_hints(draft: Draft) -> list[Hint]:
    text = "\n".join(draft.all_fields().values())
    mentions_tool = TOOLS.search(text) or TRACEBACK_LINE.search(
        "\n".join(line for line in text.splitlines() if TRACEBACK_LINE.match(line))
    )
    if mentions_tool and not VERSION.search(text):
        return [
            Hint("no-versions", Severity.ADVICE, "environment",
                 _("No versions are given. Add the versions of the tools involved (for "
                   "example Python 3.13, Django 6.1, PostgreSQL 17) and your operating system."))
        ]  # fmt: skip
    return []


def _tried_hints(draft: Draft) -> list[Hint]:
    tried = " ".join(draft.what_i_tried.lower().split())
    title = " ".join(draft.title.lower().split())
    if tried and title and difflib.SequenceMatcher(None, tried, title).ratio() > 0.75:
        return [
            Hint("tried-repeats-title", Severity.ADVICE, "what_i_tried",
                 _("“What I tried” repeats the title. Describe the steps you took and what "
                   "each one did."))
        ]  # fmt: skip
    return []


def _secret_in_line(line: str) -> str | None:
    for _kind, pattern, what in SECRET_PATTERNS:
        match = pattern.search(line)
        if match and match.group(0) not in AWS_DOCUMENTATION_KEYS:
            return str(what)
    for match in ASSIGNED_SECRET.finditer(line):
        if not _is_placeholder(match.group(2) or match.group(3)):
            return _("a value for %(name)s") % {"name": match.group(1)}
    for match in URL_PASSWORD.finditer(line):
        if not _is_placeholder(match.group(2)):
            return _("a password inside a URL")
    for match in BEARER.finditer(line):
        if not _is_placeholder(match.group(1)):
            return _("a bearer token")
    return None


def _where(field: str, number: int) -> str:
    """'Line 3 of the body', or 'The title' for the one-line title."""
    if field == "title":
        return _("The title")
    return _("Line %(line)s of %(field)s") % {
        "line": number,
        "field": FIELD_LABELS.get(field, field),
    }


def _secret_hints(draft: Draft) -> list[Hint]:
    """One hint per line with a secret (or a real-looking email address), naming the
    field it is in and the line, so the member knows which box to fix."""
    hints: list[Hint] = []
    for field, text in draft.all_fields().items():
        for number, line in enumerate(text.splitlines(), start=1):
            what = _secret_in_line(line)
            if what:
                hints.append(
                    Hint("secret", Severity.BLOCK, field,
                         _("%(where)s seems to contain %(what)s. Remove it (replace it with "
                           "something like <redacted>) before posting, and revoke it: "
                           "anything posted here is public.")
                         % {"where": _where(field, number), "what": what}, number)
                )  # fmt: skip
            elif EMAIL.search(line) and not EXAMPLE_DOMAINS.search(line):
                hints.append(
                    Hint("email-address", Severity.ADVICE, field,
                         _("%(where)s contains an email address. If it is a real person's, "
                           "replace it with one at example.org.")
                         % {"where": _where(field, number)}, number)
                )  # fmt: skip
    return hints


def lint_question(draft: Draft) -> list[Hint]:
    """All hints for a draft: blocking ones (secrets) first, then advice by field."""
    hints = [
        *_secret_hints(draft),
        *_title_hints(draft.title),
        *_code_hints(draft),
        *_version_hints(draft),
        *_tried_hints(draft),
    ]
    return sorted(hints, key=lambda h: h.severity != Severity.BLOCK)


def blocking(hints: list[Hint]) -> list[Hint]:
    return [h for h in hints if h.severity == Severity.BLOCK]
