"""Posting limits for newcomers, like the trusted forums': spacing between questions and
between answers, a few of each on the first day, at most a few links per post; and for
everyone, the same body is not posted twice. The numbers are settings (LIMITS_*).

The check runs inside the transaction that creates the post, after locking the author's
row, so a burst of simultaneous requests from one member is counted one by one: no race
lets more through than the limits allow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import MD5
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

QUESTION, ANSWER = "question", "answer"
# Links as typed: bare addresses, autolinks and Markdown links all carry a scheme.
LINK = re.compile(r"\b(?:https?|ftp)://|\bwww\.", re.IGNORECASE)


class PostingLimited(Exception):
    """Too soon or too many: try again after `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def _wait(seconds: float) -> str:
    seconds = math.ceil(seconds)
    if seconds < 90:
        return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}
    minutes = round(seconds / 60)
    if minutes < 90:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def posting_limits_check(
    *, author: User, kind: str, body: str, now: dt.datetime | None = None
) -> None:
    """Refuse a post the limits do not allow; call inside the posting transaction.

    Raises ValidationError (the same body again, too many links) or PostingLimited
    (spacing and first-day counts, with when to retry).
    """
    from qa.models import Answer, Question
    from qa.selectors import is_newcomer

    # Serialize this member's posts: the counts below see every earlier post.
    joined = (
        User.objects.select_for_update()
        .filter(pk=author.pk)
        .values_list("date_joined", flat=True)
        .get()
    )
    now = now or timezone.now()  # after the lock: earlier posts are all before it
    model = Question if kind == QUESTION else Answer
    mine = model.objects.filter(author=author)
    # Through the index on the author and the body's MD5; the body compared as well.
    digest = hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
    if mine.alias(body_md5=MD5("body")).filter(body_md5=digest, body=body).exists():
        raise ValidationError(
            {
                "body": _(
                    "You already posted this exact text as a question. Link to it, or say "
                    "what is different."
                )
                if kind == QUESTION
                else _(
                    "You already posted this exact text as an answer. Link to it, or say "
                    "what is different."
                )
            }
        )
    if not is_newcomer(author, now=now):
        return
    _links_check(body)
    spacing = dt.timedelta(
        seconds=settings.LIMITS_NEWCOMER_QUESTION_INTERVAL_SECONDS
        if kind == QUESTION
        else settings.LIMITS_NEWCOMER_ANSWER_INTERVAL_SECONDS
    )
    last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < spacing:
        left = (last + spacing - now).total_seconds()
        message = (
            _("New members wait %(wait)s between questions; try again in %(left)s.")
            if kind == QUESTION
            else _("New members wait %(wait)s between answers; try again in %(left)s.")
        )
        raise PostingLimited(
            message % {"wait": _wait(spacing.total_seconds()), "left": _wait(left)},
            math.ceil(left),
        )
    first_day_ends = joined + dt.timedelta(days=1)
    if now < first_day_ends:
        cap = (
            settings.LIMITS_NEWCOMER_QUESTIONS_FIRST_DAY
            if kind == QUESTION
            else settings.LIMITS_NEWCOMER_ANSWERS_FIRST_DAY
        )
        if mine.count() >= cap:
            left = (first_day_ends - now).total_seconds()
            message = (
                ngettext(
                    "On their first day new members post at most %(cap)s question; "
                    "try again in %(left)s.",
                    "On their first day new members post at most %(cap)s questions; "
                    "try again in %(left)s.",
                    cap,
                )
                if kind == QUESTION
                else ngettext(
                    "On their first day new members post at most %(cap)s answer; "
                    "try again in %(left)s.",
                    "On their first day new members post at most %(cap)s answers; "
                    "try again in %(left)s.",
                    cap,
                )
            )
            raise PostingLimited(message % {"cap": cap, "left": _wait(left)}, math.ceil(left))


def _links_check(body: str) -> None:
    links = len(LINK.findall(body))
    if links > settings.LIMITS_NEWCOMER_LINKS_PER_POST:
        limit = settings.LIMITS_NEWCOMER_LINKS_PER_POST
        raise ValidationError(
            {
                "body": ngettext(
                    "New members may include at most %(limit)s link in a post; "
                    "this one has %(links)s.",
                    "New members may include at most %(limit)s links in a post; "
                    "this one has %(links)s.",
                    limit,
                )
                % {"limit": limit, "links": links}
            }
        )


def comment_links_check(*, author: User, body: str) -> None:
    """Comments are not spaced or counted, but a newcomer's carry as few links as posts."""
    from qa.selectors import is_newcomer

    if is_newcomer(author):
        _links_check(body)


def limited_response(response: HttpResponse, error: PostingLimited) -> HttpResponse:
    """A page refused by a limit: 429 with Retry-After, the form showing the message."""
    response.status_code = 429
    response["Retry-After"] = str(error.retry_after)
    return response
