"""An honest wait estimate for askers: how long the first human response to a question
took here over the last 30 days (the median and the 90th percentile), from the community
health figures, and on how many threads that rests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from community import metrics
from community.digest import waiting
from qa.models import Question

WINDOW = dt.timedelta(days=30)
# Fewer threads with a response than this in the window, and no estimate is given.
MIN_RESPONDED = 10


@dataclass(frozen=True)
class WaitEstimate:
    asked: int  # public threads created in the window
    responded: int  # of those, the threads that had a first human response
    median: dt.timedelta | None
    p90: dt.timedelta | None

    @property
    def enough(self) -> bool:
        return self.responded >= MIN_RESPONDED and self.median is not None and self.p90 is not None


def _seconds(value: float | int | None) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(seconds=value)


def wait_estimate(*, now: dt.datetime | None = None) -> WaitEstimate:
    """The first-response times of the threads asked in the last 30 days.

    From metrics.cached_response_times: the window ends at the start of the current
    minute, so every page in that minute shares one cache entry (no query once cached).
    The percentiles are over the threads that had a response; `asked` says how many
    were asked in all, those still waiting included."""
    until = (now or timezone.now()).replace(second=0, microsecond=0)
    times = metrics.cached_response_times(since=until - WINDOW, until=until)
    return WaitEstimate(
        asked=times.threads,
        responded=times.responded,
        median=_seconds(times.p50),
        p90=_seconds(times.p90),
    )


def thread_is_waiting(*, question: Question) -> bool:
    """Whether the thread is open and public and has had no human response yet. One
    query."""
    return waiting().filter(pk=question.pk).exists()
