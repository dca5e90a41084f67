"""import_threads: counts, scores, accepted answers, idempotency, bad lines and batches."""

from __future__ import annotations

import random

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError

from accounts.models import User
from qa import importer
from qa.models import Answer, Comment, Question, Tag, Vote
from qa.services import answer_post
from tests.accounts.mail import queued_emails
from tests.factories import PASSWORD, UserFactory
from tests.qa.import_records import USERS, run, thread, user, write

pytestmark = pytest.mark.django_db


def generated_community(questions: int, users: int) -> list[dict]:
    """A community in the benchmark data set's format: users, then threads of three
    answers with votes from a seeded random generator (one accepted answer in two)."""
    rng = random.Random(42)  # noqa: S311 - test data, not secrets
    records: list[dict] = [user(n) for n in range(1, users + 1)]
    tags = ["django", "orm", "celery", "redis", "postgresql", "htmx"]
    for n in range(questions):

        def voters() -> dict:
            chosen = rng.sample(range(1, users + 1), rng.randint(0, 6))
            half = len(chosen) // 2
            return {
                "up": [f"u{v}" for v in chosen[half:]],
                "down": [f"u{v}" for v in chosen[:half]],
            }

        accepted = rng.choice([None, 0, 1, 2])
        records.append({
            "type": "question", "id": f"g{n}", "author": f"u{rng.randint(1, users)}",
            "title": f"Generated question {n} about {rng.choice(tags)}",
            "body": f"Body {n} with `code`.", "tags": rng.sample(tags, 2),
            "created_at": f"2024-02-{1 + n % 28:02d}T10:00:00Z", "views": rng.randint(0, 500),
            "answers": [
                {"id": f"g{n}.{i}", "author": f"u{rng.randint(1, users)}", "body": f"Answer {i}",
                 "created_at": f"2024-02-{1 + n % 28:02d}T1{i + 1}:00:00Z",
                 "accepted": i == accepted, "comments": [], "votes": voters()}
                for i in range(3)
            ],
            "comments": [], "votes": voters(),
        })  # fmt: skip
    return records


def test_a_generated_community_imports_with_the_right_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 7)
    records = generated_community(30, 20)
    threads = [r for r in records if r["type"] == "question"]
    # A member's vote on their own post is dropped on import.
    for t in threads:
        for post in [t, *t["answers"]]:
            for side in ("up", "down"):
                post["votes"][side] = [v for v in post["votes"][side] if v != post["author"]]
    path = write(tmp_path, records)

    out, err = run(path)

    posts = [p for t in threads for p in [t, *t["answers"]]]
    votes = sum(len(p["votes"]["up"]) + len(p["votes"]["down"]) for p in posts)
    assert f"20 users, 30 questions, 90 answers, 0 comments and {votes} votes" in out
    assert "0 bad lines skipped" in out
    assert err.count("questions/s") == 5  # a progress line for each batch of 7
    assert Question.objects.count() == 30
    assert Answer.objects.count() == 90
    assert Vote.objects.count() == votes
    for t in threads:
        q = Question.objects.get(external_id=t["id"])
        assert q.title == t["title"]
        assert q.score == len(t["votes"]["up"]) - len(t["votes"]["down"])
        assert q.view_count == t["views"]
        assert q.answer_count == 3
        assert sorted(q.tags.values_list("name", flat=True)) == sorted(t["tags"])
        accepted = [a["id"] for a in t["answers"] if a["accepted"]]
        assert q.status == ("solved" if accepted else "open")
        assert (q.accepted_answer.external_id if q.accepted_answer else None) == (
            accepted[0] if accepted else None
        )
        assert q.last_activity_at.strftime("%Y-%m-%dT%H:%M:%SZ") == t["answers"][-1]["created_at"]
        assert q.search_vector
        assert q.title_vector
        assert q.body_html.startswith("<p>")
    assert Question.objects.filter(search_vector="migration").count() == sum(
        "migration" in (t["title"] + t["body"]).lower() for t in threads
    )


def test_a_thread_keeps_its_scores_accepted_answer_comments_and_times(tmp_path):
    run(write(tmp_path, [*USERS, thread(1)]))

    q = Question.objects.get(external_id="q1")
    # u1 is the asker: their vote on their own question is dropped, as u2's on their answer.
    assert (q.score, q.answer_count, q.view_count, q.status) == (1, 2, 7, "solved")
    assert q.accepted_answer == Answer.objects.get(external_id="a1.1")
    assert Answer.objects.get(external_id="a1.0").score == 1
    assert Vote.objects.filter(question=q).count() == 3
    assert "<strong>Markdown</strong>" in q.body_html
    assert sorted(t.name for t in q.tags.all()) == ["django", "orm"]
    assert q.created_at.isoformat() == "2024-01-01T10:00:00+00:00"
    assert q.last_activity_at.isoformat() == "2024-01-02T09:00:00+00:00"
    assert Comment.objects.get(external_id="c1").answer.external_id == "a1.1"
    assert q.author.username == "imported1"


