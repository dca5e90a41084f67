"""Import a community from JSON Lines (the format of shared/bench/make_dataset.py).

One JSON object a line; users come before the posts that name them:

    {"type": "user", "id": "u7", "username": "user007", "email": "...",
     "display_name": "...", "date_joined": "2022-12-01T00:00:00Z"}
    {"type": "question", "id": "q12", "author": "u7", "title": "...", "body": "...",
     "tags": ["django"], "created_at": "...", "views": 17,
     "answers": [{"id": "a12.0", "author": "u3", "body": "...", "created_at": "...",
                  "accepted": false, "comments": [], "votes": {"up": [], "down": []}}],
     "comments": [{"id": "c1", "author": "u2", "body": "...", "created_at": "..."}],
     "votes": {"up": ["u1"], "down": []}}

- Streamed: the file is read line by line as bytes and each line decoded on its own, so
  memory holds a few batches (BATCH_SIZE questions with their answers, comments and
  votes: the one being read, the one being rendered, the one being written) plus the
  map of user ids.
- Reading and parsing run in a thread beside the writing, which mostly waits for the
  database; the Markdown of a large batch is rendered into HTML by worker processes
  while the batch before it is written.
- Each batch is written in one transaction. On PostgreSQL, a batch none of whose
  questions, answers and comments is in the database yet (a first import) is written
  with COPY, each row once and in its final form (qa.import_copy); any other batch by
  bulk upserts keyed on the external ids (usernames for members), the recounts of
  qa.services and the search vectors of its questions refreshed in one UPDATE.
- A large first load on PostgreSQL (no question in the database yet, not atomic) is
  written without the search indexes, which are built once at its end, also when it
  stops early; an import killed before then leaves them for the next one to build, and
  search reads every thread until it does.
- A second run of the same file updates the rows instead of duplicating them. The
  imported threads' tags, votes, accepted answers and scores then follow the file (votes
  cast here on those threads are replaced); hidden posts stay hidden, closed threads
  stay closed, and answers posted here stay. The answer count is then the thread's public
  answers, as moderation counts them (qa.services.answer_counts_refresh): answers posted
  here count, answers hidden or deleted here do not.
- Titles over 150 characters are cut at a word; tag names are brought into our alphabet
  (lower case letters, digits and . + # -) and the first five kept; a member's vote on
  their own post is dropped.
- Members are matched on their username. Imported members get an unusable password and
  an unverified address: they sign in after a password reset. A member who already has
  a password here keeps their address and name whatever the file says.
- A bad line (not UTF-8, not JSON, wrong types, missing fields, unknown author, a body
  over 30,000 characters...) is reported with its number. With on_error="skip" it is
  left out and the import goes on; with on_error="stop" the import stops there, and the
  batch it belonged to is not written (earlier batches stay, unless the whole import
  runs in one transaction with atomic=True).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import queue
import re
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, DateTimeField, Value, When
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from accounts.models import User
from qa import import_copy, page_cache
from qa.import_copy import Vector
from qa.markdown import render_markdown
from qa.models import (
    BODY_MAX,
    COMMENT_MAX,
    TAG_NAME_RE,
    TAGS_MAX,
    TITLE_MAX,
    Answer,
    Comment,
    Question,
    Tag,
    Vote,
)
from qa.services import (
    answer_counts_refresh,
    first_questions_refresh,
    search_vectors_refresh,
    thread_moments_refresh,
)

BATCH_SIZE = 500
# An input of this many bytes (or a pipe) starts WORKERS processes, which render the
# Markdown of each batch with this many posts (question, answers and comments); the data
# set's batches have 2,000 posts in 1.7 MB.
POOL_MIN_BYTES = 2_000_000
POOL_MIN_POSTS = 1000
RENDER_CHUNK = 250
# Forked workers, on Linux only (where forking is safe before threads start).
WORKERS = min(2, os.cpu_count() or 1) if sys.platform == "linux" else 1
# PostgreSQL: a batch new to the database is written with COPY (qa.import_copy).
COPY_NEW_BATCHES = True
# PostgreSQL: an input of this many bytes (or a pipe) into a database with no question
# yet is loaded without the search indexes, built at the end (qa.import_copy).
FIRST_LOAD_MIN_BYTES = 20_000_000
# Batches prepared ahead of the one being written: the workers render while the database
# writes, and have what they need before the writing waits for it.
LOOKAHEAD = 2
USER_BATCH_SIZE = 2000
# A longer line is refused without being read into memory.
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_VIEWS = 2**31 - 1
TAG_CLEAN = re.compile(r"[^a-z0-9.+#-]+")
TAG_NAME = re.compile(TAG_NAME_RE)
CLOSED = Question.Status.CLOSED


class BadLine(ValueError):
    """A line of the import file that cannot be imported; the message says why."""


class ImportStopped(Exception):
    """A bad line with on_error="stop"; the message names the line."""


@dataclass
class Stats:
    users: int = 0
    questions: int = 0
    answers: int = 0
    comments: int = 0
    votes: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"Imported {self.users:,} users, {self.questions:,} questions, "
            f"{self.answers:,} answers, {self.comments:,} comments and {self.votes:,} votes "
            f"in {self.seconds:.1f} s; {len(self.skipped):,} bad lines skipped."
        )


@dataclass
class ParsedComment:
    external_id: str
    author_id: int
    body: str
    created_at: dt.datetime
    body_html: str = ""


@dataclass
class ParsedAnswer:
    external_id: str
    author_id: int
    body: str
    created_at: dt.datetime
    accepted: bool
    comments: list[ParsedComment]
    votes: dict[int, int]
    body_html: str = ""


@dataclass
class ParsedQuestion:
    line: int
    external_id: str
    author_id: int
    title: str
    body: str
    tags: list[str]
    created_at: dt.datetime
    views: int
    answers: list[ParsedAnswer]
    comments: list[ParsedComment]
    votes: dict[int, int]
    body_html: str = ""

    def post_ids(self) -> set[str]:
        """The external ids of its answers and comments, prefixed by kind."""
        ids = {f"a:{a.external_id}" for a in self.answers}
        ids.update(f"c:{c.external_id}" for c in self.comments)
        ids.update(f"c:{c.external_id}" for a in self.answers for c in a.comments)
        return ids

    def posts(self) -> list[ParsedQuestion | ParsedAnswer | ParsedComment]:
        """The question, its answers and all comments: everything with a body."""
        posts: list[ParsedQuestion | ParsedAnswer | ParsedComment] = [self, *self.answers]
        posts += self.comments
        posts += [c for a in self.answers for c in a.comments]
        return posts

    def last_activity(self) -> dt.datetime:
        times = [self.created_at, *(a.created_at for a in self.answers)]
        times += [c.created_at for c in self.comments]
        times += [c.created_at for a in self.answers for c in a.comments]
        return max(times)


# --- Reading one record ----------------------------------------------------------------


def _text(record: dict[str, Any], key: str, *, max_length: int, required: bool = True) -> str:
    value = record.get(key, None if required else "")
    if value is None and not required:
        value = ""
    if not isinstance(value, str):
        raise BadLine(f"{key!r} must be a string" if key in record else f"{key!r} is missing")
    if "\x00" in value:
        raise BadLine(f"{key!r} contains a NUL character")
    value = value.strip()
    if required and not value:
        raise BadLine(f"{key!r} is empty")
    if len(value) > max_length:
        raise BadLine(f"{key!r} is longer than {max_length:,} characters ({len(value):,})")
    return value


def _id(record: dict[str, Any], key: str = "id") -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise BadLine(f"{key!r} must be a non-empty string of at most 64 characters")
    return value


def _time(record: dict[str, Any], key: str) -> dt.datetime:
    value = record.get(key)
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadLine(f"{key!r} must be an ISO 8601 date and time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _objects(record: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadLine(f"{key!r} must be a list of objects")
    return value


def _title(record: dict[str, Any]) -> str:
    title = " ".join(_text(record, "title", max_length=10_000).split())
    if len(title) > TITLE_MAX:
        cut = title[: TITLE_MAX - 1]
        title = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    return title


def tag_name(raw: str) -> str:
    """A tag name from another forum in our alphabet: "C++ / STL" becomes "c++-stl"."""
    name = TAG_CLEAN.sub("-", raw.strip().lower())
    name = re.sub(r"-{2,}", "-", name).lstrip(".+#-")[:35].rstrip("-.")
    if not TAG_NAME.match(name):
        raise BadLine(f"tag {raw!r} has no usable characters")
    return name


def tag_slug(name: str, taken: Callable[[str], bool]) -> str:
    """A slug for a new tag, c++ → c-plus-plus, with a number added if it is taken."""
    base = slugify(name.replace("+", "-plus").replace("#", "-sharp")).strip("-")[:36] or "tag"
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


class Importer:
    def __init__(
        self,
        *,
        on_error: str = "skip",
        atomic: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if on_error not in ("skip", "stop"):
            raise ValueError("on_error is skip or stop")
        self.on_error = on_error
        self.atomic = atomic
        self.progress = progress or (lambda message: None)
        self.stats = Stats()
        self.users: dict[str, int] = {}
        self.tags: dict[str, int] = {}
        # PostgreSQL with COPY: the search vectors' connection, and whether the last batch
        # was new to the database.
        self._vectors: import_copy.SearchVectors | None = None
        self._copied = True

    # -- reading ------------------------------------------------------------------

    def _records(self, stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
        """(line number, object) for each line that holds a JSON object, (line number,
        why not) for each other line that is not blank."""
        number = 0
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = stream.readline(1 << 20)
                yield number, BadLine(f"longer than {MAX_LINE_BYTES:,} bytes")
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as error:
                reason = f"not valid UTF-8 ({error.reason} at byte {error.start})"
                yield number, BadLine(reason)
                continue
            except json.JSONDecodeError as error:
                yield number, BadLine(f"not valid JSON ({error.msg}, column {error.colno})")
                continue
            if not isinstance(record, dict):
                yield number, BadLine("a line must hold a JSON object")
                continue
            yield number, record

    def _bad(self, number: int, reason: str) -> None:
        self.stats.skipped.append((number, reason))
        self.progress(f"line {number}: {reason}")
        if self.on_error == "stop":
            raise ImportStopped(f"line {number}: {reason}")

    def _author(self, record: dict[str, Any], key: str = "author") -> int:
        external = _id(record, key)
        if external not in self.users:
            raise BadLine(f"unknown {key} {external!r} (users come before their posts)")
        return self.users[external]

    def _votes(self, record: dict[str, Any], author_id: int) -> dict[int, int]:
        """Voter id → +1 or -1; a vote on one's own post is dropped."""
        votes = record.get("votes")
        if votes is None:
            return {}
        if not isinstance(votes, dict):
            raise BadLine("'votes' must be an object with 'up' and 'down' lists")
        result: dict[int, int] = {}
        for key, value in (("up", 1), ("down", -1)):
            voters = votes.get(key) or []
            if not isinstance(voters, list) or not all(isinstance(v, str) for v in voters):
                raise BadLine(f"'votes.{key}' must be a list of user ids")
            for external in voters:
                if external not in self.users:
                    raise BadLine(f"unknown voter {external!r}")
                result[self.users[external]] = value
        result.pop(author_id, None)
        return result

    def _comments(self, record: dict[str, Any]) -> list[ParsedComment]:
        return [
            ParsedComment(
                external_id=_id(c),
                author_id=self._author(c),
                body=_text(c, "body", max_length=COMMENT_MAX),
                created_at=_time(c, "created_at"),
            )
            for c in _objects(record, "comments")
        ]

    def _answer(self, record: dict[str, Any]) -> ParsedAnswer:
        author_id = self._author(record)
        accepted = record.get("accepted", False)
        if not isinstance(accepted, bool):
            raise BadLine("'accepted' must be true or false")
        return ParsedAnswer(
            external_id=_id(record),
            author_id=author_id,
            body=_text(record, "body", max_length=BODY_MAX),
            created_at=_time(record, "created_at"),
            accepted=accepted,
            comments=self._comments(record),
            votes=self._votes(record, author_id),
        )

    def _question(self, number: int, record: dict[str, Any]) -> ParsedQuestion:
        tags = record.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            raise BadLine("'tags' must be a non-empty list of strings")
        views = record.get("views", 0)
        if not isinstance(views, int) or isinstance(views, bool) or not 0 <= views <= MAX_VIEWS:
            raise BadLine("'views' must be a whole number, 0 or more")
        author_id = self._author(record)
        question = ParsedQuestion(
            line=number,
            external_id=_id(record),
            author_id=author_id,
            title=_title(record),
            body=_text(record, "body", max_length=BODY_MAX),
            tags=list(dict.fromkeys(tag_name(t) for t in tags))[:TAGS_MAX],
            created_at=_time(record, "created_at"),
            views=views,
            answers=[self._answer(a) for a in _objects(record, "answers")],
            comments=self._comments(record),
            votes=self._votes(record, author_id),
        )
        count = len(question.answers) + len(question.comments)
        count += sum(len(a.comments) for a in question.answers)
        if len(question.post_ids()) != count:
            raise BadLine("an answer or comment id appears twice")
        return question

    def _user(self, record: dict[str, Any]) -> tuple[str, User]:
        username = _text(record, "username", max_length=150)
        try:
            User.username_validator(username)
        except ValidationError as error:
            raise BadLine("'username' may hold letters, digits and @ . + - _ only") from error
        email = _text(record, "email", max_length=254, required=False)
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise BadLine("'email' is not an email address") from error
        user = User(
            username=username,
            email=email,
            display_name=_text(record, "display_name", max_length=80, required=False),
            date_joined=_time(record, "date_joined")
            if record.get("date_joined") is not None
            else dt.datetime.now(tz=dt.UTC),
        )
        user.set_unusable_password()
        return _id(record), user

    # -- writing ------------------------------------------------------------------

    def _write_users(self, parsed: list[tuple[str, User]]) -> None:
        """New members are created; a member already here is matched on the username. Their
        address and name follow the file only while they have no password of their own:
        once someone has signed in here, the account is theirs."""
        # The last record wins when a username repeats within a batch.
        users = {user.username: user for _, user in parsed}
        existing = {
            u.username: u
            for u in User.objects.filter(username__in=users).only(
                "username", "password", "email", "display_name"
            )
        }
        User.objects.bulk_create(
            [u for name, u in users.items() if name not in existing], ignore_conflicts=True
        )
        changed = []
        for name, member in existing.items():
            new = users[name]
            if not member.has_usable_password() and (member.email, member.display_name) != (
                new.email,
                new.display_name,
            ):
                member.email, member.display_name = new.email, new.display_name
                changed.append(member)
        User.objects.bulk_update(changed, ["email", "display_name"])
        ids = dict(User.objects.filter(username__in=users).values_list("username", "pk"))
        for external, user in parsed:
            self.users[external] = ids[user.username]
        self.stats.users += len(users)

    def _tag_ids(self, names: set[str]) -> None:
        missing = names - self.tags.keys()
        if not missing:
            return
        self.tags.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))
        unknown = sorted(missing - self.tags.keys())
        # The plain slugs are looked up at once; only a numbered one is probed alone.
        plain = {tag_slug(name, lambda s: False) for name in unknown}
        taken = set(Tag.objects.filter(slug__in=plain).values_list("slug", flat=True))

        def is_taken(slug: str) -> bool:
            if slug in taken or slug in plain:
                return slug in taken
            return Tag.objects.filter(slug=slug).exists()

        new: list[Tag] = []
        for name in unknown:
            new.append(Tag(name=name, slug=tag_slug(name, is_taken)))
            taken.add(new[-1].slug)
        Tag.objects.bulk_create(new)
        self.tags.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))

    def _write_questions(
        self, batch: list[ParsedQuestion], vectors: Future[list[tuple[Vector, ...]]] | None = None
    ) -> None:
        """Write a batch, its Markdown rendered: with COPY on PostgreSQL when none of it is
        in the database yet (with the search vectors computed ahead, if they were), else
        by upserts and the services' recounts."""
        self._tag_ids({t for q in batch for t in q.tags})
        if self._vectors is not None:
            searcher = self._vectors
            written = import_copy.batch_write(
                batch, self.tags, lambda: (vectors or searcher.compute(batch)).result()
            )
            self._copied = written is not None
            if written is not None:
                self._count(batch, *written)
                return
        # Whose first question may change: the askers, and whoever asked these before.
        askers = {q.author_id for q in batch} | set(
            Question.objects.filter(external_id__in=[q.external_id for q in batch]).values_list(
                "author_id", flat=True
            )
        )
        qids = self._upsert_questions(batch)
        self._replace_tags(batch, qids)
        left = self._threads_losing_answers(batch, qids)
        aids = self._upsert_answers(batch, qids)
        comments = self._upsert_comments(batch, qids, aids)
        votes = self._replace_votes(batch, qids, aids)
        self._settle_threads(batch, qids, aids)
        # Counted as moderation counts them, also on threads whose answers moved here;
        # their first responses too.
        answer_counts_refresh(question_ids=[*qids.values(), *left])
        thread_moments_refresh(question_ids=[*qids.values(), *left])
        first_questions_refresh(author_ids=sorted(askers))
        search_vectors_refresh(question_ids=list(qids.values()))
        self._count(batch, len(aids), comments, votes)

    def _count(self, batch: list[ParsedQuestion], answers: int, comments: int, votes: int) -> None:
        self.stats.questions += len(batch)
        self.stats.answers += answers
        self.stats.comments += comments
        self.stats.votes += votes

    def _upsert_questions(self, batch: list[ParsedQuestion]) -> dict[str, int]:
        questions = [
            Question(
                external_id=q.external_id, author_id=q.author_id, title=q.title, body=q.body,
                body_html=q.body_html, tag_names=" ".join(q.tags),
                created_at=q.created_at, updated_at=q.created_at,
                last_activity_at=q.last_activity(), view_count=q.views,
                score=sum(q.votes.values()),
            )
            for q in batch
        ]  # fmt: skip
        Question.objects.bulk_create(
            questions,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[
                "author", "title", "body", "body_html", "tag_names", "created_at", "updated_at",
                "last_activity_at", "view_count", "score",
            ],
        )  # fmt: skip
        return _ids(Question, questions)

    def _replace_tags(self, batch: list[ParsedQuestion], qids: dict[str, int]) -> None:
        through = Question.tags.through
        through.objects.filter(question_id__in=qids.values()).delete()
        through.objects.bulk_create(
            [
                through(question_id=qids[q.external_id], tag_id=self.tags[name])
                for q in batch
                for name in q.tags
            ]
        )

    def _threads_losing_answers(
        self, batch: list[ParsedQuestion], qids: dict[str, int]
    ) -> set[int]:
        """Threads outside this batch holding answers that the file now puts on one of its
        threads (read before the answers move)."""
        external = [a.external_id for q in batch for a in q.answers]
        return set(
            Answer.objects.filter(external_id__in=external)
            .exclude(question_id__in=qids.values())
            .values_list("question_id", flat=True)
        )

    def _upsert_answers(self, batch: list[ParsedQuestion], qids: dict[str, int]) -> dict[str, int]:
        answers = [
            Answer(
                external_id=a.external_id, question_id=qids[q.external_id],
                author_id=a.author_id, body=a.body, body_html=a.body_html,
                created_at=a.created_at, updated_at=a.created_at, score=sum(a.votes.values()),
            )
            for q in batch
            for a in q.answers
        ]  # fmt: skip
        Answer.objects.bulk_create(
            answers,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[
                "question", "author", "body", "body_html", "created_at", "updated_at", "score",
            ],
        )  # fmt: skip
        return _ids(Answer, answers)

    def _upsert_comments(
        self, batch: list[ParsedQuestion], qids: dict[str, int], aids: dict[str, int]
    ) -> int:
        def comment(c: ParsedComment, **post: int | None) -> Comment:
            return Comment(
                external_id=c.external_id,
                author_id=c.author_id,
                body=c.body,
                body_html=c.body_html,
                created_at=c.created_at,
                **post,
            )

        comments = [
            comment(c, question_id=qids[q.external_id], answer_id=None)
            for q in batch
            for c in q.comments
        ]
        comments += [
            comment(c, question_id=None, answer_id=aids[a.external_id])
            for q in batch
            for a in q.answers
            for c in a.comments
        ]
        Comment.objects.bulk_create(
            comments,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=["question", "answer", "author", "body", "body_html", "created_at"],
        )
        return len(comments)

    def _replace_votes(
        self, batch: list[ParsedQuestion], qids: dict[str, int], aids: dict[str, int]
    ) -> int:
        Vote.objects.filter(question_id__in=qids.values()).delete()
        Vote.objects.filter(answer_id__in=aids.values()).delete()
        votes = [
            Vote(user_id=user_id, question_id=qids[q.external_id], value=value)
            for q in batch
            for user_id, value in q.votes.items()
        ]
        votes += [
            Vote(user_id=user_id, answer_id=aids[a.external_id], value=value)
            for q in batch
            for a in q.answers
            for user_id, value in a.votes.items()
        ]
        Vote.objects.bulk_create(votes)
        return len(votes)

    def _settle_threads(
        self, batch: list[ParsedQuestion], qids: dict[str, int], aids: dict[str, int]
    ) -> None:
        """Accepted answer and status from the file (a closed thread stays closed)."""
        accepted = {
            qids[q.external_id]: aids[next(a.external_id for a in q.answers if a.accepted)]
            for q in batch
            if any(a.accepted for a in q.answers)
        }
        # An answer moved here from another thread cannot stay accepted over there.
        # The file says which answer was accepted, not when: the time it was posted.
        accepted_at = {
            qids[q.external_id]: next(a.created_at for a in q.answers if a.accepted)
            for q in batch
            if any(a.accepted for a in q.answers)
        }
        Question.objects.filter(accepted_answer__in=accepted.values()).exclude(
            pk__in=accepted.keys()
        ).update(accepted_answer=None, accepted_at=None)
        Question.objects.filter(pk__in=qids.values()).update(
            accepted_answer=Case(
                *(When(pk=qid, then=Value(aid)) for qid, aid in accepted.items()),
                default=Value(None),
                output_field=BigIntegerField(),
            ),
            accepted_at=Case(
                *(When(pk=qid, then=Value(moment)) for qid, moment in accepted_at.items()),
                default=Value(None),
                output_field=DateTimeField(),
            ),
            status=Case(
                When(status=CLOSED, then=Value(CLOSED)),
                When(pk__in=list(accepted), then=Value(Question.Status.SOLVED)),
                default=Value(Question.Status.OPEN),
            ),
        )

    # -- driving ------------------------------------------------------------------

    def run(self, stream: IO[bytes]) -> Stats:
        """Import the stream; raises ImportStopped at a bad line with on_error="stop"."""
        started = time.monotonic()
        renderer = Renderer(stream)  # before any thread starts (it forks)
        first_load = False
        try:
            if COPY_NEW_BATCHES and connection.vendor == "postgresql":
                self._vectors = import_copy.SearchVectors()
                # What a first load killed before its end left out is built first.
                import_copy.search_indexes_restore()
                size = _size(stream)
                first_load = (
                    not self.atomic
                    and not connection.in_atomic_block
                    and (size is None or size >= FIRST_LOAD_MIN_BYTES)
                    and not Question.objects.exists()
                )
                if first_load and (kept := import_copy.search_indexes_drop()):
                    self.progress(f"The search indexes are kept up to date as it goes: {kept}")
            with transaction.atomic() if self.atomic else nullcontext():
                self._run(stream, started, renderer)
        finally:
            renderer.close()
            if self._vectors is not None:
                self._vectors.close()
                self._vectors = None
            if first_load:
                self.progress("Building the search indexes")
                import_copy.search_indexes_restore()
            # The rows are written without the models' signals: every cached page is to be
            # rendered afresh (the batches written before an error included).
            page_cache.site_changed()
        self.stats.seconds = time.monotonic() - started
        return self.stats

    def _run(self, stream: IO[bytes], started: float, renderer: Renderer) -> None:
        """Write what the reader thread (_read) parses, in the order of the file.

        The reading and parsing run beside the writing, which mostly waits for the
        database. Only this thread writes: its connection holds the transactions.
        """
        channel = _Channel()
        reader = threading.Thread(
            target=self._read, args=(stream, channel), name="import-reader", daemon=True
        )
        # Batches read, their Markdown (and search vectors) being prepared while the ones
        # before them are written, in the order of the file.
        pending: deque[tuple[list[ParsedQuestion], Callable[[], None], Any]] = deque()

        def write_pending(keep: int = 0) -> None:
            while len(pending) > keep:
                batch, rendered, vectors = pending.popleft()
                rendered()
                with transaction.atomic():
                    self._write_questions(batch, vectors)
                rate = self.stats.questions / max(time.monotonic() - started, 0.001)
                self.progress(
                    f"{self.stats.questions:,} questions, {self.stats.answers:,} answers "
                    f"({rate:,.0f} questions/s)"
                )

        reader.start()
        try:
            while (item := channel.get()) is not None:
                match item:
                    case _Users(users):
                        with transaction.atomic():
                            self._write_users(users)
                        channel.users_written.set()
                    case _Questions(batch):
                        rendered = renderer.render(batch)
                        # Vectors computed ahead while the batches are new (a first import):
                        # the batch is then most likely new too.
                        vectors = None
                        if self._vectors is not None and self._copied:
                            vectors = self._vectors.compute(batch)
                        pending.append((batch, rendered, vectors))
                        write_pending(keep=LOOKAHEAD)
                    case _Bad(number, reason):
                        self._bad(number, reason)
        except ImportStopped:
            # The batches before the bad line's are written, as if none were waiting.
            write_pending()
            raise
        finally:
            channel.close()
        reader.join()
        write_pending()

    def _read(self, stream: IO[bytes], channel: _Channel) -> None:
        """Parse the stream into batches for _run, in the reader thread. Members are
        written before the next line is parsed, since posts name them by their ids."""
        users: list[tuple[str, User]] = []
        questions: list[ParsedQuestion] = []
        post_ids: set[str] = set()

        def flush_users() -> None:
            if users:
                channel.users_written.clear()
                channel.put(_Users(users.copy()))
                users.clear()
                channel.wait_users_written()

        def flush_questions() -> None:
            if questions:
                channel.put(_Questions(questions.copy()))
                questions.clear()
                post_ids.clear()

        try:
            for number, record in self._records(stream):
                try:
                    if isinstance(record, BadLine):
                        raise record
                    kind = record.get("type")
                    if kind == "user":
                        users.append(self._user(record))
                        if len(users) >= USER_BATCH_SIZE:
                            flush_users()
                    elif kind == "question":
                        flush_users()
                        parsed = self._question(number, record)
                        ids = parsed.post_ids()
                        ids.add(f"q:{parsed.external_id}")
                        # One upsert cannot touch a row twice: a repeated id starts a new
                        # batch.
                        if not ids.isdisjoint(post_ids):
                            flush_questions()
                        questions.append(parsed)
                        post_ids.update(ids)
                        if len(questions) >= BATCH_SIZE:
                            flush_questions()
                    else:
                        raise BadLine(f"unknown record type {kind!r}")
                except BadLine as error:
                    channel.put(_Bad(number, str(error)))
                    if self.on_error == "stop":
                        # Nothing after the bad line, nor its batch, is to be written.
                        return
            flush_users()
            flush_questions()
            channel.put(None)
        except _Closed:
            return
        except BaseException as error:  # handed to the writing thread, raised there
            channel.fail(error)


