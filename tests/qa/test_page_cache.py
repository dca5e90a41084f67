"""Cached thread pages (qa/page_cache.py): served without the database, never with
another request's nonce or CSRF token, and rendered afresh after every kind of write a
thread page shows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import Notification
from accounts.services import MODERATORS_GROUP
from mentoring.services import claim_create, claim_release
from moderation.models import CloseReason
from moderation.services import post_hide, question_close, question_lock, question_merge
from qa import page_cache
from qa.models import Question
from qa.services import (
    answer_accept,
    comment_post,
    question_edit,
    question_set_solution_note,
    vote_cast,
)
from tests.factories import TagFactory, UserFactory, answer, approved_mentor, question

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def moderator() -> Any:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def page(client: Any, thread: Question | str) -> str:
    response = client.get(thread if isinstance(thread, str) else thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def queries(client: Any, path: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_a_visitor_is_served_a_cached_page_without_the_database(client):
    thread = question(title="Cached thread about migrations")
    answer(question_obj=thread, body="Run `migrate --plan` first.")
    first, _response = queries(client, thread.get_absolute_url())
    again, response = queries(client, thread.get_absolute_url())

    assert first > 0
    assert again == 0
    assert "Run <code>migrate --plan</code> first." in response.content.decode()


def test_every_response_has_its_own_nonce_and_token_and_the_cache_neither(client, settings):
    thread = question()
    bodies, nonces, tokens = [], set(), set()
    for _ in range(3):
        client.cookies.clear()
        response = client.get(thread.get_absolute_url())
        body = response.content.decode()
        header = response.headers["Content-Security-Policy"]
        page_nonces = set(NONCE.findall(body))
        assert len(page_nonces) == 1
        (nonce,) = page_nonces
        assert f"'nonce-{nonce}'" in header
        page_tokens = set(FORM_TOKEN.findall(body))
        assert len(page_tokens) == 1
        assert settings.CSRF_COOKIE_NAME in response.cookies
        bodies.append(body)
        nonces.add(nonce)
        tokens |= page_tokens
    assert len(nonces) == 3
    assert len(tokens) == 3
    entry = cached(thread)
    assert entry is not None
    assert not any(secret in entry.body for secret in nonces | tokens)


def test_the_token_on_a_cached_page_is_accepted_with_its_cookie(client):
    thread = question()
    client.get(thread.get_absolute_url())  # fills the cache
    strict = type(client)(enforce_csrf_checks=True)
    body = strict.get(thread.get_absolute_url()).content.decode()
    (token,) = set(FORM_TOKEN.findall(body))
    response = strict.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 403  # no token: refused
    response = strict.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_languages_are_cached_apart(client):
    thread = question()
    english = page(client, thread)
    client.cookies["django_language"] = "zh-hans"
    chinese = page(client, thread)
    assert "Your answer" in english
    assert "Your answer" not in chinese
    assert 'lang="zh-Hans"' in chinese


def test_a_waiting_message_is_shown_not_a_cached_page(client):
    member = UserFactory()
    thread = question()
    page(client, thread)
    client.force_login(member)
    client.post("/accounts/logout/")
    assert "You have signed out." in page(client, thread)


def cached(thread: Question, viewer: str = "visitor") -> page_cache.Entry | None:
    """The thread's entry for an English reader in UTC, if one is filed."""
    with translation.override("en"), timezone.override(dt.UTC):
        return page_cache.lookup(page_cache.thread_scope(thread.pk), viewer).entry


Write = Callable[[Question], Any]


def _answered(thread: Question) -> Any:
    return answer(question_obj=thread, body="Fresh answer text")


def _commented(thread: Question) -> Any:
    comment_post(author=UserFactory(), question=thread, body="Fresh comment text")


def _answer_commented(thread: Question) -> Any:
    reply = thread.answers.get()
    comment_post(author=UserFactory(), answer=reply, body="Fresh comment on the answer")


def _voted_question(thread: Question) -> Any:
    for _ in range(7):
        vote_cast(user=UserFactory(), question=thread, value=1)


def _voted_answer(thread: Question) -> Any:
    for _ in range(7):
        vote_cast(user=UserFactory(), answer=thread.answers.get(), value=1)


