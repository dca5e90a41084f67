"""The staff "Community health" page: the figures of community.metrics as charts, data
tables and CSV downloads, filtered by a plain GET form.

The form's rules are the API's (community.metrics_api.CommunityMetricsInput): the page
and the CSVs accept exactly what GET /api/v1/metrics/community/ accepts, and a CSV holds
the API's values (seconds, shares from 0 to 1), so a download matches the API.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.settings import api_settings

from community import charts, metrics
from community.metrics_api import CommunityMetricsInput

PARAMS = ("since", "until", "tag", "asker")

# A human name for each figure of community.metrics; a figure added there and not here
# shows under its code name.
FIGURE_LABELS: dict[str, Promise] = {
    "threads": gettext_lazy("Threads"),
    "responded": gettext_lazy("Threads with a response"),
    "waiting": gettext_lazy("Threads still waiting"),
    "first_response_p50": gettext_lazy("Time to first response, median"),
    "first_response_p90": gettext_lazy("Time to first response, 90th percentile"),
    "responded_within_24h": gettext_lazy("Responded within 24 hours"),
    "responded_within_72h": gettext_lazy("Responded within 72 hours"),
    "unanswered_after_7_days": gettext_lazy("Unanswered after 7 days"),
    "claimed": gettext_lazy("Threads claimed by a mentor"),
    "first_claim_p50": gettext_lazy("Time to first mentor claim, median"),
    "first_claim_p90": gettext_lazy("Time to first mentor claim, 90th percentile"),
    "accepted": gettext_lazy("Threads with an accepted answer"),
    "accepted_answer_p50": gettext_lazy("Time to accepted answer, median"),
    "accepted_answer_p90": gettext_lazy("Time to accepted answer, 90th percentile"),
    "open_threads": gettext_lazy("Open threads"),
    "claims": gettext_lazy("Mentor claims"),
    "claims_expired": gettext_lazy("Claims expired"),
    "offers": gettext_lazy("Offers to mentors"),
    "offers_declined": gettext_lazy("Offers declined"),
    "mentor_first_reply_p50": gettext_lazy("Mentor's first reply after claiming, median"),
    "ratings": gettext_lazy("Ratings"),
    "rating_good_share": gettext_lazy("Ratings good or great"),
    "unserved_tags": gettext_lazy("Unserved tags"),
    "answers": gettext_lazy("Answers"),
    "answerers": gettext_lazy("Answerers"),
    "answer_concentration": gettext_lazy("Members giving half the answers"),
    "new_askers": gettext_lazy("New askers"),
    "newcomer_retention": gettext_lazy("Newcomers who came back"),
    "active_mentors": gettext_lazy("Active mentors"),
    "drafts_started": gettext_lazy("Ask drafts started"),
    "drafts_posted": gettext_lazy("Ask drafts posted"),
    "ask_deflection": gettext_lazy("Ask drafts deflected"),
}

ASKER_LABELS: dict[str, Promise] = {
    "newcomer": gettext_lazy("Newcomers"),
    "returning": gettext_lazy("Returning askers"),
}


def _asker_choices() -> list[tuple[str, Any]]:
    # The values are the API's; only their names for people are ours.
    field = cast(serializers.ChoiceField, CommunityMetricsInput().fields["asker"])
    values = field.choices
    return [("", gettext_lazy("Any asker")), *((v, ASKER_LABELS.get(v, v)) for v in values)]


class HealthFilterForm(forms.Form):
    """The page's filters. The fields accept any text: CommunityMetricsInput decides
    what is valid, so the page and the API share one set of rules."""

    since = forms.CharField(
        label=gettext_lazy("From (included)"),
        required=False,
        strip=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("30 days before the end if left empty."),
    )
    until = forms.CharField(
        label=gettext_lazy("Until (excluded)"),
        required=False,
        strip=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Now if left empty."),
    )
    tag = forms.CharField(
        label=gettext_lazy("Tag"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Name or slug; all tags if left empty."),
    )
    asker = forms.CharField(label=gettext_lazy("Asker"), required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asker"].widget = forms.Select(choices=_asker_choices())
        self.validated: dict[str, Any] = {}

    def query(self) -> dict[str, str]:
        """The filters given, as sent: an empty field is a filter left out."""
        return {name: value for name in PARAMS if (value := self.data.get(name, "")) != ""}

    def clean(self) -> dict[str, Any]:
        params = CommunityMetricsInput(data=self.query())
        if params.is_valid():
            self.validated = dict(params.validated_data)
        else:
            for field, messages in params.errors.items():
                target = None if field == api_settings.NON_FIELD_ERRORS_KEY else field
                self.add_error(target if target in self.fields else None, list(messages))
        return self.cleaned_data


def _health(form: HealthFilterForm) -> metrics.CommunityHealth:
    data = form.validated
    return metrics.cached_community_health(
        since=data["since"], until=data["until"], tag=data.get("tag"), asker=data.get("asker")
    )


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only: a visitor who is not signed in goes to the admin's sign-in page, a
    signed-in member who is not staff gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# Formatting for the page ---------------------------------------------------------------


def _no_value() -> str:
    return _("no data")


def _duration(seconds: float | None) -> str:
    return _no_value() if seconds is None else charts.format_duration(seconds)


def _share(share: float | None) -> str:
    return _no_value() if share is None else charts.format_share(share)


def _count(count: float | None) -> str:
    if count is None:
        return _no_value()
    if float(count).is_integer():
        return charts.format_count(count)
    return number_format(round(count, 2), decimal_pos=2)


def format_figure(figure: metrics.Figure) -> str:
    """A figure's value for people: a duration, a percentage or a count."""
    if figure.unit == "seconds":
        return _duration(figure.value)
    if figure.unit == "share":
        return _share(figure.value)
    return _count(figure.value)


