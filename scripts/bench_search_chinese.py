"""Chinese search among thousands of English threads: top-5 hit rate and latency.

    python3 ../shared/bench/make_dataset.py --questions 10000 > var/threads-10k.jsonl
    createdb -h 127.0.0.1 -p 54329 -U postgres bench_chinese
    DATABASE_URL=postgres://postgres@127.0.0.1:54329/bench_chinese DJANGO_SECRET_KEY=x \\
        EMAIL_URL=memorymail:// DJANGO_HTTPS=0 \\
        .venv/bin/python scripts/bench_search_chinese.py var/threads-10k.jsonl

(leave DATABASE_URL unset, with DJANGO_DEBUG=1, for the embedded SQLite database; give
--database-label to name it in the table). Migrates, imports the file when the database
holds fewer threads than it (import_threads, so through the bulk path), posts the
Chinese threads of tests/qa/chinese_threads.py through question_ask when they are not
there yet, then as an anonymous viewer:

- every short query of those threads (and the traditional and full-width ones):
  search_questions, the first page of 20 read; a hit when the thread is in the top 5;
- every reworded draft: similar_questions; a hit when the original is in the top 5.

Prints the figures and writes them into docs/benchmarks.md, in the section
"Chinese search", one row per database label (a second run replaces its row).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from qa.models import Question, Tag  # noqa: E402
from qa.search import search_questions, similar_questions  # noqa: E402
from qa.services import question_ask  # noqa: E402

# The data set the tests use, loaded by name: it is test code, outside the type-checked tree.
_threads = importlib.import_module("tests.qa.chinese_threads")
THREADS, TRADITIONAL_QUERIES = _threads.THREADS, _threads.TRADITIONAL_QUERIES
FULL_WIDTH_QUERIES = _threads.FULL_WIDTH_QUERIES
ANONYMOUS = AnonymousUser()
REPORT = BASE_DIR / "docs" / "benchmarks.md"
HEADING = "## Chinese search (`scripts/bench_search_chinese.py`)"


def prepare(dataset: Path | None) -> None:
    call_command("migrate", verbosity=0)
    if dataset is not None:
        lines = sum(1 for line in dataset.open("rb") if b'"type": "question"' in line)
        if Question.objects.count() < lines:
            call_command("import_threads", str(dataset), verbosity=0)
    asker, _ = User.objects.get_or_create(
        username="bench-chinese", defaults={"email": "bench-chinese@example.org"}
    )
    present = set(
        Question.objects.filter(title__in=[t.title for t in THREADS]).values_list(
            "title", flat=True
        )
    )
    for thread in THREADS:
        if thread.title in present:
            continue
        for name in thread.tags:
            Tag.objects.get_or_create(name=name, defaults={"slug": name})
        question_ask(
            author=asker, title=thread.title, body=thread.body, tags=list(thread.tags), limits=False
        )


def timed(call: Callable[[], list[str]]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    titles = call()
    return (time.perf_counter() - start) * 1000, titles


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure() -> dict[str, tuple[int, int, float, float]]:
    def search(query: str) -> list[str]:
        page = search_questions(viewer=ANONYMOUS, query=query).questions[:20]
        return [q.title for q in page]

    def similar(draft: str) -> list[str]:
        return [s.question.title for s in similar_questions(viewer=ANONYMOUS, title=draft)]

    search("预热")  # warm up the segmenter's dictionary and the connection
    cases = {
        "search, short Chinese queries": [(q, t.title) for t in THREADS for q in t.queries],
        "search, traditional and full-width queries": TRADITIONAL_QUERIES + FULL_WIDTH_QUERIES,
    }
    results: dict[str, tuple[int, int, float, float]] = {}
    for name, pairs in cases.items():
        times, hits = [], 0
        for query, title in pairs:
            ms, found = timed(partial(search, query))
            times.append(ms)
            hits += title in found[:5]
            if title not in found[:5]:
                print(f"missed: {query} → {title}; top 5: {found[:5]}")
        results[name] = (hits, len(pairs), statistics.median(times), percentile(times, 0.95))
    times, hits = [], 0
    for thread in THREADS:
        ms, found = timed(partial(similar, thread.draft))
        times.append(ms)
        hits += thread.title in found[:5]
        if thread.title not in found[:5]:
            print(f"missed draft: {thread.draft} → {thread.title}; top 5: {found[:5]}")
    results["similar threads, reworded drafts"] = (
        hits,
        len(THREADS),
        statistics.median(times),
        percentile(times, 0.95),
    )
    return results


def write_report(
    label: str, threads: int, results: dict[str, tuple[int, int, float, float]]
) -> None:
    text = REPORT.read_text()
    rows = [
        f"| {label} | {threads:,} | {name} | {hits}/{total} ({100 * hits / total:.0f}%) "
        f"| {p50:.0f} ms | {p95:.0f} ms |"
        for name, (hits, total, p50, p95) in results.items()
    ]
    start = text.find(HEADING)
    if start == -1:
        intro = textwrap.fill(
            "The Chinese threads of `tests/qa/chinese_threads.py` (40 real problems, some in"
            " traditional characters or full-width letters, most mixing in English"
            " identifiers) posted among the English threads of the benchmark community;"
            " each short query (one to three words as typed, 2-character words among"
            " them) is a hit when its thread is in the top 5, each reworded draft when"
            " similar threads list its original in the top 5. Anonymous viewer,"
            " in-process, the first page of 20 read. Machine: 2 cores shared with other"
            " work, PostgreSQL 15 on loopback.",
            width=88,
        )
        section = "\n".join(
            [
                HEADING,
                "",
                intro,
                "",
                "| database | threads | what | top 5 | p50 | p95 |",
                "|---|---|---|---|---|---|",
                "",
            ]
        )
        text = text.rstrip("\n") + "\n\n" + section
        start = text.find(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    end = len(text) if end == -1 else end
    section = text[start:end]
    kept = [line for line in section.splitlines() if not line.startswith(f"| {label} |")]
    table_end = max(i for i, line in enumerate(kept) if line.startswith("|"))
    kept[table_end + 1 : table_end + 1] = rows
    kept = [line for line in kept if not line.startswith("Last run: ")]
    while kept and not kept[-1]:
        kept.pop()
    kept += ["", f"Last run: {dt.date.today().isoformat()}.", ""]
    REPORT.write_text(text[:start] + "\n".join(kept) + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, nargs="?", help="a make_dataset.py file to import")
    parser.add_argument("--database-label", default=None)
    args = parser.parse_args()
    prepare(args.dataset)
    label = args.database_label or {"postgresql": "PostgreSQL 15", "sqlite": "SQLite"}.get(
        connection.vendor, connection.vendor
    )
    results = measure()
    threads = Question.objects.count()
    for name, (hits, total, p50, p95) in results.items():
        print(f"{name}: top 5 {hits}/{total}, p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    write_report(label, threads, results)


if __name__ == "__main__":
    main()
