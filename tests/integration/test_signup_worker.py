"""Sign-up end to end: the verification mail leaves through a real Celery worker on
the test Redis and a real SMTP conversation, and its link signs the member in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from community.celery import app as celery_app
from tests.accounts.mail import confirmation_path
from tests.processes import SmtpSink, celery_worker, message_text

pytestmark = pytest.mark.integration


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def worker_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def purge_queues(*names: str) -> None:
    with celery_app.connection_for_write() as conn:
        for name in names:
            conn.default_channel.queue_purge(name)


@pytest.mark.django_db(transaction=True)
def test_verification_mail_is_sent_by_the_worker_and_its_link_signs_in(client, smtp_sink):
    purge_queues("default", "mail")
    worker_env = {"EMAIL_URL": smtp_sink.url, "DATABASE_URL": worker_database_url()}

    with celery_worker(env=worker_env):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "quinn",
                "email": "quinn@example.org",
                "password1": "a-long-enough-passphrase",
                "password2": "a-long-enough-passphrase",
            },
        )
        assert response.status_code == 302
        [message] = smtp_sink.wait_for(1)

    assert message["To"] == "quinn@example.org"
    link = confirmation_path(message_text(message))
    assert client.post(link).status_code == 302
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "quinn", "password": "a-long-enough-passphrase"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
