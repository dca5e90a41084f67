from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField as PgSearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import DateTimeField, F, Min, Q, Subquery, Value
from django.db.models.functions import MD5, Coalesce, Least, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TAG_NAME_RE = r"^[a-z0-9][a-z0-9.+#-]{0,34}$"
TITLE_MAX = 150
BODY_MAX = 30_000
COMMENT_MAX = 2_000
TAGS_MIN, TAGS_MAX = 1, 5


def on_exactly_one_post(name: str) -> models.CheckConstraint:
    """Comments, votes and revisions belong to a question or to an answer, never both."""
    return models.CheckConstraint(
        condition=Q(question__isnull=False, answer__isnull=True)
        | Q(question__isnull=True, answer__isnull=False),
        name=name,
    )


class SearchVectorField(PgSearchVectorField):
    """tsvector on PostgreSQL; an unused text column on the embedded SQLite database,
    so that one set of migrations serves both."""

    def db_type(self, connection: Any) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class Tag(models.Model):
    """A topic threads are filed under, such as django or orm."""

    name = models.CharField(
        max_length=35,
        unique=True,
        validators=[
            RegexValidator(
                TAG_NAME_RE,
                _("Tag names are lower case letters, digits and . + # -, up to 35 characters."),
            )
        ],
    )
    slug = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_tags"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("qa:tag-detail", kwargs={"slug": self.slug})


# Later than any real moment: stands for "none" where SQL's LEAST must skip NULLs.
_NEVER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def earliest_of(*moments: Any) -> Any:
    """The earliest of these moments (field names or expressions), NULLs left out; NULL
    when all are. PostgreSQL's LEAST already leaves NULLs out; SQLite's does not."""
    if connection.vendor == "postgresql":
        return Least(*moments)
    never = Value(_NEVER, output_field=DateTimeField())
    return NullIf(Least(*(Coalesce(moment, never) for moment in moments)), never)


def first_created(rows: Any, thread: str) -> Subquery:
    """The earliest created_at of these rows (filtered on an outer thread), grouped by
    their thread column `thread`: a first answer, comment or claim."""
    earliest = rows.order_by().values(thread).annotate(first=Min("created_at")).values("first")
    return Subquery(earliest, output_field=DateTimeField())


def public(prefix: str = "") -> Q:
    """The one rule for what everyone may see of a post: not hidden. Deleted and merged
    posts are hidden too (check constraints), so this covers them. `prefix` reaches a
    post through a relation, e.g. public("question__") for offers and claims."""
    return Q(**{f"{prefix}hidden": False})


class PostQuerySet(models.QuerySet[Any]):
    # Removed posts (deleted, or merged away) are hidden too, and gone even for their author.
    removed = Q(deleted_at__isnull=False)

    def visible_to(self, user: Any) -> PostQuerySet:
        """What this user may see: everything for moderators, else visible posts and their
        own hidden ones (not those deleted or merged away)."""
        from accounts.services import user_is_moderator

        if user.is_authenticated and user_is_moderator(user=user):
            return self
        if user.is_authenticated:
            return self.filter(public() | (Q(author=user) & ~self.removed))
        return self.filter(public())

    def public(self) -> PostQuerySet:
        return self.filter(public())


