"""Mentor profiles with their expertise, and claims: a mentor taking a thread on."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_language_codes, validate_time_zone

CAPACITY_MIN, CAPACITY_MAX = 1, 5


class MentorProfile(models.Model):
    """A member's application to mentor, and once approved, how they mentor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    bio = models.TextField(max_length=2000, blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(CAPACITY_MIN), MaxValueValidator(CAPACITY_MAX)]
    )
    languages = models.JSONField(default=list, validators=[validate_language_codes])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Weekly windows in the mentor's time zone: [{"day": 0-6 (Monday 0), "start": "18:00",
    # "end": "21:00"}, ...]; see mentoring.matching.validate_availability.
    availability = models.JSONField(default=list, blank=True)
    accepting = models.BooleanField(default=True)
    away_until = models.DateTimeField(null=True, blank=True)
    last_offered_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=CAPACITY_MIN, capacity__lte=CAPACITY_MAX),
                name="mentor_capacity_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"Mentor {self.user}"


# For the API schema's enum name (community/settings.py, SPECTACULAR_SETTINGS).
MENTOR_STATUS_CHOICES = MentorProfile.Status.choices


class MentorExpertise(models.Model):
    """A tag a mentor knows, at level 1 (some), 2 (good) or 3 (expert)."""

    profile = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="expertise")
    tag = models.ForeignKey("qa.Tag", on_delete=models.CASCADE, related_name="mentors")
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "tag"], name="one_level_per_tag"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="level_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} ({self.level})"


class Claim(models.Model):
    """A mentor helping on a thread. At most one active claim per thread (a partial unique
    constraint); the mentor's open claims never exceed their capacity (checked under a
    lock on their profile)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        EXPIRED = "expired", _("Expired")
        HANDED_OFF = "handed_off", _("Handed off")
        COMPLETED = "completed", _("Completed")

    question = models.ForeignKey("qa.Question", on_delete=models.CASCADE, related_name="claims")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    reply_due_at = models.DateTimeField()
    first_reply_at = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question"],
                condition=Q(state="active"),
                name="one_active_claim_per_thread",
            )
        ]
        indexes = [models.Index(fields=["mentor", "state"])]

    def __str__(self) -> str:
        return f"{self.mentor} on {self.question_id} ({self.state})"


class Exclusion(models.Model):
    """A mentor kept out of a thread's offers: they declined it or let a claim expire."""

    class Reason(models.TextChoices):
        DECLINED = "declined", _("Declined the offer")
        EXPIRED = "expired", _("Let a claim expire")

    question = models.ForeignKey("qa.Question", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "mentor"], name="one_exclusion_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.mentor} out of {self.question_id} ({self.reason})"


class Offer(models.Model):
    """A thread offered to a mentor, with the reasons they were picked."""

    question = models.ForeignKey("qa.Question", on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_offers"
    )
    wave = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "mentor"], name="one_offer_per_pair")
        ]
        indexes = [models.Index(fields=["mentor", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.question_id} offered to {self.mentor_id} (wave {self.wave})"


class Escalation(models.Model):
    """A thread nobody took in time (or with too few eligible mentors): moderators were
    told, and it is marked "needs a mentor" in the queue and the admin."""

    question = models.OneToOneField(
        "qa.Question", on_delete=models.CASCADE, related_name="mentoring_escalation"
    )
    escalated_at = models.DateTimeField(default=timezone.now, db_index=True)
    # How many mentors were eligible (wave 2 rules) when it escalated; 0 = unserved tags.
    eligible_mentors = models.PositiveIntegerField()
    reason = models.CharField(max_length=200)
    retag_asked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.question_id} needs a mentor"


class Feedback(models.Model):
    """The asker's rating of a mentor's help once the thread is solved. "Problematic"
    keeps that mentor from being matched with that asker again and alerts moderators."""

    class Rating(models.TextChoices):
        GREAT = "great", _("Great")
        GOOD = "good", _("Good")
        ACCEPTABLE = "acceptable", _("Acceptable")
        PROBLEMATIC = "problematic", _("Problematic")

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="feedback")
    rating = models.CharField(max_length=12, choices=Rating.choices)
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.rating} for claim {self.claim_id}"


class Mentorship(models.Model):
    """A long-term pairing: a member asks a mentor for regular help towards goals; the
    mentor accepts or declines; either side ends it. Active mentorships count against the
    mentor's capacity, like claims."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")
        EXPIRED = "expired", _("Expired without an answer")

    OPEN_STATES = (State.REQUESTED, State.ACTIVE)

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_asked"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships"
    )
    goals = models.TextField(max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=Q(state__in=["requested", "active"]),
                name="one_open_mentorship_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="mentorship_not_with_oneself"
            ),
        ]
        indexes = [models.Index(fields=["mentor", "state"])]

    def __str__(self) -> str:
        return f"{self.mentee} with {self.mentor} ({self.state})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("mentoring:mentorship", args=[self.pk])
