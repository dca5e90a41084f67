from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
MAX_LANGUAGES = 10


def validate_language_codes(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give languages as a list of codes such as ['en', 'pt-BR']."))
    if len(value) > MAX_LANGUAGES:
        raise ValidationError(_("List at most %(limit)s languages.") % {"limit": MAX_LANGUAGES})
    for code in value:
        if not LANGUAGE_CODE_RE.match(code):
            raise ValidationError(
                _("%(code)s is not a language code; use codes such as 'en', 'de' or 'pt-BR'.")
                % {"code": repr(code)}
            )


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(zone)s is not a known time zone; use a name such as 'Europe/Berlin'.")
            % {"zone": repr(value)}
        )


class UserQuerySet(models.QuerySet["User"]):
    def suspended(self, *, now: dt.datetime | None = None) -> UserQuerySet:
        return self.filter(suspended_until__gt=now or timezone.now())


class UserManagerWithQuerySet(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager with the QuerySet methods of UserQuerySet."""


class User(AbstractUser):
    """A member. Staff in the group "Moderators" moderate; superusers administer."""

    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    languages = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_language_codes],
        help_text=gettext_lazy("Language codes the member reads and writes, such as en or pt-BR."),
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # The interface language the member chose (one of settings.LANGUAGES); blank follows
    # the browser. Pages, and the emails sent to them, are in this language.
    language = models.CharField(max_length=16, blank=True, default="", choices=settings.LANGUAGES)
    suspended_until = models.DateTimeField(null=True, blank=True, db_index=True)
    suspension_reason = models.TextField(blank=True)
    # Set when the mail server refused this address for good (a 5xx reply); notification
    # email is not sent to it until the member changes or confirms the address again.
    email_bouncing_since = models.DateTimeField(null=True, blank=True)
    email_bounce_reason = models.CharField(max_length=300, blank=True)
    # The member's local date of the last daily digest, so a day gets at most one.
    last_digest_on = models.DateField(null=True, blank=True)

    objects = UserManagerWithQuerySet()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suspended_until__isnull=True) | ~models.Q(suspension_reason=""),
                name="suspension_has_reason",
                violation_error_message=gettext_lazy("A suspension needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("member-profile", kwargs={"username": self.username})

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class Notification(models.Model):
    """One notification for one member about one event: the outbox row.

    Written in the same transaction as the event, through accounts.notifications.notify;
    the dedupe key (unique) makes writing it twice for the same event and member a no-op.
    Rows to send now have delivery "immediate"; rows for the daily digest "digest".
    The kind is one each app declares (accounts.notifications.kinds); the about_* columns
    say which post it is about, so that hiding the post can withhold it. Account emails
    (verification, password reset) are rows too, of a transactional kind: `email` is
    their address, and `recipient` may be empty (a reset asked for an unknown address).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        SUPPRESSED = "suppressed"

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", gettext_lazy("Right away")
        DIGEST = "digest", gettext_lazy("In the daily digest")

    recipient = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The address of an account email; notifications go to the recipient's address.
    email = models.EmailField(max_length=254, blank=True)
    # No choices: the apps declare their kinds, and a new kind needs no migration here.
    kind = models.CharField(max_length=40)
    # What the notification is about, by id: the apps above accounts own these models.
    about_question = models.PositiveBigIntegerField(null=True, blank=True)
    about_answer = models.PositiveBigIntegerField(null=True, blank=True)
    about_comment = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, unique=True)
    # Events on one thread share this key, so that they coalesce into one email.
    thread_key = models.CharField(max_length=60, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a send task was last published for it (None: never, or publishing failed).
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "thread_key", "status"]),
            models.Index(fields=["about_question", "status"]),
            models.Index(fields=["about_answer", "status"]),
            models.Index(fields=["about_comment", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(email=""),
                name="notification_has_a_recipient_or_an_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id or self.email}"

    def get_kind_display(self) -> str:
        from accounts.notifications import kinds

        return str(kinds.get(self.kind).label)


class NotificationPreference(models.Model):
    """How a member wants one kind of notification: now, in the daily digest, or never.
    A kind without a row uses its declared default (accounts.notifications.kinds)."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", gettext_lazy("Email right away")
        DIGEST = "digest", gettext_lazy("Daily digest")
        OFF = "off", gettext_lazy("Off")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    mode = models.CharField(max_length=10, choices=Mode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.mode}"
