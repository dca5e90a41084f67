"""The notification outbox: written with the event, sent once after commit, coalesced,
capped, digested at 07:00 local time, unsubscribed in one click, and retried or failed
on SMTP errors as the reply says."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts import notifications as n
from accounts.models import Notification, NotificationPreference, User
from accounts.notifications import kinds
from community.celery import app as celery_app
from qa import notification_kinds as qa_kinds
from qa.services import answer_accept, answer_post, comment_post
from tests.factories import UserFactory, answer, question
from tests.processes import SmtpSink

pytestmark = pytest.mark.django_db

NEW_ANSWER = qa_kinds.NEW_ANSWER


@pytest.fixture(autouse=True)
def eager_tasks() -> Iterator[None]:
    """Tasks run in this process when published (a real worker is tested elsewhere)."""
    conf = celery_app.conf
    before = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def record(recipient: User, key: str, *, thread: str = "", now=None, title="A thread"):
    [pk] = n.notify(
        kind=NEW_ANSWER,
        recipients=[recipient.pk],
        dedupe_key=key,
        thread_key=thread,
        payload={"title": title, "url": "/questions/1/"},
        now=now,
    )
    return Notification.objects.get(pk=pk)


def test_a_new_answer_sends_one_email_with_one_click_unsubscribe(
    django_capture_on_commit_callbacks,
):
    asker = UserFactory(email="asker@example.org")
    q = question(author=asker, title="Why does my worker run the task twice?")

    with django_capture_on_commit_callbacks(execute=True):
        a = answer_post(author=UserFactory(), question=q, body="Use **acks_late**.")

    [row] = Notification.objects.filter(recipient=asker)
    assert row.status == Notification.Status.SENT
    [email] = mail.outbox
    assert email.to == ["asker@example.org"]
    assert email.subject == "[Newcomers' Corner] New answer: Why does my worker run the task twice?"
    headers = email.extra_headers
    assert headers["Message-ID"] == n.message_id_for(row.pk) == row.message_id
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    https, mailto = (part.strip(" <>") for part in headers["List-Unsubscribe"].split(","))
    assert https.startswith(f"{settings.SITE_URL}/notifications/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@localhost?subject=unsubscribe%20")
    assert f"/questions/{q.pk}/#answer-{a.pk}" in email.body
    html = email.alternatives[0].content
    assert "<strong>acks_late</strong>" in html
    assert "/settings/notifications/" in email.body

    # The same task delivered again sends nothing.
    assert n.notification_send(notification_id=row.pk) == "not due"
    assert len(mail.outbox) == 1

    # One-click: a POST with no session and no CSRF token turns that kind off.
    path = https.removeprefix(settings.SITE_URL)
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert response.status_code == 200
    assert n.preference_modes(user=asker)[NEW_ANSWER] == "off"


def test_a_rolled_back_write_records_and_sends_nothing(django_capture_on_commit_callbacks):
    q = question()

    def failing_request() -> None:
        with transaction.atomic():
            answer_post(author=UserFactory(), question=q, body="Try this.")
            raise RuntimeError("the request failed after the answer")

    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError):
        failing_request()

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_recording_an_event_twice_writes_one_row():
    user = UserFactory()
    first = n.notify(kind=NEW_ANSWER, recipients=[user.pk], dedupe_key="answer:1", payload={})
    again = n.notify(kind=NEW_ANSWER, recipients=[user.pk], dedupe_key="answer:1", payload={})

    assert len(first) == 1
    assert again == []
    assert Notification.objects.count() == 1


def test_the_actor_is_not_notified_and_each_event_reaches_the_right_people():
    asker, helper, other = UserFactory(), UserFactory(), UserFactory()
    q = question(author=asker)
    a = answer(question_obj=q, author=helper)
    comment_post(author=other, body="Which version?", answer=a)
    comment_post(author=asker, body="Thanks!", answer=a)
    answer_accept(user=asker, answer=a)

    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == sorted(
        [
            (asker.username, "new_answer"),
            (helper.username, "answer_comment"),
            (asker.username, "new_comment"),
            (helper.username, "answer_comment"),
            (helper.username, "answer_accepted"),
        ]
    )


def test_events_on_one_thread_within_ten_minutes_become_one_email():
    user = UserFactory()
    t0 = timezone.now()
    first = record(user, "a:1", thread="question:1", now=t0)
    assert n.notification_send(notification_id=first.pk, now=t0) == "sent"

    second = record(user, "a:2", thread="question:1", now=t0 + dt.timedelta(minutes=2))
    third = record(user, "a:3", thread="question:1", now=t0 + dt.timedelta(minutes=5))
    other_thread = record(user, "a:4", thread="question:2", now=t0 + dt.timedelta(minutes=5))

    assert second.next_attempt_at == third.next_attempt_at == t0 + dt.timedelta(minutes=10)
    assert other_thread.next_attempt_at == t0 + dt.timedelta(minutes=5)
    early = t0 + dt.timedelta(minutes=6)
    assert n.notification_send(notification_id=second.pk, now=early) == "not due"
    later = t0 + dt.timedelta(minutes=10)
    assert n.notification_send(notification_id=second.pk, now=later) == "sent"
    assert n.notification_send(notification_id=third.pk, now=later) == "not due"

    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "[Newcomers' Corner] 2 updates: A thread"
    third.refresh_from_db()
    assert third.status == "sent"
    assert third.message_id == n.message_id_for(second.pk)


def test_past_twenty_immediate_emails_a_day_the_rest_go_to_the_digest():
    user = UserFactory()
    rows = [record(user, f"a:{i}", thread=f"question:{i}") for i in range(22)]

    deliveries = [row.delivery for row in rows]
    assert deliveries.count("immediate") == 20
    assert deliveries[20:] == ["digest", "digest"]


def test_preferences_off_and_digest():
    user = UserFactory()
    n.preferences_set(user=user, modes={NEW_ANSWER: "off"})
    off = record(user, "a:1")
    n.preferences_set(user=user, modes={NEW_ANSWER: "digest"})
    later = record(user, "a:2")

    assert off.status == "suppressed"
    assert later.delivery == "digest"
    assert mail.outbox == []


def test_bad_preferences_are_refused_and_change_nothing():
    from django.core.exceptions import ValidationError

    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        n.preferences_set(user=user, modes={NEW_ANSWER: "digest", "nonsense": "off"})
    assert "nonsense" in error.value.message_dict
    with pytest.raises(ValidationError):
        n.preferences_set(user=user, modes={NEW_ANSWER: "sometimes"})
    assert not NotificationPreference.objects.exists()


def test_the_digest_goes_at_seven_in_the_members_time_zone_once_a_day():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    user = UserFactory(time_zone="Asia/Tokyo", email="kenji@example.org")
    n.preferences_set(user=user, modes={NEW_ANSWER: "digest"})
    day = dt.datetime(2026, 11, 24, tzinfo=tokyo)
    record(user, "a:1", title="First thread", now=day - dt.timedelta(hours=3))
    record(user, "a:2", title="Second thread", now=day - dt.timedelta(hours=2))

    assert n.digests_due(now=day + dt.timedelta(hours=6, minutes=59)) == []
    seven = day + dt.timedelta(hours=7)
    assert n.digests_due(now=seven) == [user.pk]
    assert n.digest_send(user_id=user.pk, now=seven) == "sent"
    assert n.digest_send(user_id=user.pk, now=seven + dt.timedelta(hours=1)) == "not due"

    [email] = mail.outbox
    assert email.subject == "[Newcomers' Corner] Your daily digest: 2 updates"
    assert "First thread" in email.body
    assert "Second thread" in email.body
    assert "/notifications/unsubscribe/" in email.extra_headers["List-Unsubscribe"]
    # The next day there is nothing to say, so nothing is sent.
    assert n.digests_due(now=seven + dt.timedelta(days=1)) == []
    assert n.digests_send(now=seven + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_unsubscribe_page_confirms_before_changing_anything(client):
    user = UserFactory()
    url = n.unsubscribe_url(user_id=user.pk, kind=NEW_ANSWER).removeprefix("http://127.0.0.1:8000")

    page = client.get(url)

    assert page.status_code == 200
    assert "Stop email about a new answer on my thread?" in page.content.decode()
    assert n.preference_modes(user=user)[NEW_ANSWER] == "immediate"
    assert client.get(url.replace("unsubscribe/", "unsubscribe/x")).status_code == 400
    assert Client().post(url[:-5] + "abcd/").status_code == 400
    assert n.preference_modes(user=user)[NEW_ANSWER] == "immediate"


def test_the_digest_unsubscribe_link_turns_every_digest_kind_off(client):
    user = UserFactory()
    n.preferences_set(user=user, modes={NEW_ANSWER: "digest", "new_comment": "digest"})
    pending = record(user, "a:1")
    url = n.unsubscribe_url(user_id=user.pk, kind=n.DIGEST).removeprefix(settings.SITE_URL)

    assert client.post(url).status_code == 200

    modes = n.preference_modes(user=user)
    assert (modes[NEW_ANSWER], modes["new_comment"], modes["answer_accepted"]) == (
        "off",
        "off",
        "immediate",
    )
    pending.refresh_from_db()
    assert pending.status == "suppressed"


def test_subjects_carry_no_line_breaks_from_titles():
    user = UserFactory()
    row = record(user, "a:1", title="Bcc: victim@example.org\r\nInjected: yes")

    n.notification_send(notification_id=row.pk)

    [email] = mail.outbox
    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.message()["Injected"] is None


# --- SMTP errors, against a real SMTP server on loopback --------------------------------


class RefusingSink(SmtpSink):
    """An SMTP sink that answers every recipient with the reply it is given."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply


