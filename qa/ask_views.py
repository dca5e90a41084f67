"""The ask flow: search first, read the FAQ, say what you tried, review, post.

Each step is a page of one form whose draft is kept on the server (qa.AskDraft), so it
survives going back and forth, opening a similar thread or an FAQ entry, and a reload.
With JavaScript, htmx brings similar threads as the title is typed and opens threads
and FAQ entries in place; without it, the same steps work as plain pages.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from accounts.models import User
from qa import selectors, services
from qa.checklist import checklist_clean
from qa.forms import (
    AskForm,
    AskTopicForm,
    AskTriedForm,
    apply_service_errors,
    draft_of,
    labelled,
)
from qa.limits import PostingLimited, limited_response
from qa.linter import Draft, Hint, blocking, lint_question
from qa.markdown import render_markdown
from qa.models import AskDraft
from qa.search import similar_questions

STEPS = {
    1: gettext_lazy("Search first"),
    2: gettext_lazy("Read the FAQ"),
    3: gettext_lazy("What I tried"),
    4: gettext_lazy("Review and post"),
}
STEP_FORMS: dict[int, type[AskTopicForm] | type[AskTriedForm]] = {1: AskTopicForm, 3: AskTriedForm}
TOPIC_FIELDS = ("title", "body", "tags")
TRIED_FIELDS = ("what_i_tried", "expected", "actual", "error_output", "environment")
STEP_FIELDS = {1: TOPIC_FIELDS, 3: TRIED_FIELDS}
FIELD_STEPS = {**dict.fromkeys(TOPIC_FIELDS, 1), **dict.fromkeys(TRIED_FIELDS, 3)}
CHECKLIST_STEPS = {"searched": 1, "read_faq": 2, "tried_locally": 3}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _member(request: HttpRequest) -> User:
    return cast(User, request.user)


def _step_url(step: int) -> str:
    return f"{reverse('qa:question-ask')}?step={step}"


def _suggestions(request: HttpRequest, draft: AskDraft | None, typed: Draft, tags: str) -> dict:
    """Similar threads and FAQ entries for a draft; the query is recorded as the member's
    search evidence and the threads shown as the draft's deflection record."""
    if not (typed.title.strip() or typed.body.strip()):
        return {"similar": [], "faq_matches": None}
    similar = similar_questions(
        viewer=request.user,
        title=typed.title[:300],
        body=typed.body[:2000],
        tags=tags.replace(",", " ").split(),
    )
    services.evidence_record_search(
        user=request.user, query=typed.title or typed.body[:300], source="similar", draft=draft
    )
    if draft is not None and draft.pk:
        services.ask_draft_record_shown(draft=draft, questions=[s.question for s in similar])
    best = similar[0] if similar else None
    return {
        "similar": similar,
        "answered": best if best and best.question.accepted_answer_id else None,
    }


def _faq_step(request: HttpRequest, draft: AskDraft, typed: Draft) -> dict[str, Any]:
    """FAQ entries matching the draft first, then the others; which ones were opened."""
    matches = selectors.faq_matching(text=f"{typed.title} {typed.body[:2000]}")
    if not matches:
        services.evidence_record_faq_no_match(
            user=request.user, query=typed.title[:300] or "-", draft=draft
        )
    reader = translation.get_language()
    others = [e for e in selectors.faq_published(language=reader) if e not in matches]
    opened = selectors.faq_opened_for_draft(author=_member(request), draft=draft)
    return {"faq_matches": matches, "faq_others": others, "faq_opened": opened}


def _review(request: HttpRequest, draft: AskDraft, form: Any = None) -> dict[str, Any]:
    """The draft as it will look, the linter's hints, and what the checklist still lacks.

    Each problem is said once on the page: a pasted secret by its hint (which names the
    field and line), a missing step in the banner unless the refused post named it, and
    any other reason the post was refused in the form's errors.
    """
    data = draft.data
    typed = draft_of(data)
    hints = lint_question(typed)
    missing: dict[str, list[str]] = {}
    try:
        checklist_clean(
            user=request.user,
            draft=draft,
            data={k: data.get(k, "") for k in TRIED_FIELDS},
            title=typed.title,
            body=typed.body,
        )
    except ValidationError as error:
        # Only the checklist's own steps: its refusal of a secret repeats a hint.
        missing = {k: v for k, v in error.message_dict.items() if k in CHECKLIST_STEPS}
    problems = _form_problems(form, typed, hints)
    return {
        "preview_html": render_markdown(typed.body),
        "hints": hints,
        "hint_rows": [(hint, FIELD_STEPS.get(hint.field, 3)) for hint in hints],
        "blocked": bool(blocking(hints)),
        "post_refused": bool(form is not None and form.errors),
        "form_problems": problems,
        "missing": [
            (STEPS[CHECKLIST_STEPS[step]], text)
            for step, texts in missing.items()
            for text in texts
            if labelled(STEPS[CHECKLIST_STEPS[step]], text) not in problems
        ],
    }


def _form_problems(form: Any, typed: Draft, hints: list[Hint]) -> list[str]:
    """Why the post was refused, each reason once, leaving out the secrets the hints
    already name. The service lints the stripped text, so its line numbers can differ
    from the draft's; both wordings are left out."""
    if form is None or not form.errors:
        return []
    stripped = Draft(**{name: value.strip() for name, value in asdict(typed).items()})
    said = {hint.message for hint in (*blocking(hints), *blocking(lint_question(stripped)))}
    problems: list[str] = []
    for name, messages_ in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        for message in messages_:
            text = labelled(label, message) if label else str(message)
            if message not in said and text not in problems:
                problems.append(text)
    return problems


