from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from community.api import StrictCharField
from qa.models import (
    BODY_MAX,
    COMMENT_MAX,
    TAGS_MAX,
    TITLE_MAX,
    Answer,
    Comment,
    FaqEntry,
    Question,
    Tag,
)
from qa.search import MARK_START, MARK_STOP


class AuthorOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class CommentOutput(serializers.ModelSerializer):
    author = AuthorOutput()

    class Meta:
        model = Comment
        fields = ["id", "body", "body_html", "author", "created_at"]


class AnswerOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    author = AuthorOutput()
    is_accepted = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = [
            "id", "url", "body", "body_html", "author", "score", "is_accepted", "created_at",
            "updated_at", "comments",
        ]  # fmt: skip

    def get_is_accepted(self, answer: Answer) -> bool:
        return bool(getattr(answer, "is_accepted", False))

    def get_comments(self, answer: Answer) -> list[dict[str, Any]]:
        comments = getattr(answer, "thread_comments", [])
        return CommentOutput(comments, many=True).data  # type: ignore[return-value]


class QuestionOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    author = AuthorOutput()
    tags = serializers.SerializerMethodField()
    duplicate_of = serializers.IntegerField(
        source="duplicate_of_id",
        allow_null=True,
        help_text=gettext_lazy("The thread this one duplicates."),
    )

    class Meta:
        model = Question
        fields = [
            "id", "url", "title", "body", "body_html", "author", "tags", "score", "status",
            "answer_count", "view_count", "created_at", "updated_at", "last_activity_at",
            "accepted_answer_id", "closed_reason", "duplicate_of", "locked",
            "solution_note_html",
        ]  # fmt: skip

    def get_tags(self, question: Question) -> list[str]:
        return [tag.name for tag in question.tags.all()]


class QuestionDetailOutput(QuestionOutput):
    answers = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()

    class Meta(QuestionOutput.Meta):
        fields = [*QuestionOutput.Meta.fields, "answers", "comments"]

    def get_answers(self, question: Question) -> list[dict[str, Any]]:
        return AnswerOutput(self.context["answers"], many=True).data  # type: ignore[return-value]

    def get_comments(self, question: Question) -> list[dict[str, Any]]:
        return CommentOutput(self.context["question_comments"], many=True).data  # type: ignore[return-value]


class SearchHitOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    snippet = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "url", "title", "status", "score", "answer_count", "snippet"]

    def get_snippet(self, question: Question) -> str:
        text = " ".join((getattr(question, "snippet", "") or "").split())
        text = text.replace(MARK_START, "").replace(MARK_STOP, "")
        return text if len(text) <= 300 else text[:299].rsplit(" ", 1)[0] + "…"


class TagOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    question_count = serializers.IntegerField()

    class Meta:
        model = Tag
        fields = ["name", "slug", "description", "question_count", "url"]


class ChecklistInput(serializers.Serializer):
    """Documents the checklist; its rules are checked against recorded evidence."""

    searched = serializers.BooleanField()
    search_queries = serializers.ListField(child=serializers.CharField(), required=False)
    read_faq = serializers.BooleanField()
    faq_entries = serializers.ListField(child=serializers.IntegerField(), required=False)
    tried_locally = serializers.BooleanField()
    what_i_tried = serializers.CharField(min_length=40)
    expected = serializers.CharField(required=False, allow_blank=True)
    actual = serializers.CharField(required=False, allow_blank=True)
    error_output = serializers.CharField(required=False, allow_blank=True)
    environment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class QuestionInput(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX)
    body = StrictCharField(max_length=BODY_MAX)
    tags = serializers.ListField(
        child=StrictCharField(max_length=40), allow_empty=False, max_length=TAGS_MAX
    )
    checklist = ChecklistInput(
        required=False, help_text=gettext_lazy("Checked against recorded evidence.")
    )

    def to_internal_value(self, data: Any) -> Any:
        # The checklist is validated by qa.checklist against the server's evidence.
        values = super().to_internal_value(
            {k: v for k, v in data.items() if k != "checklist"} if isinstance(data, dict) else data
        )
        values.pop("checklist", None)
        return values


class QuestionEditInput(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX, required=False)
    body = StrictCharField(max_length=BODY_MAX, required=False)
    tags = serializers.ListField(
        child=StrictCharField(max_length=40), allow_empty=False, max_length=TAGS_MAX, required=False
    )


class BodyInput(serializers.Serializer):
    body = StrictCharField(max_length=BODY_MAX)


class CommentInput(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX)


class NoteInput(serializers.Serializer):
    note = StrictCharField(max_length=BODY_MAX)


class VoteInput(serializers.Serializer):
    value = serializers.IntegerField(help_text=gettext_lazy("1 (up), -1 (down) or 0 (withdraw)."))

    def validate_value(self, value: int) -> int:
        raw = self.initial_data.get("value")
        # JSON must say a number; a form can only say text, so there the digits are checked.
        typed = isinstance(raw, int) and not isinstance(raw, bool)
        if isinstance(self.initial_data, QueryDict):
            typed = raw in ("1", "-1", "0")
        if not typed or value not in (1, -1, 0):
            raise serializers.ValidationError(_("A vote is 1 (up), -1 (down) or 0 (withdraw)."))
        return value


class VoteOutput(serializers.Serializer):
    score = serializers.IntegerField()
    value = serializers.IntegerField()


class ListInput(serializers.Serializer):
    q = StrictCharField(required=False, max_length=200, allow_blank=True)
    tag = serializers.SlugField(required=False, max_length=40)
    status = serializers.ChoiceField(
        choices=["open", "solved", "unanswered", "closed"], required=False
    )
    sort = serializers.ChoiceField(
        choices=["newest", "active", "votes", "unanswered"], required=False
    )


class SearchInput(serializers.Serializer):
    q = StrictCharField(max_length=200)


class SimilarInput(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX * 2, allow_blank=True, required=False)
    body = StrictCharField(max_length=BODY_MAX, allow_blank=True, required=False)
    tags = StrictCharField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text=gettext_lazy("Comma-separated names."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (attrs.get("title", "").strip() or attrs.get("body", "").strip()):
            raise serializers.ValidationError({"title": _("Give a title or a body to compare.")})
        return attrs


class SimilarOutput(serializers.Serializer):
    id = serializers.IntegerField(source="question.id")
    title = serializers.CharField(source="question.title")
    url = serializers.CharField(source="question.get_absolute_url")
    status = serializers.CharField(source="question.status")
    has_accepted_answer = serializers.SerializerMethodField()
    score = serializers.FloatField()

    def get_has_accepted_answer(self, similar: Any) -> bool:
        return similar.question.accepted_answer_id is not None


class FaqOutput(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")
    tags = serializers.SerializerMethodField()

    class Meta:
        model = FaqEntry
        fields = [
            "id", "slug", "language", "title", "body", "body_html", "tags", "url", "updated_at",
        ]  # fmt: skip

    def get_tags(self, entry: FaqEntry) -> list[str]:
        return [tag.name for tag in entry.tags.all()]


class FaqListInput(serializers.Serializer):
    q = StrictCharField(max_length=300, allow_blank=True, required=False)


class DeflectionInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=90, default=30)


class DeflectionOutput(serializers.Serializer):
    days = serializers.IntegerField()
    drafts_started = serializers.IntegerField()
    drafts_posted = serializers.IntegerField()
    drafts_abandoned = serializers.IntegerField()
    drafts_abandoned_after_opening_solved = serializers.IntegerField()
    similar_shown = serializers.IntegerField()
    similar_opened = serializers.IntegerField()
    solved_opened = serializers.IntegerField()
