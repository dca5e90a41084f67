"""Community health figures at a million threads: how long community.metrics takes.

    .venv/bin/python scripts/bench_metrics.py [--threads 1000000] [--runs 5]

Recreates its own PostgreSQL database (--database-url, by default
postgres://postgres@127.0.0.1:54329/community_bench_metrics; only a database whose name
has "bench" in it is ever dropped), migrates it, and writes a year of community straight
into the tables with INSERT ... SELECT over generate_series (no Python per row): the
threads spread over 365 days, ~50,000 members (one per 20 threads), a tenth of the
questions by members in their first month; ~70% of the threads answered by others at
delays from a minute to days, ~40% with an accepted answer, ~20% with comments, ~10%
claimed by mentors (some claims expired or released, most rated), offers (some
declined), escalations and ask-flow drafts. Then VACUUM ANALYZE.

Then community_health (not the cached one) for each case, --runs times: the last 30
days, the last 90, the whole 365, with a tag, with asker=newcomer. The median and the
slowest run are printed and written into docs/benchmarks.md, in the section "Community
health figures at a million threads" (replaced on each run), with each case's slowest
query and the top node of its EXPLAIN ANALYZE.

The threads' first-response moments and askers' first questions are filled by the
migrations' own UPDATEs (qa 0016, mentoring 0003) after the rows are written, and timed:
what migrating a forum of that size costs.

Not part of make test. Generating a million threads takes a few minutes; every
statement runs under a timeout (--timeout), so a run is bounded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import re
import statistics
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DEFAULT_URL = "postgres://postgres@127.0.0.1:54329/community_bench_metrics"
REPORT = BASE_DIR / "docs" / "benchmarks.md"
HEADING = "## Community health figures at a million threads (`scripts/bench_metrics.py`)"
TAGS = 300
MENTORS_PER_THREADS = 2_000
USERS_PER_THREADS = 20
DAYS = 365
TARGET_MS = 1_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1_000_000, help="public threads to write")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--timeout", type=int, default=600, help="seconds any one statement may take"
    )
    parser.add_argument(
        "--case-budget",
        type=float,
        default=180,
        help="seconds after which a case stops taking more runs",
    )
    parser.add_argument(
        "--keep", action="store_true", help="measure the database as it is, without recreating"
    )
    parser.add_argument("--no-report", action="store_true", help="print only")
    parser.add_argument(
        "--show-queries", type=int, default=4, help="queries of each case printed, slowest first"
    )
    return parser.parse_args()


ARGS = _arguments()
if ARGS.runs < 1 or ARGS.threads < 1_000:
    sys.exit("Give --runs 1 or more and --threads 1000 or more.")
if "bench" not in urlsplit(ARGS.database_url).path:
    sys.exit("The benchmark drops and recreates its database: give one with 'bench' in its name.")
os.environ["DATABASE_URL"] = ARGS.database_url
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-metrics-only-not-a-secret")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("EMAIL_URL", "memorymail://")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from community.metrics import community_health  # noqa: E402


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


# --- Generating the community ----------------------------------------------------------
#
# One session, one transaction for the rows (the foreign keys are deferred to its end),
# setseed() first so that every run writes the same community. Ids are given, so that
# rows can point at rows written in the same statement series: question i is the i-th by
# time, answers are numbered thread by thread.


def columns(table: str) -> dict[str, tuple[str, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns"
            " WHERE table_name = %s AND table_schema = current_schema()",
            [table],
        )
        return {name: (kind, nullable) for name, kind, nullable in cursor.fetchall()}


FILLERS = {
    "boolean": "false",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "double precision": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
    "date": "current_date",
}


def insert(table: str, values: dict[str, str], source: str) -> str:
    """INSERT INTO table (...) SELECT ... FROM source; a NOT NULL column added since this
    script was written gets a plain filler ('' or 0 or false), so that the benchmark
    keeps running while the schema grows."""
    known = dict(values)
    for name, (kind, nullable) in columns(table).items():
        if name not in known and not nullable and name != "id":
            known[name] = FILLERS.get(kind, "''")
    names = ", ".join(known)
    selected = ",\n       ".join(f"{expression} AS {name}" for name, expression in known.items())
    return f"INSERT INTO {table} ({names})\nSELECT {selected}\n{source}"


# A member other than the asker who had joined when the thread was asked, drawn for
# each row (the subquery reads the row's columns, so it runs again for each).
OTHER_MEMBER = """LATERAL (
    SELECT x + (x >= author)::int AS other
    FROM (SELECT 1 + floor(random() * greatest(joined - 1, 1))::int AS x) AS drawn
) AS someone"""


BACKFILL_SECONDS: dict[str, float] = {}


def backfill_statements() -> dict[str, str]:
    """The UPDATEs of qa 0016 and mentoring 0003 that fill the first-response moments and
    the askers' first questions."""
    qa = importlib.import_module("qa.migrations.0016_thread_moments")
    mentoring = importlib.import_module("mentoring.migrations.0003_first_claim")
    return {
        "first questions": qa.FIRST_OF_AUTHOR_SQL,
        "first answers": qa.FIRST_ANSWER_SQL,
        "first comments": qa.FIRST_COMMENT_SQL,
        "first claims": mentoring.FIRST_CLAIM_SQL,
    }


