"""One API view per operation; each calls the same service or selector as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAdminUser, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.api_schema import error_response
from qa import selectors, services
from qa.api import serializers as s
from qa.checklist import checklist_clean
from qa.models import Answer, Question
from qa.search import search_questions, similar_questions


class QaApi(APIView):
    """What every Q&A endpoint shares (the strict JSON parser is the project default)."""


class QaListApi(QaApi):
    """A list answered one page at a time; the schema documents the page object
    (count, next, previous, results) because `pagination_class` is set."""

    pagination_class = PageNumberPagination


def _member(request: Request) -> User:
    return cast(User, request.user)


def _paginated(request: Request, view: QaListApi, queryset: Any, output: type) -> Response:
    paginator = view.pagination_class()
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)


def _thread_response(
    request: Request, question: Question, code: int = 200, *, reload: bool = True
) -> Response:
    """The thread as the viewer sees it; reloaded after a write so counters are current."""
    if reload:
        question = _question(request, question.pk)
    answers, question_comments = selectors.thread_parts(viewer=request.user, question=question)
    data = s.QuestionDetailOutput(
        question, context={"answers": answers, "question_comments": question_comments}
    ).data
    return Response(data, status=code)


def _question(request: Request, question_id: int) -> Question:
    return get_object_or_404(selectors.question_detail(viewer=request.user), pk=question_id)


def _answer(request: Request, answer_id: int) -> Answer:
    return get_object_or_404(selectors.thread_post_answers(viewer=request.user), pk=answer_id)


def _target(request: Request, kind: str, post_id: int) -> dict[str, Any]:
    """The question or answer a comment or vote is about, as service keyword arguments."""
    if kind == "question":
        return {"question": _question(request, post_id)}
    return {"answer": _answer(request, post_id)}


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Words to search for."),
    OpenApiParameter("tag", str, description="A tag's slug."),
    OpenApiParameter("status", str, enum=["open", "solved", "unanswered", "closed"]),
    OpenApiParameter("sort", str, enum=["newest", "active", "votes", "unanswered"]),
]


class QuestionListCreateApi(QaListApi):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(parameters=LIST_PARAMETERS, responses=s.QuestionOutput(many=True))
    def get(self, request: Request) -> Response:
        params = s.ListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        query = data.get("q", "").strip()
        sort, tag, state = data.get("sort", "active"), data.get("tag"), data.get("status")
        listed = selectors.question_list(viewer=request.user, sort=sort, tag=tag, status=state)
        if not query:
            return _paginated(request, self, listed, s.QuestionOutput)
        # A search keeps its ranking; the filters are the list's own, applied as a subquery.
        found = search_questions(viewer=request.user, query=query).questions
        if tag or state or sort == "unanswered":
            found = found.filter(pk__in=listed.values("pk"))
        services.evidence_record_search(user=request.user, query=query, source="search")
        return _paginated(request, self, found, s.QuestionOutput)

    @extend_schema(
        request=s.QuestionInput, responses={201: s.QuestionDetailOutput, 429: error_response(429)}
    )
    def post(self, request: Request) -> Response:
        data = s.QuestionInput(data=request.data)
        data.is_valid(raise_exception=True)
        checklist = checklist_clean(
            user=request.user,
            data=request.data.get("checklist", {}) if isinstance(request.data, dict) else {},
            title=data.validated_data["title"],
            body=data.validated_data["body"],
        )
        question = services.question_ask(
            author=_member(request), checklist=checklist, **data.validated_data
        )
        return _thread_response(request, question, status.HTTP_201_CREATED)


class QuestionDetailApi(QaApi):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        responses={
            200: s.QuestionDetailOutput,
            301: OpenApiResponse(description="Merged into another thread: see Location."),
        }
    )
    def get(self, request: Request, question_id: int) -> Response:
        question = selectors.question_detail(viewer=request.user).filter(pk=question_id).first()
        if question is None:
            if target := selectors.merged_target(question_id=question_id):
                location = reverse("api-question", kwargs={"question_id": target})
                return Response(status=status.HTTP_301_MOVED_PERMANENTLY,
                                headers={"Location": location})  # fmt: skip
            raise NotFound(_("No such question."))
        return _thread_response(request, question, reload=False)

    @extend_schema(request=s.QuestionEditInput, responses=s.QuestionDetailOutput)
    def patch(self, request: Request, question_id: int) -> Response:
        question = _question(request, question_id)
        data = s.QuestionEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_edit(
            editor=_member(request), question=question, **data.validated_data
        )
        return _thread_response(request, question)


class AnswerCreateApi(QaApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.BodyInput, responses={201: s.AnswerOutput, 429: error_response(429)})
    def post(self, request: Request, question_id: int) -> Response:
        question = _question(request, question_id)
        data = s.BodyInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = services.answer_post(
            author=_member(request), question=question, **data.validated_data
        )
        return Response(s.AnswerOutput(answer).data, status=status.HTTP_201_CREATED)


class CommentCreateApi(QaApi):
    permission_classes = [IsAuthenticated]
    kind = "question"

    @extend_schema(request=s.CommentInput, responses={201: s.CommentOutput})
    def post(self, request: Request, post_id: int) -> Response:
        target = _target(request, self.kind, post_id)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_post(author=_member(request), **target, **data.validated_data)
        return Response(s.CommentOutput(comment).data, status=status.HTTP_201_CREATED)


class VoteApi(QaApi):
    permission_classes = [IsAuthenticated]
    kind = "question"

    @extend_schema(request=s.VoteInput, responses=s.VoteOutput)
    def post(self, request: Request, post_id: int) -> Response:
        target = _target(request, self.kind, post_id)
        data = s.VoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        value = data.validated_data["value"]
        score = services.vote_cast(user=_member(request), value=value, **target)
        return Response(s.VoteOutput({"score": score, "value": value}).data)


class AnswerAcceptApi(QaApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=s.QuestionDetailOutput)
    def post(self, request: Request, answer_id: int) -> Response:
        question = services.answer_accept(user=_member(request), answer=_answer(request, answer_id))
        return _thread_response(request, question)


class SolutionNoteApi(QaApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=s.NoteInput, responses=s.QuestionDetailOutput)
    def post(self, request: Request, question_id: int) -> Response:
        question = _question(request, question_id)
        data = s.NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_set_solution_note(
            user=_member(request), question=question, **data.validated_data
        )
        return _thread_response(request, question)


class SearchApi(QaListApi):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=s.SearchHitOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        params = s.SearchInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = search_questions(viewer=request.user, query=params.validated_data["q"])
        services.evidence_record_search(
            user=request.user, query=params.validated_data["q"], source="search"
        )
        return _paginated(request, self, result.summaries, s.SearchHitOutput)


class TagListApi(QaListApi):
    @extend_schema(responses=s.TagOutput(many=True))
    def get(self, request: Request) -> Response:
        return _paginated(request, self, selectors.tag_list(), s.TagOutput)


class SimilarApi(QaApi):
    """Threads like a draft. A member's query is recorded as checklist evidence."""

    @extend_schema(
        parameters=[
            OpenApiParameter("title", str),
            OpenApiParameter("body", str),
            OpenApiParameter("tags", str, description="Comma-separated tag names."),
        ],
        responses=s.SimilarOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        params = s.SimilarInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        title, body = data.get("title", ""), data.get("body", "")
        tags = [t for t in data.get("tags", "").split(",") if t.strip()]
        results = similar_questions(viewer=request.user, title=title, body=body, tags=tags)
        services.evidence_record_search(
            user=request.user, query=title or body[:300], source="similar"
        )
        return Response(s.SimilarOutput(results, many=True).data)


class FaqListApi(QaListApi):
    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=s.FaqOutput(many=True))
    def get(self, request: Request) -> Response:
        params = s.FaqListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data.get("q", "").strip()
        if not query:
            published = selectors.faq_published(language=translation.get_language())
            return _paginated(request, self, published, s.FaqOutput)
        entries = selectors.faq_matching(text=query)
        if not entries:
            # Nothing in the FAQ matches this draft: that too satisfies the FAQ step.
            services.evidence_record_faq_no_match(user=request.user, query=query)
        return _paginated(request, self, entries, s.FaqOutput)


class FaqDetailApi(QaApi):
    """One FAQ entry; opening it records it as checklist evidence for a member."""

    @extend_schema(responses=s.FaqOutput)
    def get(self, request: Request, entry_id: int) -> Response:
        entry = get_object_or_404(selectors.faq_published(), pk=entry_id)
        services.evidence_record_faq_view(user=request.user, entry=entry)
        return Response(s.FaqOutput(entry).data)


class DeflectionMetricsApi(QaApi):
    """Staff: what the ask flow deflected over the last `days` days (1 to 90, default 30):
    drafts started, posted and abandoned, similar threads shown and opened, and drafts
    abandoned after a solved thread was opened from them."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[OpenApiParameter("days", int, required=False)],
        responses=s.DeflectionOutput,
    )
    def get(self, request: Request) -> Response:
        params = s.DeflectionInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data["days"]
        since = timezone.now() - dt.timedelta(days=days)
        counts = selectors.deflection_counts(since=since)
        return Response(s.DeflectionOutput({"days": days, **counts}).data)
