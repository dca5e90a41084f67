"""Similar-threads latency and quality on an imported data set (see docs/benchmarks.md).

Run against a database holding the benchmark community, e.g.:

    DATABASE_URL=postgres://.../bench_100k .venv/bin/python manage.py shell \\
        < scripts/bench_similar.py

60 random titles, their words shuffled (and, second pass, two words dropped), are given
to similar_questions as an anonymous viewer; prints the median and p95 time and how
often the original thread is in the top 5.
"""

import random
import statistics
import time

from django.contrib.auth.models import AnonymousUser

from qa.models import Question
from qa.search import similar_questions

random.seed(7)
SAMPLE = list(Question.objects.order_by("?").values_list("pk", "title")[:60])
ANONYMOUS = AnonymousUser()


def run(*, drop: bool) -> None:
    times, hits = [], 0
    for pk, title in SAMPLE:
        words = title.split()
        random.shuffle(words)
        if drop and len(words) > 4:
            words = words[:-2]
        start = time.perf_counter()
        found = similar_questions(viewer=ANONYMOUS, title=" ".join(words))
        times.append((time.perf_counter() - start) * 1000)
        hits += pk in [s.question.pk for s in found[:5]]
    times.sort()
    p95 = times[int(len(times) * 0.95)]
    print(
        f"two words dropped={drop}: median {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, original in the top 5 for {hits}/{len(SAMPLE)}"
    )


similar_questions(viewer=ANONYMOUS, title="warm up the cache")
run(drop=False)
run(drop=True)
