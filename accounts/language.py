"""The interface language: a signed-in member's choice, else the browser's.

Django's LocaleMiddleware picks the language from the language cookie (the switcher
sets it) or Accept-Language, and sets Content-Language on the way out. It runs before
authentication, so it cannot know the member; MemberLanguageMiddleware, after
AuthenticationMiddleware, activates the language saved on the member's account, and
the header LocaleMiddleware writes follows it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import User

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def bcp47(code: str) -> str:
    """Django's language code as a BCP 47 tag for `lang` attributes: zh-hans → zh-Hans,
    pt-br → pt-BR (a 4-letter subtag is a script, a 2-letter one a region)."""
    primary, *subtags = code.split("-")
    tags = [primary.lower()]
    for subtag in subtags:
        if len(subtag) == 4:
            tags.append(subtag.capitalize())
        elif len(subtag) == 2:
            tags.append(subtag.upper())
        else:
            tags.append(subtag.lower())
    return "-".join(tags)


def language_of(user: User | None) -> str:
    """The language to write to this member in, where there is no request to go by
    (emails): their choice, else the site's default."""
    chosen = getattr(user, "language", "")
    return chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE


class MemberLanguageMiddleware:
    """Activate a signed-in member's chosen language for the rest of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user and user.is_authenticated else ""
        if chosen in SUPPORTED:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, then a redirect back to a page of this site),
    and for a signed-in member the choice saved on their account, so that it holds on
    every device and for the emails they get."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in SUPPORTED:
        services.user_update_profile(user=request.user, language=language)
    return response
