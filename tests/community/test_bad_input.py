"""Any address, any query: a 4xx (or a page), never a 500.

Every URL pattern of the site (pages, API, admin) is requested with hostile values in
its path parameters and in the query parameters the site reads, as a visitor, a member
and an admin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import TagFactory, UserFactory, answer, question

# Values that reached the database or a parser and answered 500 before, and their kin.
PATH_VALUES = [
    "%00",
    "%00x",
    "x%00",
    "%C2%B2",
    "%EF%BC%91",
    "9" * 25,
    "-1",
    "a" * 400,
    "%F0%9F%98%80",
]
INT_VALUES = ["0", "9" * 25]
QUERY_VALUES = ["%00", "%C2%B2", "-1", "9" * 25, "", "%ff", "a" * 2000, "1e9", "%EF%BC%91"]
QUERY_NAMES = [
    "page", "q", "tag", "status", "sort", "days", "since", "until", "asker", "title",
    "body", "tags", "next", "o", "p", "status__exact", "e", "all",
]  # fmt: skip


def _patterns(
    resolvers: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        else:
            yield route, entry


def _fill(route: str, value: str, int_value: str) -> str:
    """A concrete path for a route, with every parameter set to the value."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"<int:\w+>", int_value, route)
    route = re.sub(r"<(?:(?:str|slug|path|uuid):)?\w+>", value, route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", value, route)
    return "/" + route.replace("\\", "")


def _addresses() -> list[str]:
    seen: dict[str, None] = {}
    for route, _ in _patterns(get_resolver().url_patterns):
        if "<" in route or "(?P" in route:
            for value in PATH_VALUES:
                seen[_fill(route, value, "1")] = None
            for number in INT_VALUES:
                seen[_fill(route, "x", number)] = None
        else:
            base = _fill(route, "x", "1")
            for value in QUERY_VALUES:
                seen[f"{base}?{'&'.join(f'{name}={value}' for name in QUERY_NAMES)}"] = None
    return [address for address in seen if "(?" not in address]


@pytest.fixture
def community(db):
    tag = TagFactory(name="django")
    thread = question(tags=[tag])
    answer(question_obj=thread)
    return thread


@pytest.mark.parametrize("role", ["visitor", "member", "admin"])
def test_no_address_or_query_answers_500(community, role):
    client = Client(raise_request_exception=False)
    if role == "member":
        client.force_login(UserFactory())
    elif role == "admin":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    failures = []
    for address in _addresses():
        if "logout" in address:
            continue  # would end the session for the addresses after it
        response = client.get(address)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {address[:160]}")
    assert not failures, "\n".join(failures)


def test_a_nul_in_a_page_address_is_refused_with_a_clear_400(community):
    client = Client()
    response = client.get("/members/%00/")
    assert response.status_code == 400
    assert b"control character" in response.content
    response = client.get("/api/v1/questions/?q=%00")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The address contains a control character (such as %00), which is not allowed."
    }


FORM_VALUES = ["\x00", "\u00b2", "9" * 25, "a" * 5000, "\uff11", "[]"]
FORM_NAMES = [
    "step", "go", "title", "body", "tags", "what_i_tried", "value", "reason", "note",
    "rating", "language", "next", "kind", "until", "to", "capacity", "expertise", "q",
    "mode", "new_answer", "goals", "comment", "email", "username", "password",
]  # fmt: skip


@pytest.mark.parametrize("role", ["visitor", "member", "admin"])
def test_no_form_post_answers_500(community, role):
    """Every page that takes a POST, given hostile form values: a 4xx or a page."""
    client = Client(raise_request_exception=False)
    if role == "member":
        client.force_login(UserFactory())
    elif role == "admin":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    failures = []
    for address in _addresses():
        path = address.split("?", 1)[0]
        if "logout" in path or path.startswith(("/api/", "/admin/")):
            continue  # the API is checked by its schema; the admin by its own tests
        for value in FORM_VALUES:
            response = client.post(path, dict.fromkeys(FORM_NAMES, value))
            if response.status_code >= 500:
                failures.append(f"{response.status_code} POST {path[:120]} {value[:10]!r}")
    assert not failures, "\n".join(failures)
