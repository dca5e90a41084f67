"""The thread pages, as a member uses them: plain form posts, and htmx partials."""

from __future__ import annotations

import pytest

from qa.models import Answer, Comment, Question, Vote
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db


def test_ask_needs_a_signed_in_member(client):
    response = client.get("/questions/ask/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_answer_comment_vote_and_accept_as_plain_form_posts(client):
    q = question()
    helper = UserFactory()
    client.force_login(helper)

    assert (
        client.post(f"/questions/{q.pk}/answer/", {"body": "Use select_related."}).status_code
        == 302
    )
    a = Answer.objects.get()
    assert client.post(f"/questions/{q.pk}/vote/", {"value": "1"}).status_code == 302
    assert client.post(f"/answers/{a.pk}/comment/", {"body": "Details below."}).status_code == 302
    assert Comment.objects.get().answer == a
    q.refresh_from_db()
    assert q.score == 1

    client.force_login(q.author)
    assert client.post(f"/answers/{a.pk}/accept/").status_code == 302
    q.refresh_from_db()
    assert q.accepted_answer == a
    page = client.get(q.get_absolute_url()).content.decode()
    assert "Accepted answer" in page
    assert "What fixed it?" in page


def test_vote_through_htmx_returns_the_widget_only(client):
    q = question()
    client.force_login(UserFactory())

    response = client.post(
        f"/questions/{q.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div class="vote" id="vote-question-{q.pk}">')
    assert "<html" not in html
    assert 'aria-pressed="true"' in html


def test_voting_on_own_post_is_refused_with_a_message(client):
    q = question()
    client.force_login(q.author)

    response = client.post(f"/questions/{q.pk}/vote/", {"value": "1"}, follow=True)

    assert "cannot vote on your own post" in response.content.decode()
    assert not Vote.objects.exists()


def test_bad_vote_value_changes_nothing(client):
    q = question()
    client.force_login(UserFactory())

    client.post(f"/questions/{q.pk}/vote/", {"value": "5"})

    assert not Vote.objects.exists()


def test_someone_else_cannot_accept(client):
    q = question()
    a = answer(question_obj=q)
    client.force_login(UserFactory())

    response = client.post(f"/answers/{a.pk}/accept/")

    assert response.status_code == 403
    q.refresh_from_db()
    assert q.accepted_answer is None


def test_hidden_question_is_404_for_others_and_visible_to_its_author(client):
    q = question()
    Question.objects.filter(pk=q.pk).update(hidden=True)

    assert client.get(q.get_absolute_url()).status_code == 404
    assert q.title not in client.get("/questions/").content.decode()
    client.force_login(q.author)
    response = client.get(q.get_absolute_url())
    assert response.status_code == 200
    assert "This question is hidden" in response.content.decode()


def test_edit_keeps_history_and_shows_a_diff(client):
    q = question(body="line one\nline two")
    client.force_login(q.author)

    response = client.post(
        f"/questions/{q.pk}/edit/",
        {"title": q.title, "body": "line one\nline 2", "tags": q.tag_names},
    )
    assert response.status_code == 302

    history = client.get(f"/questions/{q.pk}/revisions/").content.decode()
    assert "<del>-line two</del>" in history
    assert "<ins>+line 2</ins>" in history


def test_list_sorts_filters_and_paginates(client):
    django = TagFactory(name="django")
    other = TagFactory(name="celery")
    solved = question(tags=[django], title="Solved one")
    q_other = question(tags=[other], title="Celery one")
    a = answer(question_obj=solved)
    from qa.services import answer_accept

    answer_accept(user=solved.author, answer=a)

    by_tag = client.get("/tags/django/").content.decode()
    assert "Solved one" in by_tag
    assert "Celery one" not in by_tag
    solved_only = client.get("/questions/?status=solved").content.decode()
    assert "Solved one" in solved_only
    assert q_other.title not in solved_only
    unanswered = client.get("/questions/?sort=unanswered").content.decode()
    assert "Celery one" in unanswered
    assert "Solved one" not in unanswered
    assert client.get("/questions/?sort=bogus&status=bogus&page=999").status_code == 200


def test_tag_list_counts_visible_threads(client):
    tag = TagFactory(name="python")
    question(tags=[tag])
    hidden = question(tags=[tag])
    Question.objects.filter(pk=hidden.pk).update(hidden=True)

    response = client.get("/tags/")

    assert response.status_code == 200
    assert [t.question_count for t in response.context["tags"] if t.name == "python"] == [1]


def test_member_profile_lists_their_questions_and_answers(client):
    member = UserFactory(username="sam")
    q = question(author=member, title="Sam asks about caching")
    answer(question_obj=question(title="Other thread"), author=member)

    page = client.get("/members/sam/").content.decode()

    assert q.title in page
    assert "Other thread" in page


def test_search_page_finds_by_words_and_escapes_snippets(client):
    question(title="Deadlock in celery worker", body="The <script>alert(1)</script> worker hangs")

    response = client.get("/search/?q=worker")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Deadlock in celery worker" in html
    assert "<script>alert(1)</script>" not in html


def test_list_filters_through_htmx_return_only_the_results(client):
    question(title="Listed thread")

    response = client.get("/questions/?sort=newest", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Listed thread" in html
    assert "<header" not in html


def test_comment_through_htmx_returns_the_new_comment_only(client):
    q = question()
    client.force_login(UserFactory())

    response = client.post(
        f"/questions/{q.pk}/comment/", {"body": "Which *version*?"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<li id="comment-')
    assert "<em>version</em>" in html


def test_empty_comment_through_htmx_is_a_400_with_the_reason(client):
    q = question()
    client.force_login(UserFactory())

    response = client.post(
        f"/questions/{q.pk}/comment/", {"body": ""}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 400
    assert "required" in response.content.decode()
    assert not Comment.objects.exists()


def test_answering_a_closed_thread_shows_why_and_changes_nothing(client):
    q = question()
    Question.objects.filter(pk=q.pk).update(status="closed", closed_reason="Duplicate")
    client.force_login(UserFactory())

    response = client.post(f"/questions/{q.pk}/answer/", {"body": "Late answer"})

    assert response.status_code == 400
    assert "takes no new answers" in response.content.decode()
    assert not Answer.objects.exists()


def test_posting_to_a_hidden_or_missing_thread_is_404(client):
    q = question()
    Question.objects.filter(pk=q.pk).update(hidden=True)
    client.force_login(UserFactory())

    assert client.post(f"/questions/{q.pk}/answer/", {"body": "x"}).status_code == 404
    assert client.post(f"/questions/{q.pk}/vote/", {"value": "1"}).status_code == 404
    assert client.post("/questions/999999/comment/", {"body": "x"}).status_code == 404
    assert not Answer.objects.exists()
    assert not Vote.objects.exists()