def _accepted(thread: Question) -> Any:
    answer_accept(user=thread.author, answer=thread.answers.get())


def _edited(thread: Question) -> Any:
    question_edit(editor=thread.author, question=thread, title="Fresh title after the edit")


def _noted(thread: Question) -> Any:
    answer_accept(user=thread.author, answer=thread.answers.get())
    question_set_solution_note(user=thread.author, question=thread, note="Fresh note text")


def _answer_hidden(thread: Question) -> Any:
    post_hide(moderator=moderator(), post=thread.answers.get(), reason="spam")


def _closed(thread: Question) -> Any:
    reason = CloseReason.objects.filter(needs_target=False).first()
    question_close(moderator=moderator(), question=thread, close_reason=reason)


def _locked(thread: Question) -> Any:
    question_lock(moderator=moderator(), question=thread, reason="heated", locked=True)


def _claimed(thread: Question) -> Any:
    claim_create(mentor=approved_mentor(display_name="Fresh Mentor"), question=thread)


def _released(thread: Question) -> Any:
    claim_release(claim=thread.claims.get(), by=thread.claims.get().mentor, reason="No time")


def _merged_in(thread: Question) -> Any:
    other = question(title="The other thread")
    answer(question_obj=other, body="Fresh answer from the merged thread")
    question_merge(moderator=moderator(), question=other, into=thread, reason="same")


def _author_renamed(thread: Question) -> Any:
    thread.author.display_name = "Fresh Name"
    thread.author.save()


def _tag_renamed(thread: Question) -> Any:
    tag = thread.tags.get()
    tag.name = "fresh-tag"
    tag.save()


def _retagged(thread: Question) -> Any:
    thread.tags.add(TagFactory(name="freshly-added"))


WRITES: dict[str, tuple[Write, str, bool]] = {
    # name: (write, what the page shows after it, shown (or gone))
    "answer": (_answered, "Fresh answer text", True),
    "comment": (_commented, "Fresh comment text", True),
    "comment on an answer": (_answer_commented, "Fresh comment on the answer", True),
    "vote on the question": (_voted_question, ">7</span>", True),
    "vote on an answer": (_voted_answer, ">7</span>", True),
    "accept": (_accepted, "✓ Accepted answer", True),
    "edit": (_edited, "Fresh title after the edit", True),
    "what fixed it": (_noted, "Fresh note text", True),
    "answer hidden": (_answer_hidden, "The first answer", False),
    "close": (_closed, "Closed:", True),
    "lock": (_locked, ">Locked</span>", True),
    "claim": (_claimed, "Fresh Mentor", True),
    "release": (_released, "Being helped by", False),
    "merge": (_merged_in, "Fresh answer from the merged thread", True),
    "author renamed": (_author_renamed, "Fresh Name", True),
    "tag renamed": (_tag_renamed, "fresh-tag", True),
    "tags changed": (_retagged, "freshly-added", True),
}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
@pytest.mark.parametrize("name", list(WRITES))
def test_every_write_renders_the_page_afresh(client, viewer, name):
    write, text, shown = WRITES[name]
    thread = question(tags=[TagFactory()])
    answer(question_obj=thread, body="The first answer")
    if name == "release":
        claim_create(mentor=approved_mentor(), question=thread)
    if viewer == "member":
        client.force_login(UserFactory())
    before = page(client, thread)
    assert cached(thread, viewer)
    assert (text in before) != shown

    write(Question.objects.get(pk=thread.pk))
    after = page(client, thread)
    assert (text in after) == shown, name


def test_a_render_racing_a_write_is_filed_under_the_old_token(client):
    thread = question()
    with translation.override("en"), timezone.override(dt.UTC):
        slot = page_cache.lookup(page_cache.thread_scope(thread.pk), "visitor")
    stale = page_cache.Entry("stale page", "n", "c")
    answer(question_obj=thread, body="Written while the page rendered")
    slot.store(stale)  # the render, from rows read before the write, files it late
    assert "Written while the page rendered" in page(client, thread)


