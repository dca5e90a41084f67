"""API plumbing shared by every app: strict input, errors as JSON that name the field.

The schema's side of those errors is in community.api_schema (drf-spectacular imports DRF's
views, which load the parsers below: importing it here would be circular)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import DataAndFiles, FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from accounts.errors import Conflict
from qa.limits import PostingLimited

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ValidationError from a service mapped to a 400, a
    posting limit to a 429 with Retry-After, and a Conflict from any service to a 409.

    Field errors come out as {"field": ["message"]}; errors without a field as
    {"detail": "message"} (DRF's own shape), so clients read one format.
    """
    # Imported here: DRF's views module loads the parsers below from the settings, so
    # importing it at the top made this module unimportable unless DRF's came first.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, PostingLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    elif isinstance(exc, Conflict):
        exc = ConflictError(detail=str(exc))
    return drf_exception_handler(exc, context)


class ConflictError(exceptions.APIException):
    """A service's Conflict as DRF sees it: 409 with {"detail": message}."""

    status_code = 409
    default_detail = gettext_lazy("This conflicts with the current state.")
    default_code = "conflict"


# What PostgreSQL cannot store in a text column: NUL, and unpaired surrogates (JSON may
# spell them "\ud800"; a decoded pair is one code point and never matches).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = gettext_lazy(
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
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        if isinstance(data, dict):
            refuse_unstorable(data.items())
        elif _unstorable(data):
            refuse_unstorable([(api_settings.NON_FIELD_ERRORS_KEY, data)])
        return data


class StrictFormParser(FormParser):
    """A urlencoded form whose every field the database can store (a 400 names the others)."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> _ImmutableQueryDict:
        with _form_limits():
            data = super().parse(stream, media_type, parser_context)
        refuse_unstorable(data.lists())
        return data


class StrictMultiPartParser(MultiPartParser):
    """A multipart form whose every text field the database can store."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> DataAndFiles:
        with _form_limits():
            parsed = super().parse(stream, media_type, parser_context)
        refuse_unstorable(parsed.data.lists())
        return parsed


@contextmanager
def _form_limits() -> Iterator[None]:
    """Django's limits on a form (DATA_UPLOAD_MAX_NUMBER_FIELDS and the like) as a JSON 400;
    left alone they reach Django's HTML 400 page."""
    try:
        yield
    except (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig) as error:
        raise ParseError(_("Form parse error - %(error)s") % {"error": error}) from None


def refuse_unstorable(fields: Any) -> None:
    """Raise a 400 naming each (name, value) pair whose name or value holds NUL or a
    surrogate; a bad name is reported under the non-field key, as it cannot be quoted."""
    everything = api_settings.NON_FIELD_ERRORS_KEY
    bad = [
        everything if _unstorable(name) else name
        for name, value in fields
        if _unstorable(name) or _unstorable(value)
    ]
    if bad:
        raise ValidationError({name: [UNSTORABLE_MESSAGE] for name in bad})


def _unstorable(value: Any) -> bool:
    """Whether any string in a decoded value (JSON, or a form's lists), keys included,
    holds NUL or a surrogate."""
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


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans and other non-strings instead of casting,
    and text the database cannot store (a query string is not checked by any parser)."""

    default_error_messages = {
        **serializers.CharField.default_error_messages,
        "not_a_string": gettext_lazy("Give text here."),
        "unstorable": UNSTORABLE_MESSAGE,
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        if UNSTORABLE.search(data):
            self.fail("unstorable")
        return super().to_internal_value(data)


class StorableJSONField(serializers.JSONField):
    """A JSONField whose decoded strings the database can store. A form sends the field as
    JSON text, decoded here and not by a parser, so "\\u0000" in it would become a NUL
    past every other check."""

    default_error_messages = {
        **serializers.JSONField.default_error_messages,
        "unstorable": UNSTORABLE_MESSAGE,
    }

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _unstorable(value):
            self.fail("unstorable")
        return value


@csrf_exempt  # nothing to protect, and a POST must get this 404, not the CSRF page
def not_found(request: HttpRequest) -> JsonResponse:
    """Any path under the API that names no operation: a JSON 404 like every other API
    error, instead of the site's HTML page."""
    return JsonResponse({"detail": _("There is no such API endpoint.")}, status=404)
