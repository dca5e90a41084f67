"""Flagging a post from its page (the API has the same operation)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.errors import Conflict, refusal_status
from accounts.models import User
from moderation import services
from moderation.forms import FlagForm
from qa.models import POST_MODELS, Question


def visible_post(kind: str, pk: int, user: Any) -> Any:
    if kind not in POST_MODELS:
        raise Http404(_("No such kind of post."))
    return get_object_or_404(POST_MODELS[kind].objects.visible_to(user), pk=pk)


def duplicate_target(pk: int | None, user: Any) -> Question | None:
    if pk is None:
        return None
    target = Question.objects.visible_to(user).filter(pk=pk).first()
    if target is None:
        raise ValidationError(
            {"duplicate_of": _("There is no thread %(number)s.") % {"number": pk}}
        )
    return target


@login_required
def flag(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    post = visible_post(kind, pk, user)
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.flag_create(
                    flagger=user,
                    post=post,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    duplicate_of=duplicate_target(form.cleaned_data["duplicate_of"], user),
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            except (Conflict, PermissionDenied) as error:
                form.add_error(None, str(error))
                status = refusal_status(error)
            else:
                messages.success(request, _("Thank you: moderators will look at it."))
                return redirect(post.get_absolute_url())
    return render(
        request, "moderation/flag.html", {"form": form, "post": post, "kind": kind}, status=status
    )
