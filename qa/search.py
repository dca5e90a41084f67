"""Search over the threads a viewer may see.

PostgreSQL: the stored search vector (title and tags weighted above the body), a
websearch_to_tsquery query, and ranking over a capped candidate set so a common
word stays fast on a large site. SQLite (embedded): every word must appear in the
title or the body; title matches rank first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from qa.models import Question

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
# Ranking looks at no more than this many matching threads.
CANDIDATE_CAP = 2000
# Snippets are plain text with these private-use characters around the matches; the
# template escapes the text and only then turns them into <mark> elements.
MARK_START, MARK_STOP = "\ue000", "\ue001"
SNIPPET_OPTIONS: dict[str, Any] = {
    "max_words": 35,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


@dataclass
class SearchResult:
    questions: QuerySet[Question]
    suggestion: str | None = None


def _suggestion(visible: QuerySet[Question], query: str) -> str | None:
    """A respelled query when nothing matched: each word swapped for the closest word of a
    visible thread's title, found through the trigram index on titles."""
    words = WORD.findall(query)
    changed = False
    for word in list(dict.fromkeys(w for w in words if len(w) >= 4))[:8]:
        known = SearchQuery(word, search_type="plain", config="english")
        if visible.filter(search_vector=known).exists():
            continue
        titles = visible.filter(title__trigram_word_similar=word).values_list("title", flat=True)
        vocabulary = {w.lower() for title in titles[:30] for w in WORD.findall(title)}
        vocabulary.discard(word.lower())
        best = difflib.get_close_matches(word.lower(), vocabulary, n=1, cutoff=0.75)
        if best:
            query = re.sub(rf"\b{re.escape(word)}\b", best[0], query)
            changed = True
    return query if changed else None


def _postgres(viewer: Any, query: str) -> SearchResult:
    tsquery = SearchQuery(query, search_type="websearch", config="english")
    visible = Question.objects.visible_to(viewer)
    candidates = visible.filter(search_vector=tsquery).values("pk")[:CANDIDATE_CAP]
    suggestion = None if candidates.exists() else _suggestion(visible, query)
    questions = (
        visible.filter(pk__in=candidates)
        .with_list_data()
        .annotate(
            # Weights D, C, B (body), A (title and tags); normalised by length so a long
            # body does not outrank a title that says it all.
            rank=SearchRank(
                F("search_vector"), tsquery, weights=[0.05, 0.1, 0.2, 1.0], normalization=Value(1)
            ),
            snippet=SearchHeadline(
                "body",
                tsquery,
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                **SNIPPET_OPTIONS,
            ),
        )
        .order_by("-rank", "-last_activity_at", "-pk")
    )
    return SearchResult(questions=questions, suggestion=suggestion)


def _simple(viewer: Any, query: str) -> SearchResult:
    words = [w for w in query.split() if w.strip('"-')][:10]
    qs = Question.objects.visible_to(viewer).with_list_data()
    title_hit = Q()
    for word in words:
        word = word.strip('"')
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
        title_hit &= Q(title__icontains=word)
    questions = qs.annotate(
        rank=Case(When(title_hit, then=Value(1)), default=Value(0), output_field=IntegerField()),
        snippet=F("body"),
    ).order_by("-rank", "-last_activity_at", "-pk")
    return SearchResult(questions=questions)


def search_questions(*, viewer: Any, query: str) -> SearchResult:
    """Threads matching the query that this viewer may see, best first, with snippets."""
    query = query.replace("\x00", "").strip()[:200]
    if connection.vendor == "postgresql":
        return _postgres(viewer, query)
    return _simple(viewer, query)
