"""Moderation writes: flags from members, and the moderators' actions on posts and
members. Every action checks the moderator's role, changes nothing when it refuses, and
records who did what, to what, why and when (ModerationAction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict
from accounts.models import User
from accounts.notifications import About, notify, suppress_about
from accounts.selectors import moderator_ids
from accounts.services import (
    user_ensure_can_post,
    user_ensure_can_suspend,
    user_is_moderator,
    user_suspend,
    user_unsuspend,
)
from mentoring.services import thread_removed
from moderation import notification_kinds as moderation_kinds
from moderation.models import CloseReason, Flag, ModerationAction
from qa.models import Answer, Comment, Question, post_kind, thread_id_of
from qa.selectors import newcomer_ids
from qa.services import (
    post_visibility_set,
    question_closed_set,
    question_locked_set,
    question_merge_into,
)

Post = Question | Answer | Comment
Kind = ModerationAction.Kind


class FlagConflict(Conflict):
    """A flag the state of the post does not allow (HTTP 409, like every Conflict)."""


def _describe(post: Post) -> str:
    if isinstance(post, Question):
        return f"Question “{post.title}”"[:300]
    label = "Answer" if isinstance(post, Answer) else "Comment"
    return f"{label} {post.pk} by {post.author.username}: {post.body[:120]}"[:300]


def _ensure_moderator(user: User) -> None:
    if not user_is_moderator(user=user):
        raise PermissionDenied(_("Only moderators can do this."))


def _reason(reason: Any) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": _("Give a reason; it is kept in the audit log.")})
    return reason[:2000]


def _record(
    *, moderator: User | None, kind: str, reason: str, post: Post | None = None,
    member: User | None = None, details: dict[str, Any] | None = None,
) -> ModerationAction:  # fmt: skip
    targets: dict[str, Any] = {}
    member_id = member.pk if member is not None else None
    if post is not None:
        targets[post_kind(post)] = post
        member_id = member_id or post.author_id
    return ModerationAction.objects.create(
        moderator=moderator,
        kind=kind,
        member_id=member_id,
        target=_describe(post) if post is not None else f"Member {member}",
        reason=reason,
        details=details or {},
        **targets,
    )


def _resolve_flags(post: Post, *, by: User, status: str) -> int:
    return Flag.objects.filter(**{post_kind(post): post}, status=Flag.Status.OPEN).update(
        status=status, resolved_at=timezone.now(), resolved_by=by
    )


# --- Flags ------------------------------------------------------------------------------


def _established(user_ids: list[int]) -> set[int]:
    return set(user_ids) - newcomer_ids(user_ids=user_ids)


@transaction.atomic
def flag_create(
    *, flagger: User, post: Post, reason: str, note: str = "", duplicate_of: Question | None = None
) -> Flag:
    """A member flags a visible post. One open flag per member per post; moderators are
    notified (coalesced per post); 3 distinct established members hide it pending review."""
    user_ensure_can_post(user=flagger)
    if reason not in Flag.Reason.values:
        raise ValidationError(
            {"reason": _("Use one of %(reasons)s.") % {"reasons": ", ".join(Flag.Reason.values)}}
        )
    note = note.strip() if isinstance(note, str) else ""
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": _("Say what is wrong with the post.")})
    post = _locked(post)
    if reason == Flag.Reason.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("Link the thread this one duplicates.")})
        if duplicate_of.pk == thread_id_of(post):
            raise ValidationError({"duplicate_of": _("A thread cannot duplicate itself.")})
    elif duplicate_of is not None:
        raise ValidationError({"duplicate_of": _("Only a duplicate flag links a thread.")})
    if post.hidden:
        raise FlagConflict(_("This post is already hidden; moderators are reviewing it."))
    if post.author_id == flagger.pk:
        raise FlagConflict(_("You cannot flag your own post; edit or delete it instead."))
    field = post_kind(post)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                flagger=flagger, reason=reason, note=note[:500], duplicate_of=duplicate_of,
                **{field: post},
            )  # fmt: skip
    except IntegrityError:
        raise FlagConflict(
            _("You already flagged this post; moderators will look at it.")
        ) from None
    notify(
        kind=moderation_kinds.FLAG_RAISED,
        recipients=moderator_ids(),
        exclude=[flagger.pk],
        dedupe_key=f"flag:{flag.pk}",
        about=_about(post),
        thread_key=f"flags:{field}:{post.pk}",
        payload={
            "question_id": thread_id_of(post),
            "title": f"Flagged: {_describe(post)}",
            "url": "/" + settings.ADMIN_PATH.strip("/") + "/moderation/flag/?status__exact=open",
            "excerpt_text": f"{flag.get_reason_display()}: {note}" if note else "",
            "actor": flagger.public_name,
        },
    )
    flaggers = list(
        Flag.objects.filter(**{field: post}, status=Flag.Status.OPEN)
        .values_list("flagger_id", flat=True)
        .distinct()
    )
    if len(_established(flaggers)) >= settings.MODERATION_FLAGS_TO_HIDE:
        _set_hidden(post, True)
        _record(
            moderator=None,
            kind=Kind.AUTO_HIDE,
            reason=f"Flagged by {len(flaggers)} members; hidden until a moderator reviews it.",
            post=post,
        )
    return flag


@transaction.atomic
def flags_dismiss(*, moderator: User, post: Post, reason: str) -> int:
    """The flags on a post were not right: they are closed, and a post hidden by the
    flags alone comes back."""
    _ensure_moderator(moderator)
    reason = _reason(reason)
    dismissed = _resolve_flags(post, by=moderator, status=Flag.Status.DISMISSED)
    auto_hidden = ModerationAction.objects.filter(
        **{post_kind(post): post}, kind=Kind.AUTO_HIDE
    ).exists()
    post = _locked(post)
    if auto_hidden and post.hidden and not _removed(post):
        _set_hidden(post, False)
    _record(moderator=moderator, kind=Kind.DISMISS_FLAGS, reason=reason, post=post,
            details={"flags": dismissed})  # fmt: skip
    return dismissed


# --- Actions on posts -------------------------------------------------------------------


def _about(post: Post) -> About:
    """A post as notifications name it."""
    if isinstance(post, Question):
        return About(question=post.pk)
    if isinstance(post, Answer):
        return About(question=post.question_id, answer=post.pk)
    return About(question=thread_id_of(post), answer=post.answer_id, comment=post.pk)


def _suppress_notifications(post: Post) -> int:
    """Pending notifications about a post that is hidden are not sent (nor put in a
    digest); those to moderators about flags stay."""
    return suppress_about(about=_about(post), keep_kinds=[moderation_kinds.FLAG_RAISED])


def _set_hidden(post: Post, hidden: bool, **fields: Any) -> None:
    """Show or hide a post (with any other fields), keeping its thread's public answer
    count true. A post going out of sight takes its pending notifications with it, and a
    thread its mentor's claim."""
    post_visibility_set(post=post, hidden=hidden, **fields)
    if hidden:
        _out_of_sight(post)


