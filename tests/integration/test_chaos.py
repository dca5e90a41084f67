"""Failure injection against a real Celery worker process, the test Redis and an SMTP
sink on loopback: a worker killed mid-run, Redis stopped while answers are posted, and
a task delivered twice. Every email must arrive, and exactly once (by Message-ID)."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import notifications
from accounts.models import Notification
from accounts.tasks import notification_send
from community.celery import app as celery_app
from qa import notification_kinds as qa_kinds
from tests.factories import TagFactory, UserFactory, question
from tests.processes import SmtpSink, celery_beat, celery_worker

pytestmark = [pytest.mark.chaos, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class GatedSink(SmtpSink):
    """An SMTP sink whose RCPT replies can be held, so that a worker can be caught in
    the middle of a conversation: before the message exists anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.held = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.hold:
            self.held += 1
            while self.hold:
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[GatedSink]:
    sink = GatedSink()
    sink.start()
    yield sink
    sink.hold = False
    sink.stop()


def worker_env(sink: SmtpSink, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    database = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {"EMAIL_URL": sink.url, "DATABASE_URL": database, **extra}


def purge_queues() -> None:
    with celery_app.connection_for_write() as conn:
        for name in ("default", "mail", "digest"):
            conn.default_channel.queue_purge(name)


def message_ids(sink: SmtpSink) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in sink.messages)


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(sink):
    purge_queues()
    recipients = UserFactory.create_batch(200)
    with transaction.atomic():
        for user in recipients:
            notifications.notify(
                kind=qa_kinds.NEW_ANSWER,
                recipients=[user.pk],
                dedupe_key=f"chaos:{user.pk}",
                payload={"title": "A thread", "url": "/questions/1/"},
            )

    with celery_worker(env=worker_env(sink), name="first") as first:
        wait_until(lambda: len(sink.messages) >= 50, timeout=60, what="50 emails")
        # Catch the worker between RCPT and DATA of the next email, and kill it there.
        sink.hold = True
        wait_until(lambda: sink.held >= 1, timeout=20, what="a held conversation")
        first.kill()
        first.wait(timeout=10)
    sink.hold = False
    sent_before = len(sink.messages)
    assert 50 <= sent_before < 200
    assert Notification.objects.filter(status="sending").count() == 1

    # The relay (beat, every minute) finds the row the dead worker held once it has been
    # sending for five minutes; here that row's claim is made six minutes old instead of
    # waiting. The other rows' tasks are still queued, so they are not published again.
    six_minutes_ago = timezone.now() - dt.timedelta(minutes=6)
    Notification.objects.filter(status="sending").update(claimed_at=six_minutes_ago)
    assert notifications.notifications_relay() == 1
    with celery_worker(env=worker_env(sink), name="second"):
        sink.wait_for(200, timeout=120)
        wait_until(
            lambda: not Notification.objects.exclude(status="sent").exists(),
            timeout=30,
            what="every row marked sent",
        )
        time.sleep(1)  # anything sent twice would arrive now

    ids = message_ids(sink)
    assert len(sink.messages) == 200
    assert set(ids.values()) == {1}
    assert set(ids) == set(Notification.objects.values_list("message_id", flat=True))


def redis_server() -> tuple[redis.Redis, list[str]]:
    """The test Redis, and the command that starts it again (loopback only)."""
    url = urlsplit(settings.REDIS_URL)
    assert url.hostname in ("127.0.0.1", "localhost"), "the chaos tests restart a loopback Redis"
    client = redis.Redis(host=url.hostname, port=url.port or 6379)
    folder = Path(client.config_get("dir")["dir"])
    command = [
        "redis-server", "--port", str(url.port or 6379), "--bind", "127.0.0.1",
        "--daemonize", "yes", "--dir", str(folder), "--save", "", "--appendonly", "no",
        "--logfile", str(folder / "redis.log"), "--pidfile", str(folder / "redis.pid"),
    ]  # fmt: skip
    return client, command


def test_answers_posted_while_redis_is_down_all_succeed_and_their_mail_follows(sink, tmp_path):
    purge_queues()
    TagFactory(name="celery")
    threads = [question(title=f"Worker question number {i}") for i in range(50)]
    helpers = UserFactory.create_batch(50)
    tokens = [Token.objects.create(user=user).key for user in helpers]
    env = worker_env(sink, NOTIFICATIONS_RELAY_SECONDS="2", NOTIFICATIONS_RELAY_GRACE_SECONDS="1")
    client, restart = redis_server()

    with celery_worker(env=env), celery_beat(env=env, schedule_file=tmp_path / "beat"):
        client.shutdown(nosave=True)
        try:
            api = APIClient()
            for thread, token in zip(threads, tokens, strict=True):
                api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
                response = api.post(
                    f"/api/v1/questions/{thread.pk}/answers/",
                    {"body": "Set the visibility timeout above your longest task."},
                    format="json",
                )
                assert response.status_code == 201, response.content
            assert len(sink.messages) == 0
            assert Notification.objects.filter(status="pending").count() == 50
        finally:
            subprocess.run(restart, check=True, timeout=20)
            wait_until(client.ping, timeout=20, what="Redis back")
        back = time.monotonic()
        sink.wait_for(50, timeout=60)
        assert time.monotonic() - back <= 60

    ids = message_ids(sink)
    assert len(sink.messages) == 50
    assert set(ids.values()) == {1}
    assert sorted(m["To"] for m in sink.messages) == sorted(t.author.email for t in threads)


def test_a_task_delivered_twice_sends_one_email(sink):
    purge_queues()
    user = UserFactory()
    with transaction.atomic():
        [pk] = notifications.notify(
            kind=qa_kinds.NEW_ANSWER,
            recipients=[user.pk],
            dedupe_key="twice",
            payload={"title": "A thread", "url": "/questions/1/"},
        )
    notification_send.apply_async((pk,))  # the same task again, as a redelivery would

    with celery_worker(env=worker_env(sink)):
        sink.wait_for(1, timeout=30)
        wait_until(
            lambda: Notification.objects.get(pk=pk).status == "sent",
            timeout=10,
            what="the row marked sent",
        )
        time.sleep(2)  # the second delivery has been handled by now

    assert len(sink.messages) == 1
    assert str(sink.messages[0]["Message-ID"]) == Notification.objects.get(pk=pk).message_id
