"""Question.answer_count has one definition, the public answers, whoever recounts it:
the importer (first and later runs), moderation (hide, unhide, delete, restore, merge)
and posting an answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from moderation.services import post_delete, post_hide, post_restore, post_unhide
from qa.models import Answer, Question
from qa.services import answer_post
from tests.factories import UserFactory
from tests.qa.import_records import USERS, run, thread, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def public_answers(question: Question) -> int:
    """What a member sees on the thread, counted independently of the stored column."""
    return Answer.objects.filter(question=question, hidden=False, deleted_at__isnull=True).count()


def three_answers(n: int) -> dict:
    record = thread(n)
    record["answers"].append(
        {"id": f"a{n}.2", "author": "u4", "body": "Third", "created_at": "2024-01-01T13:00:00Z",
         "accepted": False, "comments": []}
    )  # fmt: skip
    return record


def stored(external_id: str) -> int:
    return Question.objects.get(external_id=external_id).answer_count


def test_reimporting_threads_with_hidden_answers_counts_what_moderation_counts(
    tmp_path: Path, moderator
):
    path = write(tmp_path, [*USERS, three_answers(1), three_answers(2)])
    run(path)
    q1 = Question.objects.get(external_id="q1")
    assert stored("q1") == public_answers(q1) == 3

    post_hide(moderator=moderator, post=Answer.objects.get(external_id="a1.0"), reason="Rude")
    post_delete(moderator=moderator, post=Answer.objects.get(external_id="a1.2"), reason="Spam")
    answer_post(author=User.objects.get(username="imported4"), question=q1, body="Posted here.")
    assert stored("q1") == public_answers(q1) == 2  # a1.1 and the one posted here

    run(path)  # the file still lists the hidden and the deleted answer

    assert stored("q1") == public_answers(q1) == 2
    assert stored("q2") == 3
    for question in Question.objects.all():
        assert question.answer_count == public_answers(question), question.external_id

    # Moderation keeps agreeing with the importer after the second run.
    post_unhide(moderator=moderator, post=Answer.objects.get(external_id="a1.0"), reason="Ok")
    post_restore(moderator=moderator, post=Answer.objects.get(external_id="a1.2"), reason="Ok")
    assert stored("q1") == public_answers(q1) == 4
    run(path)
    assert stored("q1") == public_answers(q1) == 4


def test_an_answer_the_file_moves_to_another_thread_leaves_both_counts_right(tmp_path: Path):
    run(write(tmp_path, [*USERS, three_answers(1), three_answers(2)]))
    assert (stored("q1"), stored("q2")) == (3, 3)

    # A later file, in its own batch, puts q2's third answer under q1.
    moved = three_answers(1)
    moved["answers"].append({**three_answers(2)["answers"][2], "accepted": False})
    run(write(tmp_path, [*USERS, moved]))

    assert Answer.objects.get(external_id="a2.2").question.external_id == "q1"
    assert (stored("q1"), stored("q2")) == (4, 2)
