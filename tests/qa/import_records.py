"""Records in the importer's JSON-lines format, and running import_threads on them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command


def user(n: int, **changes) -> dict:
    return {"type": "user", "id": f"u{n}", "username": f"imported{n}",
            "email": f"imported{n}@example.org", "display_name": f"Imported {n}",
            "date_joined": "2023-01-01T00:00:00Z", **changes}  # fmt: skip


def thread(n: int, **changes) -> dict:
    return {
        "type": "question", "id": f"q{n}", "author": "u1", "title": f"How do I import thread {n}?",
        "body": "Some **Markdown** body.", "tags": ["Django", "orm"], "created_at":
        "2024-01-01T10:00:00Z", "views": 7,
        "answers": [
            {"id": f"a{n}.0", "author": "u2", "body": "First", "created_at": "2024-01-01T11:00:00Z",
             "accepted": False, "comments": [], "votes": {"up": ["u2", "u3"], "down": []}},
            {"id": f"a{n}.1", "author": "u3", "body": "Second", "created_at":
             "2024-01-01T12:00:00Z", "accepted": True,
             "comments": [{"id": f"c{n}", "author": "u1", "body": "Thanks",
                           "created_at": "2024-01-02T09:00:00Z"}]},
        ],
        "comments": [], "votes": {"up": ["u1", "u2", "u3"], "down": ["u4"]}, **changes,
    }  # fmt: skip


USERS = [user(n) for n in range(1, 5)]


def write(tmp_path: Path, records: list, extra_lines: tuple[bytes, ...] = ()) -> Path:
    path = tmp_path / "threads.jsonl"
    lines = [json.dumps(r).encode() for r in records] + list(extra_lines)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_threads", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