def _out_of_sight(post: Post) -> None:
    """What hiding a post means beyond its row: its pending notifications are not sent,
    and a thread's mentor claim is released."""
    _suppress_notifications(post)
    if isinstance(post, Question):
        thread_removed(question=post)


def _removed(post: Post) -> str:
    """Why a post cannot simply be shown again, or "" when it can."""
    if isinstance(post, Question) and post.merged_into_id:
        return _("This thread was merged into thread %(number)s.") % {"number": post.merged_into_id}
    if post.deleted_at is not None:
        return _("This post is deleted; restore it instead.")
    return ""


def _locked(post: Post) -> Post:
    """The post's row, locked, with what the audit record and the notifications read of
    it: its author, and a comment's answer (which names its thread)."""
    related = ["author", "answer"] if isinstance(post, Comment) else ["author"]
    rows = type(post).objects.select_for_update(of=("self",)).select_related(*related)
    return rows.get(pk=post.pk)


@transaction.atomic
def post_hide(*, moderator: User, post: Post, reason: str) -> Post:
    _ensure_moderator(moderator)
    reason = _reason(reason)
    post = _locked(post)
    _set_hidden(post, True)
    _resolve_flags(post, by=moderator, status=Flag.Status.HELPFUL)
    _record(moderator=moderator, kind=Kind.HIDE, reason=reason, post=post)
    return post


