"""Forms of the mentoring pages. They turn what a person types into the values the
services take; the services validate those values and name each bad one."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.forms import language_codes
from mentoring.models import CAPACITY_MAX, CAPACITY_MIN, Feedback, MentorProfile

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WINDOW_RE = re.compile(
    r"^(?P<day>[a-z]{3})[a-z]*\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
EXPERTISE_RE = re.compile(r"^(?P<tag>[a-z0-9][a-z0-9+#.-]*)\s*[: ]\s*(?P<level>\d)$")


def _pad(time: str) -> str:
    return time.zfill(5)


class MentorProfileForm(forms.Form):
    """Become a mentor, or edit the mentor profile."""

    expertise = forms.CharField(
        label=gettext_lazy("Expertise"),
        max_length=400,
        help_text=gettext_lazy(
            "Tags with your level, 1 (some) to 3 (expert), separated by commas, "
            "such as: django 3, orm 2"
        ),
    )
    capacity = forms.IntegerField(
        min_value=CAPACITY_MIN,
        max_value=CAPACITY_MAX,
        initial=2,
        label=gettext_lazy("Capacity"),
        help_text=format_lazy(
            gettext_lazy("Threads and mentorships you take on at once, {min} to {max}."),
            min=CAPACITY_MIN,
            max=CAPACITY_MAX,
        ),
    )
    languages = forms.CharField(
        label=gettext_lazy("Languages"),
        max_length=200,
        help_text=gettext_lazy("Codes separated by commas: en, de"),
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=[])
    availability = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Availability"),
        help_text=gettext_lazy(
            "One weekly window per line in your time zone, such as: Mon 18:00-21:00"
        ),
    )
    bio = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Bio"),
        help_text=gettext_lazy("A few lines for askers: what you work on, how you like to help."),
    )  # fmt: skip
    accepting = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Accepting new threads (untick to pause)")
    )
    away_until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=gettext_lazy("Away until"),
        help_text=gettext_lazy(
            "Away until this day: no offers, and claims without a reply are released."
        ),
    )

    def __init__(self, *args: Any, profile: MentorProfile | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        time_zone = cast(forms.ChoiceField, self.fields["time_zone"])
        time_zone.choices = [(z, z) for z in sorted(zoneinfo.available_timezones())]
        if profile is not None and not self.is_bound:
            self.initial.update(
                expertise=", ".join(
                    f"{e.tag.name} {e.level}" for e in profile.expertise.select_related("tag")
                ),
                capacity=profile.capacity,
                languages=", ".join(profile.languages),
                time_zone=profile.time_zone,
                availability="\n".join(
                    f"{DAYS[w['day']].title()} {w['start']}-{w['end']}"
                    for w in profile.availability
                ),
                bio=profile.bio,
                accepting=profile.accepting,
                away_until=profile.away_until.date() if profile.away_until else None,
            )

    def clean_expertise(self) -> dict[str, int]:
        levels: dict[str, int] = {}
        for part in self.cleaned_data["expertise"].split(","):
            part = part.strip().lower()
            if not part:
                continue
            found = EXPERTISE_RE.match(part)
            if not found:
                raise forms.ValidationError(
                    _("“%(part)s” is not a tag and a level; write it like: django 3")
                    % {"part": part}
                )
            if not 1 <= int(found["level"]) <= 3:
                raise forms.ValidationError(
                    _("The level of %(tag)s is 1, 2 or 3.") % {"tag": found["tag"]}
                )
            levels[found["tag"]] = int(found["level"])
        if not levels:
            raise forms.ValidationError(_("Name at least one tag with a level."))
        return levels

    def clean_languages(self) -> list[str]:
        return language_codes(self.cleaned_data["languages"])

    def clean_availability(self) -> list[dict[str, object]]:
        windows: list[dict[str, object]] = []
        for line in self.cleaned_data["availability"].splitlines():
            line = line.strip().lower()
            if not line:
                continue
            found = WINDOW_RE.match(line)
            if not found or found["day"] not in DAYS:
                raise forms.ValidationError(
                    _("“%(line)s” is not a weekly window; write it like: Mon 18:00-21:00")
                    % {"line": line}
                )
            windows.append(
                {"day": DAYS.index(found["day"]), "start": _pad(found["start"]),
                 "end": _pad(found["end"])}
            )  # fmt: skip
        return windows

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = dict(self.cleaned_data)
        away = data.pop("away_until")
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        data["away_until"] = dt.datetime.combine(away, dt.time(), tzinfo=zone) if away else None
        return data


class MentorshipRequestForm(forms.Form):
    goals = forms.CharField(
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Your goals"),
        help_text=gettext_lazy(
            "What you want to learn or build with a mentor's help, and how often "
            "you would like to talk."
        ),
    )


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(
        choices=Feedback.Rating.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("How was the mentor's help?"),
    )
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("A comment (optional)"),
    )  # fmt: skip
