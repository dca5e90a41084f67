"""Soft-delete and restore of every kind of post, and merging a thread into another:
what moves, where the old address leads, what each role sees, the audit record, and the
bad input that changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from accounts.models import Notification
from accounts.services import MODERATORS_GROUP
from moderation.models import Flag, ModerationAction
from moderation.services import (
    flag_create,
    flags_dismiss,
    post_delete,
    post_hide,
    post_restore,
    post_unhide,
    question_merge,
)
from qa.models import Answer, Comment, Question, Vote
from qa.services import answer_accept, comment_post, search_vectors_refresh, vote_cast
from tests.factories import TagFactory, UserFactory, answer, question
from tests.moderation.admin_actions import act
from tests.moderation.surfaces import SECRET, SHOWN, surfaces

pytestmark = pytest.mark.django_db


def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


# --- Soft-delete and restore --------------------------------------------------------------


def test_a_deleted_thread_is_gone_everywhere_even_for_its_author(client):
    mod = moderator()
    author = UserFactory()
    thread = question(author=author, tags=[TagFactory(name="ruby")],
                      title=f"{SECRET} gems fail to install",
                      body=f"The {SECRET} gem breaks bundler.")  # fmt: skip
    search_vectors_refresh(question_ids=[thread.pk])
    api = APIClient()
    seen = [n for n, text in surfaces(client, api, thread, author).items()
            if any(part in text for part in SHOWN)]  # fmt: skip
    assert len(seen) >= 8, seen

    post_delete(moderator=mod, post=thread, reason="Spam")
    for viewer in [None, UserFactory(), author]:
        if viewer is not None:
            client.force_login(viewer)
            api.force_authenticate(viewer)
        after = surfaces(client, api, thread, author)
        leaks = [n for n, text in after.items() if any(part in text for part in SHOWN)]
        assert leaks == [], (viewer, leaks)
        assert client.get(thread.get_absolute_url()).status_code == 404
        assert api.get(f"/api/v1/questions/{thread.pk}/").status_code == 404

    client.force_login(mod)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This question was deleted on" in page
    record = ModerationAction.objects.get(kind="delete")
    assert (record.question, record.moderator, record.reason) == (thread, mod, "Spam")


def test_an_author_still_sees_their_own_hidden_post_but_not_a_deleted_one(client):
    mod = moderator()
    author = UserFactory()
    thread = question(author=author)
    client.force_login(author)
    post_hide(moderator=mod, post=thread, reason="Needs a look")
    assert client.get(thread.get_absolute_url()).status_code == 200
    post_delete(moderator=mod, post=thread, reason="Spam after all")
    assert client.get(thread.get_absolute_url()).status_code == 404


def test_restore_brings_a_post_back_as_it_was(client):
    mod = moderator()
    thread = question()
    reply = answer(question_obj=thread)
    remark = comment_post(author=UserFactory(), body="Same here, on 3.13.", question=thread)

    post_delete(moderator=mod, post=reply, reason="Rude")
    assert Question.objects.get(pk=thread.pk).answer_count == 0
    assert "Run migrate." not in client.get(thread.get_absolute_url()).content.decode()
    post_restore(moderator=mod, post=reply, reason="Appeal accepted")
    reply.refresh_from_db()
    assert (reply.hidden, reply.deleted_at) == (False, None)
    assert Question.objects.get(pk=thread.pk).answer_count == 1

    # A post hidden before it was deleted is hidden again once restored.
    post_hide(moderator=mod, post=remark, reason="Off-topic")
    post_delete(moderator=mod, post=remark, reason="Spam")
    with pytest.raises(ValidationError, match="restore it instead"):
        post_unhide(moderator=mod, post=remark, reason="x")
    post_restore(moderator=mod, post=remark, reason="Not spam")
    remark.refresh_from_db()
    assert (remark.hidden, remark.deleted_at) == (True, None)
    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["delete", "restore", "hide", "delete", "restore"]


def test_delete_and_restore_refuse_what_does_not_apply_and_change_nothing():
    mod = moderator()
    thread = question()
    with pytest.raises(ValidationError, match="not deleted"):
        post_restore(moderator=mod, post=thread, reason="x")
    post_delete(moderator=mod, post=thread, reason="Spam")
    with pytest.raises(ValidationError, match="already deleted"):
        post_delete(moderator=mod, post=thread, reason="Again")
    with pytest.raises(PermissionDenied):
        post_restore(moderator=UserFactory(), post=thread, reason="x")
    with pytest.raises(ValidationError):
        post_restore(moderator=mod, post=thread, reason=" ")
    assert Question.objects.get(pk=thread.pk).deleted_at is not None
    assert ModerationAction.objects.count() == 1


def test_dismissing_flags_does_not_bring_back_a_deleted_post():
    mod = moderator()
    thread = question()
    flaggers = [UserFactory(date_joined=thread.created_at.replace(year=2020)) for _ in range(3)]
    for flagger in flaggers:
        flag_create(flagger=flagger, post=thread, reason="spam")
    assert Question.objects.get(pk=thread.pk).hidden  # hidden pending review
    post_delete(moderator=mod, post=thread, reason="Spam")
    flags_dismiss(moderator=mod, post=thread, reason="Not needed")
    assert Question.objects.get(pk=thread.pk).hidden


@pytest.mark.parametrize("model", ["qa/question", "qa/answer", "qa/comment"])
def test_delete_and_restore_in_the_admin_for_each_kind_of_post(client, model):
    thread = question()
    posts = {
        "qa/question": thread,
        "qa/answer": answer(question_obj=thread),
        "qa/comment": comment_post(author=UserFactory(), body="Which version?", question=thread),
    }
    post = posts[model]
    client.force_login(moderator())
    form = act(client, model, "soft_delete", [post.pk])
    assert "Delete with a reason" in form.content.decode()
    act(client, model, "soft_delete", [post.pk], reason="Spam")
    post.refresh_from_db()
    assert post.hidden
    assert post.deleted_at is not None
    listed = client.get(f"/admin/{model}/?visibility=deleted").content.decode()
    assert f"/{post.pk}/change/" in listed
    act(client, model, "restore", [post.pk], reason="Mistake")
    post.refresh_from_db()
    assert not post.hidden
    assert post.deleted_at is None
    assert list(ModerationAction.objects.order_by("pk").values_list("kind", flat=True)) == [
        "delete", "restore",
    ]  # fmt: skip


def test_members_and_staff_outside_the_group_cannot_delete_or_merge(client):
    thread, other = question(), question()
    for outsider in [UserFactory(), UserFactory(is_staff=True)]:
        client.force_login(outsider)
        for action, fields in [("soft_delete", {"reason": "x"}),
                               ("merge", {"reason": "x", "into": str(other.pk)})]:  # fmt: skip
            response = act(client, "qa/question", action, [thread.pk], **fields)
            assert response.status_code in (302, 403)
    assert not Question.objects.filter(hidden=True).exists()
    assert not ModerationAction.objects.exists()


# --- Merge --------------------------------------------------------------------------------


def _merge_fixture():
    asker = UserFactory()
    source = question(author=asker, title="Migrations conflict after a rebase")
    target = question(title="How do I resolve a migration conflict?")
    fix = answer(question_obj=source, body="Run makemigrations --merge.")
    answer(question_obj=target, body="Squash them first.")
    on_question = comment_post(author=UserFactory(), body="Which Django version?", question=source)
    on_answer = comment_post(author=UserFactory(), body="That worked here.", answer=fix)
    voter = UserFactory()
    vote_cast(user=voter, answer=fix, value=1)
    answer_accept(user=asker, answer=fix)
    return source, target, fix, on_question, on_answer


def test_merging_moves_answers_and_comments_and_the_old_address_redirects(client):
    mod = moderator()
    source, target, fix, on_question, on_answer = _merge_fixture()
    flag_create(flagger=UserFactory(), post=source, reason="duplicate", duplicate_of=target)
    earlier = question()
    Question.objects.filter(pk=earlier.pk).update(hidden=True, merged_into=source)

    question_merge(moderator=mod, question=source, into=target, reason="Same problem")

    fix.refresh_from_db()
    assert fix.question_id == target.pk
    assert Comment.objects.get(pk=on_question.pk).question_id == target.pk
    assert Comment.objects.get(pk=on_answer.pk).answer_id == fix.pk
    assert Vote.objects.get(answer=fix).value == 1
    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.hidden, source.merged_into, source.status) == (True, target, "closed")
    assert (source.answer_count, target.answer_count) == (0, 2)
    # The target had no accepted answer: it takes the merged thread's.
    assert (target.accepted_answer_id, target.status) == (fix.pk, "solved")
    assert source.accepted_answer_id is None
    # Earlier merges follow along, so no address leads through two redirects.
    assert Question.objects.get(pk=earlier.pk).merged_into_id == target.pk
    assert Flag.objects.get().status == "helpful"
    record = ModerationAction.objects.get(kind="merge")
    assert (record.question, record.reason) == (source, "Same problem")
    assert record.details == {"into": target.pk, "answers": 1, "comments": 1}

    api = APIClient()
    for viewer in [None, UserFactory(), source.author]:
        if viewer is not None:
            client.force_login(viewer)
            api.force_authenticate(viewer)
        page = client.get(source.get_absolute_url())
        assert (page.status_code, page["Location"]) == (301, target.get_absolute_url())
        moved = api.get(f"/api/v1/questions/{source.pk}/")
        assert (moved.status_code, moved["Location"]) == (301, f"/api/v1/questions/{target.pk}/")
        thread = client.get(target.get_absolute_url()).content.decode()
        assert "Run makemigrations --merge." in thread
        assert "Which Django version?" in thread
        assert "That worked here." in thread
        listed = client.get("/questions/").content.decode()
        assert "Migrations conflict after a rebase" not in listed
    # Answering the merged thread's old answer is now the target's business.
    answer_accept(user=target.author, answer=Answer.objects.get(body="Squash them first."))

    client.force_login(mod)
    page = client.get(source.get_absolute_url())
    assert page.status_code == 200
    assert "This thread was merged into" in page.content.decode()


def test_merge_refuses_bad_targets_and_changes_nothing(client):
    mod = moderator()
    source, target, fix, *_ = _merge_fixture()
    hidden, deleted = question(), question()
    post_hide(moderator=mod, post=hidden, reason="Spam")
    post_delete(moderator=mod, post=deleted, reason="Spam")
    before = ModerationAction.objects.count()
    for into, message in [
        (None, "Name the thread"),
        (source, "merged into itself"),
        (hidden, "pick a visible one"),
        (deleted, "pick a visible one"),
    ]:
        with pytest.raises(ValidationError, match=message):
            question_merge(moderator=mod, question=source, into=into, reason="Same")
    with pytest.raises(ValidationError, match="Give a reason"):
        question_merge(moderator=mod, question=source, into=target, reason="")
    with pytest.raises(PermissionDenied):
        question_merge(moderator=UserFactory(), question=source, into=target, reason="Same")
    assert Answer.objects.get(pk=fix.pk).question_id == source.pk
    assert Question.objects.get(pk=source.pk).merged_into is None
    assert ModerationAction.objects.count() == before

    # In the admin: the form names the target by number; a missing one is refused.
    client.force_login(mod)
    for into in ["999999", str(source.pk)]:
        response = act(client, "qa/question", "merge", [source.pk], reason="Same", into=into)
        assert response.status_code == 302
        assert Question.objects.get(pk=source.pk).merged_into is None
    act(client, "qa/question", "merge", [source.pk], reason="Same", into=str(target.pk))
    assert Question.objects.get(pk=source.pk).merged_into_id == target.pk
    # Merged once, a thread cannot be merged again, reopened or shown.
    other = question()
    with pytest.raises(ValidationError, match="was merged into"):
        question_merge(moderator=mod, question=source, into=other, reason="Again")
    with pytest.raises(ValidationError, match="was merged into"):
        post_unhide(moderator=mod, post=Question.objects.get(pk=source.pk), reason="x")


def test_merging_suppresses_the_old_threads_pending_notifications():
    mod = moderator()
    asker = UserFactory()
    asker.notification_preferences.create(kind="new_answer", mode="digest")
    source, target = question(author=asker), question()
    answer(question_obj=source)
    row = Notification.objects.get(kind="new_answer", recipient=asker)
    question_merge(moderator=mod, question=source, into=target, reason="Same")
    row.refresh_from_db()
    assert row.status == "suppressed"


def test_the_question_admin_shows_answers_and_comments_inline(client):
    source, _target, fix, _on_question, _on_answer = _merge_fixture()
    client.force_login(moderator())
    page = client.get(f"/admin/qa/question/{source.pk}/change/").content.decode()
    assert "Run makemigrations --merge." in page
    assert "Which Django version?" in page
    assert 'name="hidden"' not in page  # hiding goes through the actions, with a reason
    answer_page = client.get(f"/admin/qa/answer/{fix.pk}/change/").content.decode()
    assert "That worked here." in answer_page
