from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services
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
        messages.success(request, "Your profile is saved.")
        return redirect("profile-settings")
    return render(request, "accounts/settings.html", {"form": form})
