"""A thread's first-response moments (Question.first_answer_at, first_comment_at,
first_claim_at) are kept by whatever writes: posting, moderation (hide, unhide, delete,
restore, merge), claims and the importer. Each check compares the stored columns with
the definition computed here in Python from the rows: the earliest public answer, public
comment on the question or on a public answer, and claim, by anyone but the asker."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from community.metrics import threads_with_responses
from mentoring import services as mentoring
from mentoring.models import Claim
from moderation.services import post_delete, post_hide, post_restore, post_unhide, question_merge
from qa.models import Answer, Comment, Question
from qa.services import comment_post, thread_moments_refresh
from tests.factories import UserFactory, answer, approved_mentor, django_thread, question
from tests.qa.import_records import USERS, run, thread, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def expected(thread_obj: Question) -> dict[str, dt.datetime | None]:
    asker = thread_obj.author_id
    answers = [
        a.created_at
        for a in Answer.objects.filter(question=thread_obj)
        if not a.hidden and a.author_id != asker
    ]
    comments = [
        c.created_at
        for c in Comment.objects.select_related("answer").filter(question=thread_obj)
        if not c.hidden and c.author_id != asker
    ] + [
        c.created_at
        for c in Comment.objects.select_related("answer").filter(answer__question=thread_obj)
        if not c.hidden and not c.answer.hidden and c.author_id != asker
    ]
    claims = [
        c.created_at for c in Claim.objects.filter(question=thread_obj) if c.mentor_id != asker
    ]
    return {
        "first_answer_at": min(answers, default=None),
        "first_comment_at": min(comments, default=None),
        "first_claim_at": min(claims, default=None),
    }


def stored(thread_obj: Question) -> dict[str, dt.datetime | None]:
    row = Question.objects.values("first_answer_at", "first_comment_at", "first_claim_at")
    return row.get(pk=thread_obj.pk)


def assert_kept(*threads: Question) -> None:
    for thread_obj in threads:
        thread_obj.refresh_from_db()
        assert stored(thread_obj) == expected(thread_obj), thread_obj.title


def test_posting_moves_the_moments_forward_only_for_others_posts():
    asked = question()
    asker, other = asked.author, UserFactory()
    own = answer(question_obj=asked, author=asker)
    comment_post(author=asker, question=asked, body="Also tried a fresh venv.")
    comment_post(author=asker, answer=own, body="That did not work either.")
    assert stored(asked) == dict.fromkeys(stored(asked))  # all still None: only the asker
    first = answer(question_obj=asked, author=other)
    answer(question_obj=asked, author=UserFactory())
    comment_post(author=other, answer=own, body="Which version of Django?")
    comment_post(author=UserFactory(), question=asked, body="Post the traceback?")
    assert_kept(asked)
    assert stored(asked)["first_answer_at"] == first.created_at


def test_a_comment_on_a_hidden_answer_is_no_response(moderator):
    asked = question()
    hidden = answer(question_obj=asked)
    post_hide(moderator=moderator, post=hidden, reason="Spam")
    comment_post(author=UserFactory(), answer=hidden, body="This looks like spam.")
    assert_kept(asked)
    assert stored(asked) == dict.fromkeys(stored(asked))


def test_moderation_recomputes_them(moderator):
    asked = question()
    first = answer(question_obj=asked)
    second = answer(question_obj=asked)
    remark = comment_post(author=UserFactory(), answer=first, body="Which version?")
    later = comment_post(author=UserFactory(), question=asked, body="And the settings?")
    assert_kept(asked)
    post_hide(moderator=moderator, post=first, reason="Wrong")  # its comment goes too
    assert_kept(asked)
    assert stored(asked)["first_answer_at"] == second.created_at
    assert stored(asked)["first_comment_at"] == later.created_at
    post_delete(moderator=moderator, post=later, reason="Noise")
    post_delete(moderator=moderator, post=second, reason="Spam")
    assert_kept(asked)
    assert stored(asked) == {"first_answer_at": None, "first_comment_at": None,
                             "first_claim_at": None}  # fmt: skip
    post_unhide(moderator=moderator, post=first, reason="It was right")
    post_restore(moderator=moderator, post=later, reason="Fine after all")
    assert_kept(asked)
    assert stored(asked)["first_comment_at"] == remark.created_at


def test_a_merge_recomputes_both_threads(moderator):
    source, target = question(title="Source thread"), question(title="Target thread")
    answer(question_obj=source)
    comment_post(author=UserFactory(), question=source, body="Which version?")
    assert stored(target)["first_answer_at"] is None
    question_merge(moderator=moderator, question=source, into=target, reason="Same problem")
    assert_kept(source, target)
    assert stored(target)["first_answer_at"] is not None
    assert stored(target)["first_comment_at"] is not None


def test_a_claim_sets_the_first_claim_and_a_later_one_keeps_it():
    thread_obj = django_thread()
    mentor, second = approved_mentor(), approved_mentor()
    claim = mentoring.claim_create(mentor=mentor, question=thread_obj)
    assert stored(thread_obj)["first_claim_at"] == claim.created_at
    mentoring.claim_release(claim=claim, by=mentor, reason="Not my area after all.")
    mentoring.claim_create(
        mentor=second, question=thread_obj, now=claim.created_at + dt.timedelta(hours=1)
    )
    assert_kept(thread_obj)
    assert stored(thread_obj)["first_claim_at"] == claim.created_at


def test_the_importer_writes_them(tmp_path: Path, moderator):
    run(write(tmp_path, [*USERS, thread(1), thread(2, answers=[])]))
    q1, q2 = Question.objects.get(external_id="q1"), Question.objects.get(external_id="q2")
    assert_kept(q1, q2)
    assert stored(q1)["first_answer_at"] == dt.datetime(2024, 1, 1, 11, tzinfo=dt.UTC)
    assert stored(q1)["first_comment_at"] is None  # the only comment is the asker's
    assert stored(q2)["first_answer_at"] is None
    # A second run that hides nothing but moves an answer's time keeps them true.
    record = thread(1)
    record["answers"][0]["created_at"] = "2024-01-01T10:30:00Z"
    run(write(tmp_path, [*USERS, record]))
    assert_kept(q1)
    assert stored(q1)["first_answer_at"] == dt.datetime(2024, 1, 1, 10, 30, tzinfo=dt.UTC)


def test_the_figures_read_them():
    """threads_with_responses gives the earliest of the three, as posted through the
    services."""
    asked = question()
    reply = answer(question_obj=asked)
    remark = comment_post(author=UserFactory(), question=asked, body="Which version?")
    row = threads_with_responses().get(pk=asked.pk)
    assert row.first_response_at == min(reply.created_at, remark.created_at)


def test_refresh_of_every_thread_agrees_with_the_services(moderator):
    threads = [question(title=f"Thread number {n}") for n in range(3)]
    answer(question_obj=threads[0])
    comment_post(author=UserFactory(), question=threads[1], body="Which version?")
    post_hide(moderator=moderator, post=answer(question_obj=threads[2]), reason="Spam")
    before = [stored(t) for t in threads]
    assert thread_moments_refresh() == Question.objects.count()
    assert [stored(t) for t in threads] == before
    assert_kept(*threads)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_them_for_existing_threads():
    """qa 0016 and mentoring 0003 compute the moments of threads written before them."""
    asked = question()
    asker = asked.author
    answer(question_obj=asked, author=asker)
    reply = answer(question_obj=asked)
    mentor = UserFactory()
    Claim.objects.create(
        question=asked, mentor=mentor, created_at=reply.created_at,
        reply_due_at=reply.created_at + dt.timedelta(hours=4),
    )  # fmt: skip
    remark = comment_post(author=User.objects.exclude(pk=asker.pk).first(), answer=reply,
                          body="Thanks, that was it.")  # fmt: skip
    Question.objects.update(
        first_answer_at=None, first_comment_at=None, first_claim_at=None, first_of_author=False
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("mentoring", "0002_mentorships"), ("qa", "0015_question_accepted_at")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    asked.refresh_from_db()
    assert stored(asked) == {
        "first_answer_at": reply.created_at,
        "first_comment_at": remark.created_at,
        "first_claim_at": reply.created_at,
    }
    assert asked.first_of_author


def firsts() -> set[str]:
    return set(Question.objects.filter(first_of_author=True).values_list("title", flat=True))


def test_asking_marks_each_askers_first_question(moderator):
    ann, bo = UserFactory(), UserFactory()
    first = question(author=ann, title="Ann asks first")
    question(author=ann, title="Ann asks again")
    question(author=bo, title="Bo asks first")
    assert firsts() == {"Ann asks first", "Bo asks first"}
    post_delete(moderator=moderator, post=first, reason="Spam")  # still her first
    assert firsts() == {"Ann asks first", "Bo asks first"}


def test_the_importer_marks_first_questions_by_time_across_runs(tmp_path: Path):
    later = thread(1, title="Asked in the spring", created_at="2024-04-01T10:00:00Z")
    run(write(tmp_path, [*USERS, later]))
    assert firsts() == {"Asked in the spring"}
    # An older thread of the same asker arrives in a second import: it is the first now.
    earlier = thread(2, title="Asked in the winter", created_at="2024-01-01T10:00:00Z")
    run(write(tmp_path, [*USERS, earlier]))
    assert firsts() == {"Asked in the winter"}
    # Re-imported under another asker, the spring thread is that asker's first.
    run(write(tmp_path, [*USERS, thread(1, title="Asked in the spring", author="u4",
                                        created_at="2024-04-01T10:00:00Z")]))  # fmt: skip
    assert firsts() == {"Asked in the winter", "Asked in the spring"}


def test_the_command_recomputes_rows_written_around_the_services(moderator):
    from django.core.management import call_command

    asked, other = question(title="Written by hand"), question(title="Also by hand")
    now = asked.created_at
    Answer.objects.create(question=asked, author=UserFactory(), body="x", body_html="x",
                          created_at=now, updated_at=now)  # fmt: skip
    Comment.objects.create(question=other, author=UserFactory(), body="y", body_html="y",
                           created_at=now)  # fmt: skip
    Claim.objects.create(question=other, mentor=UserFactory(), created_at=now,
                         reply_due_at=now + dt.timedelta(hours=4))  # fmt: skip
    Question.objects.update(first_of_author=False)
    out = StringIO()
    call_command("refresh_thread_moments", stdout=out)
    assert "Recomputed the first-response moments of 2 threads" in out.getvalue()
    assert_kept(asked, other)
    assert stored(asked)["first_answer_at"] == now
    assert stored(other)["first_claim_at"] == now
    assert firsts() == {"Written by hand", "Also by hand"}
