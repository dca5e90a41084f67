"""Run the whole embedded platform in the foreground: web server, Celery worker and beat."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Migrate the embedded database, load demo data, then run the web server, a Celery "
        "worker and Celery beat together until Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Where the web server listens."
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not create the demo members and tags."
        )

    def handle(self, *args: Any, addr: str, no_demo: bool, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "run_embedded is the development mode and needs DJANGO_DEBUG=1; production "
                "runs gunicorn, a worker and beat as separate services (see README)."
            )
        # The folders under var/ exist already: settings create them for every command.
        call_command("migrate", interactive=False, verbosity=1)
        if not no_demo:
            call_command("load_demo_data")

        python = sys.executable
        manage = str(settings.BASE_DIR / "manage.py")
        schedule = str(settings.VAR_DIR / "celerybeat-schedule")
        commands = {
            "web": [python, manage, "runserver", addr, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "community",
                "worker",
                "--loglevel",
                "INFO",
                "--queues",
                "default,mail,digest",
                "--concurrency",
                "2",
                "--hostname",
                "embedded@%h",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "community",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                schedule,
            ],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        for name, command in commands.items():
            # The commands are built above from this interpreter and fixed arguments.
            processes[name] = subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603

        mail = settings.MAILERS["default"]["OPTIONS"].get("file_path")
        self.stdout.write(
            self.style.SUCCESS(f"\nThe platform is starting on http://{addr}/")
            + (f"\nOutgoing mail is written to {mail}" if mail else "")
            + "\nPress Ctrl-C to stop the web server, the worker and beat.\n"
        )

        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                exited = [name for name, proc in processes.items() if proc.poll() is not None]
                if exited:
                    self.stderr.write(f"{', '.join(exited)} stopped; stopping the others.")
                    break
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        if not stopping:
            raise CommandError("A process of the platform stopped unexpectedly.")
