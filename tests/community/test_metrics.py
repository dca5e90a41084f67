"""Community health figures (community.metrics and GET /api/v1/metrics/community/).

The fixture community, range [2026-03-02 00:00, 2026-03-16 00:00) UTC, two ISO weeks;
"unanswered after 7 days" looks at threads created before until - 7 days = 2026-03-09.
Each thread's first human response, in seconds after it was asked:

  t1  03-02 00:00 (exactly at since: in)  newcomer   answer by X  +1 h           3 600
                                                      accepted at +5 h
  t2  03-02 12:00                          newcomer   only the asker's own answer and
                                                      comment: still waiting
  t3  03-03 00:00  tag orm                 returning  a hidden answer +30 min (does not
                                                      count), then a comment by mentor
                                                      M2 on the question  +2 h    7 200
  t4  03-04 00:00                          newcomer   mentor M1's claim  +30 h  108 000
                                                      (M1 replies +31 h, answers +100 h,
                                                      accepted at +120 h, rated great;
                                                      offered to M1, and to M2 who declined)
  t10 03-05 00:00                          returning  the asker's own claim +1 min (does
                                                      not count), X answers +8 days 691 200
  t5  03-10 00:00                          returning  a comment by another on the
                                                      asker's own answer  +80 h  288 000
                                                      (M2's claim at +100 h expired)
  t9  03-12 00:00                          newcomer   nothing: still waiting; offered to
                                                      M1 who declined; escalated with no
                                                      eligible mentor (tag django)
  out: a thread created exactly at until, one a second before since, a hidden thread.

Every asker's first question is their thread here. t1's asker asks again on 03-22 and
t3's asker answers someone else's thread on 03-10 (both within 30 days: they came back);
t9's asker asks again 31 days later (too late). Own-thread answers do not count.

Ask-flow drafts started in the range: one posted, one discarded and one left open for
over a day after opening a solved thread (deflected), one left open without; and one
started before the range.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from community import metrics
from mentoring.models import Claim, Escalation, Feedback, Offer
from qa.models import AskDraft, Question
from qa.services import answer_accept, comment_post, post_visibility_set
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

SINCE = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
URL = "/api/v1/metrics/community/"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def _moments_recomputed() -> None:
    """The fixture moves posts and claims back in time after the services wrote them, and
    writes claims directly: the threads' first-response moments are recomputed from
    what is there (tests/qa/test_thread_moments.py checks that the services keep them)."""
    moments_recomputed()


def _thread(
    created: dt.datetime, *, returning: bool = False, tag: str = "django", asker: Any = None
) -> Question:
    asker = asker or UserFactory()
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


def _claim(thread: Question, after: dt.timedelta, mentor: Any = None, **fields: Any) -> Claim:
    return Claim.objects.create(
        question=thread,
        mentor=mentor or UserFactory(),
        created_at=thread.created_at + after,
        reply_due_at=thread.created_at + after + 4 * H,
        **fields,
    )


def _accept(reply: Any, after: dt.timedelta) -> None:
    thread = reply.question
    answer_accept(user=thread.author, answer=reply, now=thread.created_at + after)


def _offer(thread: Question, mentor: Any, declined: bool = False) -> None:
    Offer.objects.create(
        question=thread,
        mentor=mentor,
        wave=1,
        score=1.0,
        created_at=thread.created_at + H,
        declined_at=thread.created_at + 2 * H if declined else None,
    )


def _draft(started: dt.datetime, status: str, *, opened_solved: bool = False) -> None:
    AskDraft.objects.create(
        author=UserFactory(),
        status=status,
        opened_solved=opened_solved,
        started_at=started,
        updated_at=started + H,
    )


@pytest.fixture
def community() -> dict[str, Question]:
    TagFactory(name="orm", slug="orm-queries")
    m1 = approved_mentor()
    m2 = approved_mentor()
    x = UserFactory()

    t1 = _thread(SINCE)
    _accept(_answer(t1, H, author=x), 5 * H)

    t2 = _thread(SINCE + 12 * H)
    own = _answer(t2, 10 * dt.timedelta(minutes=1), author=t2.author)
    _comment(t2, 11 * dt.timedelta(minutes=1), author=t2.author, question=t2)
    _comment(t2, 12 * dt.timedelta(minutes=1), author=t2.author, answer=own)

    t3 = _thread(SINCE + 24 * H, returning=True, tag="orm")
    _answer(t3, dt.timedelta(minutes=30), hidden=True)
    _comment(t3, 2 * H, author=m2, question=t3)

    t4 = _thread(SINCE + 48 * H)
    claim = _claim(t4, 30 * H, mentor=m1, first_reply_at=t4.created_at + 31 * H)
    _accept(_answer(t4, 100 * H, author=m1), 120 * H)
    Feedback.objects.create(claim=claim, rating=Feedback.Rating.GREAT)
    _offer(t4, m1)
    _offer(t4, m2, declined=True)

    t10 = _thread(SINCE + 72 * H, returning=True)
    _claim(t10, dt.timedelta(minutes=1), mentor=t10.author)
    _answer(t10, dt.timedelta(days=8), author=x)

    t5 = _thread(SINCE + 8 * D, returning=True)
    own5 = _answer(t5, H, author=t5.author)
    _comment(t5, 80 * H, answer=own5)
    _claim(t5, 100 * H, mentor=m2, state=Claim.State.EXPIRED)

    t9 = _thread(SINCE + 10 * D)
    _offer(t9, m1, declined=True)
    Escalation.objects.create(question=t9, eligible_mentors=0, reason="No mentor")
    Escalation.objects.create(question=t2, eligible_mentors=3, reason="Nobody took it")

    at_until = _thread(UNTIL)
    _answer(at_until, dt.timedelta(seconds=1))
    before = _thread(SINCE - dt.timedelta(seconds=1))
    hidden = _thread(SINCE + H)
    post_visibility_set(post=hidden, hidden=True)

    # Coming back, or not.
    _thread(SINCE + 20 * D, asker=t1.author)
    _answer(before, 8 * D + H, author=t3.author)
    _thread(t9.created_at + 31 * D, asker=t9.author)

    _draft(SINCE + H, AskDraft.Status.POSTED)
    _draft(SINCE + 2 * H, AskDraft.Status.DISCARDED, opened_solved=True)
    _draft(SINCE + 3 * D, AskDraft.Status.OPEN, opened_solved=True)
    _draft(SINCE + 13 * D, AskDraft.Status.OPEN)
    _draft(SINCE - H, AskDraft.Status.DISCARDED, opened_solved=True)
    _moments_recomputed()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t9": t9, "t10": t10}


def _figures(health: metrics.CommunityHealth, *names: str) -> dict[str, Any]:
    values = {figure.name: figure.value for figure in health.figures}
    return {name: values[name] for name in names} if names else values


RESPONSE = (
    "threads",
    "responded",
    "waiting",
    "first_response_p50",
    "first_response_p90",
    "responded_within_24h",
    "responded_within_72h",
    "unanswered_after_7_days",
)


def test_every_figure_over_the_whole_range(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    # Responded waits, sorted: 3600, 7200, 108000, 288000, 691200 (n = 5).
    # p50: position 0.5 * 4 = 2 -> 108000.
    # p90: position 0.9 * 4 = 3.6 -> 288000 + 0.6 * (691200 - 288000) = 529920.
    # Within 24 h (86400 s): t1, t3 -> 2 of 7; within 72 h (259200 s): + t4 -> 3 of 7.
    # Unanswered after 7 days (created before 03-09): t2, t3 (hidden answer only), t10
    # (answered after 8 days) -> 3; t1 and t4 were answered in time.
    # Claimed by a mentor: t4 +30 h (108000), t5 +100 h (360000): p50 234000;
    # p90 108000 + 0.9 * 252000 = 334800. Accepted: t1 +5 h (18000), t4 +120 h
    # (432000): p50 225000, p90 18000 + 0.9 * 414000 = 390600.
    # Open now: t2, t3, t10, t5, t9. Claims (not the asker's own): t4's, t5's (expired).
    # Offers: 3, 2 declined. M1 replied 1 h after claiming. One rating, great.
    # Unserved: django (t9). Answers by others: X twice (t1, t10), M1 once (t4): X alone
    # gave half. New askers: 7, all measured; back within 30 days: t1's, t3's.
    # Active mentors: M1 (claim, answer) and M2 (comment, claim). Drafts: 4 in the
    # range, 1 posted, 2 left after opening a solved thread.
    assert _figures(health) == {
        "threads": 7,
        "responded": 5,
        "waiting": 2,
        "first_response_p50": 108000.0,
        "first_response_p90": pytest.approx(529920.0),
        "responded_within_24h": pytest.approx(2 / 7),
        "responded_within_72h": pytest.approx(3 / 7),
        "unanswered_after_7_days": 3,
        "claimed": 2,
        "first_claim_p50": 234000.0,
        "first_claim_p90": pytest.approx(334800.0),
        "accepted": 2,
        "accepted_answer_p50": 225000.0,
        "accepted_answer_p90": pytest.approx(390600.0),
        "open_threads": 5,
        "claims": 2,
        "claims_expired": 1,
        "offers": 3,
        "offers_declined": 2,
        "mentor_first_reply_p50": 3600.0,
        "ratings": 1,
        "rating_good_share": 1.0,
        "unserved_tags": 1,
        "answers": 3,
        "answerers": 2,
        "answer_concentration": 1,
        "new_askers": 7,
        "newcomer_retention": pytest.approx(2 / 7),
        "active_mentors": 2,
        "drafts_started": 4,
        "drafts_posted": 1,
        "ask_deflection": 0.5,
    }
    assert all(figure.definition.endswith(".") for figure in health.figures)
    assert [(bucket.min_days, bucket.threads) for bucket in health.open_by_age] == [
        (0, 0),
        (1, 0),
        (3, 0),
        (7, 0),
        (30, 5),
    ]
    assert health.unserved_tags == [metrics.UnservedTag(tag="django", threads=1, mentors=2)]
    assert {rating.rating: rating.count for rating in health.ratings} == {
        "great": 1,
        "good": 0,
        "acceptable": 0,
        "problematic": 0,
    }


def test_weeks(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    # Week of 03-02: t1, t2, t3, t4, t10; within 24 h: t1, t3. Waits 3600, 7200, 108000,
    # 691200: p50 (7200 + 108000) / 2 = 57600; p90 position 2.7 -> 108000 + 0.7 * 583200.
    # Claim: t4 108000. Accepted: t1 18000, t4 432000 -> 225000. Mentors: M1, M2.
    # Declined: M2 on t4. Week of 03-09: t5, t9; t5 288000; claim t5 360000 (expired);
    # M2 claimed; M1 declined t9.
    assert health.weeks == [
        metrics.Week(
            week_start=dt.date(2026, 3, 2),
            questions=5,
            responded_within_24h=0.4,
            first_response_p50=57600.0,
            first_response_p90=pytest.approx(516240.0),
            first_claim_p50=108000.0,
            accepted_answer_p50=225000.0,
            active_mentors=2,
            claims_expired=0,
            offers_declined=1,
        ),
        metrics.Week(
            week_start=dt.date(2026, 3, 9),
            questions=2,
            responded_within_24h=0.0,
            first_response_p50=288000.0,
            first_response_p90=288000.0,
            first_claim_p50=360000.0,
            accepted_answer_p50=None,
            active_mentors=1,
            claims_expired=1,
            offers_declined=1,
        ),
    ]


def test_open_threads_by_age_now(community):
    # At 03-12 12:00: t9 is half a day old, t5 two and a half days, t10, t3 and t2 seven
    # and a half to ten days; t1 and t4 are solved.
    now = SINCE + 10 * D + 12 * H
    health = metrics.community_health(since=SINCE, until=UNTIL, now=now)
    assert [bucket.threads for bucket in health.open_by_age] == [1, 1, 0, 3, 0]


def test_retention_waits_for_30_days(community):
    # At 04-05 only threads asked by 03-06 have had 30 days: t1, t2, t3, t4, t10; t1's
    # and t3's askers came back.
    now = dt.datetime(2026, 4, 5, tzinfo=dt.UTC)
    health = metrics.community_health(since=SINCE, until=UNTIL, now=now)
    assert _figures(health, "new_askers", "newcomer_retention") == {
        "new_askers": 7,
        "newcomer_retention": 0.4,
    }


@pytest.mark.parametrize("tag", ["orm", "orm-queries"])
def test_tag_filter_by_name_or_slug(community, tag):
    health = metrics.community_health(since=SINCE, until=UNTIL, tag=tag, now=NOW)
    # Only t3: one wait of 7200 s, within 24 h; no public answer, so unanswered. M2
    # commented on it; nothing else happened.
    assert _figures(health) | {"drafts_started": None} == {
        "threads": 1,
        "responded": 1,
        "waiting": 0,
        "first_response_p50": 7200.0,
        "first_response_p90": 7200.0,
        "responded_within_24h": 1.0,
        "responded_within_72h": 1.0,
        "unanswered_after_7_days": 1,
        "claimed": 0,
        "first_claim_p50": None,
        "first_claim_p90": None,
        "accepted": 0,
        "accepted_answer_p50": None,
        "accepted_answer_p90": None,
        "open_threads": 1,
        "claims": 0,
        "claims_expired": 0,
        "offers": 0,
        "offers_declined": 0,
        "mentor_first_reply_p50": None,
        "ratings": 0,
        "rating_good_share": None,
        "unserved_tags": 0,
        "answers": 0,
        "answerers": 0,
        "answer_concentration": 0,
        "new_askers": 1,
        "newcomer_retention": 1.0,
        # The drafts have no tag: they are the same whatever the filter.
        "drafts_started": None,
        "drafts_posted": 1,
        "ask_deflection": 0.5,
        "active_mentors": 1,
    }
    assert [week.questions for week in health.weeks] == [1, 0]
    assert [week.active_mentors for week in health.weeks] == [1, 0]


def test_an_asker_kind_nobody_is_gives_zero_threads(db):
    """asker=newcomer with only returning askers: no thread, no error (the filter on an
    empty list of askers matches nothing, and Django writes no SQL for it)."""
    _thread(SINCE + H, returning=True)
    health = metrics.community_health(since=SINCE, until=UNTIL, asker="newcomer", now=NOW)
    assert health.figure("threads").value == 0
    assert health.figure("first_response_p50").value is None
    assert [week.questions for week in health.weeks] == [0] * len(health.weeks)


def test_newcomer_filter(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, asker="newcomer", now=NOW)
    # t1, t2, t4, t9. Waits 3600, 108000: p50 = (3600 + 108000) / 2 = 55800;
    # p90: position 0.9 -> 3600 + 0.9 * 104400 = 97560. Within 24 h: t1 (1 of 4);
    # within 72 h: t1, t4 (2 of 4). Unanswered after 7 days: t2. Claimed: t4.
    # Answers by others: X on t1, M1 on t4: one member is half.
    assert _figures(health, *RESPONSE, "claimed", "answers", "answer_concentration") == {
        "threads": 4,
        "responded": 2,
        "waiting": 2,
        "first_response_p50": 55800.0,
        "first_response_p90": pytest.approx(97560.0),
        "responded_within_24h": 0.25,
        "responded_within_72h": 0.5,
        "unanswered_after_7_days": 1,
        "claimed": 1,
        "answers": 2,
        "answer_concentration": 1,
    }


def test_returning_filter(community):
    health = metrics.community_health(since=SINCE, until=UNTIL, asker="returning", now=NOW)
    # t3, t10, t5. Waits 7200, 288000, 691200: p50 = 288000;
    # p90: position 1.8 -> 288000 + 0.8 * 403200 = 610560. Within 24 h: t3 (1 of 3);
    # within 72 h: still t3 (t5 waited 80 h). Unanswered after 7 days: t3, t10.
    assert _figures(health, *RESPONSE, "claims_expired") == {
        "threads": 3,
        "responded": 3,
        "waiting": 0,
        "first_response_p50": 288000.0,
        "first_response_p90": pytest.approx(610560.0),
        "responded_within_24h": pytest.approx(1 / 3),
        "responded_within_72h": pytest.approx(1 / 3),
        "unanswered_after_7_days": 2,
        "claims_expired": 1,
    }


def test_no_threads_gives_zero_counts_and_no_shares(db):
    health = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    figures = _figures(health)
    for figure in health.figures:
        if figure.unit in {"seconds", "share"}:
            assert figure.value is None, figure.name
        else:
            assert figure.value == 0, figure.name
    assert figures["threads"] == 0
    assert [week.questions for week in health.weeks] == [0, 0]
    assert health.unserved_tags == []


def test_unanswered_counts_only_threads_seven_days_old_at_now(community):
    # Now 03-09 12:00, before until: only threads created before 03-02 12:00 count,
    # i.e. t1 (answered after 1 h): none unanswered; t2 was created exactly at the limit.
    now = SINCE + dt.timedelta(days=7, hours=12)
    health = metrics.community_health(since=SINCE, until=UNTIL, now=now)
    assert _figures(health)["unanswered_after_7_days"] == 0


def test_the_fallback_for_other_databases_gives_the_same_figures(community, monkeypatch):
    in_sql = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    monkeypatch.setattr(metrics, "_has_percentile_cont", lambda: False)
    in_python = metrics.community_health(since=SINCE, until=UNTIL, now=NOW)
    assert in_python == in_sql


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
    assert [(week["week_start"], week["questions"]) for week in body["weeks"]] == [
        ("2026-03-02", 1),
        ("2026-03-09", 0),
    ]
    assert body["unserved_tags"] == []
    assert body["open_by_age"][-1] == {
        "label": "Over 30 days",
        "min_days": 30,
        "max_days": None,
        "threads": 1,
    }


def test_api_values_equal_the_figures(community):
    body = (
        api(UserFactory(is_staff=True))
        .get(URL, {"since": "2026-03-02", "until": "2026-03-16"})
        .json()
    )
    health = metrics.community_health(since=SINCE, until=UNTIL)
    assert [(f["name"], f["unit"], f["value"]) for f in body["figures"]] == [
        (f.name, f.unit, None if f.value is None else float(f.value)) for f in health.figures
    ]


def test_a_range_in_another_time_zone(community):
    staff = api(UserFactory(is_staff=True))
    figures = staff.get(
        URL, {"since": "2026-03-02T08:00:00+08:00", "until": "2026-03-16T08:00:00+08:00"}
    ).json()
    assert figures["since"] == "2026-03-02T00:00:00Z"
    assert {f["name"]: f["value"] for f in figures["figures"]}["threads"] == 7
    # Midnight in Shanghai is 16:00 UTC the day before: the thread a second before
    # 03-02 00:00 UTC is in, the one at 03-16 00:00 UTC too.
    body = staff.get(
        URL, {"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-16T08:00:01+08:00"}
    ).json()
    assert {f["name"]: f["value"] for f in body["figures"]}["threads"] == 9


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
    # The start of the current minute: requests in that minute share one cache entry.
    assert (until.second, until.microsecond) == (0, 0)
    assert dt.timedelta(0) <= timezone.now() - until < dt.timedelta(minutes=1, seconds=5)


def test_api_requests_in_the_same_minute_compute_the_figures_once(db, django_assert_num_queries):
    client = api(UserFactory(is_staff=True))
    if timezone.now().second >= 55:
        time.sleep(6)  # both requests within one minute
    first = client.get(URL)
    with django_assert_num_queries(0):  # the figures from the cache, the user forced in
        second = client.get(URL)
    assert second.json() == first.json()


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
    _moments_recomputed()


@pytest.mark.parametrize(
    ("asker", "queries"),
    # Eleven: the thread figures overall and per week (one query), the mentors' first replies,
    # claims and offers per week, active mentors, unserved tags and their mentors,
    # answers per answerer, retention, and the drafts (two). With an asker, the askers,
    # then newcomer_ids' accounts and (newcomers found) their solved threads and accepted
    # answers; with returning askers t9 is out, so no unserved tag and no second query.
    [(None, 11), ("newcomer", 15), ("returning", 14)],
)
def test_query_count_does_not_grow_with_threads(
    community, django_assert_num_queries, asker, queries
):
    staff = api(UserFactory(is_staff=True))
    params = {"since": "2026-03-02", "until": "2026-03-16", **({"asker": asker} if asker else {})}
    with django_assert_num_queries(queries):
        assert staff.get(URL, params).status_code == 200
    _more_threads(12)
    cache.clear()
    with django_assert_num_queries(queries):
        assert staff.get(URL, params).status_code == 200


def test_the_figures_are_cached_briefly(community, django_assert_num_queries):
    staff = api(UserFactory(is_staff=True))
    params = {"since": "2026-03-02", "until": "2026-03-16"}
    first = staff.get(URL, params).json()
    with django_assert_num_queries(0):
        assert staff.get(URL, params).json() == first


def test_connections_run_without_jit_unless_the_url_asks(db):
    """JIT compilation cost seconds on the big aggregates (docs/benchmarks.md)."""
    from django.db import connection

    from community.settings import _database

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    asked = _database("postgres://u:p@db:5432/community?options=-c%20jit%3Don")
    assert asked["OPTIONS"]["options"] == "-c jit=on"


def test_the_api_gives_counts_as_integers_and_times_to_the_microsecond(db):
    """p90 of 1, 2, 3, 4 and 100 hours interpolates to 221,760 s exactly, without the
    floating-point noise below a microsecond; counts are integers."""
    for n, hours in enumerate([1, 2, 3, 4, 100]):
        _answer(_thread(SINCE + n * D), hours * H)
    moments_recomputed()
    body = api(UserFactory(is_staff=True)).get(URL, {"since": "2026-03-02", "until": "2026-03-16"})
    values = {figure["name"]: figure["value"] for figure in body.json()["figures"]}
    assert values["first_response_p50"] == 3 * 3600
    assert values["first_response_p90"] == 221_760
    assert values["threads"] == 5
    assert type(values["threads"]) is int
    assert type(values["first_response_p90"]) is float
