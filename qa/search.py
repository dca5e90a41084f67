"""Search over the threads a viewer may see.

PostgreSQL: the stored search vector (title and tags weighted above the body), a
websearch_to_tsquery query, and ranking over a capped candidate set so a common
word stays fast on a large site. SQLite (embedded): every word must appear in the
title or the body; title matches rank first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from qa.models import Question

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


def _postgres(viewer: Any, query: str) -> SearchResult:
    tsquery = SearchQuery(query, search_type="websearch", config="english")
    visible = Question.objects.visible_to(viewer)
    candidates = visible.filter(search_vector=tsquery).values("pk")[:CANDIDATE_CAP]
    questions = (
        visible.filter(pk__in=candidates)
        .with_list_data()
        .annotate(
            rank=SearchRank(F("search_vector"), tsquery),
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
    return SearchResult(questions=questions)


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