class QuestionQuerySet(PostQuerySet):
    removed = Q(deleted_at__isnull=False) | Q(merged_into__isnull=False)

    def visible_to(self, user: Any) -> QuestionQuerySet:
        return super().visible_to(user)  # type: ignore[return-value]

    def with_list_data(self) -> QuestionQuerySet:
        return self.select_related("author").prefetch_related("tags")


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    # Looked up through question_by_author (and the other indexes it leads): no index
    # of its own.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="questions",
        db_index=False,
    )
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    tags = models.ManyToManyField(Tag, related_name="questions")
    # The tag names, space separated, kept beside the relation for search.
    tag_names = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_reason = models.CharField(max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    locked = models.BooleanField(default=False)
    # Not public: hidden by a moderator or by flags, deleted, or merged into another thread.
    hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged",
        editable=False,
    )  # fmt: skip
    score = models.IntegerField(default=0)
    # The answers the public sees.
    answer_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.OneToOneField(
        "Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the accepted answer was accepted (for imported threads, when it was posted).
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The first public answer, and the first public comment (on the question or on a
    # public answer), by someone other than the asker: qa.services.thread_moments_refresh
    # keeps them. The first mentor claim by someone other than the asker: mentoring keeps
    # it (claims are never removed). Together, the thread's first human response, read by
    # the community health figures without a subquery per thread.
    first_answer_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_comment_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_claim_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The asker's first question ever (the earliest, hidden ones too; the lower id at the
    # same moment): newcomer retention counts from it. Set by question_ask, recomputed by
    # qa.services.first_questions_refresh for imports.
    first_of_author = models.BooleanField(default=False, editable=False)
    # The ask checklist: what the asker says they did, and the evidence the server held.
    what_i_tried = models.TextField(max_length=BODY_MAX, blank=True)
    expected = models.TextField(max_length=BODY_MAX, blank=True)
    actual = models.TextField(max_length=BODY_MAX, blank=True)
    error_output = models.TextField(max_length=BODY_MAX, blank=True)
    environment = models.CharField(max_length=500, blank=True)
    checklist_evidence = models.JSONField(default=dict, blank=True, editable=False)
    solution_note = models.TextField(max_length=BODY_MAX, blank=True)
    solution_note_html = models.TextField(blank=True, editable=False)
    # When the asker was reminded to accept an answer (once per thread).
    followup_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    last_activity_at = models.DateTimeField(db_index=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # The title alone, so similar-thread candidates come from the index without rechecks.
    title_vector = SearchVectorField(null=True, editable=False)
    # The segmented Chinese tokens (qa.segment.chinese_tokens) in the 'simple'
    # configuration, the title weighted A and the body B: how Chinese is found
    # (PostgreSQL; on SQLite all the tokens live in the qa_question_fts table).
    segmented_vector = SearchVectorField(null=True, editable=False)
    # The id in the community it was imported from; None for a post written here (NULLs
    # never collide, empty strings would). Unique through a constraint of Meta: as
    # unique=True, without the second index (for LIKE) PostgreSQL would get for it, which
    # every insert would keep up to date.
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [
            models.Index(fields=["-score", "-id"], name="question_by_score"),
            models.Index(
                fields=["-created_at"], condition=Q(answer_count=0), name="question_unanswered"
            ),
            # The community health figures: a range of public threads read from the index
            # alone (PostgreSQL's INCLUDE; a plain partial index elsewhere).
            models.Index(
                fields=["created_at"],
                include=[
                    "id",
                    "author",
                    "status",
                    "accepted_at",
                    "first_answer_at",
                    "first_comment_at",
                    "first_claim_at",
                    "first_of_author",
                ],
                condition=Q(hidden=False),
                name="question_health",
            ),
            # An asker's questions in time order: their first, and whether they came back.
            models.Index(fields=["author", "created_at", "id"], name="question_by_author"),
            # Whether a member already asked this exact text (qa.limits): one probe.
            models.Index(F("author"), MD5("body"), name="question_body_by_author"),
            # The question marked as each asker's first: one row per asker.
            models.Index(
                fields=["author"],
                condition=Q(first_of_author=True),
                name="question_first_of_author",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="question_external_id_unique"),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closed_reason=""),
                name="closed_question_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(hidden=True)
                | (Q(deleted_at__isnull=True) & Q(merged_into__isnull=True)),
                name="removed_question_is_hidden",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("qa:question-detail", kwargs={"pk": self.pk})

    @property
    def takes_answers(self) -> bool:
        return self.status != self.Status.CLOSED and not self.locked and not self.hidden


# For the API schema's enum name (community/settings.py, SPECTACULAR_SETTINGS).
QUESTION_STATUS_CHOICES = Question.Status.choices


class Answer(models.Model):
    # Both looked up through the indexes of Meta that they lead: no index of their own.
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="answers",
        db_index=False,
    )
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    score = models.IntegerField(default=0)
    hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The id in the community it was imported from; None for a post written here (NULLs
    # never collide, empty strings would). Unique through a constraint of Meta: as
    # unique=True, without the second index (for LIKE) PostgreSQL would get for it, which
    # every insert would keep up to date.
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "-score", "created_at"]),
            # A thread's public answers and who wrote them, from the index alone: answer
            # concentration and the first answers in the health figures.
            models.Index(
                fields=["question"],
                include=["author", "created_at"],
                condition=Q(hidden=False),
                name="answer_public_by_thread",
            ),
            # A member's answers in time order: whether a new asker came back to answer.
            models.Index(fields=["author", "created_at"], name="answer_by_author"),
            # Whether a member already posted this exact answer (qa.limits): one probe.
            models.Index(F("author"), MD5("body"), name="answer_body_by_author"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="answer_external_id_unique"),
            models.CheckConstraint(
                condition=Q(hidden=True) | Q(deleted_at__isnull=True),
                name="deleted_answer_is_hidden",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk} to {self.question_id}"

    def get_absolute_url(self) -> str:
        path = reverse("qa:question-detail", kwargs={"pk": self.question_id})
        return f"{path}#answer-{self.pk}"


class Comment(models.Model):
    """A short remark on a question or on an answer (exactly one of them)."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(max_length=COMMENT_MAX)
    body_html = models.TextField(editable=False)
    hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField()
    # The id in the community it was imported from; None for a post written here (NULLs
    # never collide, empty strings would). Unique through a constraint of Meta: as
    # unique=True, without the second index (for LIKE) PostgreSQL would get for it, which
    # every insert would keep up to date.
    external_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="comment_external_id_unique"),
            on_exactly_one_post("comment_on_exactly_one_post"),
            models.CheckConstraint(
                condition=Q(hidden=True) | Q(deleted_at__isnull=True),
                name="deleted_comment_is_hidden",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk}"

    def get_absolute_url(self) -> str:
        thread = self.question_id or self.answer.question_id  # type: ignore[union-attr]
        path = reverse("qa:question-detail", kwargs={"pk": thread})
        return f"{path}#comment-{self.pk}"


class Vote(models.Model):
    """One member's +1 or -1 on a question or an answer; at most one per post."""

    class Value(models.IntegerChoices):
        UP = 1, _("Up")
        DOWN = -1, _("Down")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField(choices=Value.choices)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            on_exactly_one_post("vote_on_exactly_one_post"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_is_up_or_down"),
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=Q(question__isnull=False),
                name="one_vote_per_user_and_question",
            ),
            models.UniqueConstraint(
                fields=["user", "answer"],
                condition=Q(answer__isnull=False),
                name="one_vote_per_user_and_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} by {self.user_id}"


class Revision(models.Model):
    """The text of a question or answer as it was before one edit."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who made the edit."),
    )
    created_at = models.DateTimeField()
    previous_title = models.CharField(max_length=TITLE_MAX, blank=True)
    previous_body = models.TextField()
    previous_tags = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            on_exactly_one_post("revision_of_exactly_one_post"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.pk}"


class FaqEntry(models.Model):
    """An answer to a question newcomers often have, managed by admins.

    Each entry is written in one interface language. An entry that says the same as
    another in a second language points at it (`translation_of`): a reader sees each
    entry once, in their language when it has been translated (qa.selectors.faq_published).
    """

    class Language(models.TextChoices):
        # The interface languages (settings.LANGUAGES), spelled here so that adding a
        # language to the interface is a deliberate change to the FAQ too.
        EN = "en", _("English")
        ZH_HANS = "zh-hans", _("Simplified Chinese")

    title = models.CharField(max_length=TITLE_MAX)
    language = models.CharField(
        _("language"), max_length=12, choices=Language.choices, default=Language.EN
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        verbose_name=_("translation of"),
        help_text=_("The entry this one says in another language, if any."),
    )
    slug = models.SlugField(max_length=80, unique=True)
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="faq_entries")
    order = models.PositiveIntegerField(default=100)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("qa:faq-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        # One level only: the reader's pick (qa.selectors.faq_published) groups an
        # original with its translations, which a chain or a loop would break.
        original = self.translation_of
        if original is None:
            return
        if (
            original.pk == self.pk
            or original.translation_of_id is not None
            or (self.pk and self.translations.exists())
        ):
            raise ValidationError(
                {"translation_of": _("Choose an original entry, not a translation or this one.")}
            )
        if original.language == self.language:
            raise ValidationError(
                {"translation_of": _("A translation is in another language than its original.")}
            )


# The FAQ's languages by one name in the API schema (settings.SPECTACULAR_SETTINGS).
FAQ_LANGUAGE_CHOICES = FaqEntry.Language.choices


class SearchEvidence(models.Model):
    """A search or similar-threads query a member really ran: checklist evidence.

    Evidence belongs to the draft it was gathered for (the ask flow's draft; none for the
    API and the search page), and to the question it was evidence for once posted, so
    that it counts for one question only.
    """

    class Source(models.TextChoices):
        SEARCH = "search", _("Search")
        SIMILAR = "similar", _("Similar threads")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_evidence"
    )
    query = models.CharField(max_length=300)
    source = models.CharField(max_length=10, choices=Source.choices)
    draft = models.ForeignKey(
        "AskDraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="searches"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("search evidence")
        verbose_name_plural = _("search evidences")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} searched {self.query!r}"


class FaqEvidence(models.Model):
    """An FAQ entry a member opened, or a draft for which no FAQ entry matched."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="faq_evidence"
    )
    entry = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.CASCADE)
    no_match_query = models.CharField(max_length=300, blank=True)
    # As for searches: the draft it was gathered for, the question it was evidence for.
    draft = models.ForeignKey(
        "AskDraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="faq_reads"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("faq evidence")
        verbose_name_plural = _("faq evidences")
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False, no_match_query="")
                | Q(entry__isnull=True) & ~Q(no_match_query=""),
                name="faq_evidence_is_a_view_or_a_no_match",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.entry_id or 'no match'}"


