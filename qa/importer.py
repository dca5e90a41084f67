"""Import a community from JSON Lines (the format of shared/bench/make_dataset.py).

Records, one JSON object a line, users before the questions that name them:

    {"type": "user", "id": "u7", "username": "user007", "email": "...",
     "display_name": "...", "date_joined": "2022-12-01T00:00:00Z"}
    {"type": "question", "id": "q12", "author": "u7", "title": "...", "body": "...",
     "tags": ["django"], "created_at": "...", "views": 17,
     "answers": [{"id": "a12.0", "author": "u3", "body": "...", "created_at": "...",
                  "accepted": false, "comments": [], "votes": {"up": [], "down": []}}],
     "comments": [{"id": "c1", "author": "u2", "body": "...", "created_at": "..."}],
     "votes": {"up": ["u1"], "down": []}}

The file is streamed and written in batches, each in one transaction, with rendered
HTML and search vectors filled in bulk. External ids are kept, so a second run of the
same file updates the rows instead of duplicating them. Imported members get an
unusable password: they sign in after a password reset.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from accounts.models import User
from qa.markdown import render_markdown
from qa.models import BODY_MAX, COMMENT_MAX, TITLE_MAX, Answer, Comment, Question, Tag, Vote
from qa.services import search_vectors_refresh

BATCH_SIZE = 500
TAG_CLEAN = re.compile(r"[^a-z0-9.+#-]+")


class BadLine(ValueError):
    """A line of the import file that cannot be imported; the message says why."""


@dataclass
class Stats:
    users: int = 0
    questions: int = 0
    answers: int = 0
    comments: int = 0
    votes: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class ParsedComment:
    external_id: str
    author_id: int
    body: str
    created_at: dt.datetime


@dataclass
class ParsedAnswer:
    external_id: str
    author_id: int
    body: str
    created_at: dt.datetime
    accepted: bool
    comments: list[ParsedComment]
    votes: dict[int, int]


@dataclass
class ParsedQuestion:
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


def _text(record: dict[str, Any], key: str, *, max_length: int, required: bool = True) -> str:
    value = record.get(key, "" if not required else None)
    if not isinstance(value, str):
        raise BadLine(f"{key!r} must be a string")
    if "\x00" in value:
        raise BadLine(f"{key!r} contains a NUL character")
    value = value.strip()
    if required and not value:
        raise BadLine(f"{key!r} is empty")
    if len(value) > max_length:
        raise BadLine(f"{key!r} is longer than {max_length:,} characters")
    return value


def _id(record: dict[str, Any], key: str = "id") -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise BadLine(f"{key!r} must be a non-empty string of at most 64 characters")
    return value


def _time(record: dict[str, Any], key: str) -> dt.datetime:
    value = record.get(key)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadLine(f"{key!r} must be an ISO 8601 date and time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _title(record: dict[str, Any]) -> str:
    title = " ".join(_text(record, "title", max_length=10_000).split())
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return title


def tag_name(raw: str) -> str:
    """A tag name from another forum, in our alphabet: lower case, a-z 0-9 . + # -."""
    name = TAG_CLEAN.sub("-", raw.strip().lower()).strip("-.")[:35]
    if not name:
        raise BadLine(f"tag {raw!r} has no usable characters")
    return name


