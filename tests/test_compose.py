"""The production deployment files agree with each other and with the settings.

Static checks only (Docker is not needed): docker-compose.yml, Dockerfile and
.env.example are parsed and cross-checked, and compose's variable interpolation
is applied the way `cp .env.example .env && docker compose up` would apply it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
ENV_EXAMPLE = BASE_DIR / ".env.example"
SETTINGS_FILE = BASE_DIR / "community" / "settings.py"

LONG_RUNNING = ("postgres", "redis", "mailpit", "web", "worker", "digest-worker", "beat")
APP_SERVICES = ("web", "worker", "digest-worker", "beat")
WORKER_QUEUES = {"default", "mail", "digest"}
# Set by Docker in every container rather than by the operator.
CONTAINER_PROVIDED = {"HOSTNAME"}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, $NAME,
# and $$ (a literal dollar, left for the container's shell).
INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
ESCAPED_REFERENCE = re.compile(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)")
ENV_ASSIGNMENT = re.compile(r"^\s*(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
SETTINGS_READS = (
    re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.environ(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
)


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def command_line(name: str) -> str:
    command = service(name).get("command")
    assert command, f"{name} has no command"
    return command if isinstance(command, str) else " ".join(command)


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def env_example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


def documented_variables() -> set[str]:
    """Names in .env.example, set or shown commented out as an example."""
    names = set()
    for line in env_example_lines():
        match = ENV_ASSIGNMENT.match(line)
        if match:
            names.add(match["name"])
    return names


def example_values() -> dict[str, str]:
    """What .env holds after `cp .env.example .env`: only the lines that are set."""
    values = {}
    for line in env_example_lines():
        match = ENV_ASSIGNMENT.match(line)
        if match and not match["commented"]:
            values[match["name"]] = match["value"]
    return values


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's interpolation of one string against the given variables."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"]
        value = values.get(name)
        if op == ":-":
            return value or arg
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?") and (value is None or (op == ":?" and not value)):
            pytest.fail(f"compose would stop: {name} is required ({arg})")
        return value or ""

    return INTERPOLATION.sub(replace, text)


def referenced_variables() -> set[str]:
    """Variables compose substitutes from .env or the shell (not the escaped $$ ones)."""
    names = set()
    for text in strings(compose()):
        for match in INTERPOLATION.finditer(text):
            if not match["escaped"]:
                names.add(match["braced"] or match["bare"])
    return names


def container_side_variables() -> set[str]:
    """Variables left for a container's shell to expand ($$NAME in the file)."""
    return {name for text in strings(compose()) for name in ESCAPED_REFERENCE.findall(text)}


def settings_variables() -> set[str]:
    source = SETTINGS_FILE.read_text()
    return {name for pattern in SETTINGS_READS for name in pattern.findall(source)}


