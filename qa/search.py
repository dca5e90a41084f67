"""Search over the threads a viewer may see.

PostgreSQL: the stored search vector (title and tags weighted A, the body B), a
websearch_to_tsquery query ("quoted phrases", -excluded words, or), and ranking over a
capped candidate set, so that a common word stays fast on a large site. A thread whose
title alone matches the query (the stored title vector) ranks above every thread that
matches through its body or tags. A search that finds little gets a "did you mean":
each word that few threads contain is respelled after the closest word of the titles
similar to it (the trigram index on titles) or of the tag names.

SQLite (embedded): every word must appear in the title or the body, a -word must not;
threads with more of the words in their title come first.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection, connections, router
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from qa.models import Question, Tag

# Ranking looks at no more than this many matching threads.
CANDIDATE_CAP = 2000
# ts_rank weights of the stored vector's D, C, B (the body) and A (title and tags).
RANK_WEIGHTS = [0.05, 0.1, 0.2, 1.0]
# A search with fewer results than this looks for a "did you mean".
SUGGEST_BELOW = 3
# At most this many words of a query are respelled; each reads this many similar titles.
SUGGEST_WORDS = 5
SUGGEST_TITLES = 40
SUGGEST_TAGS = 40
# difflib ratio a respelling needs (migratoin → migration is 0.89, migrate 0.75).
SUGGEST_CUTOFF = 0.8
# Snippets are plain text with these private-use characters around the matches; the
# template escapes the text and only then turns them into <mark> elements.
MARK_START, MARK_STOP = "\ue000", "\ue001"
SNIPPET_OPTIONS: dict[str, Any] = {
    "max_words": 35,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}

WORD = re.compile(r"[^\W_]+")
# As in websearch_to_tsquery: a minus before a word or a quoted phrase excludes it.
EXCLUDED = re.compile(r'(?:^|(?<=\s))-("[^"]*"?|\S+)')


@dataclass
class SearchResult:
    questions: QuerySet[Question]
    suggestion: str | None = None


def query_words(query: str) -> list[str]:
    """The words a query asks for, in lower case, once each; excluded words left out."""
    words = (w.lower() for w in WORD.findall(EXCLUDED.sub(" ", query)))
    return [w for w in dict.fromkeys(words) if w != "or"]


def excluded_words(query: str) -> list[str]:
    return [w.lower() for token in EXCLUDED.findall(query) for w in WORD.findall(token)]


# --- PostgreSQL --------------------------------------------------------------------------


def _candidates(matching: QuerySet[Question], tsquery: SearchQuery) -> list[int]:
    """Ids of up to CANDIDATE_CAP matching threads, read through the full-text index.

    Past the cap that slice is arbitrary and could miss the few threads whose title says
    it all, so then up to half the cap is taken first from the threads whose title alone
    matches (through the index on the title vector): they are the ones ranked first.
    """
    ids = list(matching.values_list("pk", flat=True)[: CANDIDATE_CAP + 1])
    if len(ids) <= CANDIDATE_CAP:
        return ids
    titled = matching.filter(title_vector=tsquery).values_list("pk", flat=True)
    return list(dict.fromkeys([*titled[: CANDIDATE_CAP // 2], *ids]))[:CANDIDATE_CAP]


def _rank(tsquery: SearchQuery) -> Any:
    """1 when the title alone matches the query, plus the weighted rank squeezed below 1
    (normalization 1|32: divided by the log of the length, then rank/(rank+1)), so that
    every title match ranks above every other match, whatever the length of its body or
    the number of its mentions there."""
    title_match = Case(
        When(title_vector=tsquery, then=Value(1.0)), default=Value(0.0), output_field=FloatField()
    )
    weighted = SearchRank(
        F("search_vector"), tsquery, weights=RANK_WEIGHTS, normalization=Value(1 | 32)
    )
    return title_match + weighted


def _postgres(viewer: Any, query: str) -> SearchResult:
    tsquery = SearchQuery(query, search_type="websearch", config="english")
    visible = Question.objects.visible_to(viewer)
    ids = _candidates(visible.filter(search_vector=tsquery), tsquery)
    few = len(ids) < SUGGEST_BELOW
    suggestion = _suggestion(visible, query, query_words(query)) if few else None
    # One array parameter rather than an IN list of up to CANDIDATE_CAP literals, which
    # PostgreSQL parses and plans more slowly.
    among = RawSQL("SELECT unnest(%s::bigint[])", [ids])
    questions = (
        visible.filter(pk__in=among)
        .with_list_data()
        .annotate(
            rank=_rank(tsquery),
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


def _suggestion(visible: QuerySet[Question], query: str, words: list[str]) -> str | None:
    """The query respelled, or None.

    Each word that fewer than SUGGEST_BELOW threads contain is swapped for the closest
    word (difflib) among the words of a few titles similar to it (`title %> word`, backed
    by the trigram index on titles) and the tag names similar to it or starting like it.
    A word that some threads do contain is only swapped for a more common one.
    """
    words = _not_stop_words([w for w in words if len(w) >= 4 and not w.isdigit()])
    replacements: dict[str, str] = {}
    for word in words[:SUGGEST_WORDS]:
        found = _count(visible, word)
        if found >= SUGGEST_BELOW:
            continue
        best = _closest_word(visible, word)
        if best and _count(visible, best) >= (SUGGEST_BELOW if found else 1):
            replacements[word] = best
    if not replacements:
        return None
    return WORD.sub(lambda m: replacements.get(m.group().lower(), m.group()), query)


def _not_stop_words(words: list[str]) -> list[str]:
    """The words the english configuration indexes (no "with", "have" and the like)."""
    if not words:
        return []
    with connections[router.db_for_read(Question)].cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w "
            "WHERE numnode(plainto_tsquery('english', w)) > 0",
            [words],
        )
        indexed = {row[0] for row in cursor.fetchall()}
    return [w for w in words if w in indexed]


def _count(visible: QuerySet[Question], word: str) -> int:
    """How many visible threads contain the word, counting no further than SUGGEST_BELOW."""
    contains = SearchQuery(word, search_type="plain", config="english")
    return visible.filter(search_vector=contains).values("pk")[:SUGGEST_BELOW].count()


def _closest_word(visible: QuerySet[Question], word: str) -> str | None:
    titles = visible.filter(title__trigram_word_similar=word).values_list("title", flat=True)
    tags = (
        Tag.objects.filter(Q(name__trigram_word_similar=word) | Q(name__startswith=word[:2]))
        .annotate(similarity=TrigramWordSimilarity(word, "name"))
        .order_by("-similarity", "name")
        .values_list("name", flat=True)
    )
    vocabulary = {w.lower() for title in titles[:SUGGEST_TITLES] for w in WORD.findall(title)}
    vocabulary.update(tags[:SUGGEST_TAGS])
    vocabulary.discard(word)
    best = difflib.get_close_matches(word, sorted(vocabulary), n=1, cutoff=SUGGEST_CUTOFF)
    return best[0] if best else None


# --- SQLite ------------------------------------------------------------------------------


def _simple(viewer: Any, query: str) -> SearchResult:
    """Every word in the title or the body and no excluded word; threads with more of the
    words in their title first, then the most recently active."""
    words, excluded = query_words(query)[:10], excluded_words(query)[:10]
    qs = Question.objects.visible_to(viewer)
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    for word in excluded:
        qs = qs.exclude(Q(title__icontains=word) | Q(body__icontains=word))
    rank: Any = Value(0)
    for word in words:
        rank += Case(
            When(title__icontains=word, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    questions = (
        qs.with_list_data()
        .annotate(rank=rank, snippet=F("body"))
        .order_by("-rank", "-last_activity_at", "-pk")
    )
    return SearchResult(questions=questions if words or excluded else questions.none())


def search_questions(*, viewer: Any, query: str) -> SearchResult:
    """Threads matching the query that this viewer may see, best first, with snippets."""
    query = query.replace("\x00", "").strip()[:200]
    if connection.vendor == "postgresql":
        return _postgres(viewer, query)
    return _simple(viewer, query)


# --- Similar threads, for the ask flow -------------------------------------------------

SIMILAR_LIMIT = 10
SIMILAR_CANDIDATES = 200
# Title words whose pairs make the second tier of candidates (15 pairs of 6).
SIMILAR_HEAD_WORDS = 6
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

    # The words are [a-z0-9] only, so raw queries are safe to build from them. Threads
    # sharing two of the draft's words make a small, relevant candidate set; threads
    # sharing any one word are the fallback when none shares two.
    tsquery = SearchQuery(" | ".join(words), search_type="raw", config="english")
    head = words[:SIMILAR_HEAD_WORDS]
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
    if not candidates:
        return []
    # Scores over narrow columns only; the tags in common are counted in one grouped
    # query (a join in the scoring query would repeat the rank for every tag row).
    scores = Question.objects.filter(pk__in=candidates).values_list(
        "pk",
        SearchRank(
            F("search_vector"), tsquery, weights=[0.05, 0.1, 0.3, 1.0], normalization=Value(1)
        ),
        TrigramSimilarity("title", title),
    )
    shared: Counter[int] = Counter()
    if tags:
        through = Question.tags.through
        shared = Counter(
            through.objects.filter(question_id__in=candidates, tag__name__in=tags).values_list(
                "question_id", flat=True
            )
        )
    ranked = sorted(
        ((rank + similarity + 0.05 * shared.get(pk, 0), pk) for pk, rank, similarity in scores),
        reverse=True,
    )[: SIMILAR_LIMIT * 2]
    rows = Question.objects.select_related("author").in_bulk([pk for _, pk in ranked])
    return [Similar(question=rows[pk], score=float(score)) for score, pk in ranked if pk in rows]


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