class AskDraft(models.Model):
    """A question on its way through the ask flow: what was typed at each step, kept on the
    server so the draft survives going back and forth, opening threads and the FAQ."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being written")
        POSTED = "posted", _("Posted")
        DISCARDED = "discarded", _("Discarded")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ask_drafts"
    )
    data = models.JSONField(default=dict, blank=True)
    # The furthest step reached (1 search, 2 FAQ, 3 what I tried, 4 review).
    reached = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Whether a solved thread was opened from this draft (for deflection counts).
    opened_solved = models.BooleanField(default=False)
    question = models.OneToOneField(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="ask_draft"
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ask draft")
        verbose_name_plural = _("ask drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["author"], condition=Q(status="open"), name="one_open_ask_draft_per_member"
            ),
        ]

    def __str__(self) -> str:
        return str(self.data.get("title") or f"Draft {self.pk}")


class SimilarShown(models.Model):
    """A similar thread shown to, or opened by, a member while asking (deflection)."""

    class Kind(models.TextChoices):
        SHOWN = "shown", _("Shown")
        OPENED = "opened", _("Opened")

    draft = models.ForeignKey(AskDraft, on_delete=models.CASCADE, related_name="similar")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    solved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("similar shown")
        verbose_name_plural = _("similar threads shown")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "question", "kind"], name="similar_shown_once_per_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.question_id} to draft {self.draft_id}"


# The kinds of post, by the name used in URLs, flags and the audit log.
POST_MODELS: dict[str, type[Question] | type[Answer] | type[Comment]] = {
    "question": Question,
    "answer": Answer,
    "comment": Comment,
}


def post_kind(post: Question | Answer | Comment) -> str:
    """ "question", "answer" or "comment": also the name of the foreign key to a post."""
    return next(kind for kind, model in POST_MODELS.items() if isinstance(post, model))


def thread_of(post: Question | Answer | Comment) -> Question:
    """The question a post belongs to."""
    if isinstance(post, Question):
        return post
    if isinstance(post, Answer):
        return post.question
    return post.question or post.answer.question  # type: ignore[union-attr]


def thread_id_of(post: Question | Answer | Comment) -> int:
    """The id of the question a post belongs to, without loading it: a comment on an
    answer reads its answer, which the caller loads with the comment."""
    if isinstance(post, Question):
        return post.pk
    if isinstance(post, Answer):
        return post.question_id
    return post.question_id or post.answer.question_id  # type: ignore[union-attr]
