"""The API does what its schema says.

Schemathesis reads the schema served at /api/v1/schema/ and sends requests generated from
it, valid and invalid ones, to the application in process, as a visitor, a member and a
staff member. Every answer must be a documented status with a documented content type and
a body matching its schema, and never a 5xx. Generated path ids are sometimes swapped for
ids of real objects the member may act on, so the runs reach the views' success paths and
not only their 404s.

Plain tests pin what the generated runs rely on: paginated lists documented as pages, and
the common errors documented where they can happen.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mentoring import services as mentoring
from qa.models import FaqEntry
from tests.factories import TagFactory, UserFactory, answer, question

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated cases per operation and role, on top of the few boundary cases schemathesis
# derives from the schema; with about forty operations and three roles the whole run takes
# a minute or two on a small machine.
MAX_EXAMPLES = 12
# Past this the run is too slow for the test command: fail rather than hang.
BUDGET_SECONDS = 360
# Fixed, so that a run is repeatable: a failure found once is found again.
SEED = 20261202

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "generation": {"mode": "all", "max-examples": MAX_EXAMPLES}}
    ),
)
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Ids of the objects the `community` fixture made, by path parameter name, and the
# usernames a body may name; read while cases are drawn, after the fixture ran.
KNOWN: dict[str, list[int]] = {}
MENTORS: list[str] = []


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Keep the generated ids, or name real objects instead."""
    known = {name: KNOWN[name] for name in path_parameters or {} if KNOWN.get(name)}
    if not known:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in known.items()})
    generated = path_parameters or {}
    return st.one_of(st.just(path_parameters), real.map(lambda ids: {**generated, **ids}))


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Keep the generated body, or have it name a real mentor where it names one."""
    if not (isinstance(body, dict) and "mentor" in body and MENTORS):
        return st.just(body)
    return st.one_of(st.just(body), st.sampled_from(MENTORS).map(lambda m: {**body, "mentor": m}))


@pytest.fixture
def _one_connection() -> Iterator[None]:
    # Django closes the database connection around each request; its test client stops
    # that, and so must a test that calls the WSGI application, or the test's
    # transaction (and the data it made) is gone after the first request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def community(db, _one_connection) -> Iterator[dict[str, str]]:
    """A member who asks and mentors, with something of every kind to act on, and staff
    with an application to approve. Returns their tokens."""
    tag = TagFactory(name="django")
    member, asker, helper, staff = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    profile = {"expertise": {"django": 3}, "capacity": 3, "languages": ["en"]}
    for mentor in (member, helper):
        mentoring.mentor_approve(profile=mentoring.mentor_apply(user=mentor, **profile), by=staff)
    applicant = mentoring.mentor_apply(user=UserFactory(), **profile)

    mine = question(author=member, tags=[tag])
    reply = answer(question_obj=mine, author=helper)
    claimed, offered = question(author=asker, tags=[tag]), question(author=asker, tags=[tag])
    claim = mentoring.claim_create(mentor=member, question=claimed)
    offers = mentoring.offers_make(question=offered, wave=1)
    asked = mentoring.mentorship_request(
        mentee=asker, mentor=member, goals="Learn to review pull requests on the ORM."
    )
    mentoring.mentorship_request(
        mentee=member, mentor=helper, goals="Get a first patch into Django itself."
    )

    questions = [mine.pk, claimed.pk, offered.pk]
    KNOWN.update(
        question_id=questions,
        post_id=[*questions, reply.pk],
        answer_id=[reply.pk],
        claim_id=[claim.pk],
        offer_id=[offer.pk for offer in offers],
        mentorship_id=[asked.pk],
        user_id=[applicant.user_id],
        entry_id=list(FaqEntry.objects.values_list("pk", flat=True)[:3]),
    )
    MENTORS.append(helper.username)
    yield {
        "member": Token.objects.create(user=member).key,
        "staff": Token.objects.create(user=staff).key,
    }
    KNOWN.clear()
    MENTORS.clear()


@pytest.fixture(scope="module")
def deadline() -> float:
    """When the generated runs of this module must be over: set by the first of them."""
    return time.monotonic() + BUDGET_SECONDS


def _call(case: schemathesis.Case, token: str | None, deadline: float) -> None:
    assert time.monotonic() < deadline, f"the schema runs took over {BUDGET_SECONDS}s"
    headers = {"Authorization": f"Token {token}"} if token else None
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_a_visitor(
    case: schemathesis.Case, community: dict[str, str], deadline: float
) -> None:
    _call(case, None, deadline)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_a_member(
    case: schemathesis.Case, community: dict[str, str], deadline: float
) -> None:
    _call(case, community["member"], deadline)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_staff(case: schemathesis.Case, community: dict[str, str], deadline: float) -> None:
    _call(case, community["staff"], deadline)


# The lists DESIGN.md names as paginated (`?page=`).
PAGINATED = [
    "/api/v1/questions/",
    "/api/v1/search/",
    "/api/v1/tags/",
    "/api/v1/faq/",
    "/api/v1/mentoring/offers/",
    "/api/v1/mentorships/",
    "/api/v1/notifications/",
]
PAGE_FIELDS = {"count", "next", "previous", "results"}


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _ok_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return _resolve(spec, ok)


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


@pytest.mark.django_db
def test_paginated_lists_are_documented_as_pages_of_results(spec):
    for path in PAGINATED:
        page = _ok_schema(spec, spec["paths"][path]["get"])
        assert page["type"] == "object", path
        assert set(page["properties"]) == PAGE_FIELDS, path
        assert page["properties"]["results"]["type"] == "array", path
        params = {p["name"] for p in spec["paths"][path]["get"].get("parameters", [])}
        assert "page" in params, path


@pytest.mark.django_db
def test_every_list_is_documented_as_what_it_answers(spec, community, client):
    """Each GET without a path parameter, called for real: a page where the schema says a
    page, an array where it says an array."""
    headers = {"HTTP_AUTHORIZATION": f"Token {community['staff']}"}
    checked = 0
    for method, path, operation in _operations(spec):
        if method != "GET" or "{" in path or path.endswith("/schema/"):
            continue
        required = {
            p["name"]: "django" for p in operation.get("parameters", []) if p.get("required")
        }
        response = client.get(path, required, **headers)
        if response.status_code != 200:
            continue
        documented, body = _ok_schema(spec, operation), response.json()
        if isinstance(body, list):
            assert documented["type"] == "array", path
        elif set(body) >= PAGE_FIELDS:
            assert set(documented.get("properties", {})) == PAGE_FIELDS, path
            checked += 1
    assert checked == len(PAGINATED)


@pytest.mark.django_db
def test_common_errors_are_documented_where_they_can_happen(spec):
    error_schemas = {"ErrorOutput", "ValidationError"}
    for method, path, operation in _operations(spec):
        responses = operation["responses"]
        has_path_parameter = "{" in path
        expected = {"401"} if path != "/api/v1/auth/token/" else {"400", "401", "403", "429"}
        if method != "GET":
            expected |= {"400", "403"}
        if has_path_parameter or (method == "GET" and path in PAGINATED):
            expected |= {"400", "404"}
        if "requestBody" in operation:
            expected.add("415")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code, response in responses.items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in error_schemas, (method, path, code)
    claim = spec["paths"]["/api/v1/questions/{question_id}/claim/"]["post"]["responses"]
    assert {"201", "403", "409"} <= set(claim)
