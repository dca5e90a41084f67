"""When a thread's answer was accepted (Question.accepted_at): the time to an accepted
answer in the community health figures is measured from it."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.models import Question
from qa.services import answer_accept, question_merge_into
from tests.factories import answer, question
from tests.qa.import_records import USERS, run, thread, write

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)


def test_accepting_records_the_moment_and_accepting_another_replaces_it():
    thread_ = question()
    first, second = answer(question_obj=thread_), answer(question_obj=thread_)
    answer_accept(user=thread_.author, answer=first, now=MOMENT)
    thread_.refresh_from_db()
    assert (thread_.accepted_answer, thread_.accepted_at) == (first, MOMENT)
    later = MOMENT + dt.timedelta(hours=3)
    answer_accept(user=thread_.author, answer=second, now=later)
    thread_.refresh_from_db()
    assert (thread_.accepted_answer, thread_.accepted_at) == (second, later)


def test_a_merge_moves_the_moment_with_the_accepted_answer():
    source, target = question(), question()
    accepted = answer(question_obj=source)
    answer_accept(user=source.author, answer=accepted, now=MOMENT)
    source.refresh_from_db()
    question_merge_into(source=source, target=target)
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.accepted_answer, source.accepted_at) == (None, None)
    assert (target.accepted_answer, target.accepted_at) == (accepted, MOMENT)


def test_an_imported_thread_was_accepted_when_its_answer_was_posted(tmp_path):
    # The file says which answer was accepted, not when.
    run(write(tmp_path, [*USERS, thread(1), thread(2, answers=[])]))
    accepted = Question.objects.get(external_id="q1")
    assert accepted.accepted_at == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    assert Question.objects.get(external_id="q2").accepted_at is None
