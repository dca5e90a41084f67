"""compilemessages for this project: only our catalogues.

Django's command compiles every locale folder below the current directory, which
includes the installed packages in .venv (their catalogues come compiled already).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import compilemessages

from community.management.commands.makemessages import IGNORED


class Command(compilemessages.Command):
    def handle(self, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        super().handle(**options)