class Importer:
    def __init__(
        self, *, on_error: str = "skip", progress: Callable[[str], None] | None = None
    ) -> None:
        self.on_error = on_error
        self.progress = progress or (lambda message: None)
        self.stats = Stats()
        self.users: dict[str, int] = {}
        self.tags: dict[str, int] = {}

    # -- reading ------------------------------------------------------------------

    def _lines(self, stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                if not isinstance(record, dict):
                    raise BadLine("a line must be a JSON object")
                yield number, record
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                self._bad(number, f"not valid UTF-8 JSON ({error})")
            except BadLine as error:
                self._bad(number, str(error))

    def _bad(self, number: int, reason: str) -> None:
        self.stats.skipped.append((number, reason))
        self.progress(f"line {number}: {reason}")
        if self.on_error == "stop":
            raise BadLine(f"line {number}: {reason}")

    def _author(self, record: dict[str, Any], key: str = "author") -> int:
        external = _id(record, key)
        if external not in self.users:
            raise BadLine(f"unknown {key} {external!r} (users must come before their posts)")
        return self.users[external]

    def _votes(self, record: dict[str, Any]) -> dict[int, int]:
        votes = record.get("votes") or {"up": [], "down": []}
        if not isinstance(votes, dict):
            raise BadLine("'votes' must be an object with 'up' and 'down' lists")
        result: dict[int, int] = {}
        for key, value in (("up", 1), ("down", -1)):
            ids = votes.get(key, [])
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise BadLine(f"'votes.{key}' must be a list of user ids")
            for external in ids:
                if external not in self.users:
                    raise BadLine(f"unknown voter {external!r}")
                result[self.users[external]] = value
        return result

    def _comments(self, record: dict[str, Any]) -> list[ParsedComment]:
        comments = record.get("comments") or []
        if not isinstance(comments, list):
            raise BadLine("'comments' must be a list")
        return [
            ParsedComment(
                external_id=_id(c),
                author_id=self._author(c),
                body=_text(c, "body", max_length=COMMENT_MAX),
                created_at=_time(c, "created_at"),
            )
            for c in comments
            if isinstance(c, dict) or _raise("each comment must be an object")
        ]

    def _question(self, record: dict[str, Any]) -> ParsedQuestion:
        tags = record.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            raise BadLine("'tags' must be a non-empty list of strings")
        answers = record.get("answers") or []
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise BadLine("'answers' must be a list of objects")
        views = record.get("views", 0)
        if not isinstance(views, int) or isinstance(views, bool) or views < 0:
            raise BadLine("'views' must be a whole number")
        author_id = self._author(record)
        votes = self._votes(record)
        votes.pop(author_id, None)
        return ParsedQuestion(
            external_id=_id(record),
            author_id=author_id,
            title=_title(record),
            body=_text(record, "body", max_length=BODY_MAX),
            tags=list(dict.fromkeys(tag_name(t) for t in tags))[:5],
            created_at=_time(record, "created_at"),
            views=views,
            answers=[
                ParsedAnswer(
                    external_id=_id(a),
                    author_id=self._author(a),
                    body=_text(a, "body", max_length=BODY_MAX),
                    created_at=_time(a, "created_at"),
                    accepted=a.get("accepted") is True,
                    comments=self._comments(a),
                    votes=self._votes(a),
                )
                for a in answers
            ],
            comments=self._comments(record),
            votes=votes,
        )

    # -- writing ------------------------------------------------------------------

    def _user(self, record: dict[str, Any]) -> tuple[str, User]:
        user = User(
            username=_text(record, "username", max_length=150),
            email=_text(record, "email", max_length=254, required=False),
            display_name=_text(record, "display_name", max_length=80, required=False),
            date_joined=_time(record, "date_joined")
            if record.get("date_joined")
            else dt.datetime.now(tz=dt.UTC),
        )
        user.set_unusable_password()
        return _id(record), user

    def _write_users(self, parsed: list[tuple[str, User]]) -> None:
        # The last record wins when a username repeats within a batch.
        by_name = {user.username: user for _, user in parsed}
        users = list(by_name.values())
        User.objects.bulk_create(
            users,
            update_conflicts=True,
            unique_fields=["username"],
            update_fields=["email", "display_name"],
        )
        ids = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for external, user in parsed:
            self.users[external] = ids[user.username]
        self.stats.users += len(users)

    def _tag_ids(self, names: set[str]) -> None:
        missing = names - self.tags.keys()
        if not missing:
            return
        Tag.objects.bulk_create(
            [Tag(name=n, slug=slugify(n) or n) for n in missing], ignore_conflicts=True
        )
        self.tags.update(Tag.objects.filter(name__in=missing).values_list("name", "pk"))

    def _write_questions(self, batch: list[ParsedQuestion]) -> None:
        self._tag_ids({t for q in batch for t in q.tags})
        questions = []
        for q in batch:
            times = [q.created_at, *(a.created_at for a in q.answers)]
            times += [c.created_at for c in q.comments]
            times += [c.created_at for a in q.answers for c in a.comments]
            questions.append(
                Question(
                    external_id=q.external_id, author_id=q.author_id, title=q.title,
                    body=q.body, body_html=render_markdown(q.body), tag_names=" ".join(q.tags),
                    created_at=q.created_at, updated_at=q.created_at, last_activity_at=max(times),
                    view_count=q.views, score=sum(q.votes.values()),
                    answer_count=len(q.answers), status=Question.Status.OPEN,
                )
            )  # fmt: skip
        Question.objects.bulk_create(
            questions,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[
                "author", "title", "body", "body_html", "tag_names", "created_at", "updated_at",
                "last_activity_at", "view_count", "score", "answer_count",
            ],
        )  # fmt: skip
        qids = dict(
            Question.objects.filter(external_id__in=[q.external_id for q in batch]).values_list(
                "external_id", "pk"
            )
        )
        Through = Question.tags.through
        Through.objects.filter(question_id__in=qids.values()).delete()
        Through.objects.bulk_create(
            [
                Through(question_id=qids[q.external_id], tag_id=self.tags[t])
                for q in batch
                for t in q.tags
            ]
        )

        answers = [
            Answer(
                external_id=a.external_id, question_id=qids[q.external_id], author_id=a.author_id,
                body=a.body, body_html=render_markdown(a.body), created_at=a.created_at,
                updated_at=a.created_at, score=sum(a.votes.values()),
            )
            for q in batch
            for a in q.answers
        ]  # fmt: skip
        Answer.objects.bulk_create(
            answers,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=["question", "author", "body", "body_html", "created_at", "updated_at",
                           "score"],
        )  # fmt: skip
        aids = dict(
            Answer.objects.filter(external_id__in=[a.external_id for a in answers]).values_list(
                "external_id", "pk"
            )
        )

        comments = [
            Comment(external_id=c.external_id, question_id=qids[q.external_id],
                    author_id=c.author_id, body=c.body, body_html=render_markdown(c.body),
                    created_at=c.created_at)
            for q in batch for c in q.comments
        ] + [
            Comment(external_id=c.external_id, answer_id=aids[a.external_id],
                    author_id=c.author_id, body=c.body, body_html=render_markdown(c.body),
                    created_at=c.created_at)
            for q in batch for a in q.answers for c in a.comments
        ]  # fmt: skip
        Comment.objects.bulk_create(
            comments,
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=["question", "answer", "author", "body", "body_html", "created_at"],
        )

        Vote.objects.filter(question_id__in=qids.values()).delete()
        Vote.objects.filter(answer_id__in=aids.values()).delete()
        votes = [
            Vote(user_id=user_id, question_id=qids[q.external_id], value=value)
            for q in batch
            for user_id, value in q.votes.items()
        ] + [
            Vote(user_id=user_id, answer_id=aids[a.external_id], value=value)
            for q in batch
            for a in q.answers
            for user_id, value in a.votes.items()
            if user_id != a.author_id
        ]
        Vote.objects.bulk_create(votes)

        # Two set-based UPDATEs rather than one CASE per row: reset, then mark the solved.
        chosen = [
            next(a.external_id for a in q.answers if a.accepted)
            for q in batch
            if any(a.accepted for a in q.answers)
        ]
        Question.objects.filter(pk__in=qids.values()).update(
            accepted_answer=None, status=Question.Status.OPEN
        )
        if chosen:
            Question.objects.filter(answers__external_id__in=chosen).update(
                status=Question.Status.SOLVED,
                accepted_answer=Subquery(
                    Answer.objects.filter(question=OuterRef("pk"), external_id__in=chosen).values(
                        "pk"
                    )[:1]
                ),
            )
        search_vectors_refresh(question_ids=list(qids.values()))

        self.stats.questions += len(batch)
        self.stats.answers += len(answers)
        self.stats.comments += len(comments)
        self.stats.votes += len(votes)

    # -- driving ------------------------------------------------------------------

    def run(self, stream: IO[bytes]) -> Stats:
        started = time.monotonic()
        if self.on_error == "stop":
            # All or nothing: a bad line stops the import and nothing stays written.
            with transaction.atomic():
                self._run(stream, started)
        else:
            self._run(stream, started)
        self.stats.seconds = time.monotonic() - started
        return self.stats

    def _run(self, stream: IO[bytes], started: float) -> None:
        users: list[tuple[str, User]] = []
        questions: list[ParsedQuestion] = []

        def flush_users() -> None:
            if users:
                with transaction.atomic():
                    self._write_users(users)
                users.clear()

        def flush_questions() -> None:
            if questions:
                with transaction.atomic():
                    self._write_questions(questions)
                questions.clear()
                rate = self.stats.questions / max(time.monotonic() - started, 0.001)
                self.progress(f"{self.stats.questions:,} questions ({rate:,.0f}/s)")

        for number, record in self._lines(stream):
            try:
                kind = record.get("type")
                if kind == "user":
                    users.append(self._user(record))
                    if len(users) >= BATCH_SIZE * 4:
                        flush_users()
                elif kind == "question":
                    flush_users()
                    parsed = self._question(record)
                    if any(q.external_id == parsed.external_id for q in questions):
                        flush_questions()
                    questions.append(parsed)
                    if len(questions) >= BATCH_SIZE:
                        flush_questions()
                else:
                    raise BadLine(f"unknown record type {kind!r}")
            except BadLine as error:
                self._bad(number, str(error))
        flush_users()
        flush_questions()


def _raise(message: str) -> bool:
    raise BadLine(message)
