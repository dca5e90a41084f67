"""Mentor profiles: applying, approval by staff, and the mentor's own edits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, validate_language_codes, validate_time_zone
from mentoring.matching import validate_availability
from mentoring.models import CAPACITY_MAX, CAPACITY_MIN, Claim, MentorExpertise, MentorProfile
from mentoring.services.claims import _end_claim
from qa.models import Tag


def _clean_profile(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate the editable profile fields; ValidationError names each bad one."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            if name == "capacity":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValidationError(_("Give a whole number."))
                if not CAPACITY_MIN <= value <= CAPACITY_MAX:
                    raise ValidationError(
                        _("Capacity is %(min)s to %(max)s threads.")
                        % {"min": CAPACITY_MIN, "max": CAPACITY_MAX}
                    )
            elif name == "languages":
                validate_language_codes(value)
                if not value:
                    raise ValidationError(_("Name at least one language."))
            elif name == "time_zone":
                if not isinstance(value, str):
                    raise ValidationError(_("Give a time zone name."))
                validate_time_zone(value)
            elif name == "availability":
                try:
                    validate_availability(value)
                except ValueError as error:
                    raise ValidationError(str(error)) from None
            elif name == "bio":
                if not isinstance(value, str) or len(value) > 2000:
                    raise ValidationError(_("Give at most 2,000 characters of text."))
            elif name == "accepting":
                if not isinstance(value, bool):
                    raise ValidationError(_("Give true or false."))
            elif name == "away_until":
                if value is not None and not isinstance(value, dt.datetime):
                    raise ValidationError(_("Give a date and time, or null."))
            elif name == "expertise":
                value = _clean_expertise(value)
            else:
                raise ValidationError(_("This field cannot be changed here."))
        except ValidationError as error:
            errors[name] = " ".join(error.messages)
        else:
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_expertise(value: Any) -> dict[Tag, int]:
    if not isinstance(value, dict) or not value or len(value) > 10:
        raise ValidationError(_('Give 1 to 10 tags with a level each, e.g. {"django": 3}.'))
    tags = {t.name: t for t in Tag.objects.filter(name__in=[str(k) for k in value])}
    unknown = [name for name in value if name not in tags]
    if unknown:
        raise ValidationError(
            _("No such tag: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        )
    levels = {}
    for name, level in value.items():
        if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 3:
            raise ValidationError(_("The level of %(tag)s is 1, 2 or 3.") % {"tag": name})
        levels[tags[name]] = level
    return levels


def _save_profile(profile: MentorProfile, cleaned: dict[str, Any]) -> MentorProfile:
    expertise = cleaned.pop("expertise", None)
    for name, value in cleaned.items():
        setattr(profile, name, value)
    profile.save()
    if expertise is not None:
        profile.expertise.all().delete()
        MentorExpertise.objects.bulk_create(
            [
                MentorExpertise(profile=profile, tag=tag, level=level)
                for tag, level in expertise.items()
            ]
        )
    return profile


@transaction.atomic
def mentor_apply(*, user: User, **fields: Any) -> MentorProfile:
    """A member applies to mentor; staff approve. Applying again updates the application."""
    cleaned = _clean_profile(fields)
    if "expertise" not in cleaned:
        raise ValidationError({"expertise": _("Name the tags you can help with, with levels.")})
    profile, _created = MentorProfile.objects.select_for_update().get_or_create(user=user)
    cleaned.setdefault("languages", list(user.languages) or ["en"])
    cleaned.setdefault("time_zone", user.time_zone)
    return _save_profile(profile, cleaned)


@transaction.atomic
def mentor_approve(*, profile: MentorProfile, by: User) -> MentorProfile:
    if not by.is_staff:
        raise PermissionDenied(_("Only staff approve mentors."))
    profile = MentorProfile.objects.select_for_update().get(pk=profile.pk)
    profile.status = MentorProfile.Status.APPROVED
    profile.approved_at, profile.approved_by = timezone.now(), by
    profile.save(update_fields=["status", "approved_at", "approved_by"])
    return profile


@transaction.atomic
def mentor_update(*, profile: MentorProfile, **fields: Any) -> MentorProfile:
    """The mentor edits their profile. Setting away_until in the future releases their
    claims that have no reply yet."""
    cleaned = _clean_profile(fields)
    profile = MentorProfile.objects.select_for_update().get(pk=profile.pk)
    _save_profile(profile, cleaned)
    away = cleaned.get("away_until")
    if away is not None and away > timezone.now():
        for claim in Claim.objects.filter(
            mentor_id=profile.user_id, state=Claim.State.ACTIVE, first_reply_at__isnull=True
        ):
            _end_claim(claim, Claim.State.RELEASED, "The mentor is away.")
    return profile
