"""Notifications in the app: the page, the unread count in the header, marking read, the
API, the preferences API, and the admin's view of the outbox and bouncing addresses."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def note(recipient, n: int, **fields) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind="new_answer",
        payload={"title": f"Thread <{n}>", "url": f"/questions/{n}/", "actor": "ana"},
        dedupe_key=f"test:{recipient.pk}:{n}",
        status="sent",
        **fields,
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_page_lists_my_notifications_and_the_header_counts_the_unread(client):
    me, other = UserFactory(), UserFactory()
    note(me, 1)
    note(me, 2, read_at=timezone.now())
    note(other, 3)
    client.force_login(me)

    page = client.get("/notifications/").content.decode()

    assert "Thread &lt;1&gt;" in page
    assert "Thread &lt;2&gt;" in page
    assert "Thread &lt;3&gt;" not in page
    assert '<span class="badge count">1<span class="visually-hidden"> unread</span>' in page


def test_marking_read_one_or_all_touches_only_my_own(client):
    me, other = UserFactory(), UserFactory()
    first, second = note(me, 1), note(me, 2)
    theirs = note(other, 3)
    client.force_login(me)

    client.post("/notifications/read/", {"id": [first.pk, theirs.pk]})
    assert Notification.objects.filter(read_at__isnull=False).get() == first
    client.post("/notifications/read/", {"id": "nonsense"})
    assert not Notification.objects.get(pk=second.pk).read_at
    client.post("/notifications/read/")
    assert Notification.objects.get(pk=second.pk).read_at
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.get("/notifications/read/").status_code == 405


def test_the_pages_need_a_signed_in_member(client):
    assert client.get("/notifications/").status_code == 302
    assert client.post("/notifications/read/").status_code == 302


def test_the_api_lists_my_notifications_newest_first_with_a_flat_query_count(
    django_assert_num_queries,
):
    me = UserFactory()
    for n in range(30):
        note(me, n, read_at=timezone.now() if n % 2 else None)
    note(UserFactory(), 99)
    client = api(me)

    with django_assert_num_queries(2):
        body = client.get("/api/v1/notifications/").json()

    assert body["count"] == 30
    assert len(body["results"]) == 20
    first = body["results"][0]
    assert first["title"] == "Thread <29>"
    assert first["url"] == "/questions/29/"
    assert first["kind"] == "new_answer"
    assert first["kind_label"] == "A new answer on my thread"
    assert first["read"] is True
    unread = client.get("/api/v1/notifications/", {"unread": "1"}).json()
    assert unread["count"] == 15
    assert APIClient().get("/api/v1/notifications/").status_code == 401


def test_the_api_marks_read(client):
    me, other = UserFactory(), UserFactory()
    mine, theirs = note(me, 1), note(other, 2)
    note(me, 3)

    assert api(me).post(
        "/api/v1/notifications/read/", {"ids": [mine.pk, theirs.pk]}, format="json"
    ).json() == {"marked": 1}
    assert api(me).post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    for bad in ({"ids": "all"}, {"ids": ["x"]}, {"ids": [0]}):
        response = api(me).post("/api/v1/notifications/read/", bad, format="json")
        assert response.status_code == 400
        assert "ids" in response.json()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_preferences_api_shows_and_sets_modes():
    me = UserFactory()
    client = api(me)

    assert client.get("/api/v1/notification-preferences/").json()["new_answer"] == "immediate"
    response = client.put(
        "/api/v1/notification-preferences/",
        {"new_answer": "digest", "new_comment": "off"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["new_answer"] == "digest"
    assert response.json()["answer_accepted"] == "immediate"

    for bad, field in (
        ({"new_answer": "hourly"}, "new_answer"),
        ({"nonsense": "off"}, "nonsense"),
        ({}, "detail"),
        (["new_answer"], "detail"),
    ):
        refused = client.put("/api/v1/notification-preferences/", bad, format="json")
        assert refused.status_code == 400
        assert field in refused.json()
    assert dict(NotificationPreference.objects.values_list("kind", "mode")) == {
        "new_answer": "digest",
        "new_comment": "off",
    }


def test_the_admin_shows_the_outbox_preferences_and_bouncing_addresses(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    bouncing = UserFactory(email_bouncing_since=timezone.now(), email_bounce_reason="550 no")
    note(bouncing, 1)
    NotificationPreference.objects.create(user=bouncing, kind="new_answer", mode="off")
    client.force_login(admin)

    users = client.get("/admin/accounts/user/", {"bouncing": "yes"}).content.decode()
    assert bouncing.username in users
    assert admin.username not in users.split("result_list")[1]
    assert client.get("/admin/accounts/notification/").status_code == 200
    assert client.get("/admin/accounts/notificationpreference/").status_code == 200
    assert client.get(f"/admin/accounts/user/{bouncing.pk}/change/").status_code == 200
