"""`make run` boots a fresh `git clone`: no var/ yet, it migrates, loads the demo data,
serves the home page, and its own worker writes a sign-up's mail to var/mail/."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from email import message_from_string
from pathlib import Path

import pytest

from tests.processes import BASE_DIR, free_port, message_text

pytestmark = pytest.mark.integration


def fresh_checkout(site: Path) -> None:
    """What a new user has: a `git clone` of HEAD (no var/, nothing generated), with this
    run's virtual environment linked in so that `make run` installs nothing."""
    if (BASE_DIR / ".git").exists():
        subprocess.run(
            ["git", "clone", "--quiet", "--no-hardlinks", str(BASE_DIR), str(site)], check=True
        )
    else:
        # A checkout without its history: everything but what a run generates.
        shutil.copytree(
            BASE_DIR,
            site,
            ignore=shutil.ignore_patterns(
                ".venv", "var", "staticfiles", "__pycache__", ".*_cache", "node_modules"
            ),
        )
    (site / ".venv").symlink_to(Path(sys.prefix))


def embedded_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL"))
    }
    return {**env, "DJANGO_DEBUG": "1"}


def wait_for_http(url: str, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the platform exited:\n{process.stdout and process.stdout.read()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_make_run_boots_a_fresh_clone_and_its_worker_writes_mail(tmp_path: Path):
    site = tmp_path / "site"
    fresh_checkout(site)
    assert not (site / "var").exists()
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    process = subprocess.Popen(
        ["make", "run", f"ADDR=127.0.0.1:{port}"],
        cwd=site, env=embedded_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_http(f"{base}/", process)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(f"{base}/") as home:
            assert "Ask good questions" in home.read().decode()
        with opener.open(f"{base}/accounts/signup/") as page:
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
        assert csrf
        form = {
            "csrfmiddlewaretoken": csrf.group(1),
            "username": "rosa",
            "email": "rosa@example.org",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        }
        request = urllib.request.Request(  # noqa: S310
            f"{base}/accounts/signup/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"{base}/accounts/signup/"},
        )
        with opener.open(request) as response:
            assert response.status == 200

        mail_dir = site / "var" / "mail"
        deadline = time.monotonic() + 60
        mails: list[Path] = []
        while time.monotonic() < deadline and not mails:
            mails = [p for p in mail_dir.glob("*") if "rosa@example.org" in p.read_text()]
            time.sleep(0.5)
        assert mails, "no verification mail under var/mail/"
        # The file backend separates messages with a line of dashes.
        raw = mails[0].read_text().split("\n" + "-" * 79 + "\n")[0]
        body = message_text(message_from_string(raw))
        assert f"127.0.0.1:{port}/accounts/confirm-email/" in body
        assert "Newcomers' Corner" in body
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()

    assert (site / "var" / "db.sqlite3").exists()
    assert "username newcomer" in output
    assert "username moderator" in output
    assert "notification_send" in output
    assert "succeeded" in output
