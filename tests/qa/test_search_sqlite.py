"""The embedded SQLite search, run in a pytest process configured like `make run`'s
platform (no DATABASE_URL server, no Redis): tests/qa/embedded_search_cases.py."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.processes import BASE_DIR

CASES = "tests/qa/embedded_search_cases.py"


def test_search_and_similar_threads_on_the_embedded_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_DEBUG": "1"}

    done = subprocess.run(
        [sys.executable, "-m", "pytest", CASES, "-q", "-p", "no:cacheprovider"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