def test_a_member_gets_the_cached_thread_with_their_own_votes_and_name(client):
    thread = question()
    reply = answer(question_obj=thread, body="The first answer")
    reader = UserFactory(display_name="Second Reader")
    vote_cast(user=reader, answer=reply, value=1)
    client.force_login(UserFactory(display_name="First Reader"))
    page(client, thread)  # a first member's view files the thread's part
    client.force_login(reader)
    count, response = queries(client, thread.get_absolute_url())
    body = response.content.decode()

    assert "Second Reader" in body
    assert "First Reader" not in body
    voted = re.search(rf'id="vote-answer-{reply.pk}".*?</div>', body, re.S).group()
    assert 'aria-pressed="true"' in voted
    assert ">1</span>" in voted
    unvoted = re.search(rf'id="vote-question-{thread.pk}".*?</div>', body, re.S).group()
    assert 'aria-pressed="true"' not in unvoted
    assert "<!--" not in body.split("<main", 1)[1].split("</main>")[0].replace("<!--/", "")
    # Session, member, unread notifications, votes, the mentoring panel (claim, mentor?).
    assert count <= 7


def test_members_get_the_cached_page_around_the_thread_with_their_own_name_and_count(client):
    thread = question()
    answer(question_obj=thread, body="The first answer")
    client.force_login(UserFactory(display_name="First Reader"))
    page(client, thread)  # files the thread's part and the page around it
    odd = UserFactory(display_name='Ann <b>"&" Bo</b>')
    for n in range(3):
        Notification.objects.create(recipient=odd, kind="new_answer", dedupe_key=f"n{n}")
    quiet = UserFactory(display_name="Quiet Reader")

    client.force_login(odd)
    mine = page(client, thread)
    assert "Ann &lt;b&gt;&quot;&amp;&quot; Bo&lt;/b&gt;" in mine
    assert f'<a href="{odd.get_absolute_url()}">' in mine
    assert re.search(r'<span class="badge count">3<span class="visually-hidden"> unread', mine)
    assert "First Reader" not in mine
    client.force_login(quiet)
    theirs = page(client, thread)
    assert "Quiet Reader" in theirs
    assert 'class="badge count"' not in theirs
    assert "The first answer" in theirs
    for body in (mine, theirs):
        assert "<!--" not in body
        assert f"/{settings.ADMIN_PATH}" not in body  # no admin link for members
    assert cached(thread, "member").meta["frame"]

    staff = UserFactory(is_staff=True, display_name="Staff Reader")
    client.force_login(staff)
    assert f'href="/{settings.ADMIN_PATH}' in page(client, thread)


def test_the_sign_out_form_of_a_cached_member_page_works(client):
    thread = question()
    client.force_login(UserFactory())
    page(client, thread)
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    body = strict.get(thread.get_absolute_url()).content.decode()
    sign_out = re.search(r'action="/accounts/logout/".*?</form>', body, re.S).group()
    (token,) = FORM_TOKEN.findall(sign_out)
    response = strict.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in strict.session


def test_writers_moderators_and_mentors_see_their_own_controls(client):
    thread = question()
    writer = UserFactory()
    reply = answer(question_obj=thread, author=writer, body="The first answer")
    hidden_writer = UserFactory()
    hidden = answer(question_obj=thread, author=hidden_writer, body="Hidden answer text")
    post_hide(moderator=moderator(), post=hidden, reason="off topic")
    client.force_login(UserFactory())
    reader_page = page(client, thread)
    assert f"/answers/{reply.pk}/edit/" not in reader_page
    assert "Hidden answer text" not in reader_page

    client.force_login(writer)
    assert f"/answers/{reply.pk}/edit/" in page(client, thread)
    client.force_login(hidden_writer)
    assert "Hidden answer text" in page(client, thread)
    client.force_login(moderator())
    assert "Hidden answer text" in page(client, thread)
    client.force_login(thread.author)
    assert "Accept this answer" in page(client, thread)
    client.force_login(approved_mentor())
    mentor_page = page(client, thread)
    assert "take this</button>" in mentor_page


def test_page_caching_can_be_turned_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    thread = question()
    page(client, thread)
    count, _response = queries(client, thread.get_absolute_url())
    assert count > 0