def test_imported_members_cannot_sign_in_with_any_password_until_they_reset(
    tmp_path, client, django_capture_on_commit_callbacks
):
    run(write(tmp_path, [user(1)]))

    member = User.objects.get(username="imported1")
    assert not member.has_usable_password()
    assert not any(member.check_password(p) for p in ("", "imported1", "!", member.password))
    assert not EmailAddress.objects.filter(user=member, verified=True).exists()
    for password in ("", "imported1", member.password):
        client.post("/accounts/login/", {"login": "imported1", "password": password})
        assert "_auth_user_id" not in client.session
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "imported1@example.org"})
    assert [m["to"] for m in queued_emails()] == [["imported1@example.org"]]


def test_a_second_run_updates_instead_of_duplicating(tmp_path):
    run(write(tmp_path, [*USERS, thread(1), thread(2)]))
    changed = thread(
        1,
        title="A corrected title for thread one",
        tags=["python"],
        votes={"up": ["u2"], "down": []},
        answers=[{**thread(1)["answers"][0], "accepted": True}, thread(1)["answers"][1]],
    )
    changed["answers"][1] = {**changed["answers"][1], "accepted": False}

    out, _ = run(write(tmp_path, [*[user(n, display_name=f"New {n}") for n in range(1, 5)],
                                  changed, thread(2)]))  # fmt: skip

    assert "4 users, 2 questions, 4 answers, 2 comments" in out
    assert Question.objects.count() == 2
    assert Answer.objects.count() == 4
    assert Comment.objects.count() == 2
    assert User.objects.filter(username__startswith="imported").count() == 4
    assert User.objects.get(username="imported2").display_name == "New 2"
    q = Question.objects.get(external_id="q1")
    assert (q.title, q.score, q.status) == ("A corrected title for thread one", 1, "solved")
    assert q.accepted_answer.external_id == "a1.0"
    assert [t.name for t in q.tags.all()] == ["python"]
    assert Vote.objects.filter(question=q).count() == 1
    assert Vote.objects.count() == 1 + 1 + 3 + 1  # q1, a1.0, q2 and a2.0


def test_a_member_who_signed_up_here_keeps_their_account(tmp_path):
    member = UserFactory(username="imported1", email="mine@example.org", display_name="Me")

    run(write(tmp_path, [*USERS, thread(1)]))

    member.refresh_from_db()
    assert (member.email, member.display_name) == ("mine@example.org", "Me")
    assert member.check_password(PASSWORD)
    assert Question.objects.get().author == member


def test_a_second_run_keeps_what_happened_here(tmp_path):
    path = write(tmp_path, [*USERS, thread(1)])
    run(path)
    q = Question.objects.get()
    answer_post(author=User.objects.get(username="imported4"), question=q, body="Posted here.")
    Question.objects.filter(pk=q.pk).update(status="closed", closed_reason="Off topic")
    Answer.objects.filter(external_id="a1.0").update(hidden=True)

    run(path)

    q.refresh_from_db()
    # The answer posted here counts, the one hidden here does not (public answers only).
    assert (q.status, q.answer_count) == ("closed", 2)
    assert q.accepted_answer.external_id == "a1.1"
    assert Answer.objects.get(external_id="a1.0").hidden


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_LINE_BYTES", 40_000)
    no_date = thread(9)
    del no_date["created_at"]
    records = [
        *USERS,                                                      # lines 1-4
        thread(1),                                                   # 5: fine
        thread(2, author="u99"),                                     # 6
        thread(3, title=42),                                         # 7
        thread(4, body="x" * 30_001),                                # 8
        {"type": "mystery"},                                         # 9
        thread(5, votes={"up": ["u42"], "down": []}),                # 10
        thread(6, views="many"),                                     # 11
        thread(7, tags="django"),                                    # 12
        no_date,                                                     # 13
        thread(10, answers=[thread(10)["answers"][0]] * 2),          # 14
        user(5, username="bad name!"),                               # 15
        thread(11, body="y" * 45_000),                               # 16: too long a line
    ]  # fmt: skip
    extra = (b"{not json", b'{"type": "question", "id": "q\xff"}', b"[1]")  # 17, 18, 19
    path = write(tmp_path, [*records, thread(12)], extra)  # thread 12 is line 17 -> 20

    out, err = run(path)

    assert set(Question.objects.values_list("external_id", flat=True)) == {"q1", "q12"}
    for number, reason in [
        (6, "unknown author 'u99'"),
        (7, "'title' must be a string"),
        (8, "'body' is longer than 30,000 characters"),
        (9, "unknown record type 'mystery'"),
        (10, "unknown voter 'u42'"),
        (11, "'views' must be a whole number"),
        (12, "'tags' must be a non-empty list of strings"),
        (13, "'created_at' must be an ISO 8601 date and time"),
        (14, "an answer or comment id appears twice"),
        (15, "'username' may hold"),
        (16, "longer than 40,000 bytes"),
        (18, "not valid JSON"),
        (19, "not valid UTF-8"),
        (20, "a line must hold a JSON object"),
    ]:
        assert f"line {number}: {reason}" in err
    assert "14 bad lines skipped" in out
    assert not User.objects.filter(username="bad name!").exists()


