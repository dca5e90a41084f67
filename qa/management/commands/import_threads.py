"""manage.py import_threads FILE.jsonl: load a community from JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qa.importer import Importer, ImportStopped


class Command(BaseCommand):
    help = (
        "Import users, questions, answers, comments, votes and accepted answers from a JSON "
        "Lines file (the format of shared/bench/make_dataset.py), streamed and written in "
        "batches of 500 questions, each batch in one transaction. Running the same file "
        "again updates the rows instead of duplicating them. A bad line is reported on "
        "standard error with its number. With --on-error=skip (the default) it is left out "
        "and the import goes on. With --on-error=stop the import stops at the first bad line "
        "with a non-zero exit status; nothing of the batch that line belongs to is written, "
        "but the batches before it stay (run the fixed file again to finish: it picks up "
        "where it stopped), unless --atomic is given, which runs the whole import in one "
        "transaction so that a stop leaves nothing at all. On PostgreSQL, a large first "
        "load (no question in the database yet, without --atomic) is written without the "
        "search indexes, which are built at its end; if it is killed before then, the next "
        "import builds them first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The .jsonl file, or - for standard input.")
        parser.add_argument(
            "--on-error",
            choices=["skip", "stop"],
            default="skip",
            help="skip a bad line and go on (default), or stop there.",
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="Run the whole import in one transaction: all or nothing.",
        )

    def handle(self, *args: Any, file: Path, on_error: str, atomic: bool, **options: Any) -> None:
        importer = Importer(on_error=on_error, atomic=atomic, progress=self.stderr.write)
        try:
            if str(file) == "-":
                stats = importer.run(sys.stdin.buffer)
            else:
                if not file.is_file():
                    raise CommandError(f"{file} is not a file.")
                with file.open("rb") as stream:
                    stats = importer.run(stream)
        except ImportStopped as error:
            kept = "nothing was kept" if atomic else "earlier batches were kept"
            raise CommandError(
                f"Import stopped at {error}; its batch was not written, {kept}. "
                f"{importer.stats.summary()}"
            ) from error
        self.stdout.write(stats.summary())
