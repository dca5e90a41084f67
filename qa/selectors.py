"""Reads for threads: QuerySets ready to render, with what this viewer may see written once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from qa.models import (
    Answer,
    AskDraft,
    Comment,
    FaqEntry,
    FaqEvidence,
    Question,
    Revision,
    SimilarShown,
    Tag,
    Vote,
    public,
)

SORTS = {
    "active": ("-last_activity_at", "-id"),
    "newest": ("-created_at", "-id"),
    "votes": ("-score", "-id"),
    "unanswered": ("-created_at", "-id"),
}
STATUSES = ("open", "solved", "unanswered", "closed")
# A draft nobody touched for this long counts as abandoned.
DRAFT_ABANDONED_AFTER = dt.timedelta(hours=24)


def question_list(
    *, viewer: Any, sort: str = "active", tag: str | None = None, status: str | None = None
) -> QuerySet[Question]:
    """The threads this viewer may see, filtered by tag and status, in the chosen order."""
    qs = Question.objects.visible_to(viewer).with_list_data()
    if tag:
        qs = qs.filter(tags__slug=tag)
    if sort == "unanswered" or status == "unanswered":
        qs = qs.filter(answer_count=0).exclude(status=Question.Status.CLOSED)
    elif status in ("open", "solved", "closed"):
        qs = qs.filter(status=status)
    return qs.order_by(*SORTS.get(sort, SORTS["active"]))


def question_detail(*, viewer: Any) -> QuerySet[Question]:
    """Questions with what their page shows about the question itself."""
    return (
        Question.objects.visible_to(viewer)
        .select_related("author", "duplicate_of")
        .prefetch_related("tags")
    )


def merged_target(*, question_id: int) -> int | None:
    """The thread a question was merged into, if it was: its old address leads there."""
    return (
        Question.objects.filter(pk=question_id, merged_into__isnull=False)
        .values_list("merged_into", flat=True)
        .first()
    )


def thread_comments(*, viewer: Any, question: Question) -> QuerySet[Comment]:
    """Every comment this viewer may see in a thread, on the question and on its answers,
    in one query whatever the number of answers."""
    return (
        Comment.objects.visible_to(viewer)
        .filter(Q(question=question) | Q(answer__question=question))
        .select_related("author")
        .order_by("created_at", "id")
    )


def thread_answers(*, viewer: Any, question: Question) -> QuerySet[Answer]:
    """The answers this viewer may see: the accepted one first, then by score, then oldest."""
    accepted_id = question.accepted_answer_id
    return (
        Answer.objects.visible_to(viewer)
        .filter(question=question)
        .select_related("author")
        .annotate(
            is_accepted=Case(
                When(pk=accepted_id, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("-is_accepted", "-score", "created_at", "id")
    )


def thread_post_answers(*, viewer: Any) -> QuerySet[Answer]:
    """Answers this viewer may see, in threads this viewer may see."""
    return Answer.objects.visible_to(viewer).filter(
        question__in=Question.objects.visible_to(viewer)
    )


def viewer_vote_on(
    *, viewer: Any, question: Question | None = None, answer: Answer | None = None
) -> int:
    if not viewer.is_authenticated:
        return 0
    target = {"question": question} if question is not None else {"answer": answer}
    vote = Vote.objects.filter(user=viewer, **target).only("value").first()
    return vote.value if vote else 0


def thread_parts(*, viewer: Any, question: Question) -> tuple[list[Answer], list[Comment]]:
    """A thread's answers, each with its comments as `thread_comments`, and the question's
    own comments: two queries whatever the number of answers."""
    answers = list(thread_answers(viewer=viewer, question=question))
    comments: dict[int | None, list[Comment]] = {}
    for comment in thread_comments(viewer=viewer, question=question):
        comments.setdefault(comment.answer_id, []).append(comment)
    for answer in answers:
        answer.thread_comments = comments.get(answer.pk, [])  # type: ignore[attr-defined]
    return answers, comments.get(None, [])


def viewer_votes(
    *, viewer: Any, question_id: int, answer_ids: list[int] | None = None
) -> dict[str, int]:
    """This viewer's votes in a thread, keyed "q<id>" and "a<id>", in one query (without
    a join when the thread's answers are known)."""
    if not viewer.is_authenticated:
        return {}
    on_answers = (
        Q(answer__question_id=question_id) if answer_ids is None else Q(answer_id__in=answer_ids)
    )
    votes = Vote.objects.filter(user=viewer).filter(Q(question_id=question_id) | on_answers)
    return {
        (f"q{v.question_id}" if v.question_id else f"a{v.answer_id}"): v.value
        for v in votes.only("question_id", "answer_id", "value")
    }


