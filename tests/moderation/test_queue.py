"""The flag queue in the admin: open flags grouped per post, the post rendered safely,
the author's history and the flaggers' accuracy, and its actions; query counts of the
moderation changelists do not grow with rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from moderation.models import CloseReason, Flag, ModerationAction
from moderation.services import flag_create
from qa.models import Question
from qa.services import comment_post
from tests.factories import UserFactory, answer, question

pytestmark = pytest.mark.django_db

HOSTILE = 'Buy now <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))'


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def test_the_queue_groups_flags_per_post_and_renders_it_safely(client):
    spam = question(title="Cheap watches", body=HOSTILE)
    other = answer(question_obj=question())
    for _ in range(2):
        flag_create(flagger=UserFactory(), post=spam, reason="spam")
    flag_create(flagger=UserFactory(), post=other, reason="other", note="Off the point")
    client.force_login(moderator())
    page = client.get("/admin/moderation/flag/queue/").content.decode()
    assert "2 open flags on a question in “Cheap watches”" in page
    assert "1 open flag on a answer" in page or "1 open flag on an answer" in page
    assert page.index("Cheap watches") < page.index("Off the point")  # most flagged first
    assert "<script>alert(1)</script>" not in page
    assert "<img" not in page
    assert 'href="javascript' not in page
    assert f"{spam.author.username}" in page
    assert "questions (0 hidden)" in page


def test_queue_actions_hide_dismiss_close_and_suspend(client):
    mod = moderator()
    client.force_login(mod)
    spam, noise, dup, original = question(), question(), question(), question()
    for post in (spam, noise, dup):
        flag_create(flagger=UserFactory(), post=post, reason="spam")
    base = "/admin/moderation/flag/queue"

    client.post(f"{base}/question/{spam.pk}/hide/", {"reason": "Spam"})
    assert Question.objects.get(pk=spam.pk).hidden
    client.post(f"{base}/question/{noise.pk}/dismiss/", {"reason": "Fine"})
    assert Flag.objects.get(question=noise).status == "dismissed"
    reason = CloseReason.objects.get(needs_target=True)
    client.post(
        f"{base}/question/{dup.pk}/close/",
        {"close_reason": reason.pk, "duplicate_of": original.pk},
    )
    assert Question.objects.get(pk=dup.pk).duplicate_of == original
    until = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"{base}/question/{spam.pk}/suspend/", {"until": until, "reason": "Spammer"})
    assert User.objects.get(pk=spam.author_id).is_suspended
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds == {"hide", "dismiss_flags", "close", "suspend"}
    # Bad input: a reason missing, or a suspension in the past, changes nothing.
    client.post(f"{base}/question/{noise.pk}/hide/", {"reason": ""})
    assert not Question.objects.get(pk=noise.pk).hidden
    client.post(
        f"{base}/question/{noise.pk}/suspend/", {"until": "2001-01-01T00:00", "reason": "x"}
    )
    assert not User.objects.get(pk=noise.author_id).is_suspended
    assert ModerationAction.objects.count() == 4


def test_members_cannot_reach_the_queue(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/moderation/flag/queue/").status_code == 403
    client.force_login(UserFactory())
    assert client.get("/admin/moderation/flag/queue/").status_code == 302


def _rows(n: int) -> None:
    for _ in range(n):
        thread = question()
        reply = answer(question_obj=thread)
        remark = comment_post(author=UserFactory(), body="Same here.", question=thread)
        for post in (thread, reply, remark):
            flag_create(flagger=UserFactory(), post=post, reason="spam")
        ModerationAction.objects.create(kind="lock", target="x", reason="y", question=thread)


URLS = [
    "/admin/moderation/flag/queue/",
    "/admin/moderation/flag/",
    "/admin/moderation/moderationaction/",
    "/admin/moderation/closereason/",
    "/admin/qa/question/",
    "/admin/qa/answer/",
    "/admin/qa/comment/",
    "/admin/accounts/user/",
]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def test_changelist_query_counts_do_not_grow_with_rows(client):
    client.force_login(moderator())
    _rows(1)
    small = {url: _queries(client, url) for url in URLS}
    _rows(5)
    assert {url: _queries(client, url) for url in URLS} == small
