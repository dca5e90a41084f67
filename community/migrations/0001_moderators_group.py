"""The group "Moderators": staff in it moderate through the Django admin with only the
permissions they need. They see and change posts (hide, lock, close), members (to
suspend; superusers and permissions stay out of reach, see accounts/admin.py) and the
mentoring records; they do not touch groups, permissions, tags, the FAQ or settings."""

from __future__ import annotations

from typing import Any

from django.db import migrations

GROUP = "Moderators"

# app label -> model -> actions
PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "accounts": {"user": ("view", "change"), "notification": ("view",)},
    "qa": {
        "question": ("view", "change"),
        "answer": ("view", "change"),
        "comment": ("view", "change"),
        "revision": ("view",),
        "tag": ("view",),
        "vote": ("view",),
    },
    "mentoring": {
        "mentorprofile": ("view", "change"),
        "mentorexpertise": ("view",),
        "claim": ("view",),
        "escalation": ("view",),
        "offer": ("view",),
        "exclusion": ("view",),
        "feedback": ("view",),
        "mentorship": ("view",),
    },
}


def _ensure_permissions(apps: Any) -> None:
    """Permissions are normally created after all migrations ran; create them now so
    the group can hold them on a fresh database."""
    from django.contrib.auth.management import create_permissions

    for label in PERMISSIONS:
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def create_group(apps: Any, schema_editor: Any) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(
            content_type__app_label=label, content_type__model=model, codename=f"{action}_{model}"
        )
        for label, models in PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    group.permissions.add(*wanted)


def remove_group(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0003_mentoring_notification_kinds"),
        ("qa", "0009_ask_drafts"),
        ("mentoring", "0002_mentorships"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