def thread_hidden_writers(*, question: Question) -> set[int]:
    """Who wrote the thread's hidden answers and comments (each sees their own), in one
    query."""
    answers = Answer.objects.filter(question=question, hidden=True)
    comments = Comment.objects.filter(
        Q(question=question) | Q(answer__question=question), hidden=True
    )
    writers = answers.values_list("author_id", flat=True).union(
        comments.values_list("author_id", flat=True)
    )
    return set(writers)


def post_revisions(
    *, question: Question | None = None, answer: Answer | None = None
) -> QuerySet[Revision]:
    qs = Revision.objects.select_related("author")
    return qs.filter(question=question) if question is not None else qs.filter(answer=answer)


def tag_list() -> QuerySet[Tag]:
    """Tags with the number of visible threads under each, busiest first."""
    return Tag.objects.annotate(
        question_count=Count("questions", filter=public("questions__"))
    ).order_by("-question_count", "name")


def member_questions(*, viewer: Any, member: Any) -> QuerySet[Question]:
    return (
        Question.objects.visible_to(viewer)
        .filter(author=member)
        .with_list_data()
        .order_by("-created_at", "-id")
    )


def member_answers(*, viewer: Any, member: Any) -> QuerySet[Answer]:
    return (
        Answer.objects.visible_to(viewer)
        .filter(author=member, question__in=Question.objects.visible_to(viewer))
        .select_related("question")
        .order_by("-created_at", "-id")
    )


def faq_language(language: str | None = None) -> str:
    """The FAQ language for an interface language ("zh-hans", "en-gb"): the one it is or
    is a variant of, else the site's default."""
    wanted = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    for code in FaqEntry.Language.values:
        if wanted == code or wanted.startswith(f"{code}-"):
            return code
    return FaqEntry.Language.EN


def _faq_language_rank(language: str) -> Case:
    """0 for an entry in the reader's language, 1 in the site's default, 2 otherwise."""
    return Case(
        When(language=language, then=Value(0)),
        When(language=faq_language(settings.LANGUAGE_CODE), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def faq_published(*, language: str | None = None) -> QuerySet[FaqEntry]:
    """Published FAQ entries. Without a language, every one (to open an entry by its
    address, whatever its language). For a reader of `language`: each entry once, in
    that language when it has been translated, else in the site's default language,
    else as written; the reader's language first, then by the admins' order."""
    entries = FaqEntry.objects.filter(published=True).prefetch_related("tags")
    if language is None:
        return entries
    rank = _faq_language_rank(faq_language(language))
    ranked = FaqEntry.objects.filter(published=True).annotate(
        topic=Coalesce("translation_of_id", "id"), language_rank=rank
    )
    better = ranked.filter(topic=OuterRef("topic")).filter(
        Q(language_rank__lt=OuterRef("language_rank"))
        | Q(language_rank=OuterRef("language_rank"), pk__lt=OuterRef("pk"))
    )
    return (
        entries.annotate(topic=Coalesce("translation_of_id", "id"), language_rank=rank)
        .exclude(Exists(better))
        .order_by("language_rank", "order", "title")
    )


def faq_matching(*, text: str, limit: int = 5, language: str | None = None) -> list[FaqEntry]:
    """Published FAQ entries sharing significant words with a draft, most shared first,
    as a reader of `language` (by default the active one) sees them: faq_published."""
    from qa.search import significant_words

    words = significant_words(text, 20)
    if not words:
        return []
    scored = []
    for entry in faq_published(language=faq_language(language)):
        haystack = f"{entry.title} {entry.body}".lower()
        tag_names = {t.name for t in entry.tags.all()}
        hits = sum(word in haystack for word in words) + 2 * len(tag_names & set(words))
        if hits:
            rank: int = entry.language_rank  # type: ignore[attr-defined]  # faq_published's
            scored.append((rank, -hits, entry.order, entry))
    # The reader's language first, as in the list; then the most shared words.
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:limit]]


