from __future__ import annotations

import functools
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import User

PASSWORD = "correct-horse-battery-staple"


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.Faker("name")
    languages = factory.LazyFunction(lambda: ["en"])
    time_zone = "UTC"
    # Hashed once and shared: Argon2 is deliberately slow, and tests create many members.
    password = factory.LazyFunction(lambda: _password_hash())

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "qa.Tag"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag{n}")
    slug = factory.LazyAttribute(lambda t: t.name)


def question(*, author: User | None = None, tags: list[Any] | None = None, **fields: Any) -> Any:
    """A question posted through the service, as a member would."""
    from qa.services import question_ask

    tag_objects = tags or [TagFactory()]
    return question_ask(
        author=author or UserFactory(),
        title=fields.pop("title", "How do I merge two migration branches?"),
        body=fields.pop("body", "I ran `makemigrations --merge` and it says there is a conflict."),
        tags=[t.name for t in tag_objects],
        limits=False,
    )


def answer(*, question_obj: Any, author: User | None = None, body: str = "Run migrate.") -> Any:
    from qa.services import answer_post

    return answer_post(
        author=author or UserFactory(), question=question_obj, body=body, limits=False
    )


TRIED = "I ran makemigrations --merge, then read the migration docs; the error stayed."


def ready_to_ask(user: User) -> dict[str, Any]:
    """Record a search and an FAQ reading for a member; return a checklist that passes."""
    from qa.models import FaqEntry
    from qa.services import evidence_record_faq_view, evidence_record_search

    evidence_record_search(user=user, query="migration conflict", source="search")
    entry = FaqEntry.objects.order_by("order").first()
    assert entry is not None
    evidence_record_faq_view(user=user, entry=entry)
    return {
        "searched": True,
        "search_queries": ["migration conflict"],
        "read_faq": True,
        "faq_entries": [entry.pk],
        "tried_locally": True,
        "what_i_tried": TRIED,
        "expected": "The migration applies.",
        "actual": "CommandError: Conflicting migrations detected.",
        "environment": "Ubuntu 24.04, Python 3.13, Django 6.1",
    }


def api(user: User | None = None) -> Any:
    """An API client, authenticated as the member when one is given."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


MENTOR_PROFILE: dict[str, Any] = {
    "expertise": {"django": 3, "orm": 2},
    "capacity": 2,
    "languages": ["en"],
    "time_zone": "Europe/Berlin",
    "availability": [{"day": 0, "start": "18:00", "end": "21:00"}],
    "bio": "Django since 1.4.",
}


def _django_tag() -> Any:
    return TagFactory(name="django")


def approved_mentor(capacity: int = 2, **changes: Any) -> User:
    """A member whose application to mentor django threads staff approved."""
    from mentoring.services import mentor_apply, mentor_approve

    _django_tag()
    user = UserFactory(**changes)
    profile = mentor_apply(
        user=user, **{**MENTOR_PROFILE, "capacity": capacity, "expertise": {"django": 3}}
    )
    mentor_approve(profile=profile, by=UserFactory(is_staff=True))
    return user


def django_thread(**fields: Any) -> Any:
    """A question tagged django, the tag approved_mentor's mentors know."""
    return question(tags=[_django_tag()], **fields)


def moments_recomputed(*threads: Any) -> None:
    """Recompute the first-response moments of these threads (all without any), and which
    question is each asker's first, after a test moved posts or claims in time or wrote
    claims directly: what the services keep (tests/qa/test_thread_moments.py), from what
    is there now."""
    from mentoring.services import first_claims_refresh
    from qa.services import first_questions_refresh, thread_moments_refresh

    ids = [thread.pk for thread in threads] or None
    thread_moments_refresh(question_ids=ids)
    first_claims_refresh(question_ids=ids)
    first_questions_refresh(author_ids=None if ids is None else [t.author_id for t in threads])
