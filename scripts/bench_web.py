"""The platform under load, page by page: `make bench` (not part of make test).

    .venv/bin/python scripts/bench_web.py [--questions 10000] [--seconds 10]

Recreates its own PostgreSQL database (--database-url, by default
postgres://postgres@127.0.0.1:54329/community_bench_web; only a database whose name has
"bench" in it is ever dropped) and migrates it; writes the shared data set
(../shared/bench/make_dataset.py, --questions of it; BENCH_QUESTIONS in the
environment) and loads it with `manage.py import_threads`, timed; then serves it with
gunicorn (2 sync workers, DEBUG off, Redis as cache and broker) on 127.0.0.1 and sends
each scenario --seconds of load over 16 connections:

- GET scenarios with ApacheBench (`ab`, bounded by -t; installed with apt when
  missing): /healthz (the ceiling, in the same run), the question list, a question
  page anonymous and signed in, search for a rare word, a common word and a Chinese
  word (each request searched afresh: a parameter keeps the page cache out), a
  visitor's search served from the page cache, similar threads (API), and the
  community health figures (API, staff token);
- write scenarios from Python threads (each request different, as members' are):
  posting an answer (API) and a mentor claiming then releasing a thread (API).

Each scenario gives requests per second, p50, p95 and p99 latency, errors (non-2xx or
failed), and its ratio to /healthz. Search and similar threads are also timed one
request at a time (`alone_p50_ms`, `alone_p95_ms`): under 16 connections to 2 workers a
request mostly waits for the others, so that is their latency to one member. Written
to bench/results.json (bench/results-large.json for 100,000 questions or more, served
from a database of its own, community_bench_large by default) and as a table into
README.md between the "bench:start" and "bench:end" markers.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "bench" / "make_dataset.py"
RESULTS = ROOT / "bench" / "results.json"
RESULTS_LARGE = ROOT / "bench" / "results-large.json"
LARGE = 100_000  # questions from which a run is the large one
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
DEFAULT_URL = "postgres://postgres@127.0.0.1:54329/community_bench_web"
LARGE_URL = "postgres://postgres@127.0.0.1:54329/community_bench_large"
CONNECTIONS = 16
WORKERS = 2
# Targets of the issue, as shares of /healthz in the same run.
TARGETS = {"question_anonymous": 0.25, "question_signed_in": 0.10, "list": 0.10}
IMPORT_TARGET = 2_000  # questions per second
# p95 of search and similar threads, one request at a time, at a million threads.
LATENCY_TARGET_MS = 50
# Keeps the page cache out of the search scenarios (but for search_cached).
UNCACHED = "uncached=1"
ALONE = ("search_rare_word", "search_common_word", "search_chinese", "similar_threads")


def _own_database(redis_url: str) -> str:
    """The same Redis server, database 9: the benchmark's keys apart from the tests'."""
    return urlsplit(redis_url)._replace(path="/9").geturl()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--questions",
        type=int,
        default=int(os.environ.get("BENCH_QUESTIONS", "10000")),
        help="questions of the shared data set to load",
    )
    parser.add_argument("--seconds", type=float, default=10, help="load per scenario")
    parser.add_argument("--database-url", default="", help="default: by the size of the run")
    parser.add_argument(
        "--redis-url",
        default=_own_database(os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")),
        help="by default REDIS_URL's server, database 9",
    )
    parser.add_argument("--keep", action="store_true", help="serve the database as it is")
    parser.add_argument("--no-report", action="store_true", help="print only")
    parser.add_argument(
        "--pool", action="store_true", help="serve with Django's psycopg pool (DJANGO_DB_POOL=1)"
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names to run")
    parser.add_argument(
        "--table-only",
        action="store_true",
        help="rewrite the README table from bench/results.json, measuring nothing",
    )
    return parser.parse_args()


ARGS = _arguments()
ARGS.database_url = ARGS.database_url or (LARGE_URL if ARGS.questions >= LARGE else DEFAULT_URL)
if "bench" not in urlsplit(ARGS.database_url).path:
    sys.exit("The benchmark drops and recreates its database: give one with 'bench' in its name.")
ENV = {
    **os.environ,
    "DATABASE_URL": ARGS.database_url,
    "REDIS_URL": ARGS.redis_url,
    "DJANGO_SETTINGS_MODULE": "community.settings",
    "DJANGO_SECRET_KEY": "bench-web-only-not-a-secret-0123456789abcdefghijklmnop",
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "memorymail://",
    "SITE_URL": "http://127.0.0.1",
}
if ARGS.pool:
    ENV["DJANGO_DB_POOL"] = "1"
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

PYTHON = sys.executable


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    alone_p50_ms: float | None = None
    alone_p95_ms: float | None = None
    ratio_to_healthz: float | None = None
    note: str = ""
    latencies: list[float] = field(default_factory=list, repr=False)


# --- Setting up --------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load_data(questions: int) -> dict[str, Any]:
    """The shared data set through import_threads; the import rate."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "threads.jsonl"
        with path.open("wb") as out:
            subprocess.run(  # noqa: S603 - our interpreter and the shared script
                [PYTHON, str(DATASET), "--questions", str(questions)], stdout=out, check=True
            )
        started = time.perf_counter()
        call_command("import_threads", str(path), verbosity=0)
        seconds = time.perf_counter() - started
    return {
        "questions": questions,
        "seconds": round(seconds, 1),
        "questions_per_s": round(questions / seconds, 1),
    }