def test_stop_on_error_exits_and_leaves_nothing_of_the_failing_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    records = [*USERS, thread(1), thread(2), thread(3), thread(4, tags=[]), thread(5)]

    with pytest.raises(CommandError, match=r"line 8: 'tags' must be"):
        run(write(tmp_path, records), "--on-error=stop")

    # The batch of q1 and q2 was committed; q3 shared its batch with the bad line.
    assert set(Question.objects.values_list("external_id", flat=True)) == {"q1", "q2"}
    assert Answer.objects.count() == 4


def test_stop_on_error_with_atomic_leaves_nothing_at_all(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    records = [*USERS, thread(1), thread(2), thread(3), thread(4, tags=[])]

    with pytest.raises(CommandError, match="nothing was kept"):
        run(write(tmp_path, records), "--on-error=stop", "--atomic")

    assert not Question.objects.exists()
    assert not User.objects.filter(username__startswith="imported").exists()


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "upserts"])
def test_a_batch_that_fails_while_written_leaves_nothing_half_written(tmp_path, monkeypatch, copy):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    monkeypatch.setattr(importer, "COPY_NEW_BATCHES", copy)
    counted = importer.Importer._count
    calls = []

    def fails_the_second_time(self, *args):
        # Called once a batch is written, before its transaction commits.
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        counted(self, *args)

    monkeypatch.setattr(importer.Importer, "_count", fails_the_second_time)

    with pytest.raises(RuntimeError):
        run(write(tmp_path, [*USERS, thread(1), thread(2), thread(3), thread(4)]))

    assert set(Question.objects.values_list("external_id", flat=True)) == {"q1", "q2"}
    assert set(Answer.objects.values_list("question__external_id", flat=True)) == {"q1", "q2"}
    assert not Vote.objects.filter(question__external_id__in=["q3", "q4"]).exists()
    assert not Comment.objects.filter(answer__question__external_id__in=["q3", "q4"]).exists()


def test_long_titles_are_cut_at_a_word_and_odd_tags_normalised(tmp_path):
    long_title = "word " * 60
    run(
        write(
            tmp_path,
            [*USERS, thread(1, title=long_title, tags=["C++ / STL", "Node.JS", "#Hash", "c"])],
        )
    )

    q = Question.objects.get()
    assert len(q.title) <= 150
    assert q.title.endswith("word…")
    names = sorted(Tag.objects.values_list("name", "slug"))
    assert names == [("c", "c"), ("c++-stl", "c-plus-plus-stl"), ("hash", "hash"),
                     ("node.js", "nodejs")]  # fmt: skip


def test_answer_and_comment_ids_repeated_across_threads_do_not_break_a_batch(tmp_path):
    second = thread(2)
    second["answers"][0]["id"] = "a1.0"  # the same answer id as thread 1's

    out, _ = run(write(tmp_path, [*USERS, thread(1), second]))

    assert "0 bad lines skipped" in out
    assert Answer.objects.get(external_id="a1.0").question.external_id == "q2"


def test_new_tags_whose_slugs_collide_are_numbered(tmp_path):
    Tag.objects.create(name="cplusplus", slug="c-plus-plus-2")

    run(write(tmp_path, [*USERS, thread(1, tags=["C++", "c-plus-plus"]), thread(2, tags=["c"])]))

    assert sorted(Tag.objects.values_list("name", "slug")) == [
        ("c", "c"), ("c++", "c-plus-plus"), ("c-plus-plus", "c-plus-plus-3"),
        ("cplusplus", "c-plus-plus-2"),
    ]  # fmt: skip


def test_pages_cached_before_an_import_show_what_it_wrote(tmp_path, client):
    # The rows are copied without the models' signals; the importer renews the cache.
    run(write(tmp_path, [*USERS, thread(1)]))
    imported = Question.objects.get(external_id="q1")
    assert "How do I import thread 1?" in client.get("/questions/").content.decode()
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "Some <strong>Markdown</strong>" in page

    run(write(tmp_path, [*USERS, thread(1, body="A *new* body."), thread(2)]))

    assert "How do I import thread 2?" in client.get("/questions/").content.decode()
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "A <em>new</em> body." in page
    assert "Some <strong>Markdown</strong>" not in page
