"""Flags through the API and the page: one open flag per member per post, moderators
notified (coalesced per post), 3 distinct established members hide a post pending
review; bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.services import MODERATORS_GROUP
from moderation.models import Flag, ModerationAction
from moderation.selectors import flaggers_accuracy
from moderation.services import flag_create, flags_dismiss, post_hide
from qa.models import Question
from qa.services import comment_post
from tests.factories import UserFactory, answer, question

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def established(**fields):
    return UserFactory(date_joined=timezone.now() - dt.timedelta(days=365), **fields)


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def test_a_member_flags_each_kind_of_post_and_moderators_hear_once_per_post():
    mod = moderator()
    thread = question()
    reply = answer(question_obj=thread)
    remark = comment_post(author=UserFactory(), body="Same here.", question=thread)
    member = UserFactory()
    client = api(member)
    for kind, pk in [("question", thread.pk), ("answer", reply.pk), ("comment", remark.pk)]:
        response = client.post("/api/v1/flags/", {kind: pk, "reason": "spam"}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "open"
    assert Flag.objects.count() == 3
    notes = Notification.objects.filter(kind="flag_raised", recipient=mod)
    assert notes.count() == 3
    assert len({n.thread_key for n in notes}) == 3  # coalesced per post

    twice = client.post("/api/v1/flags/", {"question": thread.pk, "reason": "rude"}, format="json")
    assert twice.status_code == 409
    assert Flag.objects.count() == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "spam"}, "non_field_errors"),
        ({"question": 999999, "reason": "spam"}, "question"),
        ({"question": "THREAD", "answer": 1, "reason": "spam"}, "non_field_errors"),
        ({"question": "THREAD", "reason": "boring"}, "reason"),
        ({"question": "THREAD", "reason": "other"}, "note"),
        ({"question": "THREAD", "reason": "duplicate"}, "duplicate_of"),
        ({"question": "THREAD", "reason": "duplicate", "duplicate_of": "THREAD"}, "duplicate_of"),
        ({"question": "THREAD", "reason": "duplicate", "duplicate_of": 999999}, "duplicate_of"),
    ],
)
def test_bad_flags_are_refused_and_change_nothing(payload, field):
    thread = question()
    payload = {k: thread.pk if v == "THREAD" else v for k, v in payload.items()}
    response = api(UserFactory()).post("/api/v1/flags/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Flag.objects.exists()


def test_hidden_missing_and_own_posts_cannot_be_flagged():
    mod = moderator()
    thread = question()
    post_hide(moderator=mod, post=thread, reason="Spam")
    member = UserFactory()
    hidden = api(member).post("/api/v1/flags/", {"question": thread.pk, "reason": "spam"})
    assert hidden.status_code == 400  # not visible to the member: no such question
    own = question()
    mine = api(own.author).post("/api/v1/flags/", {"question": own.pk, "reason": "spam"})
    assert mine.status_code == 409
    assert not Flag.objects.exists()


def test_three_established_members_hide_a_post_pending_review():
    thread = question()
    newcomers = [UserFactory() for _ in range(3)]
    for member in newcomers:
        flag_create(flagger=member, post=thread, reason="spam")
    thread.refresh_from_db()
    assert not thread.hidden  # newcomers' flags alone do not hide

    for member in [established(), established()]:
        flag_create(flagger=member, post=thread, reason="spam")
    assert not Question.objects.get(pk=thread.pk).hidden
    flag_create(flagger=established(), post=thread, reason="rude")
    assert Question.objects.get(pk=thread.pk).hidden
    record = ModerationAction.objects.get(kind="auto_hide")
    assert record.moderator is None
    assert record.question == thread

    # Gone for members; a moderator dismissing the flags brings it back.
    assert api(UserFactory()).get(f"/api/v1/questions/{thread.pk}/").status_code == 404
    mod = moderator()
    assert flags_dismiss(moderator=mod, post=thread, reason="Not spam, a real question") == 6
    assert not Question.objects.get(pk=thread.pk).hidden
    assert flaggers_accuracy(user_ids=[newcomers[0].pk]) == {
        newcomers[0].pk: {"helpful": 0, "dismissed": 1}
    }


def test_flaggers_accuracy_counts_acted_on_flags():
    member = established()
    mod = moderator()
    first, second = question(), question()
    flag_create(flagger=member, post=first, reason="spam")
    flag_create(flagger=member, post=second, reason="spam")
    post_hide(moderator=mod, post=first, reason="Spam link")
    flags_dismiss(moderator=mod, post=second, reason="Fine")
    assert flaggers_accuracy(user_ids=[member.pk]) == {member.pk: {"helpful": 1, "dismissed": 1}}


def test_flagging_from_the_page(client):
    thread = question()
    original = question(title="How do I squash migrations safely?")
    member = UserFactory()
    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f"/flag/question/{thread.pk}/" in page
    assert client.get(f"/flag/question/{thread.pk}/").status_code == 200

    missing = client.post(f"/flag/question/{thread.pk}/", {"reason": "duplicate"})
    assert missing.status_code == 400
    assert "Link the thread this one duplicates." in missing.content.decode()
    done = client.post(
        f"/flag/question/{thread.pk}/", {"reason": "duplicate", "duplicate_of": original.pk}
    )
    assert done.status_code == 302
    assert Flag.objects.get().duplicate_of == original
    again = client.post(f"/flag/question/{thread.pk}/", {"reason": "spam"})
    assert again.status_code == 409
    assert client.get("/flag/question/999999/").status_code == 404
    assert client.get(f"/flag/bogus/{thread.pk}/").status_code == 404
