"""Reads for moderation: the flag queue, grouped per post."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from moderation.models import Flag, ModerationAction
from qa.models import POST_MODELS, post_kind, thread_of

QUEUE_POSTS = 50


@dataclass
class QueueItem:
    kind: str  # question, answer or comment
    post: Any
    thread: Any
    flags: list[Flag] = field(default_factory=list)
    author_history: dict[str, Any] = field(default_factory=dict)


def flaggers_accuracy(*, user_ids: Any) -> dict[int, dict[str, int]]:
    """How each member's resolved flags turned out: acted on (helpful) or dismissed."""
    return {
        row.pop("pk"): row
        for row in User.objects.filter(pk__in=list(user_ids))
        .annotate(
            helpful=Count("flags", filter=Q(flags__status=Flag.Status.HELPFUL)),
            dismissed=Count("flags", filter=Q(flags__status=Flag.Status.DISMISSED)),
        )
        .values("pk", "helpful", "dismissed")
    }


def flag_queue(*, limit: int = QUEUE_POSTS) -> list[QueueItem]:
    """Posts with open flags, the most flagged first, then the oldest flag; each with its
    flags, the flaggers' accuracy and the author's history, in a fixed number of queries."""
    open_flags = list(
        Flag.objects.filter(status=Flag.Status.OPEN)
        .select_related(
            "flagger",
            "duplicate_of",
            "question__author",
            "answer__author",
            "answer__question",
            "comment__author",
            "comment__question",
            "comment__answer__question",
        )
        .order_by("created_at", "pk")
    )
    items: dict[tuple[str, int], QueueItem] = {}
    for flag in open_flags:
        post = flag.post
        key = (post_kind(post), post.pk)
        if key not in items:
            items[key] = QueueItem(kind=key[0], post=post, thread=thread_of(post))
        items[key].flags.append(flag)
    queue = sorted(items.values(), key=lambda i: (-len(i.flags), i.flags[0].created_at))[:limit]
    accuracy = flaggers_accuracy(user_ids={f.flagger_id for item in queue for f in item.flags})
    author_ids = {item.post.author_id for item in queue}
    history = {
        row["pk"]: row
        for row in User.objects.filter(pk__in=author_ids)
        .annotate(
            question_count=Count("questions", distinct=True),
            answer_count=Count("answers", distinct=True),
            hidden_questions=Count("questions", filter=Q(questions__hidden=True), distinct=True),
            hidden_answers=Count("answers", filter=Q(answers__hidden=True), distinct=True),
        )
        .values(
            "pk",
            "date_joined",
            "suspended_until",
            "question_count",
            "answer_count",
            "hidden_questions",
            "hidden_answers",
        )
    }
    actions = dict(
        ModerationAction.objects.filter(member_id__in=author_ids)
        .values_list("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    for item in queue:
        for flag in item.flags:
            row = accuracy.get(flag.flagger_id, {})
            flag.flagger_helpful = row.get("helpful", 0)  # type: ignore[attr-defined]
            flag.flagger_dismissed = row.get("dismissed", 0)  # type: ignore[attr-defined]
        item.author_history = {
            **history.get(item.post.author_id, {}),
            "moderation_actions": actions.get(item.post.author_id, 0),
        }
    return queue


# A post with its author and its thread.
POST_WITH_THREAD = {
    "question": ["author"],
    "answer": ["author", "question"],
    "comment": ["author", "question", "answer__question"],
}


def posts_with_thread(*, kind: str) -> QuerySet[Any]:
    """Posts of a kind ("question", "answer" or "comment") with their author and their
    thread: what an action from the flag queue reads (who to suspend, which thread to
    close)."""
    return POST_MODELS[kind].objects.select_related(*POST_WITH_THREAD[kind])


def open_flag_count() -> int:
    return Flag.objects.filter(status=Flag.Status.OPEN).count()
