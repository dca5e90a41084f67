"""The demo data of the embedded platform: members with their roles, an approved mentor
whose tags cover each open demo thread, threads in English and in Chinese; loading twice
changes nothing."""

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
    profile = MentorProfile.objects.get(user__username="mentor")
    assert (profile.user.username, profile.status) == ("mentor", "approved")
    open_thread = Question.objects.get(external_id="demo-2", status="open")
    assert [m.username for m in mentor_matches(question=open_thread)] == ["mentor"]


def test_demo_data_is_bilingual_with_a_chinese_speaking_mentor(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    call_command("load_demo_data")
    laoli = MentorProfile.objects.get(user__username="laoli")
    assert laoli.status == "approved"
    assert laoli.languages == ["zh", "en"]
    assert User.objects.get(username="xiaowang").language == "zh-hans"
    chinese = Question.objects.filter(external_id__startswith="demo-zh-").order_by("external_id")
    assert [(q.external_id, q.status) for q in chinese] == [
        ("demo-zh-1", "solved"),
        ("demo-zh-2", "open"),
    ]
    assert chinese[0].accepted_answer.author.username == "laoli"
    assert "RenameModel" in chinese[0].solution_note
    # The open Chinese thread goes first to the mentor who reads Chinese and knows its tags.
    matches = mentor_matches(question=chinese[1])
    assert matches[0].username == "laoli"
    assert Question.objects.count() == 4