@transaction.atomic
def post_unhide(*, moderator: User, post: Post, reason: str) -> Post:
    _ensure_moderator(moderator)
    reason = _reason(reason)
    post = _locked(post)
    if refusal := _removed(post):
        raise ValidationError(refusal)
    _set_hidden(post, False)
    _record(moderator=moderator, kind=Kind.UNHIDE, reason=reason, post=post)
    return post


@transaction.atomic
def post_delete(*, moderator: User, post: Post, reason: str) -> Post:
    """Soft-delete: the post is gone for everyone but moderators (its author too), and
    kept so that it can be restored as it was."""
    _ensure_moderator(moderator)
    reason = _reason(reason)
    post = _locked(post)
    if post.deleted_at is not None:
        raise ValidationError(_("This post is already deleted."))
    was_hidden = post.hidden
    _set_hidden(post, True, deleted_at=timezone.now())
    _resolve_flags(post, by=moderator, status=Flag.Status.HELPFUL)
    _record(moderator=moderator, kind=Kind.DELETE, reason=reason, post=post,
            details={"was_hidden": was_hidden})  # fmt: skip
    return post


@transaction.atomic
def post_restore(*, moderator: User, post: Post, reason: str) -> Post:
    """Undo a soft-delete: the post comes back as it was before (hidden if it was)."""
    _ensure_moderator(moderator)
    reason = _reason(reason)
    post = _locked(post)
    if post.deleted_at is None:
        raise ValidationError(_("This post is not deleted."))
    deletion = (
        ModerationAction.objects.filter(**{post_kind(post): post}, kind=Kind.DELETE)
        .order_by("-created_at", "-pk")
        .first()
    )
    was_hidden = bool(deletion and deletion.details.get("was_hidden"))
    merged = isinstance(post, Question) and post.merged_into_id is not None
    _set_hidden(post, was_hidden or merged, deleted_at=None)
    _record(moderator=moderator, kind=Kind.RESTORE, reason=reason, post=post)
    return post


@transaction.atomic
def question_merge(
    *, moderator: User, question: Question, into: Question | None, reason: str
) -> Question:
    """Merge a thread into another: its answers and comments move (with their votes,
    revisions and comments), its old address redirects there, and it is kept hidden for
    moderators. The target keeps its accepted answer, or takes the merged thread's."""
    _ensure_moderator(moderator)
    reason = _reason(reason)
    if into is None:
        raise ValidationError({"into": _("Name the thread to merge into.")})
    if into.pk == question.pk:
        raise ValidationError({"into": _("A thread cannot be merged into itself.")})
    rows = Question.objects.select_for_update().filter(pk__in=[question.pk, into.pk])
    locked = {row.pk: row for row in rows.order_by("pk")}
    source, target = locked[question.pk], locked[into.pk]
    if refusal := _removed(source):
        raise ValidationError(refusal)
    if target.hidden:
        raise ValidationError(
            {"into": _("That thread is hidden, deleted or merged; pick a visible one.")}
        )
    answers, comments = question_merge_into(source=source, target=target)
    _out_of_sight(source)
    _resolve_flags(source, by=moderator, status=Flag.Status.HELPFUL)
    _record(moderator=moderator, kind=Kind.MERGE, reason=reason, post=source,
            details={"into": target.pk, "answers": answers, "comments": comments})  # fmt: skip
    return source


