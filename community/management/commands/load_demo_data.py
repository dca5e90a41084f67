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
    # The community writes Chinese as much as English: a Chinese-speaking newcomer and
    # mentor, their interface in Simplified Chinese.
    {
        "username": "xiaowang",
        "password": "xiaowang-demo-2026",
        "role": "newcomer",
        "display_name": "小王",
        "languages": ["zh"],
        "time_zone": "Asia/Shanghai",
        "language": "zh-hans",
    },
    {
        "username": "laoli",
        "password": "laoli-demo-2026",
        "role": "mentor",
        "display_name": "老李",
        "languages": ["zh", "en"],
        "time_zone": "Asia/Shanghai",
        "language": "zh-hans",
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


# Each thread is asked by "author" and, when it has an answer, answered by "answerer",
# who is accepted.
DEMO_THREADS: list[dict[str, Any]] = [
    {
        "key": "demo-1",
        "author": "newcomer",
        "answerer": "mentor",
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
        "author": "newcomer",
        "answerer": None,
        "title": "Celery task runs twice when the worker restarts during a deploy",
        "body": "With `acks_late=True` a long task sometimes runs twice after a deploy. Is that "
        "expected, and how do I make the task safe to run twice?\n\nCelery 5.7, Redis 7.",
        "tags": ["celery", "deployment"],
        "answer": None,
        "note": None,
    },
    {
        "key": "demo-zh-1",
        "author": "xiaowang",
        "answerer": "laoli",
        "title": "重命名模型之后 migrate 报错 relation does not exist",
        "body": "我把模型 `Article` 改名为 `Post`，运行 `manage.py migrate` 时报错：\n\n"
        '```text\ndjango.db.utils.ProgrammingError: relation "blog_article" does not exist\n```\n\n'
        "**我已经尝试过：** 删除 `migrations` 目录后重新 `makemigrations`，结果更糟了。\n\n"
        "Django 6.1，Python 3.13，PostgreSQL 17。",
        "tags": ["django", "migrations"],
        "answer": "改名时 `makemigrations` 会问你 "
        "“Did you rename the blog.Article model to Post?”，要回答 `y`，"
        "这样生成的是 `RenameModel`，而不是先删表再建表。"
        "先把删掉的迁移文件从版本库里恢复，再重新生成一次迁移就可以了。",
        "note": "恢复迁移文件后重新运行 `makemigrations`，回答 `y`，生成了 `RenameModel`，"
        "`migrate` 正常通过。",
    },
    {
        "key": "demo-zh-2",
        "author": "xiaowang",
        "answerer": None,
        "title": "模板里循环输出评论时，每条评论都会多查一次数据库",
        "body": "文章详情页用 `{% for comment in post.comments.all %}` 输出评论和作者名，"
        "Django Debug Toolbar 显示有 50 多条几乎一样的 SQL 查询。\n\n"
        '**我已经尝试过：** 在视图里加了 `select_related("comments")`，报错说这不是外键。'
        "\n\nDjango 6.1，Python 3.13，SQLite。",
        "tags": ["orm", "templates"],
        "answer": None,
        "note": None,
    },
]


DEMO_MENTORS: dict[str, dict[str, Any]] = {
    "mentor": {
        "expertise": {"django": 3, "migrations": 3, "celery": 2, "deployment": 2, "python": 2},
        "bio": "Django and Celery in production since 2015. Happy to pair on migrations.",
    },
    # No celery or deployment: the open English thread stays "mentor"'s alone.
    "laoli": {
        "expertise": {"django": 3, "orm": 3, "migrations": 2, "templates": 2},
        "bio": "十年 Django 开发经验，熟悉 ORM 和数据库迁移，中文英文都可以交流。",
    },
}


class Command(BaseCommand):
    help = (
        "Create the demo members (newcomers, mentors, moderator, admin), a few tags and "
        "threads in English and Chinese."
    )

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
                    "language": member.get("language", ""),
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
        """The demo mentors' approved profiles, so each open demo thread is offered to the
        mentor who knows its tags and reads its language."""
        admin = User.objects.get(username="admin")
        for username, profile_fields in DEMO_MENTORS.items():
            mentor = User.objects.get(username=username)
            if MentorProfile.objects.filter(user=mentor).exists():
                continue
            profile = mentoring_services.mentor_apply(
                user=mentor,
                capacity=3,
                availability=[{"day": day, "start": "08:00", "end": "20:00"} for day in range(7)],
                **profile_fields,
            )
            mentoring_services.mentor_approve(profile=profile, by=admin)

    def _threads(self) -> None:
        """A solved thread and an open one in English, the same in Chinese, posted through
        the services as members would."""
        for thread in DEMO_THREADS:
            if Question.objects.filter(external_id=thread["key"]).exists():
                continue
            asker = User.objects.get(username=thread["author"])
            question = services.question_ask(
                author=asker, title=thread["title"], body=thread["body"], tags=thread["tags"],
                limits=False,
            )  # fmt: skip
            Question.objects.filter(pk=question.pk).update(external_id=thread["key"])
            if thread["answer"]:
                answer = services.answer_post(
                    author=User.objects.get(username=thread["answerer"]),
                    question=question,
                    body=thread["answer"],
                    limits=False,
                )
                services.vote_cast(user=asker, answer=answer, value=1)
                services.answer_accept(user=asker, answer=answer)
            if thread["note"]:
                services.question_set_solution_note(
                    user=asker, question=question, note=thread["note"]
                )
