"""Request bodies over MAX_REQUEST_BYTES are refused before they are read.

Through the test client, then over real sockets: against the live test server, and
against gunicorn, the production server, which decodes chunked bodies.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from tests.community.settings_env import PRODUCTION, load

BASE_DIR = Path(__file__).resolve().parents[2]
SIXTY_MB = 60 * 1024 * 1024
TOKEN = "/api/v1/auth/token/"
UNKNOWN_LOGIN = json.dumps({"username": "nobody", "password": "wrong-password-123"}).encode()


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")

    readline = read  # type: ignore[assignment]


class Counted(io.BytesIO):
    """A body that remembers how many bytes were taken from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def declared(client: Client, path: str, length: int, content_type: str) -> object:
    """A request announcing `length` bytes of body that must never be read."""
    return client.generic(
        "POST",
        path,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": Unreadable()},
    )


def unsized(client: Client, path: str, body: io.BytesIO, *, terminated: bool) -> object:
    """A request sent with Transfer-Encoding: chunked, as the WSGI server hands it on:
    no CONTENT_LENGTH, the decoded body in wsgi.input."""
    extra = {"wsgi.input": body, "HTTP_TRANSFER_ENCODING": "chunked"}
    if terminated:
        extra["wsgi.input_terminated"] = True
    return client.generic("POST", path, CONTENT_TYPE="application/json", **extra)


# --- Through the test client -------------------------------------------------------


def test_the_default_limit_is_two_mib_and_the_environment_sets_it():
    assert settings.MAX_REQUEST_BYTES == 2 * 1024 * 1024
    assert load(["MAX_REQUEST_BYTES"], **PRODUCTION, DJANGO_MAX_REQUEST_BYTES="65536") == {
        "MAX_REQUEST_BYTES": "65536"
    }


def test_a_large_multipart_body_to_the_api_is_refused_from_its_length_alone(client):
    response = declared(client, TOKEN, SIXTY_MB, "multipart/form-data; boundary=xyz")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than 2 MiB, the most this site accepts."
    }


def test_a_large_body_to_a_page_gets_a_plain_413(client):
    response = declared(client, "/accounts/login/", SIXTY_MB, "application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"larger than 2 MiB" in response.content


@pytest.mark.django_db
@override_settings(MAX_REQUEST_BYTES=4096)
def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(client):
    at_limit = UNKNOWN_LOGIN[:-1] + b" " * (4096 - len(UNKNOWN_LOGIN)) + b"}"
    assert len(at_limit) == 4096

    accepted = client.post(TOKEN, at_limit, content_type="application/json")
    refused = client.post(TOKEN, at_limit + b" ", content_type="application/json")

    assert accepted.status_code == 401
    assert refused.status_code == 413
    assert refused.json()["detail"] == (
        "The request body is larger than 4 KiB, the most this site accepts."
    )


@override_settings(MAX_REQUEST_BYTES=4096)
def test_a_chunked_body_is_read_no_further_than_one_byte_past_the_limit(client):
    body = Counted(b"x" * SIXTY_MB)

    response = unsized(client, TOKEN, body, terminated=True)

    assert response.status_code == 413
    assert body.taken == 4097


@pytest.mark.django_db
def test_a_chunked_body_within_the_limit_reaches_the_view(client):
    response = unsized(client, TOKEN, Counted(UNKNOWN_LOGIN), terminated=True)

    # Parsed: without the body the answer would be a 400 naming the missing fields.
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}


def test_a_body_without_length_from_a_server_that_does_not_end_the_stream_is_refused(client):
    response = unsized(client, TOKEN, Counted(UNKNOWN_LOGIN), terminated=False)

    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]