@pytest.fixture
def smtp(settings):
    """Point the mailer at a sink; yields a function that sets the sink's reply."""
    sinks: list[SmtpSink] = []

    def use(reply: str | None) -> SmtpSink:
        sink = RefusingSink(reply) if reply else SmtpSink()
        sink.start()
        sinks.append(sink)
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
            }
        }
        return sink

    yield use
    for sink in sinks:
        sink.stop()


def test_a_transient_smtp_reply_is_retried_with_backoff(smtp):
    smtp("421 4.7.0 Try again later")
    user = UserFactory()
    row = record(user, "a:1")

    assert n.notification_send(notification_id=row.pk) == "retry"

    row.refresh_from_db()
    user.refresh_from_db()
    assert row.status == "pending"
    assert row.attempts == 1
    assert "421" in row.last_error
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 25 < wait <= 38
    assert user.email_bouncing_since is None

    # The server is back: the next attempt, when due, goes through.
    sink = smtp(None)
    due = row.next_attempt_at
    assert n.notification_send(notification_id=row.pk, now=due) == "sent"
    assert len(sink.wait_for(1)) == 1


def test_a_permanent_smtp_reply_fails_the_row_and_marks_the_address_bouncing(smtp):
    smtp("550 5.1.1 No such user here")
    user = UserFactory()
    row = record(user, "a:1")

    assert n.notification_send(notification_id=row.pk) == "failed"

    row.refresh_from_db()
    user.refresh_from_db()
    assert row.status == "failed"
    assert row.attempts == 1
    assert user.email_bouncing_since is not None
    assert "550" in user.email_bounce_reason
    # Nothing more is sent to a bouncing address.
    later = record(user, "a:2")
    assert n.notification_send(notification_id=later.pk) == "suppressed"


