"""manage.py import_threads FILE.jsonl: load a community from JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qa.importer import BadLine, Importer


class Command(BaseCommand):
    help = (
        "Import users, questions, answers, comments, votes and accepted answers from a JSON "
        "Lines file (the format of shared/bench/make_dataset.py). Running the same file again "
        "updates the rows instead of duplicating them. With --on-error=skip (the default) a "
        "bad line is reported with its number and skipped, and every batch is committed as "
        "it goes; with --on-error=stop the first bad line stops the import and the whole "
        "import is rolled back, so nothing of it stays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .jsonl file, or - for standard input.")
        parser.add_argument("--on-error", choices=["skip", "stop"], default="skip")

    def handle(self, *args: Any, file: Path, on_error: str, **options: Any) -> None:
        def progress(message: str) -> None:
            self.stderr.write(message)

        importer = Importer(on_error=on_error, progress=progress)
        try:
            if str(file) == "-":
                stats = importer.run(sys.stdin.buffer)
            else:
                if not file.is_file():
                    raise CommandError(f"{file} is not a file.")
                with file.open("rb") as stream:
                    stats = importer.run(stream)
        except BadLine as error:
            raise CommandError(f"Import stopped and rolled back: {error}") from error
        self.stdout.write(
            f"Imported {stats.users:,} users, {stats.questions:,} questions, "
            f"{stats.answers:,} answers, {stats.comments:,} comments and {stats.votes:,} votes "
            f"in {stats.seconds:.1f} s; {len(stats.skipped):,} bad lines skipped."
        )
