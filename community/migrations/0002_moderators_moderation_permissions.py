"""Moderators work the flag queue and read the audit log and the closing reasons (admins
edit that list)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

PERMISSIONS = {"flag": ("view", "change"), "moderationaction": ("view",), "closereason": ("view",)}


def grant(apps: Any, schema_editor: Any) -> None:
    from django.contrib.auth.management import create_permissions

    config = apps.get_app_config("moderation")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation",
            codename__in=[f"{a}_{m}" for m, actions in PERMISSIONS.items() for a in actions],
        )
    )


def revoke(apps: Any, schema_editor: Any) -> None:
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Moderators").first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="moderation"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_moderators_group"),
        ("moderation", "0002_close_reasons"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
