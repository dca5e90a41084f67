"""Notification settings and one-click unsubscribe (the in-app list is in accounts.views)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import notifications
from accounts.models import NotificationPreference, User
from accounts.notifications import kinds


class PreferencesForm(forms.Form):
    """One choice per kind offered to the member (`modes`, from preference_modes): email
    right away, daily digest, or off."""

    def __init__(self, *args: object, modes: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for value, mode in modes.items():
            self.fields[value] = forms.ChoiceField(
                label=kinds.get(value).label,
                choices=NotificationPreference.Mode.choices,
                widget=forms.RadioSelect,
                initial=mode,
            )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PreferencesForm(request.POST or None, modes=notifications.preference_modes(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            notifications.preferences_set(user=user, modes=form.cleaned_data)
        except ValidationError as error:  # pragma: no cover - the form offers valid values
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notification-preferences")
    status = 400 if form.errors else 200
    return render(request, "accounts/notification_preferences.html", {"form": form}, status=status)


@csrf_exempt  # one-click unsubscribe (RFC 8058) comes from mail clients, without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page confirming what the link turns off, with a button. POST (the button,
    or a mail client's one-click request): turn it off. The signed token is the only
    authority needed; it turns off mail only, so a forged request cannot do harm."""
    try:
        user, kind = notifications.unsubscribe_read(token)
    except signing.BadSignature:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    label = _("the daily digest") if kind == notifications.DIGEST else (
        kinds.get(kind).label.lower()
    )  # fmt: skip
    done = False
    if request.method == "POST":
        notifications.unsubscribe_apply(user=user, kind=kind)
        done = True
    return render(
        request, "accounts/unsubscribe.html", {"label": label, "done": done, "token": token}
    )
