"""Times in the member's time zone: a signed-in member sees every time on a page in their
own zone (and the claim banner names it), a visitor sees UTC, the zone never leaks into
the next request, the API and the admin stay in UTC; relative times are in Chinese under
the zh-hans interface."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from mentoring.models import Claim
from mentoring.services import claim_create
from qa.models import Question
from tests.factories import UserFactory, approved_mentor, django_thread, question

pytestmark = pytest.mark.django_db

ASKED = dt.datetime(2026, 1, 5, 6, 30, tzinfo=dt.UTC)
CLAIMED = dt.datetime(2026, 1, 5, 6, 2, tzinfo=dt.UTC)


def asked_at(when: dt.datetime, **fields) -> Question:
    thread = question(**fields)
    Question.objects.filter(pk=thread.pk).update(created_at=when, updated_at=when)
    return thread


def test_a_member_in_shanghai_sees_the_time_a_thread_was_asked_eight_hours_ahead(client):
    thread = asked_at(ASKED)
    client.force_login(UserFactory(time_zone="Asia/Shanghai"))

    page = client.get(thread.get_absolute_url()).content.decode()

    assert 'datetime="2026-01-05T14:30:00+08:00"' in page
    assert "14:30" in page
    assert "06:30" not in page


def test_a_visitor_sees_the_time_a_thread_was_asked_in_utc(client):
    thread = asked_at(ASKED)

    page = client.get(thread.get_absolute_url()).content.decode()

    assert 'datetime="2026-01-05T06:30:00+00:00"' in page
    assert "06:30" in page
    assert "14:30" not in page


def test_the_claim_banner_shows_the_time_in_the_members_zone_and_names_it(client):
    asker = UserFactory(time_zone="Asia/Shanghai")
    thread = django_thread(author=asker)
    claim_create(mentor=approved_mentor(display_name="Ada"), question=thread)
    Claim.objects.update(created_at=CLAIMED)

    client.force_login(asker)
    mine = client.get(thread.get_absolute_url()).content.decode()
    client.logout()
    visitors = client.get(thread.get_absolute_url()).content.decode()

    assert "since" in mine
    assert "14:02 Asia/Shanghai" in mine
    assert "06:02 UTC" in visitors
    assert "Asia/Shanghai" not in visitors


def test_the_mentors_claims_page_shows_their_local_times(client):
    mentor = approved_mentor(time_zone="America/Sao_Paulo")
    claim_create(mentor=mentor, question=django_thread())
    Claim.objects.update(created_at=CLAIMED)
    client.force_login(mentor)

    page = client.get("/mentoring/claims/").content.decode()

    # 06:02 UTC is 03:02 in São Paulo (UTC-3, no summer time since 2019).
    assert "03:02 America/Sao_Paulo" in page


def test_the_zone_is_reset_after_each_request(client):
    thread = asked_at(ASKED)
    client.force_login(UserFactory(time_zone="Asia/Shanghai"))

    client.get(thread.get_absolute_url())

    assert timezone.get_current_timezone_name() == "UTC"


def test_the_api_gives_utc_times_whoever_asks(client):
    thread = asked_at(ASKED)
    client.force_login(UserFactory(time_zone="Asia/Shanghai"))

    data = client.get(f"/api/v1/questions/{thread.pk}/").json()

    assert dt.datetime.fromisoformat(data["created_at"]).utcoffset() == dt.timedelta(0)


def test_a_suspended_member_is_told_the_end_in_their_own_zone(client):
    member = UserFactory(time_zone="Asia/Shanghai")
    client.force_login(member)
    end = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    member.suspended_until = end
    member.suspension_reason = "Spam"
    member.save(update_fields=["suspended_until", "suspension_reason"])

    response = client.get("/")

    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    local = end.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"{local:%Y-%m-%d %H:%M} Asia/Shanghai" in message


def test_relative_times_are_in_chinese_for_a_chinese_browser(client):
    asked_at(timezone.now() - dt.timedelta(minutes=5))

    # LocaleMiddleware leaves the language it chose active in the thread; the override
    # puts back the one before, so that later tests are not run in Chinese.
    with translation.override(None):
        response = client.get("/questions/", headers={"accept-language": "zh-CN"})
    page = response.content.decode()

    assert "5\xa0分钟" in page
    assert "minutes" not in page
