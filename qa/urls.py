from django.urls import path

from qa import ask_views, views

app_name = "qa"

urlpatterns = [
    path("questions/", views.question_list, name="question-list"),
    path("questions/ask/", ask_views.question_ask, name="question-ask"),
    path("questions/ask/suggestions/", ask_views.ask_suggestions, name="ask-suggestions"),
    path("questions/ask/open/<int:pk>/", ask_views.ask_open_thread, name="ask-open-thread"),
    path("questions/<int:pk>/", views.question_detail, name="question-detail"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question-edit"),
    path(
        "questions/<int:pk>/revisions/",
        views.post_revisions,
        {"kind": "question"},
        name="question-revisions",
    ),
    path("questions/<int:pk>/answer/", views.answer_create, name="answer-create"),
    path(
        "questions/<int:pk>/comment/",
        views.comment_create,
        {"kind": "question"},
        name="question-comment",
    ),
    path("questions/<int:pk>/vote/", views.vote, {"kind": "question"}, name="question-vote"),
    path("questions/<int:pk>/solution-note/", views.solution_note, name="solution-note"),
    path("answers/<int:pk>/edit/", views.answer_edit, name="answer-edit"),
    path(
        "answers/<int:pk>/revisions/",
        views.post_revisions,
        {"kind": "answer"},
        name="answer-revisions",
    ),
    path(
        "answers/<int:pk>/comment/", views.comment_create, {"kind": "answer"}, name="answer-comment"
    ),
    path("answers/<int:pk>/vote/", views.vote, {"kind": "answer"}, name="answer-vote"),
    path("answers/<int:pk>/accept/", views.answer_accept, name="answer-accept"),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("search/", views.search, name="search"),
    path("faq/", views.faq_list, name="faq-list"),
    path("faq/<slug:slug>/", views.faq_detail, name="faq-detail"),
]
