"""The simulated community (community.simulation, manage.py simulate_community): it
writes through the real services at simulated times, is the same run for the same seed,
and shows what more mentors do to the first response."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.simulation import SimulationConfig, SimulationResult, simulate
from mentoring.models import Claim, Exclusion, Feedback, MentorProfile, Offer
from qa.models import Answer, Comment, Question
from tests.factories import question

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 1, 7, tzinfo=dt.UTC)  # a Monday
SHORT = SimulationConfig(
    days=3, mentors=4, newcomers=12, questions_per_day=6, seed=12, prefix="simt", start=START
)
# The timers every three simulated hours instead of every hour: a third of the time.
FAST = dataclasses.replace(SHORT, timer_minutes=180)


def _figures(result: SimulationResult) -> dict[str, object]:
    return {figure.name: figure.value for figure in result.health.figures}


def _fresh_run(config: SimulationConfig) -> SimulationResult:
    """A run in its own savepoint, undone afterwards: the next run finds fresh data."""
    with transaction.atomic():
        result = simulate(config)
        transaction.set_rollback(True)
    return result


def _assert_written_at_simulated_times(result: SimulationResult) -> None:
    since, until = result.since, result.until
    assert (since, until) == (START, START + dt.timedelta(days=3))
    counts = result.counts
    assert counts["mentors"] == 4
    assert counts["threads"] >= 10
    assert counts["claims"] > 0
    assert counts["answers"] > 0
    assert counts["offers"] > 0
    assert counts["accepted"] > 0
    rows = {
        "questions": Question.objects.values_list("created_at", flat=True),
        "answers": Answer.objects.values_list("created_at", flat=True),
        "comments": Comment.objects.values_list("created_at", flat=True),
        "claims": Claim.objects.values_list("created_at", flat=True),
        "claims ended": Claim.objects.exclude(ended_at=None).values_list("ended_at", flat=True),
        "first replies": Claim.objects.exclude(first_reply_at=None).values_list(
            "first_reply_at", flat=True
        ),
        "offers": Offer.objects.values_list("created_at", flat=True),
        "exclusions": Exclusion.objects.values_list("created_at", flat=True),
        "ratings": Feedback.objects.values_list("created_at", flat=True),
        "approvals": MentorProfile.objects.values_list("approved_at", flat=True),
    }
    for name, moments in rows.items():
        moments = list(moments)
        assert moments, name
        assert all(since <= moment < until for moment in moments), name
    # Newcomers joined before or during the range, never at the wall-clock time.
    joined = User.objects.filter(username__startswith="simt-newcomer-").values_list(
        "date_joined", flat=True
    )
    assert all(moment < until for moment in joined)
    # Mentors replied, and the timers marked it on their claims at the simulated time.
    replied = Claim.objects.exclude(first_reply_at=None)
    assert replied.exists()
    assert all(c.created_at <= c.first_reply_at < until for c in replied)
    assert result.health.figure("threads").value == counts["threads"]
    assert result.other_threads == 0


def test_short_run_writes_at_simulated_times_and_the_same_seed_repeats_it():
    """One test for both, to run the simulation twice rather than three times."""
    real_now = timezone.now
    with transaction.atomic():
        first = simulate(FAST)
        assert timezone.now is real_now  # the simulated clock is gone after the run
        _assert_written_at_simulated_times(first)
        transaction.set_rollback(True)
    assert not Question.objects.exists()  # rolled back: the second run starts afresh
    second = _fresh_run(FAST)
    assert first.counts == second.counts
    figures = _figures(first)
    assert figures["first_response_p50"] is not None
    assert figures == _figures(second)


def test_more_mentors_answer_faster():
    # The same questions at the same times (the seed), capacity enough for one mentor to
    # answer more than a handful.
    one = _fresh_run(dataclasses.replace(FAST, mentors=1, mentor_capacity=4))
    six = _fresh_run(dataclasses.replace(FAST, mentors=6, mentor_capacity=4))
    assert one.counts["threads"] == six.counts["threads"]
    one_p50 = one.health.figure("first_response_p50").value
    six_p50 = six.health.figure("first_response_p50").value
    assert one_p50 is not None
    assert six_p50 is not None
    assert six_p50 < one_p50
    assert six.health.figure("responded").value > one.health.figure("responded").value


def test_command_prints_the_figures_as_a_table(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command(
        "simulate_community",
        "--days=1",
        "--mentors=3",
        "--newcomers=4",
        "--questions-per-day=6",
        "--seed=3",
        "--start=2030-03-04",
        stdout=out,
    )
    text = out.getvalue()
    lines = text.splitlines()
    assert "Simulated 1 days, 2030-03-04 00:00 to 2030-03-05 00:00 UTC" in text
    assert "names starting sim-" in text
    header = next(i for i, line in enumerate(lines) if line.startswith("figure"))
    table = lines[header : header + 2 + len(simulated_figure_names())]
    widths = {len(line) for line in table}
    assert len(widths) == 1  # aligned: every row as wide as the header
    rows = {line.split()[0]: line for line in table[2:]}
    assert set(rows) == set(simulated_figure_names())
    assert rows["threads"].rstrip().endswith("threads")
    assert rows["first_response_p50"].rstrip().endswith(("min", " s", "none"))
    assert rows["responded_within_24h"].rstrip().endswith("%")
    assert lines[-1].startswith("Took ")
    # A second run on the same database takes the next prefix and a later range.
    later = io.StringIO()
    call_command("simulate_community", "--days=1", "--mentors=1", "--newcomers=1", stdout=later)
    assert "names starting sim2-" in later.getvalue()


def simulated_figure_names() -> list[str]:
    from community.metrics import community_health

    moment = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    return [f.name for f in community_health(since=moment, until=moment, now=moment).figures]


def test_command_refuses_with_debug_off_unless_confirmed(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--yes"):
        call_command("simulate_community", "--days=1")
    assert not User.objects.exists()


def test_command_refuses_a_start_before_existing_activity(settings):
    settings.DEBUG = True
    thread = question()
    Question.objects.filter(pk=thread.pk).update(
        last_activity_at=dt.datetime(2030, 3, 5, tzinfo=dt.UTC)
    )
    with pytest.raises(CommandError, match="after the start"):
        call_command("simulate_community", "--days=1", "--start=2030-03-04")
    assert not User.objects.filter(username__startswith="sim-").exists()