def depends_on(name: str) -> dict[str, dict[str, Any]]:
    deps = service(name).get("depends_on") or {}
    if isinstance(deps, list):
        # The short form only waits for the container to start.
        return {dep: {"condition": "service_started"} for dep in deps}
    return deps


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined."""
    logical, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        logical.append(current)
        current = ""
    pairs = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


# ---------------------------------------------------------------------------
# docker-compose.yml


def test_compose_file_parses_as_a_compose_spec_file_without_version_key() -> None:
    data = compose()
    assert isinstance(data, dict)
    assert "version" not in data, "the Compose spec has no version key"
    assert isinstance(data.get("services"), dict)


def test_all_long_running_services_are_defined() -> None:
    assert set(LONG_RUNNING) <= set(compose()["services"])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(name: str) -> None:
    healthcheck = service(name).get("healthcheck") or {}
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    test = healthcheck.get("test")
    assert test, f"{name} has no healthcheck test"
    assert test not in (["NONE"], "NONE")


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_restarts_unless_stopped(name: str) -> None:
    assert service(name).get("restart") == "unless-stopped"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_healthchecks_use_only_tools_present_in_the_slim_image(name: str) -> None:
    test = " ".join(strings(service(name)["healthcheck"]["test"]))
    for missing_tool in ("curl", "wget", "pgrep", "nc "):
        assert missing_tool not in test, f"{name}'s healthcheck needs {missing_tool.strip()}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_waits_for_healthy_postgres_and_redis(name: str) -> None:
    deps = depends_on(name)
    for dependency in ("postgres", "redis"):
        assert dependency in deps, f"{name} does not depend on {dependency}"
        assert deps[dependency].get("condition") == "service_healthy", (
            f"{name} starts before {dependency} is healthy"
        )


def test_worker_waits_for_a_healthy_mail_server() -> None:
    assert depends_on("worker").get("mailpit", {}).get("condition") == "service_healthy"


def test_migrations_run_once_before_the_app_services_start() -> None:
    services = compose()["services"]
    migrators = [name for name in APP_SERVICES if "migrate" in command_line(name)]
    if "migrate" not in services:
        assert migrators == ["web"], "without a migrate job, web alone must migrate"
        return
    assert not migrators, f"{migrators} migrate as well as the migrate job"
    job = services["migrate"]
    assert "manage.py migrate" in command_line("migrate")
    assert "--noinput" in command_line("migrate")
    assert str(job.get("restart", "no")).split(":")[0] in ("no", "on-failure"), (
        "a one-shot job that restarts after success migrates in a loop"
    )
    assert depends_on("migrate").get("postgres", {}).get("condition") == "service_healthy"
    # The image's HTTP healthcheck would mark the job unhealthy while it runs.
    assert (job.get("healthcheck") or {}).get("disable") is True
    for name in APP_SERVICES:
        assert depends_on(name).get("migrate", {}).get("condition") == (
            "service_completed_successfully"
        ), f"{name} may start before the migrations are applied"


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_app_services_are_built_from_this_repository_and_read_dot_env(name: str) -> None:
    assert name in compose()["services"]
    svc = service(name)
    build = svc.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    assert context in (".", "./"), f"{name} does not build the Dockerfile here"
    env_files = svc.get("env_file")
    env_files = env_files if isinstance(env_files, list) else [env_files]
    paths = [item["path"] if isinstance(item, dict) else item for item in env_files]
    assert ".env" in paths or "./.env" in paths


def test_web_runs_gunicorn_with_the_project_wsgi_application() -> None:
    command = command_line("web")
    assert "gunicorn" in command
    assert "community.wsgi:application" in command
    assert "0.0.0.0:8000" in command
    assert "WEB_CONCURRENCY" in command
    assert any(str(port).endswith("8000") for port in service("web").get("ports", []))


def test_web_healthcheck_probes_healthz() -> None:
    test = " ".join(strings(service("web")["healthcheck"]["test"]))
    assert "/healthz" in test


def worker_queues(name: str) -> set[str]:
    command = command_line(name)
    assert "celery -A community worker" in command
    queues = re.search(r"(?:-Q|--queues)[ =](\S+)", command)
    assert queues, f"{name} must name its queues"
    return set(queues[1].split(","))


def test_the_workers_consume_every_queue_with_digests_apart() -> None:
    consumed = worker_queues("worker") | worker_queues("digest-worker")
    assert consumed >= WORKER_QUEUES
    assert worker_queues("digest-worker") == {"digest"}
    assert "digest" not in worker_queues("worker")
    # A task routed to a queue nobody consumes would wait forever.
    routed = set(re.findall(r"""["']queue["']\s*:\s*["'](\w+)["']""", SETTINGS_FILE.read_text()))
    assert routed <= consumed, f"queues routed to but not consumed: {routed - consumed}"


@pytest.mark.parametrize("name", ["worker", "digest-worker"])
def test_worker_healthcheck_pings_this_worker_through_the_broker(name: str) -> None:
    test = " ".join(strings(service(name)["healthcheck"]["test"]))
    assert "celery -A community inspect ping" in test
    assert "celery@$$HOSTNAME" in test or "celery@$${HOSTNAME}" in test


def test_beat_runs_celery_beat_with_a_writable_schedule_file() -> None:
    command = command_line("beat")
    assert "celery -A community beat" in command
    schedule = re.search(r"(?:-s|--schedule)[ =](\S+)", command)
    assert schedule, "beat must keep its schedule file out of the read-only /app"
    assert PurePosixPath(schedule[1]).parts[:2] == ("/", "tmp")


def test_beat_healthcheck_pings_beat_itself() -> None:
    test = " ".join(strings(service("beat")["healthcheck"]["test"]))
    assert "celery -A community inspect ping" in test
    assert "celerybeat@$$HOSTNAME" in test or "celerybeat@$${HOSTNAME}" in test
    # Beat only answers remote control when it is switched on.
    assert "--enable-remote-control" in command_line("beat")


def test_beat_is_a_single_replica() -> None:
    replicas = (service("beat").get("deploy") or {}).get("replicas", 1)
    assert replicas == 1, "two beats send every periodic task twice"


def test_app_urls_point_at_the_compose_services() -> None:
    values = example_values()
    services = set(compose()["services"])
    for name in APP_SERVICES:
        env = {key: interpolate(value, values) for key, value in environment(name).items()}
        for key, scheme in (("DATABASE_URL", "postgres"), ("REDIS_URL", "redis")):
            url = urlsplit(env[key])
            assert url.scheme.startswith(scheme), f"{name}: {key} is not a {scheme} URL"
            assert url.hostname in services, f"{name}: {key} points at {url.hostname}"
        email = urlsplit(env["EMAIL_URL"])
        assert email.scheme.startswith("smtp")
        assert email.hostname in services, f"{name}: EMAIL_URL points at {email.hostname}"
        assert email.port == 1025


