"""Writes for questions, answers, comments, votes, acceptance and revisions.

Every write validates first and changes nothing when it refuses. Counters move with
conditional UPDATEs, and races on one post are settled by a row lock on that post.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.models import User
from accounts.notifications import About, notify
from accounts.services import user_ensure_can_post, user_is_moderator
from qa import notification_kinds as qa_kinds
from qa import page_cache
from qa.checklist import Checklist
from qa.limits import ANSWER, QUESTION, comment_links_check, posting_limits_check
from qa.markdown import render_markdown
from qa.models import (
    BODY_MAX,
    COMMENT_MAX,
    TAG_NAME_RE,
    TAGS_MAX,
    TAGS_MIN,
    TITLE_MAX,
    Answer,
    AskDraft,
    Comment,
    FaqEntry,
    FaqEvidence,
    Question,
    Revision,
    SearchEvidence,
    SimilarShown,
    Tag,
    Vote,
    earliest_of,
    first_created,
    public,
    thread_id_of,
)
from qa.segment import chinese_tokens, normalize, search_tokens

logger = logging.getLogger(__name__)
TAG_NAME = re.compile(TAG_NAME_RE)


def clean_text(value: Any, *, field: str, max_length: int, min_length: int = 1) -> str:
    """Strip a user's text and check its length; refuse NUL characters."""
    if not isinstance(value, str):
        raise ValidationError({field: _("Give text here.")})
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character; remove it.")})
    text = value.strip()
    if len(text) < min_length:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("Keep this to %(limit)s characters (it has %(length)s).")
                % {"limit": f"{max_length:,}", "length": f"{len(text):,}"}
            }
        )
    return text


