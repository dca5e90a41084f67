"""Search over the threads a viewer may see.

PostgreSQL: the stored search vector (title and tags weighted A, the body B), a
websearch_to_tsquery query ("quoted phrases", -excluded words, or), and ranking over a
capped candidate set, so that a common word stays fast on a large site. A thread whose
title alone matches the query (the stored title vector) ranks above every thread that
matches through its body or tags. A search that finds little gets a "did you mean":
each word that few threads contain is respelled after the closest word of the titles
similar to it (the trigram index on titles) or of the tag names.

Chinese: neither database knows where a Chinese word ends, so the application segments
every title, body and query the same way (qa.segment.search_tokens: words, character
bigrams and unigrams, full-width forms and traditional characters folded). A query's
Chinese asks for every character bigram of each run it types (a single character for a
one-character run), so 迁移, 表已存在 or 數據庫 find their thread however the segmenter
cut it. On PostgreSQL they are matched in the 'simple' vector of those tokens (its own
GIN index); Latin words keep the english vectors and their stemming, so English ranking
is what it was, and a mixed query needs both.

SQLite (embedded): the same tokens in an FTS5 table (porter over unicode61, so English
words are stemmed there too); every word must appear in the title or the body, a -word
must not; BM25 with the title weighted ten times the body.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
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
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Replace, StrIndex, Substr

from qa import segment
from qa.models import Question, Tag

# Ranking looks at no more than this many matching threads. Each candidate costs a
# tsvector match as it is read (about 10 µs): at a million threads a word in most of them
# fills the cap at once, and 500 keeps that read near 10 ms (docs/benchmarks.md).
CANDIDATE_CAP = 500
# Columns no search result shows (page or API), left out of the rows that are sorted.
NOT_SHOWN = (
    "search_vector", "title_vector", "segmented_vector", "what_i_tried", "expected",
    "actual", "error_output", "environment", "checklist_evidence", "solution_note",
)  # fmt: skip
# The text of a question, which its page and the API's full form show, a result not.
TEXT = ("body", "body_html")
# ts_rank weights of the stored vector's D, C, B (the body) and A (title and tags).
RANK_WEIGHTS = [0.05, 0.1, 0.2, 1.0]
# Added to a thread whose title alone matches: above the sum of the two squeezed ranks.
TITLE_BONUS = 2.0
# BM25 weights of the FTS5 table's columns (title, body) on SQLite.
FTS_WEIGHTS = (10.0, 1.0)
# A Chinese snippet: this many characters, starting a little before the first match.
CJK_SNIPPET_CHARS, CJK_SNIPPET_BEFORE = 120, 30
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
    # How many the questions are, when known without counting them.
    count: int | None = None

    @property
    def summaries(self) -> QuerySet[Question]:
        """The questions without their text, for a list of results (title, snippet,
        counts, tags, asker): the rows sorted and sent are then a fraction of the size."""
        return self.questions.defer(*TEXT)


def query_words(query: str) -> list[str]:
    """The words a query asks for, in lower case, once each; excluded words left out."""
    words = (w.lower() for w in WORD.findall(EXCLUDED.sub(" ", query)))
    return [w for w in dict.fromkeys(words) if w != "or"]


def excluded_words(query: str) -> list[str]:
    return [w.lower() for token in EXCLUDED.findall(query) for w in WORD.findall(token)]


@dataclass
class ParsedQuery:
    """A query split for the two kinds of index.

    latin: the normalised query without its Chinese (phrases, -words and "or" intact),
    for the english configuration. chinese / excluded_chinese: for each run of Chinese
    characters asked for (or excluded), the grams a matching text must contain.
    """

    latin: str
    chinese: list[list[str]]
    excluded_chinese: list[list[str]]
    runs: list[str]

    @property
    def has_latin(self) -> bool:
        return bool(query_words(self.latin) or excluded_words(self.latin))

    @property
    def empty(self) -> bool:
        return not (self.has_latin or self.chinese or self.excluded_chinese)


def _grams(run: str) -> list[str]:
    """The grams a text must contain to match a run of Chinese a user typed.

    The run is cut into words and each word asks for its bigrams (a one-character word
    for itself), so 端口占用 finds 端口被占用: no bigram across a word boundary is
    required. Function words (怎么, 不) are dropped when anything else is left, and
    consecutive one-character words are joined again, since the segmenter falls back to
    single characters for words it does not know (多对多字段 → 多, 对, 多, 字, 段).
    """
    cut = segment.words(run)
    content = [w not in CJK_STOPWORDS for w in cut]
    if not any(content):
        content = [True] * len(cut)
    chunks: list[str] = []
    joinable = False
    for word, kept in zip(cut, content, strict=True):
        if not kept:
            joinable = False
            continue
        if len(word) == 1 and joinable:
            chunks[-1] += word
        else:
            chunks.append(word)
        joinable = len(word) == 1
    grams = [
        g for c in chunks for g in ([c] if len(c) == 1 else segment.cjk_grams(c)[: len(c) - 1])
    ]
    return list(dict.fromkeys(grams))


def parse_query(query: str) -> ParsedQuery:
    normalized = segment.normalize(query)
    excluded = [run for t in EXCLUDED.findall(normalized) for run in segment.CJK_RUN.findall(t)]
    runs = segment.CJK_RUN.findall(EXCLUDED.sub(" ", normalized))
    latin = segment.CJK_RUN.sub(" ", normalized)
    # A minus or quotes left with nothing in them once the Chinese is taken out.
    latin = re.sub(r'(?:^|(?<=\s))-(?=\s|$)|"\s*"', " ", latin)
    return ParsedQuery(
        latin=latin,
        chinese=[_grams(r) for r in runs[:10]],
        excluded_chinese=[_grams(r) for r in excluded[:10]],
        runs=runs,
    )


def _chinese_tsquery(parsed: ParsedQuery, *, weight: str = "") -> SearchQuery:
    """Every gram of every run (of the title alone with weight "A"), no excluded run.

    The grams are Chinese characters only, never tsquery syntax, so a raw query is safe.
    """
    wanted = " & ".join(f"{g}:{weight}" if weight else g for run in parsed.chinese for g in run)
    unwanted = [f"!({' & '.join(run)})" for run in parsed.excluded_chinese]
    return SearchQuery(
        " & ".join([p for p in [wanted, *unwanted] if p]), search_type="raw", config="simple"
    )


def _chinese_snippet(runs: list[str]) -> Any:
    """A bounded excerpt of the body around the first occurrence of the longest run,
    the run marked (ts_headline cannot cut unsegmented Chinese)."""
    run = max(runs, key=len)
    start = Greatest(StrIndex("body", Value(run)) - CJK_SNIPPET_BEFORE, Value(1))
    excerpt = Substr("body", start, CJK_SNIPPET_CHARS)
    return Replace(excerpt, Value(run), Value(f"{MARK_START}{run}{MARK_STOP}"))


# --- PostgreSQL --------------------------------------------------------------------------


def _candidates(
    matching: QuerySet[Question], visible: QuerySet[Question], title_match: Q
) -> list[int]:
    """Ids of up to CANDIDATE_CAP matching threads, read through the full-text index.

    Past the cap that slice is arbitrary and could miss the few threads whose title says
    it all, so then up to half the cap is taken first from the threads whose title alone
    matches (through the index on the title vector): they are the ones ranked first.
    Those are read through that index alone, without the body's match (the caller
    ranks only candidates that match, so an excluded word still excludes them).
    """
    ids = list(matching.values_list("pk", flat=True)[: CANDIDATE_CAP + 1])
    if len(ids) <= CANDIDATE_CAP or not title_match:
        return ids[:CANDIDATE_CAP]
    titled = visible.filter(title_match).values_list("pk", flat=True)
    return list(dict.fromkeys([*titled[: CANDIDATE_CAP // 2], *ids]))[:CANDIDATE_CAP]


def _squeezed_rank(vector: str, tsquery: SearchQuery) -> Any:
    """The weighted rank squeezed below 1 (normalization 1|32: divided by the log of the
    length, then rank/(rank+1))."""
    return SearchRank(F(vector), tsquery, weights=RANK_WEIGHTS, normalization=Value(1 | 32))


def _postgres(viewer: Any, query: str) -> SearchResult:
    parsed = parse_query(query)
    visible = Question.objects.visible_to(viewer)
    if parsed.empty:
        return SearchResult(questions=visible.none())
    latin_words = query_words(parsed.latin)
    if parsed.has_latin and (parsed.chinese or parsed.excluded_chinese):
        # Beside Chinese, Latin stop words alone ("the 迁移") must not empty the query.
        has_latin = bool(_not_stop_words(latin_words) or excluded_words(parsed.latin))
    else:
        has_latin = parsed.has_latin
    matching, title_match, rank = visible, Q(), Value(0.0, output_field=FloatField())
    english = SearchQuery(parsed.latin, search_type="websearch", config="english")
    if has_latin:
        matching = matching.filter(search_vector=english)
        title_match &= Q(title_vector=english)
        rank += _squeezed_rank("search_vector", english)
    if parsed.chinese or parsed.excluded_chinese:
        chinese = _chinese_tsquery(parsed)
        matching = matching.filter(segmented_vector=chinese)
        if parsed.chinese:
            title_match &= Q(segmented_vector=_chinese_tsquery(parsed, weight="A"))
        rank += _squeezed_rank("segmented_vector", chinese)
    ids = _candidates(matching, visible, title_match)
    few = len(ids) < SUGGEST_BELOW
    suggestion = _suggestion(visible, query, latin_words) if few and has_latin else None
    if parsed.runs:
        snippet = _chinese_snippet(parsed.runs)
    else:
        snippet = SearchHeadline(
            "body",
            english,
            config="english",
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            **SNIPPET_OPTIONS,
        )
    # A thread whose title alone matches ranks above every thread matching elsewhere.
    bonus = Case(
        When(title_match, then=Value(TITLE_BONUS)), default=Value(0.0), output_field=FloatField()
    )
    # One parameter rather than an IN list of up to CANDIDATE_CAP literals, which
    # PostgreSQL parses and plans more slowly; a string of the ids, which the driver
    # passes as it is (it writes out a list of integers one by one).
    among = RawSQL("SELECT unnest(string_to_array(%s, ',')::bigint[])", [",".join(map(str, ids))])
    # The candidates are visible threads that match, unless the query excludes words: a
    # title that matches may then belong to a thread whose body has an excluded word.
    # Otherwise they are not matched again (nor when the page counts them).
    excludes = bool(excluded_words(parsed.latin) or parsed.excluded_chinese)
    questions = (
        (matching if excludes else visible)
        .filter(pk__in=among)
        .defer(*NOT_SHOWN)
        .with_list_data()
        .annotate(rank=bonus + rank, snippet=snippet)
        .order_by("-rank", "-last_activity_at", "-pk")
    )
    # Each candidate is a visible match, unless the query excludes words.
    count = None if excludes else len(ids)
    return SearchResult(questions=questions, suggestion=suggestion, count=count)


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


def _fts_terms(words: list[str]) -> str:
    # Letters and digits only (WORD) or Chinese grams: quoted, they are never syntax.
    return " AND ".join(f'"{w}"' for w in words)


def _fts_query(parsed: ParsedQuery) -> tuple[str, str]:
    """The FTS5 queries for what must match and for what must not ("" for none)."""
    wanted = [
        *query_words(parsed.latin)[:10],
        *(g for run in parsed.chinese for g in run),
    ]
    unwanted = [_fts_terms(w) for w in ([w] for w in excluded_words(parsed.latin)[:10])]
    unwanted += [_fts_terms(run) for run in parsed.excluded_chinese]
    return _fts_terms(wanted), " OR ".join(f"({u})" for u in unwanted)


def _simple(viewer: Any, query: str) -> SearchResult:
    """Every word in the title or the body and no excluded word, through the FTS5 table
    of the segmented tokens; BM25 with the title weighted above the body, then the most
    recently active."""
    parsed = parse_query(query)
    qs = Question.objects.visible_to(viewer)
    wanted, unwanted = _fts_query(parsed)
    if not (wanted or unwanted):
        return SearchResult(questions=qs.none())
    rank: Any = Value(0.0, output_field=FloatField())
    if wanted:
        qs = qs.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM qa_question_fts WHERE qa_question_fts MATCH %s", [wanted]
            )
        )
        # BM25 is lower for a better match; negated so that "-rank" orders as elsewhere.
        rank = RawSQL(
            "SELECT -bm25(qa_question_fts, %s, %s) FROM qa_question_fts "
            "WHERE qa_question_fts MATCH %s AND rowid = qa_question.id",
            [*FTS_WEIGHTS, wanted],
            output_field=FloatField(),
        )
    if unwanted:
        qs = qs.exclude(
            pk__in=RawSQL(
                "SELECT rowid FROM qa_question_fts WHERE qa_question_fts MATCH %s", [unwanted]
            )
        )
    snippet = _chinese_snippet(parsed.runs) if parsed.runs else F("body")
    questions = (
        qs.defer(*NOT_SHOWN)
        .with_list_data()
        .annotate(rank=rank, snippet=snippet)
        .order_by("-rank", "-last_activity_at", "-pk")
    )
    return SearchResult(questions=questions)


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
# Chinese function words and the words any question has: they say nothing of the problem.
_CJK_STOPWORDS_TEXT = """
的 了 是 在 我 你 他 她 它 我们 你们 他们 吗 呢 吧 啊 呀 啦 哦 和 与 及 或 或者 就 都 也
还 又 很 把 被 让 给 对 从 到 为 以 于 之 而 但 但是 这 那 这个 那个 一个 什么 怎么 怎么办
怎样 如何 为什么 时候 请问 求助 大家 有 没有 不 会 能 可以 要 用 出现 问题 一下 一直 总是
老是 已经 之后 以后 然后 后 时 里 中 上 下 求 帮忙 谢谢 各位 说 提示 显示 遇到 碰到 发现
不能 无法 不了 怎么回事 结果 总 突然 好像 感觉 还是 之前 现在 今天
"""
CJK_STOPWORDS = frozenset(_CJK_STOPWORDS_TEXT.split())
# A bigram with one of these characters straddles a function word (的时, 了表): noise.
CJK_STOP_CHARS = frozenset(
    "的了是在我你他她它吗呢吧啊呀啦哦和与就都也还又很把被让给对从到为以于之而但这那么个一有没不会能可要用说"
)
# How much of a draft's body is read for Chinese terms, and at most how many terms.
CJK_BODY_HEAD = 300
SIMILAR_CJK_TERMS = 40


@dataclass
class Similar:
    question: Question
    score: float


def significant_words(text: str, limit: int) -> list[str]:
    words = [w for w in LEXEME.findall(text.lower()) if w not in STOPWORDS and not w.isdigit()]
    return list(dict.fromkeys(words))[:limit]


def chinese_terms(text: str) -> list[str]:
    """The Chinese words (two characters or more) and bigrams of a normalised text that
    can tell one problem from another, in order, once each."""
    terms = [w for w in segment.words(text) if segment.HAS_CJK.search(w) and len(w) > 1]
    terms = [w for w in terms if w not in CJK_STOPWORDS]
    for run in segment.CJK_RUN.findall(text):
        grams = segment.cjk_grams(run)[: len(run) - 1]
        terms += [g for g in grams if not CJK_STOP_CHARS.intersection(g)]
    return list(dict.fromkeys(terms))


def _title_terms(title: str) -> set[str]:
    return set(chinese_terms(title)) | set(significant_words(title, 20))


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def similar_questions(
    *, viewer: Any, title: str, body: str = "", tags: list[str] | None = None
) -> list[Similar]:
    """Up to ten visible threads like this draft, best first, solved ones first when close.

    PostgreSQL: any significant word of the title (and the start of the body) through
    the full-text index, then a score from the weighted rank, the trigram similarity of
    the titles and the tags in common. SQLite: title words in common. A draft with
    Chinese also draws the threads sharing its Chinese words and bigrams (the segmented
    index on either database), scored by the terms their titles share with the draft's
    (Dice) plus the rank of the match; a mixed draft adds both scores.
    """
    title, body = segment.normalize(title), segment.normalize(body)
    words = significant_words(title, 12) + significant_words(body[:2000], 8)
    words = list(dict.fromkeys(words))
    chinese = chinese_terms(title) + chinese_terms(body[:CJK_BODY_HEAD])
    chinese = list(dict.fromkeys(chinese))[:SIMILAR_CJK_TERMS]
    if not words and not chinese:
        return []
    tags = [t.strip().lower() for t in (tags or []) if t.strip()][:5]
    visible = Question.objects.visible_to(viewer)
    by_chinese = _similar_chinese(visible, title, chinese) if chinese else []
    scored: list[Similar] = []
    if words and connection.vendor == "postgresql":
        # The threads found by their Chinese are scored on the draft's English words too,
        # or the many English threads sharing one identifier would outscore them.
        also = [s.question.pk for s in by_chinese]
        scored = _similar_postgres(visible, title, words, tags, also=also)
    elif words:
        scored = _similar_simple(visible, words)
    if chinese and (terms := _title_terms(title)):
        # In a mostly Chinese draft the English words (docker, build) are a small part of
        # what it says: threads matching only those weigh that much less.
        share = len(set(significant_words(title, 20))) / len(terms)
        scored = [Similar(question=s.question, score=s.score * share) for s in scored]
    scored = _merged(scored, by_chinese)
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
    visible: QuerySet[Question],
    title: str,
    words: list[str],
    tags: list[str],
    also: Sequence[int] = (),
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
    candidates += [pk for pk in also if pk not in candidates]
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
    """Threads whose title has any of the words, the best BM25 matches of the FTS5 table
    first (not merely the most recent, which a common word would fill), scored by the
    share of the words their title has."""
    match = "title : (" + " OR ".join(f'"{w}"' for w in words[:12]) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM qa_question_fts WHERE qa_question_fts MATCH %s "
            "ORDER BY bm25(qa_question_fts, %s, %s) LIMIT %s",
            [match, *FTS_WEIGHTS, SIMILAR_CANDIDATES],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rows = list(visible.filter(pk__in=ids))
    scored = [
        Similar(question=q, score=sum(w in q.title.lower() for w in words) / len(words))
        for q in rows
    ]
    return sorted(scored, key=lambda s: -s.score)[: SIMILAR_LIMIT * 2]


def _merged(first: list[Similar], second: list[Similar]) -> list[Similar]:
    """One entry per thread, the scores of both lists added, best first."""
    by_pk: dict[int, Similar] = {}
    for item in [*first, *second]:
        if (seen := by_pk.get(item.question.pk)) is not None:
            seen.score += item.score
        else:
            by_pk[item.question.pk] = Similar(question=item.question, score=item.score)
    return sorted(by_pk.values(), key=lambda s: -s.score)


def _similar_chinese(visible: QuerySet[Question], title: str, terms: list[str]) -> list[Similar]:
    """Threads sharing the draft's Chinese terms: first those sharing them in the title,
    then anywhere; each scored by the Dice coefficient of its title's terms and the
    draft's, plus half the match's rank squeezed below 1."""
    ranked: dict[int, float] = {}
    for in_title in (True, False):
        room = SIMILAR_CANDIDATES - len(ranked)
        if len(ranked) >= ENOUGH_CANDIDATES:
            break
        found = (
            _chinese_candidates_postgres(visible, terms, in_title, room)
            if connection.vendor == "postgresql"
            else _chinese_candidates_sqlite(visible, terms, in_title, room)
        )
        for pk, rank in found:
            ranked.setdefault(pk, rank)
    if not ranked:
        return []
    rows = Question.objects.select_related("author").in_bulk(list(ranked))
    draft = _title_terms(title)
    scored = [
        Similar(
            question=rows[pk],
            score=_dice(draft, _title_terms(segment.normalize(rows[pk].title))) + 0.5 * rank,
        )
        for pk, rank in ranked.items()
        if pk in rows
    ]
    return sorted(scored, key=lambda s: -s.score)[: SIMILAR_LIMIT * 2]


def _chinese_candidates_postgres(
    visible: QuerySet[Question], terms: list[str], in_title: bool, room: int
) -> list[tuple[int, float]]:
    # Chinese characters only, never tsquery syntax: safe as a raw query.
    weight = ":A" if in_title else ""
    match = SearchQuery(
        " | ".join(f"{t}{weight}" for t in terms), search_type="raw", config="simple"
    )
    ranking = SearchQuery(" | ".join(terms), search_type="raw", config="simple")
    rank = SearchRank(F("segmented_vector"), ranking, weights=RANK_WEIGHTS, normalization=Value(32))
    found = (
        visible.filter(segmented_vector=match)
        .annotate(similar_rank=rank)
        .order_by("-similar_rank", "-pk")
        .values_list("pk", "similar_rank")[:room]
    )
    return [(pk, float(r)) for pk, r in found]


def _chinese_candidates_sqlite(
    visible: QuerySet[Question], terms: list[str], in_title: bool, room: int
) -> list[tuple[int, float]]:
    match = " OR ".join(f'"{t}"' for t in terms)
    match = f"title : ({match})" if in_title else match
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, -bm25(qa_question_fts, %s, %s) AS r FROM qa_question_fts "
            "WHERE qa_question_fts MATCH %s ORDER BY r DESC LIMIT %s",
            [*FTS_WEIGHTS, match, room * 2],
        )
        found = cursor.fetchall()
    allowed = set(visible.filter(pk__in=[pk for pk, _ in found]).values_list("pk", flat=True))
    # BM25 is unbounded: r / (r + 1) squeezes it below 1 like ts_rank's normalization 32.
    return [(pk, r / (r + 1)) for pk, r in found if pk in allowed][:room]
