"""Flags raised by members, the editable list of closing reasons, and the audit log of
every moderation action."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _one_target() -> Q:
    """Exactly one of question, answer, comment is set."""
    q, a, c = (Q(**{f"{name}__isnull": False}) for name in ("question", "answer", "comment"))
    return (q & ~a & ~c) | (~q & a & ~c) | (~q & ~a & c)


class Flag(models.Model):
    """A member's report of a post. One open flag per member per post."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam")
        RUDE = "rude", _("Rude or abusive")
        OFF_TOPIC = "off_topic", _("Off-topic")
        DUPLICATE = "duplicate", _("A duplicate (link the original)")
        NEEDS_MODERATOR = "needs_moderator", _("Needs a moderator")
        OTHER = "other", _("Something else (say what)")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("flag status", "Open")
        HELPFUL = "helpful", _("Acted on")
        DISMISSED = "dismissed", _("Dismissed")

    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    question = models.ForeignKey(
        "qa.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    answer = models.ForeignKey(
        "qa.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        "qa.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "qa.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_one_target(), name="flag_has_one_target"),
            *(
                models.UniqueConstraint(
                    fields=["flagger", name],
                    condition=Q(status="open"),
                    name=f"one_open_flag_per_member_per_{name}",
                )
                for name in ("question", "answer", "comment")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} by {self.flagger}"

    @property
    def post(self) -> Any:
        return self.question or self.answer or self.comment


class CloseReason(models.Model):
    """Why a thread is closed; admins edit the list. "Duplicate" needs the target thread."""

    label = models.CharField(max_length=100, unique=True)
    needs_target = models.BooleanField(
        default=False, help_text=_("Closing for this reason needs the original thread.")
    )
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "label"]

    def __str__(self) -> str:
        return self.label


class ModerationAction(models.Model):
    """The audit log: who did what, to what, why and when. Written by the services only."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("Hide")
        UNHIDE = "unhide", _("Unhide")
        AUTO_HIDE = "auto_hide", _("Hidden by flags, pending review")
        CLOSE = "close", _("Close")
        REOPEN = "reopen", _("Reopen")
        LOCK = "lock", _("Lock")
        UNLOCK = "unlock", _("Unlock")
        SUSPEND = "suspend", _("Suspend")
        UNSUSPEND = "unsuspend", _("Lift suspension")
        DISMISS_FLAGS = "dismiss_flags", _("Dismiss flags")
        DELETE = "delete", _("Delete")
        RESTORE = "restore", _("Restore")
        MERGE = "merge", _("Merge")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
        help_text=_("Empty when the site acted on its own (flags reaching the threshold)."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    question = models.ForeignKey(
        "qa.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.ForeignKey(
        "qa.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        "qa.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_record",
        help_text=_("The member acted on (suspensions), or the author of the post."),
    )
    target = models.CharField(max_length=300, help_text=_("What was acted on, as it read then."))
    reason = models.TextField(max_length=2000)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"
