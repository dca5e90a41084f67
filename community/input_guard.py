"""Refuse requests whose address carries characters no page or endpoint accepts.

A NUL in a path or query parameter cannot be stored or looked up in PostgreSQL (the
driver refuses it), so without this guard `/members/%00/` or `?status__exact=%00` in
the admin reached the database and answered 500. Other control characters have no
meaning in an address either. Form and JSON bodies are checked by their fields (Django
and DRF character fields refuse NUL with a message naming the field).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

# C0 controls but tab, line feed and carriage return (which a textarea may send in a
# query, e.g. a similar-threads draft), plus DEL.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = "The address contains a control character (such as %00), which is not allowed."


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        if FORBIDDEN.search(request.path) or FORBIDDEN.search(query):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
