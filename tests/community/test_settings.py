"""Settings come from the environment; each case loads them in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.community.settings_env import BASE_DIR, PRODUCTION, clean_env, fails, load


def test_embedded_default_is_sqlite_under_var_with_a_file_broker_and_mail_files():
    loaded = load(
        ["DATABASES", "CELERY_BROKER_URL", "MAILERS", "EMBEDDED"],
        DJANGO_DEBUG="1",
    )

    assert "sqlite3" in loaded["DATABASES"]
    assert str(BASE_DIR / "var" / "db.sqlite3") in loaded["DATABASES"]
    assert loaded["CELERY_BROKER_URL"] == "filesystem://"
    assert "filebased.EmailBackend" in loaded["MAILERS"]
    assert repr(str(BASE_DIR / "var" / "mail")) in loaded["MAILERS"]
    assert loaded["EMBEDDED"] == "True"


def test_production_variables_select_postgres_redis_and_smtp():
    loaded = load(
        [
            "DATABASES",
            "CELERY_BROKER_URL",
            "CACHES",
            "MAILERS",
            "DEBUG",
            "ALLOWED_HOSTS",
        ],
        **PRODUCTION,
    )

    assert "postgresql" in loaded["DATABASES"]
    assert "db.internal" in loaded["DATABASES"]
    assert loaded["CELERY_BROKER_URL"] == "redis://redis.internal:6379/0"
    assert "RedisCache" in loaded["CACHES"]
    assert ast.literal_eval(loaded["MAILERS"]) == {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "smtp.example.org",
                "port": 587,
                "username": "mailer",
                "password": "secret",
                "use_tls": True,
                "timeout": 15,
            },
        }
    }
    assert loaded["DEBUG"] == "False"
    assert loaded["ALLOWED_HOSTS"] == "['community.example.org']"


def test_https_behaviour_is_on_by_default_without_debug():
    loaded = load(
        [
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_NAME",
            "CSRF_COOKIE_NAME",
            "SESSION_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
        ],
        **PRODUCTION,
    )

    assert loaded == {
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
    }


def test_https_behaviour_can_be_turned_off_for_plain_http_on_loopback():
    loaded = load(
        ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE"],
        **{**PRODUCTION, "DJANGO_HTTPS": "0"},
    )

    assert loaded == {
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_NAME": "sessionid",
        "SESSION_COOKIE_SECURE": "False",
    }


def test_admin_path_comes_from_the_environment():
    assert load(["ADMIN_PATH"], DJANGO_DEBUG="1", DJANGO_ADMIN_PATH="/staff-only")[
        "ADMIN_PATH"
    ] == ("staff-only/")


def test_missing_secret_in_production_stops_start_up_with_a_clear_message():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    stderr = fails(**env)

    assert "DJANGO_SECRET_KEY is not set" in stderr
    assert "secrets.token_urlsafe" in stderr


def test_missing_mail_server_in_production_stops_start_up():
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}

    assert "EMAIL_URL is not set" in fails(**env)


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "mongodb://h/db", "nonsense"])
def test_unknown_database_scheme_stops_start_up_with_a_readable_message(url):
    stderr = fails(DJANGO_DEBUG="1", DATABASE_URL=url)

    assert "DATABASE_URL has the scheme" in stderr
    assert "postgres://" in stderr


def test_check_deploy_is_clean_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_env(**PRODUCTION),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_connection_pool_is_chosen_by_the_environment(monkeypatch):
    from community.settings import _database

    url = "postgres://u:p@db:5432/community"
    for name in ("DJANGO_DB_POOL", "DJANGO_DB_POOL_MAX", "DJANGO_CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    assert "pool" not in _database(url)["OPTIONS"]
    assert _database(url)["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("DJANGO_DB_POOL", "1")
    monkeypatch.setenv("DJANGO_DB_POOL_MAX", "8")
    pooled = _database(url)
    assert pooled["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8}
    assert pooled["CONN_MAX_AGE"] == 0