@transaction.atomic
def question_close(
    *, moderator: User, question: Question, close_reason: CloseReason, note: str = "",
    duplicate_of: Question | None = None,
) -> Question:  # fmt: skip
    """Close a thread for a reason from the editable list; a reason that needs a target
    (duplicate) needs a visible thread other than this one."""
    _ensure_moderator(moderator)
    if close_reason.needs_target:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("Name the thread this one duplicates.")})
        if duplicate_of.pk == question.pk:
            raise ValidationError({"duplicate_of": _("A thread cannot duplicate itself.")})
        if duplicate_of.hidden:
            raise ValidationError({"duplicate_of": _("That thread is hidden; link a visible one.")})
    elif duplicate_of is not None:
        raise ValidationError(
            {"duplicate_of": _("“%(reason)s” links no other thread.") % {"reason": close_reason}}
        )
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status == Question.Status.CLOSED:
        raise ValidationError(_("This thread is already closed."))
    text = close_reason.label + (f": {note.strip()}" if note and note.strip() else "")
    question_closed_set(question=question, closed=True, reason=text, duplicate_of=duplicate_of)
    _resolve_flags(question, by=moderator, status=Flag.Status.HELPFUL)
    _record(moderator=moderator, kind=Kind.CLOSE, reason=text, post=question,
            details={"duplicate_of": duplicate_of.pk if duplicate_of else None})  # fmt: skip
    return question


@transaction.atomic
def question_reopen(*, moderator: User, question: Question, reason: str) -> Question:
    _ensure_moderator(moderator)
    reason = _reason(reason)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.merged_into_id:
        raise ValidationError(_removed(question))
    if question.status != Question.Status.CLOSED:
        raise ValidationError(_("This thread is not closed."))
    question_closed_set(question=question, closed=False)
    _record(moderator=moderator, kind=Kind.REOPEN, reason=reason, post=question)
    return question


@transaction.atomic
def question_lock(*, moderator: User, question: Question, reason: str, locked: bool) -> Question:
    """Lock (no new answers or comments) or unlock a thread."""
    _ensure_moderator(moderator)
    reason = _reason(reason)
    question_locked_set(question=question, locked=locked)
    _record(moderator=moderator, kind=Kind.LOCK if locked else Kind.UNLOCK, reason=reason,
            post=question)  # fmt: skip
    return question


# --- Members ----------------------------------------------------------------------------


@transaction.atomic
def member_suspend(
    *, moderator: User, member: User, until: dt.datetime | None, reason: str
) -> User:
    """Suspend a member until a time with a reason they see; their sessions and tokens
    end, their open flags are settled and the audit log keeps the action. Every path
    (the member's admin page, the admin action, the flag queue) comes here; the rules
    (who by whom, an end in the future, a reason) are accounts.services'
    user_suspension_check, applied by user_suspend."""
    member = user_suspend(user=member, until=until, reason=reason, by=moderator)
    _resolve_open_flags_of(member, by=moderator)
    ends = member.suspended_until
    _record(moderator=moderator, kind=Kind.SUSPEND, reason=member.suspension_reason,
            member=member, details={"until": ends.isoformat() if ends else None})  # fmt: skip
    return member


def _resolve_open_flags_of(member: User, *, by: User) -> None:
    Flag.objects.filter(
        Q(question__author=member) | Q(answer__author=member) | Q(comment__author=member),
        status=Flag.Status.OPEN,
    ).update(status=Flag.Status.HELPFUL, resolved_at=timezone.now(), resolved_by=by)


@transaction.atomic
def member_unsuspend(*, moderator: User, member: User, reason: str) -> User:
    """Lift a suspension, with a reason for the audit log; who may is the same rule as
    for suspending (accounts.services.user_ensure_can_suspend)."""
    user_ensure_can_suspend(by=moderator, member=member, lifting=True)
    reason = _reason(reason)
    user_unsuspend(user=member)
    _record(moderator=moderator, kind=Kind.UNSUSPEND, reason=reason, member=member)
    return member
