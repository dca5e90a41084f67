from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

TAG_NAME_RE = r"^[a-z0-9][a-z0-9.+#-]{0,34}$"


class Tag(models.Model):
    """A topic threads are filed under, such as django or orm."""

    name = models.CharField(
        max_length=35,
        unique=True,
        validators=[
            RegexValidator(
                TAG_NAME_RE,
                "Tag names are lower case letters, digits and . + # -, up to 35 characters.",
            )
        ],
    )
    slug = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True)
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="followed_tags"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