@dataclass(frozen=True)
class Table:
    caption: str
    columns: Sequence[str]  # the first heads the row headers
    rows: Sequence[tuple[str | SafeString, Sequence[str]]]
    csv_url: str
    empty: str = ""  # said instead of the table when it has no rows
    wide: bool = False  # a column of prose (definitions)


@dataclass(frozen=True)
class Section:
    slug: str
    heading: str
    table: Table
    chart: SafeString | None = None
    intro: str = ""


def _week_table(
    health: metrics.CommunityHealth,
    caption: str,
    columns: Sequence[tuple[str, Callable[[metrics.Week], str]]],
    csv_url: str,
) -> Table:
    return Table(
        caption=caption,
        columns=[_("Week of"), *(label for label, _cell in columns)],
        rows=[
            (charts.format_week(week.week_start), [cell(week) for _label, cell in columns])
            for week in health.weeks
        ],
        csv_url=csv_url,
    )


def _sections(health: metrics.CommunityHealth, query: dict[str, str]) -> list[Section]:
    def csv_url(table: str) -> str:
        url = reverse("community-health-csv", kwargs={"table": table})
        return f"{url}?{urlencode(query)}" if query else url

    weeks = [week.week_start for week in health.weeks]
    p50, p90 = _("Median (p50)"), _("90th percentile (p90)")
    claim, accepted = _("First mentor claim, median"), _("Accepted answer, median")
    questions, mentors = _("Questions"), _("Active mentors")
    expired, declined = _("Claims expired"), _("Offers declined")
    open_label, ratings_label = _("Open threads"), _("Ratings")
    response_title = _("Time to first response per week")
    claim_title = _("Time to first mentor claim and to accepted answer per week")
    activity_title = _("Questions and active mentors per week")
    lost_title = _("Claims expired and offers declined per week")
    age_title = _("Open threads by age")
    ratings_title = _("Ratings of mentors by askers")

    figures_rows = [
        (
            format_html(
                '{}<br><code class="figure-name">{}</code>',
                FIGURE_LABELS.get(figure.name, figure.name),
                figure.name,
            ),
            [format_figure(figure), str(figure.definition)],
        )
        for figure in health.figures
    ]
    return [
        Section(
            slug="first-response",
            heading=response_title,
            intro=_("From a thread's creation to its first answer, comment or mentor claim."),
            chart=charts.line_chart(
                response_title,
                weeks,
                [
                    (p50, [w.first_response_p50 for w in health.weeks]),
                    (p90, [w.first_response_p90 for w in health.weeks]),
                ],
                "seconds",
                chart_id="chart-first-response",
            ),
            table=_week_table(
                health,
                response_title,
                [
                    (p50, lambda w: _duration(w.first_response_p50)),
                    (p90, lambda w: _duration(w.first_response_p90)),
                    (_("Responded within 24 hours"), lambda w: _share(w.responded_within_24h)),
                ],
                csv_url("weeks"),
            ),
        ),
        Section(
            slug="claim-and-accepted",
            heading=claim_title,
            chart=charts.line_chart(
                claim_title,
                weeks,
                [
                    (claim, [w.first_claim_p50 for w in health.weeks]),
                    (accepted, [w.accepted_answer_p50 for w in health.weeks]),
                ],
                "seconds",
                chart_id="chart-claim-and-accepted",
            ),
            table=_week_table(
                health,
                claim_title,
                [
                    (claim, lambda w: _duration(w.first_claim_p50)),
                    (accepted, lambda w: _duration(w.accepted_answer_p50)),
                ],
                csv_url("weeks"),
            ),
        ),
        Section(
            slug="activity",
            heading=activity_title,
            chart=charts.bar_chart(
                activity_title,
                weeks,
                [
                    (questions, [w.questions for w in health.weeks]),
                    (mentors, [w.active_mentors for w in health.weeks]),
                ],
                chart_id="chart-activity",
            ),
            table=_week_table(
                health,
                activity_title,
                [
                    (questions, lambda w: _count(w.questions)),
                    (mentors, lambda w: _count(w.active_mentors)),
                ],
                csv_url("weeks"),
            ),
        ),
        Section(
            slug="lost",
            heading=lost_title,
            chart=charts.bar_chart(
                lost_title,
                weeks,
                [
                    (expired, [w.claims_expired for w in health.weeks]),
                    (declined, [w.offers_declined for w in health.weeks]),
                ],
                chart_id="chart-lost",
            ),
            table=_week_table(
                health,
                lost_title,
                [
                    (expired, lambda w: _count(w.claims_expired)),
                    (declined, lambda w: _count(w.offers_declined)),
                ],
                csv_url("weeks"),
            ),
        ),
        Section(
            slug="open-by-age",
            heading=age_title,
            intro=_("Threads of the range not solved or closed, by their age now."),
            chart=charts.category_bar_chart(
                age_title,
                [bucket.label for bucket in health.open_by_age],
                [(open_label, [bucket.threads for bucket in health.open_by_age])],
                chart_id="chart-open-by-age",
            ),
            table=Table(
                caption=age_title,
                columns=[_("Age"), open_label],
                rows=[(b.label, [_count(b.threads)]) for b in health.open_by_age],
                csv_url=csv_url("open-by-age"),
            ),
        ),
        Section(
            slug="figures",
            heading=_("All figures"),
            table=Table(
                caption=_("All figures for the range"),
                columns=[_("Figure"), _("Value"), _("Definition")],
                rows=figures_rows,
                csv_url=csv_url("figures"),
                wide=True,
            ),
        ),
        Section(
            slug="unserved-tags",
            heading=_("Unserved tags"),
            intro=_("Tags of threads that needed a mentor when none could take them."),
            table=Table(
                caption=_("Unserved tags"),
                columns=[_("Tag"), _("Threads with no eligible mentor"), _("Mentors today")],
                rows=[
                    (t.tag, [_count(t.threads), _count(t.mentors)]) for t in health.unserved_tags
                ],
                csv_url=csv_url("unserved-tags"),
                empty=_("No unserved tags in this range."),
            ),
        ),
        Section(
            slug="ratings",
            heading=ratings_title,
            chart=charts.category_bar_chart(
                ratings_title,
                [rating.label for rating in health.ratings],
                [(ratings_label, [rating.count for rating in health.ratings])],
                chart_id="chart-ratings",
            ),
            table=Table(
                caption=ratings_title,
                columns=[_("Rating"), ratings_label],
                rows=[(r.label, [_count(r.count)]) for r in health.ratings],
                csv_url=csv_url("ratings"),
            ),
        ),
    ]


