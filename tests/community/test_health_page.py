"""The staff "Community health" page (/staff/health/) and its CSV downloads, and the SVG
charts of community.charts.

The fixture community, range [2026-03-02, 2026-03-16) UTC, two ISO weeks:

  a  03-02 00:00  answer by X +1 h (accepted at +5 h)
  b  03-03 00:00  mentor M's claim +30 h (expired); M declined its offer
  c  03-10 00:00  comment by M +2 h; rated by the asker (great) on M's claim
  d  03-11 00:00  tag <script>alert(1)</script>: escalated with no eligible mentor
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.utils.html import escape

from community import charts
from mentoring.models import Claim, Escalation, Feedback, Offer
from qa.models import Question, Tag
from qa.services import answer_accept, comment_post
from tests.factories import (
    TagFactory,
    UserFactory,
    answer,
    api,
    approved_mentor,
    moments_recomputed,
    question,
)

pytestmark = pytest.mark.django_db

PAGE = "/staff/health/"
API = "/api/v1/metrics/community/"
TABLES = ("figures", "weeks", "open-by-age", "unserved-tags", "ratings")
SINCE = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
RANGE = {"since": "2026-03-02", "until": "2026-03-16"}
H = dt.timedelta(hours=1)
SCRIPT_TAG = "<script>alert(1)</script>"
# A staff page: the session and the member, the header's unread notifications, and the
# figures' fixed set of queries (FIGURE_QUERIES), whatever the number of threads.
PAGE_QUERIES = 13
FIGURE_QUERIES = 10


def _thread(created: dt.datetime, *, tag: Any = None) -> Question:
    thread = question(tags=[TagFactory(name="django")])
    if tag is not None:
        # Straight onto the thread: asking refuses such names, the admin does not.
        thread.tags.set([tag])
    Question.objects.filter(pk=thread.pk).update(created_at=created)
    thread.created_at = created
    return thread


def _at(obj: Any, moment: dt.datetime) -> None:
    type(obj).objects.filter(pk=obj.pk).update(created_at=moment)


@pytest.fixture
def staff(client):
    user = UserFactory(username="stella", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def community() -> dict[str, Question]:
    mentor = approved_mentor(username="mentor-m")
    x = UserFactory(username="x")
    a = _thread(SINCE)
    reply = answer(question_obj=a, author=x)
    _at(reply, SINCE + H)
    answer_accept(user=a.author, answer=reply, now=SINCE + 5 * H)

    b = _thread(SINCE + 24 * H)
    Claim.objects.create(
        question=b,
        mentor=mentor,
        created_at=b.created_at + 30 * H,
        reply_due_at=b.created_at + 34 * H,
        state=Claim.State.EXPIRED,
    )
    Offer.objects.create(
        question=b,
        mentor=mentor,
        wave=1,
        score=1.0,
        created_at=b.created_at + H,
        declined_at=b.created_at + 2 * H,
    )

    c = _thread(SINCE + 8 * 24 * H)
    remark = comment_post(author=mentor, question=c, body="Which version of Django?")
    _at(remark, c.created_at + 2 * H)
    rated = Claim.objects.create(
        question=c,
        mentor=mentor,
        created_at=c.created_at + 3 * H,
        reply_due_at=c.created_at + 7 * H,
        first_reply_at=c.created_at + 4 * H,
        state=Claim.State.COMPLETED,
    )
    Feedback.objects.create(claim=rated, rating=Feedback.Rating.GREAT)

    d = _thread(SINCE + 9 * 24 * H, tag=Tag.objects.create(name=SCRIPT_TAG, slug="script"))
    Escalation.objects.create(question=d, eligible_mentors=0, reason="No mentor")
    moments_recomputed()
    return {"a": a, "b": b, "c": c, "d": d}


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


# Who may see it ------------------------------------------------------------------------

URLS = [PAGE, *(f"{PAGE}{table}.csv" for table in TABLES)]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_go_to_the_admin_sign_in(client, url):
    response = client.get(url, {"tag": "django"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert "tag%3Ddjango" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_members_who_are_not_staff_get_403(client, url):
    client.force_login(UserFactory())

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_staff_and_superusers_get_the_page_and_the_csvs(client, url, role):
    client.force_login(UserFactory(is_staff=True, is_superuser=role == "superuser"))

    response = client.get(url, RANGE)

    assert response.status_code == 200
    kind = "text/html" if url == PAGE else "text/csv"
    assert response["Content-Type"].startswith(kind)


def test_an_unknown_csv_table_is_404(client, staff):
    assert client.get(f"{PAGE}secrets.csv").status_code == 404


# Bad input -----------------------------------------------------------------------------

BAD = [
    ({"since": "abc"}, "Give an ISO date"),
    ({"until": "2026-02-30"}, "Give an ISO date"),
    ({"since": "2026-03-16", "until": "2026-03-02"}, "The start must be before the end"),
    ({"since": "2026-03-02", "until": "2026-03-02"}, "The start must be before the end"),
    ({"asker": "x"}, "is not a valid choice"),
    ({"since": "2000-01-01", "until": "2026-01-01"}, "at most 400 days"),
    ({"since": "0001-01-01"}, "from 1900 to 9998"),
    ({"until": "9999-12-31T23:59:59+00:00"}, "from 1900 to 9998"),
    ({"since": "2026-03-02T00:00:00-99:00"}, "Give an ISO date"),
    ({"tag": "x" * 101}, "no more than 100 characters"),
    ({"tag": "   "}, "may not be blank"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_bad_filters_show_the_page_again_with_the_error_and_400(client, staff, params, message):
    response = client.get(PAGE, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(message) in html
    assert 'role="alert"' in html
    assert "<svg" not in html  # no figures for filters that were refused
    assert "<h1>Community health</h1>" in html


@pytest.mark.parametrize(("params", "message"), BAD)
@pytest.mark.parametrize("table", TABLES)
def test_bad_filters_on_a_csv_are_400_with_the_error(client, staff, params, message, table):
    response = client.get(f"{PAGE}{table}.csv", params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert message in response.content.decode()


@pytest.mark.parametrize("url", URLS)
def test_a_control_character_in_the_filters_is_400_not_500(client, staff, url):
    response = client.get(url, {"tag": "dj\x00ango"})

    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_the_field_with_the_error_is_marked_and_keeps_its_value(client, staff):
    response = client.get(PAGE, {"since": "abc", "tag": "orm"})

    html = response.content.decode()
    assert re.search(r'<input[^>]*name="since"[^>]*aria-invalid="true"', html)
    assert re.search(r'<input[^>]*name="since"[^>]*value="abc"', html)
    assert re.search(r'<input[^>]*name="tag"[^>]*value="orm"', html)


def test_the_page_and_the_api_refuse_the_same_filters(client, staff):
    for params, _message in BAD:
        page = client.get(PAGE, params).status_code
        from_api = api(staff).get(API, params).status_code
        assert (page, from_api) == (400, 400), params


# The page ------------------------------------------------------------------------------


def test_the_page_has_every_section_with_a_chart_a_table_and_a_download(client, staff, community):
    response = client.get(PAGE, {**RANGE, "asker": ""})

    assert response.status_code == 200
    html = response.content.decode()
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == [
        "Time to first response per week",
        "Time to first mentor claim and to accepted answer per week",
        "Questions and active mentors per week",
        "Claims expired and offers declined per week",
        "Open threads by age",
        "All figures",
        "Unserved tags",
        "Ratings of mentors by askers",
    ]
    assert html.count('<svg role="img"') == 6
    assert html.count("<table") == 8
    assert html.count("<caption") == 8
    assert 'scope="col"' in html
    assert 'scope="row"' in html
    # Each Download CSV link carries the filters given (the empty asker left out).
    links = re.findall(r'<a href="([^"]+)" download>Download CSV', html)
    query = "since=2026-03-02&amp;until=2026-03-16"
    assert links == [
        f"/staff/health/weeks.csv?{query}",
        f"/staff/health/weeks.csv?{query}",
        f"/staff/health/weeks.csv?{query}",
        f"/staff/health/weeks.csv?{query}",
        f"/staff/health/open-by-age.csv?{query}",
        f"/staff/health/figures.csv?{query}",
        f"/staff/health/unserved-tags.csv?{query}",
        f"/staff/health/ratings.csv?{query}",
    ]


def test_the_tables_show_values_for_people(client, staff, community):
    html = client.get(PAGE, RANGE).content.decode()

    # Week of 03-02: a responded in 1 h, b in 30 h (the claim): p50 15 h 30 min.
    row = re.search(r'<th scope="row">March 2, 2026</th>(.*?)</tr>', html)
    assert row is not None
    assert row.group(1).startswith("<td>15 h 30 min</td>")
    # The figures table: a name, its code name, the value and the definition.
    assert re.search(
        r'Time to first response, median<br><code class="figure-name">first_response_p50'
        r"</code></th><td>2 h</td><td>Median time",
        html,
    )
    assert "<td>50.0 %</td>" in html  # responded within 24 h: a and c of 4


def test_a_tag_name_is_escaped_everywhere(client, staff, community):
    response = client.get(PAGE, {**RANGE, "tag": SCRIPT_TAG})

    html = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT_TAG not in html
    assert escape(SCRIPT_TAG) in html
    assert "alert(1)</script>" not in html


def test_the_page_has_no_inline_style_or_handler(client, staff, community):
    html = client.get(PAGE, RANGE).content.decode()

    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)


def test_a_range_with_no_threads_says_there_is_no_data(client, staff):
    html = client.get(PAGE, RANGE).content.decode()

    assert html.count("No data in this range") >= 4
    assert "No unserved tags in this range." in html


def _threads(count: int) -> None:
    tag = TagFactory(name="django")
    for index in range(count):
        thread = _thread(SINCE + index * H, tag=tag)
        reply = answer(question_obj=thread)
        _at(reply, thread.created_at + 2 * H)
    moments_recomputed()


def test_the_page_makes_as_many_queries_for_50_threads_as_for_5(
    client, staff, django_assert_num_queries
):
    _threads(5)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(PAGE, RANGE).status_code == 200
    _threads(45)
    cache.clear()
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(PAGE, RANGE)
    assert response.status_code == 200
    assert response.context["health"].figure("threads").value == 50


def test_the_figures_are_cached_for_the_next_request(client, staff, django_assert_num_queries):
    _threads(3)
    client.get(PAGE, RANGE)
    with django_assert_num_queries(PAGE_QUERIES - FIGURE_QUERIES):
        client.get(PAGE, RANGE)


# CSV -----------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_a_csv_is_an_attachment_with_a_filename(client, staff, community, table):
    response = client.get(f"{PAGE}{table}.csv", RANGE)

    assert response["Content-Disposition"] == (
        f'attachment; filename="community-health-{table}-20260302-20260316.csv"'
    )


def test_the_csv_headers_are_the_field_names(client, staff, community):
    headers = {
        table: next(csv.reader(io.StringIO(client.get(f"{PAGE}{table}.csv").content.decode())))
        for table in TABLES
    }

    assert headers == {
        "figures": ["name", "unit", "value", "definition"],
        "weeks": [
            "week_start",
            "questions",
            "responded_within_24h",
            "first_response_p50",
            "first_response_p90",
            "first_claim_p50",
            "accepted_answer_p50",
            "active_mentors",
            "claims_expired",
            "offers_declined",
        ],
        "open-by-age": ["label", "min_days", "max_days", "threads"],
        "unserved-tags": ["tag", "threads", "mentors"],
        "ratings": ["rating", "label", "count"],
    }


@pytest.mark.parametrize(
    "params",
    [RANGE, {**RANGE, "asker": "newcomer"}, {**RANGE, "tag": "django"}, {"until": "2026-03-16"}],
)
def test_the_csvs_hold_exactly_what_the_api_says(client, staff, community, params):
    from_api = api(staff).get(API, params).json()

    figures = _csv(client.get(f"{PAGE}figures.csv", params))
    assert len(figures) == len(from_api["figures"]) > 20
    for row, figure in zip(figures, from_api["figures"], strict=True):
        assert row["name"] == figure["name"]
        assert row["unit"] == figure["unit"]
        assert row["definition"] == figure["definition"]
        value = _number(row["value"])
        assert value == (None if figure["value"] is None else float(figure["value"])), row

    weeks = _csv(client.get(f"{PAGE}weeks.csv", params))
    assert len(weeks) == len(from_api["weeks"]) >= 2
    common = set(weeks[0]) & set(from_api["weeks"][0])
    assert common == set(weeks[0])  # the API has every field of the CSV
    for row, week in zip(weeks, from_api["weeks"], strict=True):
        for field in common - {"week_start"}:
            expected = None if week[field] is None else float(week[field])
            assert _number(row[field]) == expected, (row["week_start"], field)
        assert row["week_start"] == week["week_start"]

    for table, key in [
        ("open-by-age", "open_by_age"),
        ("unserved-tags", "unserved_tags"),
        ("ratings", "ratings"),
    ]:
        rows = _csv(client.get(f"{PAGE}{table}.csv", params))
        expected = [
            {name: "" if value is None else str(value) for name, value in item.items()}
            for item in from_api[key]
        ]
        assert rows == expected, table


def test_the_fixture_figures_in_the_csv(client, staff, community):
    figures = {row["name"]: row for row in _csv(client.get(f"{PAGE}figures.csv", RANGE))}
    weeks = _csv(client.get(f"{PAGE}weeks.csv", RANGE))

    # Waits 3600 (a), 7200 (c), 108000 (b, the claim); d waits: p50 7200.
    assert float(figures["first_response_p50"]["value"]) == 7200.0
    assert float(figures["responded_within_24h"]["value"]) == 0.5
    assert figures["threads"]["value"] == "4"
    assert [(w["week_start"], w["questions"], w["claims_expired"]) for w in weeks] == [
        ("2026-03-02", "2", "1"),
        ("2026-03-09", "2", "0"),
    ]
    # A percentile over no threads is empty, not "None".
    assert weeks[1]["accepted_answer_p50"] == ""


def test_text_a_spreadsheet_would_run_gets_an_apostrophe(client, staff):
    thread = _thread(SINCE, tag=Tag.objects.create(name="=HYPERLINK(1)", slug="formula"))
    Escalation.objects.create(question=thread, eligible_mentors=0, reason="No mentor")

    rows = _csv(client.get(f"{PAGE}unserved-tags.csv", RANGE))

    assert rows == [{"tag": "'=HYPERLINK(1)", "threads": "1", "mentors": "0"}]


# The charts ----------------------------------------------------------------------------

WEEKS = [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 16), dt.date(2026, 3, 23)]


def test_a_chart_escapes_its_title_and_labels():
    svg = charts.line_chart(
        SCRIPT_TAG, WEEKS, [(SCRIPT_TAG, [3600.0, 7200.0, None, 10800.0])], "seconds"
    )
    bars = charts.bar_chart(SCRIPT_TAG, WEEKS, [(f'"{SCRIPT_TAG}', [1, 2, 3, 4])])

    for markup in (svg, bars):
        assert "<script>" not in markup
        assert escape(SCRIPT_TAG) in markup
        assert 'aria-labelledby="chart-script' in markup  # the id is a slug, not the text


def test_a_chart_is_an_image_named_by_its_title_and_desc():
    svg = charts.line_chart(
        "Response", WEEKS[:2], [("p50", [3600.0, 7200.0])], "seconds", chart_id="c1"
    )

    assert '<svg role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Response</title>' in svg
    # The summary: the latest week, and the change from the week before.
    assert (
        '<desc id="c1-desc">Week of March 9, 2026: p50 2 h, up 1 h on the week before.</desc>'
        in svg
    )
    assert 'viewBox="0 0 480 260" width="100%"' in svg
    assert not re.search(r"\sstyle\s*=", svg)


def test_none_leaves_a_gap_in_the_line():
    svg = charts.line_chart("Gap", WEEKS, [("p50", [3600.0, 7200.0, None, 3600.0])], "seconds")

    # Two runs: weeks 1-2 a line, week 4 a lone point; four values, three markers.
    lines = re.findall(r"<polyline ", svg)
    assert len(lines) == 1
    assert svg.count("<circle ") == 3 + 1  # three points and the legend's marker


def test_the_summary_is_of_the_latest_week_with_a_value():
    series = [("p50", [3600.0, 7200.0, 5400.0, None]), ("p90", [None, None, 9000.0, None])]
    svg = charts.line_chart("Late", WEEKS, series)

    # The last week has no value yet: the summary is of the week before it.
    assert (
        "Week of March 16, 2026: p50 1 h 30 min, down 30 min on the week before; p90 2 h 30 min."
        in svg
    )


def test_series_differ_by_dash_and_marker_not_only_colour():
    svg = charts.line_chart(
        "Two", WEEKS[:2], [("a", [1.0, 2.0]), ("b", [3.0, 4.0])], "seconds", chart_id="t"
    )

    assert 'stroke="#0072B2"' in svg
    assert 'stroke="#E69F00"' in svg
    assert 'stroke-dasharray="8 4"' in svg
    assert "<rect x=" in svg  # the second series' square markers
    assert '<ul class="chart-legend">' in svg
    assert "<span>a</span>" in svg
    assert "<span>b</span>" in svg


def test_bars_differ_by_pattern_too():
    svg = charts.bar_chart("Counts", WEEKS[:2], [("q", [1, 2]), ("m", [0, 3])], chart_id="b")

    assert 'fill="url(#b-fill-0)"' in svg
    assert 'fill="url(#b-fill-1)"' in svg
    assert 'patternTransform="rotate(45)"' in svg
    assert "Week of March 9, 2026: q 2, 1 more than the week before; m 3, 3 more" in svg


@pytest.mark.parametrize(
    "chart",
    [
        lambda: charts.line_chart("Empty", [], [("p50", [])], "seconds"),
        lambda: charts.line_chart("Empty", WEEKS[:2], [("p50", [None, None])], "seconds"),
        lambda: charts.bar_chart("Empty", [], [("q", [])]),
        lambda: charts.category_bar_chart("Empty", [], [("q", [])]),
    ],
)
def test_an_empty_chart_says_there_is_no_data(chart):
    svg = chart()

    assert '<svg role="img"' in svg
    assert ">No data in this range</text>" in svg
    assert "<desc" in svg
    assert "No data in this range.</desc>" in svg
    assert "<polyline" not in svg


def test_the_axis_is_in_minutes_below_two_hours_else_in_hours():
    minutes = charts.line_chart("M", WEEKS[:2], [("p50", [600.0, 7199.0])], "seconds")
    hours = charts.line_chart("H", WEEKS[:2], [("p50", [600.0, 7200.0])], "seconds")

    assert ">Minutes</text>" in minutes
    assert ">120</text>" in minutes  # 0, 30, 60, 90, 120 minutes
    assert ">90</text>" in minutes
    assert ">Hours</text>" not in minutes
    assert ">Hours</text>" in hours
    assert ">2</text>" in hours
    assert ">Minutes</text>" not in hours


def test_a_long_category_label_takes_two_lines():
    svg = charts.category_bar_chart("Ages", ["Under 1 day", "7 to 30 days"], [("Open", [1, 2])])

    assert re.search(r'<tspan x="[\d.]+">Under</tspan><tspan x="[\d.]+" dy="1.15em">1 day<', svg)
    assert re.search(r'<tspan x="[\d.]+">7 to 30</tspan><tspan x="[\d.]+" dy="1.15em">days<', svg)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (1200, "20 min"),
        (3600, "1 h"),
        (12000, "3 h 20 min"),
        (529920, "6 d 3 h"),
        (2 * 86400, "2 d"),
    ],
)
def test_durations_for_people(seconds, text):
    assert charts.format_duration(seconds) == text


def test_shares_for_people():
    assert charts.format_share(2 / 7) == "28.6 %"
