"""API plumbing shared by every app: strict JSON in, errors as JSON that name the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from qa.limits import PostingLimited


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ValidationError from a service mapped to a 400 and
    a posting limit to a 429 with Retry-After.

    Field errors come out as {"field": ["message"]}; errors without a field as
    {"detail": "message"} (DRF's own shape), so clients read one format.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, PostingLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    return drf_exception_handler(exc, context)


# What PostgreSQL cannot store in a text column: NUL, and unpaired surrogates (JSON may
# spell them "\ud800"; a decoded pair is one code point and never matches).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = (
    "The text contains a NUL character or an unpaired surrogate, which cannot be stored; remove it."
)


class StrictJSONParser(JSONParser):
    """JSON whose every string the database can store.

    JSON may carry NUL ("\\u0000") and unpaired surrogates ("\\ud800"), which fail deep in
    the database driver, or when an error message quotes them back; they are refused
    here with a 400 naming the top-level field. Nesting too deep to decode is a parse error.
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        everything = api_settings.NON_FIELD_ERRORS_KEY
        if isinstance(data, dict):
            bad = [
                everything if _unstorable(key) else key
                for key, value in data.items()
                if _unstorable(key) or _unstorable(value)
            ]
        else:
            bad = [everything] if _unstorable(data) else []
        if bad:
            raise ValidationError({name: [UNSTORABLE_MESSAGE] for name in bad})
        return data


def _unstorable(value: Any) -> bool:
    """Whether any string in a decoded JSON value, keys included, holds NUL or a surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