@dataclass
class Fixtures:
    question_path: str
    session_cookie: str
    member_token: str
    staff_token: str
    mentor_token: str
    rare_word: str
    common_word: str
    chinese_word: str
    similar_title: str
    answer_threads: list[int]
    claim_threads: list[int]
    notes: dict[str, str]


def fixtures() -> Fixtures:
    """Who and what the scenarios use: a busy thread, a signed-in member, tokens, words."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Q
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from mentoring import services as mentoring
    from qa.models import Comment, Question
    from qa.services import question_ask

    thread = Question.objects.order_by("-answer_count", "pk").first()
    # A reader of the thread, as most signed-in visitors of a thread are: someone who
    # wrote nothing in it (its writers see their own controls, rendered for them).
    writers = {getattr(thread, "author_id", None)}
    if thread is not None:
        writers |= set(thread.answers.values_list("author_id", flat=True))
        writers |= set(
            Comment.objects.filter(Q(question=thread) | Q(answer__question=thread)).values_list(
                "author_id", flat=True
            )
        )
    member = User.objects.exclude(pk__in=writers - {None}).order_by("pk").first()
    if thread is None or member is None:
        raise SystemExit("bench: no questions or members were loaded")
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    staff = User.objects.filter(username="bench-staff").first() or User.objects.create_user(
        "bench-staff", "staff@example.org", is_staff=True
    )
    mentor_user = User.objects.filter(username="bench-mentor").first() or User.objects.create_user(
        "bench-mentor", "mentor@example.org", date_joined=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    tags = list(thread.tags.values_list("name", flat=True)) or ["django"]
    profile = mentoring.mentor_apply(
        user=mentor_user,
        capacity=5,
        availability=[{"day": day, "start": "00:00", "end": "23:59"} for day in range(7)],
        expertise=dict.fromkeys(tags, 3),
        bio="Benchmark mentor.",
    )
    if profile.status != profile.Status.APPROVED:
        mentoring.mentor_approve(profile=profile, by=staff)
    # A few Chinese threads, so the Chinese search finds something.
    for n in range(20):
        question_ask(
            author=member,
            title=f"数据库迁移冲突怎么解决 第{n}个问题",
            body="运行 makemigrations --merge 以后还是报错，迁移文件冲突。",
            tags=tags[:1],
            limits=False,
        )
    words = search_words()
    notes = {
        f"search_{kind}_word": f"'{word}' is in {share_with(word):.0%} of the threads"
        for kind, word in zip(("rare", "common"), words, strict=True)
    }
    notes["search_cached"] = f"a visitor's search for '{words[1]}' again, from the page cache"
    open_threads = list(
        Question.objects.filter(status="open", hidden=False)
        .exclude(author=member)
        .order_by("pk")
        .values_list("pk", flat=True)[:20000]
    )
    claimable = list(  # open threads with the mentor's tags
        Question.objects.filter(status="open", hidden=False, tags__name__in=tags)
        .exclude(author=mentor_user)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .distinct()[:5000]
    )
    return Fixtures(
        question_path=thread.get_absolute_url(),
        session_cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        member_token=Token.objects.get_or_create(user=member)[0].key,
        staff_token=Token.objects.get_or_create(user=staff)[0].key,
        mentor_token=Token.objects.get_or_create(user=mentor_user)[0].key,
        rare_word=words[0],
        common_word=words[1],
        chinese_word="迁移",
        similar_title=thread.title,
        answer_threads=open_threads,
        claim_threads=claimable,
        notes=notes,
    )


def share_with(word: str) -> float:
    """The share of threads whose text (title, tags or body) has this word."""
    from django.contrib.postgres.search import SearchQuery

    from qa.models import Question

    total = Question.objects.count()
    found = Question.objects.filter(search_vector=SearchQuery(word, config="english")).count()
    return found / total if total else 0.0


def search_words() -> tuple[str, str]:
    """A word in few titles, and one in many (about 40% of them at most)."""
    from collections import Counter

    from qa.models import Question

    counts: Counter[str] = Counter()
    titles = list(Question.objects.values_list("title", flat=True)[:20000])
    for title in titles:
        counts.update({w.lower() for w in re.findall(r"[a-z]{4,}", title, re.I)})
    ranked = counts.most_common()
    common = next((w for w, n in ranked if n <= 0.4 * len(titles)), ranked[0][0])
    rare = next((w for w, n in reversed(ranked) if n >= 3), ranked[-1][0])
    return rare, common


# --- Serving ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "community.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


# --- Load --------------------------------------------------------------------------------


def ab_installed() -> str:
    ab = shutil.which("ab")
    if ab:
        return ab
    print("bench: installing apache2-utils (ab) with apt", flush=True)
    subprocess.run(
        ["/usr/bin/apt-get", "install", "-y", "-q", "apache2-utils"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    ab = shutil.which("ab")
    if not ab:
        raise SystemExit("bench: ApacheBench (ab) is needed: apt-get install apache2-utils")
    return ab


AB_BROKEN = re.compile(r"\(Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)\)")


def run_ab(
    ab: str, port: int, result: Result, headers: list[str], connections: int = CONNECTIONS
) -> dict[int, float]:
    """ab for --seconds over `connections` connections; the percentiles of its CSV."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as csv_file:
        command = [
            ab,
            "-q",
            "-r",
            "-t",
            str(ARGS.seconds),
            "-n",
            "10000000",
            "-c",
            str(connections),
            "-e",
            csv_file.name,
        ]
        for header in headers:
            command += ["-H", header]
        command.append(f"http://127.0.0.1:{port}{result.path}")
        out = subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603
        complete = int(re.search(r"Complete requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
        # ab counts a response whose length differs from the first one's as failed; a
        # page's length varies (relative times, counts), so only connections that failed
        # or broke count here, with every response that is not a 2xx.
        broken = AB_BROKEN.search(out)
        failed = sum(int(n) for n in broken.groups()) if broken else 0
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
        taken = float(re.search(r"Time taken for tests:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        lines = Path(csv_file.name).read_text().splitlines()[1:]
        percentiles = {int(float(p)): float(ms) for p, ms in (line.split(",") for line in lines)}
    if connections != CONNECTIONS:
        return percentiles
    result.requests, result.seconds = complete, taken
    result.errors = failed + (int(non_2xx.group(1)) if non_2xx else 0)
    result.rps = complete / taken if taken else 0.0
    result.p50_ms, result.p99_ms = percentiles.get(50), percentiles.get(99)
    result.p95_ms = percentiles.get(95)
    return percentiles


def run_writes(port: int, result: Result, make_request: Any, workers: int = 4) -> None:
    """`make_request(n)` -> (method, path, body, headers), each different (None: no
    more), from `workers` threads for --seconds, each on a connection of its own."""
    stop = time.monotonic() + ARGS.seconds
    counter = iter(range(10_000_000))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def work() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            with lock:
                n = next(counter)
            request = make_request(n)
            if request is None:
                return
            method, path, body, headers = request
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
    result.seconds = time.perf_counter() - started
    result.requests, result.errors = len(latencies), errors
    result.rps = len(latencies) / result.seconds if result.seconds else 0.0
    if latencies:
        ordered = sorted(latencies)
        result.p50_ms = round(statistics.median(ordered), 1)
        result.p95_ms = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
        result.p99_ms = round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)


def run_claims(port: int, result: Result, threads: list[int], token: str) -> None:
    """One mentor, one connection: claim a thread, release the claim; --seconds of it."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    stop = time.monotonic() + ARGS.seconds
    latencies: list[float] = []
    started = time.perf_counter()
    for thread in threads:
        if time.monotonic() >= stop:
            break
        begin = time.perf_counter()
        conn.request("POST", f"/api/v1/questions/{thread}/claim/", body="{}", headers=headers)
        response = conn.getresponse()
        claimed = json.loads(response.read() or b"{}")
        ok = response.status == 201
        if ok:
            body = json.dumps({"reason": "Benchmark: letting it go for the next mentor."})
            conn.request(
                "POST", f"/api/v1/claims/{claimed['id']}/release/", body=body, headers=headers
            )
            released = conn.getresponse()
            released.read()
            ok = released.status == 200
        latencies.append((time.perf_counter() - begin) * 1000)
        result.errors += not ok
    result.seconds = time.perf_counter() - started
    result.requests = len(latencies)
    result.rps = len(latencies) / result.seconds if result.seconds else 0.0
    if latencies:
        ordered = sorted(latencies)
        result.p50_ms = round(statistics.median(ordered), 1)
        result.p95_ms = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
        result.p99_ms = round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)


def scenarios(data: Fixtures, port: int) -> list[Result]:
    ab = ab_installed()
    token = {"member": data.member_token, "staff": data.staff_token, "mentor": data.mentor_token}
    gets: list[tuple[str, str, list[str]]] = [
        ("healthz", "/healthz", []),
        ("list", "/questions/", []),
        ("question_anonymous", data.question_path, []),
        ("question_signed_in", data.question_path, [f"Cookie: {data.session_cookie}"]),
        # A parameter the page cache files no page for (qa.views.SEARCH_PARAMETERS): each
        # request searches again, as a query no visitor ran before does.
        ("search_rare_word", f"/search/?q={quote(data.rare_word)}&{UNCACHED}", []),
        ("search_common_word", f"/search/?q={quote(data.common_word)}&{UNCACHED}", []),
        ("search_chinese", f"/search/?q={quote(data.chinese_word)}&{UNCACHED}", []),
        ("search_cached", f"/search/?q={quote(data.common_word)}", []),
        ("similar_threads", f"/api/v1/questions/similar/?title={quote(data.similar_title)}", []),
        ("metrics_api", "/api/v1/metrics/community/", [f"Authorization: Token {token['staff']}"]),
    ]
    only = set(filter(None, ARGS.only.split(",")))
    results = []
    for name, path, headers in gets:
        if only and name not in only and name != "healthz":
            continue
        result = Result(name, path, note=data.notes.get(name, ""))
        run_ab(ab, port, result, headers)
        if name in ALONE:
            alone = run_ab(ab, port, result, headers, connections=1)
            result.alone_p50_ms, result.alone_p95_ms = alone.get(50), alone.get(95)
        results.append(result)
        print(_line(result), flush=True)

    def answer(n: int) -> Any:
        if n >= len(data.answer_threads):
            return None
        thread = data.answer_threads[n]
        body = json.dumps({"body": f"Benchmark answer {n}: run `migrate --plan` first."})
        headers = {"Authorization": f"Token {token['member']}", "Content-Type": "application/json"}
        return ("POST", f"/api/v1/questions/{thread}/answers/", body, headers)

    if not only or "post_answer" in only:
        posting = Result("post_answer", "/api/v1/questions/{id}/answers/")
        run_writes(port, posting, answer)
        results.append(posting)
        print(_line(posting), flush=True)
    if not only or "claim_and_release" in only:
        claiming = Result(
            "claim_and_release",
            "/api/v1/questions/{id}/claim/",
            note="a mentor claims a thread, then releases it: the pair",
        )
        run_claims(port, claiming, data.claim_threads, token["mentor"])
        results.append(claiming)
        print(_line(claiming), flush=True)
    ceiling = results[0].rps
    for result in results:
        result.ratio_to_healthz = round(result.rps / ceiling, 3) if ceiling else None
    return results


def _line(result: Result) -> str:
    alone = ""
    if result.alone_p95_ms is not None:
        alone = f"; one at a time p50 {result.alone_p50_ms} ms, p95 {result.alone_p95_ms} ms"
    return (
        f"{result.name}: {result.rps:,.1f} req/s, p50 {result.p50_ms} ms, p99 "
        f"{result.p99_ms} ms, {result.requests} requests, {result.errors} errors{alone}"
    )


# --- Report ------------------------------------------------------------------------------


def report(results: list[Result], imported: dict[str, Any]) -> None:
    one, five, _ = os.getloadavg()
    document = {
        "date": dt.date.today().isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1_5": [round(one, 2), round(five, 2)],
        },
        "setup": {
            "server": f"gunicorn, {WORKERS} sync workers",
            "connections": CONNECTIONS,
            "seconds_per_scenario": ARGS.seconds,
            "database": "PostgreSQL",
            "cache_and_broker": "Redis",
        },
        "import": imported,
        "scenarios": {
            r.name: {k: v for k, v in asdict(r).items() if k not in {"name", "latencies"}}
            for r in results
        },
        "targets": {
            name: {
                "share_of_healthz": share,
                "measured": next((r.ratio_to_healthz for r in results if r.name == name), None),
            }
            for name, share in TARGETS.items()
        },
    }
    target = RESULTS_LARGE if ARGS.questions >= LARGE else RESULTS
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    readme_table()


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} ms"


def _table(document: dict[str, Any], source: str) -> list[str]:
    imported, scenarios = document["import"], document["scenarios"]
    setup = document["setup"]
    rows = [
        f"Measured {document['date']} by `make bench` ({imported['questions']:,} questions "
        f"of the shared data set, {setup['server']}, {setup['connections']} connections, "
        f"{setup['seconds_per_scenario']:g} s a scenario on 127.0.0.1). From "
        f"`{source}`:",
        "",
        "| scenario | req/s | p50 | p95 | p99 | errors | share of /healthz "
        "| one at a time: p50, p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in scenarios.items():
        alone = (
            f"{_ms(r.get('alone_p50_ms'))}, {_ms(r.get('alone_p95_ms'))}"
            if r.get("alone_p95_ms") is not None
            else ""
        )
        rows.append(
            f"| {name.replace('_', ' ')} | {r['rps']:,.1f} | {_ms(r['p50_ms'])} "
            f"| {_ms(r.get('p95_ms'))} | {_ms(r['p99_ms'])} | {r['errors']} "
            f"| {100 * (r['ratio_to_healthz'] or 0):.1f}% | {alone} |"
        )
    notes = [
        f"{name.replace('_', ' ')}: {r['note']}" for name, r in scenarios.items() if r.get("note")
    ]
    if notes:
        rows += ["", "; ".join(notes) + "."]
    return rows


def _verdicts(document: dict[str, Any]) -> list[str]:
    """Each share-of-/healthz target and the import rate: wanted, measured, by how much
    it is missed."""
    imported = document["import"]
    rows = []
    for name, target in document["targets"].items():
        measured = target["measured"] or 0
        verdict = (
            "met"
            if measured >= target["share_of_healthz"]
            else f"missed, {target['share_of_healthz'] / measured:.1f} times short"
            if measured
            else "missed"
        )
        rows.append(
            f"- {name.replace('_', ' ')}: {100 * target['share_of_healthz']:.0f}% of /healthz "
            f"wanted, {100 * measured:.1f}% measured ({verdict});"
        )
    rate = imported.get("questions_per_s")
    if rate:
        verdict = "met" if rate >= IMPORT_TARGET else f"{IMPORT_TARGET / rate:.1f} times short"
        rows.append(
            f"- import: {IMPORT_TARGET:,} questions/s wanted, {rate:,.0f} measured ({verdict});"
        )
    return rows


def _latency_verdicts(document: dict[str, Any]) -> list[str]:
    rows = []
    questions = document["import"]["questions"]
    for name in ALONE:
        r = document["scenarios"].get(name)
        if not r or r.get("alone_p95_ms") is None:
            continue
        p95 = r["alone_p95_ms"]
        verdict = (
            "met" if p95 <= LATENCY_TARGET_MS else f"missed by {p95 - LATENCY_TARGET_MS:,.0f} ms"
        )
        rows.append(
            f"- {name.replace('_', ' ')} at {questions:,} threads: p95 "
            f"{LATENCY_TARGET_MS} ms or less wanted, {p95:,.0f} ms measured ({verdict});"
        )
    return rows


def readme_table() -> None:
    """The tables between the README's markers, from the results files; with each
    target, what was measured and by how much it is missed."""
    rows: list[str] = []
    verdicts: list[str] = []
    for path in (RESULTS, RESULTS_LARGE):
        if not path.exists():
            continue
        document = json.loads(path.read_text())
        if rows:
            rows.append("")
        rows += _table(document, str(path.relative_to(ROOT)))
        verdicts += _verdicts(document) if path == RESULTS else []
        if path == RESULTS_LARGE:
            verdicts += _latency_verdicts(document)
            rate = document["import"].get("questions_per_s")
            if rate:
                verdict = (
                    "met" if rate >= IMPORT_TARGET else f"{IMPORT_TARGET / rate:.1f} times short"
                )
                verdicts.append(
                    f"- import of {document['import']['questions']:,} questions: "
                    f"{IMPORT_TARGET:,} questions/s wanted, {rate:,.0f} measured ({verdict});"
                )
    if verdicts:
        verdicts[-1] = verdicts[-1].rstrip(";") + "."
        rows += ["", "Against the targets:", "", *verdicts]
    text = README.read_text()
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _old, after = rest.split(END, 1)
        README.write_text(f"{before}{START}\n" + "\n".join(rows) + f"\n{END}{after}")


def _last_import() -> dict[str, Any]:
    """With --keep: the import figures of the run that loaded the database, when the
    results file holds that run's size."""
    target = RESULTS_LARGE if ARGS.questions >= LARGE else RESULTS
    try:
        last = json.loads(target.read_text()).get("import") or {}
    except (OSError, ValueError):
        last = {}
    if last.get("questions") == ARGS.questions and last.get("questions_per_s"):
        return {**last, "kept": True}
    return {"questions": ARGS.questions, "seconds": None, "questions_per_s": None}


def main() -> None:
    if ARGS.table_only:
        readme_table()
        return
    if not ARGS.keep:
        recreate_database(ARGS.database_url)
        call_command("migrate", verbosity=0)
        imported = load_data(ARGS.questions)
        print(f"Imported {imported}", flush=True)
    else:
        imported = _last_import()
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    data = fixtures()
    connection.close()
    port = free_port()
    server = serve(port)
    try:
        results = scenarios(data, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not ARGS.no_report:
        report(results, imported)
        written = RESULTS_LARGE if ARGS.questions >= LARGE else RESULTS
        print(f"Written to {written.relative_to(ROOT)} and README.md.")


if __name__ == "__main__":
    main()
