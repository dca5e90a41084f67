"""Rendered thread pages and question lists, cached until what they show changes.

Every entry is filed under version tokens: one per thread, one for the question list
and one for the whole site (tag names, members' names). A write to a thread replaces
that thread's token and the list's when its transaction commits (`thread_changed`), so
the next view renders afresh; a page rendered from rows read before the write is filed
under the old token and never read again. Entries also expire after
PAGE_CACHE_SECONDS, which bounds how stale the parts of a page that no write here
announces can be: the clock ("edited 3 minutes ago") and the view count.

No entry holds a CSP nonce or a CSRF token. Pages are rendered with a random marker in
place of each, and every response replaces the markers with its own request's nonce
and token (`Entry.fill`).

What is cached, by whom it is seen:
- visitors (not signed in) get whole pages;
- signed-in members get the thread's part of the page, rendered for a member who has
  written nothing in the thread and voted on nothing; the page around it (their name,
  their notifications) is rendered for them, and the vote buttons of the posts they
  voted on are rendered again with their vote (`Entry.meta["posts"]`). Those who wrote
  in the thread, moderators and mentors see controls of their own all over it and get
  the page rendered whole, as does anyone with a message waiting to be shown.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

LIST = "list"
SITE = "site"
PREFIX = "pages"


def thread_scope(question_id: int) -> str:
    return f"q{question_id}"


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 120))


def enabled() -> bool:
    return _seconds() > 0


def _version_key(scope: str) -> str:
    return f"{PREFIX}:v:{scope}"


def _tokens(scopes: Iterable[str]) -> list[str]:
    """The current token of each scope, one round trip when they all exist. A missing
    token is created; `add` keeps the one another process created meanwhile."""
    keys = [_version_key(scope) for scope in scopes]
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            token = secrets.token_hex(6)
            # Outlives the entries filed under it, so none is orphaned before it expires.
            if not cache.add(key, token, timeout=2 * _seconds()):
                token = cache.get(key) or token
        tokens.append(token)
    return tokens


def _forget(scopes: Iterable[str]) -> None:
    try:
        cache.delete_many([_version_key(scope) for scope in scopes])
    except Exception:
        # The cache is down: the write goes on. Pages cached before the outage may be
        # served for up to PAGE_CACHE_SECONDS once it is back, if it kept its data.
        logger.warning("Page cache unreachable: cached pages of %s not renewed.", scopes)


def _forget_now_and_on_commit(scopes: set[str]) -> None:
    """Forget the tokens at once and again when the transaction commits: a page
    rendered meanwhile from the rows as they were before it is filed under a token
    forgotten by the second time. (The first is for code that reads its own writes
    before committing, tests among it.)"""
    if transaction.get_connection().in_atomic_block:
        _forget(scopes)
    transaction.on_commit(lambda: _forget(scopes))


def thread_changed(*question_ids: int | None) -> None:
    """Threads whose pages (and the question list) must be rendered afresh."""
    _forget_now_and_on_commit({thread_scope(pk) for pk in question_ids if pk} | {LIST})


def site_changed() -> None:
    """Something every page may show changed (a tag, a member's name)."""
    _forget_now_and_on_commit({SITE})


# Who sees a panel of their own on thread pages (mentoring registers its mentors), so
# gets it rendered for them instead of the reader's in the cached part.
OWN_PANEL: list[Callable[[Any], bool]] = []


def has_own_panel(member: Any) -> bool:
    return any(check(member) for check in OWN_PANEL)


@dataclass
class Entry:
    """A rendered page or fragment with markers where the nonce and CSRF token go."""

    body: str
    nonce_marker: str
    csrf_marker: str
    meta: dict[str, Any] = field(default_factory=dict)

    def fill(self, request: HttpRequest, body: str | None = None) -> str:
        """The body (or another text rendered with the same markers) for this request."""
        body = self.body if body is None else body
        if self.nonce_marker in body:
            body = body.replace(self.nonce_marker, str(get_nonce(request)))
        if self.csrf_marker in body:
            # Also has the CSRF middleware set its cookie, as {% csrf_token %} would.
            body = body.replace(self.csrf_marker, get_token(request))
        return body


def markers() -> dict[str, str]:
    """Context that renders a page with markers in place of the nonce and the token
    (context passed to render() takes precedence over the context processors')."""
    return {
        "csp_nonce": f"nonce-{secrets.token_hex(12)}",
        "csrf_token": f"csrf-{secrets.token_hex(12)}",
    }


def entry(body: str, context: dict[str, Any], **meta: Any) -> Entry:
    return Entry(body, context["csp_nonce"], context["csrf_token"], meta)


def cacheable(request: HttpRequest) -> bool:
    """A plain GET of a page, nothing in it for this request alone. Reading the
    messages marks them as shown only when there are none."""
    return (
        enabled()
        and request.method in ("GET", "HEAD")
        and not getattr(request, "htmx", False)
        and not list(messages.get_messages(request))
    )


@dataclass
class Slot:
    """Where one request's entry is (or will be) filed."""

    key: str
    entry: Entry | None

    def store(self, value: Entry) -> None:
        try:
            cache.set(self.key, value, _seconds())
        except Exception:
            logger.warning("Page cache unreachable: a rendered page was not kept.")


def lookup(scope: str, *variant: str) -> Slot | None:
    """The entry of a thread (thread_scope) or of the list (LIST) for this language,
    time zone and `variant`; None when the cache cannot be reached (the page is then
    rendered as if there were no cache). The key is taken before the page is read from
    the database, so a render that races a write is filed under the old token."""
    parts = [translation.get_language() or "", timezone.get_current_timezone_name(), *variant]
    digest = hashlib.blake2s("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    try:
        tokens = _tokens([scope, SITE])
        key = f"{PREFIX}:{scope}:{tokens[0]}:{tokens[1]}:{digest}"
        return Slot(key, cache.get(key))
    except Exception:
        logger.warning("Page cache unreachable: the page is rendered without it.")
        return None


# --- What announces a change ------------------------------------------------------------
# Saves and deletes of the rows a thread page shows (the services' and the admin's) are
# caught here; the services' UPDATEs of those rows call thread_changed themselves.

SHOWN_MEMBER_FIELDS = {"username", "display_name"}


def _thread_id(post: Any) -> int | None:
    """The thread of a question, an answer, a comment or a claim, without loading a
    related row that is not at hand."""
    from qa.models import Answer, Question

    if isinstance(post, Question):
        return post.pk
    if post.question_id:
        return post.question_id
    answer = post._state.fields_cache.get("answer")
    if answer is not None:
        return answer.question_id
    return Answer.objects.filter(pk=post.answer_id).values_list("question_id", flat=True).first()


def post_changed(post: Any) -> None:
    """A question, an answer, a comment or a claim changed: its thread's pages go (and
    the page of the thread a question was merged into, which names it)."""
    thread_changed(_thread_id(post), getattr(post, "merged_into_id", None))


def post_written(sender: Any, instance: Any, **kwargs: Any) -> None:
    post_changed(instance)


def tags_set(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A question's tags changed (or a tag's questions, from the tag's side)."""
    if not action.startswith("post_"):
        return
    if not reverse:
        thread_changed(instance.pk)
    elif pk_set:
        thread_changed(*pk_set)
    else:  # a tag's questions all cleared: which they were is no longer known
        site_changed()


def site_written(
    sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A tag or a member saved or deleted: a member's name is on every post of theirs, a
    tag's on its threads. A new one is on no page yet; a sign-in, which saves last_login
    alone, changes nothing shown."""
    if not created and (update_fields is None or set(update_fields) & SHOWN_MEMBER_FIELDS):
        site_changed()


def connect(*models: Any, receiver: Any = post_written) -> None:
    """Call `receiver` when a row of these models is saved or deleted."""
    for model in models:
        uid = f"pages-{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid)


def connect_qa() -> None:
    """QaConfig.ready: the rows of qa and the members (mentoring connects its claims)."""
    from django.contrib.auth import get_user_model

    from qa.models import Answer, Comment, Question, Tag

    connect(Question, Answer, Comment)
    connect(Tag, get_user_model(), receiver=site_written)
    m2m_changed.connect(tags_set, sender=Question.tags.through, dispatch_uid="pages-tags")
