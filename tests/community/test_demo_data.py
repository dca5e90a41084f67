"""The demo data of the embedded platform: members with their roles, an approved mentor
whose tags cover the open demo thread; loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from mentoring.models import MentorProfile
from mentoring.selectors import mentor_matches
from qa.models import Question

pytestmark = pytest.mark.django_db


def test_demo_data_has_an_approved_mentor_for_the_open_thread(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    call_command("load_demo_data")
    assert (
        User.objects.filter(username__in=["newcomer", "mentor", "moderator", "admin"]).count() == 4
    )
    profile = MentorProfile.objects.get()
    assert (profile.user.username, profile.status) == ("mentor", "approved")
    open_thread = Question.objects.get(status="open")
    assert [m.username for m in mentor_matches(question=open_thread)] == ["mentor"]
