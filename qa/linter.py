"""The question linter: specific, kind hints on a draft before it is posted.

A pure function over the draft's text. Pasted secrets block posting until they are
removed (the hint names the field and the line); everything else is advice.

Many members write Chinese (or Japanese, or Korean): lengths are weighed so that a CJK
character counts for about as much as a short Latin word, and "all capitals" is only
said of a title whose Latin letters really are all upper case.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

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
FIELD_LABELS = {
    "title": "the title",
    "body": "the body",
    "what_i_tried": "“What I already tried”",
    "expected": "“What I expected”",
    "actual": "“What happened instead”",
    "error_output": "the error output",
    "environment": "the environment",
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


VAGUE_WORDS = re.compile(
    r"\b(help|urgent|asap|please|pls|plz|problem|issue|error|bug|question|"
    r"doesn'?t work|does not work|not working|broken|stuck|noob|newbie)\b",
    re.IGNORECASE,
)
# The same in Chinese ("help", "urgent", "experts", "error", "doesn't work", ...); CJK has
# no word boundaries, so these match anywhere.
CJK_VAGUE_WORDS = re.compile(
    r"(求助|求救|救命|急求|紧急|很急|在线等|大神|大佬|帮忙|帮帮|请教|请问|有问题|出问题|问题|"
    r"报错|出错|错误|不行|不能用|没用|失效)"
)
FILLER = re.compile(r"\b(i|my|me|a|an|the|with|in|on|it|is|this|need|can|someone|anyone)\b", re.I)

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

SECRET_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "private key",
        re.compile(
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----"
        ),
        "a private key",
    ),
    ("aws key", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key"),
    (
        "aws secret",
        re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?([A-Za-z0-9/+=]{40})\b", re.I),
        "an AWS secret access key",
    ),
    ("github token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    ("github token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{50,}\b"), "a GitHub token"),
    ("gitlab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "a GitLab token"),
    ("slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
    ("google key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    ("stripe key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"), "a Stripe live key"),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
        "a signed token (JWT)",
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


def _meaningful_words(title: str) -> int:
    """Words that say something once vague words and filler are gone; CJK has no spaces,
    so every two CJK characters of what remains count as a word."""
    remaining = FILLER.sub(" ", VAGUE_WORDS.sub(" ", CJK_VAGUE_WORDS.sub(" ", title)))
    latin = re.findall(r"[A-Za-z0-9_.\-]{3,}", remaining)
    return len(latin) + len(CJK.findall(remaining)) // 2


def _title_hints(title: str) -> list[Hint]:
    title = title.strip()
    hints: list[Hint] = []
    if _is_shouting(title):
        hints.append(
            Hint("title-shouting", Severity.ADVICE, "title",
                 "The title is all capitals. Write it in normal case: it reads as calmer and "
                 "gets better answers.")
        )  # fmt: skip
    if re.search(r"[!?\uff01\uff1f]{2,}", title):  # also the full-width ! and ? of CJK input
        hints.append(
            Hint("title-punctuation", Severity.ADVICE, "title",
                 "Several ! or ? in the title make it sound urgent without saying more. "
                 "Name the problem instead.")
        )  # fmt: skip
    vague = VAGUE_WORDS.search(title) or CJK_VAGUE_WORDS.search(title)
    if weighted_length(title) < MIN_TITLE_LENGTH:
        example = (
            "数据库迁移失败提示表已存在"
            if CJK.search(title)
            else "migrate fails with 'relation does not exist' after renaming a model"
        )
        hints.append(
            Hint("title-short", Severity.ADVICE, "title",
                 "The title is very short. Say what you were doing and what went wrong, "
                 f"for example “{example}”.")
        )  # fmt: skip
    elif vague and _meaningful_words(title) < 3:
        hints.append(
            Hint("title-vague", Severity.ADVICE, "title",
                 "The title says you need help but not with what. Name the tool, the action "
                 "and the symptom, such as “Celery task retried forever after a timeout”.")
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
                     "There is error output outside a code block. Put it between lines of "
                     "three backticks (```) so it keeps its layout and nothing is lost.",
                     traceback_line)
            )  # fmt: skip
        run, start = 0, 0
        for number, line in outside:
            if line.strip() and CODE_LINE.match(line):
                run, start = run + 1, start if run else number
                if run == LONG_CODE_LINES:
                    hints.append(
                        Hint("code-unfenced", Severity.ADVICE, field,
                             "Several lines look like code outside a code block. Fence them "
                             "with ``` (and a language, such as ```python) so they are "
                             "readable and highlighted.", start)
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
                 "No versions are given. Add the versions of the tools involved (for example "
                 "Python 3.13, Django 6.1, PostgreSQL 17) and your operating system.")
        ]  # fmt: skip
    return []


def _tried_hints(draft: Draft) -> list[Hint]:
    tried = " ".join(draft.what_i_tried.lower().split())
    title = " ".join(draft.title.lower().split())
    if tried and title and difflib.SequenceMatcher(None, tried, title).ratio() > 0.75:
        return [
            Hint("tried-repeats-title", Severity.ADVICE, "what_i_tried",
                 "“What I tried” repeats the title. Describe the steps you took and what "
                 "each one did.")
        ]  # fmt: skip
    return []


def _secret_in_line(line: str) -> str | None:
    for _, pattern, what in SECRET_PATTERNS:
        match = pattern.search(line)
        if match and match.group(0) not in AWS_DOCUMENTATION_KEYS:
            return what
    for match in ASSIGNED_SECRET.finditer(line):
        if not _is_placeholder(match.group(2) or match.group(3)):
            return f"a value for {match.group(1)}"
    for match in URL_PASSWORD.finditer(line):
        if not _is_placeholder(match.group(2)):
            return "a password inside a URL"
    for match in BEARER.finditer(line):
        if not _is_placeholder(match.group(1)):
            return "a bearer token"
    return None


def _where(field: str, number: int) -> str:
    """'Line 3 of the body', or 'The title' for the one-line title."""
    label = FIELD_LABELS.get(field, field)
    if field == "title":
        return label[0].upper() + label[1:]
    return f"Line {number} of {label}"


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
                         f"{_where(field, number)} seems to contain {what}. Remove it (replace "
                         "it with something like <redacted>) before posting, and revoke it: "
                         "anything posted here is public.", number)
                )  # fmt: skip
            elif EMAIL.search(line) and not EXAMPLE_DOMAINS.search(line):
                hints.append(
                    Hint("email-address", Severity.ADVICE, field,
                         f"{_where(field, number)} contains an email address. If it is a real "
                         "person's, replace it with one at example.org.", number)
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
