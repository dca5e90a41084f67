"""The admin index shows what needs moderators: open flags, threads needing a mentor,
suspensions ending soon, each linking to its filtered list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.services import MODERATORS_GROUP
from mentoring.services import escalations_apply
from moderation.services import flag_create
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db


def test_the_admin_index_counts_and_links(client):
    mod = UserFactory(is_staff=True)
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    flag_create(flagger=UserFactory(), post=question(), reason="spam")
    flag_create(flagger=UserFactory(), post=question(), reason="rude")
    escalations_apply()  # no mentors at all: both threads need one
    soon = UserFactory(suspended_until=timezone.now() + dt.timedelta(days=2), suspension_reason="x")
    UserFactory(suspended_until=timezone.now() + dt.timedelta(days=30), suspension_reason="y")

    client.force_login(mod)
    page = client.get("/admin/").content.decode()
    assert '<a href="/admin/moderation/flag/queue/">Open flags</a></th><td>2</td>' in page
    assert '?waiting=yes">Threads needing a mentor</a></th><td>2</td>' in page
    assert '?suspended=ending">Suspensions ending within 7 days</a></th><td>1</td>' in page
    ending = client.get("/admin/accounts/user/?suspended=ending").content.decode()
    assert soon.username in ending
