"""makemessages for this project: the same command, with the catalogue kept stable.

- No fuzzy matching: msgmerge would otherwise fill a new string with the translation of a
  similar old one, flagged fuzzy, which is a wrong translation waiting to be shipped.
- No wrapping, and locations by file only (no line numbers): an entry stays one line per
  field and does not move when the code around it does, so that several people filling
  translations at once change only the lines of their own strings.
- The folders that hold no source of ours are skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

IGNORED = [".venv", ".venv/*", "var", "var/*", "staticfiles", "staticfiles/*", "node_modules"]


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["no_wrap"] = True
        if not options.get("add_location"):
            options["add_location"] = "file"
        super().handle(*args, **options)
