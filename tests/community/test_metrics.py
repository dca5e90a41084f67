"""Community health figures (community.metrics and GET /api/v1/metrics/community/).

The fixture community, range [2026-03-02 00:00, 2026-03-16 00:00) UTC, two ISO weeks;
"unanswered after 7 days" looks at threads created before until - 7 days = 2026-03-09.
Each thread's first human response, in seconds after it was asked:

  t1  03-02 00:00 (exactly at since: in)  newcomer   answer by another  +1 h     3 600
  t2  03-02 12:00                          newcomer   only the asker's own answer and
                                                      comment: still waiting
  t3  03-03 00:00  tag orm                 returning  a hidden answer +30 min (does not
                                                      count), then a comment by another
                                                      on the question  +2 h    7 200
  t4  03-04 00:00                          newcomer   a mentor's claim  +30 h  108 000
                                                      (answer by another at +100 h)
  t10 03-05 00:00                          returning  the asker's own claim +1 min (does
                                                      not count), answer +8 days  691 200
  t5  03-10 00:00                          returning  a comment by another on the
                                                      asker's own answer  +80 h  288 000
  t9  03-12 00:00                          newcomer   nothing: still waiting
  out: a thread created exactly at until, one a second before since, a hidden thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from community import metrics
from mentoring.models import Claim
from qa.models import Question
from qa.services import comment_post, post_visibility_set
from tests.factories import TagFactory, UserFactory, answer, api, question

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
URL = "/api/v1/metrics/community/"
H = dt.timedelta(hours=1)


def _at(moment: dt.datetime) -> dict[str, Any]:
    return {"created_at": moment}


def _thread(created: dt.datetime, *, returning: bool = False, tag: str = "django") -> Question:
    asker = UserFactory()
    if returning:
        asker.date_joined = created - dt.timedelta(days=400)
        asker.save(update_fields=["date_joined"])
    thread = question(author=asker, tags=[TagFactory(name=tag)])
    Question.objects.filter(pk=thread.pk).update(created_at=created)
    thread.created_at = created
    return thread


def _answer(thread: Question, after: dt.timedelta, author: Any = None, hidden: bool = False) -> Any:
    reply = answer(question_obj=thread, author=author)
    type(reply).objects.filter(pk=reply.pk).update(created_at=thread.created_at + after)
    if hidden:
        post_visibility_set(post=reply, hidden=True)
    return reply


def _comment(thread: Question, after: dt.timedelta, author: Any = None, **on: Any) -> None:
    remark = comment_post(author=author or UserFactory(), body="Which version?", **on)
    type(remark).objects.filter(pk=remark.pk).update(created_at=thread.created_at + after)


def _claim(thread: Question, after: dt.timedelta, mentor: Any = None) -> None:
    Claim.objects.create(
        question=thread,
        mentor=mentor or UserFactory(),
        created_at=thread.created_at + after,
        reply_due_at=thread.created_at + after + 4 * H,
    )


@pytest.fixture
def community() -> dict[str, Question]:
    TagFactory(name="orm", slug="orm-queries")
    t1 = _thread(SINCE)
    _answer(t1, H)

    t2 = _thread(SINCE + 12 * H)
    own = _answer(t2, 10 * dt.timedelta(minutes=1), author=t2.author)
    _comment(t2, 11 * dt.timedelta(minutes=1), author=t2.author, question=t2)
    _comment(t2, 12 * dt.timedelta(minutes=1), author=t2.author, answer=own)

    t3 = _thread(SINCE + 24 * H, returning=True, tag="orm")
    _answer(t3, dt.timedelta(minutes=30), hidden=True)
    _comment(t3, 2 * H, question=t3)

    t4 = _thread(SINCE + 48 * H)
    _claim(t4, 30 * H)
    _answer(t4, 100 * H)

    t10 = _thread(SINCE + 72 * H, returning=True)
    _claim(t10, dt.timedelta(minutes=1), mentor=t10.author)
    _answer(t10, dt.timedelta(days=8))

    t5 = _thread(SINCE + dt.timedelta(days=8), returning=True)
    own5 = _answer(t5, H, author=t5.author)
    _comment(t5, 80 * H, answer=own5)

    t9 = _thread(SINCE + dt.timedelta(days=10))

    at_until = _thread(UNTIL)
    _answer(at_until, dt.timedelta(seconds=1))
    _thread(SINCE - dt.timedelta(seconds=1))
    hidden = _thread(SINCE + H)
    post_visibility_set(post=hidden, hidden=True)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t9": t9, "t10": t10}


def _figures(health: metrics.CommunityHealth) -> dict[str, Any]:
    return {figure.name: figure.value for figure in health.figures}


def test_figures_over_the_whole_range(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    # Responded waits, sorted: 3600, 7200, 108000, 288000, 691200 (n = 5).
    # p50: position 0.5 * 4 = 2 -> 108000.
    # p90: position 0.9 * 4 = 3.6 -> 288000 + 0.6 * (691200 - 288000) = 529920.
    # Within 24 h (86400 s): t1, t3 -> 2 of 7; within 72 h (259200 s): + t4 -> 3 of 7.
    # Unanswered after 7 days (created before 03-09): t2, t3 (hidden answer only), t10
    # (answered after 8 days) -> 3; t1 and t4 were answered in time.
    assert _figures(health) == {
        "threads": 7,
        "responded": 5,
        "waiting": 2,
        "first_response_p50": 108000.0,
        "first_response_p90": pytest.approx(529920.0),
        "responded_within_24h": pytest.approx(2 / 7),
        "responded_within_72h": pytest.approx(3 / 7),
        "unanswered_after_7_days": 3,
    }
    # Week of 03-02: t1, t2, t3, t4, t10; week of 03-09: t5, t9.
    assert health.weeks == [
        metrics.Week(week_start=dt.date(2026, 3, 2), count=5),
        metrics.Week(week_start=dt.date(2026, 3, 9), count=2),
    ]
    assert {figure.unit for figure in health.figures} == {"threads", "seconds", "share"}
    assert all(figure.definition.endswith(".") for figure in health.figures)


@pytest.mark.parametrize("tag", ["orm", "orm-queries"])
def test_tag_filter_by_name_or_slug(community, tag):
    health = metrics.community_health(since=SINCE, until=UNTIL, tag=tag, now=NOW)
    # Only t3: one wait of 7200 s, within 24 h; no public answer, so unanswered.
    assert _figures(health) == {
        "threads": 1,
        "responded": 1,
        "waiting": 0,
        "first_response_p50": 7200.0,
        "first_response_p90": 7200.0,
        "responded_within_24h": 1.0,
        "responded_within_72h": 1.0,
        "unanswered_after_7_days": 1,
    }
    assert [week.count for week in health.weeks] == [1, 0]


def test_newcomer_filter(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, asker="newcomer", now=NOW)
    # t1, t2, t4, t9. Waits 3600, 108000: p50 = (3600 + 108000) / 2 = 55800;
    # p90: position 0.9 -> 3600 + 0.9 * 104400 = 97560. Within 24 h: t1 (1 of 4);
    # within 72 h: t1, t4 (2 of 4). Unanswered after 7 days: t2.
    assert _figures(health) == {
        "threads": 4,
        "responded": 2,
        "waiting": 2,
        "first_response_p50": 55800.0,
        "first_response_p90": pytest.approx(97560.0),
        "responded_within_24h": 0.25,
        "responded_within_72h": 0.5,
        "unanswered_after_7_days": 1,
    }


def test_returning_filter(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, asker="returning", now=NOW)
    # t3, t10, t5. Waits 7200, 288000, 691200: p50 = 288000;
    # p90: position 1.8 -> 288000 + 0.8 * 403200 = 610560. Within 24 h: t3 (1 of 3);
    # within 72 h: still t3 (t5 waited 80 h). Unanswered after 7 days: t3, t10.
    assert _figures(health) == {
        "threads": 3,
        "responded": 3,
        "waiting": 0,
        "first_response_p50": 288000.0,
        "first_response_p90": pytest.approx(610560.0),
        "responded_within_24h": pytest.approx(1 / 3),
        "responded_within_72h": pytest.approx(1 / 3),
        "unanswered_after_7_days": 2,
    }


def test_no_threads_gives_zero_counts_and_no_shares(db):
    health = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    assert _figures(health) == {
        "threads": 0,
        "responded": 0,
        "waiting": 0,
        "first_response_p50": None,
        "first_response_p90": None,
        "responded_within_24h": None,
        "responded_within_72h": None,
        "unanswered_after_7_days": 0,
    }


def test_unanswered_counts_only_threads_seven_days_old_at_now(community):
    # Now 03-09 12:00, before until: only threads created before 03-02 12:00 count,
    # i.e. t1 (answered after 1 h): none unanswered; t2 was created exactly at the limit.
    now = SINCE + dt.timedelta(days=7, hours=12)
    health = metrics.community_health(since=SINCE, until=UNTIL, now=now)
    assert _figures(health)["unanswered_after_7_days"] == 0


def test_the_python_figures_match_postgresql(community):
    threads = metrics.threads_with_responses().filter(created_at__gte=SINCE, created_at__lt=UNTIL)
    answered_by = UNTIL - dt.timedelta(days=7)
    assert metrics._summary_in_python(threads, answered_by=answered_by) == (
        metrics._summary_in_sql(threads, answered_by=answered_by)
    )


def test_percentile_cont_interpolates_linearly():
    assert metrics.percentile_cont([], 0.5) is None
    assert metrics.percentile_cont([5.0], 0.9) == 5.0
    # Sorted 10, 20, 30, 40: position 0.5 * 3 = 1.5 -> 20 + 0.5 * 10 = 25.
    assert metrics.percentile_cont([40.0, 10.0, 30.0, 20.0], 0.5) == 25.0
    # Position 0.9 * 3 = 2.7 -> 30 + 0.7 * 10 = 37.
    assert metrics.percentile_cont([40.0, 10.0, 30.0, 20.0], 0.9) == pytest.approx(37.0)
    assert metrics.percentile_cont([1.0, 2.0, 3.0], 0.5) == 2.0
    assert metrics.percentile_cont([1.0, 2.0, 3.0], 0.0) == 1.0
    assert metrics.percentile_cont([1.0, 2.0, 3.0], 1.0) == 3.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        metrics.percentile_cont([1.0], 1.5)


def test_summary_from_rows_counts_waiting_threads_against_the_shares():
    created = SINCE
    rows = [
        (created, (created + H, None, None, None)),
        (created, (None, None, None, created + 30 * H)),
        (created, (None, None, None, None)),
        (created, (created + dt.timedelta(days=8), created + 50 * H, None, None)),
    ]
    summary = metrics.summary_from_rows(rows, answered_by=created + dt.timedelta(seconds=1))
    # Waits 3600, 108000, 180000: p50 108000; p90 position 1.8 -> 108000 + 0.8 * 72000.
    # Within 24 h: the first; within 72 h: all three that responded, of 4 threads.
    # Unanswered: all but the first (a claim, a comment or a late answer is no answer).
    assert summary == metrics._Summary(
        threads=4, responded=3, within=(1, 3), p50=108000.0, p90=165600.0, unanswered=3
    )


def test_staff_only(community):
    params = {"since": "2026-03-02", "until": "2026-03-16"}
    assert api().get(URL, params).status_code in {401, 403}
    assert api(UserFactory()).get(URL, params).status_code == 403
    assert api(UserFactory(is_staff=True)).get(URL, params).status_code == 200


def test_api_answers_every_figure_with_its_definition(community):
    body = (
        api(UserFactory(is_staff=True))
        .get(URL, {"since": "2026-03-02", "until": "2026-03-16T00:00:00Z", "tag": "orm"})
        .json()
    )
    assert body["since"] == "2026-03-02T00:00:00Z"
    assert body["until"] == "2026-03-16T00:00:00Z"
    assert body["tag"] == "orm"
    assert body["asker"] is None
    by_name = {figure["name"]: figure for figure in body["figures"]}
    assert by_name["first_response_p50"]["value"] == 7200.0
    assert by_name["first_response_p50"]["unit"] == "seconds"
    assert by_name["responded_within_24h"]["unit"] == "share"
    assert by_name["threads"] == {
        "name": "threads",
        "unit": "threads",
        "value": 1.0,
        "definition": "Public threads created in the range.",
    }
    assert body["weeks"] == [
        {"week_start": "2026-03-02", "count": 1},
        {"week_start": "2026-03-09", "count": 0},
    ]


def test_api_filters_by_asker(community):
    staff = api(UserFactory(is_staff=True))
    body = staff.get(
        URL, {"since": "2026-03-02", "until": "2026-03-16", "asker": "returning"}
    ).json()
    assert {f["name"]: f["value"] for f in body["figures"]}["threads"] == 3


def test_api_defaults_to_the_last_30_days(db):
    body = api(UserFactory(is_staff=True)).get(URL).json()
    since = dt.datetime.fromisoformat(body["since"])
    until = dt.datetime.fromisoformat(body["until"])
    assert until - since == dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-03-16", "until": "2026-03-16"}, "since"),
        ({"since": "2026-03-17", "until": "2026-03-16"}, "since"),
        ({"since": "2025-01-01", "until": "2026-03-16"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30"}, "until"),
        ({"until": "0001-01-01"}, "until"),
        ({"asker": "veteran"}, "asker"),
        ({"tag": "x" * 101}, "tag"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(db, params, field):
    response = api(UserFactory(is_staff=True)).get(URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_400_days_is_allowed(db):
    response = api(UserFactory(is_staff=True)).get(
        URL, {"since": "2025-02-09", "until": "2026-03-16"}
    )
    assert response.status_code == 200


def _more_threads(count: int) -> None:
    for n in range(count):
        thread = _thread(SINCE + n * H, returning=n % 2 == 0)
        _answer(thread, 2 * H)
        _comment(thread, H, question=thread)
        _claim(thread, 3 * H)


@pytest.mark.parametrize(
    ("asker", "queries"),
    # Two: the figures and the weeks; with an asker, two more: the askers, then
    # newcomer_ids' accounts, and (newcomers found) their solved threads and accepted answers.
    [(None, 2), ("newcomer", 6), ("returning", 6)],
)
def test_query_count_does_not_grow_with_threads(
    community, django_assert_num_queries, asker, queries
):
    staff = api(UserFactory(is_staff=True))
    params = {"since": "2026-03-02", "until": "2026-03-16", **({"asker": asker} if asker else {})}
    with django_assert_num_queries(queries):
        assert staff.get(URL, params).status_code == 200
    _more_threads(12)
    with django_assert_num_queries(queries):
        assert staff.get(URL, params).status_code == 200