def _render(
    request: HttpRequest,
    draft: AskDraft,
    step: int,
    *,
    form: Any = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    data = draft.data
    typed = draft_of(data)
    context: dict[str, Any] = {
        "step": step,
        "step_name": STEPS[step],
        "steps": [(n, name, n <= draft.reached) for n, name in STEPS.items()],
        "draft": data,
        "tags_typed": data.get("tags", ""),
        **extra,
    }
    if step == 1:
        context["form"] = form or AskTopicForm(
            initial=data, suggestions_url=reverse("qa:ask-suggestions")
        )
        if typed.title.strip():
            context.update(_suggestions(request, draft, typed, str(data.get("tags", ""))))
            if draft.pk:
                services.ask_draft_save(draft=draft, data={}, shown_for=_title_key(typed.title))
    elif step == 2:
        context.update(_faq_step(request, draft, typed))
    elif step == 3:
        context["form"] = form or AskTriedForm(initial=data)
    else:
        context["form"] = form
        context.update(_review(request, draft, form))
    return render(request, "qa/ask.html", context, status=status)


@login_required
def question_ask(request: HttpRequest) -> HttpResponse:
    """GET shows a step of the member's draft; POST saves a step and moves on."""
    if request.method == "POST" and "step" not in request.POST:
        return _ask_in_one_go(request)
    member = _member(request)
    if request.method != "POST":
        found = AskDraft.objects.filter(author=member, status=AskDraft.Status.OPEN).first()
        draft = found or AskDraft(author=member)
        step = _int(request.GET.get("step"), default=draft.reached)
        return _render(request, draft, min(max(step, 1), draft.reached))

    draft = services.ask_draft_get(author=member)
    step = min(max(_int(request.POST.get("step"), default=1), 1), draft.reached)
    go = str(request.POST.get("go", "next"))
    if go == "restart":
        services.ask_draft_discard(draft=draft)
        messages.info(request, _("Your draft is discarded; start again whenever you like."))
        return redirect("qa:question-ask")
    services.ask_draft_save(
        draft=draft, data={k: v for k, v in request.POST.items() if k in STEP_FIELDS.get(step, ())}
    )
    if go == "post":
        return _post(request, draft)
    if go == "back":
        return redirect(_step_url(max(step - 1, 1)))
    if go.startswith("to-"):
        return redirect(_step_url(_int(go[3:], default=step)))
    if go == "check":  # without JavaScript: show what the title brings up
        return redirect(_step_url(1))
    form_class = STEP_FORMS.get(step)
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _render(request, draft, step, form=form, status=400)
    if step == 1 and draft.data.get("shown_for") != _title_key(str(draft.data.get("title"))):
        # Search first: what this title brings up is shown before moving on.
        messages.info(
            request, _("Here are the threads like yours. If none answers it, press Next again.")
        )
        return redirect(_step_url(1))
    services.ask_draft_save(draft=draft, data={}, reached=step + 1)
    return redirect(_step_url(min(step + 1, len(STEPS))))


def _post(request: HttpRequest, draft: AskDraft) -> HttpResponse:
    form = AskForm(draft.data)
    if form.is_valid():
        try:
            checklist = checklist_clean(
                user=request.user,
                draft=draft,
                data=form.checklist_data(),
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
            question = services.question_ask_from_draft(
                draft=draft, checklist=checklist, **form.question_data()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PostingLimited as error:
            form.add_error(None, str(error))
            return limited_response(_render(request, draft, 4, form=form, status=429), error)
        else:
            messages.success(request, _("Your question is posted."))
            return redirect(question)
    return _render(request, draft, 4, form=form, status=400)


def _ask_in_one_go(request: HttpRequest) -> HttpResponse:
    """The whole question in one POST, for clients that send every field at once: it
    becomes the member's draft, posted from the review step (shown again on errors)."""
    draft = services.ask_draft_get(author=_member(request))
    services.ask_draft_save(draft=draft, data=request.POST, reached=len(STEPS))
    return _post(request, draft)


def _title_key(title: str) -> str:
    return " ".join(title.lower().split())[:300]


def _int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def ask_suggestions(request: HttpRequest) -> HttpResponse:
    """The suggestions panel of step 1, for htmx as the title is typed; what was typed is
    kept in the draft."""
    draft = services.ask_draft_get(author=_member(request))
    typed = draft_of(request.GET)
    context = _suggestions(request, draft, typed, str(request.GET.get("tags", "")))
    services.ask_draft_save(
        draft=draft,
        data={k: v for k, v in request.GET.items() if k in TOPIC_FIELDS},
        shown_for=_title_key(typed.title) if typed.title.strip() else None,
    )
    return render(request, "qa/ask.html#suggestions", context)


@login_required
@require_GET
def ask_open_thread(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A similar thread opened from the ask flow: in place with htmx, else as a page with
    the way back to the draft. Recorded for deflection."""
    question = get_object_or_404(selectors.question_detail(viewer=request.user), pk=pk)
    draft = AskDraft.objects.filter(author=_member(request), status=AskDraft.Status.OPEN).first()
    if draft is not None:
        services.ask_draft_record_opened(draft=draft, question=question)
    # The accepted answer, else the best one this viewer may see.
    answer = selectors.thread_answers(viewer=request.user, question=question).first()
    context = {"question": question, "answer": answer}
    if request.htmx:
        return render(request, "qa/ask_open.html#preview", context)
    return render(request, "qa/ask_open.html", context)
