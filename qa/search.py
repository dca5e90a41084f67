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


# --- Similar threads, for the ask flow -------------------------------------------------

SIMILAR_LIMIT = 10
SIMILAR_CANDIDATES = 300
# Once the title tiers have found this many threads, broader tiers add little but cost.
ENOUGH_CANDIDATES = 60
_STOPWORDS_TEXT = """
a an and are as at be but by can do does doing for from get gets got has have how i if in
into is it its me my no not of on or so than that the their then there these this to use
using was what when where which while why will with without would you your after before
again all also any because been being both each few more most other should some such too
very just only same own out over under up down off once here
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
LEXEME = re.compile(r"[a-z0-9]{2,}")


@dataclass
class Similar:
    question: Question
    score: float


def significant_words(text: str, limit: int) -> list[str]:
    words = [w for w in LEXEME.findall(text.lower()) if w not in STOPWORDS and not w.isdigit()]
    return list(dict.fromkeys(words))[:limit]


def similar_questions(
    *, viewer: Any, title: str, body: str = "", tags: list[str] | None = None
) -> list[Similar]:
    """Up to ten visible threads like this draft, best first, solved ones first when close.

    PostgreSQL: any significant word of the title (and the start of the body) through
    the full-text index, then a score from the weighted rank, the trigram similarity of
    the titles and the tags in common. SQLite: title words in common.
    """
    words = significant_words(title, 12) + significant_words(body[:2000], 8)
    words = list(dict.fromkeys(words))
    if not words:
        return []
    tags = [t.strip().lower() for t in (tags or []) if t.strip()][:5]
    visible = Question.objects.visible_to(viewer)
    if connection.vendor == "postgresql":
        scored = _similar_postgres(visible, title, words, tags)
    else:
        scored = _similar_simple(visible, words)
    if not scored:
        return []
    best = scored[0].score
    # A solved thread that is nearly as close as the best goes first: it may already answer.
    scored.sort(
        key=lambda s: (
            not (s.question.status == Question.Status.SOLVED and s.score >= 0.75 * best),
            -s.score,
        )
    )
    return scored[:SIMILAR_LIMIT]


def _similar_postgres(
    visible: QuerySet[Question], title: str, words: list[str], tags: list[str]
) -> list[Similar]:
    from django.contrib.postgres.search import TrigramSimilarity
    from django.db.models import Count, FloatField
    from django.db.models.functions import Cast

    # The words are [a-z0-9] only, so raw queries are safe to build from them. Threads
    # sharing two of the draft's words make a small, relevant candidate set; threads
    # sharing any one word are the fallback when none shares two.
    tsquery = SearchQuery(" | ".join(words), search_type="raw", config="english")
    head = words[:8]
    # Candidates come in tiers through the full-text index, most specific first: threads
    # whose title has all of the draft's words, then any two of them, then any
    # one, then threads with any of the words anywhere; each tier fills what the cap
    # leaves, so ranking sees the likeliest threads even when common words match most
    # of the site.
    title_pairs = [f"({a} & {b})" for i, a in enumerate(head) for b in head[i + 1 :]]
    tiers = [
        ("title_vector", " & ".join(head)),
        ("title_vector", " | ".join(title_pairs)),
        ("title_vector", " | ".join(head)),
        ("search_vector", " | ".join(words)),
    ]
    candidates: list[int] = []
    for vector, tier in tiers:
        room = SIMILAR_CANDIDATES - len(candidates)
        if not tier or room <= 0 or len(candidates) >= ENOUGH_CANDIDATES:
            continue
        query = SearchQuery(tier, search_type="raw", config="english")
        candidates += (
            visible.filter(**{vector: query})
            .exclude(pk__in=candidates)
            .values_list("pk", flat=True)[:room]
        )
    rows = (
        Question.objects.filter(pk__in=candidates)
        .annotate(
            rank=SearchRank(
                F("search_vector"), tsquery, weights=[0.05, 0.1, 0.3, 1.0], normalization=Value(1)
            ),
            title_similarity=TrigramSimilarity("title", title),
            shared_tags=Cast(
                Count("tags", filter=Q(tags__name__in=tags or [""]), distinct=True),
                FloatField(),
            ),
        )
        .annotate(similarity=F("rank") + F("title_similarity") + 0.05 * F("shared_tags"))
        .order_by("-similarity", "-pk")
        .select_related("author")[: SIMILAR_LIMIT * 2]
    )
    return [Similar(question=q, score=float(q.similarity)) for q in rows]


def _similar_simple(visible: QuerySet[Question], words: list[str]) -> list[Similar]:
    hits = Q()
    for word in words[:12]:
        hits |= Q(title__icontains=word)
    rows = list(visible.filter(hits).order_by("-last_activity_at")[:SIMILAR_CANDIDATES])
    scored = [
        Similar(question=q, score=sum(w in q.title.lower() for w in words) / len(words))
        for q in rows
    ]
    return sorted(scored, key=lambda s: -s.score)[: SIMILAR_LIMIT * 2]
