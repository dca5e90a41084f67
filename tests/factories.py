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
    )


def answer(*, question_obj: Any, author: User | None = None, body: str = "Run migrate.") -> Any:
    from qa.services import answer_post

    return answer_post(author=author or UserFactory(), question=question_obj, body=body)
