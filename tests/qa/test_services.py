from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.services import MODERATORS_GROUP, user_suspend
from qa import services
from qa.models import Answer, Comment, Question, Revision, Vote
from tests.factories import TagFactory, UserFactory, answer, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    from django.contrib.auth.models import Group

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


def test_asking_stores_rendered_html_tags_and_timestamps():
    tags = [TagFactory(name="django"), TagFactory(name="orm")]

    q = question(tags=tags, body="Use `select_related`.\n\n```python\nx = 1\n```")

    assert q.status == Question.Status.OPEN
    assert "<code>select_related</code>" in q.body_html
    assert sorted(t.name for t in q.tags.all()) == ["django", "orm"]
    assert q.tag_names == "django orm"
    assert q.last_activity_at == q.created_at


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 30_001}, "body"),
        ({"body": "nul \x00 byte"}, "body"),
        ({"title": 42}, "title"),
        ({"tags": []}, "tags"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
        ({"tags": ["Not A Tag!"]}, "tags"),
        ({"tags": ["nosuchtag"]}, "tags"),
        ({"tags": "django"}, "tags"),
    ],
)
def test_bad_questions_are_refused_naming_the_field_and_nothing_is_written(changes, field):
    for name in "abcdef":
        TagFactory(name=name)
    data = {"title": "A fine title", "body": "A fine body", "tags": ["a"], **changes}

    with pytest.raises(ValidationError) as excinfo:
        services.question_ask(author=UserFactory(), **data)

    assert field in excinfo.value.message_dict
    assert not Question.objects.exists()


def test_suspended_member_cannot_ask_answer_comment_or_vote():
    member = UserFactory()
    q = question()
    user_suspend(user=member, until=timezone.now() + dt.timedelta(days=1), reason="Spam.")

    with pytest.raises(PermissionDenied, match="suspended"):
        question(author=member)
    with pytest.raises(PermissionDenied):
        services.answer_post(author=member, question=q, body="x")
    with pytest.raises(PermissionDenied):
        services.comment_post(author=member, question=q, body="x")
    with pytest.raises(PermissionDenied):
        services.vote_cast(user=member, question=q, value=1)


def test_answer_bumps_count_and_activity():
    q = question()
    before = q.last_activity_at

    answer(question_obj=q)
    answer(question_obj=q)

    q.refresh_from_db()
    assert q.answer_count == 2
    assert q.last_activity_at > before


@pytest.mark.parametrize(
    "state", [{"status": "closed", "closed_reason": "Off topic"}, {"locked": True}]
)
def test_closed_or_locked_threads_take_no_new_answers(state):
    q = question()
    Question.objects.filter(pk=q.pk).update(**state)

    with pytest.raises(ValidationError, match="no new answers"):
        answer(question_obj=q)

    assert not Answer.objects.exists()
    q.refresh_from_db()
    assert q.answer_count == 0


def test_votes_change_and_withdraw_and_score_follows():
    q = question()
    voter = UserFactory()

    assert services.vote_cast(user=voter, question=q, value=1) == 1
    assert services.vote_cast(user=voter, question=q, value=1) == 1
    assert services.vote_cast(user=voter, question=q, value=-1) == -1
    assert services.vote_cast(user=voter, question=q, value=0) == 0

    q.refresh_from_db()
    assert q.score == 0
    assert not Vote.objects.exists()


@pytest.mark.parametrize("value", [2, -2, "1", None, True, 0.5])
def test_only_one_minus_one_or_zero_are_votes(value):
    q = question()

    with pytest.raises(ValidationError) as excinfo:
        services.vote_cast(user=UserFactory(), question=q, value=value)

    assert "value" in excinfo.value.message_dict
    q.refresh_from_db()
    assert q.score == 0


def test_members_cannot_vote_on_their_own_posts():
    q = question()
    a = answer(question_obj=q)

    with pytest.raises(PermissionDenied):
        services.vote_cast(user=q.author, question=q, value=1)
    with pytest.raises(PermissionDenied):
        services.vote_cast(user=a.author, answer=a, value=1)
    assert not Vote.objects.exists()


def test_the_asker_accepts_one_answer_and_can_change_it():
    q = question()
    first, second = answer(question_obj=q), answer(question_obj=q)

    services.answer_accept(user=q.author, answer=first)
    services.answer_accept(user=q.author, answer=second)

    q.refresh_from_db()
    assert q.accepted_answer == second
    assert q.status == Question.Status.SOLVED


def test_only_the_asker_or_a_moderator_accepts(moderator):
    q = question()
    a = answer(question_obj=q)

    with pytest.raises(PermissionDenied):
        services.answer_accept(user=a.author, answer=a)
    q.refresh_from_db()
    assert q.accepted_answer is None

    services.answer_accept(user=moderator, answer=a)
    q.refresh_from_db()
    assert q.accepted_answer == a


def test_editing_keeps_the_previous_text_as_a_revision():
    TagFactory(name="python")
    q = question(title="Old title", body="Old body")

    services.question_edit(
        editor=q.author, question=q, title="New title", body="New **body**", tags=["python"]
    )

    q.refresh_from_db()
    assert (q.title, q.tag_names) == ("New title", "python")
    assert "<strong>body</strong>" in q.body_html
    [revision] = Revision.objects.all()
    assert (revision.previous_title, revision.previous_body) == ("Old title", "Old body")
    assert revision.author == q.author


def test_an_edit_that_changes_nothing_keeps_no_revision():
    q = question()

    services.question_edit(editor=q.author, question=q, title=q.title, body=q.body)

    assert not Revision.objects.exists()


def test_only_authors_and_moderators_edit(moderator):
    q = question()
    a = answer(question_obj=q)

    with pytest.raises(PermissionDenied):
        services.question_edit(editor=UserFactory(), question=q, title="Hijacked")
    with pytest.raises(PermissionDenied):
        services.answer_edit(editor=q.author, answer=a, body="Hijacked")

    services.answer_edit(editor=moderator, answer=a, body="Tidied by a moderator")
    a.refresh_from_db()
    assert a.body == "Tidied by a moderator"
    assert Revision.objects.get(answer=a).previous_body == "Run migrate."


def test_comments_go_on_questions_and_answers_but_not_locked_threads():
    q = question()
    a = answer(question_obj=q)

    services.comment_post(author=UserFactory(), question=q, body="Which version?")
    services.comment_post(author=UserFactory(), answer=a, body="Worked for me.")
    Question.objects.filter(pk=q.pk).update(locked=True)

    with pytest.raises(ValidationError, match="locked"):
        services.comment_post(author=UserFactory(), question=q, body="Late")
    assert Comment.objects.count() == 2


def test_only_the_asker_writes_what_fixed_it():
    q = question()

    with pytest.raises(PermissionDenied):
        services.question_set_solution_note(user=UserFactory(), question=q, note="x")
    services.question_set_solution_note(user=q.author, question=q, note="Upgrading **psycopg**.")

    q.refresh_from_db()
    assert "<strong>psycopg</strong>" in q.solution_note_html
