"""Loading the settings in a fresh interpreter with only the given environment, for the
tests of what the environment selects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "community.example.org",
    "DATABASE_URL": "postgres://community:secret@db.internal:5432/community",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "SITE_URL": "https://community.example.org",
}

READ = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: str(getattr(settings, name, None)) for name in NAMES}))
"""


def clean_env(**variables: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "community.settings"
    env.update(variables)
    return env


def load(names: list[str], **variables: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", f"NAMES = {names!r}\n{READ}"],
        cwd=BASE_DIR,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def fails(**variables: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=clean_env(**variables),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    return result.stderr