def test_a_visitor_gets_the_question_list_from_the_cache_until_a_thread_changes(client):
    older = question(title="An older thread about caching")
    first, _response = queries(client, "/questions/")
    again, response = queries(client, "/questions/")
    assert first > 0
    assert again == 0
    assert "An older thread about caching" in response.content.decode()

    question(title="A thread asked just now")
    assert "A thread asked just now" in client.get("/questions/").content.decode()
    answer(question_obj=older)
    listed = client.get("/questions/?sort=unanswered").content.decode()
    assert "A thread asked just now" in listed
    assert "An older thread about caching" not in listed
    assert "An older thread about caching" in client.get("/questions/").content.decode()


def test_each_filter_and_page_is_cached_apart_and_odd_queries_not_at_all(client):
    solved = question(title="The solved thread")
    answer_accept(user=solved.author, answer=answer(question_obj=solved))
    question(title="The open thread")
    assert "The open thread" not in client.get("/questions/?status=solved").content.decode()
    assert "The open thread" in client.get("/questions/?status=open").content.decode()
    assert "The solved thread" in client.get("/questions/?status=solved").content.decode()
    client.get("/questions/?utm_source=mail")
    count, _response = queries(client, "/questions/?utm_source=mail")
    assert count > 0


def test_a_visitor_gets_search_results_from_the_cache_until_a_thread_changes(client):
    found = question(title="Caching the search results")
    first, _response = queries(client, "/search/?q=caching")
    again, response = queries(client, "/search/?q=caching")
    assert first > 0
    assert again == 0
    page_text = response.content.decode()
    assert "Caching the search results" in page_text
    nonce = NONCE.search(page_text)
    assert nonce is not None
    assert nonce.group(1) != NONCE.search(client.get("/search/?q=caching").content.decode()).group(
        1
    )

    question(title="Caching asked just now")
    assert "Caching asked just now" in client.get("/search/?q=caching").content.decode()
    post_hide(moderator=moderator(), post=found, reason="spam")
    assert "Caching the search results" not in client.get("/search/?q=caching").content.decode()
    # Another query, another page of the same query: entries of their own.
    assert "Caching asked just now" not in client.get("/search/?q=unrelated").content.decode()
    assert client.get("/search/?q=caching&page=2").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q=caching&utm_source=mail",
        "/search/?q=" + "caching+" * 20,
        "/search/?q=caching&page=10000",
    ],
)
def test_odd_or_long_searches_are_not_cached(client, path):
    question(title="Caching question")
    client.get(path)
    count, _response = queries(client, path)
    assert count > 0


def test_a_members_search_is_not_cached_and_is_recorded(client):
    from qa.models import SearchEvidence

    member = UserFactory()
    question(title="Caching question")
    client.get("/search/?q=caching")  # a visitor's page is filed
    client.force_login(member)
    count, _response = queries(client, "/search/?q=caching")
    assert count > 0
    assert SearchEvidence.objects.filter(user=member, query="caching").exists()


def test_a_signed_in_member_gets_their_own_list(client):
    member = UserFactory()
    mine = question(author=member, title="My own hidden thread")
    post_hide(moderator=moderator(), post=mine, reason="spam")
    client.get("/questions/")  # a visitor's list is filed
    client.force_login(member)
    assert "My own hidden thread" in client.get("/questions/").content.decode()


def test_the_redis_cache_keeps_one_client_per_pool():
    from django.core.cache import caches

    backend = caches["default"]._cache
    assert backend.get_client() is backend.get_client()
    assert backend.get_client(write=True) is backend.get_client("key", write=True)
    caches["default"].set("shared-client", "kept")
    assert caches["default"].get("shared-client") == "kept"


def test_pages_and_writes_go_on_when_the_cache_is_down(client, monkeypatch):
    from redis.exceptions import ConnectionError as RedisDown

    def down(*args: Any, **kwargs: Any) -> Any:
        raise RedisDown("Connection refused")

    thread = question()
    for method in ("get", "get_many", "set", "add", "delete_many"):
        monkeypatch.setattr(page_cache.cache, method, down)
    answer(question_obj=thread, body="Posted while the cache is down")
    assert "Posted while the cache is down" in page(client, thread)
    assert client.get("/questions/").status_code == 200
