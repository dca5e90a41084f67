from django.urls import path

from qa.api import views

urlpatterns = [
    path("questions/", views.QuestionListCreateApi.as_view(), name="api-questions"),
    path("questions/similar/", views.SimilarApi.as_view(), name="api-similar"),
    path("faq/", views.FaqListApi.as_view(), name="api-faq"),
    path(
        "metrics/ask-deflection/",
        views.DeflectionMetricsApi.as_view(),
        name="api-metrics-deflection",
    ),
    path("faq/<int:entry_id>/", views.FaqDetailApi.as_view(), name="api-faq-entry"),
    path("questions/<int:question_id>/", views.QuestionDetailApi.as_view(), name="api-question"),
    path(
        "questions/<int:question_id>/answers/",
        views.AnswerCreateApi.as_view(),
        name="api-question-answers",
    ),
    path(
        "questions/<int:post_id>/comments/",
        views.CommentCreateApi.as_view(kind="question"),
        name="api-question-comments",
    ),
    path(
        "questions/<int:post_id>/vote/",
        views.VoteApi.as_view(kind="question"),
        name="api-question-vote",
    ),
    path(
        "questions/<int:question_id>/solution-note/",
        views.SolutionNoteApi.as_view(),
        name="api-solution-note",
    ),
    path(
        "answers/<int:post_id>/comments/",
        views.CommentCreateApi.as_view(kind="answer"),
        name="api-answer-comments",
    ),
    path(
        "answers/<int:post_id>/vote/", views.VoteApi.as_view(kind="answer"), name="api-answer-vote"
    ),
    path(
        "answers/<int:answer_id>/accept/", views.AnswerAcceptApi.as_view(), name="api-answer-accept"
    ),
    path("search/", views.SearchApi.as_view(), name="api-search"),
    path("tags/", views.TagListApi.as_view(), name="api-tags"),
]