@pytest.mark.django_db
def test_ordinary_posts_and_pages_are_untouched(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.post(TOKEN, UNKNOWN_LOGIN, content_type="application/json").status_code == 401
    response = client.post("/accounts/login/", {"login": "nobody", "password": "wrong-pass-123"})
    assert response.status_code == 200
    assert response.context["form"].errors


# --- Over a real socket ------------------------------------------------------------


def exchange(
    host: str, port: int, head: bytes, body: bytes, *, timeout: float = 10
) -> tuple[int, dict[str, object]]:
    """Send a request head and (part of) its body; return the status and JSON body of
    the first response, read as far as its Content-Length."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head + body)
        answer = b""
        try:
            while (response := _first_response(answer)) is None:
                chunk = sock.recv(65536)
                if not chunk:
                    raise AssertionError(f"connection closed after {answer!r}")
                answer += chunk
        except ConnectionResetError:
            # A server may reset a connection whose body it will not read, once it has
            # answered.
            response = _first_response(answer)
            assert response is not None, f"connection reset after {answer!r}"
    return response


def _first_response(answer: bytes) -> tuple[int, dict[str, object]] | None:
    head, separator, rest = answer.partition(b"\r\n\r\n")
    if not separator:
        return None
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:])
    length = int(fields["content-length"])
    if len(rest) < length:
        return None
    return int(lines[0].split(" ", 2)[1]), json.loads(rest[:length])


def sixty_mb_multipart_head(host: str, port: int) -> tuple[bytes, bytes]:
    """The head of a 60 MB multipart request, and its first 64 KiB."""
    head = (
        f"POST {TOKEN} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {SIXTY_MB}\r\n\r\n"
    ).encode()
    start = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    return head, start + b"x" * (64 * 1024 - len(start))


def chunked(host: str, port: int, body: bytes, *, last: bool = True) -> tuple[bytes, bytes]:
    """A request with Transfer-Encoding: chunked carrying `body`; with last=False the
    final chunk is left out, as by a client still streaming."""
    head = (
        f"POST {TOKEN} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return head, encoded + (b"0\r\n\r\n" if last else b"")


def host_port(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def test_live_server_refuses_sixty_mb_after_reading_only_the_head(live_server):
    host, port = host_port(live_server.url)
    head, start = sixty_mb_multipart_head(host, port)

    started = time.monotonic()
    status, body = exchange(host, port, head, start)

    assert status == 413
    assert "larger than 2 MiB" in str(body["detail"])
    assert time.monotonic() - started < 5


def test_live_server_refuses_a_chunked_body(live_server):
    # Django's own server does not decode chunked bodies, so it gets no body to bound:
    # the request is refused with a request for a length.
    host, port = host_port(live_server.url)

    head, start = chunked(host, port, b"x" * 64 * 1024, last=False)

    status, body = exchange(host, port, head, start)

    assert status == 411
    assert "Content-Length" in str(body["detail"])


def test_live_server_takes_an_ordinary_post(live_server):
    host, port = host_port(live_server.url)
    server = http.client.HTTPConnection(host, port, timeout=10)
    server.request("POST", TOKEN, UNKNOWN_LOGIN, {"Content-Type": "application/json"})
    response = server.getresponse()

    assert response.status == 401
    assert json.loads(response.read()) == {"detail": "Wrong username or password."}
    server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    server = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        server.request("GET", "/healthz")
        return server.getresponse().status == 200
    except OSError:
        return False
    finally:
        server.close()


@pytest.fixture
def gunicorn(db) -> Iterator[tuple[str, int]]:
    """gunicorn serving the project on loopback against the test database."""
    port = free_port()
    db_settings = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db_settings['USER']}:{db_settings['PASSWORD']}@"
            f"{db_settings['HOST']}:{db_settings['PORT']}/{db_settings['NAME']}"
        ),
        "DJANGO_MAX_REQUEST_BYTES": str(settings.MAX_REQUEST_BYTES),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "community.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("gunicorn did not start:\n" + process.communicate()[1])
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.integration
def test_gunicorn_bounds_chunked_bodies_and_refuses_a_declared_sixty_mb(gunicorn):
    host, port = gunicorn

    over = exchange(host, port, *chunked(host, port, b"x" * (settings.MAX_REQUEST_BYTES + 1)))
    within = exchange(host, port, *chunked(host, port, UNKNOWN_LOGIN))
    started = time.monotonic()
    declared_big = exchange(host, port, *sixty_mb_multipart_head(host, port))

    assert over[0] == 413
    assert within == (401, {"detail": "Wrong username or password."})
    assert declared_big[0] == 413
    assert time.monotonic() - started < 5
