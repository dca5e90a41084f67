"""The "Moderators" group from the data migration: staff in it work posts, members and
mentoring in the admin, but cannot edit superusers, roles, permissions, passwords, tags,
the FAQ or groups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.services import MODERATORS_GROUP
from moderation.models import ModerationAction
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db


# The member's page carries the read-only moderation record as an inline formset.
RECORD = {"moderation_record-TOTAL_FORMS": "0", "moderation_record-INITIAL_FORMS": "0"}


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def test_the_migration_gives_moderators_only_what_they_need():
    codenames = set(
        Group.objects.get(name=MODERATORS_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"change_question", "change_answer", "change_comment", "change_user"} <= codenames
    assert {"change_mentorprofile", "view_escalation", "view_claim"} <= codenames
    forbidden = {"add_user", "delete_user", "change_group", "change_permission", "change_tag",
                 "add_faqentry", "change_faqentry", "delete_question"}  # fmt: skip
    assert not codenames & forbidden


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/admin/qa/question/", 200),
        ("/admin/qa/answer/", 200),
        ("/admin/qa/comment/", 200),
        ("/admin/accounts/user/", 200),
        ("/admin/mentoring/escalation/", 200),
        ("/admin/mentoring/mentorprofile/", 200),
        ("/admin/auth/group/", 403),
        ("/admin/qa/faqentry/add/", 403),
        ("/admin/qa/tag/add/", 403),
        ("/admin/accounts/user/add/", 403),
    ],
)
def test_moderator_pages_in_the_admin(client, moderator, url, status):
    client.force_login(moderator)
    assert client.get(url).status_code == status


def test_moderators_suspend_members_but_not_admins_or_roles(client, moderator):
    member = UserFactory()
    admin = UserFactory(is_staff=True, is_superuser=True)
    Token.objects.create(user=member)
    client.force_login(moderator)

    # An admin's page is read-only for a moderator, and a forged change is refused.
    read_only = client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    assert 'name="suspended_until_0"' not in read_only
    forged = client.post(
        f"/admin/accounts/user/{admin.pk}/change/",
        {"username": admin.username, "suspension_reason": "x", "suspended_until_0": "2099-01-01"},
    )
    assert forged.status_code == 403
    admin.refresh_from_db()
    assert admin.suspended_until is None
    form = client.get(f"/admin/accounts/user/{member.pk}/change/")
    assert form.status_code == 200
    page = form.content.decode()
    assert 'name="suspended_until_0"' in page
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' not in page
    assert client.get(f"/admin/accounts/user/{member.pk}/password/").status_code == 403
    assert (
        client.post(f"/admin/accounts/user/{member.pk}/delete/", {"post": "yes"}).status_code == 403
    )

    until = timezone.now() + dt.timedelta(days=3)
    changed = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {"username": member.username, "email": member.email, "display_name": "", "bio": "",
         "languages": '["en"]', "time_zone": "UTC",
         "suspended_until_0": until.strftime("%Y-%m-%d"), "suspended_until_1": "12:00:00",
         "suspension_reason": "Spam links", "last_digest_on": "", **RECORD},
    )  # fmt: skip
    assert changed.status_code == 302
    member.refresh_from_db()
    assert member.suspension_reason == "Spam links"
    # The page goes through the same service as the action: it is in the audit log.
    record = ModerationAction.objects.get(kind="suspend", member=member)
    assert (record.moderator, record.reason) == (moderator, "Spam links")
    assert member.is_superuser is False
    assert member.is_staff is False
    assert not Token.objects.filter(user=member).exists()


def test_a_suspension_in_the_past_or_without_reason_is_refused(client, moderator):
    member = UserFactory()
    client.force_login(moderator)
    past = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {"username": member.username, "email": member.email, "languages": '["en"]',
         "time_zone": "UTC", "suspended_until_0": "2020-01-01", "suspended_until_1": "12:00:00",
         "suspension_reason": "", **RECORD},
    )  # fmt: skip
    assert past.status_code == 200
    page = past.content.decode()
    assert "A suspension must end in the future." in page
    assert "Say why; the member will see it." in page
    member.refresh_from_db()
    assert member.suspended_until is None


def test_a_member_sees_no_admin(client):
    thread = question()
    client.force_login(UserFactory())
    assert client.get("/admin/qa/question/").status_code == 302
    assert client.get(f"/admin/qa/question/{thread.pk}/change/").status_code == 302


def test_lifting_on_the_members_page_is_recorded_and_staff_are_out_of_reach(client, moderator):
    member = UserFactory(suspended_until=timezone.now() + dt.timedelta(days=3),
                         suspension_reason="Spam")  # fmt: skip
    client.force_login(moderator)
    lifted = client.post(
        f"/admin/accounts/user/{member.pk}/change/",
        {"username": member.username, "email": member.email, "languages": '["en"]',
         "time_zone": "UTC", "suspended_until_0": "", "suspended_until_1": "",
         "suspension_reason": "", **RECORD},
    )  # fmt: skip
    assert lifted.status_code == 302
    member.refresh_from_db()
    assert member.suspended_until is None
    assert ModerationAction.objects.filter(kind="unsuspend", member=member).exists()

    staff = UserFactory(is_staff=True)
    page = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert 'name="suspended_until_0"' not in page
