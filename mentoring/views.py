"""Claim and release from the thread page (the API has the same operations)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from mentoring import selectors, services
from mentoring.models import Claim, MentorProfile
from qa.models import Question


def _refused(request: HttpRequest, question: Question, message: str, status: int) -> HttpResponse:
    return render(
        request, "mentoring/refused.html", {"question": question, "message": message}, status=status
    )


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.visible_to(request.user), pk=pk)
    try:
        services.claim_create(mentor=cast(User, request.user), question=question)
    except PermissionDenied as error:
        return _refused(request, question, str(error), 403)
    except services.ClaimConflict as error:
        return _refused(request, question, str(error), 409)
    messages.success(request, "The thread is yours: the asker sees you are helping.")
    return redirect(question)


@login_required
@require_POST
def claim_release(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(Claim.objects.select_related("question"), pk=pk)
    try:
        services.claim_release(
            claim=held, by=cast(User, request.user), reason=request.POST.get("reason", "")
        )
    except PermissionDenied as error:
        return _refused(request, held.question, str(error), 403)
    except ValidationError as error:
        return _refused(request, held.question, " ".join(error.messages), 400)
    except services.ClaimConflict as error:
        return _refused(request, held.question, str(error), 409)
    messages.success(request, "Released: the thread is back in the queue.")
    return redirect(held.question)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The mentor's queue: threads waiting for a mentor that they may take."""
    user = cast(User, request.user)
    if not MentorProfile.objects.filter(user=user, status=MentorProfile.Status.APPROVED).exists():
        return render(request, "mentoring/not_a_mentor.html", status=403)
    items = selectors.mentor_queue(mentor=user)
    return render(request, "mentoring/queue.html", {"items": items})