def resolve_tags(names: Sequence[Any]) -> list[Tag]:
    """The existing tags named, in the given order, with duplicates dropped."""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValidationError({"tags": _("Give the tags as a list of tag names.")})
    wanted = list(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    if not TAGS_MIN <= len(wanted) <= TAGS_MAX:
        raise ValidationError(
            {
                "tags": _("Choose between %(min)s and %(max)s tags.")
                % {"min": TAGS_MIN, "max": TAGS_MAX}
            }
        )
    malformed = [n for n in wanted if not TAG_NAME.match(n)]
    if malformed:
        raise ValidationError(
            {
                "tags": _(
                    "Not a valid tag name: %(names)s. Tags are lower case "
                    "letters, digits and . + # -, up to 35 characters."
                )
                % {"names": ", ".join(malformed)}
            }
        )
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise ValidationError(
            {"tags": _("No such tag: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    return [found[n] for n in wanted]


# One statement per batch. The english vectors (title and tags weighted A, the body B;
# the title alone) read the text normalised like the tokens, so full-width letters
# match; the 'simple' vector holds the Chinese tokens of qa.segment.search_tokens, since
# Chinese has no spaces between words and the application segments it.
def search_vectors_sql(
    *, title: str, tag_names: str, body: str, tokens: tuple[str, str], title_vector: str = ""
) -> tuple[str, str, str]:
    """The SQL of a question's search_vector, title_vector and segmented_vector, from the
    expressions given for its normalised title and body, its tag names and the Chinese
    tokens of its title and body: the one definition, for search_vectors_refresh and the
    importer's COPY. `title_vector`: an expression already holding the english vector of
    the title, computed once for the two vectors that hold it."""
    title_vector = title_vector or f"to_tsvector('english'::regconfig, {title})"
    title_tokens, body_tokens = tokens
    return (
        f"setweight({title_vector}, 'A')"
        f" || setweight(to_tsvector('simple'::regconfig, {tag_names}), 'A')"
        f" || setweight(to_tsvector('english'::regconfig, {body}), 'B')",
        title_vector,
        f"setweight(to_tsvector('simple'::regconfig, {title_tokens}), 'A')"
        f" || setweight(to_tsvector('simple'::regconfig, {body_tokens}), 'B')",
    )


_SEARCH, _TITLE, _SEGMENTED = search_vectors_sql(
    title="v.title",
    tag_names="q.tag_names",
    body="v.body",
    tokens=("v.title_tokens", "v.body_tokens"),
)
SEARCH_DATA_PG_UPDATE = f"""
UPDATE qa_question AS q
SET search_vector = {_SEARCH}, title_vector = {_TITLE}, segmented_vector = {_SEGMENTED}
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS v(id, title, body, title_tokens, body_tokens)
WHERE q.id = v.id
"""  # noqa: S608 - our own expressions, no input


def search_vectors_refresh(*, question_ids: Sequence[int]) -> None:
    """Recompute the stored search data of these questions; the one place it is written.

    PostgreSQL: the english vectors (search_vector, title_vector) and the 'simple' vector
    of the segmented Chinese tokens (segmented_vector). SQLite: all the segmented tokens
    in the FTS5 table qa_question_fts. One statement per batch, so the importer pays one
    round trip per batch, not per thread.
    """
    if not question_ids:
        return
    rows = list(Question.objects.filter(pk__in=question_ids).values_list("pk", "title", "body"))
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = [
                (pk, normalize(t), normalize(b), chinese_tokens(t), chinese_tokens(b))
                for pk, t, b in rows
            ]
            cursor.execute(SEARCH_DATA_PG_UPDATE, [list(c) for c in zip(*data, strict=True)])
        elif connection.vendor == "sqlite":
            cursor.execute(
                "DELETE FROM qa_question_fts WHERE rowid IN (SELECT value FROM json_each(%s))",
                [json.dumps([pk for pk, _title, _body in rows])],
            )
            cursor.executemany(
                "INSERT INTO qa_question_fts (rowid, title, body) VALUES (%s, %s, %s)",
                [(pk, search_tokens(title), search_tokens(body)) for pk, title, body in rows],
            )


def answer_counts_refresh(*, question_ids: Sequence[int]) -> None:
    """Set Question.answer_count of these questions from their answers, so lists and
    "unanswered" agree with the thread.

    The one definition of the count: the public answers (Answer.objects.public(); a
    deleted answer is hidden too, by a constraint). Every recount goes through here:
    moderation after it hides, deletes, restores or moves answers, and the importer for
    the threads it writes. answer_post adds the one public answer it creates.
    """
    counted = (
        Answer.objects.public()
        .filter(question=OuterRef("pk"))
        .order_by()
        .values("question")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Question.objects.filter(pk__in=question_ids).update(answer_count=Coalesce(Subquery(counted), 0))


def thread_moments_refresh(*, question_ids: Sequence[int] | None = None) -> int:
    """Set Question.first_answer_at and first_comment_at of these questions (all of them
    for None) from their posts: the earliest public answer, and the earliest public
    comment on the question or on a public answer, by someone other than the asker.

    The one definition of those moments. Posting an answer or a comment moves them
    forward in the same update as the thread's activity (answer_post, comment_post);
    every other change recomputes them here: hiding, deleting or restoring a post, a
    merge, and the importer. Returns the number of threads updated.
    """
    others = ~Q(author=OuterRef("author"))
    answers = Answer.objects.filter(public(), others, question=OuterRef("pk"))
    on_question = Comment.objects.filter(public(), others, question=OuterRef("pk"))
    on_answers = Comment.objects.filter(
        public(), public("answer__"), others, answer__question=OuterRef("pk")
    )
    first_comment = earliest_of(
        first_created(on_question, "question"), first_created(on_answers, "answer__question")
    )
    threads = Question.objects.all()
    if question_ids is not None:
        threads = threads.filter(pk__in=question_ids)
    return threads.update(
        first_answer_at=first_created(answers, "question"), first_comment_at=first_comment
    )


def first_questions_refresh(*, author_ids: Sequence[int] | None = None) -> int:
    """Set Question.first_of_author for these authors' questions (everyone's for None):
    true for each author's earliest question (hidden ones too; the lower id at the same
    moment), false for the others. question_ask sets it as it asks; this recomputes it
    for questions written around it (the importer, a batch at a time).

    Only the rows that can change are written: each author's earliest question now and
    the one marked before (an index probe each), so a batch costs the same however many
    questions its askers have. Returns the questions updated."""

    def earliest(author: Any) -> Subquery:
        first = Question.objects.filter(author=author).order_by("created_at", "pk")
        return Subquery(first.values("pk")[:1])

    questions = Question.objects.all()
    if author_ids is not None:
        firsts = User.objects.filter(pk__in=author_ids).values(first=earliest(OuterRef("pk")))
        questions = questions.filter(
            Q(author_id__in=author_ids, first_of_author=True) | Q(pk__in=firsts)
        )
    return questions.update(
        first_of_author=Case(
            When(pk=earliest(OuterRef("author")), then=Value(True)), default=Value(False)
        )
    )


def moment_advanced(field: str, moment: dt.datetime) -> Any:
    """An update value: the earlier of the column and `moment` (the moment when the
    column is empty), for a first-response column that a new post may move forward."""
    at = Value(moment, output_field=DateTimeField())
    return Coalesce(Least(F(field), at), at)


# --- A post's moderation state ----------------------------------------------------------
# The one place these columns are written. Who may, why, the audit record, notifications
# and mentors' claims are moderation's (moderation.services calls these).

Post = Question | Answer | Comment


def post_visibility_set(*, post: Post, hidden: bool, **fields: Any) -> None:
    """Show or hide a post, with deleted_at or merged_into when it is deleted, restored
    or merged (the check constraints want a deleted or merged post hidden), keeping its
    thread's public answer count true."""
    allowed = {"deleted_at"} | ({"merged_into"} if isinstance(post, Question) else set())
    if unknown := set(fields) - allowed:
        raise TypeError(f"Not a visibility field: {sorted(unknown)}")
    type(post).objects.filter(pk=post.pk).update(hidden=hidden, **fields)
    post.hidden = hidden
    for name, value in fields.items():
        setattr(post, name, value)
    page_cache.post_changed(post)
    if isinstance(post, Answer):
        answer_counts_refresh(question_ids=[post.question_id])
    if not isinstance(post, Question):  # an answer or a comment: its thread's first responses
        thread = post.question_id or post.answer.question_id  # type: ignore[union-attr]
        thread_moments_refresh(question_ids=[thread])


def question_closed_set(
    *, question: Question, closed: bool, reason: str = "", duplicate_of: Question | None = None
) -> Question:
    """Close a thread with the reason shown on it (and the thread it duplicates), or
    reopen it: solved again if it has an accepted answer, else open."""
    if closed:
        question.status = Question.Status.CLOSED
        question.closed_reason, question.duplicate_of = reason[:200], duplicate_of
    else:
        question.status = (
            Question.Status.SOLVED if question.accepted_answer_id else Question.Status.OPEN
        )
        question.closed_reason, question.duplicate_of = "", None
    question.save(update_fields=["status", "closed_reason", "duplicate_of"])
    return question


def question_locked_set(*, question: Question, locked: bool) -> Question:
    """Lock a thread (no new answers or comments) or unlock it."""
    Question.objects.filter(pk=question.pk).update(locked=locked)
    question.locked = locked
    page_cache.thread_changed(question.pk)
    return question


def question_merge_into(*, source: Question, target: Question) -> tuple[int, int]:
    """Move a thread's answers and comments (with their votes, revisions and comments)
    to another; whatever pointed at the source points at the target. The source is
    closed and hidden, merged into the target; the target keeps its accepted answer or
    takes the source's. Both are locked by the caller. Returns (answers, comments)."""
    answers = Answer.objects.filter(question=source).update(question=target)
    comments = Comment.objects.filter(question=source).update(question=target)
    page_cache.thread_changed(source.pk, target.pk)
    # Threads merged into or closed as duplicates of this one now point at the target.
    Question.objects.filter(merged_into=source).update(merged_into=target)
    Question.objects.filter(duplicate_of=source).update(duplicate_of=target)
    accepted, accepted_at = source.accepted_answer_id, source.accepted_at
    source.accepted_answer = None
    source.accepted_at = None
    if source.status != Question.Status.CLOSED:
        source.status = Question.Status.CLOSED
        source.closed_reason = f"Merged into thread {target.pk}"
    source.save(update_fields=["accepted_answer", "accepted_at", "status", "closed_reason"])
    post_visibility_set(post=source, hidden=True, merged_into=target)
    if accepted and target.accepted_answer_id is None:
        target.accepted_answer_id = accepted
        target.accepted_at = accepted_at
        if target.status == Question.Status.OPEN:
            target.status = Question.Status.SOLVED
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    target.save(update_fields=["accepted_answer", "accepted_at", "status", "last_activity_at"])
    answer_counts_refresh(question_ids=[source.pk, target.pk])
    thread_moments_refresh(question_ids=[source.pk, target.pk])
    return answers, comments


def _ensure_can_edit(*, editor: User, author_id: int) -> None:
    user_ensure_can_post(user=editor)
    if editor.pk != author_id and not user_is_moderator(user=editor):
        raise PermissionDenied(_("Only the author or a moderator can edit this post."))


@transaction.atomic
def question_ask(
    *,
    author: User,
    title: str,
    body: str,
    tags: Sequence[str],
    checklist: Checklist | None = None,
    limits: bool = True,
) -> Question:
    """Post a new question; the author must be allowed to post, within the posting
    limits (qa/limits.py).

    Members asking through the pages or the API pass a checklist already cleaned by
    qa.checklist.checklist_clean; demo data has none, and is not limited.
    """
    user_ensure_can_post(user=author)
    title = clean_text(title, field="title", max_length=TITLE_MAX)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    tag_objects = resolve_tags(tags)
    body_html = render_markdown(body)
    if limits:
        posting_limits_check(author=author, kind=QUESTION, body=body)
    now = timezone.now()
    # The author's first question? Asked under the author's row lock when limited (the
    # posting limits take it), so two first questions at once cannot both be first.
    first_of_author = not Question.objects.filter(author=author).exists()
    question = Question.objects.create(
        author=author,
        first_of_author=first_of_author,
        title=title,
        body=body,
        body_html=body_html,
        tag_names=" ".join(t.name for t in tag_objects),
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        **(
            {
                "what_i_tried": checklist.what_i_tried,
                "expected": checklist.expected,
                "actual": checklist.actual,
                "error_output": checklist.error_output,
                "environment": checklist.environment,
                "checklist_evidence": checklist.evidence(),
            }
            if checklist
            else {}
        ),
    )
    question.tags.set(tag_objects)
    search_vectors_refresh(question_ids=[question.pk])
    if checklist:
        # The evidence is this question's now: it counts for no later question.
        SearchEvidence.objects.filter(pk__in=checklist.search_evidence_ids).update(
            question=question
        )
        FaqEvidence.objects.filter(pk__in=checklist.faq_evidence_ids).update(question=question)
    return question


@transaction.atomic
def question_edit(
    *,
    editor: User,
    question: Question,
    title: str | None = None,
    body: str | None = None,
    tags: Sequence[str] | None = None,
) -> Question:
    """Edit a question (its author or a moderator); the previous text is kept as a revision."""
    _ensure_can_edit(editor=editor, author_id=question.author_id)
    question = Question.objects.select_for_update().get(pk=question.pk)
    new_title = (
        question.title if title is None else clean_text(title, field="title", max_length=TITLE_MAX)
    )
    new_body = (
        question.body if body is None else clean_text(body, field="body", max_length=BODY_MAX)
    )
    tag_objects = None if tags is None else resolve_tags(tags)
    new_tag_names = (
        question.tag_names if tag_objects is None else " ".join(t.name for t in tag_objects)
    )
    if (new_title, new_body, new_tag_names) == (question.title, question.body, question.tag_names):
        return question
    now = timezone.now()
    Revision.objects.create(
        question=question,
        author=editor,
        created_at=now,
        previous_title=question.title,
        previous_body=question.body,
        previous_tags=question.tag_names,
    )
    question.title, question.body, question.tag_names = new_title, new_body, new_tag_names
    question.body_html = render_markdown(new_body)
    question.updated_at = question.last_activity_at = now
    question.save(
        update_fields=["title", "body", "body_html", "tag_names", "updated_at", "last_activity_at"]
    )
    if tag_objects is not None:
        question.tags.set(tag_objects)
    search_vectors_refresh(question_ids=[question.pk])
    return question


@transaction.atomic
def question_set_solution_note(*, user: User, question: Question, note: str) -> Question:
    """The asker writes what fixed it; shown on the thread."""
    user_ensure_can_post(user=user)
    if user.pk != question.author_id:
        raise PermissionDenied(_("Only the asker can write what fixed it."))
    note = clean_text(note, field="note", max_length=BODY_MAX)
    Question.objects.filter(pk=question.pk).update(
        solution_note=note,
        solution_note_html=render_markdown(note),
        last_activity_at=timezone.now(),
    )
    page_cache.thread_changed(question.pk)
    question.refresh_from_db()
    return question


# Views wait in a Redis hash (question id -> views) until view_counts_flush adds them to
# the table: a thread view writes no row. Under the cache's key prefix.
VIEWS_PENDING = "qa:views"
VIEWS_FLUSHING = "qa:views:flushing"
VIEWS_LOCK = "qa:views:lock"
VIEWS_BATCH = 500


def _views_store() -> Any:
    """The Redis client behind the cache, or None when the cache is not Redis (the
    embedded platform's file cache: there each view is an UPDATE, as traffic is small)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(write=True)
    return None


def question_register_view(*, question_id: int) -> None:
    """Count a view of the thread: one HINCRBY in Redis, added to Question.view_count by
    view_counts_flush (every 30 seconds); an UPDATE without Redis, or when it fails."""
    store = _views_store()
    if store is not None:
        try:
            store.hincrby(cache.make_key(VIEWS_PENDING), str(question_id), 1)
            return
        except RedisError:
            # Redis unreachable: the page is still served, the view counted in the table.
            logger.warning("Thread view counted in the database: Redis is unreachable.")
    Question.objects.filter(pk=question_id).update(view_count=F("view_count") + 1)


def view_counts_flush() -> int:
    """Add the views waiting in Redis to Question.view_count; returns how many.

    The waiting hash is renamed first, so views that arrive meanwhile wait for the next
    flush; the renamed hash is deleted only after the database has committed, so a
    flush that fails leaves it for the next one, which adds it before taking new views.
    One flush at a time (a lock in Redis)."""
    store = _views_store()
    if store is None:
        return 0
    pending, flushing = cache.make_key(VIEWS_PENDING), cache.make_key(VIEWS_FLUSHING)
    lock = cache.make_key(VIEWS_LOCK)
    if not store.set(lock, "1", nx=True, ex=300):
        return 0
    try:
        if not store.exists(flushing):
            if not store.exists(pending):
                return 0
            store.rename(pending, flushing)
        counts = {int(pk): int(n) for pk, n in store.hgetall(flushing).items()}
        ids = sorted(counts)
        with transaction.atomic():
            for start in range(0, len(ids), VIEWS_BATCH):
                batch = ids[start : start + VIEWS_BATCH]
                added = Case(*(When(pk=pk, then=Value(counts[pk])) for pk in batch))
                Question.objects.filter(pk__in=batch).update(view_count=F("view_count") + added)
        store.delete(flushing)
        return sum(counts.values())
    finally:
        store.delete(lock)


@transaction.atomic
def answer_post(*, author: User, question: Question, body: str, limits: bool = True) -> Answer:
    """Answer a question that is open to answers, within the posting limits
    (qa/limits.py; only demo data turns them off); bumps the thread's counters."""
    user_ensure_can_post(user=author)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    body_html = render_markdown(body)
    if limits:
        posting_limits_check(author=author, kind=ANSWER, body=body)
    # Locked so that an answer cannot slip in while the thread is being closed or locked.
    question = Question.objects.select_for_update().get(pk=question.pk)
    if not question.takes_answers:
        raise ValidationError(_("This thread is closed or locked and takes no new answers."))
    now = timezone.now()
    answer = Answer.objects.create(
        question=question,
        author=author,
        body=body,
        body_html=body_html,
        created_at=now,
        updated_at=now,
    )
    by_other = author.pk != question.author_id
    first = {"first_answer_at": moment_advanced("first_answer_at", now)} if by_other else {}
    Question.objects.filter(pk=question.pk).update(
        answer_count=F("answer_count") + 1, last_activity_at=now, **first
    )
    notify(
        kind=qa_kinds.NEW_ANSWER,
        recipients=[question.author_id],
        exclude=[author.pk],
        dedupe_key=f"answer:{answer.pk}",
        about=About(question=question.pk, answer=answer.pk),
        thread_key=f"question:{question.pk}",
        payload=_event_payload(question, author, body, f"#answer-{answer.pk}"),
    )
    return answer


EXCERPT_CHARS = 500


def _event_payload(question: Question, actor: User, body: str, anchor: str = "") -> dict:
    """What a notification about a post says: the thread, who wrote, and an excerpt
    rendered by the same safe Markdown renderer as the site."""
    excerpt = body if len(body) <= EXCERPT_CHARS else body[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return {
        "question_id": question.pk,
        "title": question.title,
        "url": question.get_absolute_url() + anchor,
        "actor": actor.public_name,
        "excerpt_text": excerpt,
        "excerpt_html": render_markdown(excerpt),
    }


@transaction.atomic
def answer_edit(*, editor: User, answer: Answer, body: str) -> Answer:
    """Edit an answer (its author or a moderator); the previous text is kept as a revision."""
    _ensure_can_edit(editor=editor, author_id=answer.author_id)
    body = clean_text(body, field="body", max_length=BODY_MAX)
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if body == answer.body:
        return answer
    now = timezone.now()
    Revision.objects.create(answer=answer, author=editor, created_at=now, previous_body=answer.body)
    answer.body, answer.body_html, answer.updated_at = body, render_markdown(body), now
    answer.save(update_fields=["body", "body_html", "updated_at"])
    Question.objects.filter(pk=answer.question_id).update(last_activity_at=now)
    return answer


@transaction.atomic
def comment_edit(*, editor: User, comment: Comment, body: str) -> Comment:
    """Edit a comment (its author or a moderator); the text is rendered again by the safe
    renderer. Comments keep no revisions: Revision holds questions and answers."""
    _ensure_can_edit(editor=editor, author_id=comment.author_id)
    body = clean_text(body, field="body", max_length=COMMENT_MAX)
    locked = Comment.objects.select_for_update(of=("self",)).select_related("answer")
    comment = locked.get(pk=comment.pk)
    if body == comment.body:
        return comment
    comment.body, comment.body_html = body, render_markdown(body)
    comment.save(update_fields=["body", "body_html"])
    Question.objects.filter(pk=thread_id_of(comment)).update(last_activity_at=timezone.now())
    return comment


@transaction.atomic
def comment_post(
    *, author: User, body: str, question: Question | None = None, answer: Answer | None = None
) -> Comment:
    """Comment on a question or an answer of a thread that is not locked."""
    user_ensure_can_post(user=author)
    body = clean_text(body, field="body", max_length=COMMENT_MAX)
    if (question is None) == (answer is None):
        raise ValidationError(_("Comment on exactly one question or answer."))
    comment_links_check(author=author, body=body)
    thread_id = question.pk if question is not None else answer.question_id  # type: ignore[union-attr]
    thread = Question.objects.select_for_update().get(pk=thread_id)
    if thread.locked:
        raise ValidationError(_("This thread is locked and takes no new comments."))
    now = timezone.now()
    comment = Comment.objects.create(
        question=question,
        answer=answer,
        author=author,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    # A first response unless by the asker, or on an answer the public does not see (as
    # the database has it: the caller's copy of the answer may be older).
    first: dict[str, Any] = {}
    if author.pk != thread.author_id:
        advanced = moment_advanced("first_comment_at", now)
        if answer is not None:
            seen = Exists(Answer.objects.filter(public(), pk=answer.pk))
            advanced = Case(When(seen, then=advanced), default=F("first_comment_at"))
        first["first_comment_at"] = advanced
    Question.objects.filter(pk=thread_id).update(last_activity_at=now, **first)
    payload = _event_payload(thread, author, body, f"#comment-{comment.pk}")
    thread_key = f"question:{thread.pk}"
    about = About(question=thread.pk, answer=answer.pk if answer else None, comment=comment.pk)
    told = [author.pk]
    if answer is not None:
        notify(
            kind=qa_kinds.ANSWER_COMMENT,
            recipients=[answer.author_id],
            exclude=told,
            dedupe_key=f"comment:{comment.pk}",
            about=about,
            thread_key=thread_key,
            payload=payload,
        )
        told.append(answer.author_id)  # an asker who wrote that answer hears of it once
    notify(
        kind=qa_kinds.NEW_COMMENT,
        recipients=[thread.author_id],
        exclude=told,
        dedupe_key=f"comment:{comment.pk}",
        about=about,
        thread_key=thread_key,
        payload=payload,
    )
    return comment


@transaction.atomic
def vote_cast(
    *, user: User, value: Any, question: Question | None = None, answer: Answer | None = None
) -> int:
    """Vote +1 or -1 on someone else's post, or 0 to withdraw; returns the new score.

    The post's row is locked, so concurrent votes on it are applied one after another
    and the score always equals the sum of the votes.
    """
    user_ensure_can_post(user=user)
    if isinstance(value, bool) or value not in (1, -1, 0):
        raise ValidationError({"value": _("A vote is 1 (up), -1 (down) or 0 (withdraw).")})
    if (question is None) == (answer is None):
        raise ValidationError(_("Vote on exactly one question or answer."))
    model: type[Question] | type[Answer] = Question if question is not None else Answer
    target_pk = (question or answer).pk  # type: ignore[union-attr]
    post = model.objects.select_for_update().only("pk", "author_id", "score").get(pk=target_pk)
    if post.author_id == user.pk:
        raise PermissionDenied(_("You cannot vote on your own post."))
    target = {"question": post} if model is Question else {"answer": post}
    existing = Vote.objects.filter(user=user, **target).first()
    old = existing.value if existing else 0
    if value == old:
        return post.score
    if value == 0 and existing:
        existing.delete()
    elif existing:
        existing.value = value
        existing.save(update_fields=["value", "created_at"])
    else:
        Vote.objects.create(user=user, value=value, **target)
    model.objects.filter(pk=post.pk).update(score=F("score") + (value - old))
    thread = question.pk if question is not None else answer.question_id  # type: ignore[union-attr]
    page_cache.thread_changed(thread)
    return post.score + (value - old)


@transaction.atomic
def answer_accept(*, user: User, answer: Answer, now: dt.datetime | None = None) -> Question:
    """The asker (or a moderator) accepts one answer, marking the thread solved.

    Accepting another answer replaces the first; the thread's row lock makes two
    accepts at once end with exactly one accepted answer.
    """
    user_ensure_can_post(user=user)
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    if user.pk != question.author_id and not user_is_moderator(user=user):
        raise PermissionDenied(_("Only the asker or a moderator can accept an answer."))
    if answer.hidden:
        raise ValidationError(_("A hidden answer cannot be accepted."))
    now = now or timezone.now()
    question.accepted_answer = answer
    question.accepted_at = now
    if question.status == Question.Status.OPEN:
        question.status = Question.Status.SOLVED
    question.last_activity_at = now
    question.save(update_fields=["accepted_answer", "accepted_at", "status", "last_activity_at"])
    notify(
        kind=qa_kinds.ANSWER_ACCEPTED,
        recipients=[answer.author_id],
        exclude=[user.pk],
        dedupe_key=f"accepted:{answer.pk}",
        about=About(question=question.pk, answer=answer.pk),
        thread_key=f"question:{question.pk}",
        payload=_event_payload(question, user, answer.body, f"#answer-{answer.pk}"),
    )
    return question


EVIDENCE_DAYS = 30


def evidence_record_search(
    *, user: Any, query: str, source: str, draft: AskDraft | None = None
) -> None:
    """Record, for a signed-in member, a search or similar-threads query they ran, for
    the ask-flow draft it was run for (if any)."""
    query = " ".join(query.replace("\x00", "").split())[:300]
    if user.is_authenticated and query:
        SearchEvidence.objects.create(
            user=user, query=query, source=source, draft=_own_draft(user, draft)
        )


def evidence_record_faq_view(*, user: Any, entry: FaqEntry, draft: AskDraft | None = None) -> None:
    """Record that a signed-in member opened an FAQ entry (for their draft, if any)."""
    if user.is_authenticated:
        FaqEvidence.objects.create(user=user, entry=entry, draft=_own_draft(user, draft))


def evidence_record_faq_no_match(*, user: Any, query: str, draft: AskDraft | None = None) -> None:
    """Record that no FAQ entry matched a member's draft (which satisfies that step)."""
    query = " ".join(query.replace("\x00", "").split())[:300]
    if user.is_authenticated and query:
        FaqEvidence.objects.create(user=user, no_match_query=query, draft=_own_draft(user, draft))


def _own_draft(user: Any, draft: AskDraft | None) -> AskDraft | None:
    """Evidence is only ever filed under the member's own open draft."""
    if draft is None or not draft.pk or draft.author_id != user.pk:
        return None
    return draft


def evidence_purge(*, now: dt.datetime | None = None) -> int:
    """Delete checklist evidence and ask drafts older than EVIDENCE_DAYS; returns how many
    rows went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=EVIDENCE_DAYS)
    searches, _kinds = SearchEvidence.objects.filter(created_at__lt=cutoff).delete()
    views, _kinds = FaqEvidence.objects.filter(created_at__lt=cutoff).delete()
    # Drafts (with what they were shown) go too, once nobody touched them for as long.
    drafts, _kinds = AskDraft.objects.filter(updated_at__lt=cutoff).delete()
    return searches + views + drafts


def followup_reminders_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Remind each asker once whose open thread has had an answer from someone else for
    QA_FOLLOWUP_REMINDER_AFTER without any accepted. Returns how many were reminded.

    Each thread is claimed with a conditional UPDATE, so two runs at once remind once.
    """
    now = now or timezone.now()
    cutoff = now - settings.QA_FOLLOWUP_REMINDER_AFTER
    answered = Answer.objects.filter(
        public(), question=OuterRef("pk"), created_at__lte=cutoff
    ).exclude(author=OuterRef("author"))
    due = list(
        Question.objects.filter(
            public(),
            status=Question.Status.OPEN,
            accepted_answer__isnull=True,
            followup_reminded_at__isnull=True,
            answer_count__gt=0,
        )
        .filter(Exists(answered))
        .values_list("pk", flat=True)[:limit]
    )
    reminded = 0
    for pk in due:
        with transaction.atomic():
            claimed = Question.objects.filter(pk=pk, followup_reminded_at__isnull=True).update(
                followup_reminded_at=now
            )
            if not claimed:
                continue
            question = Question.objects.only("pk", "title", "author_id").get(pk=pk)
            notify(
                kind=qa_kinds.FOLLOWUP_REMINDER,
                recipients=[question.author_id],
                dedupe_key=f"followup:{question.pk}",
                about=About(question=question.pk),
                thread_key=f"question:{question.pk}",
                payload={
                    "question_id": question.pk,
                    "title": question.title,
                    "url": question.get_absolute_url(),
                },
            )
            reminded += 1
    return reminded


# --- The ask flow's drafts and what they were shown ------------------------------------

ASK_FIELDS = {
    "title": TITLE_MAX * 2, "body": BODY_MAX, "tags": 200, "what_i_tried": BODY_MAX,
    "expected": BODY_MAX, "actual": BODY_MAX, "error_output": BODY_MAX, "environment": 500,
}  # fmt: skip
ASK_STEPS = 4


def ask_draft_get(*, author: User) -> AskDraft:
    """The member's open draft, created on first use (one per member, by a constraint)."""
    draft = AskDraft.objects.filter(author=author, status=AskDraft.Status.OPEN).first()
    if draft is None:
        try:
            with transaction.atomic():
                return AskDraft.objects.create(author=author)
        except IntegrityError:  # another request of the same member created it first
            draft = AskDraft.objects.get(author=author, status=AskDraft.Status.OPEN)
    draft.author = author  # the member it was looked up by, not loaded again
    return draft


def ask_draft_save(
    *, draft: AskDraft, data: Any, reached: int = 1, shown_for: str | None = None
) -> AskDraft:
    """Keep the typed fields found in `data` (others stay as they were), cut to their
    limits with NUL characters removed, and note the furthest step reached and the title
    whose similar threads were last shown."""
    typed = {
        key: str(data.get(key, ""))[: limit + 1].replace("\x00", "")
        for key, limit in ASK_FIELDS.items()
        if key in data
    }
    if shown_for is not None:
        typed["shown_for"] = shown_for[:300]
    draft.data = {**draft.data, **typed}
    draft.reached = min(max(draft.reached, reached), ASK_STEPS)
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "reached", "updated_at"])
    return draft


def ask_draft_discard(*, draft: AskDraft) -> None:
    AskDraft.objects.filter(pk=draft.pk, status=AskDraft.Status.OPEN).update(
        status=AskDraft.Status.DISCARDED, data={}, updated_at=timezone.now()
    )


def ask_draft_record_shown(*, draft: AskDraft, questions: Sequence[Question]) -> None:
    """Similar threads shown while asking; each counts once per draft."""
    SimilarShown.objects.bulk_create(
        [
            SimilarShown(
                draft=draft,
                question=q,
                kind=SimilarShown.Kind.SHOWN,
                solved=q.accepted_answer_id is not None,
            )
            for q in questions
        ],
        ignore_conflicts=True,
    )


def ask_draft_record_opened(*, draft: AskDraft, question: Question) -> None:
    """A similar thread opened while asking; opening a solved one marks the draft."""
    solved = question.accepted_answer_id is not None
    SimilarShown.objects.bulk_create(
        [
            SimilarShown(
                draft=draft, question=question, kind=SimilarShown.Kind.OPENED, solved=solved
            )
        ],
        ignore_conflicts=True,
    )
    if solved and not draft.opened_solved:
        AskDraft.objects.filter(pk=draft.pk).update(opened_solved=True)
        draft.opened_solved = True


@transaction.atomic
def question_ask_from_draft(*, draft: AskDraft, checklist: Checklist, **fields: Any) -> Question:
    """Post the question of an ask-flow draft and mark the draft posted."""
    question = question_ask(author=draft.author, checklist=checklist, **fields)
    AskDraft.objects.filter(pk=draft.pk).update(
        status=AskDraft.Status.POSTED, question=question, updated_at=timezone.now()
    )
    return question
