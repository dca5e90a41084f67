from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ProfileForm
from accounts.models import User


@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=user, **{name: form.cleaned_data[name] for name in ProfileForm.Meta.fields}
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("profile-settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The member's notifications, newest first; unread ones marked."""
    user = cast(User, request.user)
    page = Paginator(selectors.notifications_of(user=user), 20).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark the given notifications (`id`, repeated) as read, or all of them when none is
    given; ids of other members' notifications are ignored."""
    user = cast(User, request.user)
    raw = request.POST.getlist("id")
    ids = [int(value) for value in raw if value.isdigit()]
    if raw and not ids:
        messages.error(request, _("Nothing to mark: give notification numbers."))
        return redirect("notifications")
    marked = services.notifications_mark_read(user=user, ids=ids or None)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            marked,
        )
        % {"count": marked},
    )
    return redirect("notifications")
