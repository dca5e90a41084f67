"""Thread pages. Writes go through qa.services; htmx requests get the matching partial."""

from __future__ import annotations

import difflib
import re
from types import SimpleNamespace
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from accounts.selectors import notifications_unread_count
from accounts.services import user_is_moderator
from qa import page_cache, selectors, services
from qa.forms import (
    AnswerForm,
    CommentForm,
    ListFilterForm,
    QuestionForm,
    SolutionNoteForm,
    VoteForm,
    apply_service_errors,
)
from qa.limits import PostingLimited, limited_response
from qa.models import Answer, Question, Tag
from qa.search import search_questions

PAGE_SIZE = 20


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _member(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(
    request: HttpRequest, qs: Any, *, count: int | None = None, cap: int | None = None
) -> Any:
    """The requested page of `qs`: counted, or of a known `count`, or counted up to `cap`
    items (the paginator's `capped` then says whether there are more)."""
    paginator = _Paginator(qs, PAGE_SIZE, count=count, cap=cap)
    return paginator.get_page(request.GET.get("page"))


# The question list numbers its pages up to this many threads: counting every thread
# of a large community (a million: half a second) would cost more than the page.
LIST_COUNT_CAP = 10_000


class _Paginator(Paginator):
    """Django's, with a count known beforehand or counted up to a cap: past it, the
    list is reached by search, tags and filters instead of paging that far."""

    def __init__(
        self, object_list: Any, per_page: int, *, count: int | None, cap: int | None
    ) -> None:
        super().__init__(object_list, per_page)
        self.known, self.cap, self.capped = count, cap, False

    @cached_property
    def count(self) -> int:
        if self.known is not None:
            return self.known
        if self.cap is None:
            return super().count
        listed: QuerySet[Any] = cast(QuerySet, self.object_list)
        found = listed.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


# The parameters of a page a visitor is served from the page cache, each with the
# longest value it may have: any other query string is rendered without the cache, so
# that odd ones cannot fill it.
LIST_PARAMETERS = {"sort": 20, "status": 20, "tag": 20, "page": 20}
SEARCH_PARAMETERS = {"q": 100, "page": 4}


def _visitor_slot(
    request: HttpRequest, parameters: dict[str, int], variant: str
) -> page_cache.Slot | None:
    """Where a visitor's page of the question list or of search results is cached: under
    the list's token, which every write to a thread replaces, and only for `parameters`.
    (A member's list and search may show threads of their own that visitors do not
    see, and a member's search is recorded as evidence for their draft.)"""
    if request.user.is_authenticated or not page_cache.cacheable(request):
        return None
    for name, value in request.GET.items():
        if len(value) > parameters.get(name, -1):
            return None
    return page_cache.lookup(page_cache.LIST, variant, request.get_full_path())


def question_list(request: HtmxHttpRequest, tag: Tag | None = None) -> HttpResponse:
    slot = _visitor_slot(request, LIST_PARAMETERS, "visitor")
    if slot is not None and slot.entry is not None:
        return HttpResponse(slot.entry.fill(request))
    filters = ListFilterForm(request.GET)
    values = filters.values()
    if tag is not None:
        values["tag"] = tag.slug
    listed = selectors.question_list(viewer=request.user, **values)
    page = _page(request, listed, cap=LIST_COUNT_CAP)
    template = "qa/question_list.html#results" if request.htmx else "qa/question_list.html"
    context = {"page": page, "filters": filters, "current": values, "tag": tag}
    return _render_into(slot, request, template, context)


def _render_into(
    slot: page_cache.Slot | None, request: HttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The page rendered, and filed in the slot (if any) with markers where this
    request's nonce and CSRF token go."""
    if slot is None:
        return render(request, template, context)
    markers = page_cache.markers()
    entry = page_cache.entry(render_to_string(template, context | markers, request), markers)
    slot.store(entry)
    return HttpResponse(entry.fill(request))


def tag_list(request: HttpRequest) -> HttpResponse:
    return render(request, "qa/tag_list.html", {"tags": selectors.tag_list()})


def tag_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return question_list(request, tag=get_object_or_404(Tag, slug=slug))


def _plain_get(request: HttpRequest) -> bool:
    """A page any reader of its kind would be shown alike (no query string, no htmx)."""
    return not request.GET and page_cache.cacheable(request)


def _thread_context(request: HttpRequest, question: Question, **extra: Any) -> dict[str, Any]:
    viewer = request.user
    answers, question_comments = selectors.thread_parts(viewer=viewer, question=question)
    is_moderator = viewer.is_authenticated and user_is_moderator(user=_member(request))
    return {
        "question": question,
        "question_comments": question_comments,
        "answers": answers,
        "votes": selectors.viewer_votes(viewer=viewer, question_id=question.pk),
        "can_accept": viewer.is_authenticated and (viewer.pk == question.author_id or is_moderator),
        "is_moderator": is_moderator,
        "answer_form": extra.pop("answer_form", None) or AnswerForm(),
        "note_form": extra.pop("note_form", None) or SolutionNoteForm(),
        **extra,
    }


class _Reader:
    """The signed-in member a thread's cached part is rendered for: one who has written
    nothing in it, voted on nothing, and moderates nothing. Their own votes and mentoring
    panel are put in for each member (_member_page)."""

    pk = id = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = is_superuser = False


MEMBER_NAME = mark_safe("<!--member:name-->")
MEMBER_URL = mark_safe("<!--member:url-->")


class _FrameMember(_Reader):
    """The signed-in member the page around a cached thread part is rendered for: markers
    where each member's name and link go (_framed). The markers are our own literals,
    marked safe so that they come out as they are."""

    public_name = MEMBER_NAME

    def get_absolute_url(self) -> str:
        return MEMBER_URL


THREAD_SLOT = mark_safe("<!--thread-->")
UNREAD_START, UNREAD_END = "<!--unread-->", "<!--/unread-->"
UNREAD_COUNT = mark_safe("<!--member:unread-->")
VOTE_END = "<!--/vote-->"
THREAD_PANEL = "qa/question_detail.html#mentoring"
MENTORING_START, MENTORING_END = "<!--mentoring-->", "<!--/mentoring-->"
SLOT_MARKS = re.compile(r"<!--/?(?:vote|mentoring)[^>]*-->")


def _thread_page(request: HttpRequest, question: Question, slot: page_cache.Slot) -> HttpResponse:
    """Render a public thread for a cache slot and file it there: the whole page for a
    visitor, the thread's part for a member who only reads it (then framed for them)."""
    markers = page_cache.markers()
    if not request.user.is_authenticated:
        context = {**_thread_context(request, question), **markers}
        entry = page_cache.entry(
            render_to_string("qa/question_detail.html", context, request), markers
        )
        slot.store(entry)
        return HttpResponse(entry.fill(request))
    member = _member(request)
    if member.pk == question.author_id or user_is_moderator(user=member):
        return _full_thread_page(request, question)
    context = _thread_context(request, question)
    answers, comments = context["answers"], context["question_comments"]
    posts = {f"q{question.pk}": (question.score, question.author_id)} | {
        f"a{answer.pk}": (answer.score, answer.author_id) for answer in answers
    }
    comments = comments + [c for answer in answers for c in answer.thread_comments]
    writers = {author for _score, author in posts.values()} | {c.author_id for c in comments}
    if member.pk in writers:
        return render(request, "qa/question_detail.html", context)
    # Not a writer here, so this member sees what any reader does: file it for them all.
    writers |= selectors.thread_hidden_writers(question=question)
    reader = {"user": _Reader(), "votes": {}, "member_slots": True, **markers}
    body = render_to_string("qa/question_detail.html#thread", {**context, **reader}, request)
    around = {
        "thread_html": THREAD_SLOT,
        "thread_title": question.title,
        "user": _FrameMember(),
        "unread_notifications": UNREAD_COUNT,
        "member_slots": True,
        **markers,
    }
    frame = render_to_string("qa/question_detail.html", around, request)
    entry = page_cache.entry(
        body, markers, question=question, posts=posts, writers=writers, frame=frame
    )
    slot.store(entry)
    return _member_page(request, entry, votes=context["votes"]) or _full_thread_page(
        request, question
    )


def _member_page(
    request: HttpRequest, entry: page_cache.Entry, votes: dict[str, int] | None = None
) -> HttpResponse | None:
    """A cached thread part framed for a signed-in member, with their votes and their
    mentoring panel; None for those who see more of the thread than a reader does
    (its writers, moderators)."""
    member = _member(request)
    if member.pk in entry.meta["writers"] or user_is_moderator(user=member):
        return None
    question = entry.meta["question"]
    html = entry.fill(request)
    if votes is None:
        answers = [int(post[1:]) for post in entry.meta["posts"] if post[0] == "a"]
        votes = selectors.viewer_votes(viewer=member, question_id=question.pk, answer_ids=answers)
    for post, vote in votes.items():
        kind = "question" if post[0] == "q" else "answer"
        before, found, rest = html.partition(f"<!--vote:{kind}:{post[1:]}-->")
        if not found or post not in entry.meta["posts"]:
            continue
        score, author_id = entry.meta["posts"][post]
        target = SimpleNamespace(pk=int(post[1:]), score=score, author_id=author_id)
        fresh = render_to_string(
            "qa/question_detail.html#vote",
            {"post": target, "kind": kind, "my_vote": vote},
            request,
        )
        html = before + fresh + rest.partition(VOTE_END)[2]
    if member.is_staff or page_cache.has_own_panel(member):
        # Their panel has more than a reader's: "I'll take this", the thread's history.
        before, _slot, rest = html.partition(MENTORING_START)
        panel = render_to_string(THREAD_PANEL, {"question": question}, request)
        html = before + panel + rest.partition(MENTORING_END)[2]
    # Markup our templates rendered (the cached part, the votes, the panel).
    html = mark_safe(SLOT_MARKS.sub("", html))  # noqa: S308
    if member.is_staff or "frame" not in entry.meta:
        context = {"thread_html": html, "thread_title": question.title}
        return render(request, "qa/question_detail.html", context)
    return HttpResponse(_framed(request, entry, member, html))


def _framed(request: HttpRequest, entry: page_cache.Entry, member: User, thread: str) -> str:
    """The cached page around a thread part, for this member: their name, their link and
    their unread count put in. (Staff, with the admin's link, get it rendered.)"""
    before, _slot, after = entry.fill(request, entry.meta["frame"]).partition(THREAD_SLOT)
    head, _start, rest = before.partition(UNREAD_START)
    badge, _end, rest = rest.partition(UNREAD_END)
    unread = notifications_unread_count(user=member)
    badge = badge.replace(UNREAD_COUNT, str(unread)) if unread else ""
    name, url = escape(member.public_name), escape(member.get_absolute_url())
    head = head.replace(MEMBER_NAME, name).replace(MEMBER_URL, url)
    return head + badge + rest + thread + after


def _full_thread_page(request: HttpRequest, question: Question) -> HttpResponse:
    return render(request, "qa/question_detail.html", _thread_context(request, question))


def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    slot = None
    if _plain_get(request):
        viewer = "member" if request.user.is_authenticated else "visitor"
        slot = page_cache.lookup(page_cache.thread_scope(pk), viewer)
    if slot is not None and slot.entry is not None:
        response = (
            HttpResponse(slot.entry.fill(request))
            if not request.user.is_authenticated
            else _member_page(request, slot.entry)
        )
        if response is not None:
            services.question_register_view(question_id=pk)
            return response
    question = selectors.question_detail(viewer=request.user).filter(pk=pk).first()
    if question is None:
        # A thread merged into another lives on there (anchors to its answers follow).
        if target := selectors.merged_target(question_id=pk):
            return redirect("qa:question-detail", pk=target, permanent=True)
        raise Http404(_("No such question."))
    services.question_register_view(question_id=question.pk)
    if slot is not None and not question.hidden:
        return _thread_page(request, question, slot)
    return _full_thread_page(request, question)


@login_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
    initial = {"title": question.title, "body": question.body, "tags": question.tag_names}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_edit(editor=_member(request), question=question, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your edit is saved; the previous version is kept."))
            return redirect(question)
    return render(request, "qa/question_form.html", {"form": form, "editing": question})


@login_required
def answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(
        selectors.thread_post_answers(viewer=request.user).select_related("question"), pk=pk
    )
    form = AnswerForm(request.POST or None, initial={"body": answer.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_edit(editor=_member(request), answer=answer, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your edit is saved; the previous version is kept."))
            return redirect(answer.get_absolute_url())
    return render(request, "qa/answer_form.html", {"form": form, "answer": answer})


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """Lines of a unified diff with their kind, for the revision page."""
    kinds = {"+": "added", "-": "removed", "@": "hunk"}
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    return [(kinds.get(line[:1], "context"), line) for line in list(lines)[2:]]


def post_revisions(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    post: Question | Answer
    if kind == "question":
        question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
        post, current_title = question, question.title
        revisions = list(selectors.post_revisions(question=question))
    else:
        answer = get_object_or_404(
            selectors.thread_post_answers(viewer=request.user).select_related("question"), pk=pk
        )
        post, current_title = answer, ""
        revisions = list(selectors.post_revisions(answer=answer))
    # Each revision holds the text before an edit; the text after it is the next
    # newer revision's, or the current post's for the newest.
    newer_body, newer_title = post.body, current_title
    history = []
    for revision in revisions:
        history.append(
            {
                "revision": revision,
                "title_changed": bool(revision.previous_title)
                and revision.previous_title != newer_title,
                "old_title": revision.previous_title,
                "new_title": newer_title,
                "diff": _diff(revision.previous_body, newer_body),
            }
        )
        newer_body, newer_title = revision.previous_body, revision.previous_title
    return render(request, "qa/revisions.html", {"post": post, "kind": kind, "history": history})


def _back_to_thread(question_id: int, anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("qa:question-detail", kwargs={"pk": question_id}) + anchor)


@login_required
@require_POST
def answer_create(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer = services.answer_post(
                author=_member(request), question=question, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PostingLimited as error:
            form.add_error(None, str(error))
            context = _thread_context(request, question, answer_form=form)
            return limited_response(
                render(request, "qa/question_detail.html", context, status=429), error
            )
        else:
            messages.success(request, _("Your answer is posted."))
            return redirect(answer.get_absolute_url())
    context = _thread_context(request, question, answer_form=form)
    return render(request, "qa/question_detail.html", context, status=400)


@login_required
@require_POST
def comment_create(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind == "question":
        question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
        target: dict[str, Any] = {"question": question}
    else:
        answer = get_object_or_404(
            selectors.thread_post_answers(viewer=request.user).select_related("question"), pk=pk
        )
        question, target = answer.question, {"answer": answer}
    form = CommentForm(request.POST)
    error_text = None
    comment = None
    if form.is_valid():
        try:
            comment = services.comment_post(author=_member(request), **target, **form.cleaned_data)
        except ValidationError as error:
            error_text = " ".join(error.messages)
    else:
        error_text = " ".join(str(e) for errs in form.errors.values() for e in errs)
    if request.htmx:
        return render(
            request,
            "qa/question_detail.html#comment-added",
            {"comment": comment, "error": error_text},
            status=200 if comment else 400,
        )
    if error_text:
        messages.error(request, _("Your comment was not posted: %(error)s") % {"error": error_text})
        return _back_to_thread(question.pk)
    return _back_to_thread(question.pk, f"#comment-{comment.pk}" if comment else "")


@login_required
@require_POST
def vote(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    target: dict[str, Any]
    post: Question | Answer
    if kind == "question":
        post = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
        thread_id, target = post.pk, {"question": post}
    else:
        answer = get_object_or_404(selectors.thread_post_answers(viewer=request.user), pk=pk)
        post, thread_id, target = answer, answer.question_id, {"answer": answer}
    form = VoteForm(request.POST)
    error_text = None
    if not form.is_valid():
        error_text = _("A vote is up, down or withdraw.")
    else:
        try:
            post.score = services.vote_cast(
                user=_member(request), value=form.cleaned_data["value"], **target
            )
        except (ValidationError, PermissionDenied) as error:
            error_text = (
                " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            )
    my_vote = 0 if error_text else form.cleaned_data["value"]
    if request.htmx:
        if error_text is not None:
            my_vote = selectors.viewer_vote_on(viewer=request.user, **target)
        return render(
            request,
            "qa/question_detail.html#vote",
            {"post": post, "kind": kind, "my_vote": my_vote, "vote_error": error_text},
            status=200 if error_text is None else 403,
        )
    if error_text:
        messages.error(request, error_text)
    anchor = "#question" if kind == "question" else f"#answer-{post.pk}"
    return _back_to_thread(thread_id, anchor)


@login_required
@require_POST
def answer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(selectors.thread_post_answers(viewer=request.user), pk=pk)
    try:
        services.answer_accept(user=_member(request), answer=answer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Answer accepted. What fixed it? Add a note for others below."))
    return _back_to_thread(answer.question_id, f"#answer-{answer.pk}")


@login_required
@require_POST
def solution_note(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
    form = SolutionNoteForm(request.POST)
    if form.is_valid():
        try:
            services.question_set_solution_note(
                user=_member(request), question=question, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you; your note is shown on the thread."))
            return _back_to_thread(question.pk, "#what-fixed-it")
    context = _thread_context(request, question, note_form=form)
    return render(request, "qa/question_detail.html", context, status=400)


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    slot = _visitor_slot(request, SEARCH_PARAMETERS, "search")
    if slot is not None and slot.entry is not None:
        return HttpResponse(slot.entry.fill(request))
    result = search_questions(viewer=request.user, query=query) if query.strip() else None
    if result is not None and not request.GET.get("page"):
        services.evidence_record_search(user=request.user, query=query, source="search")
    page = _page(request, result.summaries, count=result.count) if result else None
    context = {"query": query, "result": result, "page": page}
    return _render_into(slot, request, "qa/search.html", context)


def faq_list(request: HttpRequest) -> HttpResponse:
    entries = selectors.faq_published(language=translation.get_language())
    return render(request, "qa/faq_list.html", {"entries": entries})


def faq_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An FAQ entry; opening it counts as having read it, for the ask checklist. With htmx
    (opened in place on the ask page) only its body."""
    entry = get_object_or_404(selectors.faq_published(), slug=slug)
    # Read while a question is being drafted, it is that draft's evidence.
    draft = selectors.ask_draft_open(author=request.user) if request.user.is_authenticated else None
    services.evidence_record_faq_view(user=request.user, entry=entry, draft=draft)
    if request.htmx:
        return render(request, "qa/faq_detail.html#entry", {"entry": entry})
    return render(request, "qa/faq_detail.html", {"entry": entry, "has_draft": draft is not None})
