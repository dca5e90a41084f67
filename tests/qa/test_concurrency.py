"""Races settled by PostgreSQL: concurrent votes, accepts and answers lose nothing."""

from __future__ import annotations

import pytest

from qa import services
from qa.models import Answer, Question, Vote
from tests.concurrency import run_together
from tests.factories import UserFactory, answer, question

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_members_voting_at_once_give_exactly_fifty():
    q = question()
    voters = UserFactory.create_batch(50)

    errors = run_together(
        [lambda v=v: services.vote_cast(user=v, question=q, value=1) for v in voters]
    )

    assert errors == []
    q.refresh_from_db()
    assert q.score == 50
    assert Vote.objects.filter(question=q).count() == 50


def test_two_accepts_at_once_leave_one_accepted_answer():
    q = question()
    first, second = answer(question_obj=q), answer(question_obj=q)

    errors = run_together(
        [lambda a=a: services.answer_accept(user=q.author, answer=a) for a in (first, second)]
    )

    assert errors == []
    q.refresh_from_db()
    assert q.status == Question.Status.SOLVED
    assert q.accepted_answer_id in (first.pk, second.pk)
    assert Question.objects.filter(accepted_answer__in=[first, second]).count() == 1


def test_twenty_answers_at_once_count_twenty():
    q = question()
    authors = UserFactory.create_batch(20)

    errors = run_together(
        [lambda u=u: services.answer_post(author=u, question=q, body="Me too") for u in authors]
    )

    assert errors == []
    q.refresh_from_db()
    assert q.answer_count == Answer.objects.filter(question=q).count() == 20


def test_one_member_double_clicking_a_vote_counts_once():
    q = question()
    voter = UserFactory()

    errors = run_together(
        [lambda: services.vote_cast(user=voter, question=q, value=1) for _ in range(5)]
    )

    assert errors == []
    q.refresh_from_db()
    assert q.score == 1
    assert Vote.objects.filter(question=q).count() == 1