@staff_only
def community_health_page(request: HttpRequest) -> HttpResponse:
    """The charts and tables for the filters in the query; 400 with the form's errors
    when the filters are invalid."""
    form = HealthFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "community/health.html", {"form": form}, status=400)
    health = _health(form)
    context = {
        "form": form,
        "health": health,
        "since": health.since.astimezone(dt.UTC),
        "until": health.until.astimezone(dt.UTC),
        "asker_label": ASKER_LABELS.get(health.asker or "", ""),
        "sections": _sections(health, form.query()),
    }
    return render(request, "community/health.html", context)


# CSV -----------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """The API's value as CSV text: None empty, a date in ISO form, numbers as Python
    writes them (exact for floats); text that a spreadsheet would run as a formula gets
    a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | Promise) and str(value).startswith(FORMULA_START):
        return "'" + str(value)
    return value


def _rows(items: Sequence[Any], names: Sequence[str]) -> list[list[Any]]:
    return [[_csv_cell(getattr(item, name)) for name in names] for item in items]


def _fields(model: type) -> list[str]:
    return [field.name for field in dataclasses.fields(model)]


def _table(health: metrics.CommunityHealth, table: str) -> tuple[list[str], list[list[Any]]]:
    if table == "figures":
        names = ["name", "unit", "value", "definition"]
        return names, _rows(health.figures, names)
    if table == "weeks":
        names = _fields(metrics.Week)
        return names, _rows(health.weeks, names)
    if table == "open-by-age":
        names = _fields(metrics.AgeBucket)
        return names, _rows(health.open_by_age, names)
    if table == "unserved-tags":
        names = _fields(metrics.UnservedTag)
        return names, _rows(health.unserved_tags, names)
    names = _fields(metrics.RatingCount)
    return names, _rows(health.ratings, names)


CSV_TABLES = ("figures", "weeks", "open-by-age", "unserved-tags", "ratings")


@staff_only
def community_health_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the page as CSV, with the API's raw values; 400 with the errors as
    text when the filters are invalid."""
    if table not in CSV_TABLES:
        raise Http404
    form = HealthFilterForm(request.GET)
    if not form.is_valid():
        lines = [
            f"{form.fields[field].label if field in form.fields else ''}: {message}".lstrip(": ")
            for field, messages in form.errors.items()
            for message in messages
        ]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    health = _health(form)
    header, rows = _table(health, table)
    since, until = health.since.astimezone(dt.UTC), health.until.astimezone(dt.UTC)
    filename = f"community-health-{table}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


urlpatterns = [
    path("", community_health_page, name="community-health"),
    path("<slug:table>.csv", community_health_csv, name="community-health-csv"),
]
