from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        # In development the header says where outgoing mail is written.
        "mail_dir": settings.MAILERS["default"]["OPTIONS"].get("file_path")
        if settings.DEBUG
        else None,
    }
