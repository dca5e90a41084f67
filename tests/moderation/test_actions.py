"""Moderation actions in the admin, single and bulk, each with a reason form: their
effect, their audit record, and who may use them (member, moderator, admin)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from moderation.models import CloseReason, Flag, ModerationAction
from moderation.services import flag_create
from qa.models import Answer, Question
from tests.factories import UserFactory, answer, question
from tests.moderation.admin_actions import act

pytestmark = pytest.mark.django_db


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


DUPLICATE = "Duplicate of another thread"


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_hide_and_unhide_in_bulk_with_an_audit_record(client, role):
    user = moderator() if role == "moderator" else admin_user()
    threads = [question(), question()]
    flag_create(flagger=UserFactory(), post=threads[0], reason="spam")
    client.force_login(user)
    form = act(client, "qa/question", "hide", [t.pk for t in threads])
    assert form.status_code == 200
    assert "Kept in the audit log" in form.content.decode()

    done = act(client, "qa/question", "hide", [t.pk for t in threads], reason="Spam wave")
    assert done.status_code == 302
    assert Question.objects.filter(hidden=True).count() == 2
    records = ModerationAction.objects.filter(kind="hide")
    assert records.count() == 2
    assert {r.moderator for r in records} == {user}
    assert {r.reason for r in records} == {"Spam wave"}
    assert Flag.objects.get().status == "helpful"

    act(client, "qa/question", "unhide", [threads[0].pk], reason="Appeal accepted")
    assert not Question.objects.get(pk=threads[0].pk).hidden
    assert ModerationAction.objects.filter(kind="unhide", question=threads[0]).exists()


def test_a_reason_is_required(client):
    thread = question()
    client.force_login(moderator())
    response = act(client, "qa/question", "hide", [thread.pk], reason="   ")
    assert response.status_code == 200  # the form again
    assert not Question.objects.get(pk=thread.pk).hidden
    assert not ModerationAction.objects.exists()


def test_close_as_duplicate_shows_the_banner_and_refuses_bad_targets(client):
    thread, original, hidden = question(), question(title="The original thread"), question()
    Question.objects.filter(pk=hidden.pk).update(hidden=True)
    duplicate = CloseReason.objects.get(label=DUPLICATE).pk
    client.force_login(moderator())

    for target in ["", str(thread.pk), str(hidden.pk), "999999"]:
        act(client, "qa/question", "close", [thread.pk], close_reason=duplicate,
            duplicate_of=target, note="")  # fmt: skip
        assert Question.objects.get(pk=thread.pk).status == "open", target
    assert not ModerationAction.objects.exists()

    act(client, "qa/question", "close", [thread.pk], close_reason=duplicate,
        duplicate_of=str(original.pk), note="")  # fmt: skip
    thread.refresh_from_db()
    assert (thread.status, thread.duplicate_of) == ("closed", original)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "a duplicate of" in page
    assert f'href="{original.get_absolute_url()}"' in page
    assert ModerationAction.objects.get(kind="close").details == {"duplicate_of": original.pk}

    act(client, "qa/question", "reopen", [thread.pk], reason="Not the same problem")
    thread.refresh_from_db()
    assert (thread.status, thread.duplicate_of) == ("open", None)


def test_lock_and_unlock(client):
    thread = question()
    client.force_login(moderator())
    act(client, "qa/question", "lock", [thread.pk], reason="Heated")
    assert Question.objects.get(pk=thread.pk).locked
    act(client, "qa/question", "unlock", [thread.pk], reason="Calm again")
    assert not Question.objects.get(pk=thread.pk).locked
    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["lock", "unlock"]


def test_hide_an_answer(client):
    reply = answer(question_obj=question())
    client.force_login(moderator())
    act(client, "qa/answer", "hide", [reply.pk], reason="Rude")
    assert Answer.objects.get(pk=reply.pk).hidden


def test_suspend_and_lift_with_the_record_on_the_members_page(client):
    mod = moderator()
    member = UserFactory()
    client.force_login(mod)
    until = (timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    past = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    act(client, "accounts/user", "suspend", [member.pk], until=past, reason="Spam")
    assert not User.objects.get(pk=member.pk).is_suspended
    act(client, "accounts/user", "suspend", [member.pk], until=until, reason="Spam links")
    member.refresh_from_db()
    assert member.is_suspended
    assert member.suspension_reason == "Spam links"
    page = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert "Moderation record" in page
    assert "Spam links" in page

    act(client, "accounts/user", "unsuspend", [member.pk], reason="Served")
    assert not User.objects.get(pk=member.pk).is_suspended
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "suspend", "unsuspend",
    ]  # fmt: skip


def test_a_moderator_cannot_suspend_an_admin_or_staff_but_an_admin_can(client):
    admin, staff = admin_user(), moderator()
    until = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(moderator())
    act(client, "accounts/user", "suspend", [admin.pk, staff.pk], until=until, reason="No")
    assert not User.objects.filter(suspended_until__isnull=False).exists()
    client.force_login(admin_user())
    act(client, "accounts/user", "suspend", [staff.pk], until=until, reason="Abuse of tools")
    assert User.objects.get(pk=staff.pk).is_suspended


@pytest.mark.parametrize(
    ("model", "action"),
    [
        ("qa/question", "hide"), ("qa/question", "close"), ("qa/question", "lock"),
        ("qa/answer", "hide"), ("qa/comment", "hide"), ("accounts/user", "suspend"),
    ],
)  # fmt: skip
def test_members_and_staff_outside_the_group_cannot_act(client, model, action):
    thread = question()
    for outsider in [UserFactory(), UserFactory(is_staff=True)]:
        client.force_login(outsider)
        response = act(client, model, action, [thread.pk], reason="x", until="2099-01-01T00:00")
        assert response.status_code in (302, 403)
    assert not ModerationAction.objects.exists()
    assert not Question.objects.filter(hidden=True).exists()


def test_the_audit_log_is_read_only_and_filterable(client):
    mod = moderator()
    thread = question()
    client.force_login(mod)
    act(client, "qa/question", "lock", [thread.pk], reason="Heated")
    record = ModerationAction.objects.get()
    listing = client.get(
        f"/admin/moderation/moderationaction/?kind__exact=lock&moderator__id__exact={mod.pk}"
    )
    assert listing.status_code == 200
    assert "Heated" in listing.content.decode()
    assert (
        client.post(
            f"/admin/moderation/moderationaction/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ModerationAction.objects.count() == 1


# Every moderation action of every admin list, by role: members and staff outside the
# group are refused and nothing is recorded; moderators and admins get the reason form.
ACTIONS = [
    (model_path, name)
    for model_path, names in {
        "qa/question": ["hide", "unhide", "close", "reopen", "lock", "unlock", "merge",
                        "soft_delete", "restore", "dismiss_flags"],
        "qa/answer": ["hide", "unhide", "soft_delete", "restore", "dismiss_flags"],
        "qa/comment": ["hide", "unhide", "soft_delete", "restore", "dismiss_flags"],
        "accounts/user": ["suspend", "unsuspend"],
    }.items()
    for name in names
]  # fmt: skip


def test_the_list_of_actions_is_every_action_the_admin_offers():
    from django.contrib import admin as django_admin

    from accounts.models import User as Member
    from qa.models import Comment

    offered = {
        (path, name)
        for path, model in [
            ("qa/question", Question),
            ("qa/answer", Answer),
            ("qa/comment", Comment),
            ("accounts/user", Member),
        ]
        for name in django_admin.site._registry[model].actions
    }
    assert offered == set(ACTIONS)


@pytest.mark.parametrize(("model", "action"), ACTIONS)
@pytest.mark.parametrize("role", ["member", "staff outside the group", "moderator", "admin"])
def test_every_action_by_role(client, model, action, role):
    from qa.services import comment_post

    thread = question()
    objects = {
        "qa/question": thread,
        "qa/answer": answer(question_obj=thread),
        "qa/comment": comment_post(author=UserFactory(), body="Which version?", question=thread),
        "accounts/user": UserFactory(),
    }
    target = objects[model]
    user = {
        "member": UserFactory,
        "staff outside the group": lambda: UserFactory(is_staff=True),
        "moderator": moderator,
        "admin": admin_user,
    }[role]()
    client.force_login(user)
    form = act(client, model, action, [target.pk])
    if role in ("member", "staff outside the group"):
        assert form.status_code in (302, 403)
        applied = act(client, model, action, [target.pk], reason="x", into=str(thread.pk),
                      until="2099-01-01T00:00", close_reason="1")  # fmt: skip
        assert applied.status_code in (302, 403)
        assert not ModerationAction.objects.exists()
    else:
        assert form.status_code == 200
        assert 'name="reason"' in form.content.decode() or "close_reason" in form.content.decode()