def deflection_counts(
    *, since: dt.datetime, until: dt.datetime | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """What the ask flow deflected, for drafts started in [since, until): similar threads
    shown and opened, and drafts abandoned (discarded, or untouched for a day) after a
    solved thread was opened from them. Two queries."""
    now = now or timezone.now()
    until = until or now
    abandoned = Q(status=AskDraft.Status.DISCARDED) | Q(
        status=AskDraft.Status.OPEN, updated_at__lt=now - DRAFT_ABANDONED_AFTER
    )
    drafts = AskDraft.objects.filter(started_at__gte=since, started_at__lt=until).aggregate(
        drafts_started=Count("pk"),
        drafts_posted=Count("pk", filter=Q(status=AskDraft.Status.POSTED)),
        drafts_abandoned=Count("pk", filter=abandoned),
        drafts_abandoned_after_opening_solved=Count("pk", filter=abandoned & Q(opened_solved=True)),
    )
    shown = SimilarShown.objects.filter(
        draft__started_at__gte=since, draft__started_at__lt=until
    ).aggregate(
        similar_shown=Count("pk", filter=Q(kind=SimilarShown.Kind.SHOWN)),
        similar_opened=Count("pk", filter=Q(kind=SimilarShown.Kind.OPENED)),
        solved_opened=Count("pk", filter=Q(kind=SimilarShown.Kind.OPENED, solved=True)),
    )
    return {**drafts, **shown}


def faq_opened_for_draft(*, author: Any, draft: AskDraft) -> set[int]:
    """The FAQ entries that count as read for a draft: opened for it, or outside any
    draft, and not used by an earlier question (qa.checklist)."""
    drafts = Q(draft=None) | Q(draft=draft.pk) if draft.pk else Q(draft=None)
    return set(
        FaqEvidence.objects.filter(drafts, user=author, question=None)
        .exclude(entry=None)
        .values_list("entry_id", flat=True)
    )


def ask_draft_open(*, author: Any) -> AskDraft | None:
    """The member's draft being written, if any (one at most, by a constraint)."""
    return AskDraft.objects.filter(author=author, status=AskDraft.Status.OPEN).first()


def newcomer_ids(*, user_ids: Any, now: dt.datetime | None = None) -> set[int]:
    """Which of these members are newcomers: accounts younger than NEWCOMER_DAYS with
    fewer than NEWCOMER_SOLVED_THREADS solved threads of their own or accepted answers."""
    from django.conf import settings

    from accounts.models import User

    now = now or timezone.now()
    joined_after = now - dt.timedelta(days=settings.NEWCOMER_DAYS)
    young = set(
        User.objects.filter(pk__in=list(user_ids), date_joined__gt=joined_after).values_list(
            "pk", flat=True
        )
    )
    if not young:
        return set()
    solved: dict[int, int] = dict.fromkeys(young, 0)
    asked = (
        Question.objects.filter(author_id__in=young, status=Question.Status.SOLVED)
        .values_list("author_id")
        .annotate(n=Count("pk"))
    )
    answered = (
        Question.objects.filter(accepted_answer__author_id__in=young)
        .values_list("accepted_answer__author_id")
        .annotate(n=Count("pk"))
    )
    for pk, n in [*asked, *answered]:
        solved[pk] += n
    return {pk for pk, n in solved.items() if n < settings.NEWCOMER_SOLVED_THREADS}


def is_newcomer(user: Any, *, now: dt.datetime | None = None) -> bool:
    return bool(user.is_authenticated) and user.pk in newcomer_ids(user_ids=[user.pk], now=now)