@dataclass
class _Users:
    users: list[tuple[str, User]]


@dataclass
class _Questions:
    batch: list[ParsedQuestion]


@dataclass
class _Bad:
    number: int
    reason: str


class _Closed(Exception):
    """The writing thread has stopped: the reader stops too."""


class _Channel:
    """From the reader thread to the writing one: batches and bad lines in file order,
    None at the end; an error of the reader is raised in the writing thread."""

    def __init__(self) -> None:
        # A batch being parsed, one waiting here and one rendered ahead: memory stays
        # bounded by a few batches.
        self._queue: queue.Queue[_Users | _Questions | _Bad | None] = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        self._error: BaseException | None = None
        self.users_written = threading.Event()

    def put(self, item: _Users | _Questions | _Bad | None) -> None:
        while True:
            if self._closed.is_set():
                raise _Closed
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def get(self) -> _Users | _Questions | _Bad | None:
        while True:
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._error is not None:
                    raise self._error from None
                continue

    def wait_users_written(self) -> None:
        while not self.users_written.wait(timeout=0.1):
            if self._closed.is_set():
                raise _Closed

    def fail(self, error: BaseException) -> None:
        self._error = error

    def close(self) -> None:
        self._closed.set()


class Renderer:
    """Renders the Markdown of a batch's posts: in worker processes for a large batch, so
    that it runs beside the reading and the writing, in this process for a small one.

    The workers are started with the import when its input is large (or of unknown
    size), forked (on Linux) before the import starts any thread: forking a process that
    runs threads is unsafe, and a spawned worker would start an interpreter, import the
    renderer again and run the caller's main module again. They only render, and psycopg
    leaves alone a connection that another process opened. They run at a lower priority:
    the database and the writing come first, the rendering takes the processor time they
    leave, and whatever they have not started when the writing needs it is rendered here.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._pool: ProcessPoolExecutor | None = None
        size = _size(stream)
        if WORKERS > 1 and (size is None or size >= POOL_MIN_BYTES):
            self._pool = ProcessPoolExecutor(
                WORKERS, mp_context=get_context("fork"), initializer=os.nice, initargs=(10,)
            )
            self._pool.submit(int)  # forks the workers now

    def render(self, batch: list[ParsedQuestion]) -> Callable[[], None]:
        """Start rendering; the function returned waits and stores the HTML in the posts."""
        posts = [post for q in batch for post in q.posts()]
        if self._pool is None or len(posts) < POOL_MIN_POSTS:

            def here() -> None:
                for post in posts:
                    post.body_html = render_markdown(post.body)

            return here
        bodies = [p.body for p in posts]
        chunks = [bodies[i : i + RENDER_CHUNK] for i in range(0, len(bodies), RENDER_CHUNK)]
        futures = [self._pool.submit(_render_all, chunk) for chunk in chunks]

        def done() -> None:
            # What the workers have not started by the time it is needed is rendered here:
            # the writing would wait for it otherwise.
            html: list[list[str]] = [[] for _ in chunks]
            for n in reversed(range(len(chunks))):
                if futures[n].cancel():
                    html[n] = _render_all(chunks[n])
            for n, future in enumerate(futures):
                if not future.cancelled():
                    html[n] = future.result()
            for post, rendered in zip(posts, (h for part in html for h in part), strict=True):
                post.body_html = rendered

        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _render_all(texts: list[str]) -> list[str]:
    return [render_markdown(text) for text in texts]


def _size(stream: IO[bytes]) -> int | None:
    """The size of a file, None for a pipe or a terminal."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _ids(model: Any, rows: list[Any]) -> dict[str, int]:
    """External id → primary key of rows just upserted (PostgreSQL and SQLite return
    the keys from the upsert itself; otherwise they are read back)."""
    if all(row.pk for row in rows):
        return {row.external_id: row.pk for row in rows}
    found = model.objects.filter(external_id__in=[row.external_id for row in rows])
    return dict(found.values_list("external_id", "pk"))
