"""Demo members and tags for the embedded platform; safe to run again."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from accounts.services import MODERATORS_GROUP
from mentoring import services as mentoring_services
from mentoring.models import MentorProfile
from qa import services
from qa.models import Question, Tag

# Demo passwords are printed on purpose: this data exists only on a developer's machine.
DEMO_MEMBERS: list[dict[str, Any]] = [
    {
        "username": "newcomer",
        "password": "newcomer-demo-2026",
        "role": "newcomer",
        "display_name": "Nia Newcomer",
        "languages": ["en"],
        "time_zone": "Europe/Lisbon",
    },
    {
        "username": "mentor",
        "password": "mentor-demo-2026",
        "role": "mentor",
        "display_name": "Mo Mentor",
        "languages": ["en", "de"],
        "time_zone": "Europe/Berlin",
    },
    {
        "username": "moderator",
        "password": "moderator-demo-2026",
        "role": "moderator",
        "display_name": "Maya Moderator",
        "languages": ["en"],
        "time_zone": "America/Toronto",
        "is_staff": True,
    },
    {
        "username": "admin",
        "password": "admin-demo-2026",
        "role": "admin",
        "display_name": "Ada Admin",
        "languages": ["en"],
        "time_zone": "UTC",
        "is_staff": True,
        "is_superuser": True,
    },
]

DEMO_TAGS = {
    "django": "The Django web framework: views, URLs, settings, the request cycle.",
    "orm": "Models, querysets, migrations and database access through Django's ORM.",
    "migrations": "Creating, merging, squashing and applying schema migrations.",
    "templates": "Django templates, template tags and filters, and rendering.",
    "testing": "Writing and running tests: pytest, the test client, factories.",
    "celery": "Background tasks with Celery: workers, beat, retries, brokers.",
    "deployment": "Running in production: gunicorn, static files, settings, Docker.",
    "python": "The Python language itself, packaging and virtual environments.",
}


DEMO_THREADS: list[dict[str, Any]] = [
    {
        "key": "demo-1",
        "title": "makemigrations says there are conflicting migrations after merging a branch",
        "body": "After merging `feature/profiles` into `main`, `manage.py migrate` fails:\n\n"
        "```text\nCommandError: Conflicting migrations detected; multiple leaf nodes in the "
        "migration graph: (0004_profile_bio, 0004_profile_avatar in accounts).\n```\n\n"
        "**What I tried:** deleting one of the files, which broke my colleague's database.\n\n"
        "Django 6.1, Python 3.13, PostgreSQL 17.",
        "tags": ["django", "migrations"],
        "answer": "Run `python manage.py makemigrations --merge`. It writes a merge migration "
        "that depends on both leaves, so both histories stay valid. Commit it with the merge.",
        "note": "`makemigrations --merge` created `0005_merge`, and migrate ran cleanly.",
    },
    {
        "key": "demo-2",
        "title": "Celery task runs twice when the worker restarts during a deploy",
        "body": "With `acks_late=True` a long task sometimes runs twice after a deploy. Is that "
        "expected, and how do I make the task safe to run twice?\n\nCelery 5.7, Redis 7.",
        "tags": ["celery", "deployment"],
        "answer": None,
        "note": None,
    },
]


class Command(BaseCommand):
    help = "Create the demo members (newcomer, mentor, moderator, admin) and a few tags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even with DEBUG off (never in production)."
        )

    @transaction.atomic
    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo members have published passwords; refusing with DEBUG off. "
                "Use --force only on a throwaway installation."
            )
        moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        for member in DEMO_MEMBERS:
            user, created = User.objects.get_or_create(
                username=member["username"],
                defaults={
                    "email": f"{member['username']}@example.org",
                    "display_name": member["display_name"],
                    "languages": member["languages"],
                    "time_zone": member["time_zone"],
                    "is_staff": member.get("is_staff", False),
                    "is_superuser": member.get("is_superuser", False),
                },
            )
            if created:
                user.set_password(member["password"])
                user.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            if member["role"] == "moderator":
                user.groups.add(moderators)
        for name, description in DEMO_TAGS.items():
            Tag.objects.get_or_create(
                name=name, defaults={"slug": name, "description": description}
            )
        self._mentor()
        self._threads()

        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in with:"))
        for member in DEMO_MEMBERS:
            self.stdout.write(
                f"  {member['role']:<10} username {member['username']:<10} "
                f"password {member['password']}"
            )

    def _mentor(self) -> None:
        """The demo mentor's approved profile, so the open demo thread is offered to them."""
        mentor = User.objects.get(username="mentor")
        if MentorProfile.objects.filter(user=mentor).exists():
            return
        profile = mentoring_services.mentor_apply(
            user=mentor,
            expertise={"django": 3, "migrations": 3, "celery": 2, "deployment": 2, "python": 2},
            capacity=3,
            bio="Django and Celery in production since 2015. Happy to pair on migrations.",
            availability=[{"day": day, "start": "08:00", "end": "20:00"} for day in range(7)],
        )
        admin = User.objects.get(username="admin")
        mentoring_services.mentor_approve(profile=profile, by=admin)

    def _threads(self) -> None:
        """A solved thread and an open one, posted through the services as members would."""
        newcomer = User.objects.get(username="newcomer")
        mentor = User.objects.get(username="mentor")
        for thread in DEMO_THREADS:
            if Question.objects.filter(external_id=thread["key"]).exists():
                continue
            question = services.question_ask(
                author=newcomer, title=thread["title"], body=thread["body"], tags=thread["tags"],
                limits=False,
            )  # fmt: skip
            Question.objects.filter(pk=question.pk).update(external_id=thread["key"])
            if thread["answer"]:
                answer = services.answer_post(
                    author=mentor, question=question, body=thread["answer"], limits=False
                )
                services.vote_cast(user=newcomer, answer=answer, value=1)
                services.answer_accept(user=newcomer, answer=answer)
            if thread["note"]:
                services.question_set_solution_note(
                    user=newcomer, question=question, note=thread["note"]
                )
