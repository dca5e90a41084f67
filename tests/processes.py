"""Real processes for integration tests: an SMTP sink and a Celery worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        # Exactly the bytes that came over the wire, for checking headers as sent.
        self.raw: list[bytes] = []
        self._arrived = threading.Condition()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._arrived:
            self.raw.append(envelope.original_content)
            self.messages.append(message_from_bytes(envelope.original_content))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, *, timeout: float = 30) -> list[Message]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.messages)} of {count} messages within {timeout}s")
            return list(self.messages)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def message_text(message: Message) -> str:
    """The plain-text body of a message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


@contextmanager
def celery_worker(
    *, env: dict[str, str], queues: str = "default,mail,digest", name: str = "test"
) -> Iterator[subprocess.Popen[str]]:
    """Run `celery worker` as its own process until the block ends; yields the process."""
    command = [
        sys.executable, "-m", "celery", "-A", "community", "worker", "--loglevel", "INFO",
        "--queues", queues, "--pool", "solo", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "--hostname", f"{name}-{os.getpid()}@%h",
    ]  # fmt: skip
    with _celery_process(command, env=env, ready_text=" ready.") as process:
        yield process


@contextmanager
def celery_beat(*, env: dict[str, str], schedule_file: Path) -> Iterator[subprocess.Popen[str]]:
    """Run `celery beat` as its own process until the block ends."""
    command = [
        sys.executable, "-m", "celery", "-A", "community", "beat", "--loglevel", "INFO",
        "--schedule", str(schedule_file),
    ]  # fmt: skip
    with _celery_process(command, env=env, ready_text="beat: Starting") as process:
        yield process


@contextmanager
def _celery_process(
    command: list[str], *, env: dict[str, str], ready_text: str
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout
        for line in process.stdout:
            output.append(line)
            if ready_text in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while not ready.is_set():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{command[4]} did not start:\n" + "".join(output))
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