def test_a_refused_connection_is_transient_and_an_hour_of_failures_gives_up(settings):
    from tests.processes import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    user = UserFactory()
    row = record(user, "a:1")
    assert n.notification_send(notification_id=row.pk) == "retry"

    Notification.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=2), next_attempt_at=timezone.now()
    )
    assert n.notification_send(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.attempts == 2


def test_retry_delays_grow_and_stay_bounded():
    delays = [n.retry_delay(attempt) for attempt in range(1, 12)]

    assert 30 <= delays[0] <= 37.5
    assert 60 <= delays[1] <= 75
    assert all(15 * 60 <= d <= 15 * 60 * 1.25 for d in delays[6:])


def test_the_relay_resends_rows_stuck_in_sending_and_due_pending_rows():
    user = UserFactory()
    stuck = record(user, "a:1", thread="question:1")
    unpublished = record(user, "a:2", thread="question:2")
    queued = record(user, "a:3", thread="question:3")
    ten_minutes_ago = timezone.now() - dt.timedelta(minutes=10)
    Notification.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=ten_minutes_ago)
    Notification.objects.filter(pk=unpublished.pk).update(next_attempt_at=ten_minutes_ago)
    # Published a minute ago and still waiting in the queue: left alone for now.
    Notification.objects.filter(pk=queued.pk).update(
        next_attempt_at=ten_minutes_ago, queued_at=timezone.now() - dt.timedelta(minutes=1)
    )

    assert n.notifications_relay() == 2

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "sent", unpublished.pk: "sent", queued.pk: "pending"}
    assert len(mail.outbox) == 2
    # Once its task has been queued as long as a stuck send, it is published again.
    later = timezone.now() + dt.timedelta(minutes=5)
    assert n.notifications_relay(now=later) == 1
    # Nothing left to relay.
    assert n.notifications_relay() == 0


