"""The Q&A API: the whole flow with a token, and bad input that changes nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import MODERATORS_GROUP
from qa.models import Answer, Comment, Question, Revision, Vote
from qa.services import answer_accept, comment_post, vote_cast
from tests.factories import TagFactory, UserFactory, answer, question, ready_to_ask

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


def db_state() -> tuple:
    """Everything a refused write must leave as it was."""
    return (
        list(Question.objects.order_by("pk").values()),
        list(Answer.objects.order_by("pk").values()),
        list(Comment.objects.order_by("pk").values()),
        list(Vote.objects.order_by("pk").values()),
        Revision.objects.count(),
    )


@pytest.fixture
def tags():
    return [TagFactory(name="django"), TagFactory(name="orm")]


def ask(client, user=None, **changes):
    data = {"title": "Why does select_related not reduce my queries?",
            "body": "I call `select_related('author')` but still see N+1 queries.",
            "tags": ["django", "orm"], **changes}  # fmt: skip
    if user is not None and "checklist" not in changes:
        data["checklist"] = ready_to_ask(user)
    # Encoded here with ASCII escapes, so that unpaired surrogates reach the server.
    return client.post("/api/v1/questions/", json.dumps(data), content_type="application/json")


def test_the_whole_thread_through_the_api(tags):
    asker, helper = UserFactory(), UserFactory()
    as_asker, as_helper = client_for(asker), client_for(helper)

    created = ask(as_asker, asker)
    assert created.status_code == 201, created.json()
    thread = created.json()
    assert thread["url"] == f"/questions/{thread['id']}/"
    assert thread["tags"] == ["django", "orm"]
    assert "<code>select_related('author')</code>" in thread["body_html"]
    qid = thread["id"]

    posted = as_helper.post(
        f"/api/v1/questions/{qid}/answers/", {"body": "Use `prefetch_related`."}
    )
    assert posted.status_code == 201
    aid = posted.json()["id"]
    assert as_helper.post(f"/api/v1/questions/{qid}/vote/", {"value": 1}).json() == {
        "score": 1,
        "value": 1,
    }
    assert as_asker.post(f"/api/v1/answers/{aid}/vote/", {"value": 1}).status_code == 200
    assert as_asker.post(f"/api/v1/answers/{aid}/comments/", {"body": "Thanks!"}).status_code == 201
    assert (
        as_helper.post(f"/api/v1/questions/{qid}/comments/", {"body": "Which version?"}).status_code
        == 201
    )

    accepted = as_asker.post(f"/api/v1/answers/{aid}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "solved"
    assert accepted.json()["accepted_answer_id"] == aid

    noted = as_asker.post(f"/api/v1/questions/{qid}/solution-note/", {"note": "prefetch fixed it"})
    assert noted.status_code == 200

    detail = APIClient().get(f"/api/v1/questions/{qid}/").json()
    assert detail["score"] == 1
    assert detail["answer_count"] == 1
    assert "prefetch fixed it" in detail["solution_note_html"]
    [a] = detail["answers"]
    assert (a["id"], a["is_accepted"], a["score"]) == (aid, True, 1)
    assert [c["body"] for c in a["comments"]] == ["Thanks!"]
    assert [c["body"] for c in detail["comments"]] == ["Which version?"]


def test_the_author_edits_and_a_revision_is_kept(tags):
    q = question(tags=tags, title="Old title here")

    response = client_for(q.author).patch(
        f"/api/v1/questions/{q.pk}/", {"title": "A better, specific title"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["title"] == "A better, specific title"
    assert Revision.objects.get().previous_title == "Old title here"


def test_others_cannot_edit(tags):
    q = question(tags=tags)

    response = client_for(UserFactory()).patch(f"/api/v1/questions/{q.pk}/", {"title": "Mine now"})

    assert response.status_code == 403
    q.refresh_from_db()
    assert q.title != "Mine now"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 30_001}, "body"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
        ({"tags": []}, "tags"),
        ({"tags": ["Bad Tag!"]}, "tags"),
        ({"tags": ["nosuchtag"]}, "tags"),
        ({"title": "nul \x00 byte in title"}, "title"),
        ({"title": 12345}, "title"),
        ({"body": ["a list"]}, "body"),
        ({"tags": "django"}, "tags"),
        ({"tags": [1, 2]}, "tags"),
        ({"title": None}, "title"),
    ],
)
def test_bad_questions_get_400_naming_the_field(tags, changes, field):
    member = UserFactory()
    response = ask(client_for(member), member, **changes)

    assert response.status_code == 400
    assert field in response.json()
    assert not Question.objects.exists()


def test_malformed_json_gets_400(tags):
    response = client_for(UserFactory()).post(
        "/api/v1/questions/", b'{"title": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert "detail" in response.json()


def test_anonymous_writes_get_401(tags):
    q = question(tags=tags)

    assert ask(APIClient()).status_code == 401
    assert APIClient().post(f"/api/v1/questions/{q.pk}/answers/", {"body": "x"}).status_code == 401
    assert APIClient().post(f"/api/v1/questions/{q.pk}/vote/", {"value": 1}).status_code == 401
    assert Question.objects.count() == 1
    assert not Answer.objects.exists()


@pytest.mark.parametrize("value", [2, -2, "1", True, None, 0.5, "up"])
def test_votes_other_than_1_minus_1_or_0_get_400(value):
    q = question()

    response = client_for(UserFactory()).post(
        f"/api/v1/questions/{q.pk}/vote/", {"value": value}, format="json"
    )

    assert response.status_code == 400
    assert "value" in response.json()
    assert not Vote.objects.exists()


def test_votes_on_own_posts_get_403():
    q = question()
    a = answer(question_obj=q)

    assert (
        client_for(q.author).post(f"/api/v1/questions/{q.pk}/vote/", {"value": 1}).status_code
        == 403
    )
    assert (
        client_for(a.author).post(f"/api/v1/answers/{a.pk}/vote/", {"value": 1}).status_code == 403
    )
    assert not Vote.objects.exists()


def test_accepting_someone_elses_thread_gets_403():
    q = question()
    a = answer(question_obj=q)

    response = client_for(a.author).post(f"/api/v1/answers/{a.pk}/accept/")

    assert response.status_code == 403
    q.refresh_from_db()
    assert q.accepted_answer is None


def test_a_moderator_may_accept():
    q = question()
    a = answer(question_obj=q)

    assert client_for(moderator()).post(f"/api/v1/answers/{a.pk}/accept/").status_code == 200


def test_acting_on_hidden_or_missing_posts_gets_404():
    q = question()
    a = answer(question_obj=question())
    Question.objects.filter(pk=q.pk).update(hidden=True)
    Answer.objects.filter(pk=a.pk).update(hidden=True)
    other = client_for(UserFactory())

    assert other.get(f"/api/v1/questions/{q.pk}/").status_code == 404
    assert other.post(f"/api/v1/questions/{q.pk}/answers/", {"body": "x"}).status_code == 404
    assert other.post(f"/api/v1/questions/{q.pk}/vote/", {"value": 1}).status_code == 404
    assert other.post(f"/api/v1/answers/{a.pk}/vote/", {"value": 1}).status_code == 404
    assert other.post(f"/api/v1/answers/{a.pk}/comments/", {"body": "x"}).status_code == 404
    assert other.post("/api/v1/answers/999999/accept/").status_code == 404
    assert other.get("/api/v1/questions/999999/").status_code == 404
    assert not Vote.objects.exists()
    assert not Comment.objects.exists()


def test_hidden_question_is_missing_from_list_and_search_but_its_author_sees_it():
    q = question(title="Hidden thread about websockets")
    Question.objects.filter(pk=q.pk).update(hidden=True)

    anonymous = APIClient()
    assert anonymous.get("/api/v1/questions/").json()["count"] == 0
    assert anonymous.get("/api/v1/search/?q=websockets").json()["count"] == 0
    assert client_for(q.author).get(f"/api/v1/questions/{q.pk}/").status_code == 200


def test_closed_thread_takes_no_answers_through_the_api():
    q = question()
    Question.objects.filter(pk=q.pk).update(status="closed", closed_reason="Off topic")

    response = client_for(UserFactory()).post(f"/api/v1/questions/{q.pk}/answers/", {"body": "x"})

    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_list_filters_sorts_and_paginates(tags):
    for n in range(25):
        question(tags=tags[:1], title=f"Thread number {n} about caching")
    solved = question(tags=tags[1:], title="The solved one")
    answer_accept(user=solved.author, answer=answer(question_obj=solved))
    api = APIClient()

    page = api.get("/api/v1/questions/").json()
    assert (page["count"], len(page["results"])) == (26, 20)
    assert page["next"]
    assert api.get("/api/v1/questions/?page=2").json()["previous"] is not None
    assert [q["title"] for q in api.get("/api/v1/questions/?status=solved").json()["results"]] == [
        "The solved one"
    ]
    assert api.get("/api/v1/questions/?tag=orm").json()["count"] == 1
    assert api.get("/api/v1/questions/?sort=unanswered").json()["count"] == 25
    assert api.get("/api/v1/questions/?q=solved").json()["count"] == 1


@pytest.mark.parametrize("query", ["sort=bogus", "status=maybe", "tag=Not A Slug"])
def test_bad_list_parameters_get_400_naming_them(query):
    response = APIClient().get(f"/api/v1/questions/?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_search_endpoint_needs_a_query_and_returns_plain_snippets():
    question(title="Gunicorn timeout behind nginx", body="The worker <b>times out</b> after 30 s")

    assert APIClient().get("/api/v1/search/").status_code == 400
    hit = APIClient().get("/api/v1/search/?q=gunicorn").json()["results"][0]
    assert hit["title"] == "Gunicorn timeout behind nginx"
    assert "\ue000" not in hit["snippet"]


def test_tags_with_counts(tags):
    question(tags=tags)

    results = APIClient().get("/api/v1/tags/").json()["results"]

    assert {t["name"]: t["question_count"] for t in results} == {"django": 1, "orm": 1}


QUESTION_FIELDS = {
    "id", "url", "title", "body", "body_html", "author", "tags", "score", "status",
    "answer_count", "view_count", "created_at", "updated_at", "last_activity_at",
    "accepted_answer_id", "closed_reason", "duplicate_of", "locked", "solution_note_html",
}  # fmt: skip
ANSWER_FIELDS = {
    "id", "url", "body", "body_html", "author", "score", "is_accepted", "created_at",
    "updated_at", "comments",
}  # fmt: skip
COMMENT_FIELDS = {"id", "body", "body_html", "author", "created_at"}
AUTHOR_FIELDS = {"id", "username", "display_name", "url"}


def test_objects_carry_the_documented_fields(tags):
    original = question(tags=tags)
    q = question(tags=tags)
    a = answer(question_obj=q)
    Question.objects.filter(pk=q.pk).update(
        status="closed", closed_reason="Duplicate", duplicate_of=original
    )
    helper = UserFactory()
    comment_post(author=helper, question=q, body="A *comment*")
    comment_post(author=helper, answer=a, body="On the answer")

    [listed, _] = APIClient().get("/api/v1/questions/?sort=newest").json()["results"]
    thread = APIClient().get(f"/api/v1/questions/{q.pk}/").json()

    assert set(listed) == QUESTION_FIELDS
    assert set(thread) == QUESTION_FIELDS | {"answers", "comments"}
    assert (thread["duplicate_of"], thread["status"]) == (original.pk, "closed")
    assert set(thread["author"]) == AUTHOR_FIELDS
    assert thread["author"]["url"] == f"/members/{q.author.username}/"
    [a_out] = thread["answers"]
    assert set(a_out) == ANSWER_FIELDS
    assert a_out["url"] == f"/questions/{q.pk}/#answer-{a.pk}"
    assert set(a_out["comments"][0]) == COMMENT_FIELDS
    assert set(thread["comments"][0]) == COMMENT_FIELDS
    assert "<em>comment</em>" in thread["comments"][0]["body_html"]


def test_asking_returns_the_thread_with_201(tags):
    member = UserFactory()

    response = ask(client_for(member), member)

    assert response.status_code == 201
    assert (response.json()["answers"], response.json()["comments"]) == ([], [])
    assert response.json()["author"]["username"] == member.username


def test_answers_come_accepted_first_then_by_score():
    q = question()
    low, high, chosen = (answer(question_obj=q) for _ in range(3))
    vote_cast(user=UserFactory(), answer=high, value=1)
    vote_cast(user=UserFactory(), answer=low, value=-1)
    answer_accept(user=q.author, answer=chosen)

    thread = APIClient().get(f"/api/v1/questions/{q.pk}/").json()

    assert [a["id"] for a in thread["answers"]] == [chosen.pk, high.pk, low.pk]
    assert [a["is_accepted"] for a in thread["answers"]] == [True, False, False]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "A title with an unpaired \ud800 surrogate"}, "title"),
        ({"body": "Body \udfff"}, "body"),
        ({"tags": ["django", "or\ud800m"]}, "tags"),
        ({"body": "nul \x00 in the body"}, "body"),
    ],
)
def test_text_the_database_cannot_store_gets_400(tags, payload, field):
    member = UserFactory()

    response = ask(client_for(member), member, **payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not Question.objects.exists()


def test_unstorable_text_in_the_checklist_gets_400_naming_it(tags):
    member = UserFactory()
    checklist = {**ready_to_ask(member), "expected": "It works \ud800"}

    response = ask(client_for(member), member, checklist=checklist)

    assert response.status_code == 400
    assert "checklist" in response.json()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"a": ' * 50_000, b"\xff\xfe{}", b'["a list"]', b'"a string"', b"null"],
)
def test_malformed_or_misshapen_json_gets_400(tags, raw):
    response = client_for(UserFactory()).post(
        "/api/v1/questions/", raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 2_001}, "body"),
        ({"body": 42}, "body"),
        ({"body": None}, "body"),
        ({"body": "nul \x00"}, "body"),
        ({}, "body"),
    ],
)
def test_bad_comments_get_400(payload, field):
    q = question()
    a = answer(question_obj=q)
    before = db_state()
    member = client_for(UserFactory())

    for path in (f"/api/v1/questions/{q.pk}/comments/", f"/api/v1/answers/{a.pk}/comments/"):
        response = member.post(path, payload, format="json")
        assert response.status_code == 400
        assert field in response.json()
    assert db_state() == before


@pytest.mark.parametrize(
    "payload", [{"body": ""}, {"body": "x" * 30_001}, {"body": ["text"]}, {"body": True}, {}]
)
def test_bad_answers_get_400(payload):
    q = question()
    before = db_state()

    response = client_for(UserFactory()).post(
        f"/api/v1/questions/{q.pk}/answers/", payload, format="json"
    )

    assert response.status_code == 400
    assert "body" in response.json()
    assert db_state() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"body": "x" * 30_001}, "body"),
        ({"tags": ["django", "orm", "a", "b", "c", "d"]}, "tags"),
        ({"tags": ["Not A Tag"]}, "tags"),
        ({"title": 7}, "title"),
        ({"tags": None}, "tags"),
    ],
)
def test_bad_edits_get_400_and_keep_no_revision(tags, payload, field):
    q = question(tags=tags)
    before = db_state()

    response = client_for(q.author).patch(f"/api/v1/questions/{q.pk}/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert db_state() == before


def test_a_moderator_may_edit_and_the_tags_change(tags):
    q = question(tags=tags[:1])

    response = client_for(moderator()).patch(
        f"/api/v1/questions/{q.pk}/", {"tags": ["orm"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["tags"] == ["orm"]
    assert Revision.objects.get().previous_tags == "django"


def test_only_the_asker_writes_the_solution_note():
    q = question()
    before = db_state()

    refused = client_for(UserFactory()).post(
        f"/api/v1/questions/{q.pk}/solution-note/", {"note": "mine"}
    )
    missing = client_for(q.author).post(f"/api/v1/questions/{q.pk}/solution-note/", {})
    not_text = client_for(q.author).post(
        f"/api/v1/questions/{q.pk}/solution-note/", {"note": 3}, format="json"
    )

    assert refused.status_code == 403
    assert (missing.status_code, not_text.status_code) == (400, 400)
    assert "note" in missing.json()
    assert "note" in not_text.json()
    assert db_state() == before


def test_every_write_needs_authentication(tags):
    q = question(tags=tags)
    a = answer(question_obj=q)
    before = db_state()
    anonymous = APIClient()

    responses = [
        anonymous.patch(f"/api/v1/questions/{q.pk}/", {"title": "Anonymous edit here"}),
        anonymous.post(f"/api/v1/questions/{q.pk}/comments/", {"body": "x"}),
        anonymous.post(f"/api/v1/answers/{a.pk}/comments/", {"body": "x"}),
        anonymous.post(f"/api/v1/answers/{a.pk}/vote/", {"value": 1}),
        anonymous.post(f"/api/v1/answers/{a.pk}/accept/"),
        anonymous.post(f"/api/v1/questions/{q.pk}/solution-note/", {"note": "x"}),
    ]

    assert [r.status_code for r in responses] == [401] * len(responses)
    assert all(r["WWW-Authenticate"].startswith("Token") for r in responses)
    assert db_state() == before


def test_a_bad_token_gets_401():
    q = question()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.post(f"/api/v1/questions/{q.pk}/vote/", {"value": 1}).status_code == 401
    assert not Vote.objects.exists()


def test_a_vote_changes_and_withdraws():
    q = question()
    voter = client_for(UserFactory())
    path = f"/api/v1/questions/{q.pk}/vote/"

    assert voter.post(path, {"value": 1}).json() == {"score": 1, "value": 1}
    assert voter.post(path, {"value": 1}).json() == {"score": 1, "value": 1}
    assert voter.post(path, {"value": -1}).json() == {"score": -1, "value": -1}
    assert voter.post(path, {"value": 0}).json() == {"score": 0, "value": 0}
    assert not Vote.objects.exists()


def test_a_form_encoded_vote_works():
    q = question()

    response = client_for(UserFactory()).post(
        f"/api/v1/questions/{q.pk}/vote/",
        "value=-1",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.json() == {"score": -1, "value": -1}


def test_acting_on_a_hidden_thread_or_answer_gets_404_and_changes_nothing():
    q = question()
    a = answer(question_obj=q)
    visible_thread = question()
    hidden_answer = answer(question_obj=visible_thread)
    Question.objects.filter(pk=q.pk).update(hidden=True)
    Answer.objects.filter(pk=hidden_answer.pk).update(hidden=True)
    before = db_state()
    other = client_for(UserFactory())
    asker = client_for(visible_thread.author)

    responses = [
        other.patch(f"/api/v1/questions/{q.pk}/", {"title": "A new title for it"}),
        other.post(f"/api/v1/questions/{q.pk}/comments/", {"body": "x"}),
        other.post(f"/api/v1/answers/{a.pk}/comments/", {"body": "x"}),
        other.post(f"/api/v1/answers/{a.pk}/vote/", {"value": 1}),
        other.post(f"/api/v1/questions/{q.pk}/solution-note/", {"note": "x"}),
        asker.post(f"/api/v1/answers/{hidden_answer.pk}/accept/"),
        asker.post(f"/api/v1/answers/{hidden_answer.pk}/comments/", {"body": "x"}),
        other.post("/api/v1/questions/999999/comments/", {"body": "x"}),
        other.post("/api/v1/answers/999999/vote/", {"value": 1}),
        other.post("/api/v1/questions/999999/solution-note/", {"note": "x"}),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all("detail" in r.json() for r in responses)
    assert db_state() == before


def test_hidden_question_is_visible_only_to_its_author_and_moderators():
    q = question(title="Hidden thread about websockets")
    Question.objects.filter(pk=q.pk).update(hidden=True)

    for client in (APIClient(), client_for(UserFactory())):
        assert client.get("/api/v1/questions/").json()["count"] == 0
        assert client.get("/api/v1/questions/?q=websockets").json()["count"] == 0
        assert client.get("/api/v1/search/?q=websockets").json()["count"] == 0
        assert client.get(f"/api/v1/questions/{q.pk}/").status_code == 404
    for client in (client_for(q.author), client_for(moderator())):
        assert client.get("/api/v1/questions/").json()["count"] == 1
        assert client.get("/api/v1/search/?q=websockets").json()["count"] == 1
        assert client.get(f"/api/v1/questions/{q.pk}/").status_code == 200


def test_hidden_answers_and_comments_are_left_out_of_the_thread_for_others():
    q = question()
    shown, hidden = answer(question_obj=q), answer(question_obj=q)
    comment = comment_post(author=UserFactory(), question=q, body="Hidden remark")
    Answer.objects.filter(pk=hidden.pk).update(hidden=True)
    Comment.objects.filter(pk=comment.pk).update(hidden=True)

    thread = APIClient().get(f"/api/v1/questions/{q.pk}/").json()
    own = client_for(hidden.author).get(f"/api/v1/questions/{q.pk}/").json()

    assert ([a["id"] for a in thread["answers"]], thread["comments"]) == ([shown.pk], [])
    assert {a["id"] for a in own["answers"]} == {shown.pk, hidden.pk}


def test_a_search_through_the_list_keeps_its_ranking_and_takes_the_filters(tags):
    body_only = question(tags=tags[:1], title="Some thread", body="It mentions caching once.")
    in_title = question(tags=tags[1:], title="Caching of querysets", body="Caching, caching.")
    api = APIClient()

    searched = [q["id"] for q in api.get("/api/v1/search/?q=caching").json()["results"]]
    listed = [q["id"] for q in api.get("/api/v1/questions/?q=caching").json()["results"]]

    assert listed == searched == [in_title.pk, body_only.pk]
    assert [
        q["id"] for q in api.get("/api/v1/questions/?q=caching&tag=django").json()["results"]
    ] == [body_only.pk]
    assert api.get("/api/v1/questions/?q=caching&status=solved").json()["count"] == 0
    assert api.get("/api/v1/questions/?q=caching&sort=unanswered").json()["count"] == 2


def test_search_with_a_blank_query_gets_400_naming_q():
    for path in ("/api/v1/search/", "/api/v1/search/?q=", "/api/v1/search/?q=%20%20"):
        response = APIClient().get(path)
        assert response.status_code == 400
        assert "q" in response.json()


@pytest.mark.parametrize("query", ['"', "-", "or", "!!!", "a:*", "\\", "&|", "%ED%A0%80", "%00"])
def test_odd_search_queries_never_fail(query):
    question(title="Caching question")

    for path in ("/api/v1/search/?q=", "/api/v1/questions/?q="):
        assert APIClient().get(path + query).status_code in (200, 400)