def test_database_url_matches_the_postgres_service_credentials() -> None:
    values = example_values()
    postgres = {key: interpolate(value, values) for key, value in environment("postgres").items()}
    for name in APP_SERVICES:
        url = urlsplit(interpolate(environment(name)["DATABASE_URL"], values))
        assert url.hostname == "postgres"
        assert (url.port or 5432) == 5432
        assert url.username == postgres["POSTGRES_USER"]
        assert url.password == postgres["POSTGRES_PASSWORD"]
        assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_every_named_volume_is_declared() -> None:
    declared = set(compose().get("volumes") or {})
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            if source and not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name} uses the undeclared volume {source}"


def test_postgres_and_redis_keep_their_data_in_named_volumes() -> None:
    declared = set(compose().get("volumes") or {})
    for name in ("postgres", "redis"):
        sources = {str(volume).split(":")[0] for volume in service(name).get("volumes", [])}
        assert sources & declared, f"{name} would lose its data with the container"
    assert "--appendonly" in command_line("redis")


# ---------------------------------------------------------------------------
# .env.example


def test_every_compose_variable_is_documented_in_env_example() -> None:
    missing = referenced_variables() - documented_variables()
    assert not missing, f"used in docker-compose.yml, missing from .env.example: {missing}"


def test_every_variable_left_to_the_containers_is_documented_in_env_example() -> None:
    missing = container_side_variables() - CONTAINER_PROVIDED - documented_variables()
    assert not missing, f"read by compose commands, missing from .env.example: {missing}"


def test_every_app_service_environment_key_is_documented_in_env_example() -> None:
    keys = {key for name in APP_SERVICES for key in environment(name)}
    missing = keys - documented_variables()
    assert not missing, f"set for the app services, missing from .env.example: {missing}"


def test_every_variable_the_settings_read_is_documented_in_env_example() -> None:
    read = settings_variables()
    assert {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DATABASE_URL"} <= read, (
        "the settings parser found too little; has the way settings read variables changed?"
    )
    missing = read - documented_variables()
    assert not missing, f"read by community/settings.py, missing from .env.example: {missing}"


def test_env_example_documents_each_variable_with_a_comment() -> None:
    lines = env_example_lines()
    for index, line in enumerate(lines):
        match = ENV_ASSIGNMENT.match(line)
        if not match:
            continue
        above = lines[index - 1].strip() if index else ""
        problem = f"{match['name']} in .env.example has no explanatory comment above it"
        assert above.startswith("#"), problem
        assert not ENV_ASSIGNMENT.match(above), problem


def test_env_example_values_are_safe_for_a_local_compose_start() -> None:
    values = example_values()
    assert values["DJANGO_DEBUG"] == "0"
    assert values["DJANGO_SECRET_KEY"].startswith("change-me")
    assert values["POSTGRES_PASSWORD"].startswith("change-me")
    assert set(values["DJANGO_ALLOWED_HOSTS"].split(",")) >= {"localhost", "127.0.0.1"}
    assert values["SITE_URL"] == "http://localhost:8000"
    # Plain HTTP on loopback; a public deployment turns it back on behind TLS.
    assert values["DJANGO_HTTPS"] == "0"
    assert "secrets.token_urlsafe" in ENV_EXAMPLE.read_text()
    # Compose reads the URLs of its own services, not ones left in .env.
    assert "DATABASE_URL" not in values
    assert "REDIS_URL" not in values


# ---------------------------------------------------------------------------
# Dockerfile


def test_dockerfile_is_multi_stage() -> None:
    stages = [args for instruction, args in dockerfile_instructions() if instruction == "FROM"]
    assert len(stages) >= 2


def test_dockerfile_runtime_runs_as_a_non_root_user() -> None:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM")
    users = [args for instruction, args in instructions[last_from:] if instruction == "USER"]
    assert users, "the runtime stage never leaves root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_has_a_healthcheck_on_healthz() -> None:
    healthchecks = [
        args for instruction, args in dockerfile_instructions() if instruction == "HEALTHCHECK"
    ]
    assert healthchecks
    assert healthchecks[-1].upper() != "NONE"
    assert "/healthz" in healthchecks[-1]


def test_dockerfile_default_command_is_gunicorn() -> None:
    commands = [args for instruction, args in dockerfile_instructions() if instruction == "CMD"]
    assert commands
    assert "gunicorn community.wsgi:application" in commands[-1]
    assert "--bind 0.0.0.0:8000" in commands[-1]


def test_dockerfile_collectstatic_environment_loads_the_settings() -> None:
    """The build runs collectstatic without a database: the settings must load
    with only the variables the Dockerfile gives it."""
    runs = [args for instruction, args in dockerfile_instructions() if instruction == "RUN"]
    step = next((run for run in runs if "collectstatic" in run), None)
    assert step, "the image does not collect static files"
    build_env = {}
    for word in shlex.split(step.split("&&")[0]):
        name, equals, value = word.partition("=")
        if not equals or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            break
        build_env[name] = value
    assert build_env.get("DJANGO_DEBUG") == "0"
    # Nothing from this machine's environment may help: the build has none of it.
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_variables() and not key.startswith("DJANGO_")
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "community.settings", **build_env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", "var", "staticfiles", ".git"} <= ignored