def test_the_settings_page_shows_and_saves_each_kinds_mode(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get("/settings/notifications/").content.decode()
    assert "A new answer on my thread" in page
    assert 'value="digest"' in page

    modes = dict.fromkeys(kinds.choosable_values(), "immediate")
    response = client.post("/settings/notifications/", {**modes, NEW_ANSWER: "digest"})
    assert response.status_code == 302
    assert n.preference_modes(user=user)[NEW_ANSWER] == "digest"

    bad = client.post("/settings/notifications/", {**modes, NEW_ANSWER: "hourly"})
    assert bad.status_code == 400
    assert n.preference_modes(user=user)[NEW_ANSWER] == "digest"
    assert client.get("/settings/notifications/").status_code == 200
    client.logout()
    assert client.get("/settings/notifications/").status_code == 302


# --- What arrives: raw headers, suspended members, account emails -----------------------

LIST_UNSUBSCRIBE_RAW = re.compile(
    rb"\r\nList-Unsubscribe: <(https?://[!-~]+?)>,\r\n <(mailto:[!-~]+?)>\r\n"
)


def test_list_unsubscribe_arrives_as_plain_uris_folded_between_them(smtp):
    sink = smtp(None)
    # A long address and member id make the header far longer than a line.
    user = UserFactory(username="a-member-with-a-rather-long-username-indeed")
    row = record(user, "a:raw", title="迁移失败, 提示表已存在 " * 3)

    assert n.notification_send(notification_id=row.pk) == "sent"
    sink.wait_for(1)
    [raw] = sink.raw
    head = raw.split(b"\r\n\r\n", 1)[0]
    match = LIST_UNSUBSCRIBE_RAW.search(head + b"\r\n")
    assert match, head.decode("ascii", "replace")
    https, mailto = (part.decode() for part in match.groups())
    assert (
        b"=?" not in head.split(b"List-Unsubscribe:", 1)[1].split(b"\r\nList-Unsubscribe-Post")[0]
    )
    assert https.startswith(f"{settings.SITE_URL}/notifications/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@localhost?subject=unsubscribe%20")
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head + b"\r\n"
    # RFC 8058: the link in the raw header is the one that unsubscribes, with no session.
    path = https.removeprefix(settings.SITE_URL)
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert n.preference_modes(user=user)[NEW_ANSWER] == "off"
    # The subject, which may hold any title, is still encoded as RFC 2047 requires.
    assert re.search(rb"\r\nSubject: [^\r]*=\?utf-8\?", head)


def test_a_suspended_member_gets_no_notification_email_nor_digest():
    member = UserFactory()
    q = question(author=member)
    member.suspended_until = timezone.now() + dt.timedelta(days=3)
    member.suspension_reason = "Spam."
    member.save()

    answer_post(author=UserFactory(), question=q, body="Try `migrate --fake-initial`.")
    [row] = Notification.objects.filter(recipient=member)
    assert n.notification_send(notification_id=row.pk) == "suppressed"

    row.refresh_from_db()
    assert row.status == "suppressed"
    assert row.last_error == "The member is suspended."
    assert mail.outbox == []

    digest = record(member, "d:1")
    Notification.objects.filter(pk=digest.pk).update(delivery="digest")
    at = (timezone.now() + dt.timedelta(days=1)).replace(hour=8)
    assert n.digest_send(user_id=member.pk, now=at) == "suppressed"
    assert mail.outbox == []


def test_notifications_say_which_post_they_are_about():
    asker, helper = UserFactory(), UserFactory()
    q = question(author=asker)
    a = answer_post(author=helper, question=q, body="Use a data migration.")
    c = comment_post(author=UserFactory(), answer=a, body="Which Django version?")

    rows = {
        (row.kind, row.recipient_id): (row.about_question, row.about_answer, row.about_comment)
        for row in Notification.objects.all()
    }
    assert rows[(qa_kinds.NEW_ANSWER, asker.pk)] == (q.pk, a.pk, None)
    assert rows[(qa_kinds.ANSWER_COMMENT, helper.pk)] == (q.pk, a.pk, c.pk)


def test_hiding_an_answer_withholds_its_pending_notifications_only():
    asker = UserFactory()
    q = question(author=asker)
    kept = n.notify(
        kind=NEW_ANSWER, recipients=[asker.pk], dedupe_key="k1", payload={},
        about=n.About(question=q.pk, answer=1001),
    )  # fmt: skip
    gone = n.notify(
        kind=NEW_ANSWER, recipients=[asker.pk], dedupe_key="k2", payload={},
        about=n.About(question=q.pk, answer=1002),
    )  # fmt: skip
    Notification.objects.update(status="pending")

    assert n.suppress_about(about=n.About(question=q.pk, answer=1002)) == 1

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses[gone[0]] == "suppressed"
    assert statuses[kept[0]] == "pending"


def test_account_emails_wait_in_the_outbox_and_are_sent_once_without_unsubscribe(smtp):
    sink = smtp(None)
    with transaction.atomic():
        pk = n.account_email_record(
            to="new@example.org", subject="Confirm your address", body="Open the link.",
            html="<p>Open the link.</p>",
        )  # fmt: skip
    assert n.notification_send(notification_id=pk) in {"sent", "not due"}
    assert n.notification_send(notification_id=pk) == "not due"
    [message] = sink.wait_for(1)
    assert message["To"] == "new@example.org"
    assert message["Subject"] == "Confirm your address"
    assert message["List-Unsubscribe"] is None
    assert Notification.objects.get(pk=pk).status == "sent"


def test_an_account_email_is_relayed_when_the_broker_was_down(smtp):
    sink = smtp(None)
    pk = n.account_email_record(to="late@example.org", subject="Reset", body="Link.", html=None)
    # Nothing was published (as with Redis down): the relay sends it once it is due.
    later = timezone.now() + dt.timedelta(minutes=5)
    assert n.notifications_relay(now=later) >= 1
    [message] = sink.wait_for(1)
    assert message["To"] == "late@example.org"
    assert Notification.objects.get(pk=pk).status == "sent"
