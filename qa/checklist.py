"""The smart-question checklist: each step holds only with evidence the server recorded.

- searched: a search or similar-threads query by this member in the last 24 hours;
  queries the client names must be among them.
- read_faq: an FAQ entry this member opened (or a draft the FAQ had nothing for) in the
  last 24 hours; entry ids the client names must be entries this member opened.
Evidence counts for the draft it was gathered for (evidence from the API or the search
page belongs to no draft and counts for the next question) and for one question only:
what an earlier question used, or what was gathered for another draft, does not count,
and each search is stored once.
- tried_locally: a real "what I tried" of at least 40 characters, not a placeholder.
A pasted secret anywhere in the draft also blocks posting, naming the field and line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qa.linter import CJK_WEIGHT, Draft, blocking, lint_question, weighted_length
from qa.models import BODY_MAX, AskDraft, FaqEvidence, SearchEvidence

EVIDENCE_WINDOW = dt.timedelta(hours=24)
TRIED_MIN_LENGTH = 40
PLACEHOLDER_TRIED = re.compile(
    r"^\W*(n/?a|none|nothing|no|idk|nope|tried|everything|stuff|lorem ipsum.*|test|"
    r"asdf\w*|qwerty\w*|see above|google|googled|searched)\W*$",
    re.IGNORECASE,
)
# How to satisfy each step, in the language active when the refusal is worded.
HOW_TO = {
    "searched": gettext_lazy(
        "Search first: type your title on the ask page or use the search page, and look at "
        "the similar threads it shows."
    ),
    "read_faq": gettext_lazy(
        "Read the FAQ: open at least one of the FAQ entries shown for your draft (if none is "
        "shown, that step counts as done once the list was checked)."
    ),
    "tried_locally": gettext_lazy(
        "Say what you tried, in at least %(length)s characters (about %(cjk_length)s in "
        "Chinese): the commands, changes or searches, and what each one did."
    ),
}


def how_to(step: str) -> str:
    """How to satisfy a checklist step, worded in the active language."""
    return str(HOW_TO[step]) % {
        "length": TRIED_MIN_LENGTH,
        "cjk_length": TRIED_MIN_LENGTH // CJK_WEIGHT + 1,
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
    # The evidence rows this checklist stands on, to be marked as used by the question.
    search_evidence_ids: list[int] = field(default_factory=list)
    faq_evidence_ids: list[int] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        return {"search_queries": self.search_queries, "faq_entries": self.faq_entries}


def _text(data: dict[str, Any], key: str, max_length: int = BODY_MAX) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({key: _("Give text here.")})
    if "\x00" in value:
        raise ValidationError({key: _("The text contains a NUL character; remove it.")})
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(
            {key: _("Keep this to %(length)s characters.") % {"length": f"{max_length:,}"}}
        )
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
    # Counted as the linter counts: a Chinese, Japanese or Korean character says more.
    if weighted_length(text) < TRIED_MIN_LENGTH or _is_placeholder(text):
        return how_to("tried_locally")
    return None


def _normalised(query: str) -> str:
    return " ".join(query.lower().split())


def _unique(queries: list[str]) -> list[str]:
    """Each search once (ignoring case and spacing), in the order first run."""
    first: dict[str, str] = {}
    for query in queries:
        first.setdefault(_normalised(query), query)
    return list(first.values())


def checklist_clean(
    *,
    user: Any,
    data: Any,
    title: str,
    body: str,
    draft: AskDraft | None = None,
    now: dt.datetime | None = None,
) -> Checklist:
    """Validate a checklist against the evidence recorded for this member and this
    draft (None: asked through the API, with the evidence recorded there).

    Raises ValidationError with one message per failing step (searched, read_faq,
    tried_locally), or per field for wrong types and pasted secrets.
    """
    if not isinstance(data, dict):
        raise ValidationError(
            {"checklist": _("Give the checklist as an object (see the API docs).")}
        )
    errors: dict[str, str] = {}
    for flag in ("searched", "read_faq", "tried_locally"):
        if flag in data and not isinstance(data[flag], bool):
            errors[flag] = _("Give true or false.")
    queries = data.get("search_queries", [])
    if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
        errors["searched"] = _("search_queries must be a list of the searches you ran.")
        queries = []
    entries = data.get("faq_entries", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, int) and not isinstance(e, bool) for e in entries
    ):
        errors["read_faq"] = _("faq_entries must be a list of FAQ entry ids.")
        entries = []
    if errors:
        raise ValidationError(errors)

    texts = {
        key: _text(data, key) for key in ("what_i_tried", "expected", "actual", "error_output")
    }
    texts["environment"] = _text(data, "environment", max_length=500)
    since = (now or timezone.now()) - EVIDENCE_WINDOW

    # This draft's evidence and what was gathered outside any draft (the API, the search
    # page), never another draft's, nor what an earlier question used.
    scope = Q(user=user, created_at__gte=since, question=None) & (
        Q(draft=None) | Q(draft=draft) if draft is not None and draft.pk else Q(draft=None)
    )
    searches = list(
        SearchEvidence.objects.filter(scope)
        .order_by("created_at", "pk")
        .values_list("pk", "query")[:200]
    )
    recorded_queries = _unique([query for _, query in searches])
    normalised = {_normalised(q) for q in recorded_queries}
    unknown = [q for q in queries if _normalised(q) not in normalised]
    if not recorded_queries:
        errors["searched"] = _(
            "We have no search by you for this question in the last 24 hours (searches an "
            "earlier question used do not count). %(how_to)s"
        ) % {"how_to": how_to("searched")}
    elif unknown:
        errors["searched"] = _("These searches were not run from your account: %(queries)s.") % {
            "queries": ", ".join(f"“{query}”" for query in unknown[:3])
        }

    reads = list(FaqEvidence.objects.filter(scope).values_list("pk", "entry_id"))
    opened = {entry for _, entry in reads if entry is not None}
    no_match = any(entry is None for _, entry in reads)
    strangers = [e for e in entries if e not in opened]
    if not opened and not no_match:
        errors["read_faq"] = _(
            "We have no FAQ reading by you for this question in the last 24 hours. %(how_to)s"
        ) % {"how_to": how_to("read_faq")}
    elif strangers:
        errors["read_faq"] = _("You have not opened these FAQ entries: %(entries)s.") % {
            "entries": ", ".join(str(entry) for entry in strangers[:5])
        }

    tried = texts["what_i_tried"]
    if data.get("tried_locally") is False or tried_problem(tried):
        errors["tried_locally"] = how_to("tried_locally")
    if errors:
        raise ValidationError(errors)

    secrets = blocking(lint_question(Draft(title=title, body=body, **texts)))
    if secrets:
        raise ValidationError({hint.field: hint.message for hint in secrets})
    return Checklist(
        **texts,
        search_queries=_unique(queries)[:10] if queries else recorded_queries[:10],
        faq_entries=sorted(set(entries))[:10] if entries else sorted(opened)[:10],
        search_evidence_ids=_used(searches, {_normalised(q) for q in queries}, _normalised),
        faq_evidence_ids=_used(reads, set(entries), lambda entry: entry),
    )


def _used(rows: list[tuple[int, Any]], named: set[Any], key: Any) -> list[int]:
    """The evidence rows a question uses: every row of the searches or entries the
    client named (a search run three times is used three times over), else every row it
    stood on (the draft's)."""
    if not named:
        return [pk for pk, _ in rows]
    return [pk for pk, value in rows if value is not None and key(value) in named]
