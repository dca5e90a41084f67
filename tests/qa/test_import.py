"""import_threads: counts, scores, accepted answers, idempotency and bad lines."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from qa.models import Answer, Comment, Question, Tag, Vote

pytestmark = pytest.mark.django_db


def user(n: int) -> dict:
    return {"type": "user", "id": f"u{n}", "username": f"imported{n}",
            "email": f"imported{n}@example.org", "display_name": f"Imported {n}",
            "date_joined": "2023-01-01T00:00:00Z"}  # fmt: skip


def thread(n: int, **changes) -> dict:
    return {
        "type": "question", "id": f"q{n}", "author": "u1", "title": f"How do I import thread {n}?",
        "body": "Some **Markdown** body.", "tags": ["Django", "orm"], "created_at":
        "2024-01-01T10:00:00Z", "views": 7,
        "answers": [
            {"id": f"a{n}.0", "author": "u2", "body": "First", "created_at": "2024-01-01T11:00:00Z",
             "accepted": False, "comments": []},
            {"id": f"a{n}.1", "author": "u3", "body": "Second", "created_at":
             "2024-01-01T12:00:00Z", "accepted": True,
             "comments": [{"id": f"c{n}", "author": "u1", "body": "Thanks",
                           "created_at": "2024-01-02T09:00:00Z"}]},
        ],
        "comments": [], "votes": {"up": ["u2", "u3"], "down": ["u4"]}, **changes,
    }  # fmt: skip


def write(tmp_path: Path, records: list, extra_lines: list[bytes] = ()) -> Path:
    path = tmp_path / "threads.jsonl"
    lines = [json.dumps(r).encode() for r in records] + list(extra_lines)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_threads", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_creates_threads_with_scores_accepted_answers_and_tags(tmp_path):
    path = write(tmp_path, [user(n) for n in range(1, 5)] + [thread(1), thread(2)])

    out, _ = run(path)

    assert "2 questions" in out
    q = Question.objects.get(external_id="q1")
    assert (q.score, q.answer_count, q.view_count, q.status) == (1, 2, 7, "solved")
    assert q.accepted_answer == Answer.objects.get(external_id="a1.1")
    assert "<strong>Markdown</strong>" in q.body_html
    assert sorted(t.name for t in q.tags.all()) == ["django", "orm"]
    assert q.last_activity_at.isoformat().startswith("2024-01-02T09:00")
    assert Comment.objects.get(external_id="c1").answer.external_id == "a1.1"
    assert Vote.objects.filter(question=q).count() == 3
    assert q.search_vector is not None


def test_imported_members_cannot_sign_in_until_they_reset(tmp_path, client):
    run(write(tmp_path, [user(1)]))

    member = User.objects.get(username="imported1")
    assert not member.has_usable_password()
    response = client.post("/accounts/login/", {"login": "imported1", "password": ""})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_a_second_run_updates_instead_of_duplicating(tmp_path):
    records = [user(n) for n in range(1, 5)] + [thread(1)]
    run(write(tmp_path, records))
    changed = thread(1, title="A corrected title for thread one", votes={"up": ["u2"], "down": []})

    run(write(tmp_path, [user(n) for n in range(1, 5)] + [changed]))

    assert Question.objects.count() == 1
    assert Answer.objects.count() == 2
    assert Comment.objects.count() == 1
    assert User.objects.filter(username__startswith="imported").count() == 4
    q = Question.objects.get()
    assert (q.title, q.score) == ("A corrected title for thread one", 1)
    assert Vote.objects.filter(question=q).count() == 1


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path):
    records = [user(n) for n in range(1, 5)] + [
        thread(1),
        thread(2, author="u99"),
        thread(3, title=42),
        thread(4, body="x" * 30_001),
        {"type": "mystery"},
    ]
    path = write(tmp_path, records, [b"{not json", b'{"type": "question", "id": "q\xff"}', b"[1]"])

    out, err = run(path)

    assert Question.objects.filter(external_id="q1").exists()
    assert Question.objects.count() == 1
    for number in (6, 7, 8, 9, 10, 11, 12):
        assert f"line {number}:" in err
    assert "unknown author 'u99'" in err
    assert "7 bad lines skipped" in out


def test_stop_on_error_rolls_back_everything(tmp_path):
    path = write(tmp_path, [user(n) for n in range(1, 5)] + [thread(1), thread(2, tags=[])])

    with pytest.raises(CommandError, match="line 6"):
        run(path, "--on-error=stop")

    assert not Question.objects.exists()
    assert not User.objects.filter(username__startswith="imported").exists()


def test_long_titles_are_cut_at_a_word_and_odd_tags_normalised(tmp_path):
    long_title = "word " * 60
    run(
        write(
            tmp_path,
            [user(n) for n in range(1, 5)]
            + [thread(1, title=long_title, tags=["C++ / STL", "Node.JS"])],
        )
    )

    q = Question.objects.get()
    assert len(q.title) <= 150
    assert q.title.endswith("…")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["c++-stl", "node.js"]


def test_a_generated_community_imports_in_batches(tmp_path, monkeypatch):
    monkeypatch.setattr("qa.importer.BATCH_SIZE", 7)
    records = [user(n) for n in range(1, 21)]
    for n in range(30):
        records.append(
            thread(
                n,
                author=f"u{1 + n % 20}",
                answers=[
                    {"id": f"a{n}.{k}", "author": f"u{1 + (n + k + 1) % 20}", "body": f"Answer {k}",
                     "created_at": "2024-02-01T00:00:00Z", "accepted": k == n % 4, "comments": []}
                    for k in range(3)
                ],
                votes={"up": [f"u{1 + (n + 5) % 20}"], "down": []},
            )
        )  # fmt: skip

    out, err = run(write(tmp_path, records))

    assert "30 questions, 90 answers" in out
    assert "questions (" in err
    assert Question.objects.filter(status="solved").count() == 23
    assert all(q.accepted_answer_id for q in Question.objects.filter(status="solved"))
