"""Refuse request bodies larger than settings.MAX_REQUEST_BYTES before anything reads them.

Django bounds the form fields it keeps in memory (DATA_UPLOAD_MAX_MEMORY_SIZE), but not
file parts: a multipart body of any size was read in full and spooled to disk. No page
or endpoint takes a file, so every body is held to one small limit, checked here, first
in MIDDLEWARE:

- with a Content-Length, by that number alone, before a byte of the body is read;
- without one (Transfer-Encoding: chunked), by reading at most one byte past the limit,
  when the server has decoded the stream and ends it (`wsgi.input_terminated`, as
  gunicorn does); a body within the limit then reaches the view as if it had been sent
  with its length. A server that leaves the stream open gives no safe way to find its
  end, so such a body is refused with 411 and the client is asked for a length.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

READ_CHUNK = 64 * 1024


def _size(limit: int) -> str:
    """1048576 as "1 MiB", 1536 as "1536 bytes": the limit as a person reads it."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    # Set here because no later middleware sees this response: without a length the
    # client must wait for the connection to close, which a server draining the unread
    # body delays.
    response["Content-Length"] = str(len(response.content))
    return response


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return _refuse(
        request, 413, f"The request body is larger than {_size(limit)}, the most this site accepts."
    )


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.MAX_REQUEST_BYTES
        declared = _declared_length(request)
        if declared is not None:
            if declared > limit:
                return _too_large(request, limit)
        elif request.META.get("HTTP_TRANSFER_ENCODING"):
            refusal = self._buffer_unsized_body(request, limit)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _buffer_unsized_body(request: HttpRequest, limit: int) -> HttpResponse | None:
        """Read a body sent without a length, up to one byte past the limit; refuse it if
        it is longer, else hand it on to Django with its length."""
        if not request.META.get("wsgi.input_terminated"):
            return _refuse(
                request,
                411,
                f"Send the request body with a Content-Length header (at most {_size(limit)}).",
            )
        stream = request.META["wsgi.input"]
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return _too_large(request, limit)
        body = b"".join(chunks)
        # Django reads a body only as far as CONTENT_LENGTH says, and without one not at all.
        request.META["CONTENT_LENGTH"] = str(len(body))
        request.META["wsgi.input"] = io.BytesIO(body)
        request._stream = io.BytesIO(body)
        return None
