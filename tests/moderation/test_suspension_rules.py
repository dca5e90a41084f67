"""The rules of a suspension live in one function (accounts.services.user_suspension_check):
the service, the admin action, the flag queue and the member's admin page each refuse the
same bad input with the same message, and change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from moderation.models import ModerationAction
from moderation.services import member_suspend
from tests.admin_forms import change_form
from tests.factories import UserFactory, question

pytestmark = pytest.mark.django_db

FUTURE = dt.timedelta(days=7)
PAST = dt.timedelta(days=-1)


def moderator() -> User:
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def admin_user() -> User:
    return UserFactory(is_staff=True, is_superuser=True)


# (case, who acts, who is suspended ("self": the one acting), end, reason, the message)
CASES: list[tuple[str, Callable[[], User], Any, dt.timedelta | None, str, str]] = [
    ("past end", moderator, UserFactory, PAST, "Spam links",
     "A suspension must end in the future."),
    ("no end", moderator, UserFactory, None, "Spam links", "Say when the suspension ends."),
    ("blank reason", moderator, UserFactory, FUTURE, "   ", "Say why; the member will see it."),
    ("oneself", admin_user, "self", FUTURE, "Testing", "You cannot suspend yourself."),
    ("staff by a moderator", moderator, lambda: UserFactory(is_staff=True), FUTURE, "Abuse",
     "Only admins can suspend staff or admins."),
]  # fmt: skip


def _until(offset: dt.timedelta | None) -> dt.datetime | None:
    return None if offset is None else timezone.now() + offset


def _form_time(until: dt.datetime | None) -> str:
    return "" if until is None else until.strftime("%Y-%m-%dT%H:%M")


def by_service(client: Any, actor: User, member: User, until: Any, reason: str) -> list[str]:
    try:
        member_suspend(moderator=actor, member=member, until=until, reason=reason)
    except ValidationError as error:
        return error.messages
    except PermissionDenied as error:
        return [str(error)]
    return []


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def by_action(client: Any, actor: User, member: User, until: Any, reason: str) -> list[str]:
    client.force_login(actor)
    data = {"action": "suspend", "_selected_action": [str(member.pk)]}
    assert client.post("/admin/accounts/user/", data).status_code == 200  # the form
    response = client.post(
        "/admin/accounts/user/",
        {**data, "apply": "1", "until": _form_time(until), "reason": reason},
    )
    assert response.status_code == 302
    # Each refusal is shown with the member it is about.
    return [m.removeprefix(f"{member}: ") for m in _messages(response)]


def by_flag_queue(client: Any, actor: User, member: User, until: Any, reason: str) -> list[str]:
    client.force_login(actor)
    post = question(author=member)
    response = client.post(
        f"/admin/moderation/flag/queue/question/{post.pk}/suspend/",
        {"until": _form_time(until), "reason": reason},
    )
    assert response.status_code == 302
    return _messages(response)


def by_members_page(client: Any, actor: User, member: User, until: Any, reason: str) -> list[str]:
    client.force_login(actor)
    url = f"/admin/accounts/user/{member.pk}/change/"
    data = change_form(client, url)
    if "suspended_until_0" not in data and "suspension_reason" not in data:
        # Read-only for this staff member: not even offered (see test_moderator_role).
        page = client.get(url).content.decode()
        assert 'name="suspended_until_0"' not in page
        return ["(read-only)"]
    data.update(
        suspended_until_0=until.strftime("%Y-%m-%d") if until else "",
        suspended_until_1=until.strftime("%H:%M:%S") if until else "",
        suspension_reason=reason,
    )
    response = client.post(url, data)
    if response.status_code == 302:  # saved
        return []
    assert response.status_code == 200  # the form again, with the errors
    form = response.context["adminform"].form
    return [str(e) for errors in form.errors.values() for e in errors]


PATHS = {
    "service": by_service,
    "admin action": by_action,
    "flag queue": by_flag_queue,
    "member's page": by_members_page,
}


@pytest.mark.parametrize(("case", "actor", "target", "offset", "reason", "message"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
@pytest.mark.parametrize("path", list(PATHS))
def test_every_path_refuses_the_same_input_with_the_same_message(
    client, path, case, actor, target, offset, reason, message
):
    acting = actor()
    member = acting if target == "self" else target()

    refused = PATHS[path](client, acting, member, _until(offset), reason)

    if path == "member's page" and case == "staff by a moderator":
        assert refused == ["(read-only)"]
    else:
        assert refused == [message]
    member.refresh_from_db()
    assert member.suspended_until is None
    assert not ModerationAction.objects.exists()


def test_the_action_and_the_page_refuse_a_past_end_and_a_blank_reason_together(client):
    acting, member = moderator(), UserFactory()
    both = ["A suspension must end in the future.", "Say why; the member will see it."]
    assert sorted(by_service(client, acting, member, _until(PAST), "")) == both
    assert sorted(by_action(client, acting, member, _until(PAST), "")) == [" ".join(both)]
    assert sorted(by_members_page(client, acting, member, _until(PAST), "")) == both


@pytest.mark.parametrize("path", list(PATHS))
def test_every_path_suspends_with_good_input_and_ends_the_tokens(client, path):
    from rest_framework.authtoken.models import Token

    acting, member = moderator(), UserFactory()
    Token.objects.create(user=member)

    refused = PATHS[path](client, acting, member, _until(FUTURE), "  Spam links  ")

    if path == "member's page":
        assert refused == []
    else:
        assert refused in ([], ["Done; it is in the audit log."], ["Suspended: 1."])
    member.refresh_from_db()
    assert member.is_suspended
    assert member.suspension_reason == "Spam links"
    assert not Token.objects.filter(user=member).exists()
    record = ModerationAction.objects.get(kind="suspend", member=member)
    assert (record.moderator, record.reason) == (acting, "Spam links")
