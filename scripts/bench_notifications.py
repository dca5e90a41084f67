"""Emails per second that one Celery worker delivers to a local SMTP sink.

Run against a scratch PostgreSQL database and Redis (it creates members and rows):

    DATABASE_URL=postgres://.../bench_mail REDIS_URL=redis://... \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://.../bench_mail REDIS_URL=redis://... \\
        .venv/bin/python manage.py shell < scripts/bench_notifications.py

It records N notifications (one per member, so none coalesce), starts one worker (solo
pool, prefetch 1, as in production) pointed at an aiosmtpd sink on loopback, and times
from the worker being ready to the last email arriving.
"""

import os
import time

from django.db import connection, transaction

from accounts.models import Notification, User
from accounts.notifications import notify
from community.celery import app
from qa import notification_kinds as qa_kinds
from tests.processes import SmtpSink, celery_worker

COUNT = int(os.environ.get("BENCH_EMAILS", "500"))

with app.connection_for_write() as conn:
    for name in ("default", "mail", "digest"):
        conn.default_channel.queue_purge(name)  # type: ignore[attr-defined]
Notification.objects.all().delete()
users = User.objects.bulk_create(
    [User(username=f"bench-mail-{i}", email=f"bench{i}@example.org") for i in range(COUNT)],
    ignore_conflicts=True,
)
members = list(User.objects.filter(username__startswith="bench-mail-")[:COUNT])
with transaction.atomic():
    for member in members:
        notify(
            kind=qa_kinds.NEW_ANSWER,
            recipients=[member.pk],
            dedupe_key=f"bench:{member.pk}:{time.time_ns()}",
            payload={"title": "A benchmark thread", "url": "/questions/1/"},
        )

db = connection.settings_dict
database = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
sink = SmtpSink()
sink.start()
try:
    with celery_worker(env={"EMAIL_URL": sink.url, "DATABASE_URL": database}, name="bench"):
        start = time.perf_counter()
        sink.wait_for(len(members), timeout=600)
        seconds = time.perf_counter() - start
finally:
    sink.stop()
print(f"{len(members)} emails in {seconds:.1f} s: {len(members) / seconds:.1f} emails per second")
