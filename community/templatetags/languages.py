"""The interface language in templates: `<html lang="{% html_lang %}">`."""

from __future__ import annotations

from django import template
from django.utils import translation

from accounts.language import bcp47

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    """The active language as a BCP 47 tag (zh-Hans, not Django's zh-hans)."""
    return bcp47(translation.get_language() or "en")


@register.filter(name="bcp47")
def bcp47_filter(code: str) -> str:
    """A Django language code as a BCP 47 tag, for the switcher's `lang` attributes."""
    return bcp47(code)
