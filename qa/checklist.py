"""The smart-question checklist: each step holds only with evidence the server recorded.

- searched: a search or similar-threads query by this member in the last 24 hours;
  queries the client names must be among them.
- read_faq: an FAQ entry this member opened (or a draft the FAQ had nothing for) in the
  last 24 hours; entry ids the client names must be entries this member opened.
- tried_locally: a real "what I tried" of at least 40 characters, not a placeholder.
A pasted secret anywhere in the draft also blocks posting, naming the field and line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from qa.linter import Draft, blocking, lint_question
from qa.models import BODY_MAX, FaqEvidence, SearchEvidence

EVIDENCE_WINDOW = dt.timedelta(hours=24)
TRIED_MIN_LENGTH = 40
PLACEHOLDER_TRIED = re.compile(
    r"^\W*(n/?a|none|nothing|no|idk|nope|tried|everything|stuff|lorem ipsum.*|test|"
    r"asdf\w*|qwerty\w*|see above|google|googled|searched)\W*$",
    re.IGNORECASE,
)
HOW_TO = {
    "searched": "Search first: type your title on the ask page or use the search page, "
    "and look at the similar threads it shows.",
    "read_faq": "Read the FAQ: open at least one of the FAQ entries shown for your draft "
    "(if none is shown, that step counts as done once the list was checked).",
    "tried_locally": f"Say what you tried, in at least {TRIED_MIN_LENGTH} characters: the "
    "commands, changes or searches, and what each one did.",
}


@dataclass
class Checklist:
    """The cleaned checklist of a question, ready to store."""

    what_i_tried: str
    expected: str = ""
    actual: str = ""
    error_output: str = ""
    environment: str = ""
    search_queries: list[str] = field(default_factory=list)
    faq_entries: list[int] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        return {"search_queries": self.search_queries, "faq_entries": self.faq_entries}


def _text(data: dict[str, Any], key: str, max_length: int = BODY_MAX) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({key: "Give text here."})
    if "\x00" in value:
        raise ValidationError({key: "The text contains a NUL character; remove it."})
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError({key: f"Keep this to {max_length:,} characters."})
    return value


def _is_placeholder(text: str) -> bool:
    squeezed = re.sub(r"\s+", "", text.lower())
    return (
        bool(PLACEHOLDER_TRIED.match(text))
        or len(set(squeezed)) <= 3
        or bool(re.fullmatch(r"(.{1,4})\1{5,}", squeezed))
    )


def tried_problem(text: str) -> str | None:
    """Why a "what I tried" does not count, or None when it does."""
    text = text.strip()
    if len(text) < TRIED_MIN_LENGTH or _is_placeholder(text):
        return HOW_TO["tried_locally"]
    return None


def checklist_clean(
    *, user: Any, data: Any, title: str, body: str, now: dt.datetime | None = None
) -> Checklist:
    """Validate a checklist against the evidence recorded for this member.

    Raises ValidationError with one message per failing step (searched, read_faq,
    tried_locally), or per field for wrong types and pasted secrets.
    """
    if not isinstance(data, dict):
        raise ValidationError({"checklist": "Give the checklist as an object (see the API docs)."})
    errors: dict[str, str] = {}
    for flag in ("searched", "read_faq", "tried_locally"):
        if flag in data and not isinstance(data[flag], bool):
            errors[flag] = "Give true or false."
    queries = data.get("search_queries", [])
    if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
        errors["searched"] = "search_queries must be a list of the searches you ran."
        queries = []
    entries = data.get("faq_entries", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) for e in entries
    ):
        errors["read_faq"] = "faq_entries must be a list of FAQ entry ids."
        entries = []
    if errors:
        raise ValidationError(errors)

    texts = {
        key: _text(data, key) for key in ("what_i_tried", "expected", "actual", "error_output")
    }
    texts["environment"] = _text(data, "environment", max_length=500)
    since = (now or timezone.now()) - EVIDENCE_WINDOW

    recorded_queries = list(
        SearchEvidence.objects.filter(user=user, created_at__gte=since)
        .order_by("-created_at")
        .values_list("query", flat=True)[:50]
    )
    normalised = {" ".join(q.lower().split()) for q in recorded_queries}
    unknown = [q for q in queries if " ".join(q.lower().split()) not in normalised]
    if not recorded_queries:
        errors["searched"] = "We have no search by you in the last 24 hours. " + HOW_TO["searched"]
    elif unknown:
        errors["searched"] = f"These searches were not run from your account: {unknown[:3]}."

    faq = FaqEvidence.objects.filter(user=user, created_at__gte=since)
    opened = set(faq.exclude(entry=None).values_list("entry_id", flat=True))
    no_match = faq.filter(entry=None).exists()
    strangers = [e for e in entries if e not in opened]
    if not opened and not no_match:
        errors["read_faq"] = (
            "We have no FAQ reading by you in the last 24 hours. " + HOW_TO["read_faq"]
        )
    elif strangers:
        errors["read_faq"] = f"You have not opened these FAQ entries: {strangers[:5]}."

    tried = texts["what_i_tried"]
    if data.get("tried_locally") is False or tried_problem(tried):
        errors["tried_locally"] = HOW_TO["tried_locally"]
    if errors:
        raise ValidationError(errors)

    secrets = blocking(lint_question(Draft(title=title, body=body, **texts)))
    if secrets:
        raise ValidationError({hint.field: hint.message for hint in secrets})
    return Checklist(
        **texts,
        search_queries=queries or recorded_queries[:10],
        faq_entries=entries or sorted(opened)[:10],
    )
