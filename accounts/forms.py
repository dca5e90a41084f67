from __future__ import annotations

import zoneinfo
from typing import Any, cast

from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import LANGUAGE_CODE_RE, MAX_LANGUAGES, User


def language_codes(raw: str | None) -> list[str]:
    """Language codes typed as "en, de, pt-BR", checked; ValidationError says which not."""
    codes = [code.strip() for code in (raw or "").split(",") if code.strip()]
    bad = [code for code in codes if not LANGUAGE_CODE_RE.match(code)]
    if bad:
        raise forms.ValidationError(
            _("Not a language code: %(codes)s. Use codes such as en, de or pt-BR.")
            % {"codes": ", ".join(bad)}
        )
    if len(codes) > MAX_LANGUAGES:
        raise forms.ValidationError(
            _("List at most %(limit)s languages.") % {"limit": MAX_LANGUAGES}
        )
    return list(dict.fromkeys(codes))


class ProfileForm(forms.ModelForm):
    languages = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Languages"),
        help_text=gettext_lazy("Codes separated by commas, such as: en, de, pt-BR"),
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=[])
    # Each language named in itself, as switchers do; blank follows the browser.
    language = forms.ChoiceField(
        label=gettext_lazy("Interface language"),
        required=False,
        choices=[("", gettext_lazy("As my browser asks")), *settings.LANGUAGES],
        help_text=gettext_lazy("The language of the pages and of the emails we send you."),
    )

    class Meta:
        model = User
        fields = ["display_name", "bio", "languages", "time_zone", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone = cast(forms.ChoiceField, self.fields["time_zone"])
        time_zone.choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        if self.instance and not self.is_bound:
            self.initial["languages"] = ", ".join(self.instance.languages)

    def clean_languages(self) -> list[str]:
        return language_codes(self.cleaned_data["languages"])


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form, doing the same work whether or not the address is taken."""

    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        if self.account_already_exists:
            # allauth creates no account for a taken address (it mails the owner
            # instead), so it skips hashing the password: the slow step of a real sign-up,
            # and the answer came back in a fraction of the time. Hash it all the same.
            User().set_password(self.cleaned_data["password1"])
        return super().try_save(request)
