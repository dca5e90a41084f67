"""The API schema tells the truth about errors: each operation documents the 4xx answers it
can give, in the shapes community.api's exception handler gives them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, and what to do about it.")


# Field errors have no fixed keys, so this schema is written out instead of a serializer.
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": (
            "Each key names a field of the input, or `non_field_errors` for the input as a "
            "whole, and its value lists the problems, nested like the input for lists and "
            "objects. Input that cannot be read at all (a body that is not valid JSON, a form "
            "over the size limits, an address with a control character) gets `detail`."
        ),
        "minProperties": 1,
        "additionalProperties": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]
        },
        "example": {"title": ["This field is required."]},
    },
)

ERROR_DESCRIPTIONS = {
    400: "Bad input: the body names each field and its problem.",
    401: "Not signed in, or the token is wrong or belongs to a suspended account.",
    403: "Signed in but not allowed here (role, ownership, or a missing CSRF token with "
    "session authentication).",
    404: "No such object, or not one you may see; for a list, a page past the last.",
    409: "The state of the object does not allow this now; the body says why.",
    415: "The body is not JSON, a urlencoded form or multipart form data.",
    429: "Too many attempts or posts for now; Retry-After, when present, says when to retry.",
}

# Permissions that only tell signed-in members from anonymous ones (a 401, not a 403).
MEMBERSHIP_PERMISSIONS = (AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly)


def error_response(code: int, description: str = "") -> OpenApiResponse:
    """An error an operation answers with beyond the ones every operation of its kind
    documents (see CommunityAutoSchema), e.g. `responses={201: Out, 409: error_response(409)}`."""
    return OpenApiResponse(ErrorOutput, description=description or ERROR_DESCRIPTIONS[code])


class CommunityAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error responses an operation can give:

    - 400 for a write, or a read with a path or query parameter;
    - 401 wherever a request can authenticate (a wrong token is refused even on public reads);
    - 403 for a write, or a view whose permission refuses some members;
    - 404 with a path parameter, and on a paginated list (a page past the last);
    - 415 where there is a request body (sent as another media type).

    A view adds the ones peculiar to it (409, 429, a 404 without a path parameter) with
    `error_response` in its `extend_schema(responses=...)`; those are kept as given.
    """

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            responses.setdefault(str(code), self._error(code))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[int]:
        write = self.method not in SAFE_METHODS
        # Any path or query parameter may carry what no parameter accepts (NUL, say).
        parametrized = bool(operation.get("parameters"))
        refusing = any(
            not issubclass(permission, MEMBERSHIP_PERMISSIONS)
            for permission in getattr(self.view, "permission_classes", [])
        )
        paginated = self.method == "GET" and getattr(self.view, "pagination_class", None)
        wanted = {
            400: write or parametrized,
            401: bool(self.view.get_authenticators()),
            403: write or refusing,
            404: "{" in self.path or bool(paginated),
            415: "requestBody" in operation,
        }
        return [code for code, applies in wanted.items() if applies]

    def _error(self, code: int) -> dict[str, Any]:
        if code == 400:
            self.registry.register_on_missing(VALIDATION_ERROR)
            schema = VALIDATION_ERROR.ref
        else:
            component = self.resolve_serializer(ErrorOutput, "response")
            schema = component.ref
        return {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"schema": schema}},
        }