def generate(threads: int) -> dict[str, int]:
    users = max(1_000, threads // USERS_PER_THREADS)
    mentors = max(20, threads // MENTORS_PER_THREADS)
    drafts = threads // 5
    month = max(1, users * 30 // 729)  # members who join in a month
    p = {
        "threads": threads,
        "users": users,
        "mentors": mentors,
        "tags": TAGS,
        "drafts": drafts,
    }
    statements = [
        "SET LOCAL max_parallel_workers_per_gather = 0",  # the same rows on every run
        "SELECT setseed(0.42)",
        # The range ends at the start of this hour; members joined over two years before.
        f"""CREATE TEMP TABLE bench_clock ON COMMIT DROP AS
            SELECT date_trunc('hour', now()) AS until,
                   date_trunc('hour', now()) - interval '{DAYS} days' AS since,
                   date_trunc('hour', now()) - interval '730 days' AS joined_from""",
        insert(
            "accounts_user",
            {
                "id": "u",
                "password": "'!'",
                "is_superuser": "false",
                "username": "'member' || u",
                "first_name": "''",
                "last_name": "''",
                "email": "'member' || u || '@example.invalid'",
                "is_staff": "false",
                "is_active": "true",
                # Joined in id order, the last one yesterday.
                "date_joined": f"c.joined_from + (u::float / {users}) * interval '729 days'",
                "display_name": "'Member ' || u",
                "bio": "''",
                "languages": """'["en"]'::jsonb""",
                "time_zone": "'UTC'",
                "suspension_reason": "''",
                "email_bounce_reason": "''",
                "language": "''",
            },
            f"FROM generate_series(1, {users}) AS u, bench_clock AS c",
        ),
        insert(
            "qa_tag",
            {
                "id": "t",
                "name": "'topic-' || t",
                "slug": "'topic-' || t",
                "description": "''",
            },
            f"FROM generate_series(1, {TAGS}) AS t",
        ),
        # Mentors: members 1..mentors (established), each with three tags.
        insert(
            "mentoring_mentorprofile",
            {
                "id": "m",
                "user_id": "m",
                "status": "'approved'",
                "bio": "''",
                "capacity": "2",
                "languages": """'["en"]'::jsonb""",
                "time_zone": "'UTC'",
                "availability": "'[]'::jsonb",
                "accepting": "true",
                "approved_at": "c.since",
                "created_at": "c.since",
            },
            f"FROM generate_series(1, {mentors}) AS m, bench_clock AS c",
        ),
        insert(
            "mentoring_mentorexpertise",
            {
                "profile_id": "m",
                "tag_id": f"1 + (m * 7 + k * 13) % {TAGS}",
                "level": "1 + (m + k) % 3",
            },
            f"FROM generate_series(1, {mentors}) AS m, generate_series(0, 2) AS k",
        ),
        # The plan of each thread: when, by whom (a tenth by members in their first
        # month), how it went.
        f"""CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            SELECT q, created_at, author, joined, answers, accepted, commented, claimed,
                   hidden, closed, offered, escalated,
                   sum(answers) OVER (ORDER BY q) - answers AS answers_before,
                   first_wait
            FROM (
              SELECT q, created_at, joined,
                     -- a tenth by members who joined in the month before (a few
                     -- questions each), the others by any member who had joined
                     CASE WHEN random() < 0.1
                          THEN greatest(1, joined - floor(random() * {month})::int)
                          ELSE 1 + floor(random() * joined)::int END AS author,
                     CASE WHEN r_answer < 0.70
                          THEN 1 + floor(random() ^ 2 * 3)::int ELSE 0 END AS answers,
                     r_answer < 0.40 AS accepted,
                     random() < 0.20 AS commented,
                     random() < 0.10 AS claimed,
                     random() < 0.01 AS hidden,
                     random() < 0.02 AS closed,
                     random() < 0.15 AS offered,
                     random() < 0.03 AS escalated,
                     -- a minute to ~5 days, median ~1.5 hours
                     make_interval(secs => 60 * exp(random() * 9)) AS first_wait
              FROM (
                SELECT q,
                       c.since + ((q - 1 + random())::float / {threads})
                           * interval '{DAYS} days' AS created_at,
                       random() AS r_answer,
                       c.joined_from
                FROM generate_series(1, {threads}) AS q, bench_clock AS c
              ) AS timed,
              LATERAL (
                SELECT greatest(1, least({users}, floor({users} * extract(epoch FROM
                         timed.created_at - timed.joined_from) / (729 * 86400))::int))
                       AS joined
              ) AS who
            ) AS drawn""",  # noqa: S608 - numbers computed here
        "CREATE INDEX ON bench_plan (q)",
        insert(
            "qa_question",
            {
                "id": "q",
                "title": "'Question ' || q || ' about topic ' || (1 + q % 300)",
                "body": "'What I tried, what I expected and what happened instead, "
                "with the error: ValueError at line ' || q % 1000 || '.'",
                "body_html": "'<p>What I tried, what I expected and what happened.</p>'",
                "tag_names": "''",
                "status": "CASE WHEN hidden THEN 'open' WHEN closed THEN 'closed' "
                "WHEN accepted THEN 'solved' ELSE 'open' END",
                "closed_reason": "CASE WHEN closed AND NOT hidden THEN 'Duplicate' ELSE '' END",
                "locked": "false",
                "hidden": "hidden",
                "score": "floor(random() * 6)::int - 1",
                "answer_count": "answers",
                "view_count": "floor(random() * 500)::int",
                "solution_note": "''",
                "solution_note_html": "''",
                "created_at": "created_at",
                "updated_at": "created_at",
                "last_activity_at": "created_at + CASE WHEN answers > 0 THEN first_wait "
                "ELSE interval '0' END",
                "accepted_answer_id": "CASE WHEN accepted AND NOT hidden AND NOT closed "
                "THEN answers_before + 1 END",
                "accepted_at": "CASE WHEN accepted AND NOT hidden AND NOT closed "
                "THEN created_at + first_wait * (1 + random() * 20) END",
                "author_id": "author",
                "actual": "''",
                "checklist_evidence": "'{}'::jsonb",
                "environment": "''",
                "error_output": "''",
                "expected": "''",
                "what_i_tried": "''",
            },
            "FROM bench_plan",
        ),
        # One to three tags, popular ones more often; the first one of each thread is
        # spread evenly (q % 300) so every tag has threads.
        """INSERT INTO qa_question_tags (question_id, tag_id)
           SELECT DISTINCT q, tag FROM (
             SELECT q, 1 + q % 300 AS tag FROM bench_plan
             UNION ALL
             SELECT q, 1 + floor(300 * random() ^ 2)::int FROM bench_plan, generate_series(1, 2)
               WHERE random() < 0.5
           ) AS picked""",
        # Answers: the first by someone else after first_wait, the next ones later; 3%
        # of the later ones by the asker; 1% hidden.
        insert(
            "qa_answer",
            {
                "id": "answers_before + k",
                "body": "'Try this: run the migration again with --fake-initial.'",
                "body_html": "'<p>Try this.</p>'",
                "score": "floor(random() * 4)::int",
                "hidden": "k > 1 AND random() < 0.01",
                "created_at": "created_at + first_wait * k * (1 + random())",
                "updated_at": "created_at + first_wait * k * (1 + random())",
                "author_id": "CASE WHEN k > 1 AND random() < 0.03 THEN author ELSE other END",
                "question_id": "q",
            },
            f"FROM bench_plan, generate_series(1, 3) AS k, {OTHER_MEMBER} WHERE k <= answers",
        ),
        # Comments: on 20% of the threads one or two on the question (a third by the
        # asker), and on a tenth of the answered threads one on the first answer.
        insert(
            "qa_comment",
            {
                "body": "'Could you post the full traceback?'",
                "body_html": "'<p>Could you post the full traceback?</p>'",
                "hidden": "false",
                "created_at": "created_at + first_wait * (0.3 + random() * 2)",
                "author_id": "CASE WHEN random() < 0.33 THEN author ELSE other END",
                "question_id": "q",
            },
            f"FROM bench_plan, generate_series(1, 2) AS k, {OTHER_MEMBER} "
            "WHERE commented AND (k = 1 OR random() < 0.5)",
        ),
        insert(
            "qa_comment",
            {
                "body": "'Thanks, that fixed it.'",
                "body_html": "'<p>Thanks, that fixed it.</p>'",
                "hidden": "false",
                "created_at": "created_at + first_wait * (1.5 + random() * 3)",
                "author_id": "author",
                "answer_id": "answers_before + 1",
            },
            "FROM bench_plan WHERE answers > 0 AND random() < 0.10",
        ),
        # Claims on 10% of the threads, by a mentor who is not the asker: completed,
        # expired, released, handed off or still active (the recent ones).
        f"""CREATE TEMP TABLE bench_claim ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY q) AS id, q, created_at AS asked,
                   CASE WHEN 1 + q % {mentors} = author THEN 1 + (q + 1) % {mentors}
                        ELSE 1 + q % {mentors} END AS mentor,
                   created_at + first_wait * random() AS claimed_at,
                   random() AS r
            FROM bench_plan WHERE claimed""",  # noqa: S608 - numbers computed here
        insert(
            "mentoring_claim",
            {
                "id": "id",
                "question_id": "q",
                "mentor_id": "mentor",
                "state": "CASE WHEN r < 0.55 THEN 'completed' WHEN r < 0.75 THEN 'expired' "
                "WHEN r < 0.85 THEN 'released' WHEN r < 0.90 THEN 'handed_off' "
                "ELSE 'active' END",
                "created_at": "claimed_at",
                "reply_due_at": "claimed_at + interval '4 hours'",
                "first_reply_at": "CASE WHEN r < 0.55 OR r >= 0.85 "
                "THEN claimed_at + random() * interval '3 hours' END",
                "extended": "r < 0.05",
                "ended_at": "CASE WHEN r < 0.90 THEN claimed_at + random() * interval '3 days' END",
                "end_reason": "''",
            },
            "FROM bench_claim",
        ),
        insert(
            "mentoring_feedback",
            {
                "claim_id": "id",
                "rating": "(ARRAY['great','good','good','acceptable','problematic'])"
                "[1 + floor(random() * 5)::int]",
                "comment": "''",
                "created_at": "claimed_at + interval '1 day'",
            },
            "FROM bench_claim WHERE r < 0.55 AND random() < 0.6",
        ),
        # Offers: three mentors for 15% of the threads, one in ten declined.
        insert(
            "mentoring_offer",
            {
                "question_id": "q",
                "mentor_id": f"1 + (q * 7 + k * 37) % {mentors}",
                "wave": "CASE WHEN k < 2 THEN 1 ELSE 2 END",
                "score": "random() * 3",
                "reasons": "'[]'::jsonb",
                "created_at": "created_at + interval '5 minutes' * (1 + k)",
                "declined_at": "CASE WHEN random() < 0.1 "
                "THEN created_at + interval '1 hour' * (1 + k) END",
            },
            "FROM bench_plan, generate_series(0, 2) AS k "
            f"WHERE offered AND 1 + (q * 7 + k * 37) % {mentors} <> author",
        ),
        insert(
            "mentoring_escalation",
            {
                "question_id": "q",
                "escalated_at": "created_at + interval '12 hours'",
                "eligible_mentors": "CASE WHEN q % 3 = 0 THEN 0 ELSE 1 + q % 2 END",
                "reason": "'Nobody claimed it within 12 hours.'",
            },
            "FROM bench_plan WHERE escalated",
        ),
        # Ask-flow drafts over the year: most posted, some discarded or left open (one
        # open draft per member at most, a constraint: only the first `users` drafts,
        # each by another member, may be open).
        insert(
            "qa_askdraft",
            {
                "author_id": f"1 + (d - 1) % {users}",
                "data": "'{}'::jsonb",
                "reached": "1 + floor(random() * 4)::int",
                "status": f"CASE WHEN d <= {users} AND random() < 0.2 THEN 'open' "
                "ELSE (ARRAY['posted','posted','posted','discarded'])"
                "[1 + floor(random() * 4)::int] END",
                "opened_solved": "random() < 0.2",
                "started_at": f"c.since + random() * interval '{DAYS} days'",
                "updated_at": f"c.since + random() * interval '{DAYS} days'",
            },
            f"FROM generate_series(1, {drafts}) AS d, bench_clock AS c",
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = '{ARGS.timeout}s'")
        cursor.execute("BEGIN")
        for statement in statements:
            cursor.execute(statement)
        for table in (
            "accounts_user",
            "qa_tag",
            "qa_question",
            "qa_question_tags",
            "qa_answer",
            "qa_comment",
            "mentoring_mentorprofile",
            "mentoring_mentorexpertise",
            "mentoring_claim",
            "mentoring_feedback",
            "mentoring_offer",
            "mentoring_escalation",
            "qa_askdraft",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        cursor.execute("COMMIT")
        # The threads' first-response moments, by the migrations' own statements: what
        # migrating an existing forum of this size costs.
        for name, statement in backfill_statements().items():
            start = time.perf_counter()
            cursor.execute(statement)
            BACKFILL_SECONDS[name] = time.perf_counter() - start
        cursor.execute("VACUUM ANALYZE")  # Django's connection is in autocommit
        counts = {}
        for table in ("qa_question", "qa_answer", "qa_comment", "mentoring_claim",
                      "mentoring_offer", "qa_question_tags"):  # fmt: skip
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own names
            counts[table] = cursor.fetchone()[0]
    return {**p, **counts}


# --- Measuring -------------------------------------------------------------------------


@dataclass
class Query:
    sql: str
    params: Any
    ms: float


@dataclass
class Case:
    name: str
    days: int
    tag: str | None = None
    asker: str | None = None
    threads: int = 0
    times: list[float] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)  # of the last run
    plan: str = ""


@dataclass
class Variant:
    """One way the database is set up for a round of the cases."""

    name: str
    cases: list[Case]
    note: str = ""
    sql: list[str] = field(default_factory=list)  # what was run to set it up


@contextmanager
def captured(into: list[Query]) -> Iterator[None]:
    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            into.append(Query(sql, params, (time.perf_counter() - start) * 1000))

    with connection.execute_wrapper(wrapper):
        yield


def explained(sql: str, params: Any = None) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        return cursor.fetchone()[0][0]


def plan_summary(query: Query) -> str:
    """The top node of EXPLAIN (ANALYZE) of a query: its type, time and rows, the
    correlated subplans under it, and the JIT compilation time."""
    top = explained(query.sql, query.params)
    node = top["Plan"]
    subplans = 0
    stack = [node]
    while stack:
        current = stack.pop()
        subplans += current.get("Subplan Name", "").startswith("SubPlan")
        stack.extend(current.get("Plans", []))
    jit = top.get("JIT", {}).get("Timing", {}).get("Total")
    return (
        f"{node['Node Type']} {node['Actual Total Time']:,.0f} ms, "
        f"{subplans} subplans per row; "
        + (f"JIT {jit:,.0f} ms; " if jit else "no JIT; ")
        + f"execution {top['Execution Time']:,.0f} ms"
    )


def measure(cases: list[Case], *, until: dt.datetime) -> None:
    """Each case ARGS.runs times, or fewer once its runs took ARGS.case_budget seconds
    (one at least), so a slow case does not make the run endless."""
    for case in cases:
        since = until - dt.timedelta(days=case.days)
        case.times = []
        spent = 0.0
        while len(case.times) < ARGS.runs and (not case.times or spent < ARGS.case_budget):
            queries: list[Query] = []
            start = time.perf_counter()
            with captured(queries):
                health = community_health(
                    since=since,
                    until=until,
                    tag=case.tag,
                    asker=case.asker,  # type: ignore[arg-type]
                    now=until,
                )
            elapsed = time.perf_counter() - start
            spent += elapsed
            case.times.append(elapsed * 1000)
            case.threads = int(health.figure("threads").value or 0)
            case.queries = queries
        slowest, *runners_up = sorted(case.queries, key=lambda q: -q.ms)[: ARGS.show_queries]
        case.plan = plan_summary(slowest)
        print(
            f"{case.name}: {case.threads:,} threads, {len(case.times)} runs, median "
            f"{statistics.median(case.times):,.0f} ms, max {max(case.times):,.0f} ms, "
            f"{len(case.queries)} queries; slowest {slowest.ms:,.0f} ms {_label(slowest)}: "
            f"{case.plan}; "
            f"next: {'; '.join(f'{q.ms:,.0f} ms {_label(q)}' for q in runners_up)}",
            flush=True,
        )


def _label(query: Query) -> str:
    """What a query reads, for the console: the tables it names, in order."""
    tables = re.findall(r'FROM "(\w+)"', query.sql)
    return "(" + ", ".join(dict.fromkeys(tables)) + ")"


def the_cases(popular_tag: str) -> list[Case]:
    return [
        Case("last 30 days", 30),
        Case("last 90 days", 90),
        Case("whole year (365 days)", 365),
        Case(f"last 30 days, tag {popular_tag}", 30, tag=popular_tag),
        Case(f"whole year, tag {popular_tag}", 365, tag=popular_tag),
        Case("last 30 days, asker=newcomer", 30, asker="newcomer"),
        Case("whole year, asker=newcomer", 365, asker="newcomer"),
    ]


# --- The report ------------------------------------------------------------------------


def table(cases: list[Case]) -> list[str]:
    rows = [
        "| case | threads | runs | median | max | queries | slowest query (last run): "
        "top plan node |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        median, worst = statistics.median(case.times), max(case.times)
        mark = "" if worst < TARGET_MS else " **over 1 s**"
        rows.append(
            f"| {case.name} | {case.threads:,} | {len(case.times)} | {median:,.0f} ms "
            f"| {worst:,.0f} ms{mark} | {len(case.queries)} | {case.plan} |"
        )
    return rows


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def write_report(
    data: dict[str, int],
    generated_s: float,
    variants: list[Variant],
    loads: tuple[str, str],
) -> None:
    intro = textwrap.fill(
        f"`community_health` (not the cached one) on PostgreSQL 15, in-process, up to "
        f"{ARGS.runs} runs per case (fewer once a case has taken {ARGS.case_budget} s), `now` "
        f"the end of the range: {data['threads']:,} public threads "
        f"over {DAYS} days, {data['users']:,} members (a tenth of the questions by members "
        f"in their first month), {data['qa_answer']:,} answers (70% of the threads "
        f"answered by others, from a minute to days later; 40% with an accepted answer), "
        f"{data['qa_comment']:,} comments, {data['mentoring_claim']:,} claims by "
        f"{data['mentors']:,} mentors, {data['mentoring_offer']:,} offers, "
        f"{data['qa_question_tags']:,} thread tags over {data['tags']} tags, written by "
        f"`INSERT ... SELECT generate_series` in {generated_s:.0f} s (the migrations' "
        f"backfill of the threads' moments in that: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in BACKFILL_SECONDS.items())
        + "), then vacuumed and "
        f"analysed. The machine: 2 cores shared with other work, load average "
        f"{loads[0]} at the start of the measurements and {loads[1]} at the end. The "
        f"target is under 1 s for every case.",
        width=88,
    )
    lines = [
        HEADING,
        "",
        intro,
        "",
        "```sh",
        ".venv/bin/python scripts/bench_metrics.py",
        "```",
        "",
    ]
    for variant in variants:
        lines += [f"{variant.name}:", ""]
        if variant.note:
            lines += [textwrap.fill(variant.note, width=88), ""]
        if variant.sql:
            lines += ["```sql", *(f"{statement};" for statement in variant.sql), "```", ""]
        lines += [*table(variant.cases), ""]
    lines += [f"Last run: {dt.date.today().isoformat()}.", ""]
    text = REPORT.read_text()
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n"
        start = end = len(text)
    else:
        end = text.find("\n## ", start + len(HEADING))
        end = len(text) if end == -1 else end + 1
    REPORT.write_text(text[:start] + "\n".join(lines) + text[end:])


def main() -> None:
    started = time.perf_counter()
    if not ARGS.keep:
        recreate_database(ARGS.database_url)
        call_command("migrate", verbosity=0)
        print("Migrated; writing the community...", flush=True)
        generate_start = time.perf_counter()
        data = generate(ARGS.threads)
        generated = time.perf_counter() - generate_start
        print(f"Written in {generated:.0f} s: {data}", flush=True)
    else:
        data, generated = {"threads": ARGS.threads}, 0.0
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = '{ARGS.timeout}s'")
        cursor.execute("SELECT date_trunc('hour', max(created_at)) + interval '1 hour' "
                       "FROM qa_question")  # fmt: skip
        until = cursor.fetchone()[0]
        cursor.execute(
            "SELECT t.slug FROM qa_tag t JOIN qa_question_tags qt ON qt.tag_id = t.id "
            "GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 1"
        )
        popular = cursor.fetchone()[0]
    start_load = load()
    variants = [Variant("With the migrations' columns and indexes", the_cases(popular))]
    measure(variants[0].cases, until=until)
    end_load = load()
    if not ARGS.no_report and not ARGS.keep:
        write_report(data, generated, variants, (start_load, end_load))
    print(f"Took {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
