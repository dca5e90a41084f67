"""Site pages that read across apps, and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader

from accounts import selectors as accounts_selectors
from qa import selectors as qa_selectors

PROFILE_ITEMS = 20


def home(request: HttpRequest) -> HttpResponse:
    recent = qa_selectors.question_list(viewer=request.user, sort="active")[:10]
    return render(request, "home.html", {"recent": recent})


def member_profile(request: HttpRequest, username: str) -> HttpResponse:
    """A member's public page with their latest questions and answers."""
    member = get_object_or_404(accounts_selectors.member_visible(username=username))
    questions = qa_selectors.member_questions(viewer=request.user, member=member)[:PROFILE_ITEMS]
    answers = qa_selectors.member_answers(viewer=request.user, member=member)[:PROFILE_ITEMS]
    return render(
        request,
        "accounts/profile.html",
        {"member": member, "questions": questions, "answers": answers},
    )


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    try:
        return render(request, template, status=status)
    except Exception:
        # A broken context processor must not turn an error page into a crash loop.
        return HttpResponse(loader.get_template(template).render(), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, "500.html", 500)
