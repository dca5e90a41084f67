"""The starting list of closing reasons; admins edit it in the admin."""

from __future__ import annotations

from typing import Any

from django.db import migrations

REASONS = [
    ("Duplicate of another thread", True, 10),
    ("Off-topic for this community", False, 20),
    ("Needs details or clarity", False, 30),
    ("Resolved elsewhere or no longer relevant", False, 40),
    ("Spam or abuse", False, 50),
]


def add(apps: Any, schema_editor: Any) -> None:
    CloseReason = apps.get_model("moderation", "CloseReason")
    for label, needs_target, order in REASONS:
        CloseReason.objects.get_or_create(
            label=label, defaults={"needs_target": needs_target, "order": order}
        )


def remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("moderation", "CloseReason").objects.filter(
        label__in=[label for label, _, _ in REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_moderation")]
    operations = [migrations.RunPython(add, remove)]
