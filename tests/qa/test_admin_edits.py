"""Editing posts in the Django admin goes through the same edit services as the pages
and the API: the HTML is rendered again by the sanitiser, a revision names the staff
member, and search finds the new words. The real change forms are posted, inline
formsets and all."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts.services import MODERATORS_GROUP
from qa import search
from qa.models import Answer, Comment, Question, Revision
from qa.services import comment_post
from tests.admin_forms import change_form
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db

HOSTILE = "Use `select_related`. <script>alert('x')</script> **Really.**"


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def found(word: str) -> list[int]:
    result = search.search_questions(viewer=AnonymousUser(), query=word)
    return [q.pk for q in result.questions]


def test_a_question_edited_in_the_admin_is_rendered_kept_and_searchable(client, admin_user):
    old_tag, new_tag = TagFactory(name="orm"), TagFactory(name="postgresql")
    thread = question(title="Queries are slow", body="The list page is slow.", tags=[old_tag])
    answer(question_obj=thread)
    comment_post(author=UserFactory(), body="Which version?", question=thread)
    client.force_login(admin_user)
    url = f"/admin/qa/question/{thread.pk}/change/"
    data = change_form(client, url)
    # Both inlines post their management data with the page.
    assert data["answers-TOTAL_FORMS"] == "1"
    assert data["comments-TOTAL_FORMS"] == "1"

    data.update(
        title="Queries are slow on the xylophone page",
        body=f"The quokkaboard page is slow. {HOSTILE}",
        tags=[str(new_tag.pk)],
    )
    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    thread.refresh_from_db()
    assert thread.title == "Queries are slow on the xylophone page"
    assert "<strong>Really.</strong>" in thread.body_html
    assert "<script" not in thread.body_html.lower()
    assert thread.tag_names == "postgresql"
    assert list(thread.tags.all()) == [new_tag]
    revision = Revision.objects.get(question=thread)
    assert revision.author == admin_user
    assert (revision.previous_title, revision.previous_body, revision.previous_tags) == (
        "Queries are slow", "The list page is slow.", "orm",
    )  # fmt: skip
    assert found("quokkaboard") == [thread.pk]
    assert found("xylophone") == [thread.pk]
    assert found("postgresql") == [thread.pk]
    # The inlines were posted unchanged: no revision for the answer.
    assert not Revision.objects.filter(answer__question=thread).exists()


def test_too_many_tags_are_refused_on_the_field_and_nothing_changes(client, admin_user):
    thread = question(title="Queries are slow")
    client.force_login(admin_user)
    url = f"/admin/qa/question/{thread.pk}/change/"
    data = change_form(client, url)
    data.update(title="A new title", tags=[str(TagFactory().pk) for _ in range(6)])

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Choose between 1 and 5 tags." in response.content.decode()
    thread.refresh_from_db()
    assert thread.title == "Queries are slow"
    assert not Revision.objects.exists()


def test_an_answer_edited_in_its_own_admin_keeps_a_revision(client, moderator):
    thread, elsewhere = question(), question()
    reply = answer(question_obj=thread, body="Run migrate.")
    comment_post(author=UserFactory(), body="Did it work?", answer=reply)
    client.force_login(moderator)
    url = f"/admin/qa/answer/{reply.pk}/change/"
    data = change_form(client, url)
    assert data["comments-TOTAL_FORMS"] == "1"

    # The thread an answer belongs to is not editable here (merges move answers).
    data.update(body=f"Run migrate first. {HOSTILE}", question=str(elsewhere.pk))
    assert client.post(url, data).status_code == 302

    reply.refresh_from_db()
    assert reply.question_id == thread.pk
    assert reply.body.startswith("Run migrate first.")
    assert "<strong>Really.</strong>" in reply.body_html
    assert "<script" not in reply.body_html.lower()
    revision = Revision.objects.get(answer=reply)
    assert (revision.author, revision.previous_body) == (moderator, "Run migrate.")
    thread.refresh_from_db()
    assert thread.answer_count == 1


def test_answers_and_comments_edited_in_the_question_inline_go_through_the_services(
    client, admin_user
):
    thread = question(title="Queries are slow", body="The list page is slow.")
    reply = answer(question_obj=thread, body="Add an index.")
    remark = comment_post(author=UserFactory(), body="Which version?", question=thread)
    client.force_login(admin_user)
    url = f"/admin/qa/question/{thread.pk}/change/"
    data = change_form(client, url)
    assert data["answers-0-id"] == str(reply.pk)
    assert data["comments-0-id"] == str(remark.pk)

    data["answers-0-body"] = f"Add an index on created_at. {HOSTILE}"
    data["comments-0-body"] = "Which *Django* version? <script>alert(1)</script>"
    assert client.post(url, data).status_code == 302

    reply.refresh_from_db()
    assert reply.body.startswith("Add an index on created_at.")
    assert "<strong>Really.</strong>" in reply.body_html
    assert "<script" not in reply.body_html.lower()
    revision = Revision.objects.get(answer=reply)
    assert (revision.author, revision.previous_body) == (admin_user, "Add an index.")
    remark.refresh_from_db()
    assert "<em>Django</em>" in remark.body_html
    assert "<script" not in remark.body_html.lower()
    # The question itself was posted unchanged: no revision, same text.
    assert not Revision.objects.filter(question=thread).exists()
    assert Question.objects.get(pk=thread.pk).body == "The list page is slow."


def test_a_comment_edited_in_its_own_admin_is_rendered_again(client, moderator):
    reply = answer(question_obj=question())
    remark = comment_post(author=UserFactory(), body="Did it work?", answer=reply)
    client.force_login(moderator)
    url = f"/admin/qa/comment/{remark.pk}/change/"
    data = change_form(client, url)
    data["body"] = "It **did**. <script>alert(1)</script>"

    assert client.post(url, data).status_code == 302

    remark.refresh_from_db()
    assert remark.body == "It **did**. <script>alert(1)</script>"
    assert "<strong>did</strong>" in remark.body_html
    assert "<script" not in remark.body_html.lower()
    assert remark.answer_id == reply.pk


def test_posts_are_neither_added_nor_deleted_from_the_admin_pages(client, admin_user):
    thread = question()
    answer(question_obj=thread)
    client.force_login(admin_user)
    for model in ("question", "answer", "comment"):
        assert client.get(f"/admin/qa/{model}/add/").status_code == 403, model
    page = client.get(f"/admin/qa/question/{thread.pk}/change/").content.decode()
    assert 'name="answers-0-DELETE"' not in page
    assert 'name="answers-MAX_NUM_FORMS" value="0"' in page  # no form to add one
    assert Answer.objects.filter(question=thread).count() == 1
    assert Comment.objects.count() == 0
