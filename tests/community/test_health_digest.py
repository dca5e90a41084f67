"""The weekly community health digest: moderators only (unless they turn it off), once a
week each however often the task runs, with the week's figures against the week before
and the threads still waiting, read from the bytes of the message as it is sent.

The fixture community, around W, the Monday starting the ISO week that just ended (the
tests run at the real time; the service takes another `now` for the next week):

  this week   t1  W + 1 h      answered by another member after 1 h
              t2  W + 1 day    answered after 3 h
              t3  W + 2 days   no response yet
  week before t4  W - 7 d + 1 h  answered after 2 h 12 min
              t5  W - 6 days   no response yet: unanswered after 7 days
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts import notifications as n
from accounts.models import Notification, NotificationPreference
from accounts.notifications import kinds
from accounts.services import MODERATORS_GROUP
from community import digest, tasks
from community.celery import app as celery_app
from mentoring.models import Claim
from qa.models import Question
from qa.services import comment_post, post_visibility_set
from tests.factories import UserFactory, answer, moments_recomputed, question
from tests.integration.test_signup_worker import purge_queues, worker_database_url
from tests.processes import SmtpSink, celery_worker

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
LABEL = "Weekly community health digest (moderators)"
MINUS = "\N{MINUS SIGN}"


@pytest.fixture(autouse=True)
def eager_tasks(request) -> Iterator[None]:
    if request.node.get_closest_marker("integration"):
        yield  # the real worker runs the tasks
        return
    conf = celery_app.conf
    before = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


def moderator(**fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def week_start() -> dt.date:
    return digest.week_that_ended(timezone.now())


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def thread(created: dt.datetime, title: str) -> Question:
    asked = question(title=title)
    Question.objects.filter(pk=asked.pk).update(created_at=created)
    asked.created_at = created
    return asked


def answered(asked: Question, after: dt.timedelta) -> None:
    reply = answer(question_obj=asked)
    type(reply).objects.filter(pk=reply.pk).update(created_at=asked.created_at + after)
    moments_recomputed(asked)


@pytest.fixture
def community() -> dict[str, Question]:
    start = midnight(week_start())
    threads = {
        "t1": thread(start + H, "How do I squash migrations?"),
        "t2": thread(start + D, "Why is my queryset evaluated twice?"),
        "t3": thread(start + 2 * D, "Why does collectstatic skip my files?"),
        "t4": thread(start - 7 * D + H, "Where do signals belong?"),
        "t5": thread(start - 6 * D, "How do I test a Celery task?"),
    }
    answered(threads["t1"], H)
    answered(threads["t2"], 3 * H)
    answered(threads["t4"], 2 * H + 12 * dt.timedelta(minutes=1))
    return threads


def run_task(capture) -> None:
    with capture(execute=True):
        tasks.health_digests_send.delay()


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def parsed(message) -> tuple[bytes, EmailMessage]:
    raw = message.message().as_bytes()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def header_block(raw: bytes) -> bytes:
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def raw_subject(raw: bytes) -> tuple[str, str]:
    """The Subject as it is on the wire (folded lines joined), and decoded."""
    match = re.search(rb"^Subject:(.*?)\r?\n(?![ \t])", header_block(raw) + b"\n", re.M | re.S)
    assert match, "no Subject header"
    wire = re.sub(r"\r?\n[ \t]", " ", match.group(1).decode("ascii")).strip()
    return wire, str(make_header(decode_header(wire)))


def parts(message: EmailMessage) -> dict[str, str]:
    """The decoded text of each part, by content type, checked to declare its charset."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert part.get_content_charset() == "utf-8"
            assert part["Content-Transfer-Encoding"] in {
                "7bit",
                "8bit",
                "quoted-printable",
                "base64",
            }
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset())
    return found


# Who receives it ----------------------------------------------------------------------


def test_only_moderators_receive_the_digest(django_capture_on_commit_callbacks):
    staff_moderator = moderator()
    admin = UserFactory(is_superuser=True, is_staff=True)
    member = UserFactory()
    staff_only = UserFactory(is_staff=True)
    former = moderator(is_active=False)

    run_task(django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([staff_moderator.email, admin.email])
    assert "No thread is waiting for a first human response." in mail.outbox[0].body
    assert not Notification.objects.filter(
        kind="health_digest", recipient__in=[member, staff_only, former]
    ).exists()


def test_a_moderator_who_turned_it_off_gets_no_email(client, django_capture_on_commit_callbacks):
    quiet, keen = moderator(), moderator()
    client.force_login(quiet)
    page = client.get("/settings/notifications/").content.decode()
    modes = dict.fromkeys(n.preference_modes(user=quiet), "immediate")
    assert (
        client.post("/settings/notifications/", {**modes, "health_digest": "off"}).status_code
        == 302
    )

    run_task(django_capture_on_commit_callbacks)

    assert LABEL in page
    assert [m.to for m in mail.outbox] == [[keen.email]]
    row = Notification.objects.get(kind="health_digest", recipient=quiet)
    assert row.status == Notification.Status.SUPPRESSED


def test_a_member_is_not_offered_the_choice(client, api_client):
    member, mod = UserFactory(), moderator()

    client.force_login(member)
    page = client.get("/settings/notifications/").content.decode()
    assert "A new answer on my thread" in page
    assert LABEL not in page
    assert 'name="health_digest"' not in page
    assert "health_digest" not in kinds.choosable_values(member)
    # Posting it anyway changes nothing.
    modes = dict.fromkeys(n.preference_modes(user=member), "immediate")
    client.post("/settings/notifications/", {**modes, "health_digest": "immediate"})
    assert not NotificationPreference.objects.filter(kind="health_digest").exists()

    api_client.force_authenticate(member)
    assert "health_digest" not in api_client.get("/api/v1/notification-preferences/").json()
    refused = api_client.put(
        "/api/v1/notification-preferences/", {"health_digest": "immediate"}, format="json"
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["health_digest"]
    # "Everything off" works for every member: off is what they have already.
    everything_off = dict.fromkeys(kinds.choosable_values(), "off")
    assert (
        api_client.put(
            "/api/v1/notification-preferences/", everything_off, format="json"
        ).status_code
        == 200
    )
    assert not NotificationPreference.objects.filter(kind="health_digest").exists()

    api_client.force_authenticate(mod)
    assert (
        api_client.get("/api/v1/notification-preferences/").json()["health_digest"] == "immediate"
    )


# Once a week ---------------------------------------------------------------------------


def test_running_the_task_again_in_the_week_sends_nothing_more(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    first, second = moderator(), moderator()
    run_task(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2

    # The moderators and the rows they already have: the figures are not computed again.
    with django_assert_num_queries(2):
        assert digest.health_digests_send() == 0
    run_task(django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    keys = set(
        Notification.objects.filter(kind="health_digest").values_list("dedupe_key", flat=True)
    )
    week = week_start().isoformat()
    assert keys == {f"health_digest:{week}:{first.pk}", f"health_digest:{week}:{second.pk}"}


def test_the_next_week_brings_a_new_digest(django_capture_on_commit_callbacks):
    mod = moderator()
    run_task(django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        digest.health_digests_send(now=timezone.now() + 7 * D)
        digest.health_digests_send(now=timezone.now() + 7 * D + 3 * H)

    assert len(sent_to(mod)) == 2
    next_week = (week_start() + 7 * D).isoformat()
    assert Notification.objects.filter(dedupe_key=f"health_digest:{next_week}:{mod.pk}").exists()
    first_subject, second_subject = (m.subject for m in sent_to(mod))
    assert first_subject != second_subject


def test_a_moderator_who_joins_mid_week_gets_that_weeks_digest(django_capture_on_commit_callbacks):
    early = moderator()
    run_task(django_capture_on_commit_callbacks)
    late = moderator()
    run_task(django_capture_on_commit_callbacks)

    assert (len(sent_to(early)), len(sent_to(late))) == (1, 1)


def test_the_task_is_discovered_and_beat_runs_it_hourly():
    celery_app.loader.import_default_modules()

    assert "community.tasks.health_digests_send" in celery_app.tasks
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "community.tasks.health_digests_send"
    ]
    assert [entry["schedule"] for entry in entries] == [60 * 60]


# What it says ---------------------------------------------------------------------------


def test_the_email_compares_the_weeks_and_lists_the_waiting_threads(
    community, django_capture_on_commit_callbacks
):
    mod = moderator(language="en")
    run_task(django_capture_on_commit_callbacks)

    [message] = sent_to(mod)
    raw, msg = parsed(message)
    week = week_start()

    # Headers: ASCII, within the line limit, and the ones a notification carries.
    head = header_block(raw)
    head.decode("ascii")
    assert all(len(line) <= 998 for line in head.splitlines())
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == mod.email
    assert msg["From"] == settings.DEFAULT_FROM_EMAIL
    assert msg["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<notification-\d+\.[0-9a-f]{12}@[^>]+>", msg["Message-ID"])
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    wire, subject = raw_subject(raw)
    assert wire == subject  # plain ASCII: nothing to encode
    assert subject == f"[{settings.SITE_NAME}] Community health, week of {date_format(week)}"

    texts = parts(msg)
    text, html = texts["text/plain"], texts["text/html"]
    for expected in [
        "Threads asked: 3\n  week before: 2, change: +1",
        f"First human response, median: 2 h\n  week before: 2 h 12 min, change: {MINUS}12 min",
        "First human response, 9 in 10 within: 2 h 48 min\n  week before: 2 h 12 min, "
        "change: +36 min",
        "Responded to within 24 hours: 66.7 %\n  week before: 50.0 %, change: +16.7 points",
        "Unanswered 7 days after being asked (threads of the week before): 1\n"
        "  week before: 0, change: +1",
        "First mentor claim, median: n/a\n  week before: n/a, change: n/a",
        "Mentor claims expired: 0\n  week before: 0, change: ±0",
        "Offers declined by mentors: 0\n",
        "Active mentors: 0\n",
        "Questions answered before being asked (ask deflection): ",
    ]:
        assert expected in text, expected

    # The waiting threads, oldest first, by absolute link.
    t5, t3 = community["t5"], community["t3"]
    older, newer = (f"{settings.SITE_URL}{t.get_absolute_url()}" for t in (t5, t3))
    assert "2 threads are still waiting for a first human response, oldest first:" in text
    assert text.index(f"- {t5.title}\n  {older}") < text.index(f"- {t3.title}\n  {newer}")
    assert community["t1"].title not in text
    assert "more." not in text
    health_url = f"{settings.SITE_URL}/staff/health/?since={week}&until={week + 7 * D}"
    assert health_url in text

    assert '<th scope="col"' in html
    assert f'<a href="{older}">{t5.title}</a>' in html
    assert html.index(older) < html.index(newer)
    assert f"{MINUS}12 min" in html
    assert health_url.replace("&", "&amp;") in html
    assert '<html lang="en">' in html


def test_at_most_20_waiting_threads_then_how_many_more(django_capture_on_commit_callbacks):
    start = midnight(week_start())
    waiting = [thread(start - (30 - i) * H, f"Waiting thread number {i:02d}") for i in range(22)]
    mod = moderator()
    run_task(django_capture_on_commit_callbacks)

    [message] = sent_to(mod)
    text = parts(parsed(message)[1])["text/plain"]
    listed = re.findall(r"^- (Waiting thread number \d+)$", text, re.M)
    assert listed == [t.title for t in waiting[:20]]
    assert "22 threads are still waiting" in text
    assert "and 2 more." in text


def test_waiting_threads_are_open_public_and_without_any_human_response():
    start = midnight(week_start())
    oldest = thread(start - 3 * D, "Oldest waiting")
    self_answered = thread(start - 2 * D, "Only the asker answered")
    answer(question_obj=self_answered, author=self_answered.author)
    newest = thread(start - D, "Newest waiting")
    answered(thread(start, "Answered"), H)
    commented = thread(start, "Commented")
    comment_post(author=UserFactory(), question=commented, body="Which version is it?")
    claimed = thread(start, "Claimed")
    Claim.objects.create(
        question=claimed, mentor=UserFactory(), created_at=start + H, reply_due_at=start + 5 * H
    )
    moments_recomputed(claimed)
    post_visibility_set(post=thread(start, "Hidden"), hidden=True)
    closed = thread(start, "Closed")
    Question.objects.filter(pk=closed.pk).update(
        status=Question.Status.CLOSED, closed_reason="Off topic."
    )

    threads, total = digest.waiting_threads(20)
    assert [t.title for t in threads] == [oldest.title, self_answered.title, newest.title]
    assert total == 3
    first, total = digest.waiting_threads(2)
    assert ([t.pk for t in first], total) == ([oldest.pk, self_answered.pk], 3)


def test_a_chinese_moderator_gets_a_chinese_email(django_capture_on_commit_callbacks):
    chinese, english = moderator(language="zh-hans"), moderator(language="en")
    run_task(django_capture_on_commit_callbacks)
    week = week_start()

    [message] = sent_to(chinese)
    raw, msg = parsed(message)
    header_block(raw).decode("ascii")
    wire, subject = raw_subject(raw)
    # Non-ASCII goes out as RFC 2047 encoded words, each within 75 characters.
    words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", wire, re.I)
    assert words
    assert all(len(word) <= 75 for word in words)
    with translation.override("zh-hans"):
        title = digest.digest_payload(digest.HealthReport(week_start=week, figures=[]), [], 0)[
            "title"
        ]
    assert subject == f"[{settings.SITE_NAME}] {title}"
    assert f"{week.year}年{week.month}月{week.day}日" in subject
    texts = parts(msg)
    assert f"{chinese.public_name}，你好：" in texts["text/plain"]
    assert '<html lang="zh-Hans">' in texts["text/html"]

    [english_message] = sent_to(english)
    assert raw_subject(parsed(english_message)[0])[1].endswith(date_format(week))


# Through a real worker -----------------------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_task_and_each_moderator_gets_one_email(smtp_sink):
    # Superusers: the "Moderators" group may be gone, flushed by an earlier test.
    first = UserFactory(is_superuser=True, is_staff=True)
    purge_queues("default", "mail")
    worker_env = {"EMAIL_URL": smtp_sink.url, "DATABASE_URL": worker_database_url()}

    with celery_worker(env=worker_env):
        tasks.health_digests_send.delay()
        smtp_sink.wait_for(1)
        second = UserFactory(is_superuser=True, is_staff=True)
        # The second run writes only the new moderator's row: one more email, not two.
        tasks.health_digests_send.delay()
        smtp_sink.wait_for(2)
        tasks.health_digests_send.delay()
        tasks.health_digests_send.delay()
        third = UserFactory(is_superuser=True, is_staff=True)
        tasks.health_digests_send.delay()
        smtp_sink.wait_for(3)

    assert [m["To"] for m in smtp_sink.messages] == [first.email, second.email, third.email]
    subject = str(make_header(decode_header(smtp_sink.messages[0]["Subject"])))
    assert subject.startswith(f"[{settings.SITE_NAME}] Community health, week of")
    rows = Notification.objects.filter(kind="health_digest", status=Notification.Status.SENT)
    assert rows.count() == 3
